"""`sitegen init DIR`: a new digest folder that builds at once and deploys with GitHub Pages.

It writes a commented site.yaml, one small sample dump, a .gitignore and a
workflow that builds with the base URL the official Pages actions report and
deploys with them.  Existing files are never overwritten unless `force`.
"""

from __future__ import annotations

import re
from pathlib import Path

from .config import MAX_TITLE
from .errors import ConfigError

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

# Topics: a paper gets every topic whose words or phrases appear in its title or abstract
# (whole words, any case; `word*` matches a prefix). Papers matching none go to catch_all.
topics:
  - slug: interpretability
    name: Interpretability
    description: How trained networks represent and compute.
    match: [interpretab*, mechanistic, sparse autoencoder*, circuit*]
  - slug: language-models
    name: Language models
    description: Large language models and what they do.
    match: [language model*, LLM, LLMs]
catch_all: Other papers

per_page: 50

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
# In the repository settings, set Pages > Source to "GitHub Actions".
name: Deploy digest to GitHub Pages

on:
  push:
    branches: [main]
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
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      # "sitegen" on PyPI is another project: name where this sitegen installs from in the
      # repository variable SITEGEN_REQUIREMENT, e.g. sitegen @ git+https://github.com/OWNER/sitegen
      - name: Install sitegen
        env:
          SITEGEN_REQUIREMENT: ${{ vars.SITEGEN_REQUIREMENT }}
        run: |
          if [ -z "$SITEGEN_REQUIREMENT" ]; then
            echo "::error::Set the repository variable SITEGEN_REQUIREMENT (Settings > Secrets and variables > Actions > Variables) to where sitegen installs from."
            exit 1
          fi
          pip install "$SITEGEN_REQUIREMENT"
      - id: pages
        uses: actions/configure-pages@v5
      - name: Build
        run: sitegen build --strict --base-url "${{ steps.pages.outputs.base_url }}/"
      - uses: actions/upload-pages-artifact@v3
        with:
          path: _site

  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{ steps.deployment.outputs.page_url }}
    steps:
      - id: deployment
        uses: actions/deploy-pages@v4
"""


def starter_files(name: str) -> dict[str, str]:
    title = " ".join(word.capitalize() for word in name.replace("-", " ").replace("_", " ").split()
                     if word.isprintable())
    if not re.search(r"\bdigest$", title, re.IGNORECASE):
        title = f"{title or 'My'} Digest"
    path = "-".join(re.findall(r"[A-Za-z0-9._~]+", name)).strip(".") or "digest"
    return {
        "site.yaml": SITE_YAML.format(title=yaml_string(title[:MAX_TITLE]), name=path),
        "dumps/sample.txt": SAMPLE_DUMP,
        ".gitignore": GITIGNORE,
        ".github/workflows/pages.yml": WORKFLOW,
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
             starter_files(folder.resolve().name).items()}
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
