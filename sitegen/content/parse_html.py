"""A saved HTML listing as the data it embeds, or as logical lines.

The Hub's listing and search pages embed their papers as JSON in a `data-props`
attribute (`<div data-target="DailyPapers" data-props="{…}">`); where a saved page
has that, it is the most faithful copy.  Otherwise the rendered page is read with
the standard library's HTML parser into the same `Line`s a Markdown capture gives
(headings marked, links kept, scripts and styles dropped), for the card reader.
The day a saved page was captured comes from the address it was saved from (a
daily listing's names its day: the page's canonical link or `og:url`, a browser's
`saved from url` comment, an MHTML archive's `Snapshot-Content-Location`) or from
SingleFile's `saved date:` or the archive's `Date:`.  `mhtml_page` takes the page out of
an MHTML archive (Chrome's and Edge's "Webpage, Single File").
Pure: text in, data or lines out.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from .capture import clean_text, iso_date, loose_date
from .parse_lines import LISTING_ADDRESS, FrontMatter, Line
from .text_links import hub_url

BLOCK_TAGS = {"p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "li",
              "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "td", "th", "table",
              "blockquote", "pre", "hr", "dd", "dt", "dl", "figure", "figcaption", "time", "button",
              "form", "body", "html"}
SKIPPED_TAGS = {"script", "style", "noscript", "template", "svg", "head", "title", "iframe"}
HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
MAX_PROPS = 50_000_000
# Where a saved page says what it was saved from: `<!-- saved from url=(0043)https://… -->`
# (Chrome, Edge) or SingleFile's `url: https://…` and `saved date: Wed Jan 15 2025 …`.
SAVED_FROM = re.compile(r"saved from url=\(\d+\)(?P<url>\S+)|\burl:\s*(?P<singlefile>\S+)", re.IGNORECASE)
# An MHTML archive starts with mail headers, one of them naming its parts `multipart/related`.
MHTML_HEAD = re.compile(r"\A(?:[\w-]+:[^\n]*\n|[ \t][^\n]*\n)*?content-type:\s*multipart/related", re.IGNORECASE)
SAVED_DATE = re.compile(r"saved date:\s*(?P<date>[^\n]{6,60})", re.IGNORECASE)


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
        self.addresses: list[tuple[str, str, int]] = []  # (url, where it was given, line)
        self.saved_dates: list[tuple[str, str, int]] = []  # (a saved date, where it was given, line)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "link" and (attributes.get("rel") or "").lower() == "canonical":
            self.addresses.append((attributes.get("href") or "", "the page's canonical link", self.getpos()[0]))
        elif tag == "meta" and (attributes.get("property") or "").lower() == "og:url":
            self.addresses.append((attributes.get("content") or "", "the page's `og:url`", self.getpos()[0]))
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

    def handle_comment(self, data):
        if "WAYBACK TOOLBAR INSERT" in data:  # the Wayback Machine's toolbar, not the page's
            self.skipping += 1 if "BEGIN" in data else -1 if self.skipping else 0
            return
        saved = SAVED_FROM.search(data)
        if saved:
            where = "the page's `saved from url` comment" if saved["url"] else "SingleFile's `url:` comment"
            self.addresses.append((saved["url"] or saved["singlefile"], where, self.getpos()[0]))
        saved_date = SAVED_DATE.search(data)
        if saved_date:
            self.saved_dates.append((saved_date["date"], "SingleFile's `saved date:`", self.getpos()[0]))

    def handle_data(self, data):
        if self.skipping:
            return
        if not self.text or not "".join(self.text).strip():
            self.start_line = self.getpos()[0]
        self.text.append(data)

    def _flush(self):
        text = clean_text("".join(self.text))
        if text:
            links = [hub_url(url) for url in self.links]
            self.lines.append(Line(self.start_line, text, links, heading=self.heading,
                                   comments=self.comments, after_blank=True))
        elif self.comments is not None:
            self.lines.append(Line(self.start_line, "", comments=self.comments))
        elif self.links and self.lines:
            self.lines[-1].links.extend(hub_url(url) for url in self.links)
        self.text, self.links, self.heading, self.comments = [], [], False, None


def read_html(text: str, saved: tuple[str | None, str | None] = (None, None)) -> tuple[list, list[Line], FrontMatter]:
    """(the data each `data-props` attribute holds, the page's visible lines, the day it
    says it was captured).  `saved`: the address and date an archive of the page (MHTML)
    says it was saved from and on, looked at after what the page itself says."""
    parser = _ListingHTML()
    parser.feed(text)
    parser.close()
    address, date = saved
    if address:
        parser.addresses.append((address, "the MHTML's `Snapshot-Content-Location`", 1))
    if date:
        parser.saved_dates.append((date, "the MHTML's `Date:`", 1))
    parser._flush()
    embedded = []
    for props in parser.props:
        try:
            embedded.append(json.loads(props))
        except (ValueError, RecursionError):
            continue
    return embedded, parser.lines, _captured(parser)


def _captured(parser: _ListingHTML) -> FrontMatter:
    """The day in the address of a daily listing the page was saved from, else the day
    SingleFile says it saved it."""
    for url, where, line in parser.addresses:
        address = LISTING_ADDRESS.search(url)
        date = iso_date(address["date"]) if address else None
        if date is not None:
            return FrontMatter(date, f"the listing's address in {where}", line)
    for value, where, line in parser.saved_dates:
        date = loose_date(value)
        if date is not None:
            return FrontMatter(date, where, line)
    return FrontMatter()


def mhtml_page(text: str) -> tuple[str, str | None, str | None] | None:
    """The HTML page an MHTML archive holds, with the address and date it was saved from
    and on; None if `text` is not an MHTML archive.  Line numbers are the page's."""
    head = text[:4000].replace("\r\n", "\n")
    if not MHTML_HEAD.match(head):
        return None
    import email.policy  # here: only an MHTML capture needs the email package, slow to import

    archive = email.message_from_string(text, policy=email.policy.compat32)
    for part in archive.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True) or b""
            charset = part.get_content_charset() or "utf-8"
            try:
                page = payload.decode(charset, errors="replace")
            except LookupError:
                page = payload.decode("utf-8", errors="replace")
            address = archive["Snapshot-Content-Location"] or part["Content-Location"]
            return page, (str(address) if address else None), (str(archive["Date"]) if archive["Date"] else None)
    return None
