"""The content model: parsed dumps in, papers grouped by topic and day out.

Pure functions only.  `build_digest` resolves each dump's capture date, gives
yearless dates their year, merges the sightings of one paper across dumps
(a known value beats a missing one; a conflict is a warning naming both
places), assigns topics and groups the papers by day.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

from ..config import SiteConfig, Source, Topic
from .dumps import Dump, Entry, PartialDate
from ..errors import Diagnostic, warning
from .slugs import slugify, title_hash, title_key
from .topics import TopicMatcher, choose_topics

FIRST_SENTENCE = re.compile(r"(.+?[.!?])(?:\s|$)")
MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                       "Nov", "Dec")


@dataclass
class Paper:
    key: str
    slug: str
    title: str
    abstract: list[str]
    authors: int | None = None
    org_account: str | None = None
    org_name: str | None = None
    date: dt.date | None = None
    date_source: str | None = None  # "published", "captured" or None
    upvotes: int | None = None
    topics: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # "path:line"
    # Where each metadata value came from ("path:line"), to name both places in a conflict.
    provenance: dict[str, str] = field(default_factory=dict, repr=False)
    capture_dates: list[dt.date] = field(default_factory=list, repr=False)
    arxiv_id: str | None = None
    author_names: tuple[str, ...] = ()
    links: dict[str, str] = field(default_factory=dict)  # huggingface, arxiv, pdf, code
    comments: int | None = None
    submitted_by: str | None = None

    @property
    def url(self) -> str:
        return f"papers/{self.slug}/"

    @property
    def first_sentence(self) -> str:
        """The abstract's first sentence, at most 300 characters."""
        text = " ".join(self.abstract)
        match = FIRST_SENTENCE.match(text)
        sentence = match.group(1) if match else text
        return sentence if len(sentence) <= 300 else sentence[:299].rstrip() + "…"


@dataclass
class TopicGroup:
    topic: Topic
    papers: list[Paper]
    is_catch_all: bool = False


@dataclass
class SourceSummary:
    """What one capture gave: for `sitegen check` and the build summary."""

    path: str
    shape: str
    papers: int
    with_dates: int
    with_upvotes: int
    with_ids: int
    skipped: list[tuple[int, str]]
    capture_date: dt.date | None
    capture_from: str | None  # where the capture date came from


@dataclass
class Digest:
    papers: list[Paper]  # newest first; undated last
    topics: list[TopicGroup]
    days: dict[dt.date, list[Paper]]  # newest day first
    undated: list[Paper]
    diagnostics: list[Diagnostic] = field(metadata={"shown": False})  # no page shows them
    source_count: int = 0
    entry_count: int = 0
    sources: list[SourceSummary] = field(default_factory=list)
    # Old URL -> paper URL of every redirect page, once the build has compared the
    # papers with what earlier builds published (`links.link_history`); None before.
    redirects: dict[str, str] | None = field(default=None, metadata={"shown": False})
    # Slug -> the slugs of its nearest papers (`similar`), once the build has found them.
    similar: dict[str, list[str]] = field(default_factory=dict)

    @property
    def by_slug(self) -> dict[str, Paper]:
        return {paper.slug: paper for paper in self.papers}

    def months(self) -> dict[tuple[int, int], list[dt.date]]:
        """(year, month) -> its days, newest first."""
        grouped: dict[tuple[int, int], list[dt.date]] = defaultdict(list)
        for day in self.days:
            grouped[(day.year, day.month)].append(day)
        return dict(grouped)


def format_date(date: dt.date | PartialDate) -> str:
    text = f"{MONTH_ABBREVIATIONS[date.month - 1]} {date.day}"
    return f"{text}, {date.year}" if date.year else text


def resolve_capture_date(dump: Dump, source: Source) -> tuple[dt.date | None, int | None,
                                                              list[Diagnostic]]:
    """The dump's capture date and capture year, from site.yaml, its header, or inference."""
    header = dump.header_date
    path, line = dump.path, dump.header_line
    if source.captured:
        problems = []
        if header and (header.month, header.day) != (source.captured.month, source.captured.day):
            problems.append(warning(path, line, f"header says captured {format_date(header)} but "
                                                f"site.yaml says {source.captured}; using site.yaml"))
        return source.captured, source.captured.year, problems
    if dump.captured is not None:  # the capture's own front matter: the tool that saved it
        return dump.captured, dump.captured.year, []
    if header is None:
        return None, source.year, []
    year = header.year or source.year
    problems = []
    if year is None:
        explicit = [entry.date.year for entry in dump.entries if entry.date and entry.date.year]
        if not explicit:
            return None, None, [warning(
                path, line, f"capture date {format_date(header)} has no year and no paper in the "
                            "dump gives one; set `captured:` or `year:` for this source in site.yaml")]
        year = max(explicit) + 1
        problems.append(warning(
            path, line, f"capture date {format_date(header)} has no year; assuming {year}, the year "
                        f"after the newest dated paper ({max(explicit)}); set `captured:` in "
                        "site.yaml to be sure"))
    try:
        return dt.date(year, header.month, header.day), year, problems
    except ValueError:
        problems.append(warning(path, line, f"capture date {format_date(header)} does not exist "
                                            f"in {year}"))
        return None, year, problems


def resolve_date(date: PartialDate, capture: dt.date | None, capture_year: int | None) -> dt.date | None:
    """A listed date as a real date; a yearless one after the capture belongs to the year before."""
    if date.year:
        try:
            return dt.date(date.year, date.month, date.day)
        except ValueError:
            return None
    year = capture.year if capture else capture_year
    if year is None:
        return None
    for candidate_year in range(year, year - 8, -1):  # Feb 29 may need a few years back
        try:
            candidate = dt.date(candidate_year, date.month, date.day)
        except ValueError:
            continue
        if capture is None or candidate <= capture:
            return candidate
    return None


def build_digest(config: SiteConfig, dumps: list[tuple[Source, Dump]],
                 matcher: TopicMatcher | None = None) -> Digest:
    """The model of the parsed `dumps`.  `matcher` (one for `config.topics`) may know the
    answers already (`match_topics_ahead`); without one, a new matcher works them out."""
    diagnostics: list[Diagnostic] = []
    sightings: list[tuple[Entry, dt.date | None, str, Source, dt.date | None]] = []
    summaries: list[SourceSummary] = []
    for source, dump in dumps:
        diagnostics.extend(dump.diagnostics)
        capture, capture_year, problems = resolve_capture_date(dump, source)
        diagnostics.extend(problems)
        found = _sightings(dump, source, capture, capture_year, diagnostics)
        sightings.extend(found)
        summaries.append(_summary(dump, source, capture, sum(1 for _, date, *_ in found if date)))
    papers = _merge_sightings(sightings, diagnostics)
    entry_count = len(sightings)

    _give_distinct_slugs(papers.values())
    matcher = matcher if matcher is not None else TopicMatcher(config.topics)
    for paper in papers.values():
        if paper.date is None and paper.capture_dates:
            paper.date, paper.date_source = min(paper.capture_dates), "captured"
        paper.topics = _topics_of(paper, matcher, config)

    ordered = sorted(papers.values(), key=_newest_first)
    days: dict[dt.date, list[Paper]] = {}
    for paper in ordered:
        if paper.date is not None:
            days.setdefault(paper.date, []).append(paper)
    members: dict[str, list[Paper]] = {topic.slug: [] for topic in config.all_topics}
    for paper in ordered:
        for slug in paper.topics:
            if slug in members:
                members[slug].append(paper)
    groups = [TopicGroup(topic, members[topic.slug], topic is config.catch_all)
              for topic in config.all_topics]
    diagnostics.extend(_redirect_problems(config, {paper.slug for paper in ordered}))
    return Digest(
        papers=ordered,
        topics=groups,
        days=days,
        undated=[paper for paper in ordered if paper.date is None],
        diagnostics=diagnostics,
        source_count=len(dumps),
        entry_count=entry_count,
        sources=summaries,
    )


def _redirect_problems(config: SiteConfig, slugs: set[str]) -> list[Diagnostic]:
    """A warning for each redirect in site.yaml that cannot be written as given."""
    problems = []
    for old, new, line in config.redirects:
        if old in slugs:
            problems.append(warning(config.path.name, line, f"redirect from {old!r} ignored: "
                                                            "a current paper has that slug"))
        elif new not in slugs:
            problems.append(warning(config.path.name, line, f"redirect target {new!r} is no "
                                                            "paper's slug; nothing written"))
    return problems


def _sightings(dump: Dump, source: Source, capture: dt.date | None, capture_year: int | None,
               diagnostics: list[Diagnostic]) -> list[tuple]:
    """(entry, its date, its place, its source, its capture's date) for each entry of `dump`."""
    cut_short = _cut_short(dump.entries)
    return [(entry, _entry_date(entry, capture, capture_year, dump.path, diagnostics),
             f"{dump.path}:{entry.line}", source, None if entry is cut_short else capture)
            for entry in dump.entries]


def _cut_short(entries: list[Entry]) -> Entry | None:
    """The last card of a capture cut off after its abstract, before its metadata (`[Content
    truncated]`), in a listing whose cards print their own dates: its date is unknown, not the
    capture's."""
    if len(entries) < 2:
        return None
    last = entries[-1]
    if not last.abstract or last.date is not None or last.authors is not None or \
            last.org_account is not None:
        return None
    dated = sum(1 for entry in entries[:-1] if entry.date is not None)
    return last if dated * 2 > len(entries) - 1 else None


def _entry_date(entry: Entry, capture: dt.date | None, capture_year: int | None, path: str,
                diagnostics: list[Diagnostic]) -> dt.date | None:
    if entry.date is None:
        return None
    date = resolve_date(entry.date, capture, capture_year)
    if date is None:
        diagnostics.append(warning(path, entry.date_line,
                                   f"cannot tell the year of {format_date(entry.date)}"
                                   if not entry.date.year else
                                   f"{format_date(entry.date)} is not a real date"))
    return date


def _summary(dump: Dump, source: Source, capture: dt.date | None, dated: int) -> SourceSummary:
    if source.captured:
        where = "site.yaml `captured:`"
    elif dump.captured is not None:
        where = dump.captured_from
    elif capture is not None:
        where = f"the page header ({format_date(dump.header_date)})" + \
            (" and site.yaml `year:`" if source.year else "")
    else:
        where = None
    return SourceSummary(dump.path, dump.shape, len(dump.entries), dated,
                         sum(1 for e in dump.entries if e.upvotes is not None),
                         sum(1 for e in dump.entries if e.arxiv_id), list(dump.skipped), capture,
                         where)


def _merge_sightings(sightings, diagnostics: list[Diagnostic]) -> dict[str, Paper]:
    """One `Paper` per paper: sightings with one arXiv id are one paper; a sighting without
    an id joins the paper with its title (and that title's id, where the title has one)."""
    keys = [title_key(entry.title) for entry, *_ in sightings]
    ids_of_title: dict[str, list[str]] = defaultdict(list)
    for (entry, *_), key in zip(sightings, keys):
        if entry.arxiv_id and entry.arxiv_id not in ids_of_title[key]:
            ids_of_title[key].append(entry.arxiv_id)
    papers: dict[str, Paper] = {}
    for (entry, date, place, source, capture), key in zip(sightings, keys):
        arxiv_id = entry.arxiv_id
        if arxiv_id is None and ids_of_title.get(key):
            arxiv_id = ids_of_title[key][0]
            if len(ids_of_title[key]) > 1:
                diagnostics.append(warning(*_split_place(place), (
                    f"papers {', '.join(ids_of_title[key])} share this title; this sighting "
                    f"has no arXiv id and is taken as {arxiv_id}")))
        merge_key = f"arxiv:{arxiv_id}" if arxiv_id else key
        paper = papers.get(merge_key)
        if paper is None:
            paper = papers[merge_key] = Paper(key=key, slug=slugify(entry.title, key), title=entry.title,
                                              abstract=list(entry.abstract), arxiv_id=arxiv_id)
        _merge(paper, entry, date, place, source, diagnostics)
        if capture:
            paper.capture_dates.append(capture)
    for paper in papers.values():
        if paper.arxiv_id:
            for name, url in paper_links_of(paper.arxiv_id).items():
                paper.links.setdefault(name, url)
    return papers


def paper_links_of(arxiv_id: str) -> dict[str, str]:
    return {"huggingface": f"https://huggingface.co/papers/{arxiv_id}",
            "arxiv": f"https://arxiv.org/abs/{arxiv_id}",
            "pdf": f"https://arxiv.org/pdf/{arxiv_id}"}


def _newest_first(paper: Paper):
    ordinal = paper.date.toordinal() if paper.date else 0
    return (-ordinal, -(paper.upvotes or 0), paper.key, paper.slug)


def _merge(paper: Paper, entry: Entry, date: dt.date | None, place: str, source: Source,
           diagnostics: list[Diagnostic]) -> None:
    paper.sources.append(place)
    for topic in source.topics:
        if topic not in paper.topics:
            paper.topics.append(topic)
    if not paper.abstract and entry.abstract:
        paper.abstract = list(entry.abstract)
    if entry.org_account is not None:
        _take(paper, "org_account", entry.org_account, place, diagnostics)
        if paper.org_account == entry.org_account and paper.org_name is None:
            paper.org_name = entry.org_name
    if entry.authors is not None:
        _take(paper, "authors", entry.authors, place, diagnostics)
    if date is not None:
        _take(paper, "date", date, place, diagnostics)
        paper.date_source = "published"
    if entry.upvotes is not None:  # counts only grow between captures: keep the highest
        paper.upvotes = max(paper.upvotes or 0, entry.upvotes)
    if entry.comments is not None:
        paper.comments = max(paper.comments or 0, entry.comments)
    if entry.author_names and not paper.author_names:
        paper.author_names = tuple(entry.author_names)
    for name, url in entry.links.items():
        paper.links.setdefault(name, url)
    paper.submitted_by = paper.submitted_by or entry.submitted_by


_SHOWN = {"org_account": lambda value: f"organisation {value!r}",
          "authors": lambda value: f"{value} authors",
          "date": lambda value: f"date {value.isoformat()}"}


def _take(paper: Paper, name: str, value, place: str, diagnostics: list[Diagnostic]) -> None:
    """The first value seen of a field is kept; a different one later is a warning that
    names both places."""
    current = getattr(paper, name)
    if current is None:
        setattr(paper, name, value)
        paper.provenance[name] = place
    elif current != value:
        shown = _SHOWN[name]
        diagnostics.append(warning(*_split_place(place),
                                   f"{shown(value)} conflicts with {shown(current)} at "
                                   f"{paper.provenance[name]}; keeping {shown(current)}"))


def _split_place(place: str) -> tuple[str, int]:
    path, _, line = place.rpartition(":")
    return path, int(line)


def _give_distinct_slugs(papers) -> None:
    """Slugs are unique by construction; if two ever meet, both take a longer title hash."""
    by_slug: dict[str, list[Paper]] = defaultdict(list)
    for paper in papers:
        by_slug[paper.slug].append(paper)
    for slug, sharing in by_slug.items():
        titles = {paper.key for paper in sharing}
        if len(sharing) > 1 and len(titles) > 1:
            for paper in sharing:
                paper.slug = f"{slug[:60].rstrip('-')}-{title_hash(paper.key, 16)}"
        elif len(sharing) > 1:  # one title, several arXiv ids: the first id keeps the URL
            for paper in sorted(sharing, key=lambda p: p.arxiv_id or "")[1:]:
                paper.slug = f"{slug[:60].rstrip('-')}-{re.sub(r'[^a-z0-9]+', '-', paper.arxiv_id.lower())}"


def match_topics_ahead(dumps: list[Dump], matcher: TopicMatcher) -> None:
    """Ask `matcher` about each entry's text as `build_digest` will ask about the paper
    made from it, so that the answers are remembered (this can run in another process
    and its answers be handed over with `known_matches`)."""
    for dump in dumps:
        for entry in dump.entries:
            matcher.match_paper(entry.title, entry.abstract)


def _topics_of(paper: Paper, matcher: TopicMatcher, config: SiteConfig) -> list[str]:
    """The topics its rules choose plus those its sources give, in config order; else the
    catch-all."""
    chosen = set(choose_topics(matcher.match_paper(paper.title, paper.abstract), config.max_topics))
    chosen.update(paper.topics)  # given by the paper's sources
    ordered = [slug for slug in matcher.order if slug in chosen]
    if config.catch_all.slug in chosen:
        ordered.append(config.catch_all.slug)
    return ordered or [config.catch_all.slug]
