"""Parse text dumps of Hugging Face "Daily Papers" listings.

A dump is whatever a browser's "save as text" or a copy-paste produced: a page
header (`new`, `Subscribe`, `Daily Papers`, a capture date such as `Dec 9`),
then per paper a title line, an abstract line and, in the full format, a
metadata group (`• 3 authors` or an organisation line, a `·` line, and a date
line such as `Jun 12 2` or `Nov 1, 2021`).  Blank lines may or may not
separate them, and the first title may be glued to the header
(`SubscribeHow do neurons…`).

This module is pure: bytes or text in, `Dump` out.  It never raises on bad
input; every oddity becomes a `Diagnostic` with the dump's `path:line`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .errors import Diagnostic, warning

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

DATE_LINE = re.compile(
    r"^(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2})"
    r"(?:,\s*(?P<year>\d{4}))?(?:\s+(?P<upvotes>\d{1,7}))?$"
)
AUTHORS_LINE = re.compile(r"^[•·*-]?\s*(?P<count>\d{1,5})\s+authors?$", re.IGNORECASE)
METADATA_SEPARATOR = {"·", "•", "⋅"}

# Lines of the listing page's chrome, compared case-insensitively.  A second page
# pasted below the first repeats them, so they are skipped anywhere, except "new",
# which is chrome only as the very first line (a paper may be titled "New").
HEADER_LINES = {
    "new",
    "get trending papers in your email inbox!",
    "get trending papers in your email inbox once a day!",
    "subscribe",
    "daily papers",
    "byak and the research community",
}
# Chrome that a copy-paste may glue to the first title, as in "SubscribeHow do…".
GLUED_HEADER_PREFIXES = ("Subscribe", "Daily Papers", "byAK and the research community")

# Control characters are invalid in XML and HTML; tabs and newlines are handled as whitespace.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


@dataclass(frozen=True)
class PartialDate:
    """A date as a listing prints it: the year is missing for the capture's own year."""

    month: int
    day: int
    year: int | None = None

    def __reduce__(self):  # unpickled by the constructor: the build cache holds thousands
        return PartialDate, (self.month, self.day, self.year)


@dataclass
class Entry:
    """One paper as it appears in one dump."""

    title: str
    line: int
    abstract: list[str] = field(default_factory=list)  # paragraphs
    authors: int | None = None
    org_account: str | None = None
    org_name: str | None = None
    date: PartialDate | None = None
    date_line: int | None = None
    upvotes: int | None = None

    def __reduce__(self):  # unpickled by the constructor, twice as fast as by its __dict__
        return Entry, (self.title, self.line, self.abstract, self.authors, self.org_account,
                       self.org_name, self.date, self.date_line, self.upvotes)

    @property
    def has_metadata(self) -> bool:
        return any(
            value is not None
            for value in (self.authors, self.org_account, self.date, self.upvotes)
        )


@dataclass
class Dump:
    path: str
    entries: list[Entry] = field(default_factory=list)
    header_date: PartialDate | None = None
    header_line: int | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)


def decode_dump(data: bytes, path: str) -> tuple[str, list[Diagnostic]]:
    """Bytes to text: strip a BOM, replace bytes that are not UTF-8 and say where."""
    diagnostics = []
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), diagnostics
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        diagnostics.append(
            warning(path, line, "bytes that are not UTF-8 were replaced with U+FFFD")
        )
        return data.decode("utf-8", errors="replace"), diagnostics


def parse_dump_bytes(data: bytes, path: str) -> Dump:
    text, diagnostics = decode_dump(data, path)
    dump = parse_dump(text, path)
    dump.diagnostics[:0] = diagnostics
    return dump


def parse_date_line(text: str) -> tuple[PartialDate, int | None] | None:
    """`Sep 30 27` -> (Sep 30, 27 upvotes); `Nov 1, 2021` -> (2021-11-01, None)."""
    match = DATE_LINE.match(text)
    if not match:
        return None
    month = MONTHS.get(match["month"].lower())
    day = int(match["day"])
    if month is None or not 1 <= day <= DAYS_IN_MONTH[month - 1]:
        return None
    year = int(match["year"]) if match["year"] else None
    upvotes = int(match["upvotes"]) if match["upvotes"] else None
    return PartialDate(month, day, year), upvotes


def clean_text(line: str) -> str:
    """One line of prose: normalised to NFC, no control characters, single spaces."""
    line = CONTROL_CHARACTERS.sub(" ", line)
    return " ".join(unicodedata.normalize("NFC", line).split())


def is_abstract_like(text: str) -> bool:
    """Abstracts are paragraphs of prose; titles are short and rarely end a sentence."""
    words = len(text.split())
    return len(text) >= 300 or (words >= 30 and text.endswith((".", "!", "?")))


@dataclass
class _Line:
    number: int
    text: str
    kind: str  # "header", "date", "authors", "separator", "text"
    date: tuple[PartialDate, int | None] | None = None


def _classify(raw_lines: list[str], path: str, diagnostics: list[Diagnostic]) -> list[_Line]:
    lines: list[_Line] = []
    in_header = True
    for number, raw in enumerate(raw_lines, start=1):
        if CONTROL_CHARACTERS.search(raw):
            diagnostics.append(warning(path, number, "control characters replaced by spaces"))
        text = clean_text(raw)
        if not text:
            continue
        if text.lower() in HEADER_LINES and (text.lower() != "new" or not lines):
            lines.append(_Line(number, text, "header"))
            continue
        if in_header:
            for prefix in GLUED_HEADER_PREFIXES:
                rest = text[len(prefix):]
                if text.startswith(prefix) and rest and not rest[0].islower():
                    lines.append(_Line(number, prefix, "header"))
                    text = rest.strip()
                    break
        date = parse_date_line(text)
        if date:
            lines.append(_Line(number, text, "date", date))
        elif AUTHORS_LINE.match(text):
            lines.append(_Line(number, text, "authors"))
        elif text in METADATA_SEPARATOR:
            lines.append(_Line(number, text, "separator"))
        else:
            in_header = False
            lines.append(_Line(number, text, "text"))
    return lines


def parse_dump(text: str, path: str) -> Dump:
    """Parse one dump's text.  Never raises; problems go to `Dump.diagnostics`."""
    dump = Dump(path)
    warn = lambda line, message: dump.diagnostics.append(warning(path, line, message))  # noqa: E731
    lines = [line for line in _classify(re.split(r"\r\n|\r|\n", text), path, dump.diagnostics)
             if line.kind != "header"]

    current: Entry | None = None
    metadata_started = False

    def start_entry(line: _Line) -> Entry:
        nonlocal metadata_started
        if current is not None and not current.abstract:
            warn(current.line, f"title has no abstract: {shorten(current.title)}")
        metadata_started = False
        entry = Entry(title=line.text, line=line.number)
        dump.entries.append(entry)
        return entry

    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else None
        if line.kind == "date":
            date, upvotes = line.date
            if current is None:
                if dump.header_date is None:
                    dump.header_date, dump.header_line = date, line.number
                else:
                    warn(line.number, f"second capture date {line.text!r} ignored")
            elif current.date is None:
                current.date, current.date_line, current.upvotes = date, line.number, upvotes
                metadata_started = True
            else:
                warn(line.number, f"date {line.text!r} has no paper (already dated); ignored")
        elif line.kind == "authors":
            if current is None:
                warn(line.number, f"{line.text!r} comes before any paper; ignored")
            else:
                if current.authors is not None or current.org_account is not None:
                    warn(line.number, "second authors or organisation line; the last one wins")
                current.authors = int(AUTHORS_LINE.match(line.text)["count"])
                current.org_account = current.org_name = None
                metadata_started = True
        elif line.kind == "separator":
            if current is None:
                warn(line.number, "metadata separator '·' comes before any paper; ignored")
            metadata_started = True
        elif (
            current is not None
            and following is not None
            and following.kind == "separator"
            and current.org_account is None
            and current.date is None
        ):
            account, _, name = line.text.partition(" ")
            current.org_account, current.org_name = account, (name.strip() or account)
            current.authors = None
            metadata_started = True
        elif current is not None and not metadata_started and not current.abstract:
            # A short line that does not end a sentence is the next title: the
            # current paper lost its abstract.  Anything else is the abstract.
            if is_abstract_like(line.text) or line.text.endswith("."):
                current.abstract.append(line.text)
            else:
                current = start_entry(line)
        elif (
            current is not None
            and not metadata_started
            and is_abstract_like(line.text)
        ):
            current.abstract.append(line.text)
        else:
            current = start_entry(line)
    if current is not None and not current.abstract:
        warn(current.line, f"title has no abstract: {shorten(current.title)}")
    return dump


def shorten(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
