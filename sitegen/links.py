"""Links that survive: reading what earlier builds published, and giving a build its redirects.

The matching itself is pure (`redirects.py`); this module reads the history it
needs (the previous output's papers.json and redirects.json, a papers.json
named by `sitegen check --against`) and hands the plan to the model: the
redirect pages the build writes (`Digest.redirects`) and a warning for every
earlier URL that now leads nowhere.
"""

from __future__ import annotations

import dataclasses
import urllib.error
import urllib.parse
from pathlib import Path

from .config import SiteConfig
from .errors import ConfigError, Diagnostic, warning
from .content.model import Digest, Paper
from .pieces import join_pieces
from .redirects import Gone, History, Plan, Sighting, parse_history, plan_redirects, sighting

HISTORY_FILES = ("papers.json", "redirects.json")


MAX_PAPERS_JSON_BYTES = 512 << 20  # 100,000 papers' records take about 220 MB


def read_history(folder: Path, served: set[str] | None = None) -> tuple[History | None, Diagnostic | None]:
    """What the site in `folder` served, if it is a site sitegen built; with `served` (this
    build's paper URLs), only the papers whose URL it lacks, which is all a plan needs."""
    def read(name: str) -> bytes | None:
        try:
            return (folder / name).read_bytes()
        except OSError:
            return None

    where = _shown(folder / "papers.json")
    try:
        texts = [join_pieces(read, name) for name in HISTORY_FILES]  # (papers.json may be in pieces)
    except ValueError as error:
        return None, warning(where, None, f"cannot tell the URLs of the previous build ({error}); "
                                          "no redirects are carried forward from it")
    if texts == [None, None]:
        return None, None
    try:
        return parse_history(*texts, origin=where, served=served or frozenset()), None
    except (ValueError, RecursionError) as error:
        return None, warning(where, None,
                             f"cannot tell the URLs of the previous build ({error}); no redirects "
                             "are carried forward from it")


def sighting_of(paper: Paper) -> Sighting:
    return sighting(paper.url, paper.title, " ".join(paper.abstract), paper.sources,
                    getattr(paper, "arxiv_id", None))


def history_of(digest: Digest, origin: str = "the previous build") -> History:
    """What a build of `digest` serves (for `serve`, which keeps it in memory)."""
    return History(tuple(map(sighting_of, digest.papers)), dict(digest.redirects or {}), origin)


def manual_redirects(config: SiteConfig) -> dict[str, str]:
    return {f"papers/{old}/": f"papers/{new}/" for old, new, _ in config.redirects}


def plan_for(digest: Digest, config: SiteConfig, history: History | None) -> Plan:
    return plan_redirects(history or History(), {paper.url for paper in digest.papers},
                          manual_redirects(config), lambda: map(sighting_of, digest.papers))


def link_history(digest: Digest, config: SiteConfig, given: History | None = None,
                 read_output: bool = True) -> Digest:
    """The build's hook: `digest` with its redirects, from what the previous output
    served (unless not `read_output`) and what `given` says was published; a warning
    about each earlier URL that leads nowhere now."""
    served = {paper.url for paper in digest.papers}
    history, problem = read_history(config.output, served) if read_output else (None, None)
    if problem is not None:
        digest.diagnostics.append(problem)
    if given is not None:
        history = given.merged(history)
    plan = plan_for(digest, config, history)
    where = history.origin if history is not None else ""
    digest.diagnostics.extend(warning(where, None, gone_message(gone)) for gone in plan.gone)
    return dataclasses.replace(digest, redirects=plan.redirects)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def gone_message(gone: Gone) -> str:
    title = f" ({gone.title})" if gone.title else ""
    slug = gone.url.removeprefix("papers/").rstrip("/")
    return (f"{terminal_safe(gone.url)}{terminal_safe(title, 120)} was published but is in no dump now, so its link breaks; if the "
            f"paper is there under another title, add `{slug}: <its slug>` under redirects in site.yaml")


def broken_urls(history: History | None, digest: Digest) -> list[Gone]:
    """Every URL of `history` that neither a page nor a redirect of the built `digest` serves."""
    if history is None:
        return []
    served = {paper.url for paper in digest.papers} | set(digest.redirects or {})
    return sorted(Gone(url, history.title_of(url)) for url in history.urls - served)


def load_previous_history(source: str) -> History:
    """What a previous build served, from its papers.json (a file or an http(s) URL) and
    the redirects.json beside it, if there is one."""
    remote = source.startswith(("http://", "https://"))
    try:  # a large digest's papers.json lists the pieces it is written in, beside it
        papers = join_pieces(lambda name: _read(name, remote, required=name == source), source,
                             MAX_PAPERS_JSON_BYTES)
    except ValueError as error:
        raise ConfigError(f"--against {terminal_safe(source)}: {terminal_safe(str(error))}") from None
    beside = urllib.parse.urljoin(source, "redirects.json") if remote else \
        str(Path(source).with_name("redirects.json"))
    try:
        return parse_history(papers, _read(beside, remote, required=False))
    except ValueError as error:
        raise ConfigError(f"--against {terminal_safe(source)}: {terminal_safe(str(error))}") from None
    except RecursionError:
        raise ConfigError(f"--against {terminal_safe(source)}: not a papers.json (nested too deeply)") from None


def _read(source: str, remote: bool, required: bool) -> bytes | None:
    try:
        if remote:
            import urllib.request  # here: it brings http.client, ssl and email, which only `--against URL` needs

            with urllib.request.urlopen(source, timeout=30) as response:
                data = response.read(MAX_PAPERS_JSON_BYTES + 1)
        else:
            with open(source, "rb") as handle:
                data = handle.read(MAX_PAPERS_JSON_BYTES + 1)
    except (OSError, ValueError) as error:
        missing = isinstance(error, FileNotFoundError) or \
            isinstance(error, urllib.error.HTTPError) and error.code == 404
        if missing and not required:
            return None
        problem = getattr(error, "strerror", None) or str(error)
        raise ConfigError(f"--against {terminal_safe(source)}: cannot read it: {terminal_safe(problem)}") from None
    if len(data) > MAX_PAPERS_JSON_BYTES:
        raise ConfigError(f"--against {terminal_safe(source)}: larger than {MAX_PAPERS_JSON_BYTES >> 20} MB; "
                          "not a papers.json")
    return data


def terminal_safe(text: str, limit: int = 200) -> str:
    """Text from elsewhere, fit to print: control characters (terminal escapes, line
    breaks that could fake a line of output) shown escaped, at most `limit` characters."""
    shown = "".join(char if char.isprintable() else repr(char)[1:-1] for char in text[:limit + 1])
    return shown if len(shown) <= limit else shown[:limit - 1] + "…"
