"""Links that survive: which paper URLs of a previous build the new one would break."""

from __future__ import annotations

import json
import re
import urllib.request

from .config import SiteConfig
from .errors import ConfigError
from .model import Digest


MAX_PAPERS_JSON_BYTES = 200 << 20  # 100,000 papers' records fit in far less
MAX_URL = 2000


def load_previous_papers(source: str) -> list[dict]:
    """The papers.json of a previous build, from a file or an http(s) URL: each paper as
    {"url": ..., "title": ...}, both strings.  Anything else is a ConfigError that says
    what is wrong, never a traceback: the file comes from elsewhere."""
    shown = terminal_safe(source)
    try:
        if source.startswith(("http://", "https://")):
            with urllib.request.urlopen(source, timeout=30) as response:
                data = response.read(MAX_PAPERS_JSON_BYTES + 1)
        else:
            with open(source, "rb") as handle:
                data = handle.read(MAX_PAPERS_JSON_BYTES + 1)
        if len(data) > MAX_PAPERS_JSON_BYTES:
            raise ValueError(f"larger than {MAX_PAPERS_JSON_BYTES >> 20} MB")
        papers = json.loads(data.decode("utf-8-sig"), parse_constant=_no_constant)
    except (OSError, ValueError) as error:
        problem = getattr(error, "strerror", None) or str(error)
        raise ConfigError(f"--against {shown}: cannot read a papers.json there: "
                          f"{terminal_safe(problem)}") from None
    except RecursionError:
        raise ConfigError(f"--against {shown}: not a papers.json (nested too deeply)") from None
    if not isinstance(papers, list):
        raise ConfigError(f"--against {shown}: not a sitegen papers.json (a list of papers with urls)")
    return [_paper(paper, index, shown) for index, paper in enumerate(papers)]


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _paper(paper: object, index: int, shown: str) -> dict:
    url = paper.get("url") if isinstance(paper, dict) else None
    if not isinstance(url, str) or not url.strip() or len(url) > MAX_URL:
        raise ConfigError(f"--against {shown}: paper {index + 1} has no url (a non-empty string "
                          "such as papers/<slug>/): not a sitegen papers.json")
    title = paper.get("title")
    return {"url": url, "title": title if isinstance(title, str) else ""}


def terminal_safe(text: str, limit: int = 200) -> str:
    """Text from elsewhere, fit to print: control characters (terminal escapes, line
    breaks that could fake a line of output) shown escaped, at most `limit` characters."""
    shown = "".join(char if char.isprintable() else repr(char)[1:-1] for char in text[:limit + 1])
    return shown if len(shown) <= limit else shown[:limit - 1] + "…"


def redirect_hint(url: str) -> str:
    """What to add under redirects for a broken paper URL, if it is one."""
    match = re.fullmatch(r"papers/([a-z0-9]+(?:-[a-z0-9]+)*)/", url)
    return f"; add `{match.group(1)}: <new slug>` under redirects in site.yaml" if match else ""


def broken_links(previous: list[dict], digest: Digest, config: SiteConfig) -> list[tuple[str, str]]:
    """(url, title) of every previous paper URL that neither a paper nor a redirect serves."""
    served = {paper.url for paper in digest.papers}
    current = {paper.slug for paper in digest.papers}
    served.update(f"papers/{old}/" for old, new, _ in config.redirects if new in current)
    return sorted((paper["url"], paper.get("title", "")) for paper in previous
                  if paper["url"] not in served)
