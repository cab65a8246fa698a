"""What one build leaves for the next, so that a rebuild redoes only what changed.

`serve` keeps a `BuildCache` in memory between rebuilds; `sitegen build` keeps
it in the user's cache folder (`$SITEGEN_CACHE_DIR`, else
`$XDG_CACHE_HOME/sitegen`, else `~/.cache/sitegen`), one file per output
folder, never inside the project, so a cloned repository cannot bring one; a
cache no build has saved for `UNUSED_DAYS` (a digest moved or deleted) is removed
as another is saved.  It
holds parsed dumps by content hash (parsing is pure), the search documents
tokenised, the topics each text matched, the last similar papers with
what they were worked out from, the templates compiled and, for the output folder,
every file's key, size and modification time.

A rebuild trusts the output folder only if it still holds exactly the files,
sizes and modification times recorded; anything else (a file edited or added
by hand, a missing or unreadable cache, another sitegen version) means a full
build.  Everything here is derived data: losing it costs time, never
correctness.

Its file holds plain data only: builtins and NumPy arrays, no type of sitegen's.
`save` converts what the build left, and `load` reads the file back with an
unpickler that makes nothing else (`_PlainUnpickler`) and converts it back, so a
cache file can neither depend on the shape of a class nor run code as it loads; a
file it cannot take whole loads as an empty cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG
from typing import NamedTuple

from . import __version__
from .content.capture import Dump, dump_as_plain, dump_from_plain
from .content.similar import Similarity
from .content.topics import TopicScore
from .errors import BuildError
from .output import BUILD_MARKER
from .site.search import Tokenised


def _code_fingerprint() -> str:
    """sitegen's own code: a cache made by other code (an upgrade, another commit of a
    checkout) may hold keys that meant something else, so it is not used."""
    package = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


FORMAT = f"sitegen {__version__} python {sys.version_info[:2]} code {_code_fingerprint()}"


class FileRecord(NamedTuple):  # saved as a plain tuple
    key: str  # the page key, or "content:<digest>" for a file keyed by what it holds
    size: int
    mtime_ns: int


@dataclass
class OutputRecord:
    folder: Path
    files: dict[str, FileRecord] = field(default_factory=dict)  # relative path -> record
    search_key: str | None = None  # fingerprint of the documents the search files were made from


@dataclass
class BuildCache:
    """What the last build left.  In memory its values are what the build hands over and
    takes back; `save` writes them as plain data and `load` makes them again."""

    format: str = FORMAT
    parsed: dict[tuple[str, str, str], Dump] = field(default_factory=dict)  # (path shown, shape,
    # sha256) -> the dump
    output: OutputRecord | None = None
    search_tokens: Tokenised | None = None  # search documents tokenised
    topic_matches: tuple[str, dict[bytes, tuple[TopicScore, ...]]] | None = None  # `TopicMatcher.known_matches`
    similar: Similarity | None = None  # the last similar papers, and what they came from
    compiled_templates: dict[str, bytes] = field(default_factory=dict)  # Jinja's bytecode cache

    def parsed_dumps(self, sources: list[tuple[str, bytes, str | None]], parse_all) -> list[Dump]:
        """Each (path shown, content, forced shape) as parsed before, or parsed now with
        `parse_all` (given a list of them, returns their dumps); forgets the others."""
        keys = [(display, shape, hashlib.sha256(data).hexdigest()) for display, data, shape in sources]
        missing = [index for index, key in enumerate(keys) if key not in self.parsed]
        fresh = dict(zip(missing, parse_all([sources[index] for index in missing])))
        self.parsed = {key: fresh[index] if index in fresh else self.parsed[key]
                       for index, key in enumerate(keys)}
        return [self.parsed[key] for key in keys]

    def trusted_output(self, folder: Path, private: bool = False,
                       files: list | None = None) -> OutputRecord | None:
        """The record of `folder` if the folder holds exactly what it says (`files_under`
        it, or `files` listed already), else None.  A `private` folder (serve's own, in a temporary
        folder nobody else writes to) is not checked file by file, which takes 0.2 s at
        10,000 papers."""
        record = self.output
        if record is None or record.folder != folder.resolve() or not folder.is_dir():
            return None
        if private:
            return record
        found = 0
        for path, _, size, mtime_ns in files if files is not None else files_under(folder):
            relative = path[len(str(folder)) + 1:].replace(os.sep, "/")
            expected = record.files.get(relative)
            if expected is None or (expected.size, expected.mtime_ns) != (size, mtime_ns):
                return None
            found += 1
        return record if found == len(record.files) else None


def found_output(folder: Path, files: list | None = None) -> OutputRecord | None:
    """What an earlier build left in `folder`, as found: every file with its size and
    modification time but no key, for a build that has no record it can trust (no
    cache, another sitegen version, files edited by hand) to compare what it renders
    with, so that it writes only what differs.  None if `folder` is not a sitegen
    output, or holds anything but regular files and folders (a link could lead a
    write outside it): that build starts a fresh folder instead."""
    if folder.is_symlink() or not (folder / BUILD_MARKER).is_file():
        return None
    record = OutputRecord(folder.resolve())
    for path, mode, size, mtime_ns in files if files is not None else files_under(folder):
        if not S_ISREG(mode):
            return None
        relative = path[len(str(folder)) + 1:].replace(os.sep, "/")
        record.files[relative] = FileRecord("", size, mtime_ns)
    return record


def files_under(folder: Path):
    """(path, mode, size, modification time in ns) of every file below `folder`; a
    symbolic link counts as a file."""
    pending = [str(folder)]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                else:
                    stat = entry.stat(follow_symlinks=False)
                    yield entry.path, stat.st_mode, stat.st_size, stat.st_mtime_ns


def list_output(folder: Path) -> list:
    """`files_under(folder)` as a list; BuildError if it cannot be listed."""
    try:
        return list(files_under(folder))
    except OSError as error:
        raise BuildError(f"cannot list the output folder {folder}: {error.strerror or error}") from None


UNUSED_DAYS = 30
# `cache_path`'s names, and a save's temporary file's: tempfile adds 8 of [a-z0-9_]
_CACHE_NAME = re.compile(r"[0-9a-f]{24}\.pickle(?P<temporary>[a-z0-9_]{8})?")


def cache_path(config_path: Path, output: Path) -> Path:
    base = os.environ.get("SITEGEN_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "sitegen")
    name = hashlib.sha256(f"{config_path.resolve()}\n{output.resolve()}".encode()).hexdigest()[:24]
    return Path(base) / f"{name}.pickle"


def load(path: Path) -> BuildCache:
    """The cache at `path`, or an empty one if it is missing, unreadable or from elsewhere."""
    try:
        with open(path, "rb") as handle:
            plain = _PlainUnpickler(handle).load()
        if type(plain) is not dict or plain.get("format") != FORMAT:
            return BuildCache()
        return _from_plain(plain)
    except Exception:  # any damage means starting afresh, which is always correct
        return BuildCache()


class _PlainUnpickler(pickle.Unpickler):
    """Makes builtins and NumPy arrays, nothing else: a cache that names any other class
    (or function) is damaged, and not used."""

    _NUMPY = {(module, name) for core in ("numpy.core", "numpy._core")  # NumPy 1 and 2
              for module, name in ((f"{core}.multiarray", "_reconstruct"), (f"{core}.multiarray", "scalar"),
                                   (f"{core}.numeric", "_frombuffer"))} | {("numpy", "ndarray"), ("numpy", "dtype")}

    def find_class(self, module: str, name: str):
        if (module, name) in self._NUMPY:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"the build cache holds {module}.{name}")


def _as_plain(cache: BuildCache) -> dict:
    """The cache as a dict of plain values: builtins and NumPy arrays."""
    record, matches = cache.output, cache.topic_matches
    return {
        "format": cache.format,
        "parsed": {key: dump_as_plain(dump) for key, dump in cache.parsed.items()},
        "output": (str(record.folder), {relative: tuple(file) for relative, file in record.files.items()},
                   record.search_key) if record is not None else None,
        "search_tokens": cache.search_tokens.as_plain() if cache.search_tokens is not None else None,
        "topic_matches": (matches[0], {text: tuple(map(tuple, scores)) for text, scores in matches[1].items()})
        if matches is not None else None,
        "similar": cache.similar.as_plain() if cache.similar is not None else None,
        "compiled_templates": cache.compiled_templates,
    }


def _from_plain(plain: dict) -> BuildCache:
    """What `_as_plain` gave, made again (any value it cannot take raises)."""
    record, matches = plain["output"], plain["topic_matches"]
    if record is not None:
        folder, files, search_key = record
        record = OutputRecord(Path(folder), {relative: FileRecord._make(file) for relative, file in files.items()},
                              search_key)
    if matches is not None:
        rules, scores = matches
        matches = rules, {text: tuple(TopicScore._make(score) for score in text_scores)
                          for text, text_scores in scores.items()}
    return BuildCache(format=plain["format"],
                      parsed={key: dump_from_plain(dump) for key, dump in plain["parsed"].items()},
                      output=record, search_tokens=Tokenised.from_plain(plain["search_tokens"]),
                      topic_matches=matches, similar=Similarity.from_plain(plain["similar"]),
                      compiled_templates=plain["compiled_templates"])


def save(cache: BuildCache, path: Path) -> None:
    """Write the cache atomically (a temporary file renamed over it, so a concurrent load
    sees the old cache or the new one); a cache that cannot be written is only a slower
    next build."""
    handle = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.name, delete=False) as handle:
            pickle.dump(_as_plain(cache), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, path)
        remove_unused(path.parent, keep=path.name)
    except BaseException as error:  # no half-written file is left, whatever stopped it
        if handle is not None:
            with contextlib.suppress(OSError):
                os.unlink(handle.name)
        if not isinstance(error, OSError):
            raise


def remove_unused(folder: Path, keep: str) -> None:
    """Remove the caches in `folder` that no build has saved for `UNUSED_DAYS`, and what a
    save stopped by SIGKILL left of one a day later: a digest moved or deleted leaves its
    cache behind, tens of megabytes of it.  Only files named exactly as sitegen names them
    are touched, as the folder may be one the user chose, and never `keep` (the cache just
    saved, whatever the clock says).  A cache another build saves as this one checks it
    may go too: that costs its next build time, nothing else."""
    now = time.time()
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            named = _CACHE_NAME.fullmatch(entry.name)
            if not named or entry.name == keep:
                continue
            kept_for = 1 if named["temporary"] else UNUSED_DAYS
            with contextlib.suppress(OSError):
                if (entry.is_file(follow_symlinks=False)
                        and entry.stat(follow_symlinks=False).st_mtime < now - kept_for * 86400):
                    os.unlink(entry.path)
