"""The render step: every laid-out file rendered and written, in this process or, past
`PARALLEL_THRESHOLD` files, shared among forked workers (`parallel.fork_map`), which
inherit the model, the templates and the pages' views for free.

A file the output already holds byte for byte is not written but reported unchanged:
creating a file costs far more than reading one.
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import pieces
from .errors import Superseded
from .output import OutputWriter, open_to_read
from .parallel import fork_map
from .site.files import OutputFile
from .site.search import Tokenised

Progress = Callable[[str], None]

# Rendering is CPU-bound Jinja work: past this many files it is shared among forked
# workers.  Not quite free: a worker copies every page of memory whose objects it
# touches, and starting the pool costs about the time of rendering 2,000 files (see
# benchmarks/README.md; a rebuild after an edit renders tens to hundreds).
PARALLEL_THRESHOLD = 2000
PAGES_PER_JOB = 250


@dataclass
class Outcome:
    """What rendering and writing files, or the search job, did."""

    keys: dict[str, str] = field(default_factory=dict)  # worked out while rendering
    search_keys: dict[str, str] = field(default_factory=dict)  # the search job's files
    written: dict[str, tuple[int, int]] = field(default_factory=dict)  # path -> size, mtime_ns
    index_bytes: int | None = None  # search/lunr.json's size
    search_tokens: Tokenised | None = None  # the documents tokenised, for next time
    unchanged: set[str] = field(default_factory=set)  # rendered as the output already has them
    search_key: str | None = None  # the search files' inputs' fingerprint (`search_fingerprint`)
    index_seconds: float | None = None  # how long the search job took to make its files

    def add(self, other: Outcome) -> None:
        self.keys.update(other.keys)
        self.written.update(other.written)
        self.search_keys.update(other.search_keys)
        self.unchanged.update(other.unchanged)
        self.index_bytes = self.index_bytes or other.index_bytes
        self.search_tokens = self.search_tokens or other.search_tokens
        self.search_key = self.search_key or other.search_key
        self.index_seconds = self.index_seconds or other.index_seconds


def render_and_write(files: list[OutputFile], targets: list[Path], progress: Progress,
                     found: dict[str, tuple[Path, int]] | None = None,
                     superseded: Callable[[], bool] | None = None) -> Outcome:
    """Render and write every file to its target, in forked workers when there are
    many.  A file that `found` (output path -> (file, size)) already holds, byte for
    byte, is not written but reported unchanged.  When `superseded()` turns true, the
    work stops between jobs (`Superseded`)."""
    workers = min(len(os.sched_getaffinity(0)), 8) if hasattr(os, "sched_getaffinity") else 1
    job = functools.partial(_render_job, files, targets, progress, found or {})
    jobs = _jobs(len(files), workers)
    stop_if_superseded = functools.partial(_stop_if, superseded)
    if len(files) < PARALLEL_THRESHOLD or workers < 2:
        results = []
        for start_end in jobs:
            stop_if_superseded()
            results.append(job(start_end))
    else:
        results = fork_map(job, jobs, workers, between=stop_if_superseded)
    outcome = Outcome()
    for result in results:
        outcome.add(result)
    return outcome


def _stop_if(superseded: Callable[[], bool] | None) -> None:
    if superseded is not None and superseded():
        raise Superseded()


def _jobs(count: int, workers: int) -> list[tuple[int, int]]:
    """Ranges of `count` files, so that every worker gets a share."""
    size = max(1, min(PAGES_PER_JOB, -(-count // workers)))
    return [(start, min(start + size, count)) for start in range(0, count, size)]


def _render_job(files: list[OutputFile], targets: list[Path], progress: Progress,
                found: dict[str, tuple[Path, int]], job: tuple[int, int]) -> Outcome:
    start, end = job
    outcome = Outcome()
    for index in range(start, end):
        file = files[index]
        content = file.render()
        data = content.encode("utf-8") if isinstance(content, str) else content
        del content  # (papers.json of 100,000 papers is 180 MB as text, and again as bytes)
        if file.key is None:  # the key of its inputs (worked out here, beside the main
            # process), else that of its content
            outcome.keys[file.path] = (file.key_of and file.key_of()) or content_key(data)
        if file.pieced_by is not None and len(data) > pieces.PIECE_BYTES:
            data = _put_pieces(file, targets[index], data, found, outcome)
            if file.key is None:  # the key of what is written in its place
                outcome.keys[file.path] = content_key(data)
        _put(file.path, targets[index], data, found, outcome)
    if start and start % 2000 == 0:
        progress(f"rendered {start} of {len(files)} files")
    return outcome


def _put(path: str, target: Path, data: bytes, found: dict[str, tuple[Path, int]],
         outcome: Outcome) -> None:
    """Write `data` at `target`, unless the output holds it already (`found`)."""
    existing, size = found.get(path, (None, -1))
    if size == len(data) and _read(existing, size) == data:
        outcome.unchanged.add(path)
    else:
        stat = OutputWriter.put(target, data)
        outcome.written[path] = (stat.st_size, stat.st_mtime_ns)


def _put_pieces(file: OutputFile, target: Path, data: bytes, found: dict[str, tuple[Path, int]],
                outcome: Outcome) -> bytes:
    """Write a file too large for one in pieces beside `target` (see pieces.py); returns
    the pointer to write at `target` in its place."""
    cut = pieces.split_records(data, file.pieced_by)
    for name, piece in zip(pieces.piece_names(file.path, len(cut)), cut):
        outcome.keys[name] = content_key(piece)
        _put(name, target.with_name(name.rsplit("/", 1)[-1]), piece, found, outcome)
    return pieces.pointer(file.path, len(cut), len(data))


def _read(path: Path, size: int) -> bytes | None:
    """The file's bytes if it still has `size` of them (a byte more tells it grew)."""
    handle = open_to_read(path)
    if handle is None:
        return None
    try:
        return os.read(handle, size + 1)
    except OSError:
        return None
    finally:
        os.close(handle)


def content_key(data: bytes) -> str:
    return "content:" + hashlib.blake2b(data, digest_size=16).hexdigest()
