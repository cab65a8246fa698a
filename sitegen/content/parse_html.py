"""A saved HTML listing as the data it embeds, or as logical lines.

The Hub's listing and search pages embed their papers as JSON in a `data-props`
attribute (`<div data-target="DailyPapers" data-props="{…}">`); where a saved page
has that, it is the most faithful copy.  Otherwise the rendered page is read with
the standard library's HTML parser into the same `Line`s a Markdown capture gives
(headings marked, links kept, scripts and styles dropped), for the card reader.
Pure: text in, data or lines out.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser

from .capture import clean_text
from .parse_lines import Line

BLOCK_TAGS = {"p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "li",
              "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "td", "th", "table",
              "blockquote", "pre", "hr", "dd", "dt", "dl", "figure", "figcaption", "time", "button",
              "form", "body", "html"}
SKIPPED_TAGS = {"script", "style", "noscript", "template", "svg", "head", "title", "iframe"}
HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
MAX_PROPS = 50_000_000


class _ListingHTML(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.props: list[str] = []
        self.lines: list[Line] = []
        self.skipping = 0
        self.text: list[str] = []
        self.links: list[str] = []
        self.heading = False
        self.start_line = 1
        self.comments: int | None = None  # the count a `…#community` link shows
        self.community_start: int | None = None  # where that link's text starts in `text`

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        props = attributes.get("data-props")
        if props and len(props) < MAX_PROPS:
            self.props.append(props)
        if tag in SKIPPED_TAGS:
            self.skipping += 1
        elif tag in BLOCK_TAGS:
            self._flush()
            self.heading = tag in HEADING_TAGS
        elif tag == "a" and (attributes.get("href") or "").endswith("#community"):
            self.community_start = len(self.text)  # a comment count, kept apart from the date
        elif tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in SKIPPED_TAGS:
            self.skipping -= 1

    def handle_endtag(self, tag):
        if tag == "a" and self.community_start is not None:
            count = "".join(self.text[self.community_start:]).strip()
            if count.isdecimal():
                self.comments = int(count)
                del self.text[self.community_start:]
            self.community_start = None
        if tag in SKIPPED_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCK_TAGS:
            self._flush()

    def handle_data(self, data):
        if self.skipping:
            return
        if not self.text or not "".join(self.text).strip():
            self.start_line = self.getpos()[0]
        self.text.append(data)

    def _flush(self):
        text = clean_text("".join(self.text))
        if text:
            links = [_absolute(url) for url in self.links]
            self.lines.append(Line(self.start_line, text, links, heading=self.heading,
                                   comments=self.comments, after_blank=True))
        elif self.comments is not None:
            self.lines.append(Line(self.start_line, "", comments=self.comments))
        elif self.links and self.lines:
            self.lines[-1].links.extend(_absolute(url) for url in self.links)
        self.text, self.links, self.heading, self.comments = [], [], False, None


def _absolute(url: str) -> str:
    return "https://huggingface.co" + url if url.startswith("/") and not url.startswith("//") else url


def read_html(text: str) -> tuple[list, list[Line]]:
    """(the data each `data-props` attribute holds, the page's visible lines)."""
    parser = _ListingHTML()
    parser.feed(text)
    parser.close()
    parser._flush()
    embedded = []
    for props in parser.props:
        try:
            embedded.append(json.loads(props))
        except (ValueError, RecursionError):
            continue
    return embedded, parser.lines
