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

import html
import re
from dataclasses import dataclass, field

from .capture import clean_text, iso_date, loose_date

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
REFERENCE_DEFINITION = re.compile(r"^\s{0,3}\[(?P<label>[^\]\n]{1,999})\]:\s*<?(?P<url>\S+?)>?"
                                  r"(?:\s+[\"'(].*)?\s*$")
CODE_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
IMAGE = re.compile(r"!\[[^\[\]\n]*\](?:\([^()\[\]\s]*(?:\s+\"[^\"\n]*\")?\)|\[[^\[\]\n]*\])")
INLINE_TARGET = re.compile(r"\(\s*<?(?P<url>[^()\[\]\s>]*)>?(?:\s+\"[^\"\n]*\")?\s*\)")
REFERENCE_TARGET = re.compile(r"\[(?P<label>[^\]\n]{0,999})\]")
INLINE_LINK = re.compile(r"\[(?P<text>[^\[\]\n\x00-\x02]*)\]\(\s*<?(?P<url>[^()\[\]\s>\x00-\x02]*)>?\s*\)")
REFERENCE_LINK = re.compile(r"\[(?P<text>[^\[\]\n\x00-\x02]*)\]\[(?P<label>[^\]\n]{0,999})\]")
SHORTCUT_LINK = re.compile(r"(?<![\]\\])\[(?P<text>[^\[\]\n\x00-\x02]{1,999})\](?![(\[:])")
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
WRAPPED_HEADING = re.compile(r"\n[ \t]{0,3}#{1,6}[ \t]+")
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
DEFINITION_SIGN, IMAGE_SIGN, REFERENCE_SIGN = re.compile(r"\]:"), re.compile(r"!\["), re.compile(r"\]\[")
FENCE_SIGNS = (re.compile("```"), re.compile("~~~"))
LINK_SIGN = re.compile(r"\][(\[]")  # a `](` or `][` the one-line passes left
# A link Markdown keeps as raw HTML (pandoc's GitHub Markdown keeps every link with a class so).
RAW_ANCHOR_SIGN = re.compile(r"<[aA]\s")
SNIFFED = 1 << 20  # how far into a capture its converter's marks are looked for
RAW_ANCHOR = re.compile(r"<a\s[^<>]*?\bhref\s*=\s*(?:\"(?P<double>[^\"]*)\"|'(?P<single>[^']*)')[^<>]*>"
                        r"(?P<text>(?:[^<\x00-\x02]|<(?!/?a[\s>]))*?)</a\s*>", re.IGNORECASE)
# pandoc's Markdown of a saved page: `::: {.flex …}` fenced divs, `[text](url){.class}` and
# `# Heading {#id .class}` attributes, `[text]{.class}` spans (an attribute list may wrap).
ATTRIBUTES_SIGN = re.compile(r"\{[.#]")
PANDOC_FENCE = re.compile(r"^[ \t]*:{3,}[^\n]*$", re.MULTILINE)
PANDOC_SPAN = re.compile(r"\[(?P<text>[^\[\]\x00-\x02]*)\]\{[.#][^{}\[\]]*\}")
PANDOC_ATTRIBUTES = re.compile(r"[ \t]*\{[.#][^{}\n]*(?:\n[^{}\n]*){0,3}\}")
MAX_LINK_SPAN = 20_000
SHORT_LINE = 40  # the longest line whose plain text `_lines` remembers: metadata, not prose
# Where a link was: MARK url LABEL_START text LABEL_END (control characters are gone by then).
MARK, LABEL_START, LABEL_END = "\x00", "\x01", "\x02"
MARKED_LINK = re.compile("\x00[^\x01]*\x01([^\x02]*)\x02")
NUMBERED_MARK = re.compile(r"\[(\d{1,5})\]")  # lynx's `[12]` before a link's text
# lynx and elinks list a link as `12. https://…`, w3m (`-o display_link_number=1`) as `[12] https://…`.
# crawl4ai's Markdown "with citations" as `⟨12⟩ https://…: the link's text`.
NUMBERED_REFERENCE = re.compile(r"^\s*(?:(?P<number>\d{1,5})\.|\[(?P<bracketed>\d{1,5})\]|⟨(?P<cited>\d{1,5})⟩)"
                                r"\s+(?P<url>[a-zA-Z][\w+.-]*:\S+?)(?::\s.*)?\s*$")
CITATION_SIGN = re.compile("⟩")
CITATION = re.compile(r"⟨(\d{1,5})⟩")  # crawl4ai: a link's text followed by `⟨12⟩`
CITED_IMAGE = re.compile(r"!\[[^\[\]\n]*⟨\d{1,5}⟩\]")
UNKNOWN_TARGET = ""  # the URL of a link whose target the capture lost
HUB = "https://huggingface.co"
WAYBACK_PREFIXES = ("https://web.archive.org/web/", "http://web.archive.org/web/")
WAYBACK_LINK = re.compile(r"^(?:https?://web\.archive\.org)?/web/\d{1,14}(?:[a-z]{2}_|\*)?/(?P<url>https?://.+)$")


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
    numbered = not markdown and _ends_in_numbered_references(text)
    cited = markdown and CITATION_SIGN.search(text) is not None and _ends_in_numbered_references(text)
    refs, widths = {}, None
    if with_refs or fenced or numbered or cited:  # lines to take out or mark all through the capture
        physical = text.split("\n")
        front = _take_front_matter(physical)
        refs = _take_reference_definitions(physical) if with_refs else {}
        if fenced:
            physical = [("" if line[:4].lstrip()[:3] in ("```", "~~~") and CODE_FENCE.match(line)
                         else line) for line in physical]
        widths = _mark_numbered_links(physical) if numbered else None
        cited = cited and _mark_cited_links(physical)
        if front.blanked or refs or fenced or widths is not None or cited:
            text = "\n".join(physical)
    else:  # the rest is split into lines once, after the links
        text, front = _without_front_matter(text)
    # pandoc's attributes and raw HTML links show in a capture's first cards, if anywhere:
    # looked for there, not in every byte of a large capture.
    if markdown and ATTRIBUTES_SIGN.search(text, 0, SNIFFED):
        text = _without_pandoc_attributes(text)
    if markdown and RAW_ANCHOR_SIGN.search(text, 0, SNIFFED):
        text = RAW_ANCHOR.sub(_marked_anchor, text)
    if markdown and IMAGE_SIGN.search(text):
        text = IMAGE.sub("", text)
    if "[" in text:
        text = _mark_links(text, refs)
    return _lines(text.split("\n"), markdown, widths or {}), front


def _marked_anchor(anchor: re.Match) -> str:
    """A raw HTML link `<a href="url">text</a>` written as a marked link, its text on one line
    and followed by as many line breaks as it spanned."""
    url = html.unescape(anchor["double"] if anchor["double"] is not None else anchor["single"])
    label = anchor["text"]
    return f"{MARK}{url}{LABEL_START}{' '.join(label.split())}{LABEL_END}" + "\n" * label.count("\n")


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


def _mark_numbered_links(lines: list[str]) -> dict[int, int] | None:
    """`lynx -dump`: each link's text starts with `[n]` and its URL is the `n.` line of the
    `References` list at the end.  The list is taken out and each `[n]text` marked as a link
    whose text runs to the next mark or the end of the line.  Returns how wide each marked
    line was (by index), or None if there is no list."""
    refs = _take_numbered_references(lines)
    if not refs:
        return None
    widths: dict[int, int] = {}
    for index, line in enumerate(lines):
        if "[" not in line:
            continue
        widths[index] = len(line.rstrip())
        pieces = NUMBERED_MARK.split(line)  # text, number, text, number, text …
        marked = [pieces[0]]
        for number, label in zip(pieces[1::2], pieces[2::2]):
            url = refs.get(number)
            marked.append(f"[{number}]{label}" if url is None else f"{MARK}{url}{LABEL_START}{label}{LABEL_END}")
        lines[index] = "".join(marked)
    return widths


def _mark_cited_links(lines: list[str]) -> bool:
    """crawl4ai's Markdown with citations: each link's text is followed by `⟨n⟩`, and its URL
    is the `⟨n⟩` line of the `## References` list at the end.  The list is taken out and each
    `text⟨n⟩` marked as a link whose text runs from the mark before it or the start of the line
    (an image, `![alt⟨n⟩]`, goes).  Whether there was a list."""
    refs = _take_numbered_references(lines)
    if not refs:
        return False
    for index, line in enumerate(lines):
        if "⟩" not in line:
            continue
        pieces = CITATION.split(CITED_IMAGE.sub("", line))  # text, number, text, number, … tail
        marked = []
        for label, number in zip(pieces[0::2], pieces[1::2]):
            url = refs.get(number)
            marked.append(label if url is None else f"{MARK}{url}{LABEL_START}{label}{LABEL_END}")
        marked.append(pieces[-1])
        lines[index] = "".join(marked)
    return True


def _ends_in_numbered_references(text: str) -> bool:
    """The capture's last line is a `12. https://…` of lynx's list (looked for at the end only:
    a search of the whole text for `References` would cost a pass over every capture)."""
    tail = text[-400:].rstrip().rpartition("\n")[2]
    return bool(NUMBERED_REFERENCE.match(tail)) and ("\nReferences" in text or "# References" in text)


def _take_numbered_references(lines: list[str]) -> dict[str, str]:
    """The `References` list at the end of a `lynx -dump`, blanked out of `lines`."""
    start = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].strip().lstrip("#").strip() in ("References", "References:")), None)
    if start is None:
        return {}
    refs: dict[str, str] = {}
    for index in range(start + 1, len(lines)):
        match = NUMBERED_REFERENCE.match(lines[index])
        if match:
            refs[match["number"] or match["bracketed"] or match["cited"]] = match["url"]
        elif lines[index].strip().rstrip(":") not in ("", "Visible links", "Hidden links"):
            return {}  # prose after the list: not lynx's list of links
        lines[index] = ""
    if refs:
        lines[start] = ""
    return refs


def _take_reference_definitions(lines: list[str]) -> dict[str, str]:
    refs: dict[str, str] = {}
    for index, line in enumerate(lines):
        if "]:" in line:
            match = REFERENCE_DEFINITION.match(line)
            if match:
                refs.setdefault(" ".join(match["label"].split()).lower(), match["url"])
                lines[index] = ""
    return refs


def _brackets(text: str):
    """(position, "[" or "]") of every bracket, in order.  Found with `str.find`, which skips
    to the next one at memory speed: by now a large capture has a few hundred brackets left
    in millions of characters, and a character-class search, which steps through every
    character, was most of the scanner's time (benchmarks/README.md)."""
    opening, closing = text.find("["), text.find("]")
    while opening >= 0 or closing >= 0:
        if closing < 0 or 0 <= opening < closing:
            yield opening, "["
            opening = text.find("[", opening + 1)
        else:
            yield closing, "]"
            closing = text.find("]", closing + 1)


def _find_links(text: str, refs: dict[str, str]) -> list[tuple[int, int, int, str]]:
    """(start, text end, end, url) of each outermost `[text](url)` or `[text][label]`."""
    found: list[tuple[int, int, int, str]] = []
    opened: list[int] = []
    for position, token in _brackets(text):
        if position and text[position - 1] == "\\":  # an escaped bracket
            continue
        if token == "[":
            opened.append(position)
            continue
        if not opened:
            continue
        start, close = opened.pop(), position
        if close - start > MAX_LINK_SPAN:
            continue
        target = INLINE_TARGET.match(text, close + 1)
        if target:
            url = target["url"]
        else:
            target = REFERENCE_TARGET.match(text, close + 1)
            url = target and _reference_url(refs, target["label"].strip() or text[start + 1:close].strip())
            if url is None or target is None:
                continue
        while found and found[-1][0] > start:  # an inner link: its text stays in this one's
            found.pop()
        found.append((start, close, target.end(), url))
    return found


def _mark_shortcut_links(text: str, refs: dict[str, str]) -> str:
    """`[text]` alone, whose text is a defined label: a shortcut reference link (Turndown's and
    MarkDownload's "shortcut" style, `[Title]` with `[Title]: url` at the end)."""
    def shortcut(match: re.Match) -> str:
        url = refs.get(" ".join(match["text"].split()).lower())
        return match.group() if url is None else f"{MARK}{url}{LABEL_START}{match['text']}{LABEL_END}"
    return SHORTCUT_LINK.sub(shortcut, text)


def _reference_url(refs: dict[str, str], label: str) -> str | None:
    """The URL a reference label names; `UNKNOWN_TARGET` for a numbered label whose definition
    is not in the capture (a scrape cut short before its list of links), None for no link."""
    url = refs.get(" ".join(label.split()).lower())
    if url is None and label.isdecimal() and len(label) <= 4:
        return UNKNOWN_TARGET
    return url


def _mark_links(text: str, refs: dict[str, str]) -> str:
    """The text with each link written as `MARK url LABEL_START text LABEL_END`, its text
    on one line and followed by as many line breaks as the link spanned (so that later
    lines keep their numbers).

    Inline links on one line with no brackets inside, nearly all of them, are rewritten by
    one regular expression pass; reference links by a second; the bracket scanner reads what
    is left (links over many lines, links inside links).  This makes parsing Markdown at
    30,000 papers about twice as fast as the scanner alone."""
    text = INLINE_LINK.sub(lambda link: f"{MARK}{link['url']}{LABEL_START}{link['text']}{LABEL_END}", text)
    if REFERENCE_SIGN.search(text):
        def reference(match: re.Match) -> str:
            url = _reference_url(refs, match["label"].strip() or match["text"].strip())
            return match.group() if url is None else f"{MARK}{url}{LABEL_START}{match['text']}{LABEL_END}"
        text = REFERENCE_LINK.sub(reference, text)
    if refs and any(not label.isdecimal() for label in refs):
        text = _mark_shortcut_links(text, refs)
    if not LINK_SIGN.search(text):  # no link is left
        return text
    pieces: list[str] = []
    position = 0
    for start, close, end, url in _find_links(text, refs):
        pieces.append(text[position:start])
        label = text[start + 1:close]
        if "\n" in label:  # a heading wrapped over two lines: `### [Long … title\n### end][7]`
            label = WRAPPED_HEADING.sub("\n", label)
        if "\\" in label:
            label = re.sub(r"\\+\n", " ", label)
        if MARK in label:  # a link inside this one: its text stays
            label = MARKED_LINK.sub(r"\1", label)
        pieces.append(f"{MARK}{url}{LABEL_START}{' '.join(label.split())}{LABEL_END}")
        spanned = text.count("\n", start, end)
        if spanned:
            pieces.append("\n" * spanned)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _unmark(text: str) -> tuple[str, list[str], int | None]:
    """A marked line's text, the URLs it links to, and a `[6](…#community)` comment count."""
    before, _, rest = text.partition(MARK)
    if MARK not in rest:  # one link, most lines: no loop
        url, _, rest = rest.partition(LABEL_START)
        label, _, tail = rest.partition(LABEL_END)
        if url.endswith("#community") and label.replace(" ", "").isdecimal():
            return before + tail, [], int(label.replace(" ", ""))
        return before + label + tail, [hub_url(url)], None
    parts = text.split(MARK)
    kept, urls, comments = [parts[0]], [], None
    for part in parts[1:]:
        url, _, rest = part.partition(LABEL_START)
        label, _, tail = rest.partition(LABEL_END)
        if url.endswith("#community") and label.replace(" ", "").isdecimal():
            comments = int(label.replace(" ", "")) if comments is None else comments
        else:
            urls.append(hub_url(url))
            kept.append(label)
        kept.append(tail)
    return "".join(kept), urls, comments


def hub_url(url: str) -> str:
    """A link as the page meant it: a capture of a huggingface.co page made from the saved file
    (html2text, pandoc, markitdown) keeps the page's own links relative, `/papers/2501.08313`;
    a Wayback Machine snapshot rewrites each as `…/web/20250115101112/https://huggingface.co/…`."""
    if url[:1] == "/":
        if url[1:2] == "/":
            return url
        return _archived(url) if url.startswith("/web/") else HUB + url
    return _archived(url) if url.startswith(WAYBACK_PREFIXES) else url


def _archived(url: str) -> str:
    """The address a Wayback Machine link stands for."""
    match = WAYBACK_LINK.match(url)
    return match["url"] if match else url


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
            text, urls, comments = _unmark(text)
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
