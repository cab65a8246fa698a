"""What `serve` gets of a build (`preview_builds.py`): the laid-out site and what a finished
build makes on request, the same bytes the whole build of the shipped digest wrote; and
serve talks to nothing else of the build layer."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import sitegen.serve
from sitegen.config import load_config
from sitegen.preview_builds import ON_REQUEST, PreviewBuilds


def test_a_preview_build_hands_over_the_site_its_files_render_and_the_files_made_on_request(seed_site, tmp_path):
    config = dataclasses.replace(load_config(seed_site.config), output=tmp_path / "preview")
    laid_out = []
    built = PreviewBuilds().build(config, laid_out.append, superseded=lambda: False)
    [site] = laid_out
    for name in ("index.html", "papers/" + next((seed_site.output / "papers").iterdir()).name + "/index.html",
                 "feed.xml", "sitemap.xml"):
        assert site.render(name) == (seed_site.output / name).read_bytes(), name
    assert site.read_static("static/site.css") == (seed_site.output / "static/site.css").read_bytes()
    assert "papers.json" not in site and "papers.json" in ON_REQUEST  # no page loads it
    for name in ON_REQUEST:
        assert built.made_on_request(name) == (seed_site.output / name).read_bytes(), name
    assert built.summary.startswith("3 sources") and built.warnings == []


def test_serve_talks_to_the_build_config_and_errors_only():
    tree = ast.parse(Path(sitegen.serve.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level}
    assert imported == {"config", "errors", "preview_builds"}
