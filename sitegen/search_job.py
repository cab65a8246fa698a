"""The search index step: the files of search/, written into a folder, in a process
of its own (`parallel.Child`) from the moment the model is ready, while this one
finds similar papers and renders the pages.

What the index holds is `site/search.py`'s, how it is split `site/search_files.py`'s;
this module decides which files to write: none when the output's were made from the
same inputs, and a document chunk made from what an output file was made from is
linked to that file, not made again.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .cache import OutputRecord
from .content.model import Digest
from .errors import BuildError
from .output import OutputWriter
from .parallel import Child, ChildFailed
from . import pieces
from .site.search import WHOLE_INDEX, Tokenised
from .site.search_files import SearchFile, search_files, search_fingerprint
from .render_step import Outcome

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
    whole_index: bool = True  # search/lunr.json too (serve makes it only when asked for)

    def updating(self, output: Path, previous: OutputRecord | None) -> SearchJob:
        """This job for a build that updates `output`, whose files are `previous`: its
        search files kept if made from the same inputs, else the document chunks made from
        the same papers linked, and any file made again byte for byte linked."""
        if previous is None:
            return self
        return dataclasses.replace(
            self, previous_key=previous.search_key,
            reusable={relative: (output / relative, record.key) for relative, record in previous.files.items()
                      if relative.startswith("search/docs/") and record.key},
            found={relative: output / relative for relative in previous.files if in_search_folder(relative)})

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
            write = functools.partial(self._write, folder, outcome, key)
            if file.path != WHOLE_INDEX:
                write(file.path, file.chunks())
            elif self.whole_index:
                outcome.index_bytes = self._write_in_pieces(write, file)
        outcome.index_seconds = time.perf_counter() - started
        return outcome

    def _write(self, folder: Path, outcome: Outcome, key: str, relative: str,
               chunks: Iterable[bytes]) -> int:
        """One file of search/ made from `key`: linked to the output's if that was made
        from the same, else written; its size."""
        target = folder.joinpath(*relative.split("/"))
        existing, existing_key = self.reusable.get(relative, (None, None))
        stat = OutputWriter.link(existing, target) if existing_key == key else None
        if stat is None:
            stat = OutputWriter.put_chunks(target, chunks, self.found.get(relative))
        outcome.written[relative] = (stat.st_size, stat.st_mtime_ns)
        outcome.search_keys[relative] = key
        return stat.st_size

    @staticmethod
    def _write_in_pieces(write: Callable[[str, Iterable[bytes]], int], file: SearchFile) -> int:
        """The whole index, written as it is made: whole, or past `pieces.PIECE_BYTES`
        in pieces with a pointer in its place (see pieces.py); its size."""
        groups = pieces.grouped(file.chunks(min(1 << 20, pieces.PIECE_BYTES // 8)))
        first, second = next(groups), next(groups, None)
        if second is None:
            return write(file.path, first)
        sizes = [write(pieces.piece_names(file.path, number)[-1], group)
                 for number, group in enumerate(itertools.chain([first, second], groups), 1)]
        write(file.path, [pieces.pointer(file.path, len(sizes), sum(sizes))])
        return sum(sizes)


def in_search_folder(relative: str) -> bool:
    """The search job's own files: everything under search/ but the search page."""
    return relative.startswith("search/") and relative != "search/index.html"


class InBackground:
    """The search job in a forked process of its own (in this one for small digests), from
    `start` until its outcome is asked for; stopped if the build fails first."""

    def __init__(self, job: SearchJob, folder: Path):
        self.job, self.folder, self.child = job, folder, None

    def __enter__(self) -> InBackground:
        return self

    def start(self) -> None:
        if len(self.job.digest.papers) >= BACKGROUND_THRESHOLD:
            self.child = Child(self.job.run, self.folder)  # (owned before it forks)
            self.child.start()

    def outcome(self) -> Outcome:
        try:
            outcome = self.child.result() if self.child is not None else self.job.run(self.folder)
        except ChildFailed as failure:
            raise BuildError(f"building the search index failed: {failure}") from None
        self.job.tokenised = outcome.search_tokens or self.job.tokenised  # for the next build
        return outcome

    def __exit__(self, *error) -> None:
        if self.child is not None:  # the build failed first: the index is not wanted
            self.child.stop()
