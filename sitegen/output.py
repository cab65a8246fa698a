"""Atomic output: build into a fresh folder beside the site, swap it in on success.

A failed build leaves the previous site as it was.  The writer refuses to
write one path twice (two pages wanting one URL is a bug or a slug clash, never
something to resolve silently) and refuses paths that would leave the folder.
It only ever replaces or updates a folder that is empty or holds the marker file
sitegen writes into each site it builds (`BUILD_MARKER`), so a mistyped `--output`,
or a hand-made `docs/` folder, is never wiped; one build at a time writes a folder
(`build_lock`); what a killed build left beside it is recognised by exact name and
marker, never by prefix (`remove_leftovers`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Container, Iterable
from pathlib import Path

from .errors import BuildError, ConfigError

# Every site sitegen builds holds this file, with this text: an existing folder is
# replaced or updated only if it holds it (or is empty).  (`.nojekyll` is no sign:
# many hand-made GitHub Pages folders have one.)
BUILD_MARKER = ".sitegen-site"
MARKER_TEXT = ("This folder is a site built by sitegen, which replaces everything in it\n"
               "on each build: keep nothing of your own here.\n")
# A replaced site at least this large is deleted in the background (`remove_folder`).
BACKGROUND_REMOVAL_FILES = 2000


def safe_relative_path(relative: str) -> list[str]:
    """The parts of a path inside the output folder; refuses anything else."""
    parts = relative.split("/")
    if any(part in ("", ".", "..") for part in parts) or "\0" in relative or "\\" in relative:
        raise BuildError(f"refusing to write outside the output folder: {relative!r}")
    if any(part.startswith("_") for part in parts[:-1]):
        raise BuildError(f"refusing to write {relative!r}: GitHub Pages tooling skips folders "
                         "whose names start with '_'")
    return parts


def claim_paths(relatives: list[str], checked: Container[str] = ()) -> None:
    """Check a build's output paths: none outside the folder, none wanted twice.  A path
    in `checked` (the last build's, which passed) is only checked for being wanted twice."""
    claimed: set[str] = set()
    for relative in relatives:
        if relative not in checked:
            safe_relative_path(relative)
        _claim(relative, claimed)


def _claim(relative: str, claimed: set[str]) -> None:
    if relative in claimed:
        raise BuildError(f"two pages want to write {relative}; refusing to overwrite it")
    claimed.add(relative)


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


def _leftovers(destination: Path) -> list[tuple[Path, str, str | None]]:
    """(folder, kind, deleting process) of every folder beside `destination` that a build
    made and no live process owns any more: named exactly as a build names them (its
    staging folder, the previous site while it is swapped out, a rebuild's scratch folder,
    a replaced site being deleted: each with the id of the process that made it), and
    holding the marker (or nothing, made just before the build was killed).  A folder
    being deleted (`.deleting-<pid>`) may have lost its marker already."""
    pattern = re.compile(rf"\.{re.escape(destination.name)}\.(building|old|updating)-([0-9]+)"
                         rf"(?:{re.escape(_DELETING)}([0-9]+))?")
    try:
        names = sorted(os.listdir(destination.parent))
    except OSError:
        return []
    found = []
    for name in names:
        match = pattern.fullmatch(name)
        folder = destination.parent / name
        if match is None or folder.is_symlink() or not folder.is_dir():
            continue
        kind, owner, deleter = match.groups()
        if process_alive(deleter if deleter is not None else owner):
            continue
        if deleter is None and not (is_site_folder(folder) or not any(folder.iterdir())):
            continue
        found.append((folder, kind, deleter))
    return found


def remove_leftovers(destination: Path) -> None:
    """Delete what killed builds left beside the output (`_leftovers`), but not a folder a
    live process is deleting (the build before this one may have just handed one over),
    nor anything else that merely starts with the output's name."""
    for folder, _, _ in _leftovers(destination):
        shutil.rmtree(folder, ignore_errors=True)
    spare = destination.parent / f".{destination.name}.spare"  # what versions before 0.1 kept
    if spare.is_dir() and not spare.is_symlink():
        shutil.rmtree(spare, ignore_errors=True)


def recover_interrupted_swap(destination: Path) -> None:
    """A build killed between moving the previous site away and moving the new one in
    leaves no `destination`, only `.<name>.old-<pid>`: that site is put back (the newest,
    should there be several), before anything else happens."""
    if destination.exists() or destination.is_symlink():
        return
    swapped_out = [folder for folder, kind, deleter in _leftovers(destination)
                   if kind == "old" and deleter is None and is_site_folder(folder)]
    if swapped_out:
        newest = max(swapped_out, key=lambda folder: folder.stat().st_mtime_ns)
        with contextlib.suppress(OSError):
            os.rename(newest, destination)


def is_site_folder(folder: Path) -> bool:
    """Whether `folder` is a site sitegen built: it holds the marker file, as sitegen
    writes it."""
    try:
        with open(folder / BUILD_MARKER, "rb", opener=lambda path, flags: os.open(path, flags | os.O_NOFOLLOW)) \
                as marker:  # (open's own descriptor: closed should a folder fail to be read)
            return marker.read(len(MARKER_TEXT) + 1) == MARKER_TEXT.encode()
    except OSError:
        return False


def check_replaceable(destination: Path) -> None:
    """Refuse (ConfigError) to build into `destination` unless it is absent, empty or a
    site sitegen built: the message names a file the user would lose."""
    if destination.is_symlink() or (destination.exists() and not destination.is_dir()):
        raise ConfigError(f"output {destination} exists and is not a folder; refusing to replace it")
    if not destination.exists() or is_site_folder(destination):
        return
    try:
        mine = _some_files(destination)
    except OSError as error:
        raise ConfigError(f"cannot look into the output folder {destination}: "
                          f"{error.strerror or error}") from None
    if not mine:
        return
    first, more = mine[0], len(mine) - 1
    others = f" and {more}{'+' if more >= _NAMED_FILES - 1 else ''} other{'s' if more != 1 else ''}" \
        if more else ""
    raise ConfigError(
        f"output folder {destination} was not written by sitegen (it has no {BUILD_MARKER}) and "
        f"holds files: building into it would delete {first}{others}. Refusing to replace it: "
        f"move them away, or choose another folder with -o.")


_NAMED_FILES = 1000  # enough to say "and N others" without walking a whole disk


def _some_files(folder: Path) -> list[Path]:
    """Up to `_NAMED_FILES` entries found in `folder` (files first, in sorted order, then
    empty folders), shown relative to the current folder where they can be."""
    found: list[Path] = []
    empty: list[Path] = []
    for parent, folders, files in os.walk(folder, onerror=_raise):
        folders.sort()
        found.extend(Path(parent, name) for name in sorted(files))
        if not files and not folders and Path(parent) != folder:
            empty.append(Path(parent))
        if len(found) >= _NAMED_FILES:
            break
    found.sort(key=lambda path: path.name.startswith("."))  # the user's own files first
    return [shown(path) for path in (found + empty)[:_NAMED_FILES]]


def _raise(error: OSError) -> None:
    raise error


def shown(path: Path) -> Path:
    """`path` relative to the current folder where it can be."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


@contextlib.contextmanager
def build_lock(destination: Path):
    """Held while a build writes `destination`: a second build of the same folder stops
    at once with a message saying so.  The lock is the kernel's (POSIX record locks,
    which die with their process and are not inherited by forked ones), on a file
    beside the folder that exists only while a build runs: a build that was killed
    leaves at most the file, which the next takes over."""
    path = destination.parent / f".{destination.name}.lock"
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        handle = _locked_file(path, destination)
    except OSError as error:
        raise BuildError(f"cannot lock {path} for the build: {error.strerror or error}") from None
    try:
        os.ftruncate(handle, 0)
        os.write(handle, f"{os.getpid()}\n".encode())
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(handle)  # (after the unlink: a build that opened the file meanwhile retries)


def _locked_file(path: Path, destination: Path) -> int:
    for _ in range(100):  # each turn another build released the lock and removed the file
        handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(handle, 32).decode("ascii", "replace").strip()
            os.close(handle)
            process = f" (process {holder})" if holder.isdigit() else ""
            raise BuildError(f"another build is running into {destination}{process}; wait for it "
                             "to finish, then build again") from None
        try:
            same = os.fstat(handle).st_ino == os.stat(path, follow_symlinks=False).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return handle
        os.close(handle)
    raise OSError("the lock file keeps changing")


def remove_empty_folders(folder: Path) -> None:
    """Remove every empty folder below `folder` (a build killed while it moved a gone
    page out leaves its folder behind)."""
    for parent, folders, files in os.walk(folder, topdown=False):
        if not files and Path(parent) != folder:
            with contextlib.suppress(OSError):
                os.rmdir(parent)  # (fails, as it should, if a subfolder was kept)


def process_alive(pid: str) -> bool:
    """Whether a process has this id (a build's, or a preview's, named in a folder)."""
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, OverflowError):  # (an id past the kernel's type: no process)
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC


def _making_folder(make: Callable, target: Path):
    """`make()`, which creates `target`, once more after making target's folder if it
    failed for want of it."""
    try:
        return make()
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        return make()


def _create(target: Path) -> int:
    return _making_folder(lambda: os.open(target, _NEW_FILE, 0o666), target)


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
        return os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
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
        self.stats: dict[str, os.stat_result] = {}  # relative path -> as written by `write`

    def __enter__(self) -> "OutputWriter":
        check_replaceable(self.destination)
        remove_leftovers(self.destination)
        self.staging.mkdir(parents=True)
        self.write(BUILD_MARKER, MARKER_TEXT)
        return self

    def __exit__(self, error_type, error, traceback) -> None:
        if error_type is None:
            self._swap_in()
        else:
            shutil.rmtree(self.staging, ignore_errors=True)

    def claim(self, relative: str) -> Path:
        """Reserve a path in the output: refuses paths outside it and paths claimed before."""
        parts = safe_relative_path(relative)
        _claim(relative, self.written)
        return self.staging.joinpath(*parts)

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
            _making_folder(lambda: os.link(existing, target, follow_symlinks=False), target)
            return os.stat(target, follow_symlinks=False)
        except OSError:
            return None

    def write(self, relative: str, content: str | bytes) -> None:
        self.stats[relative] = self.put(self.claim(relative), content)

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
