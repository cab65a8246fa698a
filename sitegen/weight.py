"""The weight guard: warnings for a site that nears what GitHub accepts and Pages serves.

GitHub warns about files over 50 MB and refuses them over 100 MB; a Pages site should
stay under 1 GB.  A build warns (and fails under --strict, the previous site left as
it was) when any file passes FILE_WARNING_BYTES or the whole site SITE_WARNING_BYTES,
naming the heavy file or the heaviest part of the site and what would make it lighter.
"""

from __future__ import annotations

from collections import Counter

from .errors import Diagnostic, warning

MB = 2**20
FILE_WARNING_BYTES = 50 * MB
SITE_WARNING_BYTES = 800 * MB

# (part, what it is, what would make it lighter), by the first folder of a path; the
# first part whose prefix a path starts with holds it.
PARTS = [
    ("papers/", "the paper pages (papers/)",
     "every paper has a page; a site's own templates/paper.html that shows less makes each lighter"),
    ("search/", "the search index (search/)",
     "it grows with the words of every abstract; fewer papers per site (one digest per year, "
     "say) keep it smaller"),
    ("topics/", "the topic pages (topics/)",
     "a paper is listed on every topic it is in: a lower max_topics, or fewer topics, in site.yaml "
     "lists it fewer times"),
    ("days/", "the day and month pages (days/)", "a site's own templates/day.html that shows less makes them lighter"),
    ("static/", "the static files (static/)", "make the files in static/ smaller, or host large ones elsewhere"),
    ("papers.json", "papers.json", "it holds every paper's record; fewer papers per site keep it smaller"),
    ("sitemap", "the sitemaps (sitemap*.xml)", "they list every page"),
    ("", "the other files", "look for large files of your own in the site"),
]


def part_of(relative: str) -> tuple[str, str, str]:
    return next(part for part in PARTS if relative.startswith(part[0]))


def weight_problems(sizes: dict[str, int], label: str) -> list[Diagnostic]:
    """A warning for each file over FILE_WARNING_BYTES and one for a site over
    SITE_WARNING_BYTES, from each file's size (path relative to the site -> bytes)."""
    problems = []
    for relative, size in sorted(sizes.items()):
        if size > FILE_WARNING_BYTES:
            _, name, advice = part_of(relative)
            problems.append(warning(f"{label}/{relative}", None, (
                f"{_mb(size)}, over {_mb(FILE_WARNING_BYTES)}: GitHub warns about files over 50 MB and "
                f"refuses them over 100 MB. It is part of {name}: {advice}")))
    total = sum(sizes.values())
    if total > SITE_WARNING_BYTES:
        weights: Counter[tuple[str, str, str]] = Counter()
        for relative, size in sizes.items():
            weights[part_of(relative)] += size
        (_, name, advice), heaviest = max(weights.items(), key=lambda item: (item[1], item[0][0]))
        problems.append(warning(label, None, (
            f"the site is {_mb(total)}, over {_mb(SITE_WARNING_BYTES)}: GitHub Pages sites should stay "
            f"under 1 GB. The heaviest part is {name}, {_mb(heaviest)} ({heaviest * 100 // total}%): "
            f"{advice}")))
    return problems


def _mb(size: int) -> str:
    return f"{size / MB:,.0f} MB"
