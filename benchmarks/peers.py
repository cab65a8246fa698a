"""The same corpus as native input for Hugo and MkDocs, and a way to build each.

Both peers get what a user of theirs would write for this content: one page per
paper with its date and topics (Hugo: a `topics` taxonomy; MkDocs: its built-in
search with `prebuild_index: python`).  Inputs and layouts are written here;
no peer code is copied.  Missing peers are installed from Debian (hugo) and
PyPI (mkdocs).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

HUGO_LAYOUT_BASE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><header><a href="{{ "" | relURL }}">{{ site.Title }}</a></header>
<main>{{ block "main" . }}{{ end }}</main></body></html>
"""
HUGO_LAYOUT_SINGLE = """{{ define "main" }}<article><h1>{{ .Title }}</h1>
<p><time>{{ .Date.Format "Jan 2, 2006" }}</time></p>
<ul>{{ range .GetTerms "topics" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
{{ .Content }}</article>{{ end }}
"""
HUGO_LAYOUT_LIST = """{{ define "main" }}<h1>{{ .Title }}</h1>
<ol>{{ range .Paginator.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "Jan 2, 2006" }}</li>{{ end }}</ol>
{{ template "_internal/pagination.html" . }}{{ end }}
"""


def ensure_hugo() -> str:
    if shutil.which("hugo") is None:
        print("installing hugo (Debian package)…", file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "-qq", "hugo"], check=True,
                       stdout=subprocess.DEVNULL)
    return subprocess.run(["hugo", "version"], capture_output=True, text=True).stdout.split()[1]


def ensure_mkdocs() -> str:
    try:
        import mkdocs  # noqa: F401
    except ImportError:
        print("installing mkdocs (PyPI)…", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "mkdocs"], check=True)
    from importlib.metadata import version
    return version("mkdocs")


def _front_matter_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def write_hugo_site(papers: list[dict], root: Path, per_page: int) -> None:
    if root.exists():
        shutil.rmtree(root)
    content = root / "content" / "papers"
    content.mkdir(parents=True)
    (root / "hugo.toml").write_text(
        'baseURL = "https://example.github.io/bench/"\ntitle = "Synthetic digest"\n'
        'disableKinds = ["RSS"]\npaginate = %d\n'
        '[taxonomies]\ntopic = "topics"\n' % per_page)
    for name, text in (("baseof.html", HUGO_LAYOUT_BASE), ("single.html", HUGO_LAYOUT_SINGLE),
                       ("list.html", HUGO_LAYOUT_LIST)):
        (root / "layouts" / "_default").mkdir(parents=True, exist_ok=True)
        (root / "layouts" / "_default" / name).write_text(text)
    for paper in papers:
        date = paper["date"] or "2000-01-01"
        lines = ["---", f"title: {_front_matter_string(paper['title'])}", f"date: {date}",
                 f"topics: {json.dumps(paper['topics'])}", "---", "",
                 paper["abstract"].replace("{{", "{ {"), ""]
        (content / f"{paper['slug']}.md").write_text("\n".join(lines), encoding="utf-8")


def write_mkdocs_site(papers: list[dict], root: Path) -> None:
    if root.exists():
        shutil.rmtree(root)
    docs = root / "docs" / "papers"
    docs.mkdir(parents=True)
    (root / "docs" / "index.md").write_text("# Synthetic digest\n")
    (root / "mkdocs.yml").write_text(
        "site_name: Synthetic digest\nsite_url: https://example.github.io/bench/\n"
        # Without a short nav, every page's sidebar lists all papers: quadratic, hours at 10,000.
        "nav:\n  - Home: index.md\n"
        "plugins:\n  - search:\n      prebuild_index: python\n")
    for paper in papers:
        topics = ", ".join(paper["topics"])
        text = f"# {paper['title']}\n\n*{paper['date'] or 'undated'}* · {topics}\n\n{paper['abstract']}\n"
        (docs / f"{paper['slug']}.md").write_text(text, encoding="utf-8")


def hugo_command(root: Path, out: Path) -> list[str]:
    return ["hugo", "--quiet", "--source", str(root), "--destination", str(out)]


def mkdocs_command(root: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "mkdocs", "build", "--quiet", "--config-file",
            str(root / "mkdocs.yml"), "--site-dir", str(out)]
