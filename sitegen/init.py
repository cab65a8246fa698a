"""`sitegen init DIR`: a new digest folder that builds at once and deploys with GitHub Pages.

It writes a commented site.yaml, one small sample dump, a .gitignore and a
workflow that installs the very version of sitegen that wrote it, builds with
the base URL the official Pages actions report and deploys with them, on pushes
to the branch checked out where `init` ran (main outside a repository).
Existing files are never overwritten unless `force`.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from . import DISTRIBUTION, __version__
from .config import MAX_TITLE
from .errors import ConfigError

DEFAULT_BRANCH = "main"

SITE_YAML = """\
# sitegen configuration: `sitegen build` turns the dumps below into a site in _site/.
title: {title}
description: >-
  Papers from Hugging Face **Daily Papers**, saved as text and turned into a digest.

# Where the site lives. The GitHub Pages workflow passes the real address with --base-url,
# so this only matters for local builds.
base_url: https://example.github.io/{name}/

# Dumps: save Daily Papers listing or search pages into dumps/ as text (or copy and paste),
# Markdown (from a reader or crawler), HTML, or the JSON of huggingface.co/api/daily_papers;
# the shape of each file is detected (`format: markdown` forces one). `sitegen check` shows
# what was read from each. A date such as "Jun 12" has no year: give each source the day it
# was captured, unless the capture's own front matter says (`retrieved: 2025-12-09`).
sources:
  - path: dumps/*
    # captured: 2025-12-09

# Topics: rules are words or phrases (up to six words) found in a paper's title and
# abstract (whole words, any case; `word*` matches a prefix). Each mention scores: `strong` 2, `weak` 1, three
# times that in the title; a topic matches at 2 (one strong mention, or a weak one in the
# title or twice). `requires`: one of these must appear somewhere. `exclude`: words inside
# these phrases do not count for the topic. A paper keeps its best topics (at most
# max_topics, each with at least half the best score); a paper matching none goes to its
# best near miss (one weak mention), else to catch_all. `match:` lists are strong rules.
# `sitegen check --topics` shows which words put each paper on each topic.
max_topics: 3
topics:
  - slug: interpretability
    name: Interpretability
    description: How trained networks represent and compute.
    strong: [mechanistic interpretability, sparse autoencoder*]
    weak: [interpretab*, circuit*, probing]
    exclude: [neural circuit*]
    # requires: [neural network*, transformer*]
  - slug: language-models
    name: Language models
    description: Large language models and what they do.
    strong: [language model*, LLM, LLMs]
    weak: [tokens, prompting]
catch_all: Other papers

per_page: 50

# A domain of your own: written to CNAME, which takes effect when you publish with
# `sitegen deploy` (GitHub Pages from a branch). With the GitHub Actions workflow, set the
# domain in the repository's Settings > Pages > Custom domain instead.
# custom_domain: papers.example.org

# sitegen reads nothing outside this folder: sources outside it, and links in static/ or
# templates/ that lead out of it, are refused. Set this to read and publish them anyway.
# allow_outside: true
"""

SAMPLE_DUMP = """\
new

Get trending papers in your email inbox!

Subscribe

Daily Papers

byAK and the research community

A Sample Paper on Sparse Autoencoders for Language Models

This sample abstract stands in for a real one. Replace this file with a Daily Papers listing saved as text, and the digest will show its papers, grouped by day and topic.

  • 3 authors
·
Dec 8, 2025 12
"""

GITIGNORE = """\
_site/
._site.*
__pycache__/
"""

WORKFLOW = """\
# Build the digest with sitegen and publish it with GitHub Pages.
# In the repository settings, set Pages > Source to "GitHub Actions". A custom domain is
# set there too (Pages > Custom domain): custom_domain in site.yaml takes effect only
# with `sitegen deploy` (publishing from a branch), not with this workflow.
name: Deploy digest to GitHub Pages

on:
  push:
    branches: [{branch}]
  workflow_dispatch:

permissions:
  contents: read
  pages: write
  id-token: write

concurrency:
  group: pages
  cancel-in-progress: false

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v6
      - uses: actions/setup-python@v6
        with:
          python-version: "3.12"
      - name: Install sitegen
        # The version that created this digest. To build with sitegen from a git repository
        # instead (a fork, or a change not yet released), use this line in its place:
        #   run: pip install "{distribution} @ git+https://github.com/OWNER/sitegen@main"
        run: pip install "{distribution}=={version}"
      - id: pages
        uses: actions/configure-pages@v6
      - name: Fetch the paper URLs the live site has
        # So that the build redirects every URL a retitled paper had (and names a removed one).
        env:
          BASE_URL: ${{{{ steps.pages.outputs.base_url }}}}
        run: |
          mkdir -p _site
          for file in papers.json redirects.json; do
            curl --fail --silent --show-error --location --output "_site/$file" "$BASE_URL/$file" || rm -f "_site/$file"
          done
          # A large digest's papers.json lists the pieces it is written in (see the README).
          for piece in $(python3 -c 'import json; d = json.load(open("_site/papers.json")); print(*d["pieces"])' 2>/dev/null); do
            curl --fail --silent --show-error --location --output "_site/$piece" "$BASE_URL/$piece"
          done
          touch _site/.nojekyll
      - name: Build
        # --strict fails on any warning, such as a published paper that is in no dump now
        # (its link would break): add a redirect for it, or drop --strict for that push.
        env:
          BASE_URL: ${{{{ steps.pages.outputs.base_url }}}}
        run: sitegen build --strict --base-url "$BASE_URL/"
      - uses: actions/upload-pages-artifact@v5
        with:
          path: _site

  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - id: deployment
        uses: actions/deploy-pages@v5
"""


def trigger_branch(folder: Path) -> str:
    """The branch checked out in the repository `folder` is (or will be) in; else main."""
    existing = Path(folder).resolve()
    while not existing.is_dir():
        existing = existing.parent
    try:
        result = subprocess.run(["git", "symbolic-ref", "--short", "-q", "HEAD"], cwd=existing,
                                capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return DEFAULT_BRANCH
    branch = result.stdout.strip()
    return branch if result.returncode == 0 and branch else DEFAULT_BRANCH


def starter_files(name: str, branch: str = DEFAULT_BRANCH) -> dict[str, str]:
    title = " ".join(word.capitalize() for word in name.replace("-", " ").replace("_", " ").split()
                     if word.isprintable())
    if not re.search(r"\bdigest$", title, re.IGNORECASE):
        title = f"{title or 'My'} Digest"
    path = "-".join(re.findall(r"[A-Za-z0-9._~]+", name)).strip(".") or "digest"
    return {
        "site.yaml": SITE_YAML.format(title=yaml_string(title[:MAX_TITLE]), name=path),
        "dumps/sample.txt": SAMPLE_DUMP,
        ".gitignore": GITIGNORE,
        ".github/workflows/pages.yml": WORKFLOW.format(branch=branch, distribution=DISTRIBUTION,
                                                       version=__version__),
    }


def yaml_string(text: str) -> str:
    """`text` as a YAML double-quoted scalar, whatever it holds (`#`, `: `, `!`, `*`,
    `[`, quotes, control characters): escaped so that it loads back as itself."""
    escaped = []
    for char in text:
        if char in '"\\':
            escaped.append("\\" + char)
        elif " " <= char <= "~":
            escaped.append(char)
        elif ord(char) <= 0xFFFF:
            escaped.append(f"\\u{ord(char):04x}")
        else:
            escaped.append(f"\\U{ord(char):08x}")
    return '"' + "".join(escaped) + '"'


def init_site(folder: Path, force: bool = False) -> list[Path]:
    """Write the starter files into `folder`; refuse to overwrite any unless `force`."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder} exists and is not a folder")
    files = {folder / relative: text for relative, text in
             starter_files(folder.resolve().name, trigger_branch(folder)).items()}
    existing = [path for path in files if path.exists()]
    if existing and not force:
        names = ", ".join(str(path) for path in existing)
        raise ConfigError(f"refusing to overwrite {names} (use --force to replace them)")
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot write {error.filename or folder}: {error.strerror or error}") from None
    return list(files)
