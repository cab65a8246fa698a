"""The search index step: the files of search/, written into a folder, in a process
of its own (`parallel.Child`) from the moment the model is ready, while this one
finds similar papers and renders the pages.

What the index holds and how it is split is `site/search.py`'s; this module decides
which files to write: none when the output's were made from the same inputs, and
a document chunk made from what an output file was made from is linked to that
file, not made again.
"""

from __future__ import annotations

import bisect
import itertools
import os
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from .content.model import Digest
from .errors import BuildError
from .output import OutputWriter
from .parallel import Child, ChildFailed
from . import pieces
from .site.search import WHOLE_INDEX, SearchFile, Tokenised, search_files, search_fingerprint
from .rendering import Outcome

BACKGROUND_THRESHOLD = 100  # papers: fewer are indexed in this process


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
        (`previous_key`)."""
        started = time.perf_counter()
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
        outcome.index_seconds = time.perf_counter() - started
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
        first, second = next(groups), next(groups, None)
        if second is None:
            written, size = [file.path], write(file.path, first)
        else:
            written, size = [], 0
            for number, group in enumerate(itertools.chain([first, second], groups), 1):
                written.append(pieces.piece_names(file.path, number)[-1])
                size += write(written[-1], group)
            write(file.path, [pieces.pointer(file.path, len(written), size)])
        gzipped = gzip_size_estimate([folder.joinpath(*relative.split("/")) for relative in written]) \
            if self.estimate_gzip else None
        outcome.index_bytes = (size, gzipped)


def gzip_size_estimate(paths: list[Path], sample: int = 6 << 20, block: int = 1 << 20) -> int:
    """The size of the files gzip-compressed, for the build's report: exact up to `sample`
    bytes in all; beyond, from blocks of a megabyte spread evenly over them as if they were
    one file (2% off at 10,000 papers, 6% in the tests), as compressing a 100 MB index whole
    costs a rebuild most of a second."""
    sizes = [path.stat().st_size for path in paths]
    total = sum(sizes)
    if total <= sample:
        return sum(len(zlib.compress(path.read_bytes(), 6)) for path in paths)
    starts = list(itertools.accumulate(sizes, initial=0))
    count = sample // block
    compressed = sampled = 0
    for number in range(count):
        position = number * (total - block) // (count - 1)
        index = bisect.bisect_right(starts, position) - 1
        with open(paths[index], "rb") as handle:
            data = os.pread(handle.fileno(), block, min(position - starts[index], max(0, sizes[index] - block)))
        compressed += len(zlib.compress(data, 6))
        sampled += len(data)
    return round(compressed * total / sampled)


class InBackground:
    """The search job in a forked process of its own (in this one for small digests), from
    `start` until its outcome is asked for; stopped if the build fails first."""

    def __init__(self, job: SearchJob | None, folder: Path):
        self.job, self.folder, self.child = job, folder, None

    def __enter__(self) -> InBackground:
        return self

    def start(self) -> None:
        if self.job is not None and self.child is None and \
                len(self.job.digest.papers) >= BACKGROUND_THRESHOLD:
            self.child = Child(self.job.run, self.folder).start()

    def outcome(self) -> Outcome:
        if self.job is None:
            return Outcome()
        try:
            outcome = self.child.result() if self.child is not None else self.job.run(self.folder)
        except ChildFailed as failure:
            raise BuildError(f"building the search index failed: {failure}") from None
        self.job.tokenised = outcome.search_tokens or self.job.tokenised  # for the next build
        return outcome

    def __exit__(self, *error) -> None:
        if self.child is not None:  # the build failed first: the index is not wanted
            self.child.stop()
