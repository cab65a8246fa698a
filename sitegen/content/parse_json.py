"""The JSON the Hub serves for a listing, as entries.

`api/daily_papers` is a list of objects `{paper: {id, title, summary, authors:
[{name}], publishedAt, upvotes, githubRepo?, organization?}, publishedAt,
numComments, submittedBy, thumbnail}`; a saved page's hydration data wraps the
same list as `{"dailyPapers": [...]}`; some tools keep a plain list of paper
objects.  `find_papers` finds that list wherever it is; `entries_from` reads it.
Pure: decoded JSON in, entries out.
"""

from __future__ import annotations

import datetime as dt
import re

from .capture import MAX_TITLE_LENGTH, PartialDate, clean_text, iso_date
from .parse_kinds import ARXIV_ID, CODE_LINK

ID = re.compile(r"^" + ARXIV_ID + r"$")
MAX_DEPTH = 12
MAX_SEARCHED = 10_000  # items of a list that is not papers looked into for lists of papers


def find_paper_lists(data) -> list[list]:
    """Every list of papers in `data`: the Hub's listing, each day of a by-date archive
    (`{"2025-01-15": [...], ...}`, `[{"date": ..., "papers": [...]}, ...]`), or a single paper
    object as `api/papers/<id>` serves it.  Where some lists hold papers with abstracts, the
    lists of other titled things (a page's collections, its menus) are left out."""
    found: list[list] = []
    _collect(data, 0, found)
    if not found:
        return [[data]] if _paper_of(data) is not None and isinstance(data, dict) else []
    if max(_paperness(items)[0] for items in found) == 0:
        return [max(found, key=_paperness)]
    return [items for items in found if _paperness(items)[0] > 0]


def _collect(data, depth: int, found: list[list]) -> None:
    """The lists of paper-like objects in `data`, searched a few levels deep, in order."""
    if depth > MAX_DEPTH:
        return
    if isinstance(data, list):
        papers = sum(1 for item in data if _paper_of(item) is not None)
        if papers and papers * 2 >= len(data):
            found.append(data)
            return
        children = data[:MAX_SEARCHED]
    elif isinstance(data, dict):
        children = data.values()
    else:
        return
    for child in children:
        if isinstance(child, (list, dict)):
            _collect(child, depth + 1, found)


# Where crawlers' JSON responses put the page: Firecrawl `data.markdown` (or `html`, `rawHtml`),
# Jina reader `data.content`, crawl4ai `markdown` / `raw_markdown`; and the page's address.
DOCUMENT_KEYS = ("markdown", "raw_markdown", "content", "html", "rawHtml", "raw_html", "text")
ADDRESS_KEYS = ("url", "sourceURL", "source_url", "ogUrl")
MIN_DOCUMENT = 200


def crawled_document(data) -> tuple[str, str | None] | None:
    """The page a crawler's JSON response holds (`{"data": {"markdown": "…", "metadata":
    {"sourceURL": …}}}`, `{"data": {"content": "…", "url": …}}`), and the address it names."""
    for holder in _objects(data, 0):
        for key in DOCUMENT_KEYS:
            value = holder.get(key)
            if isinstance(value, str) and len(value) >= MIN_DOCUMENT and "\n" in value:
                return value, _address(data)
    return None


def _objects(data, depth: int):
    """`data` and the objects in it, a few levels deep, outermost first."""
    if isinstance(data, dict) and depth <= 3:
        yield data
        for value in data.values():
            yield from _objects(value, depth + 1)


def _address(data) -> str | None:
    for holder in _objects(data, 0):
        for key in ADDRESS_KEYS:
            if isinstance(holder.get(key), str):
                return holder[key]
    return None


def find_papers(data) -> list[dict] | None:
    """The one list of papers in `data` that matters most (a page's embedded data)."""
    lists = find_paper_lists(data)
    return max(lists, key=_paperness) if lists else None


def _paperness(items: list) -> tuple[int, int]:
    """Lists of papers with abstracts (`summary`, or the Hub's `paper: {…}`) before other
    lists of titled objects (a page's collections, its menus), then the longer."""
    return (sum(1 for item in items[:200] if isinstance(item, dict)
                and ("paper" in item or "summary" in item or "abstract" in item)), len(items))


def _paper_of(item) -> dict | None:
    """The paper object of a listing item, or the item itself if it is a paper."""
    if not isinstance(item, dict):
        return None
    paper = item.get("paper")
    if isinstance(paper, dict) and isinstance(paper.get("title"), str):
        return paper
    if isinstance(item.get("title"), str) and ("summary" in item or "abstract" in item or "id" in item):
        return item
    return None


def entries_from(items: list, position_of) -> tuple[list, list[tuple[int, str]]]:
    """Entries from a list of listing items; `position_of(index)` gives an item's line.
    Items that are not papers come back as skipped (line, why)."""
    from .capture import Entry

    entries, skipped = [], []
    for index, item in enumerate(items):
        line = position_of(index)
        paper = _paper_of(item)
        title = clean_text(paper["title"]) if paper else ""
        if not title or len(title) > MAX_TITLE_LENGTH or "://" in title:
            skipped.append((line, f"item {index + 1} is not a paper (no title, or a title that is "
                                  "a URL or too long to be one)"))
            continue
        entry = Entry(title=title, line=line)
        summary = paper.get("summary") or paper.get("abstract") or ""
        if isinstance(summary, str):
            paragraphs = [clean_text(part) for part in re.split(r"\n\s*\n", summary)]
            entry.abstract = [part for part in paragraphs if part]
        _read_people(entry, paper, item)
        _read_numbers(entry, paper, item)
        published = _date(paper.get("publishedAt")) or _date(item.get("publishedAt"))
        if published:
            entry.date = PartialDate(published.month, published.day, published.year)
            entry.date_line = line
        _read_links(entry, paper)
        entries.append(entry)
    return entries, skipped


def _read_people(entry, paper: dict, item: dict) -> None:
    authors = paper.get("authors")
    if isinstance(authors, list):
        names = [clean_text(str(a.get("name") or a.get("fullname") or "")) if isinstance(a, dict)
                 else clean_text(str(a)) for a in authors]
        names = [name for name in names if name]
        entry.authors = len(authors) or None
        entry.author_names = tuple(names) if len(names) == len(authors) else ()
    organization = paper.get("organization") or item.get("organization")
    if isinstance(organization, dict):
        account = organization.get("name")
        name = organization.get("fullname") or account
        if isinstance(account, str) and account:
            entry.org_account, entry.org_name = clean_text(account), clean_text(str(name))
    submitter = item.get("submittedBy") or paper.get("submittedOnDailyBy")
    if isinstance(submitter, dict):
        submitter = submitter.get("fullname") or submitter.get("name") or submitter.get("user")
    if isinstance(submitter, str) and clean_text(submitter):
        entry.submitted_by = clean_text(submitter)


def _read_numbers(entry, paper: dict, item: dict) -> None:
    for source, key, name in ((paper, "upvotes", "upvotes"), (item, "upvotes", "upvotes"),
                              (item, "numComments", "comments"), (paper, "numComments", "comments")):
        value = source.get(key)
        if getattr(entry, name) is None and isinstance(value, int) and not isinstance(value, bool) \
                and 0 <= value < 10**9:
            setattr(entry, name, value)


def _read_links(entry, paper: dict) -> None:
    identifier = paper.get("id")
    if isinstance(identifier, str) and ID.match(identifier.strip()):
        entry.arxiv_id = ID.match(identifier.strip())["id"]
    repository = paper.get("githubRepo")
    if isinstance(repository, str) and CODE_LINK.match(repository.strip()):
        entry.links["code"] = repository.strip()


def _date(value) -> dt.date | None:
    return iso_date(value) if isinstance(value, str) else None
