"""The builds `sitegen serve` runs, and what it gets of each as plain data.

`PreviewBuilds` runs one build after another into serve's private folder, with a build
cache kept in memory (each rebuild renders only what changed) and what the previous
builds published (so that a paper's old URLs redirect, and a URL whose paper is in no
dump any more says so).  It hands serve a build's site as soon as it is laid out
(`LaidOut`: each page renders when asked for, before the build renders it) and, once
the build is done, what it found (`Built`: its warnings, its summary, and the files no
page loads, made when asked for).  serve sees neither the renderer, nor the search
index, nor the cache: only these and the folders that are the site's inputs.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .build import build
from .cache import BuildCache
from .config import SiteConfig
from .content.model import Digest
from .errors import Diagnostic
from .links import broken_urls, history_of
from .output import process_alive, remove_folder
from .parallel import FORK_LOCK
from .redirects import History
from .site import search
from .site.files import OutputFile, papers_json
from .site.pages import topic_names
from .site.theme import static_files, template_dirs, theme_dir
from .search_job import in_search_folder  # noqa: F401 (serve asks: the search job's files)

ON_REQUEST = (search.WHOLE_INDEX, "papers.json")  # no page loads them: made when asked for


@dataclass(frozen=True)
class LaidOut:
    """A build's site as soon as its files are laid out, before any is rendered."""

    pages: dict[str, OutputFile]  # output path -> the file, able to render itself
    static: dict[str, Path]  # output path -> the file it is a copy of
    moved: dict[str, str]  # a paper's old URL -> its URL
    gone: dict[str, str]  # a URL an earlier build served whose paper is in no dump now -> its title

    def __contains__(self, name: str) -> bool:
        return name in self.pages or name in self.static

    def read_static(self, name: str) -> bytes | None:
        """A static file as its source holds it now (None if it cannot be read)."""
        try:
            return self.static[name].read_bytes()
        except OSError:
            return None

    def render(self, name: str) -> bytes:
        """A page rendered now (a template error raises `SitegenError`)."""
        with FORK_LOCK:  # (no child forked while Jinja may hold a lock)
            text = self.pages[name].render()
        return text.encode("utf-8") if isinstance(text, str) else text


@dataclass(frozen=True)
class Built:
    """A build that went all the way: what it says, and the files no page loads
    (`ON_REQUEST`), which it makes when first asked for (a second and a tenth of one at
    10,000 papers, which most rebuilds need not spend)."""

    warnings: list[Diagnostic]
    summary: str
    _digest: Digest = field(repr=False)
    _search_tokens: search.Tokenised | None = field(repr=False)  # the build cache's
    _made: dict[str, bytes] = field(default_factory=dict, repr=False)
    _making: threading.Lock = field(default_factory=threading.Lock, repr=False)  # each made once

    def made_on_request(self, relative: str) -> bytes:
        """One of `ON_REQUEST`'s files of this build."""
        with self._making:
            if relative not in self._made:
                text = search.whole_index(self._digest, topic_names(self._digest), self._search_tokens) \
                    if relative == search.WHOLE_INDEX else papers_json(self._digest)
                self._made[relative] = text.encode("utf-8")
            return self._made[relative]


class PreviewBuilds:
    """One preview's builds, each into `config.output` (serve's own folder), each
    starting from what the last one left."""

    def __init__(self) -> None:
        self.cache = BuildCache()  # in memory: each rebuild renders only what changed
        # What the last published build served, so that the next one redirects a paper's
        # old URLs (an open page whose paper was retitled follows it), and every URL the
        # preview served whose paper is in no dump now.
        self._history: History | None = None
        self._gone: dict[str, str] = {}

    def build(self, config: SiteConfig, on_laid_out: Callable[[LaidOut], None],
              superseded: Callable[[], bool], progress: Callable[[str], None] | None = None) -> Built:
        """Build the site; `on_laid_out` is given its files as soon as they are laid out.
        Gives up (`Superseded`) once `superseded()` is true while it renders."""
        report = build(config, cache=self.cache, private_output=True, whole_index=False, papers_json=False,
                       on_laid_out=functools.partial(self._laid_out, config, on_laid_out),
                       superseded=superseded, history=self._history,
                       progress=progress or (lambda message: None))
        return Built(report.warnings, report.summary(), report.digest, self.cache.search_tokens)

    def _laid_out(self, config: SiteConfig, on_laid_out: Callable[[LaidOut], None], digest: Digest,
                  files: list[OutputFile]) -> None:
        static = {f"static/{name}": source for name, source in static_files(config).items()}
        gone = {gone.url: gone.title for gone in broken_urls(self._history, digest)}
        served = {paper.url for paper in digest.papers}
        moved = dict(digest.redirects or {})
        self._gone = {url: title for url, title in {**self._gone, **gone}.items()
                      if url not in moved and url not in served}
        on_laid_out(LaidOut({file.path: file for file in files}, static, moved, self._gone))
        self._history = history_of(digest)  # (once the pages are served: they need not wait for it)


def input_folders(config: SiteConfig) -> list[Path]:
    """The template and static folders the site is made from (those that may not exist
    yet included), besides site.yaml and the sources."""
    root = config.root
    return [*template_dirs(config), root / "templates", root / "static", theme_dir() / "static"]


PRIVATE_FOLDER = re.compile(r"sitegen-serve-([0-9]+)-[a-z0-9_]{8}")  # `private_folder`'s names


def private_folder() -> Path:
    """A new temporary folder for serve's site, named with this process's id; first, those
    of previews whose process is gone (killed outright, with no chance to `discard` theirs:
    a whole site each) are deleted."""
    temporary = Path(tempfile.gettempdir())
    with contextlib.suppress(OSError), os.scandir(temporary) as entries:
        for entry in entries:
            named = PRIVATE_FOLDER.fullmatch(entry.name)
            if named and entry.is_dir(follow_symlinks=False) and not process_alive(named[1]) \
                    and entry.stat(follow_symlinks=False).st_uid == os.getuid():
                discard(Path(entry.path))
    return Path(tempfile.mkdtemp(prefix=f"sitegen-serve-{os.getpid()}-", dir=temporary))


def discard(folder: Path) -> None:
    """Delete serve's private folder once it stops, in a process of its own: its thousands
    of files take seconds to go, which Ctrl-C should not wait for."""
    remove_folder(folder, in_background=True)
