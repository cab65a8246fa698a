"""How well a site.yaml's topic rules agree with hand labels (tests/data/topic_labels.yaml).

    python tests/topic_quality.py [site.yaml] [labels.yaml]

Prints, for the labels' `tuning` and `held_out` papers: precision and recall of the
paper-topic assignments over the real topics (the catch-all aside), and the topics a
paper gets on average, by sitegen and by hand.  Papers are found by title in the
digest `sitegen build` would make (topics given by a source count, as on the site).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sitegen.build import read_digest  # noqa: E402
from sitegen.config import load_config  # noqa: E402
from sitegen.content.slugs import title_key  # noqa: E402

LABELS = Path(__file__).resolve().parent / "data" / "topic_labels.yaml"


@dataclass(frozen=True)
class Agreement:
    papers: int
    precision: float
    recall: float
    topics_per_paper: float  # sitegen's, over the real topics
    labelled_per_paper: float
    catch_all: int  # papers sitegen gives no real topic


def load_labels(path: Path = LABELS) -> dict[str, dict[str, set[str]]]:
    """Part (`tuning`, `held_out`) -> title -> the topics the paper was labelled with."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {part: {entry["title"]: set(entry["topics"] or ()) for entry in entries}
            for part, entries in data.items()}


def assigned_topics(config_path: Path) -> tuple[dict[str, set[str]], str]:
    """Title key -> the real topics sitegen gives the paper; and the catch-all's slug."""
    config = load_config(config_path)
    digest = read_digest(config)
    catch_all = config.catch_all.slug
    return {paper.key: set(paper.topics) - {catch_all} for paper in digest.papers}, catch_all


def agreement(labels: dict[str, set[str]], assigned: dict[str, set[str]]) -> Agreement:
    right = given = wanted = catch_all = 0
    for title, truth in labels.items():
        got = assigned[title_key(title)]
        right += len(got & truth)
        given += len(got)
        wanted += len(truth)
        catch_all += not got
    count = len(labels)
    return Agreement(count, right / given if given else 0.0, right / wanted if wanted else 0.0,
                     given / count, wanted / count, catch_all)


def measure(config_path: Path = REPO / "site.yaml", labels_path: Path = LABELS) -> dict[str, Agreement]:
    assigned, _ = assigned_topics(config_path)
    return {part: agreement(labels, assigned) for part, labels in load_labels(labels_path).items()}


def main(argv: list[str]) -> None:
    config_path = Path(argv[0]) if argv else REPO / "site.yaml"
    labels_path = Path(argv[1]) if len(argv) > 1 else LABELS
    for part, result in measure(config_path, labels_path).items():
        print(f"{part:9} {result.papers:3} papers: precision {result.precision:.2f}, "
              f"recall {result.recall:.2f}, {result.topics_per_paper:.2f} topics per paper "
              f"(labels {result.labelled_per_paper:.2f}), {result.catch_all} in the catch-all")


if __name__ == "__main__":
    main(sys.argv[1:])
