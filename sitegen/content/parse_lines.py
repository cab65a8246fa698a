"""Text and Markdown captures as logical lines: markup gone, links kept as data.

A capture saved by a reader, crawler or notes tool wraps the listing's text in
Markdown: YAML front matter, headings, `[text](url)` and reference links
`[text][n]` (whose text may run over many lines), images, list bullets, escapes,
hard breaks, or a link's URL alone on the next line.  `logical_lines` turns all of
that into one `Line` per thing the listing showed (a title, an abstract, `3
authors`, `May 29`), each with the URLs it linked to, and reads the capture date
the front matter gives.  This module is the line pipeline: it chooses the passes a capture
needs and runs them in order; `text_links` finds and marks the links, in every spelling,
and reads them back.  Pure: text in, lines out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .capture import clean_text, iso_date, loose_date
from .text_links import (MARK, ends_in_numbered_references, mark_cited_links, mark_links, mark_numbered_links,
                         mark_raw_anchors, take_reference_definitions, unmark)

# Fields that say when a capture was made, as tools name them: firecrawl `retrieved:`, NotebookLM
# `exported:`, Obsidian Web Clipper and MarkDownload `created:` (or `clipped:`), `- Captured (UTC):`.
CAPTURE_DATE_KEYS = ("retrieved", "exported", "captured", "saved", "created", "clipped", "date")
FRONT_MATTER_LINES = 85  # the most `_take_front_matter` reads: a block opened in the first 5, 80 long
ADDRESS_KEYS = ("url", "source", "url source")  # the page's address (Jina reader: `URL Source:`)
PUBLISHED_KEYS = ("published time",)  # Jina reader: when the page says it was published
# A daily listing's address names its day: `…/papers/date/2025-01-15`, `…/papers?date=2025-01-15`.
LISTING_ADDRESS = re.compile(r"huggingface\.co/papers(?:/date/|/?\?(?:[^#\s]*&)?date=)"
                             r"(?P<date>\d{4}-\d{2}-\d{2})")
FRONT_MATTER_FIELD = re.compile(r"^\s*(?P<key>[\w ()-]{1,40}?)\s*:\s*(?P<value>.*)$")
# A header of `key: value` lines some tools write instead of front matter (`- Captured (UTC): …`,
# Jina reader's `Title:`, `URL Source:`, `Published Time:`, `Markdown Content:`).
HEADER_FIELD = re.compile(r"^\s*[-*]?\s*(?P<key>(?:url\s+source|published\s+time|markdown\s+content|url|"
                          r"title|source|type|retrieved|exported|captured|saved|created|clipped|date)"
                          r"(?:\s*\(utc\))?)\s*:\s*(?P<value>.*)$", re.IGNORECASE)
CODE_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
IMAGE = re.compile(r"!\[[^\[\]\n]*\](?:\([^()\[\]\s]*(?:\s+\"[^\"\n]*\")?\)|\[[^\[\]\n]*\])")
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
RANK = re.compile(r"^\d{1,3}\.\s+")
BULLETS = re.compile(r"^\s*(?:[-*+•]\s*(?=\S)|>\s*)+(?=\S)")
BULLETS_ONLY = re.compile(r"^\s*[-*+•]\s*$")
LIST_MARKS = ("-", "*", "+", "•", ">")  # what a Markdown list item or quote starts with
TEXT_BULLETS = " \t•*‣◦-"  # what a line with a bullet starts with
TEXT_BULLET = re.compile(r"^\s*[•*‣◦-]\s+(?=\S)")  # a list bullet as w3m, lynx or a browser writes it
RULE = re.compile(r"^(?:={3,}|(?:[-*_]\s*){3,})$")  # a heading's underline or a thematic break
ALT_TEXT = re.compile(r"^\[(?P<alt>[^\[\]]{0,80}[^\W\d_][^\[\]]{0,80}|)\]\s*")
ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
HTML_TAG = re.compile(r"</?(?:a|b|i|u|em|strong|br|span|div|p|sup|sub|img|code|small|mark|s|del|"
                      r"ins|abbr|cite|q|time|font|section|article|header|footer|nav|li|ul|ol)"
                      r"(?:\s[^>\n]{0,200})?/?>", re.IGNORECASE)
EMPHASIS = re.compile(r"(\*\*|__|`)")
BARE_URL = re.compile(r"^<?(?P<url>https?://\S+?)>?$")
# What each pass over the whole text needs, looked for before it runs.  Compiled: `re` finds a
# literal by skipping to its first character, much faster than `in` where that character is rare,
# as `]`, `!`, `` ` `` and `~` are in prose (benchmarks/README.md).
DEFINITION_SIGN, IMAGE_SIGN = re.compile(r"\]:"), re.compile(r"!\[")
FENCE_SIGNS = (re.compile("```"), re.compile("~~~"))
# A link Markdown keeps as raw HTML (pandoc's GitHub Markdown keeps every link with a class so).
RAW_ANCHOR_SIGN = re.compile(r"<[aA]\s")
SNIFFED = 1 << 20  # how far into a capture its converter's marks are looked for
# pandoc's Markdown of a saved page: `::: {.flex …}` fenced divs, `[text](url){.class}` and
# `# Heading {#id .class}` attributes, `[text]{.class}` spans (an attribute list may wrap).
ATTRIBUTES_SIGN = re.compile(r"\{[.#]")
PANDOC_FENCE = re.compile(r"^[ \t]*:{3,}[^\n]*$", re.MULTILINE)
PANDOC_SPAN = re.compile(r"\[(?P<text>[^\[\]\x00-\x02]*)\]\{[.#][^{}\[\]]*\}")
PANDOC_ATTRIBUTES = re.compile(r"[ \t]*\{[.#][^{}\n]*(?:\n[^{}\n]*){0,3}\}")
SHORT_LINE = 40  # the longest line whose plain text `_lines` remembers: metadata, not prose
CITATION_SIGN = re.compile("⟩")


@dataclass(slots=True)
class Line:
    """One thing the listing showed, as plain text, with the URLs it linked to."""

    number: int  # of the physical line it starts on
    text: str
    links: list[str] = field(default_factory=list)
    heading: bool = False
    alt: str | None = None  # an image's alternative text in front of the text (an account name)
    comments: int | None = None  # a `[6](…#community)` link's count
    after_blank: bool = True  # a blank line (or the start) comes before it
    columns: int | None = None  # how wide it was in the capture, where marks were taken out of it
    listed: bool = False  # a Markdown list item or quote: not a line of the paragraph before it


@dataclass
class FrontMatter:
    date: object = None  # datetime.date
    source: str | None = None  # where it came from: "front matter `created:`"
    line: int | None = None
    blanked: int = 0  # lines of front matter or header fields taken out of the text


def logical_lines(text: str, markdown: bool) -> tuple[list[Line], FrontMatter]:
    """The capture's lines as the listing showed them, and the date its front matter gives.
    `text` holds no control characters (the caller reports and replaces them)."""
    if "\r" in text:
        text = re.sub(r"\r\n?", "\n", text)
    with_refs = markdown and DEFINITION_SIGN.search(text) is not None
    fenced = markdown and any(sign.search(text) for sign in FENCE_SIGNS)
    numbered = not markdown and ends_in_numbered_references(text)
    cited = markdown and CITATION_SIGN.search(text) is not None and ends_in_numbered_references(text)
    refs, widths = {}, None
    if with_refs or fenced or numbered or cited:  # lines to take out or mark all through the capture
        physical = text.split("\n")
        front = _take_front_matter(physical)
        refs = take_reference_definitions(physical) if with_refs else {}
        if fenced:
            physical = [("" if line[:4].lstrip()[:3] in ("```", "~~~") and CODE_FENCE.match(line)
                         else line) for line in physical]
        widths = mark_numbered_links(physical) if numbered else None
        cited = cited and mark_cited_links(physical)
        if front.blanked or refs or fenced or widths is not None or cited:
            text = "\n".join(physical)
    else:  # the rest is split into lines once, after the links
        text, front = _without_front_matter(text)
    # pandoc's attributes and raw HTML links show in a capture's first cards, if anywhere:
    # looked for there, not in every byte of a large capture.
    if markdown and ATTRIBUTES_SIGN.search(text, 0, SNIFFED):
        text = _without_pandoc_attributes(text)
    if markdown and RAW_ANCHOR_SIGN.search(text, 0, SNIFFED):
        text = mark_raw_anchors(text)
    if markdown and IMAGE_SIGN.search(text):
        text = IMAGE.sub("", text)
    if "[" in text:
        text = mark_links(text, refs)
    return _lines(text.split("\n"), markdown, widths or {}), front


def _without_pandoc_attributes(text: str) -> str:
    """pandoc's div fences, spans and attribute lists taken out, each line kept where it was."""
    text = PANDOC_FENCE.sub("", text)
    text = PANDOC_SPAN.sub(lambda span: span["text"] + "\n" * span.group().count("\n", len(span["text"])), text)
    return PANDOC_ATTRIBUTES.sub(lambda attributes: "\n" * attributes.group().count("\n"), text)


def _without_front_matter(text: str) -> tuple[str, FrontMatter]:
    """The text with its front matter blanked, and what that said.  Only the first lines can
    be front matter: they alone are split off, and put back in one copy of the text (not the
    two that splitting off the rest of a large capture and joining it again cost)."""
    end = -1
    for _ in range(FRONT_MATTER_LINES):
        end = text.find("\n", end + 1)
        if end < 0:
            end = len(text)
            break
    head = text[:end]
    lines = head.split("\n")
    front = _take_front_matter(lines)
    return (text.replace(head, "\n".join(lines), 1) if front.blanked else text), front


def _take_front_matter(lines: list[str]) -> FrontMatter:
    """Read and blank a `---` front matter block, or a header of `key: value` lines."""
    front = FrontMatter()
    first = next((i for i, line in enumerate(lines[:5]) if line.strip()), None)
    end = None
    if first is not None and lines[first].strip() == "---":
        end = next((i for i in range(first + 1, min(len(lines), first + 80))
                    if lines[i].strip() in ("---", "...")), None)
    block = range(first, end + 1) if end is not None else range(min(len(lines), 12))
    found: dict[str, tuple[object, str, int]] = {}  # rank -> (date, key, line)
    for index in block:
        match = FRONT_MATTER_FIELD.match(lines[index]) if end is not None else HEADER_FIELD.match(lines[index])
        if end is None and not match:
            continue
        if match:
            key = " ".join(match["key"].split())
            _note_date(found, key, match["value"].strip().strip("'\""), index + 1)
        lines[index] = ""
        front.blanked += 1
    if found:
        front.date, key, front.line = found[min(found)]
        where = "front matter" if end is not None else "header"
        front.source = (f"the listing's address in {where} `{key}:`" if key.lower() in ADDRESS_KEYS
                        else f"{where} `{key}:`")
    return front


def _note_date(found: dict, key: str, value: str, line: int) -> None:
    """Keep the first date each kind of field gives: the listing's own address (a daily
    page's `…/papers/date/2025-01-15`) first, then when the capture was made, then when the
    page says it was published."""
    kind = key.lower().replace("(utc)", "").strip()
    if kind in ADDRESS_KEYS:
        address = LISTING_ADDRESS.search(value)
        date, rank = (iso_date(address["date"]) if address else None), 0
    elif kind in CAPTURE_DATE_KEYS:
        date, rank = loose_date(value), 1
    elif kind in PUBLISHED_KEYS:
        date, rank = loose_date(value), 2
    else:
        return
    if date is not None and rank not in found:
        found[rank] = (date, key, line)


def _lines(physical: list[str], markdown: bool, widths: dict[int, int]) -> list[Line]:
    """Markup stripped, bare URL lines given to the line they belong to, blanks dropped; the
    width a line had before its links were marked (`widths`, by index) is kept with it."""
    result: list[Line] = []
    blank = True
    columns = None
    plain: dict[str, tuple[str, bool, str | None, bool]] = {}  # each short line's `_plain`, once
    for number, text in enumerate(physical, start=1):
        if not text or text.isspace():
            blank = True
            continue
        if widths:
            columns = widths.get(number - 1)
        urls, comments = [], None
        if MARK in text:
            text, urls, comments = unmark(text)
        if len(text) > SHORT_LINE:
            text, heading, alt, listed = _plain(text, markdown)
        else:  # a listing repeats its short lines (`·`, `3 authors`, the day's date) on every card
            stripped = plain.get(text)
            if stripped is None:
                stripped = plain[text] = _plain(text, markdown)
            text, heading, alt, listed = stripped
        if not text or (len(text) == 1 or text[0] in "=-*_") and _shows_nothing(text, urls, markdown):
            if comments is None:  # a blank, or a link with only an image in it
                blank = blank or not urls
                continue
            text = ""
        if not urls and text[:5] in ("http:", "https", "<http"):
            url = BARE_URL.match(text)
            if url:
                if result:  # an export that puts each link's URL on the line after its text
                    _attach(result[-1], url["url"])
                continue
        result.append(Line(number, text, urls, heading, alt, comments, blank, columns, listed))
        blank = False
    return result


def _plain(text: str, markdown: bool) -> tuple[str, bool, str | None, bool]:
    """A line's text without its markup, cleaned: (the text, whether it was a heading, the
    alternative text of an image in front of it, whether it was a Markdown list item)."""
    heading, alt, listed = False, None, False
    if markdown:
        text, heading, alt, listed = _strip_markdown(text)
    elif text[:1] in TEXT_BULLETS and TEXT_BULLET.match(text):
        text = TEXT_BULLET.sub("", text, count=1)
    return clean_text(text, controls_replaced=True), heading, alt, listed


def _shows_nothing(text: str, urls: list[str], markdown: bool) -> bool:
    """A line with nothing of the listing's on it: empty, a lone bracket or bullet, a
    heading's underline.  A `-` alone in plain text is an upvote count of none."""
    if not text or text in ("[", "]"):
        return True
    if not urls and BULLETS_ONLY.match(text):
        return markdown or text != "-"
    return markdown and text[:1] in "=-*_" and bool(RULE.match(text))


def _attach(line: Line, url: str) -> None:
    line.links.append(url)
    if url.endswith("#community") and line.text.isdecimal():
        line.comments, line.text = int(line.text), ""


def _strip_markdown(text: str) -> tuple[str, bool, str | None, bool]:
    """Each rule only where its mark is: most lines of a capture are plain prose.  The
    patterns that mark a line's start are matched once and cut off, not substituted."""
    first = text[:1]
    if first.isspace():
        first = text.lstrip()[:1]
    heading = HEADING.match(text) if first == "#" else None
    if heading:
        text = _without_rank(text[heading.end():].rstrip("#").strip())
        first = text[:1]
    bullets = None
    if first in LIST_MARKS:
        bullets = BULLETS.match(text)
        if bullets:
            text = text[bullets.end():]
            if text[:1] == "#" and heading is None:  # `- ### Title`: an outliner's block
                heading = HEADING.match(text)
                text = _without_rank(text[heading.end():].rstrip("#").strip()) if heading else text
        elif text[-1:].isspace() and BULLETS_ONLY.match(text):
            text = ""  # a list item whose only content (an image, in a link) is gone
    elif text[:1].isdigit():  # `1. [Title](…)`: a rank, not the title's
        text = _without_rank(text)
    alt = ALT_TEXT.match(text) if text[:1] == "[" and not heading else None
    if alt:
        text = text[alt.end():]
    if "<" in text:
        text = HTML_TAG.sub("", text)
    if "*" in text or "_" in text or "`" in text:
        text = EMPHASIS.sub("", text)
    if "\\" in text:
        text = re.sub(r"\\\s", " ", text)
        text = ESCAPE.sub(r"\1", text).rstrip("\\")
    if heading:
        text = _without_rank(text.strip())
    return text, heading is not None, (alt["alt"].strip() or None) if alt else None, bullets is not None


def _without_rank(text: str) -> str:
    rank = RANK.match(text) if text[:1].isdigit() else None
    return text[rank.end():] if rank else text
