"""Atomic output: build into a fresh folder beside the site, swap it in on success.

A failed build leaves the previous site as it was.  The writer refuses to
write one path twice (two pages wanting one URL is a bug or a slug clash, never
something to resolve silently) and refuses paths that would leave the folder.
It only ever replaces a folder that is empty or was written by sitegen, so a
mistyped `--output` cannot wipe a folder of the user's.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Container, Iterable
from pathlib import Path

from .errors import BuildError, Diagnostic, warning

# Every sitegen build writes this file (GitHub Pages needs it); its presence is
# how an existing folder is recognised as a previous build that may be replaced.
BUILD_MARKER = ".nojekyll"
# A replaced site at least this large is deleted in the background (`remove_folder`).
BACKGROUND_REMOVAL_FILES = 2000


GITHUB_PAGES_SITE_LIMIT = 1024**3  # published sites should stay under 1 GB
GITHUB_PAGES_FILE_LIMIT = 100 * 1024**2  # git hosting refuses larger files


def safe_relative_path(relative: str) -> list[str]:
    """The parts of a path inside the output folder; refuses anything else."""
    parts = relative.split("/")
    if any(part in ("", ".", "..") for part in parts) or "\0" in relative or "\\" in relative:
        raise BuildError(f"refusing to write outside the output folder: {relative!r}")
    if any(part.startswith("_") for part in parts[:-1]):
        raise BuildError(f"refusing to write {relative!r}: GitHub Pages tooling skips folders "
                         "whose names start with '_'")
    return parts


def github_pages_problems(sizes: dict[str, int], label: str) -> list[Diagnostic]:
    """Warnings for files or a site too large for GitHub Pages, from each file's size."""
    problems = [warning(f"{label}/{relative}", None, f"{size / 2**20:.0f} MB: GitHub refuses files "
                                                     "over 100 MB")
                for relative, size in sorted(sizes.items()) if size > GITHUB_PAGES_FILE_LIMIT]
    total = sum(sizes.values())
    if total > GITHUB_PAGES_SITE_LIMIT:
        problems.append(warning(label, None, f"the site is {total / 2**30:.2f} GB; GitHub Pages "
                                             "sites should stay under 1 GB"))
    return problems


def claim_paths(relatives: list[str], checked: Container[str] = ()) -> None:
    """Check a build's output paths: none outside the folder, none wanted twice.  A path
    in `checked` (the last build's, which passed) is only checked for being wanted twice."""
    claimed: set[str] = set()
    for relative in relatives:
        _claim(relative, claimed, checked)


def _claim(relative: str, claimed: set[str], checked: Container[str] = ()) -> list[str] | None:
    parts = safe_relative_path(relative) if relative not in checked else None
    if relative in claimed:
        raise BuildError(f"two pages want to write {relative}; refusing to overwrite it")
    claimed.add(relative)
    return parts


def remove_folder(folder: Path, in_background: bool = False) -> None:
    """Delete a folder the build is done with (a replaced site, say).  Deleting 15,000 files
    takes a second that the user need not wait for, so a large one goes in a process of its
    own that outlives this one, renamed first to say which process deletes it; if that
    process is killed, the next build's `remove_leftovers` finishes the job."""
    if in_background:
        try:
            deleter = subprocess.Popen(
                [sys.executable, "-c", "import shutil, sys\n"
                 "shutil.rmtree(sys.stdin.read(), ignore_errors=True)"],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True, text=True)
        except OSError:
            pass
        else:
            doomed = folder.with_name(f"{folder.name}{_DELETING}{deleter.pid}")
            try:
                folder.rename(doomed)
            except OSError:  # deleted here, then: the process gets nothing to do
                doomed = folder
            with contextlib.suppress(OSError):
                deleter.stdin.write(str(doomed))
                deleter.stdin.close()
            if doomed != folder:
                return
    shutil.rmtree(folder, ignore_errors=True)


_DELETING = ".deleting-"


def remove_leftovers(destination: Path) -> None:
    """Folders that killed builds left beside the output (ours by name), but not those a
    live process is deleting (the build before this one may have just handed one over).
    Older versions kept replaced files in a `spare` folder there: it goes too."""
    prefix = f".{destination.name}."
    for leftover in destination.parent.glob(f"{prefix}*"):
        suffix = leftover.name[len(prefix):]
        if not leftover.is_dir() or suffix.split("-")[0] not in ("building", "old", "updating", "spare"):
            continue
        if _DELETING in suffix and _alive(suffix.rsplit(_DELETING, 1)[1]):
            continue
        shutil.rmtree(leftover, ignore_errors=True)


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)


def _create(target: Path) -> int:
    try:
        return os.open(target, _NEW_FILE, 0o666)
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        return os.open(target, _NEW_FILE, 0o666)


def _link_making_folder(source: Path, target: Path) -> None:
    """A hard link `target` to `source`, making target's folder if it is missing (only
    then: a missing source fails as it is)."""
    try:
        os.link(source, target, follow_symlinks=False)
    except FileNotFoundError:
        if target.parent.is_dir():
            raise
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(source, target, follow_symlinks=False)


def _write_all(handle: int, data: bytes) -> None:
    remaining = memoryview(data)
    while remaining:
        remaining = remaining[os.write(handle, remaining):]


def open_to_read(path: Path | None) -> int | None:
    """A descriptor to read a file of the output by, None if there is none (a symbolic
    link is not followed)."""
    if path is None:
        return None
    try:
        return os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except OSError:  # gone or replaced meanwhile: written anew, then
        return None


def _copy(source: int | None, target: int, count: int) -> None:
    """The first `count` bytes of `source` to the end of `target`."""
    offset = 0
    while offset < count:
        data = os.pread(source, min(count - offset, 1 << 20), offset)
        if not data:
            raise OSError("a file of the output shrank while it was read")
        _write_all(target, data)
        offset += len(data)


class OutputWriter:
    def __init__(self, destination: Path):
        self.destination = Path(destination)
        self.staging = self.destination.parent / f".{self.destination.name}.building-{os.getpid()}"
        self.written: set[str] = set()
        self.bytes_written = 0
        self.stats: dict[str, os.stat_result] = {}  # relative path -> as written by `write`

    def __enter__(self) -> "OutputWriter":
        self._check_destination_is_replaceable()
        remove_leftovers(self.destination)
        self.staging.mkdir(parents=True)
        return self

    def __exit__(self, error_type, error, traceback) -> None:
        if error_type is None:
            self._swap_in()
        else:
            shutil.rmtree(self.staging, ignore_errors=True)

    def claim(self, relative: str) -> Path:
        """Reserve a path in the output: refuses paths outside it and paths claimed before."""
        return self.staging.joinpath(*_claim(relative, self.written))

    @staticmethod
    def put(target: Path, content: str | bytes) -> os.stat_result:
        """Write a claimed path (also from a worker process); returns the file's stat,
        which spares the build a walk over the folder to record sizes and times."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        handle = _create(target)
        try:
            _write_all(handle, data)
            return os.fstat(handle)
        finally:
            os.close(handle)

    @staticmethod
    def put_chunks(target: Path, chunks: Iterable[bytes], same_as: Path | None = None) -> os.stat_result:
        """Write a claimed path chunk by chunk as they come, unless `same_as` (a file of the
        current output) holds exactly these bytes: then it is linked (creating a file
        costs far more than reading one).  The chunks are compared as they come; from the
        first that differs, the file is written (the equal part copied from `same_as`)."""
        existing = open_to_read(same_as)
        handle, compared = None, 0
        try:
            for chunk in chunks:
                if handle is None and existing is not None and \
                        os.pread(existing, len(chunk), compared) == chunk:
                    compared += len(chunk)
                    continue
                if handle is None:
                    handle = _create(target)
                    _copy(existing, handle, compared)
                _write_all(handle, chunk)
            if handle is None:
                if existing is not None and os.pread(existing, 1, compared) == b"":  # no longer
                    stat = OutputWriter.link(same_as, target)
                    if stat is not None:
                        return stat
                handle = _create(target)
                _copy(existing, handle, compared)
            return os.fstat(handle)
        finally:
            for descriptor in (handle, existing):
                if descriptor is not None:
                    os.close(descriptor)

    @staticmethod
    def link(existing: Path, target: Path) -> os.stat_result | None:
        """Give a claimed path the file `existing` (an unchanged file of the current output)
        as a hard link; None if it cannot be linked (then it is written instead).  Output
        files are only ever replaced, never written into, so the two never diverge."""
        try:
            _link_making_folder(existing, target)
            return os.stat(target, follow_symlinks=False)
        except OSError:
            return None

    def write(self, relative: str, content: str | bytes) -> None:
        stat = self.stats[relative] = self.put(self.claim(relative), content)
        self.bytes_written += stat.st_size

    def _check_destination_is_replaceable(self) -> None:
        target = self.destination
        if target.is_symlink() or (target.exists() and not target.is_dir()):
            raise BuildError(f"output {target} exists and is not a folder; refusing to replace it")
        if target.is_dir() and any(target.iterdir()) and not (target / BUILD_MARKER).exists():
            raise BuildError(f"output folder {target} is not empty and was not written by sitegen "
                             f"(no {BUILD_MARKER}); refusing to replace it. Remove it or choose "
                             "another folder with -o.")

    def _swap_in(self) -> None:
        old = self.destination.parent / f".{self.destination.name}.old-{os.getpid()}"
        had_previous = self.destination.exists()
        if had_previous:
            os.replace(self.destination, old)
        try:
            os.replace(self.staging, self.destination)
        except OSError:
            if had_previous:
                os.replace(old, self.destination)
            raise
        if had_previous:
            remove_folder(old, in_background=len(self.written) >= BACKGROUND_REMOVAL_FILES)
