"""Write a deterministic synthetic corpus of N papers as Daily Papers dumps.

    python benchmarks/make_corpus.py 10000 benchmarks/out/corpus-10000

Titles and abstracts are recombined from the seed dumps (so words, lengths and
topics look like the real thing), dumps hold about 50 papers each in the full
format, about 15% of papers appear again in a second dump, dates span five
years, and some papers carry an organisation and upvotes.  The folder gets a
`site.yaml` with the shipped topics.  The same N always gives the same bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sitegen.content.dumps import parse_dump_bytes  # noqa: E402
from sitegen.content.slugs import title_key  # noqa: E402

PAPERS_PER_DUMP = 50
REPEATED_SHARE = 0.15
YEARS = 5
LAST_CAPTURE = dt.date(2026, 10, 30)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
ORGANISATIONS = [("SakanaAI", "Sakana AI"), ("pathwaycom", "Pathway"), ("deepmind", "Google DeepMind"),
                 ("allenai", "Ai2"), ("facebook", "AI at Meta"), ("nvidia", "NVIDIA"),
                 ("mit-brain", "MIT Brain and Cognitive Sciences"), ("EPFL", "EPFL")]
HEADER = ["new", "Get trending papers in your email inbox!", "Subscribe", "Daily Papers",
          "byAK and the research community"]


def seed_material() -> tuple[list[str], list[str]]:
    titles, sentences = [], []
    for path in sorted((REPO / "seeds").glob("*.txt")):
        for entry in parse_dump_bytes(path.read_bytes(), path.name).entries:
            titles.append(entry.title)
            for paragraph in entry.abstract:
                sentences.extend(s for s in re.split(r"(?<=[.!?])\s+", paragraph) if len(s) > 20)
    return sorted(set(titles)), sorted(set(sentences))


def make_papers(count: int, rng: random.Random) -> list[dict]:
    titles, sentences = seed_material()
    heads = sorted({t.split(":")[0] for t in titles if ":" in t})
    words = sorted({w for t in titles for w in t.split() if w.isalpha() and len(w) > 3})
    papers, seen = [], set()
    while len(papers) < count:
        style = rng.random()
        if style < 0.4:
            title = f"{rng.choice(heads)}: {rng.choice(titles).split(':')[-1].strip()}"
        else:
            a, b = rng.choice(titles).split(), rng.choice(titles).split()
            cut_a, cut_b = rng.randint(2, max(2, len(a) - 1)), rng.randint(1, max(1, len(b) - 1))
            title = " ".join(a[:cut_a] + [rng.choice(words)] + b[cut_b:])
        key = title_key(title)
        if key in seen or not key:
            continue
        seen.add(key)
        abstract = " ".join(rng.sample(sentences, rng.randint(5, 10)))
        papers.append({"title": title, "abstract": abstract})
    return papers


def date_line(date: dt.date, capture: dt.date, upvotes: int | None) -> str:
    text = f"{MONTHS[date.month - 1]} {date.day}"
    if date.year != capture.year:
        text += f", {date.year}"
    return f"{text} {upvotes}" if upvotes else text


def write_corpus(count: int, out: Path) -> None:
    rng = random.Random(f"sitegen-corpus-{count}")
    papers = make_papers(count, rng)
    dump_count = max(1, round(count / PAPERS_PER_DUMP))
    span = YEARS * 365
    captures = sorted(LAST_CAPTURE - dt.timedelta(days=rng.randrange(span)) for _ in range(dump_count))
    dumps: list[list[tuple[dict, dt.date, tuple | int, int | None]]] = [[] for _ in range(dump_count)]
    for index, paper in enumerate(papers):
        dump = index * dump_count // len(papers)
        capture = captures[dump]
        date = capture - dt.timedelta(days=rng.choice([0, 0, 0, 1, 2, 5, 30, 200, 700]))
        meta = rng.choice(ORGANISATIONS) if rng.random() < 0.2 else rng.randint(1, 25)
        upvotes = rng.randint(1, 300) if rng.random() < 0.6 else None
        dumps[dump].append((paper, date, meta, upvotes))
        if rng.random() < REPEATED_SHARE and dump_count > 1:
            other = rng.randrange(dump_count)
            if other != dump and captures[other] >= date:
                dumps[other].append((paper, date, meta, upvotes))

    out.mkdir(parents=True, exist_ok=True)
    (out / "dumps").mkdir(exist_ok=True)
    by_year: dict[int, list[str]] = {}
    for number, (capture, entries) in enumerate(zip(captures, dumps)):
        lines = [*HEADER, f"{MONTHS[capture.month - 1]} {capture.day}"]
        for paper, date, meta, upvotes in entries:
            lines += [paper["title"], paper["abstract"]]
            lines.append(f"{meta[0]} {meta[1]}" if isinstance(meta, tuple) else f"  • {meta} authors")
            lines += ["·", date_line(date, capture, upvotes)]
        name = f"{capture.year}/{number:05d}.txt"
        (out / "dumps" / str(capture.year)).mkdir(exist_ok=True)
        (out / "dumps" / name).write_text("\n\n".join(lines) + "\n", encoding="utf-8")
        by_year.setdefault(capture.year, []).append(name)

    shipped = yaml.safe_load((REPO / "site.yaml").read_text(encoding="utf-8"))
    config = {
        "title": f"Synthetic digest of {count} papers",
        "description": "A corpus made by benchmarks/make_corpus.py.",
        "base_url": "https://example.github.io/bench/",
        "per_page": shipped.get("per_page", 50),
        "sources": [{"path": f"dumps/{year}/*.txt", "year": year} for year in sorted(by_year)],
        "topics": shipped["topics"],
        "catch_all": shipped["catch_all"],
        **({"max_topics": shipped["max_topics"]} if "max_topics" in shipped else {}),
    }
    (out / "site.yaml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True),
                                   encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("papers", type=int, help="how many distinct papers")
    parser.add_argument("out", type=Path, help="folder to write (dumps/ and site.yaml)")
    args = parser.parse_args()
    if args.papers < 1:
        parser.error("papers must be at least 1")
    write_corpus(args.papers, args.out)
    print(f"wrote {args.papers} papers to {args.out}")


if __name__ == "__main__":
    main()
