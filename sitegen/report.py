"""What a build is asked to do (`BuildOptions`), what it did (`BuildReport`), and the
two together as the build hands them from step to step (`Run`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .cache import BuildCache
from .config import SiteConfig
from .content.model import Digest
from .errors import Diagnostic
from .redirects import History
from .site.files import OutputFile
from .render_step import Progress


@dataclass
class BuildReport:
    digest: Digest
    output: Path | None = None
    pages: int = 0
    rendered: int = 0  # files rendered: all of them, or those whose inputs changed
    in_place: bool = False  # the previous output updated, not replaced by a fresh folder
    removed: int = 0
    files: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    index_bytes: int | None = None  # search/lunr.json's size

    @property
    def warnings(self) -> list[Diagnostic]:
        return self.digest.diagnostics

    def summary(self) -> str:
        digest = self.digest
        parts = [
            counted(digest.source_count, "source"),
            counted(digest.entry_count, "entry", "entries"),
            counted(len(digest.papers), "paper"),
            counted(len(digest.topics), "topic"),
            counted(len(digest.days), "day"),
        ]
        if self.output is not None and self.in_place:
            parts.append(f"{counted(self.pages, 'page')} ({counted(self.rendered, 'file')} re-rendered, "
                         f"{self.files} changed, {self.removed} removed)")
        elif self.output is not None:
            parts.append(f"{counted(self.pages, 'page')} written")
        if self.index_bytes:
            parts.append(f"search index {self.index_bytes / 1e6:.1f} MB (loaded in parts)")
        parts.append(counted(len(self.warnings), "warning"))
        return ", ".join(parts) + f" in {self.seconds:.2f} s"


def counted(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


@dataclass
class BuildOptions:
    """What a build makes beside the site and how it reports (serve's preview wants less)."""

    strict: bool = False  # any warning fails the build before anything is written
    private_output: bool = False  # serve's own folder, which nobody else writes to
    whole_index: bool = True  # write search/lunr.json
    papers_json: bool = True  # write papers.json
    on_laid_out: Callable[[Digest, list[OutputFile]], None] | None = None
    superseded: Callable[[], bool] | None = None
    history: History | None = None  # what was published besides the previous output


@dataclass
class Run:
    """One build's settings and report, handed from step to step."""

    config: SiteConfig
    options: BuildOptions
    progress: Progress
    cache: BuildCache | None
    report: BuildReport
