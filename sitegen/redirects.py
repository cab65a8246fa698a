"""Links that never break: where each URL an earlier build had now leads.

Pure: data in, data out.  A `History` is what earlier builds published (their
papers, as papers.json records them, and the redirects they served, as
redirects.json records them); `plan_redirects` compares it with this build's
papers and says which earlier URLs redirect where, and which lead nowhere now.

A paper still there under a new URL is the same arXiv id where both sides know
it, otherwise the same abstract, with the nearest source position (same dump,
closest line) as the tie-breaker.  Every URL it ever had redirects straight to
its current one (a chain A -> B -> C sends A to C), since the redirects a build
serves are recorded in its redirects.json and carried forward.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Collection, Iterable, Mapping

PAPER_URL = re.compile(r"papers/[a-z0-9][a-z0-9-]*/\Z")
FAR = 1 << 40  # no dump in common


@dataclass(frozen=True)
class Sighting:
    """A paper as far as matching goes."""

    url: str
    title: str = ""
    arxiv_id: str | None = None
    abstract: str = ""  # as written (compared with whitespace folded, when matching)
    sources: tuple[str, ...] = ()  # "path:line"


@dataclass(frozen=True)
class History:
    """The URLs earlier builds served: their papers and the redirects they wrote."""

    papers: tuple[Sighting, ...] = ()
    redirects: Mapping[str, str] = field(default_factory=dict)  # old URL -> paper URL
    origin: str = ""  # where it was read, for messages
    # URLs of earlier papers left out of `papers`: those the build reading it serves too
    # (a plan needs no more of them than that they were there).
    served_too: frozenset[str] = frozenset()

    @property
    def paper_urls(self) -> set[str]:
        return {paper.url for paper in self.papers} | self.served_too

    @property
    def urls(self) -> set[str]:
        return self.paper_urls | set(self.redirects)

    def title_of(self, url: str) -> str:
        for paper in self.papers:
            if paper.url == url:
                return paper.title
        target = self.redirects.get(url)
        return self.title_of(target) if target and target != url else ""

    def merged(self, other: History | None) -> History:
        """Both histories: this one's papers first, where a URL is in both."""
        if other is None:
            return self
        known = {paper.url for paper in self.papers}
        papers = self.papers + tuple(paper for paper in other.papers if paper.url not in known)
        return History(papers, {**other.redirects, **self.redirects}, self.origin or other.origin,
                       self.served_too | other.served_too)


@dataclass(frozen=True, order=True)
class Gone:
    """An earlier URL that no page and no redirect of this build serves."""

    url: str
    title: str


@dataclass
class Plan:
    redirects: dict[str, str]  # every URL a redirect page serves -> the URL of the paper it sends to
    gone: list[Gone]  # earlier URLs whose paper is in no dump any more, sorted


def fold(text: str) -> str:
    return " ".join(text.split())


def sighting(url: str, title: str, abstract: str, sources: Iterable[str] = (),
             arxiv_id: str | None = None) -> Sighting:
    return Sighting(url, title, arxiv_id or None, abstract, tuple(sources))


def parse_history(papers_json: str | bytes | None, redirects_json: str | bytes | None,
                  origin: str = "", served: Collection[str] = frozenset()) -> History:
    """A History from the texts of a site's papers.json and redirects.json (either may be
    missing).  Raises ValueError, saying what is wrong, for anything else; URLs that are
    not a paper's (`papers/<slug>/`) are left out, so nothing read names another path.
    `served`: the paper URLs of the build that reads it, whose earlier papers are only
    counted (`History.served_too`): a plan needs no more of them."""
    papers, served_too = [], set()
    if papers_json is not None:
        records = json.loads(papers_json)
        if not isinstance(records, list) or not all(isinstance(r, dict) and isinstance(r.get("url"), str)
                                                    and r["url"].strip() for r in records):
            raise ValueError("not a sitegen papers.json (a list of papers with urls)")
        for record in records:
            if record["url"] in served:
                served_too.add(record["url"])
            elif PAPER_URL.match(record["url"]):
                sources = record.get("sources")
                papers.append(sighting(record["url"], _text(record.get("title")), _text(record.get("abstract")),
                                       [s for s in sources if isinstance(s, str)] if isinstance(sources, list)
                                       else (), _text(record.get("arxiv_id")) or None))
    redirects = {}
    if redirects_json is not None:
        mapping = json.loads(redirects_json)
        if not isinstance(mapping, dict):
            raise ValueError("not a sitegen redirects.json (an object of old URL: new URL)")
        redirects = {old: new for old, new in mapping.items()
                     if isinstance(new, str) and PAPER_URL.match(old) and PAPER_URL.match(new)}
    return History(tuple(papers), redirects, origin, frozenset(served_too))


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def redirects_json(redirects: Mapping[str, str]) -> str:
    """The record of a build's redirects, carried forward by the next build."""
    return json.dumps(dict(sorted(redirects.items())), indent=1, ensure_ascii=False) + "\n"


def plan_redirects(history: History, current_urls: set[str], manual: Mapping[str, str],
                   current: Callable[[], Iterable[Sighting]]) -> Plan:
    """Where every earlier URL leads.  `current_urls`: this build's paper URLs;
    `manual`: redirects from site.yaml (old URL -> paper URL); `current`: this build's
    papers, asked for only if some earlier paper's URL is not served any more."""
    redirects = {old: new for old, new in manual.items() if new in current_urls and old not in current_urls}
    served = current_urls | set(redirects)
    missing: dict[str, Sighting] = {}
    for paper in history.papers:
        if paper.url not in served:
            missing.setdefault(paper.url, paper)
    moved = _match(list(missing.values()), current(), history) if missing else {}
    for old, earlier_target in history.redirects.items():
        if old in served:
            continue
        target = earlier_target if earlier_target in current_urls else moved.get(earlier_target)
        if target is not None:
            redirects[old] = target
    redirects.update(moved)
    lost = (history.urls - current_urls) - set(redirects)
    gone = sorted(Gone(url, history.title_of(url)) for url in lost)
    return Plan(redirects, gone)


def _match(missing: list[Sighting], current: Iterable[Sighting], history: History) -> dict[str, str]:
    """Earlier URL -> current URL of each missing paper found again."""
    openings = {_opening(paper.abstract) for paper in missing if paper.abstract}
    by_arxiv, by_abstract = defaultdict(list), defaultdict(list)
    for paper in current:
        if paper.arxiv_id:
            by_arxiv[paper.arxiv_id].append(paper)
        if paper.abstract and _opening(paper.abstract) in openings:  # the rest cannot be equal
            by_abstract[fold(paper.abstract)].append(paper)
    earlier = history.paper_urls
    moved: dict[str, str] = {}
    taken: set[str] = set()
    for paper in missing:
        if paper.arxiv_id and paper.arxiv_id in by_arxiv:
            candidates = by_arxiv[paper.arxiv_id]
        else:
            candidates = [other for other in by_abstract.get(fold(paper.abstract), ())
                          if not (paper.arxiv_id and other.arxiv_id and other.arxiv_id != paper.arxiv_id)]
        if candidates:  # a new page before one that was there; then the nearest in the dumps
            best = min(candidates, key=lambda other: (other.url in taken, other.url in earlier,
                                                      _distance(paper.sources, other.sources), other.url))
            moved[paper.url] = best.url
            taken.add(best.url)
    return moved


def _opening(abstract: str) -> tuple[str, ...]:
    """An abstract's first words: folding every abstract of 10,000 papers to compare them
    would take 0.15 s; their first words, 0.01 s."""
    return tuple(abstract.split(None, 8)[:8])


def _distance(these: tuple[str, ...], those: tuple[str, ...]) -> int:
    """How far apart two papers' sources are: lines apart in a dump both come from."""
    lines = defaultdict(list)
    for place in those:
        path, _, line = place.rpartition(":")
        if line.isdecimal():
            lines[path].append(int(line))
    best = FAR
    for place in these:
        path, _, line = place.rpartition(":")
        if line.isdecimal():
            for other in lines.get(path, ()):
                best = min(best, abs(int(line) - other))
    return best
