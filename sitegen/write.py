"""The write step: the laid-out files rendered into a fresh folder that replaces the
output at once (`write_afresh`), or, when there is a previous output, the files whose
inputs changed rendered into a scratch folder beside it and moved in, and the files
that are gone deleted (`update_in_place`).  Either way, the new site is checked
against GitHub Pages' limits before it is in place.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from .cache import FileRecord, OutputRecord
from .config import SiteConfig
from .errors import BuildError
from .output import (BUILD_MARKER, MARKER_TEXT, OutputWriter, claim_paths, remove_folder, remove_leftovers,
                     safe_relative_path)
from .site.files import OutputFile
from .site.theme import static_files
from .report import BuildReport, Run
from .search_job import InBackground, SearchJob
from .rendering import Outcome, content_key, render_and_write
from .weight import weight_problems


def write_afresh(run: Run, pages: Callable[[InBackground], list[OutputFile]],
                 search: SearchJob) -> OutputRecord:
    """Render everything into a fresh folder and swap it in."""
    config, report = run.config, run.report
    # Forked, the search job's process costs this one a copy of every page of memory it
    # writes to: a build whose files are wanted as soon as they are laid out forks it after.
    deferred = run.options.on_laid_out is not None
    with OutputWriter(config.output) as out, InBackground(search, out.staging) as indexing:
        if not deferred:
            indexing.start()
        files = pages(indexing)
        targets = [out.claim(file.path) for file in files]
        outcome = render_and_write(files, targets, run.progress, superseded=run.options.superseded)
        outcome.add(indexing.outcome())
        _time_index(report, outcome)
        file_keys = {file.path: file.key for file in files}
        file_keys.update(outcome.keys)
        file_keys.update(outcome.search_keys)
        for relative, (data, key) in _static_files(config).items():
            out.write(relative, data)
            file_keys[relative] = key
        report.rendered = len(files)
        report.files = len(file_keys)
        report.bytes_written = out.bytes_written + outcome.bytes_written
        report.index_bytes = outcome.index_bytes
        record = OutputRecord(config.output.resolve(), search_key=outcome.search_key)
        written = dict(outcome.written)
        written.update((relative, (stat.st_size, stat.st_mtime_ns)) for relative, stat in out.stats.items())
        sizes = {}
        for relative, (size, mtime_ns) in sorted(written.items()):
            record.files[relative] = FileRecord(file_keys.get(relative) or "", size, mtime_ns)
            sizes[relative] = size
        check_limits(sizes, config, report, run.options.strict)
    return record  # the swap renamed the folder: its files and their times are the same


def update_in_place(run: Run, pages: Callable[[InBackground], list[OutputFile]],
                    search: SearchJob, previous: OutputRecord) -> OutputRecord:
    """Render what changed beside the output, then move it in; delete what is gone.

    What changed: every file whose key differs from the record's, or every file if
    the record has no keys (`found_output`); a file rendered exactly as the output
    holds it is left alone.  Nothing in the folder changes until every file has
    rendered; each move is atomic, and the cache forgets the folder while they run,
    so a build interrupted there is followed by a full one.  A new search index
    replaces the whole search/ folder at once (every part changes when any paper
    does)."""
    output = run.config.output
    search.previous_key = previous.search_key  # the same inputs: the search files stay
    search.reusable = {relative: (output / relative, record.key)  # else the document chunks
                       for relative, record in previous.files.items()  # made from the same
                       if relative.startswith("search/docs/") and record.key}  # papers do
    search.found = {relative: output / relative for relative in previous.files if in_search_folder(relative)}
    scratch = output.parent / f".{output.name}.updating-{os.getpid()}"
    remove_leftovers(output)
    scratch.mkdir(exist_ok=True)
    (scratch / BUILD_MARKER).write_text(MARKER_TEXT, encoding="utf-8")  # (says it is ours)
    new_index = False
    try:
        files, stale, outcome = _render_changes(run, pages, search, previous, scratch)
        new_index = outcome.search_key != previous.search_key
        return _move_changes_in(run, previous, scratch, files, stale, outcome)
    finally:
        remove_folder(scratch, in_background=new_index)  # holds the previous index


def _render_changes(run: Run, pages: Callable[[InBackground], list[OutputFile]], search: SearchJob,
                    previous: OutputRecord, scratch: Path):
    """Lay out every file and render those whose keys changed into `scratch`, with the
    search job's files: (every file, those rendered, their outcome)."""
    output = run.config.output
    with InBackground(search, scratch) as indexing:
        if run.options.on_laid_out is None:
            indexing.start()
        files = pages(indexing)
        claim_paths([file.path for file in files], previous.files)
        stale = [file for file in files
                 if file.key is None or previous.files.get(file.path, _NO_RECORD).key != file.key]
        run.report.rendered = len(stale)
        targets = [scratch.joinpath(*safe_relative_path(file.path)) for file in stale]
        found = {relative: (output / relative, record.size)  # (with the pieces of large files)
                 for relative, record in previous.files.items()}
        outcome = render_and_write(stale, targets, run.progress, found, run.options.superseded)
        outcome.add(indexing.outcome())
        _time_index(run.report, outcome)
    return files, stale, outcome


def _move_changes_in(run: Run, previous: OutputRecord, scratch: Path, files: list[OutputFile],
                     stale: list[OutputFile], outcome) -> OutputRecord:
    """Check the new site's limits, then move what changed from `scratch` into the output
    and delete what is gone: the new output's record."""
    output, report = run.config.output, run.report
    new_index = outcome.search_key != previous.search_key
    file_keys = {file.path: file.key or "" for file in stale}
    file_keys.update(outcome.keys)
    for relative, (data, key) in _static_files(run.config).items():
        file_keys[relative] = key
        before = previous.files.get(relative, _NO_RECORD)
        if before.key == key:
            continue
        if not before.key and before.size == len(data) and _holds(output / relative, data):
            outcome.unchanged.add(relative)  # an output found without keys, as it was
        else:
            OutputWriter.put(scratch / relative, data)
    changes = {relative: key for relative, key in file_keys.items()
               if previous.files.get(relative, _NO_RECORD).key != key and relative not in outcome.unchanged}
    wanted = {file.path for file in files} | set(file_keys) | set(outcome.search_keys) | {BUILD_MARKER}
    if new_index:
        report.index_bytes = outcome.index_bytes
    else:
        wanted |= {relative for relative in previous.files if in_search_folder(relative)}
    replaced = {relative for relative in previous.files if new_index and in_search_folder(relative)}
    gone = [relative for relative in previous.files if relative not in wanted and relative not in replaced]
    sizes = {relative: record.size for relative, record in previous.files.items()
             if relative not in gone and relative not in replaced}
    for relative in [*changes, *outcome.search_keys]:
        sizes[relative] = (scratch / relative).stat().st_size
    check_limits(sizes, run.config, report, run.options.strict)

    if run.cache is not None:
        run.cache.output = None
    record = OutputRecord(output.resolve(), dict(previous.files), outcome.search_key)
    for relative in outcome.unchanged:
        record.files[relative] = previous.files[relative]._replace(key=file_keys[relative])
    try:
        _move_in(output, scratch, changes, gone, record)
        if new_index:
            _swap_search_folder(output, scratch, record, outcome.search_keys)
    except OSError as error:
        raise BuildError(f"cannot update {output}: {error}; the next build starts afresh") from None
    report.files = len(changes) + sum(  # a search file linked to the output's is the same file
        outcome.written.get(relative) != previous.files.get(relative, _NO_RECORD)[1:]
        for relative in outcome.search_keys)
    report.bytes_written = sum(sizes[relative] for relative in [*changes, *outcome.search_keys])
    report.removed = len(gone)
    report.in_place = True
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


def in_search_folder(relative: str) -> bool:
    """The search job's own files: everything under search/ but the search page."""
    return relative.startswith("search/") and relative != "search/index.html"


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


def _time_index(report: BuildReport, outcome: Outcome) -> None:
    if outcome.index_seconds is not None:  # (made in a process of its own, beside the pages)
        report.timings["search index"] = outcome.index_seconds


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
