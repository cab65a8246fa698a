"""Time the parser on N papers in each capture shape people save listings in.

    python benchmarks/parse_shapes.py 30000

The papers come from make_corpus.py (recombined from the seeds).  Each shape is
written as one capture, in memory, the way its tools write it: `json` as the Hub's
api/daily_papers list, `markdown` as a firecrawl scrape of a search listing
(upvote link, heading link, abstract link, authors link, `·`, date with a comment
link), `text` as the seeds' full format.  Each parse is timed as `sitegen build` runs it,
with the cycle collector paused.  Prints one line per shape: papers read, wall seconds
(median of --runs), CPU seconds (best and median of --runs: the steadier figures on a
shared machine) and the best CPU time as a ratio to the JSON parse's in the same run.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from make_corpus import make_papers  # noqa: E402
from sitegen.build import collector_paused  # noqa: E402
from sitegen.content.dumps import parse_dump_bytes  # noqa: E402

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _arxiv_id(index: int) -> str:
    return f"{2400 + index // 90000 % 100:04d}.{index % 90000 + 10000:05d}"


def as_json(papers: list[dict], rng: random.Random) -> bytes:
    items = [{"paper": {"id": _arxiv_id(i), "title": p["title"], "summary": p["abstract"],
                        "authors": [{"name": f"Author {n}"} for n in range(rng.randint(1, 9))],
                        "publishedAt": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T00:00:00.000Z",
                        "upvotes": rng.randint(0, 300)},
              "publishedAt": "2026-01-02T00:00:00.000Z", "numComments": rng.randint(0, 9)}
             for i, p in enumerate(papers)]
    return json.dumps(items).encode("utf-8")


def as_markdown(papers: list[dict], rng: random.Random) -> bytes:
    url = "https://huggingface.co/papers"
    lines = ["---", "retrieved: 2026-01-02", "---", "", "# Daily Papers", ""]
    for i, paper in enumerate(papers):
        arxiv = _arxiv_id(i)
        date = f"{MONTHS[rng.randrange(12)]} {rng.randint(1, 28)}, 2025"
        lines += [f"[{rng.randint(0, 300)}](https://huggingface.co/login?next=%2Fpapers%2F{arxiv})", "",
                  f"### [{paper['title']}]({url}/{arxiv})", "", f"[{paper['abstract']}]({url}/{arxiv})",
                  "", f"[- {rng.randint(1, 12)} authors]({url}/{arxiv})", "", "·", "",
                  f"{date} [{rng.randint(1, 9)}]({url}/{arxiv}#community)", ""]
    return "\n".join(lines).encode("utf-8")


def as_text(papers: list[dict], rng: random.Random) -> bytes:
    lines = ["new", "Subscribe", "Daily Papers", "Jan 2"]
    for paper in papers:
        lines += [paper["title"], paper["abstract"], f"  • {rng.randint(1, 12)} authors", "·",
                  f"{MONTHS[rng.randrange(12)]} {rng.randint(1, 28)}, 2025 {rng.randint(1, 300)}"]
    return "\n\n".join(lines).encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("papers", type=int, nargs="?", default=30000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    papers = make_papers(args.papers, random.Random(f"sitegen-corpus-{args.papers}"))
    json_cpu = None  # json is parsed first: the peer the other shapes are compared with
    for shape, writer in (("json", as_json), ("markdown", as_markdown), ("text", as_text)):
        data = writer(papers, random.Random(shape))
        walls, cpus = [], []
        for _ in range(args.runs):
            with collector_paused():
                started, started_cpu = time.perf_counter(), time.process_time()
                dump = parse_dump_bytes(data, f"capture.{shape}")
                cpus.append(time.process_time() - started_cpu)
                walls.append(time.perf_counter() - started)
        errors = [d for d in dump.diagnostics if d.level == "error"]
        if len(dump.entries) != len(papers) or errors:
            sys.exit(f"{shape}: read {len(dump.entries)} of {len(papers)} papers; {errors[:1]}")
        json_cpu = json_cpu or max(min(cpus), 1e-6)
        print(f"{shape:9} {len(dump.entries):7} papers  {len(data) / 1e6:6.1f} MB  "
              f"{statistics.median(walls):6.2f} s wall  {min(cpus):6.2f} s CPU (median "
              f"{statistics.median(cpus):.2f})  {min(cpus) / json_cpu:5.2f}x json")


if __name__ == "__main__":
    main()
