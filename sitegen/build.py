"""The build, top to bottom: read dumps, parse, model, render, write atomically.

This is where I/O happens: reading the dump files and writing the output.
`load_digest` stops before rendering (it serves `sitegen check`); `build` goes
all the way.  Warnings are collected in the report; under `strict` any warning
fails the build before anything is written.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .config import SiteConfig
from .dumps import parse_dump_bytes
from .errors import BuildError, Diagnostic, warning
from .model import Digest, build_digest
from .output import OutputWriter, github_pages_problems
from .render import OutputFile, make_environment, output_files, static_files, topic_names
from .search import search_files
from .similar import similar_papers

Progress = Callable[[str], None]


@dataclass
class BuildReport:
    digest: Digest
    output: Path | None = None
    pages: int = 0
    files: int = 0
    bytes_written: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    index_bytes: tuple[int, int] | None = None  # search/lunr.json raw and gzip-compressed

    @property
    def warnings(self) -> list[Diagnostic]:
        return self.digest.diagnostics

    def summary(self) -> str:
        digest = self.digest
        parts = [
            f"{digest.source_count} source{'s' if digest.source_count != 1 else ''}",
            f"{digest.entry_count} entries",
            f"{len(digest.papers)} papers",
            f"{len(digest.topics)} topics",
            f"{len(digest.days)} days",
        ]
        if self.output is not None:
            parts.append(f"{self.pages} pages written")
        if self.index_bytes:
            raw, compressed = self.index_bytes
            parts.append(f"search index {raw / 1e6:.1f} MB ({compressed / 1e6:.1f} MB gzip, "
                         "loaded in parts)")
        count = len(self.warnings)
        parts.append(f"{count} warning{'s' if count != 1 else ''}")
        return ", ".join(parts) + f" in {self.seconds:.2f} s"


def load_digest(config: SiteConfig, progress: Progress = lambda message: None,
                timings: dict[str, float] | None = None) -> Digest:
    """Read and parse every source, then build the content model."""
    timings = timings if timings is not None else {}
    started = time.perf_counter()
    parsed = []
    problems: list[Diagnostic] = list(config.warnings)
    for source in config.sources:
        try:
            data = source.path.read_bytes()
        except OSError as error:
            problems.append(warning(source.display, None, f"cannot read the dump: "
                                                          f"{error.strerror or error}; skipped"))
            continue
        parsed.append((source, parse_dump_bytes(data, source.display)))
    timings["parse"] = time.perf_counter() - started
    progress(f"parsed {len(parsed)} dumps in {timings['parse']:.2f} s")

    started = time.perf_counter()
    digest = build_digest(config, parsed)
    digest.diagnostics[:0] = problems
    digest.source_count = len(config.sources)
    nearest = similar_papers({p.slug: (p.title, " ".join(p.abstract)) for p in digest.papers})
    for paper in digest.papers:
        paper.similar = nearest[paper.slug]
    timings["model"] = time.perf_counter() - started
    progress(f"modelled {len(digest.papers)} papers in {timings['model']:.2f} s")
    return digest


def check(config: SiteConfig, progress: Progress = lambda message: None) -> BuildReport:
    started = time.perf_counter()
    report = BuildReport(load_digest(config, progress))
    report.seconds = time.perf_counter() - started
    return report


def build(config: SiteConfig, *, strict: bool = False,
          progress: Progress = lambda message: None) -> BuildReport:
    started = time.perf_counter()
    timings: dict[str, float] = {}
    digest = load_digest(config, progress, timings)
    report = BuildReport(digest, timings=timings)
    if strict and digest.diagnostics:
        count = len(digest.diagnostics)
        raise BuildError(f"{count} warning{'s' if count != 1 else ''} and --strict: "
                         "nothing was written", digest.diagnostics)

    render_started = time.perf_counter()
    files = output_files(digest, config, make_environment(config))
    with OutputWriter(config.output) as out:
        targets = [out.claim(file.path) for file in files]
        report.pages = sum(1 for file in files if file.is_page)
        search = _SearchJob(digest, out.staging)
        written, search_files_written, report.index_bytes = _render_and_write(
            files, targets, search, progress)
        out.bytes_written += written
        for name, source in static_files(config).items():
            out.copy_file(source, f"static/{name}")
        report.files = len(out.written) + search_files_written
        report.bytes_written = out.bytes_written
        limits = github_pages_problems(out.staging, config.output.name)
        digest.diagnostics.extend(limits)
        if strict and limits:
            raise BuildError("the site breaks GitHub Pages limits and --strict: the previous "
                             "site is left as it was", limits)
    timings["render"] = time.perf_counter() - render_started
    progress(f"rendered and wrote {report.files} files in {timings['render']:.2f} s")
    report.output = config.output
    report.seconds = time.perf_counter() - started
    return report


# Rendering is CPU-bound Jinja work: past this many files it is shared among
# forked worker processes, which inherit the model and templates for free.  The
# search index is one job of its own, started first, so that it is built while
# the other worker renders pages.
PARALLEL_THRESHOLD = 200
PAGES_PER_JOB = 250
_shared_work: tuple | None = None


@dataclass
class _SearchJob:
    digest: Digest
    staging: Path

    def run(self) -> tuple[int, int, tuple[int, int]]:
        """Write search/ (its paths are its own: pages only ever write search/index.html)."""
        written = count = 0
        whole = b""
        for relative, content in search_files(self.digest, topic_names(self.digest)).items():
            data = content.encode("utf-8")
            written += OutputWriter.put(self.staging / relative, data)
            count += 1
            if relative == "search/lunr.json":
                whole = data
        return written, count, (len(whole), len(zlib.compress(whole, 1)))  # fast gzip level


def _render_and_write(files: list[OutputFile], targets: list[Path], search: _SearchJob,
                      progress: Progress) -> tuple[int, int, tuple[int, int]]:
    """Render and write every file plus the search index; (bytes, search files, index size)."""
    global _shared_work
    workers = min(len(os.sched_getaffinity(0)), 8) if hasattr(os, "sched_getaffinity") else 1
    jobs = [("pages", start) for start in range(0, len(files), PAGES_PER_JOB)]
    if len(files) < PARALLEL_THRESHOLD or workers < 2:
        written, count, index_size = search.run()
        return written + sum(_run_job(job, files, targets, progress) for job in jobs), count, index_size
    _shared_work = (files, targets, search, progress)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_run_job_in_worker, [("search", 0), *jobs], chunksize=1)
    finally:
        _shared_work = None
    written, count, index_size = results[0]
    return written + sum(results[1:]), count, index_size


def _run_job_in_worker(job: tuple[str, int]):
    files, targets, search, progress = _shared_work
    if job[0] == "search":
        return search.run()
    return _run_job(job, files, targets, progress)


def _run_job(job: tuple[str, int], files: list[OutputFile], targets: list[Path],
             progress: Progress) -> int:
    start = job[1]
    written = 0
    for index in range(start, min(start + PAGES_PER_JOB, len(files))):
        written += OutputWriter.put(targets[index], files[index].render())
    if start and start % 2000 == 0:
        progress(f"rendered {start} of {len(files)} files")
    return written
