"""Parallel work of a build: dumps parsed in two processes, pages rendered in forked
workers, and the search index built in a process of its own that starts as soon as
the model is ready.

Forked processes inherit the model, the templates and the page contexts for free;
what comes back is small beside that: keys, sizes, half the parsed dumps.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import threading
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .children import die_with_parent
from .dumps import Dump, parse_dump_bytes
from .errors import BuildError, Superseded
from .model import Digest, match_topics_ahead
from .output import OutputWriter, open_to_read
from .render import OutputFile
from . import pieces
from .search import WHOLE_INDEX, SearchFile, Tokenised, search_files, search_fingerprint
from .topics import TopicMatcher

Progress = Callable[[str], None]

# Rendering is CPU-bound Jinja work: past this many files it is shared among
# forked worker processes, which inherit the model and templates for free.  Not
# quite free: a worker copies every page of memory whose objects it touches, and at
# 10,000 papers starting the pool costs ~0.5 s, the time of rendering ~2,000 files
# (a rebuild after an edit renders tens to hundreds).  The search index, past
# BACKGROUND_THRESHOLD papers, is built in a process of its own that starts as soon
# as the model is ready.
PARALLEL_THRESHOLD = 2000
PAGES_PER_JOB = 250
BACKGROUND_THRESHOLD = 100  # papers
# Parsing and matching topics take 0.1 s a megabyte of dumps, on one core while the
# other idles: past this many bytes to parse, half go to a forked process.
PARALLEL_PARSE_BYTES = 4 << 20
# A forked process inherits every lock as it was at that moment, held by another
# thread or not: `serve` renders pages in its request threads while a build runs,
# and a renderer forked while one of them held Jinja's template cache lock would
# wait for it for ever.  Rendering in other threads holds this; forking renderers takes it.
RENDER_LOCK = threading.Lock()
_shared_work: tuple | None = None


@dataclass
class Outcome:
    bytes_written: int = 0
    keys: dict[str, str] = field(default_factory=dict)  # worked out while rendering
    search_keys: dict[str, str] = field(default_factory=dict)  # the search job's files
    written: dict[str, tuple[int, int]] = field(default_factory=dict)  # path -> size, mtime_ns
    index_bytes: tuple[int, int | None] | None = None  # lunr.json raw, gzip (estimated)
    search_tokens: Tokenised | None = None  # the documents tokenised, for next time
    unchanged: set[str] = field(default_factory=set)  # rendered as the output already has them
    search_key: str | None = None  # the search files' inputs' fingerprint (`search_fingerprint`)

    def add(self, other: Outcome) -> None:
        self.bytes_written += other.bytes_written
        self.keys.update(other.keys)
        self.written.update(other.written)
        self.search_keys.update(other.search_keys)
        self.unchanged.update(other.unchanged)
        self.index_bytes = self.index_bytes or other.index_bytes
        self.search_tokens = self.search_tokens or other.search_tokens
        self.search_key = self.search_key or other.search_key


@dataclass
class SearchJob:
    digest: Digest
    topic_names: dict[str, str]
    tokenised: Tokenised | None = None  # the last build's to start from; then this one's
    previous_key: str | None = None  # the `search_key` the output's search files were made from
    # Files of the current output a rebuild may keep: path -> (file, key it was made from).
    reusable: dict[str, tuple[Path, str]] = field(default_factory=dict)
    # Search files of the current output: one made again byte for byte is linked, not
    # written (creating a file costs far more than reading one).
    found: dict[str, Path] = field(default_factory=dict)
    estimate_gzip: bool = True  # the index's compressed size, for the build's report
    whole_index: bool = True  # search/lunr.json too (serve makes it only when asked for)

    def run(self, folder: Path) -> Outcome:
        """Write search/ under `folder` (its paths are its own: pages only ever write
        search/index.html), unless the output's were made from the same inputs
        (`previous_key`).  A document chunk made from what an output file was made
        from is linked to that file, not made again."""
        outcome = Outcome(search_key=search_fingerprint(self.digest, self.topic_names))
        if outcome.search_key == self.previous_key:
            return outcome
        outcome.search_tokens, files = search_files(self.digest, self.topic_names, self.tokenised)
        for file in files:
            key = file.key or f"search:{outcome.search_key}"
            if file.path == WHOLE_INDEX:
                if self.whole_index:
                    self._write_in_pieces(folder, file, key, outcome)
                continue
            target = folder.joinpath(*file.path.split("/"))
            existing, existing_key = self.reusable.get(file.path, (None, None))
            stat = OutputWriter.link(existing, target) if existing_key == key else None
            if stat is None:
                stat = OutputWriter.put_chunks(target, file.chunks(), self.found.get(file.path))
            outcome.bytes_written += stat.st_size
            outcome.written[file.path] = (stat.st_size, stat.st_mtime_ns)
            outcome.search_keys[file.path] = key
        return outcome

    def _write_in_pieces(self, folder: Path, file: SearchFile, key: str, outcome: Outcome) -> None:
        """The whole index, written as it is made: whole, or past `pieces.PIECE_BYTES`
        in pieces with a pointer in its place (see pieces.py)."""
        def write(relative: str, chunks: list[bytes]) -> int:
            stat = OutputWriter.put_chunks(folder.joinpath(*relative.split("/")), chunks,
                                           self.found.get(relative))
            outcome.bytes_written += stat.st_size
            outcome.written[relative] = (stat.st_size, stat.st_mtime_ns)
            outcome.search_keys[relative] = key
            return stat.st_size

        groups = pieces.grouped(file.chunks(min(1 << 20, pieces.PIECE_BYTES // 8)))
        first = next(groups)
        written, count, size = [], 0, 0
        for group in groups:
            if not written:
                count += 1
                written.append(f"{file.path}.{count:03d}")
                size += write(written[-1], first)
            count += 1
            written.append(f"{file.path}.{count:03d}")
            size += write(written[-1], group)
        if written:
            write(file.path, [pieces.pointer(file.path, count, size)])
        else:
            size = write(file.path, first)
            written = [file.path]
        gzipped = sum(gzip_size_estimate(folder.joinpath(*relative.split("/"))) for relative in written) \
            if self.estimate_gzip else None
        outcome.index_bytes = (size, gzipped)


def gzip_size_estimate(path: Path, sample: int = 6 << 20, block: int = 1 << 20) -> int:
    """The size of the file gzip-compressed, for the build's report: exact up to `sample`
    bytes; beyond, from evenly spaced blocks of a megabyte (2% off at 10,000 papers, 6%
    in the tests), as compressing a 100 MB index whole costs a rebuild most of a second."""
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size <= sample:
            return len(zlib.compress(handle.read(), 6))
        count = sample // block
        step = (size - block) // (count - 1)
        compressed = sum(len(zlib.compress(os.pread(handle.fileno(), block, n * step), 6))
                         for n in range(count))
    return round(compressed * size / (count * block))


def parse_dumps(contents: list[tuple[str, bytes, str | None]], matcher: TopicMatcher) -> list[Dump]:
    """Each (path shown, content) parsed, and every entry's text matched against the
    topic rules, the answers left in `matcher` for the model: the later half of a
    large batch in a forked process while this one does the earlier."""
    total = sum(len(data) for _, data, _ in contents)
    if total < PARALLEL_PARSE_BYTES or len(contents) < 2:
        return _parse_and_match(contents, matcher)
    running, split = 0, 0
    while split < len(contents) - 1 and running < total / 2:
        running += len(contents[split][1])
        split += 1
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_parse_in_child, args=(contents[split:], matcher, sender),
                            daemon=True)
    child.start()
    sender.close()
    try:
        earlier = _parse_and_match(contents[:split], matcher)
        try:
            later, matches = receiver.recv()
        except EOFError:  # the process died: parse its half here
            later, matches = _parse_and_match(contents[split:], matcher), None
    except BaseException:
        child.terminate()
        raise
    finally:
        receiver.close()
        child.join()
    if matches is not None:
        matcher.remember_matches(matches)
    return earlier + later


def _parse_and_match(contents: list[tuple[str, bytes, str | None]], matcher: TopicMatcher) -> list[Dump]:
    dumps = [parse_dump_bytes(data, display, shape) for display, data, shape in contents]
    match_topics_ahead(dumps, matcher)
    return dumps


def _parse_in_child(contents: list[tuple[str, bytes, str | None]], matcher: TopicMatcher, sender) -> None:
    _default_signals()
    try:
        sender.send((_parse_and_match(contents, matcher), matcher.known_matches()))
    except BaseException:  # quietly: the parent parses these itself and reports what fails
        pass


def render_and_write(files: list[OutputFile], targets: list[Path], progress: Progress,
                     found: dict[str, tuple[Path, int]] | None = None,
                     superseded: Callable[[], bool] | None = None) -> Outcome:
    """Render and write every file, in forked workers when there are many.  A file that
    `found` (output path -> (file, size)) already holds, byte for byte, is not written
    but reported unchanged: creating a file costs far more than reading one.
    When `superseded()` turns true, the work stops between jobs (`Superseded`)."""
    global _shared_work
    workers = min(len(os.sched_getaffinity(0)), 8) if hasattr(os, "sched_getaffinity") else 1
    jobs = _jobs(len(files), workers)
    _shared_work = (files, targets, progress, found or {})
    results = []
    try:
        if len(files) < PARALLEL_THRESHOLD or workers < 2:
            for job in jobs:
                _stop_if(superseded)
                results.append(_render_job(job))
        else:
            with RENDER_LOCK:
                pool = multiprocessing.get_context("fork").Pool(workers, initializer=_start_worker)
            with pool:  # (ended, its workers with it, if given up)
                for result in pool.imap(_render_job, jobs, chunksize=1):
                    _stop_if(superseded)
                    results.append(result)
    finally:
        _shared_work = None
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


def _render_job(job: tuple[int, int]) -> Outcome:
    files, targets, progress, found = _shared_work
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
            data = _write_pieces(file, targets[index], data, outcome)
            if file.key is None:  # the key of what is written in its place
                outcome.keys[file.path] = content_key(data)
        existing, size = found.get(file.path, (None, -1))
        if size == len(data) and _read(existing, size) == data:
            outcome.unchanged.add(file.path)
        else:
            stat = OutputWriter.put(targets[index], data)
            outcome.bytes_written += stat.st_size
            outcome.written[file.path] = (stat.st_size, stat.st_mtime_ns)
    if start and start % 2000 == 0:
        progress(f"rendered {start} of {len(files)} files")
    return outcome


def _write_pieces(file: OutputFile, target: Path, data: bytes, outcome: Outcome) -> bytes:
    """Write a file too large for one in pieces beside `target` (see pieces.py); returns
    the pointer to write at `target` in its place."""
    cut = pieces.split_records(data, file.pieced_by)
    for name, piece in zip(pieces.piece_names(file.path, len(cut)), cut):
        stat = OutputWriter.put(target.with_name(name.rsplit("/", 1)[-1]), piece)
        outcome.keys[name] = content_key(piece)
        outcome.bytes_written += stat.st_size
        outcome.written[name] = (stat.st_size, stat.st_mtime_ns)
    return pieces.pointer(file.path, len(cut), len(data))


class InBackground:
    """The search job in a forked process of its own (in this one for small digests), from
    the moment the model is ready (or, `deferred`, from `start`) until its outcome is
    asked for."""

    def __init__(self, job: SearchJob | None, folder: Path, deferred: bool = False):
        self.job, self.folder, self.process, self.deferred = job, folder, None, deferred

    def __enter__(self) -> InBackground:
        if not self.deferred:
            self.start()
        return self

    def start(self) -> None:
        if self.job is not None and self.process is None and \
                len(self.job.digest.papers) >= BACKGROUND_THRESHOLD:
            context = multiprocessing.get_context("fork")
            self.receiver, sender = context.Pipe(duplex=False)
            self.process = context.Process(target=_search_in_child, args=(self.job, self.folder, sender),
                                           daemon=True)
            self.process.start()
            sender.close()

    def outcome(self) -> Outcome:
        if self.job is None:
            return Outcome()
        if self.process is None:
            outcome = self.job.run(self.folder)
        else:
            try:
                kind, outcome = self.receiver.recv()
            except EOFError:
                kind, outcome = "error", "the search index job ended unexpectedly"
            self.process.join()
            self.process = None
            if kind == "error":
                raise BuildError(f"building the search index failed: {outcome}")
        self.job.tokenised = outcome.search_tokens or self.job.tokenised  # for the next build
        return outcome

    def __exit__(self, *error) -> None:
        if self.process is not None:  # the build failed first: the index is not wanted
            self.process.terminate()
            self.process.join()


def _start_worker() -> None:
    _default_signals()


def _default_signals() -> None:
    """A forked worker inherits `serve`'s handlers, which turn SIGTERM into
    KeyboardInterrupt: the pool's SIGTERM at its end would print a traceback.  Ctrl-C
    is the parent's to handle.  It ends with its parent (`die_with_parent`)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()


def _search_in_child(job: SearchJob, folder: Path, sender) -> None:
    _default_signals()
    try:
        sender.send(("ok", job.run(folder)))
    except BaseException as error:  # reported by the parent, which owns the build
        sender.send(("error", f"{type(error).__name__}: {error}"))


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
