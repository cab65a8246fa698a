"""Expected-output tests: each folder in tests/examples is a site whose build must
produce exactly the files in its expected/ folder.  A mismatch prints a unified
diff; run with SITEGEN_UPDATE_EXPECTED=1 to accept a deliberate change."""

from __future__ import annotations

import difflib
import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import Site

EXAMPLES = sorted(path for path in (Path(__file__).parent / "examples").iterdir() if path.is_dir())


@pytest.mark.parametrize("example", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_example_builds_to_its_expected_output(example, tmp_path):
    root = tmp_path / example.name
    shutil.copytree(example, root, ignore=shutil.ignore_patterns("expected"))
    result = Site(root).build()
    expected_dir = example / "expected"
    actual = {"warnings.txt": "".join(line + "\n" for line in result.output.splitlines()
                                      if not line.startswith("Built "))}
    for path in sorted(p for p in expected_dir.rglob("*") if p.is_file() and p.name != "warnings.txt"):
        relative = path.relative_to(expected_dir).as_posix()
        produced = root / "_site" / relative
        text = produced.read_text(encoding="utf-8") if produced.exists() else "<missing>\n"
        if relative.endswith(".json") and produced.exists():  # compact on disk; diff it line by line
            text = json.dumps(json.loads(text), indent=1, ensure_ascii=False) + "\n"
        actual[relative] = text
    if os.environ.get("SITEGEN_UPDATE_EXPECTED"):
        for relative, text in actual.items():
            (expected_dir / relative).parent.mkdir(parents=True, exist_ok=True)
            (expected_dir / relative).write_text(text, encoding="utf-8")
    diffs = []
    for relative, text in actual.items():
        expected_path = expected_dir / relative
        expected = expected_path.read_text(encoding="utf-8") if expected_path.exists() else ""
        if text != expected:
            diffs.extend(difflib.unified_diff(expected.splitlines(keepends=True),
                                              text.splitlines(keepends=True),
                                              f"expected/{relative}", f"built/{relative}"))
    assert not diffs, "built output differs from expected:\n" + "".join(diffs)
