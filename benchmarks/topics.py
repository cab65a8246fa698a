"""Time topic matching: every paper of a synthetic corpus scored against the shipped rules.

    python benchmarks/topics.py 30000          # corpus in benchmarks/out/corpus-30000

The corpus comes from `make_corpus.py` (made if missing), its dumps are parsed untimed,
the rules are the repository's site.yaml's, then each run times a fresh matcher (nothing
remembered) scoring every entry's title and abstract and choosing its topics, beside two
peers in the same run: splitting the same texts into words, the least any matcher does,
and splitting them and looking each word up once in a dict of the rules' words (a word
that starts no rule maps to None), the least a matcher that reads words in Python does.
Prints medians of `--runs` runs, in wall time and in CPU time (steadier on a shared machine).

Then what matching costs a first build (or one with --no-cache: a rebuild takes the
answers from its cache), whose parse step matches each entry as it is parsed, the later
half of the dumps in a forked process beside the earlier (`parse_dumps`), and whose
model step chooses each paper's topics from the answers: the parse step with the shipped
rules against the same step with a matcher that does nothing, plus the choosing, each
arm first in every other run, with the cycle collector paused as the build pauses it;
in wall time (what a user waits for) and in CPU time of both processes.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import make_corpus  # noqa: E402
from sitegen.config import load_config  # noqa: E402
from sitegen.content.dumps import parse_dump_bytes  # noqa: E402
from sitegen.build import collector_paused  # noqa: E402
from sitegen.parse_step import parse_dumps  # noqa: E402
from sitegen.content.topics import TopicMatcher, TopicRules, choose_topics, words_of  # noqa: E402


def texts_of(corpus: Path) -> list[tuple[str, str]]:
    texts = []
    for path in sorted((corpus / "dumps").rglob("*.txt")):
        for entry in parse_dump_bytes(path.read_bytes(), path.name).entries:
            texts.append((entry.title, "\n".join(entry.abstract)))
    return texts


def match_all(topics, max_topics: int, texts: list[tuple[str, str]]) -> tuple[float, float, int]:
    started, cpu = time.perf_counter(), time.process_time()
    rules = TopicRules(topics)
    assigned = sum(len(choose_topics(rules.score(title, abstract), max_topics))
                   for title, abstract in texts)
    return time.perf_counter() - started, time.process_time() - cpu, assigned


def split_all(texts: list[tuple[str, str]]) -> float:
    cpu = time.process_time()
    for title, abstract in texts:
        words_of(title)
        words_of(abstract)
    return time.process_time() - cpu


def look_up_all(topics, texts: list[tuple[str, str]]) -> float:
    from itertools import compress, count
    from sitegen.content.topics import rule_words, rules_of
    first_words = {rule_words(rule)[0].rstrip("*"): True for topic in topics
                   for _, rule in rules_of(topic) if rule_words(rule)}
    cpu = time.process_time()
    for title, abstract in texts:
        for text in (title, abstract):
            list(compress(count(), map(first_words.get, words_of(text))))
    return time.process_time() - cpu


class NoMatcher:
    """A matcher that answers nothing: the parse step without topic matching."""

    def match_paper(self, title, abstract):
        return ()

    def known_matches(self):
        return None

    def remember_matches(self, known):
        pass


def dump_contents(corpus: Path) -> list[tuple[str, bytes, None]]:
    return [(path.name, path.read_bytes(), None) for path in sorted((corpus / "dumps").rglob("*.txt"))]


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended."""
    mine, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime


def parse_step(topics, max_topics: int, contents) -> tuple[float, float]:
    """(wall, CPU) seconds of the build's parse step over `contents` and the choosing of
    every entry's topics, with the rules `topics` (None: a matcher that does nothing)."""
    started, cpu = time.perf_counter(), cpu_seconds()
    with collector_paused():
        if topics is None:
            parse_dumps(contents, NoMatcher())
        else:
            matcher = TopicMatcher(topics)
            for dump in parse_dumps(contents, matcher):
                for entry in dump.entries:
                    choose_topics(matcher.match_paper(entry.title, entry.abstract), max_topics)
    return time.perf_counter() - started, cpu_seconds() - cpu


def in_the_build(topics, max_topics: int, contents, runs: int) -> list[tuple[float, float]]:
    """(wall, CPU) seconds matching adds to the parse step, per run."""
    costs = []
    for run in range(runs):
        if run % 2:
            without = parse_step(None, max_topics, contents)
        with_rules = parse_step(topics, max_topics, contents)
        if not run % 2:
            without = parse_step(None, max_topics, contents)
        costs.append((with_rules[0] - without[0], with_rules[1] - without[1]))
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("papers", type=int, nargs="?", default=30000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, default=HERE / "out", help="where corpora are kept")
    args = parser.parse_args()
    corpus = args.work / f"corpus-{args.papers}"
    if not (corpus / "site.yaml").is_file():
        make_corpus.write_corpus(args.papers, corpus)
    config = load_config(HERE.parent / "site.yaml")
    texts = texts_of(corpus)
    wall, cpu, split, looked_up = [], [], [], []
    for _ in range(args.runs):
        seconds, cpu_seconds, assigned = match_all(config.topics, config.max_topics, texts)
        wall.append(seconds)
        cpu.append(cpu_seconds)
        split.append(split_all(texts))
        looked_up.append(look_up_all(config.topics, texts))
    cpu_s, split_s, look_s = statistics.median(cpu), statistics.median(split), statistics.median(looked_up)
    print(f"{len(texts):,} entries ({args.papers:,} papers), {len(config.topics)} topics, "
          f"{assigned / len(texts):.2f} topics per entry: matching {statistics.median(wall):.2f} s wall, "
          f"{cpu_s:.2f} s CPU (runs {', '.join(f'{s:.2f}' for s in cpu)}); splitting the texts "
          f"into words {split_s:.2f} s CPU, ratio {cpu_s / split_s:.1f}; splitting and looking every word "
          f"up {look_s:.2f} s CPU, ratio {cpu_s / look_s:.1f}")
    contents = dump_contents(corpus)
    costs = in_the_build(config.topics, config.max_topics, contents, args.runs)
    walls, cpus = [wall for wall, _ in costs], [cpu for _, cpu in costs]
    print(f"in the build (parse step in two processes, then choosing): matching costs "
          f"{statistics.median(walls):.2f} s wall (runs {', '.join(f'{s:.2f}' for s in walls)}), "
          f"{statistics.median(cpus):.2f} s CPU in both processes (runs {', '.join(f'{s:.2f}' for s in cpus)})")


if __name__ == "__main__":
    main()
