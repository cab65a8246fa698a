"""Text and Markdown captures as logical lines: markup gone, links kept as data.

A capture saved by a reader, crawler or notes tool wraps the listing's text in
Markdown: YAML front matter, headings, `[text](url)` and reference links
`[text][n]` (whose text may run over many lines), images, list bullets, escapes,
hard breaks, or a link's URL alone on the next line.  `logical_lines` turns all of
that into one `Line` per thing the listing showed (a title, an abstract, `3
authors`, `May 29`), each with the URLs it linked to, and reads the capture date
the front matter gives.  Pure: text in, lines out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .capture import clean_text, iso_date

FRONT_MATTER_DATE_KEYS = ("retrieved", "exported", "captured", "saved", "date")
# A header of `key: value` lines some tools write instead of front matter (`- Captured (UTC): …`).
HEADER_FIELD = re.compile(r"^\s*[-*]?\s*(?P<key>url|title|source|type|retrieved|exported|captured|"
                          r"saved|date)(?:\s*\(utc\))?\s*:\s*(?P<value>.*)$", re.IGNORECASE)
REFERENCE_DEFINITION = re.compile(r"^\s{0,3}\[(?P<label>[^\]\n]{1,60})\]:\s*<?(?P<url>\S+?)>?"
                                  r"(?:\s+[\"'(].*)?\s*$")
CODE_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
IMAGE = re.compile(r"!\[[^\]\n]*\](?:\([^)\s]*(?:\s+\"[^\"\n]*\")?\)|\[[^\]\n]*\])")
BRACKET = re.compile(r"\\.|[\[\]]")
INLINE_TARGET = re.compile(r"\(\s*<?(?P<url>[^)\s>]*)>?(?:\s+\"[^\"\n]*\")?\s*\)")
REFERENCE_TARGET = re.compile(r"\[(?P<label>[^\]\n]{0,60})\]")
INNER_LINK = re.compile(r"\[([^\[\]]*)\]\([^)\s]*\)")
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
RANK = re.compile(r"^\d{1,3}\.\s+")
BULLETS = re.compile(r"^\s*(?:[-*+•]\s*(?=\S)|>\s*)+(?=\S)")
BULLETS_ONLY = re.compile(r"^\s*[-*+•]\s*$")
ALT_TEXT = re.compile(r"^\[(?P<alt>[^\[\]]{0,80}[^\W\d_][^\[\]]{0,80}|)\]\s*")
ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
HTML_TAG = re.compile(r"</?[A-Za-z][^>\n]{0,200}>")
EMPHASIS = re.compile(r"(\*\*|__|`)")
BARE_URL = re.compile(r"^<?(?P<url>https?://\S+?)>?$")
COMMUNITY = re.compile(r"#community$")
MAX_LINK_SPAN = 20_000


@dataclass
class Line:
    """One thing the listing showed, as plain text, with the URLs it linked to."""

    number: int  # of the physical line it starts on
    text: str
    links: list[str] = field(default_factory=list)
    heading: bool = False
    alt: str | None = None  # an image's alternative text in front of the text (an account name)
    comments: int | None = None  # a `[6](…#community)` link's count
    after_blank: bool = True  # a blank line (or the start) comes before it
    link_only: bool = False  # the whole line is one link's text


@dataclass
class FrontMatter:
    date: object = None  # datetime.date
    key: str | None = None
    line: int | None = None


def logical_lines(text: str, markdown: bool) -> tuple[list[Line], FrontMatter]:
    """The capture's lines as the listing showed them, and the date its front matter gives."""
    physical = re.split(r"\r\n|\r|\n", text)
    front = _take_front_matter(physical)
    refs = _take_reference_definitions(physical) if markdown else {}
    if markdown:
        physical = [("" if CODE_FENCE.match(line) else line) for line in physical]
    joined = "\n".join(physical)
    if markdown:
        joined = IMAGE.sub("", joined)
    raw = _link_lines(joined, refs) if "[" in joined else \
        [_RawLine(number, line) for number, line in enumerate(physical, start=1)]
    return _finish(raw, markdown), front


def _take_front_matter(lines: list[str]) -> FrontMatter:
    """Read and blank a `---` front matter block, or a header of `key: value` lines."""
    front = FrontMatter()
    first = next((i for i, line in enumerate(lines[:5]) if line.strip()), None)
    end = None
    if first is not None and lines[first].strip() == "---":
        end = next((i for i in range(first + 1, min(len(lines), first + 80))
                    if lines[i].strip() in ("---", "...")), None)
    block = range(first, end + 1) if end is not None else range(min(len(lines), 12))
    for index in block:
        line = lines[index]
        match = re.match(r"^\s*(?P<key>[\w ()-]{1,40}?)\s*:\s*(?P<value>.*)$", line) \
            if end is not None else HEADER_FIELD.match(line)
        if end is None and not match:
            continue
        if match:
            key = match["key"].strip().lower().split(" ")[0]
            if key in FRONT_MATTER_DATE_KEYS and front.date is None:
                value = match["value"].strip().strip("'\"")
                date = iso_date(value)
                if date is not None:
                    front.date, front.key, front.line = date, key, index + 1
        lines[index] = ""
    return front


def _take_reference_definitions(lines: list[str]) -> dict[str, str]:
    refs: dict[str, str] = {}
    for index, line in enumerate(lines):
        if "]:" in line:
            match = REFERENCE_DEFINITION.match(line)
            if match:
                refs.setdefault(match["label"].strip().lower(), match["url"])
                lines[index] = ""
    return refs


@dataclass
class _RawLine:
    number: int
    text: str
    links: list[str] = field(default_factory=list)
    comments: int | None = None
    link_texts: list[str] = field(default_factory=list)


def _find_links(text: str, refs: dict[str, str]) -> list[tuple[int, int, int, str]]:
    """(start, text end, end, url) of each outermost `[text](url)` or `[text][label]`."""
    found: list[tuple[int, int, int, str]] = []
    opened: list[int] = []
    for match in BRACKET.finditer(text):
        token = match.group()
        if token == "[":
            opened.append(match.start())
            continue
        if token != "]" or not opened:
            continue
        start, close = opened.pop(), match.start()
        if close - start > MAX_LINK_SPAN:
            continue
        target = INLINE_TARGET.match(text, close + 1)
        if target:
            url = target["url"]
        else:
            target = REFERENCE_TARGET.match(text, close + 1)
            label = target and (target["label"].strip() or text[start + 1:close].strip()).lower()
            if not target or label not in refs:
                continue
            url = refs[label]
        while found and found[-1][0] > start:  # an inner link: its text stays in this one's
            found.pop()
        found.append((start, close, target.end(), url))
    return found


def _link_lines(text: str, refs: dict[str, str]) -> list[_RawLine]:
    """Physical lines with each link replaced by its text (a link over many lines becomes
    part of the line it starts on) and its URL kept with that line."""
    lines = [_RawLine(1, "")]
    position, number = 0, 1

    def add_plain(chunk: str) -> None:
        nonlocal number
        parts = chunk.split("\n")
        lines[-1].text += parts[0]
        for part in parts[1:]:
            number += 1
            lines.append(_RawLine(number, part))

    for start, close, end, url in _find_links(text, refs):
        add_plain(text[position:start])
        label = text[start + 1:close]
        label = INNER_LINK.sub(r"\1", re.sub(r"\\+\n", " ", label))
        label = " ".join(label.split())
        line = lines[-1]
        if COMMUNITY.search(url) and label.replace(" ", "").isdigit():
            line.comments = int(label.replace(" ", ""))
        else:
            line.text += label
            line.links.append(url)
            line.link_texts.append(label)
        number += text.count("\n", start, end)
        position = end
    add_plain(text[position:])
    return lines


def _finish(raw: list[_RawLine], markdown: bool) -> list[Line]:
    """Markup stripped, bare URL lines given to the line they belong to, blanks dropped."""
    result: list[Line] = []
    blank = True
    for item in raw:
        text = item.text
        heading = False
        alt = None
        if markdown:
            text, heading, alt = _strip_markdown(text)
        text = clean_text(text)
        if not text or text in ("[", "]") or (BULLETS_ONLY.match(text) and not item.links):
            if item.comments is None:  # a blank, or a link with only an image in it
                blank = blank or not item.links
                continue
            text = ""
        url = BARE_URL.match(text) if not item.links else None
        if url:
            if result:  # an export that puts each link's URL on the line after its text
                result[-1].links.append(url["url"])
                if COMMUNITY.search(url["url"]) and result[-1].text.isdigit():
                    result[-1].comments, result[-1].text = int(result[-1].text), ""
            continue
        link_only = bool(item.links) and len(item.link_texts) == 1 and \
            clean_text(_strip_markdown(item.link_texts[0])[0]) == text
        result.append(Line(item.number, text, list(item.links), heading, alt, item.comments,
                           blank, link_only))
        blank = False
    return result


def _strip_markdown(text: str) -> tuple[str, bool, str | None]:
    heading = bool(HEADING.match(text))
    if heading:
        text = HEADING.sub("", text).rstrip("#").strip()
        text = RANK.sub("", text)
    text = BULLETS.sub("", text)
    alt = ALT_TEXT.match(text)
    if alt:
        text = text[alt.end():]
    text = HTML_TAG.sub("", text)
    text = EMPHASIS.sub("", text)
    text = re.sub(r"\\\s", " ", text)
    text = ESCAPE.sub(r"\1", text).rstrip("\\")
    if heading:
        text = RANK.sub("", text.strip())
    return text, heading, (alt["alt"].strip() or None) if alt else None
