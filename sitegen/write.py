"""Where a build renders and how it puts the result in place (the write step).

`FreshSite`: every file rendered into a staging folder beside the output, which
replaces the output at once.  `UpdatedSite`, when there is a previous output: the
files whose inputs changed rendered into a scratch folder beside it and moved in,
and the files that are gone deleted.  Either way, the new site is checked against
GitHub Pages' limits before it is in place, and a build that fails leaves the
output as it was.
"""

from __future__ import annotations

import os
from pathlib import Path

from .cache import FileRecord, OutputRecord
from .config import SiteConfig
from .errors import BuildError
from .output import (BUILD_MARKER, MARKER_TEXT, OutputWriter, claim_paths, remove_folder, remove_leftovers,
                     safe_relative_path)
from .site.files import OutputFile
from .site.theme import static_files
from .report import BuildReport, Run
from .search_job import in_search_folder
from .render_step import Outcome, content_key
from .weight import weight_problems


class FreshSite:
    """A site written afresh: every file rendered into a staging folder (`folder`),
    swapped in for the output when the build is done, deleted if it fails."""

    def __init__(self, run: Run):
        self.run = run
        self.writer = OutputWriter(run.config.output)
        self.folder = self.writer.staging

    def __enter__(self) -> FreshSite:
        self.writer.__enter__()
        return self

    def __exit__(self, *error) -> None:
        self.writer.__exit__(*error)

    def to_render(self, files: list[OutputFile]) -> tuple[list[OutputFile], list[Path], dict]:
        """Every file, where it goes (claimed: none outside the folder, none twice), and
        no previous output to compare it with."""
        return files, [self.writer.claim(file.path) for file in files], {}

    def finish(self, files: list[OutputFile], rendered: list[OutputFile], outcome: Outcome) -> OutputRecord:
        """The static files written beside the rendered ones, the limits checked: the
        record of the new output (the swap, as the build ends, keeps its files' times)."""
        config, report, out = self.run.config, self.run.report, self.writer
        file_keys = {file.path: file.key for file in files}
        file_keys.update(outcome.keys)
        file_keys.update(outcome.search_keys)
        for relative, (data, key) in _static_files(config).items():
            out.write(relative, data)
            file_keys[relative] = key
        report.rendered = len(rendered)
        report.files = len(file_keys)
        report.index_bytes = outcome.index_bytes
        record = OutputRecord(config.output.resolve(), search_key=outcome.search_key)
        written = dict(outcome.written)
        written.update((relative, (stat.st_size, stat.st_mtime_ns)) for relative, stat in out.stats.items())
        sizes = {}
        for relative, (size, mtime_ns) in sorted(written.items()):
            record.files[relative] = FileRecord(file_keys.get(relative) or "", size, mtime_ns)
            sizes[relative] = size
        check_limits(sizes, config, report, self.run.options.strict)
        return record


class UpdatedSite:
    """The previous output updated in place: what changed rendered into a scratch
    folder beside it (`folder`), then moved in; what is gone deleted.

    What changed: every file whose key differs from the record's, or every file if
    the record has no keys (`found_output`); a file rendered exactly as the output
    holds it is left alone.  Nothing in the folder changes until every file has
    rendered; each move is atomic, and the cache forgets the folder while they run,
    so a build interrupted there is followed by a full one.  A new search index
    replaces the whole search/ folder at once (every part changes when any paper
    does)."""

    def __init__(self, run: Run, previous: OutputRecord):
        output = run.config.output
        self.run, self.previous = run, previous
        self.folder = output.parent / f".{output.name}.updating-{os.getpid()}"
        self.new_index = False

    def __enter__(self) -> UpdatedSite:
        remove_leftovers(self.run.config.output)
        self.folder.mkdir(exist_ok=True)
        (self.folder / BUILD_MARKER).write_text(MARKER_TEXT, encoding="utf-8")  # (says it is ours)
        return self

    def __exit__(self, *error) -> None:
        remove_folder(self.folder, in_background=self.new_index)  # holds the previous index

    def to_render(self, files: list[OutputFile]) -> tuple[list[OutputFile], list[Path], dict]:
        """The files whose keys changed, where each goes in the scratch folder, and the
        output's files to compare what renders with (those of the same paths, and their pieces)."""
        output, previous = self.run.config.output, self.previous
        claim_paths([file.path for file in files], previous.files)
        stale = [file for file in files
                 if file.key is None or previous.files.get(file.path, _NO_RECORD).key != file.key]
        targets = [self.folder.joinpath(*safe_relative_path(file.path)) for file in stale]
        rendering = {file.path for file in stale}  # what renders is compared; nothing else is
        found = {relative: (output / relative, record.size) for relative, record in previous.files.items()
                 if relative in rendering or relative.rpartition(".")[0] in rendering}  # (pieces: NAME.001)
        return stale, targets, found

    def finish(self, files: list[OutputFile], rendered: list[OutputFile], outcome: Outcome) -> OutputRecord:
        """The new site's limits checked, then what changed moved in and what is gone
        deleted: the record of the new output."""
        previous, report = self.previous, self.run.report
        self.new_index = outcome.search_key != previous.search_key
        file_keys, changes = self._changes(rendered, outcome)
        gone, replaced = self._gone(files, file_keys, outcome)
        sizes = {relative: record.size for relative, record in previous.files.items()
                 if relative not in gone and relative not in replaced}
        for relative in [*changes, *outcome.search_keys]:
            sizes[relative] = (self.folder / relative).stat().st_size
        check_limits(sizes, self.run.config, report, self.run.options.strict)
        record = self._put_in_place(changes, gone, file_keys, outcome)
        report.rendered = len(rendered)
        report.files = len(changes) + sum(  # a search file linked to the output's is the same file
            outcome.written.get(relative) != previous.files.get(relative, _NO_RECORD)[1:]
            for relative in outcome.search_keys)
        report.removed = len(gone)
        report.in_place = True
        if self.new_index:
            report.index_bytes = outcome.index_bytes
        return record

    def _changes(self, rendered: list[OutputFile], outcome: Outcome) -> tuple[dict[str, str], dict[str, str]]:
        """Every key of the new site but the search job's, and those of the files that
        change (a static file that does is put in the scratch folder)."""
        output, previous = self.run.config.output, self.previous
        file_keys = {file.path: file.key or "" for file in rendered}
        file_keys.update(outcome.keys)
        for relative, (data, key) in _static_files(self.run.config).items():
            file_keys[relative] = key
            before = previous.files.get(relative, _NO_RECORD)
            if before.key == key:
                continue
            if not before.key and before.size == len(data) and _holds(output / relative, data):
                outcome.unchanged.add(relative)  # an output found without keys, as it was
            else:
                OutputWriter.put(self.folder / relative, data)
        changes = {relative: key for relative, key in file_keys.items()
                   if previous.files.get(relative, _NO_RECORD).key != key and relative not in outcome.unchanged}
        return file_keys, changes

    def _gone(self, files: list[OutputFile], file_keys: dict[str, str],
              outcome: Outcome) -> tuple[list[str], set[str]]:
        """The previous output's files the new site no longer has, and the search files a
        new index replaces."""
        previous = self.previous
        wanted = {file.path for file in files} | set(file_keys) | set(outcome.search_keys) | {BUILD_MARKER}
        in_search = {relative for relative in previous.files if in_search_folder(relative)}
        replaced = in_search if self.new_index else set()
        wanted |= set() if self.new_index else in_search
        gone = [relative for relative in previous.files if relative not in wanted and relative not in replaced]
        return gone, replaced

    def _put_in_place(self, changes: dict[str, str], gone: list[str], file_keys: dict[str, str],
                      outcome: Outcome) -> OutputRecord:
        """Move what changed in, delete what is gone (the cache forgets the output
        meanwhile): the new output's record."""
        output, previous = self.run.config.output, self.previous
        if self.run.cache is not None:
            self.run.cache.output = None
        record = OutputRecord(output.resolve(), dict(previous.files), outcome.search_key)
        for relative in outcome.unchanged:
            record.files[relative] = previous.files[relative]._replace(key=file_keys[relative])
        try:
            _move_in(output, self.folder, changes, gone, record)
            if self.new_index:
                _swap_search_folder(output, self.folder, record, outcome.search_keys)
        except OSError as error:
            raise BuildError(f"cannot update {output}: {error}; the next build starts afresh") from None
        return record


def _move_in(output: Path, scratch: Path, changes: dict[str, str], gone: list[str],
             record: OutputRecord) -> None:
    """Delete what is gone, then move the changed files in.  In that order, a folder of
    gone files (an older layout's) is out of the way of a file of the same name."""
    for relative in gone:
        (output / relative).unlink(missing_ok=True)
        record.files.pop(relative, None)
        _remove_empty_folders((output / relative).parent, output)
    for relative, key in changes.items():
        target = output / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_dir() and not target.is_symlink():  # files in it were gone
            _remove_folders_without_files(target)
        os.replace(scratch / relative, target)
        stat = target.stat()
        record.files[relative] = FileRecord(key, stat.st_size, stat.st_mtime_ns)


def _swap_search_folder(output: Path, scratch: Path, record: OutputRecord,
                        search_keys: dict[str, str]) -> None:
    """Replace output/search/ by the new one in scratch/search/, keeping the search page."""
    page = output / "search" / "index.html"
    if page.exists():
        os.replace(page, scratch / "search" / "index.html")
    if (output / "search").exists():
        os.replace(output / "search", scratch / "search-previous")
    os.replace(scratch / "search", output / "search")
    for relative in [relative for relative in record.files if in_search_folder(relative)]:
        del record.files[relative]
    for relative, key in search_keys.items():
        stat = (output / relative).stat()
        record.files[relative] = FileRecord(key, stat.st_size, stat.st_mtime_ns)


_NO_RECORD = FileRecord("", -1, -1)


def _holds(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() == data
    except OSError:
        return False


def _static_files(config: SiteConfig) -> dict[str, tuple[bytes, str]]:
    """Output path -> (content, key) of every static file."""
    files = {}
    for name, source in static_files(config).items():
        data = source.read_bytes()
        files[f"static/{name}"] = (data, content_key(data))
    return files


def _remove_folders_without_files(folder: Path) -> None:
    """Remove `folder` if no file is left at any depth in it (else the caller's move fails)."""
    for parent, _, files in os.walk(folder, topdown=False):
        if files:
            return
        os.rmdir(parent)


def _remove_empty_folders(folder: Path, top: Path) -> None:
    while folder != top and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def check_limits(sizes: dict[str, int], config: SiteConfig, report: BuildReport,
                  strict: bool) -> None:
    limits = weight_problems(sizes, config.output.name)
    report.digest.diagnostics.extend(limits)
    if strict and limits:
        raise BuildError("the site is too heavy for GitHub Pages and --strict: the previous "
                         "site is left as it was", limits)
