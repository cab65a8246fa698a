"""Read one capture of a Hugging Face "Daily Papers" listing into a `Dump`.

A capture is whatever people save a listing as: plain text (a browser's "save
as text", a copy-paste, an export with each link's URL on a line of its own),
Markdown from a reader or crawler, the saved HTML page, or the JSON the page is
built from.  `parse_dump_bytes` decodes the bytes, detects the shape from the
content (or takes the one site.yaml forces), reads it with that shape's reader,
and judges the result: a file that is not a listing, or where most lines could
not be read or most "papers" have no abstract, gets an error diagnostic naming
the shape and the first lines it could not read, so that junk never passes for
a good build.

Pure: bytes or text in, `Dump` out.  It never raises on bad input; every oddity
becomes a `Diagnostic` with the capture's `path:line`.
"""

from __future__ import annotations

import codecs
import json
import re

from .capture import (CONTROL_CHARACTERS, Dump, Entry, PartialDate, clean_text,  # noqa: F401
                      is_abstract_like, iso_date, parse_date_line, shorten)
from ..errors import Diagnostic, warning
from .parse_cards import CardReader, entries_of, glued_chrome
from .parse_html import mhtml_page, read_html
from .parse_json import crawled_document, entries_from, find_paper_lists, find_papers
from .parse_lines import LISTING_ADDRESS, logical_lines

MARKDOWN_SIGNS = re.compile(r"\]\((?:https?:|/|#)|\]\[\d{1,4}\]|^\s{0,3}#{1,6}\s+\S|^\s{0,3}\[[^\]\n]+\]:\s*\S",
                            re.MULTILINE)
HTML_START = re.compile(r"^\s*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.IGNORECASE)
MHTML_SIGN = re.compile(r"^content-type:\s*multipart/related", re.IGNORECASE | re.MULTILINE)
PAGE_BREAK = re.compile(r"\n?\f")
SNIFFED = 1 << 20  # a capture shows its shape in its first megabyte
UNREADABLE_SHOWN = 3
PRINTABLE_ASCII = bytes(range(0x20, 0x7f)) + b"\t\n\r"


def decode_dump(data: bytes, path: str) -> tuple[str, list[Diagnostic], bytes | None]:
    """Bytes to text: UTF-8 or, with a byte order mark, UTF-16 or UTF-32; text with no UTF-8
    in it at all is Windows-1252; bytes that do not decode are replaced, and the first place
    is named.  Also returns the bytes that are
    the text's UTF-8 as they stand (those of a capture in UTF-8 with nothing replaced), or None."""
    for mark, encoding in ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
                           (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                           (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(mark):
            data, chosen, marked = data[len(mark):], encoding, True
            break
    else:
        chosen, marked = _utf16_without_mark(data) or "utf-8", False
    try:
        return data.decode(chosen), [], (data if chosen == "utf-8" else None)
    except UnicodeDecodeError as error:
        newline = "\n".encode(chosen)
        line = data[: error.start].count(newline) + 1
        text = data.decode(chosen, errors="replace")
        if chosen == "utf-8" and not marked and _no_utf8_beyond_ascii(text):
            # Not UTF-8 at all: Windows' "ANSI" (Notepad, a copy-paste saved on Windows), whose
            # printable range is Latin-1's and more (`·`, curly quotes, dashes).
            return data.decode("cp1252", errors="replace"), [
                warning(path, line, "not UTF-8: read as Windows-1252")], None
        return text, [warning(path, line, f"bytes that are not {chosen.upper()} were replaced with U+FFFD")], None


def _no_utf8_beyond_ascii(text: str) -> bool:
    """Whether every character past ASCII in `text` (decoded as UTF-8 with replacement) is a
    replacement: no byte sequence in it was UTF-8's, so it is some other encoding."""
    return all(character == "\ufffd" for character in text if not character.isascii())


def _utf16_without_mark(data: bytes) -> str | None:
    """UTF-16 text saved without a byte order mark: every other byte is NUL."""
    sample = data[:2000]
    if len(sample) < 8 or len(sample) % 2:
        return None
    if sample[1::2].count(0) > len(sample) * 0.4:
        return "utf-16-le"
    if sample[0::2].count(0) > len(sample) * 0.4:
        return "utf-16-be"
    return None


def detect_shape(text: str) -> str:
    """Which reader a capture needs, from its content."""
    start = text.lstrip()[:1]
    if start in ("[", "{") and _json_or_none(text) is not None:
        return "json"
    head = text[:SNIFFED]
    if head[:1].isalpha() and MHTML_SIGN.search(head, 0, 4000):
        return "html"
    if HTML_START.match(head[:5000]) or (head.count("</div>") + head.count("</a>") > 20
                                         and head.count("<") > head.count("\n")):
        return "html"
    if MARKDOWN_SIGNS.search(text, 0, SNIFFED):
        return "markdown"
    return "text"


def _json_or_none(text: str):
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def parse_dump_bytes(data: bytes, path: str, shape: str | None = None) -> Dump:
    text, diagnostics, utf8 = decode_dump(data, path)
    dump = parse_dump(text, path, shape, utf8)
    dump.diagnostics[:0] = diagnostics
    return dump


def parse_dump(text: str, path: str, shape: str | None = None, utf8: bytes | None = None) -> Dump:
    """Parse one capture's text, as `shape` (one of `config.SHAPES`) if given, else as
    detected.  Never raises; problems go to `Dump.diagnostics`.  `utf8`: the text's UTF-8,
    if the caller has it (the capture's own bytes)."""
    data = _json_or_none(text) if shape in (None, "json") and text.lstrip()[:1] in ("[", "{") else None
    if data is None and shape in (None, "json") and text.lstrip()[:1] in ("[", "{"):
        data = _json_lines_or_none(text)
    shape = shape or ("json" if data is not None else detect_shape(text))
    dump = Dump(path, shape=shape)
    if shape == "json":
        _read_json(text, data, dump)
    elif shape == "html":
        _read_html(text, dump)
    else:
        _read_lines(text, dump, markdown=shape == "markdown", utf8=utf8)
    _judge(dump)
    return dump


def _read_lines(text: str, dump: Dump, markdown: bool, utf8: bytes | None) -> None:
    if _has_control_characters(text, utf8):
        if "\f" in text:  # a page break (pdftotext, a printout saved as text) ends a line
            text = PAGE_BREAK.sub("\n", text)
        if CONTROL_CHARACTERS.search(text):
            _report_control_characters(text, dump)
            text = CONTROL_CHARACTERS.sub(" ", text)
    lines, front = logical_lines(text, markdown)
    if front.date is not None:
        dump.captured = front.date
        dump.captured_from = front.source
    glued_chrome(lines)
    _read_cards(lines, dump, markdown)


def _has_control_characters(text: str, utf8: bytes | None) -> bool:
    """Whether the text holds a character `CONTROL_CHARACTERS` replaces.  The scan runs over
    what is left once the printable ASCII bytes of its UTF-8 are deleted (a C pass over the
    bytes), not over the whole text: the Markdown parse at 30,000 papers spends a twelfth of
    its time less.  `utf8` (the capture's own bytes, where they are that UTF-8) spares encoding
    the text again, most of what the check cost."""
    utf8 = text.encode("utf-8", "surrogatepass") if utf8 is None else utf8
    rest = utf8.translate(None, PRINTABLE_ASCII)
    return CONTROL_CHARACTERS.search(rest.decode("utf-8", "surrogatepass")) is not None


def _read_cards(lines, dump: Dump, markdown: bool) -> None:
    reader = CardReader(dump, markdown)
    cards = reader.read(lines)
    dump.entries = entries_of(cards, dump)


def _report_control_characters(text: str, dump: Dump) -> None:
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        if CONTROL_CHARACTERS.search(line):
            dump.diagnostics.append(warning(dump.path, number, "control characters replaced by spaces"))


def _read_json(text: str, data, dump: Dump) -> None:
    if data is None:
        dump.diagnostics.append(Diagnostic(dump.path, 1, "not valid JSON", "error"))
        return
    data, item_lines = data if isinstance(data, JsonLines) else (data, None)
    lists = find_paper_lists(data)
    document = None if lists else crawled_document(data)
    if document is not None:  # a crawler's response: the page as Markdown or HTML inside
        _read_document(document, dump)
        return
    if not lists:
        dump.diagnostics.append(Diagnostic(
            dump.path, 1, "JSON with no list of papers (objects with `title` and `summary`, or "
                          "`paper: {…}` as the Hub's api/daily_papers serves them)", "error"))
        return
    for items in lists:
        lines = [1] * len(items)
        if items is data:
            lines = item_lines or (_item_lines(text) if "\n" in text.strip() else lines)
        entries, skipped = entries_from(items, lambda index: lines[index] if index < len(lines) else 1)
        dump.entries.extend(entries)
        dump.skipped.extend(skipped)


def _read_document(document: tuple[str, str | None], dump: Dump) -> None:
    """The page a crawler's JSON response holds, read in its own shape; dated by the address
    the response names when the page does not say."""
    text, address = document
    inner = parse_dump(text, dump.path)
    dump.entries, dump.skipped, dump.shape = inner.entries, inner.skipped, inner.shape
    dump.header_date, dump.header_line = inner.header_date, inner.header_line
    dump.diagnostics.extend(d for d in inner.diagnostics if d.level != "error")
    dump.captured, dump.captured_from = inner.captured, inner.captured_from
    listing = LISTING_ADDRESS.search(address or "")
    if dump.captured is None and listing:
        dump.captured = iso_date(listing["date"])
        dump.captured_from = "the listing's address in the JSON's `url`"


class JsonLines(tuple):
    """JSON values one after another: (the values, as a list; the line each starts on)."""


WHITESPACE = re.compile(r"\s*")


def _json_lines_or_none(text: str) -> JsonLines | None:
    """JSON values one after another: JSON Lines (`.jsonl`, as tools export one API object per
    line) or pretty-printed values, as `jq '.[]'` prints the items of the Hub's list."""
    decoder = json.JSONDecoder()
    values, lines = [], []
    position, line, counted = 0, 1, 0
    try:
        while True:
            position = WHITESPACE.match(text, position).end()
            if position >= len(text):
                break
            if text[position] not in "{[":
                return None
            line += text.count("\n", counted, position)
            counted = position
            value, position = decoder.raw_decode(text, position)
            values.append(value)
            lines.append(line)
    except (ValueError, RecursionError):
        return None
    return JsonLines((values, lines)) if len(values) > 1 else None


def _item_lines(text: str) -> list[int]:
    """The line each item of a top-level JSON list starts on."""
    decoder = json.JSONDecoder()
    lines, position = [], text.index("[") + 1
    line, counted = 1, 0
    try:
        while True:
            while position < len(text) and text[position] in " \t\r\n,":
                position += 1
            if position >= len(text) or text[position] == "]":
                return lines
            line += text.count("\n", counted, position)
            counted = position
            lines.append(line)
            _, position = decoder.raw_decode(text, position)
    except (ValueError, RecursionError):
        return lines


def _read_html(text: str, dump: Dump) -> None:
    archived = mhtml_page(text) if text[:1].isalpha() else None
    if archived is not None:  # Chrome's "Webpage, Single File"
        text, address, date = archived
        embedded, lines, front = read_html(text, (address, date))
    else:
        embedded, lines, front = read_html(text)
    if front.date is not None:
        dump.captured, dump.captured_from = front.date, front.source
    for data in embedded:
        items = find_papers(data)
        if items:
            dump.entries, dump.skipped = entries_from(items, lambda index: 1)
            return
    _read_cards(lines, dump, markdown=True)


def _bare(entries: list[Entry]) -> int:
    """Papers with nothing but a title (and perhaps a link to it): no abstract, date, count or
    organisation.  A listing may show cards without abstracts, but then they carry the rest;
    a README's list of paper links carries nothing else."""
    return sum(1 for e in entries if not e.abstract and not e.has_metadata)


def _skipped_among_papers(dump: Dump) -> int:
    """What was skipped after the first paper: a page's own header before it (a title, a
    search box, a crawler's notes) is expected, junk between papers is not."""
    first = min(entry.line for entry in dump.entries)
    return sum(1 for line, _ in dump.skipped if line > first)


def _judge(dump: Dump) -> None:
    """An error when what was read is not a listing: no papers where there was text, most
    lines unreadable, most papers without an abstract, or (Markdown and HTML, which always
    link their papers) nothing that marks a paper."""
    if any(d.level == "error" for d in dump.diagnostics):
        return
    entries, skipped = dump.entries, dump.skipped
    problem = None
    if not entries and skipped:
        problem = "no paper could be read: this does not look like a Daily Papers listing"
    elif entries and (_skipped_among_papers(dump) > max(len(entries), 2)
                      or len(skipped) > 3 * len(entries) + 5):
        problem = f"most of it could not be read ({len(skipped)} things skipped, {len(entries)} papers)"
    elif entries and _bare(entries) * 2 > len(entries) and len(entries) > 1:
        missing = _bare(entries)
        problem = f"{missing} of {len(entries)} papers have no abstract: this does not look like a listing"
    elif entries and dump.shape in ("markdown", "html") and not any(
            e.arxiv_id or e.date or e.upvotes is not None or e.authors for e in entries):
        problem = ("no paper links, dates, upvotes or author counts: this does not look like a "
                   "Daily Papers listing")
    if problem is None:
        return
    first = min([line for line, _ in skipped] + [e.line for e in entries] or [None],
                key=lambda line: line or 0)
    shown = "; ".join(f"line {line}: {what}" for line, what in skipped[:UNREADABLE_SHOWN])
    message = f"read as {dump.shape}: {problem}"
    if shown:
        message += f"; first lines not read: {shown}"
    dump.diagnostics.append(Diagnostic(dump.path, first, message, "error"))
