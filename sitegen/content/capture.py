"""What a capture of a listing holds, in every shape: the `Entry` per paper sighting,
the `Dump` per file, and the small readers of dates and prose they share.

Pure data and pure functions: the shape readers (`parse_lines`, `parse_cards`,
`parse_json`, `parse_html`) fill these in, `dumps` chooses the reader.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field, fields
from typing import NamedTuple

from ..errors import Diagnostic

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

# `Jun 12`, `Nov 1, 2021`, `Sep 30 27` (the seeds' upvotes after the date), `Published on Oct 4, 2026`.
DATE_LINE = re.compile(
    r"^(?:published\s+on\s+)?(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2})"
    r"(?:,\s*(?P<year>\d{4}))?(?:\s+(?P<upvotes>\d{1,7}))?$", re.IGNORECASE
)
# Anything shaped like a date, real or not: never a title.
DATE_LIKE = re.compile(r"^(?:published\s+on\s+)?[A-Za-z]{3,9}\.?\s+\d{1,2}(?:,\s*\d{1,4})?(?:\s+\d+)?$",
                       re.IGNORECASE)
ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# How tools write a day in words or with slashes: `Jan 15, 2025`, `Wednesday, January 15th 2025`,
# `15 Jan 2025` (and RFC 2822's `Wed, 15 Jan 2025 09:12:44 GMT`), `2025/01/15`.
MONTH_DAY_YEAR = re.compile(r"\b(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+"
                            r"(?P<year>\d{4})\b")
DAY_MONTH_YEAR = re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?P<month>[A-Za-z]{3,9})\.?,?\s+"
                            r"(?P<year>\d{4})\b")
SLASHED_DATE = re.compile(r"\b(?P<year>\d{4})[/.](?P<month>\d{1,2})[/.](?P<day>\d{1,2})\b")

# Control characters are invalid in XML and HTML; bidi controls and invisible format
# characters (soft hyphen, zero-width space) change how a title reads or compares, not what it says.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
INVISIBLE_CHARACTERS = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# Halves of a UTF-16 pair standing alone, which no text can hold: JSON may write them (`"\ud800"`).
LONE_SURROGATES = re.compile(r"[\ud800-\udfff]")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
SENTENCE_END = (".", "!", "?", "。", "！", "？", ".)", '."')
MAX_TITLE_LENGTH = 400


class PartialDate(NamedTuple):
    """A date as a listing prints it: the year is missing for the capture's own year."""

    month: int
    day: int
    year: int | None = None


@dataclass
class Entry:
    """One paper as it appears in one capture."""

    title: str
    line: int
    abstract: list[str] = field(default_factory=list)  # paragraphs
    authors: int | None = None
    org_account: str | None = None
    org_name: str | None = None
    date: PartialDate | None = None
    date_line: int | None = None
    upvotes: int | None = None
    arxiv_id: str | None = None
    author_names: tuple[str, ...] = ()
    links: dict[str, str] = field(default_factory=dict)  # "huggingface", "arxiv", "pdf", "code"
    comments: int | None = None
    submitted_by: str | None = None

    def __reduce__(self):  # unpickled by the constructor, twice as fast as by its __dict__
        return Entry, (self.title, self.line, self.abstract, self.authors, self.org_account,
                       self.org_name, self.date, self.date_line, self.upvotes, self.arxiv_id,
                       self.author_names, self.links, self.comments, self.submitted_by)

    @property
    def has_metadata(self) -> bool:
        return any(
            value is not None
            for value in (self.authors, self.org_account, self.date, self.upvotes)
        )


@dataclass
class Dump:
    """One capture file read: its papers, where it says it was captured, and what was skipped."""

    path: str
    entries: list[Entry] = field(default_factory=list)
    header_date: PartialDate | None = None
    header_line: int | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    shape: str = "text"  # "text", "markdown", "html" or "json"
    captured: dt.date | None = None  # from the capture's own front matter
    captured_from: str | None = None  # e.g. "front matter `retrieved:`"
    skipped: list[tuple[int, str]] = field(default_factory=list)  # lines that could not be read


def dump_as_plain(dump: Dump) -> tuple:
    """The dump as builtins only (tuples for its entries, dates and warnings), which the
    build cache keeps; `dump_from_plain` makes the dump again."""
    return tuple(_AS_PLAIN.get(name, _same)(getattr(dump, name)) for name in _DUMP_FIELDS)


def dump_from_plain(plain: tuple) -> Dump:
    return Dump(*(_FROM_PLAIN.get(name, _same)(value) for name, value in zip(_DUMP_FIELDS, plain)))


def _entry_as_plain(entry: Entry) -> tuple:
    values = [getattr(entry, name) for name in _ENTRY_FIELDS]
    values[_ENTRY_DATE] = tuple(entry.date) if entry.date is not None else None
    return tuple(values)


def _entry_from_plain(plain: tuple) -> Entry:
    entry = Entry(*plain)
    if entry.date is not None:
        entry.date = PartialDate(*entry.date)
    return entry


def _same(value):
    return value


_DUMP_FIELDS = tuple(name.name for name in fields(Dump))
_ENTRY_FIELDS = tuple(name.name for name in fields(Entry))
_ENTRY_DATE = _ENTRY_FIELDS.index("date")
_AS_PLAIN = {
    "entries": lambda entries: [_entry_as_plain(entry) for entry in entries],
    "header_date": lambda date: tuple(date) if date is not None else None,
    "diagnostics": lambda found: [(d.path, d.line, d.message, d.level) for d in found],
    "captured": lambda day: day.toordinal() if day is not None else None,
}
_FROM_PLAIN = {
    "entries": lambda entries: [_entry_from_plain(entry) for entry in entries],
    "header_date": lambda date: PartialDate(*date) if date is not None else None,
    "diagnostics": lambda found: [Diagnostic(*d) for d in found],
    "captured": lambda day: dt.date.fromordinal(day) if day is not None else None,
}


def parse_date_line(text: str) -> tuple[PartialDate, int | None] | None:
    """`Sep 30 27` -> (Sep 30, 27 upvotes); `Nov 1, 2021` -> (2021-11-01, None).
    A date that cannot exist (`Feb 30`, year 0000) is not a date."""
    match = DATE_LINE.match(text)
    if not match:
        return None
    month = MONTHS.get(match["month"].lower())
    day = int(match["day"])
    if month is None or not 1 <= day <= DAYS_IN_MONTH[month - 1]:
        return None
    year = int(match["year"]) if match["year"] else None
    if year is not None and not 1900 <= year <= 2200:
        return None
    upvotes = int(match["upvotes"]) if match["upvotes"] else None
    return PartialDate(month, day, year), upvotes


def iso_date(text: str) -> dt.date | None:
    """The first `YYYY-MM-DD` in `text` as a date, if it is a real one."""
    match = ISO_DATE.search(text or "")
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def loose_date(text: str) -> dt.date | None:
    """The day a front matter value names, however the tool wrote it: ISO (with a time and
    zone after it or not), `2025/01/15`, `Jan 15, 2025` or `15 January 2025`."""
    date = iso_date(text)
    if date is not None:
        return date
    for pattern in (MONTH_DAY_YEAR, DAY_MONTH_YEAR, SLASHED_DATE):
        match = pattern.search(text or "")
        if not match:
            continue
        month = match["month"]
        month = int(month) if month.isdigit() else MONTHS.get(month.lower())
        try:
            return dt.date(int(match["year"]), month, int(match["day"])) if month else None
        except ValueError:
            return None
    return None


def clean_text(line: str, controls_replaced: bool = False) -> str:
    """One line of prose: NFC, no control or invisible characters, single spaces.
    `controls_replaced`: the caller replaced control characters in the whole capture, so an
    ASCII line is known printable but for tabs (a scan of each character less per line)."""
    if line.isascii() and ("\t" not in line if controls_replaced else line.isprintable()):
        # most lines: nothing but the spaces to fold
        return line.strip() if "  " not in line else " ".join(line.split())
    if not line.isprintable():  # control and invisible characters are all unprintable
        line = LONE_SURROGATES.sub("\ufffd", INVISIBLE_CHARACTERS.sub("", CONTROL_CHARACTERS.sub(" ", line)))
    return " ".join(unicodedata.normalize("NFC", line).split())


def word_count(text: str) -> int:
    """Words, counting each CJK character as one: a Chinese abstract has no spaces."""
    words = len(text.split())
    return words if text.isascii() else words + len(CJK.findall(text))


def is_abstract_like(text: str) -> bool:
    """Abstracts are paragraphs of prose; titles are short and rarely end a sentence."""
    if len(text) >= 300:
        return True
    words = word_count(text)
    return words >= 80 or (words >= 30 and text.endswith(SENTENCE_END))


def shorten(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
