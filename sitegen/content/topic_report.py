"""`sitegen check --topics`: why each paper is on each topic page, as plain text.

For each topic: its papers, best first, with the score and the rule mentions that
put each there (or the source that gave it the topic, or the near miss it fell
back on); then the papers it almost got (a score below the match, a missing
`requires`, or cut by `max_topics`); then the topics it shares papers with.  A
curator tunes rules by reading this, not by guessing.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations

from ..config import SiteConfig
from .model import Digest, Paper
from .topics import MATCH_SCORE, RUNNER_UP_SHARE, TITLE_WEIGHT, WEIGHTS, Hit, TopicMatcher, TopicScore, choose_topics

NEAR_MISSES_SHOWN = 10


def topic_report(digest: Digest, config: SiteConfig, matcher: TopicMatcher) -> str:
    scores = {paper.key: {score.slug: score for score in matcher.match_paper(paper.title, paper.abstract)}
              for paper in digest.papers}
    hits = {paper.key: matcher.explain(paper.title, paper.abstract) for paper in digest.papers}
    chosen = {paper.key: set(choose_topics(scores[paper.key].values(), config.max_topics))
              for paper in digest.papers}
    lines = [f"Topics of {_count(len(digest.papers), 'paper')}: a topic matches at a score of {MATCH_SCORE} "
             f"(each mention: strong 2, weak 1; in the title ×{TITLE_WEIGHT}); "
             f"a paper keeps its best {config.max_topics} (max_topics) of those scoring at least "
             f"{RUNNER_UP_SHARE:.0%} of its best."]
    for group in digest.topics:
        slug = group.topic.slug
        lines += ["", f"{group.topic.name} [{slug}]: {_count(len(group.papers), 'paper')}"]
        if group.is_catch_all:
            lines += [f"  {paper.title}{_nearest(scores[paper.key], hits[paper.key])}" for paper in group.papers]
            continue
        members = sorted(group.papers, key=lambda paper: (-_score_of(scores[paper.key], slug), paper.key))
        for paper in members:
            lines.append(_member_line(paper, scores[paper.key].get(slug), hits[paper.key].get(slug, ()),
                                      chosen[paper.key]))
        lines += _near_misses(digest.papers, slug, scores, hits, chosen, config)
        lines += _overlaps(group.papers, slug, digest)
    lines += ["", "Papers on two topics or more, by pair:"]
    pairs = Counter(pair for paper in digest.papers
                    for pair in combinations(paper.topics, 2))
    lines += [f"  {first} + {second}: {count}" for (first, second), count in
              sorted(pairs.items(), key=lambda item: (-item[1], item[0]))] or ["  none"]
    return "\n".join(lines) + "\n"


def _member_line(paper: Paper, score: TopicScore | None, hits: tuple[Hit, ...], chosen: set[str]) -> str:
    if score is not None and score.slug in chosen:
        why = _hits(hits) + ("" if score.matches else "; near miss, kept: it matched nothing else")
        return f"  {score.score:3}  {paper.title} — {why}"
    return f"    -  {paper.title} — given by its source"


def _near_misses(papers: list[Paper], slug: str, scores: dict[str, dict[str, TopicScore]],
                 hits: dict[str, dict[str, tuple[Hit, ...]]], chosen: dict[str, set[str]],
                 config: SiteConfig) -> list[str]:
    missed = []
    for paper in papers:
        score = scores[paper.key].get(slug)
        if score is None or slug in paper.topics or score.score == 0:
            continue
        if not score.context:
            reason = "none of its `requires` words"
        elif score.matches:
            best = max(scores[paper.key][other].score for other in chosen[paper.key])
            kept = ", ".join(f"{other} {score.score}" for other, score in  # equals in configuration order
                             sorted(((other, score) for other, score in scores[paper.key].items()
                                     if other in chosen[paper.key]), key=lambda item: -item[1].score))
            reason = (f"under half the best score (kept {kept})" if score.score < RUNNER_UP_SHARE * best
                      else f"cut by max_topics {config.max_topics} (kept {kept})")
        else:
            reason = f"score below {MATCH_SCORE}"
        missed.append((score.score, paper.title, f"{_hits(hits[paper.key][slug])}; {reason}"))
    if not missed:
        return []
    missed.sort(key=lambda item: (-item[0], item[1]))
    lines = [f"  almost ({len(missed)}):"]
    lines += [f"  {points:3}  {title} — {why}" for points, title, why in missed[:NEAR_MISSES_SHOWN]]
    if len(missed) > NEAR_MISSES_SHOWN:
        lines.append(f"       … and {len(missed) - NEAR_MISSES_SHOWN} more")
    return lines


def _overlaps(members: list[Paper], slug: str, digest: Digest) -> list[str]:
    shared = Counter(other for paper in members for other in paper.topics if other != slug)
    if not shared:
        return []
    return ["  shares papers with: " + ", ".join(f"{other} {count}" for other, count in
                                                  sorted(shared.items(), key=lambda i: (-i[1], i[0])))]


def _nearest(scores: dict[str, TopicScore], hits: dict[str, tuple[Hit, ...]]) -> str:
    if not scores:
        return " — no rule mentioned"
    best = max(scores.values(), key=lambda score: score.score)
    reason = "" if best.context else ", without what it requires"
    return f" — nearest: {best.slug} {best.score} ({_hits(hits[best.slug])}{reason})"


def _hits(hits: tuple[Hit, ...]) -> str:
    parts = []
    for hit in sorted(hits, key=lambda hit: (-WEIGHTS[hit.kind] * (TITLE_WEIGHT * hit.in_title + hit.in_abstract),
                                             hit.rule)):
        places = [f"title {hit.in_title}" if hit.in_title else "", f"abstract {hit.in_abstract}"
                  if hit.in_abstract else ""]
        parts.append(f"{hit.rule} ({hit.kind}: {', '.join(p for p in places if p)})")
    return "; ".join(parts)


def _score_of(scores: dict[str, TopicScore], slug: str) -> int:
    score = scores.get(slug)
    return score.score if score else 0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
