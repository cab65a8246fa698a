"""What the Atom feeds (feed.xml and each topic's) say beyond the papers themselves:
each entry's `published` and `updated` times, the page each feed stands for, and its
subtitle in plain text.

A listing gives a day, never a time, and a build knows no more than its dumps: so an
entry is published at midnight (UTC) of the paper's day, and updated on the day of the
newest capture it was seen in (its own day if none is later).  Atom asks each entry's
`updated` to be an instant, and feed readers and validators want them to differ: the
time of day is drawn from the paper's slug, the same in every build, so nothing changes
from build to build unless the paper does.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from .config import source_date_epoch
from .content.model import Paper
from .prose import plain_text

SECONDS_PER_DAY = 86_400


def entry_times(papers: list[Paper]) -> dict[str, tuple[str, str]]:
    """slug -> (published, updated), RFC 3339 in UTC, no two `updated` alike."""
    taken: set[dt.datetime] = set()
    times = {}
    for paper in sorted(papers, key=lambda paper: (_updated_day(paper), paper.slug)):
        seconds = int.from_bytes(hashlib.sha256(paper.slug.encode()).digest()[:4], "big") % SECONDS_PER_DAY
        updated = dt.datetime.combine(_updated_day(paper), dt.time(), dt.timezone.utc) + dt.timedelta(seconds=seconds)
        while updated in taken:  # the same second drawn twice: the later slug takes the next free one
            updated += dt.timedelta(seconds=1)
        taken.add(updated)
        times[paper.slug] = (f"{paper.date.isoformat()}T00:00:00Z", _stamp(updated))
    return times


def _updated_day(paper: Paper) -> dt.date:
    return max([paper.date, *paper.capture_dates])


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def feed_context(papers: list[Paper], times: dict[str, tuple[str, str]], *, title: str, path: str, page: str, description: str | None) -> dict:
    """The feed template's variables.  `page` is the site-relative URL of the page the feed
    follows (its rel=alternate); `description` (Markdown) becomes the subtitle."""
    own_times = {paper.slug: times[paper.slug] for paper in papers}
    return dict(papers=papers, times=own_times, updated=_feed_updated(own_times), feed_title=title,
                feed_path=path, feed_page=page, subtitle=plain_text(description),
                unnamed_authors=any(not paper.author_names and not paper.org_name for paper in papers))


def _feed_updated(times: dict[str, tuple[str, str]]) -> str:
    """The newest entry's `updated`; no build timestamp, so builds stay byte-identical."""
    if times:
        return max(updated for _, updated in times.values())
    epoch = source_date_epoch() or 0
    return _stamp(dt.datetime.fromtimestamp(epoch, dt.timezone.utc))
