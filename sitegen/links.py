"""Links that survive: which paper URLs of a previous build the new one would break."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from .config import SiteConfig
from .errors import ConfigError
from .model import Digest


def load_previous_papers(source: str) -> list[dict]:
    """The papers.json of a previous build, from a file or an http(s) URL."""
    try:
        if source.startswith(("http://", "https://")):
            with urllib.request.urlopen(source, timeout=30) as response:
                text = response.read().decode("utf-8")
        else:
            text = Path(source).read_text(encoding="utf-8")
        papers = json.loads(text)
    except (OSError, ValueError) as error:
        raise ConfigError(f"--against {source}: cannot read a papers.json there: {error}") from None
    if not isinstance(papers, list) or not all(isinstance(p, dict) and "url" in p for p in papers):
        raise ConfigError(f"--against {source}: not a sitegen papers.json (a list of papers with urls)")
    return papers


def broken_links(previous: list[dict], digest: Digest, config: SiteConfig) -> list[tuple[str, str]]:
    """(url, title) of every previous paper URL that neither a paper nor a redirect serves."""
    served = {paper.url for paper in digest.papers}
    current = {paper.slug for paper in digest.papers}
    served.update(f"papers/{old}/" for old, new, _ in config.redirects if new in current)
    return sorted((paper["url"], paper.get("title", "")) for paper in previous
                  if paper["url"] not in served)
