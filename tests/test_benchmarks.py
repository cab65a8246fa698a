"""The benchmark suite runs end to end at a tiny size, so that it cannot rot."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import REPO


def test_corpus_generator_is_deterministic(tmp_path):
    for name in ("a", "b"):
        subprocess.run([sys.executable, str(REPO / "benchmarks/make_corpus.py"), "120",
                        str(tmp_path / name)], check=True, capture_output=True)
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files_a == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files_a)
    assert any(str(f).endswith(".txt") for f in files_a) and (tmp_path / "a/site.yaml").exists()


def test_benchmark_runs_at_a_tiny_size_and_writes_its_figures(tmp_path):
    result = subprocess.run([sys.executable, str(REPO / "benchmarks/run.py"), "--papers", "50",
                             "--runs", "1", "--work", str(tmp_path), "--json", str(tmp_path / "r.json")],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    header = result.stdout.splitlines()[0].split()
    assert header[:3] == ["papers", "parse", "s"]
    rows = json.loads((tmp_path / "r.json").read_text())["rows"]
    [row] = rows
    assert row["papers"] == 50 and row["pages"] > 50
    assert row["build_s"] > 0 and row["fresh_s"] > 0 and row["incremental_s"] > 0 and row["peak_mib"] > 0
    assert row["index_raw_kib"] > row["index_gzip_kib"] > 0
    assert row["first_search_kib"] > 0


def test_topic_matching_benchmark_runs_at_a_tiny_size(tmp_path):
    result = subprocess.run([sys.executable, str(REPO / "benchmarks/topics.py"), "60", "--runs", "1",
                             "--work", str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "(60 papers), 10 topics" in result.stdout and "s CPU" in result.stdout


def test_capture_shapes_benchmark_runs_at_a_tiny_size():
    result = subprocess.run([sys.executable, str(REPO / "benchmarks/parse_shapes.py"), "40", "--runs", "1"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()]
    assert [row[0] for row in rows] == ["json", "markdown", "text"]
    assert all(row[1] == "40" and "CPU" in row and row[-1] == "json" for row in rows)
    assert rows[0][-2] == "1.00x"
