"""Links in text and Markdown captures: found, marked in the text, and read back.

A capture keeps a listing's links in many spellings: Markdown's inline `[text](url)`,
reference `[text][n]`, collapsed `[text][]` and shortcut `[text]` links with their
`[n]: url` definitions; raw HTML `<a href>` anchors; and the numbered lists of text
browsers and crawlers (lynx's `[n]text` with `n. url`, w3m's `References:` with `[n] url`,
crawl4ai's `text⟨n⟩` citations).  This module owns all of them: it writes each link into
the text as `MARK url LABEL_START text LABEL_END`, so that `parse_lines` can split the text
into lines without losing one, and `unmark` reads a line's links back as URLs, made
absolute (`hub_url`: the Hub's relative links, Wayback Machine snapshots).  Pure: text in,
marked text or URLs out.
"""

from __future__ import annotations

import html
import re

REFERENCE_DEFINITION = re.compile(r"^\s{0,3}\[(?P<label>[^\]\n]{1,999})\]:\s*<?(?P<url>\S+?)>?"
                                  r"(?:\s+[\"'(].*)?\s*$")
INLINE_TARGET = re.compile(r"\(\s*<?(?P<url>[^()\[\]\s>]*)>?(?:\s+\"[^\"\n]*\")?\s*\)")
REFERENCE_TARGET = re.compile(r"\[(?P<label>[^\]\n]{0,999})\]")
INLINE_LINK = re.compile(r"\[(?P<text>[^\[\]\n\x00-\x02]*)\]\(\s*<?(?P<url>[^()\[\]\s>\x00-\x02]*)>?\s*\)")
REFERENCE_LINK = re.compile(r"\[(?P<text>[^\[\]\n\x00-\x02]*)\]\[(?P<label>[^\]\n]{0,999})\]")
SHORTCUT_LINK = re.compile(r"(?<![\]\\])\[(?P<text>[^\[\]\n\x00-\x02]{1,999})\](?![(\[:])")
WRAPPED_HEADING = re.compile(r"\n[ \t]{0,3}#{1,6}[ \t]+")
# Whether a pass is still needed, looked for before it runs.  Compiled: `re` finds a literal by
# skipping to its first character, much faster than `in` where that character is rare, as `]` is
# in prose (benchmarks/README.md).
REFERENCE_SIGN = re.compile(r"\]\[")
LINK_SIGN = re.compile(r"\][(\[]")  # a `](` or `][` the one-line passes left
# A link Markdown keeps as raw HTML (pandoc's GitHub Markdown keeps every link with a class so).
RAW_ANCHOR = re.compile(r"<a\s[^<>]*?\bhref\s*=\s*(?:\"(?P<double>[^\"]*)\"|'(?P<single>[^']*)')[^<>]*>"
                        r"(?P<text>(?:[^<\x00-\x02]|<(?!/?a[\s>]))*?)</a\s*>", re.IGNORECASE)
MAX_LINK_SPAN = 20_000
# Where a link was: MARK url LABEL_START text LABEL_END (control characters are gone by then).
MARK, LABEL_START, LABEL_END = "\x00", "\x01", "\x02"
MARKED_LINK = re.compile("\x00[^\x01]*\x01([^\x02]*)\x02")
NUMBERED_MARK = re.compile(r"\[(\d{1,5})\]")  # lynx's `[12]` before a link's text
# lynx and elinks list a link as `12. https://…`, w3m (`-o display_link_number=1`) as `[12] https://…`.
# crawl4ai's Markdown "with citations" as `⟨12⟩ https://…: the link's text`.
NUMBERED_REFERENCE = re.compile(r"^\s*(?:(?P<number>\d{1,5})\.|\[(?P<bracketed>\d{1,5})\]|⟨(?P<cited>\d{1,5})⟩)"
                                r"\s+(?P<url>[a-zA-Z][\w+.-]*:\S+?)(?::\s.*)?\s*$")
CITATION = re.compile(r"⟨(\d{1,5})⟩")  # crawl4ai: a link's text followed by `⟨12⟩`
CITED_IMAGE = re.compile(r"!\[[^\[\]\n]*⟨\d{1,5}⟩\]")
UNKNOWN_TARGET = ""  # the URL of a link whose target the capture lost
HUB = "https://huggingface.co"
WAYBACK_PREFIXES = ("https://web.archive.org/web/", "http://web.archive.org/web/")
WAYBACK_LINK = re.compile(r"^(?:https?://web\.archive\.org)?/web/\d{1,14}(?:[a-z]{2}_|\*)?/(?P<url>https?://.+)$")


def mark_raw_anchors(text: str) -> str:
    """Each raw HTML link `<a href="url">text</a>` in the text marked as a link."""
    return RAW_ANCHOR.sub(_marked_anchor, text)


def _marked_anchor(anchor: re.Match) -> str:
    """A raw HTML link `<a href="url">text</a>` written as a marked link, its text on one line
    and followed by as many line breaks as it spanned."""
    url = html.unescape(anchor["double"] if anchor["double"] is not None else anchor["single"])
    label = anchor["text"]
    return f"{MARK}{url}{LABEL_START}{' '.join(label.split())}{LABEL_END}" + "\n" * label.count("\n")


def mark_numbered_links(lines: list[str]) -> dict[int, int] | None:
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


def mark_cited_links(lines: list[str]) -> bool:
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


def ends_in_numbered_references(text: str) -> bool:
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


def take_reference_definitions(lines: list[str]) -> dict[str, str]:
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


def mark_links(text: str, refs: dict[str, str]) -> str:
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


def unmark(text: str) -> tuple[str, list[str], int | None]:
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
