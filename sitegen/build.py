"""The build, top to bottom: read dumps, parse, model, render, write atomically.

This is where I/O happens: reading the dump files and writing the output.
`load_digest` stops before rendering (it serves `sitegen check`); `build` goes
all the way, either afresh (a new folder swapped in) or, with a build cache that
trusts the output, by updating only what changed (`_update_in_place`).  Warnings
are collected in the report; under `strict` any warning fails the build before
anything is written.  The parallel work itself is in `workers.py`.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .cache import BuildCache, FileRecord, OutputRecord, found_output, list_output
from .config import SiteConfig
from .errors import BuildError, Diagnostic, warning
from .keys import PageKeys, template_sources_key
from .links import link_history
from .model import Digest, build_digest
from .output import (BUILD_MARKER, MARKER_TEXT, OutputWriter, build_lock, check_replaceable, claim_paths,
                     is_site_folder, recover_interrupted_swap, remove_empty_folders,
                     remove_folder, remove_leftovers, safe_relative_path)
from .redirects import History
from .render import (CompiledTemplates, OutputFile, load_templates, make_environment,
                     output_files, static_files, topic_names)
from .similar import similar_papers
from .topics import matcher_for
from .weight import weight_problems
from .workers import (InBackground, Progress, SearchJob, content_key, parse_dumps,
                      render_and_write)



@dataclass
class BuildReport:
    digest: Digest
    output: Path | None = None
    pages: int = 0
    rendered: int = 0  # files rendered: all of them, or those whose inputs changed
    in_place: bool = False  # the previous output updated, not replaced by a fresh folder
    removed: int = 0
    files: int = 0
    bytes_written: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    index_bytes: tuple[int, int | None] | None = None  # search/lunr.json raw and gzip (estimated)

    @property
    def warnings(self) -> list[Diagnostic]:
        return self.digest.diagnostics

    def summary(self) -> str:
        digest = self.digest
        parts = [
            _count(digest.source_count, "source"),
            _count(digest.entry_count, "entry", "entries"),
            _count(len(digest.papers), "paper"),
            _count(len(digest.topics), "topic"),
            _count(len(digest.days), "day"),
        ]
        if self.output is not None and self.in_place:
            parts.append(f"{_count(self.pages, 'page')} ({_count(self.rendered, 'file')} re-rendered, "
                         f"{self.files} changed, {self.removed} removed)")
        elif self.output is not None:
            parts.append(f"{_count(self.pages, 'page')} written")
        if self.index_bytes:
            raw, compressed = self.index_bytes
            gzipped = f"≈{compressed / 1e6:.1f} MB gzip, " if compressed is not None else ""
            parts.append(f"search index {raw / 1e6:.1f} MB ({gzipped}loaded in parts)")
        parts.append(_count(len(self.warnings), "warning"))
        return ", ".join(parts) + f" in {self.seconds:.2f} s"


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def read_digest(config: SiteConfig, progress: Progress = lambda message: None,
                timings: dict[str, float] | None = None, cache: BuildCache | None = None) -> Digest:
    """Read and parse every source (a dump the cache has seen is not parsed again), then
    build the content model, all but similar papers."""
    timings = timings if timings is not None else {}
    started = time.perf_counter()
    readable, problems = [], list(config.warnings)
    for source in config.sources:
        try:
            readable.append((source, source.path.read_bytes()))
        except OSError as error:
            problems.append(warning(source.display, None, f"cannot read the dump: "
                                                          f"{error.strerror or error}; skipped"))
    contents = [(source.display, data, source.format) for source, data in readable]
    matcher = matcher_for(tuple(config.topics))
    if cache is not None:
        matcher.remember_matches(cache.topic_matches)
    parse_all = functools.partial(parse_dumps, matcher=matcher)  # topics matched as it goes
    dumps = cache.parsed_dumps(contents, parse_all) if cache is not None else parse_all(contents)
    parsed = [(source, dump) for (source, _), dump in zip(readable, dumps)]
    timings["parse"] = time.perf_counter() - started
    progress(f"parsed {len(parsed)} dumps in {timings['parse']:.2f} s")

    started = time.perf_counter()
    digest = build_digest(config, parsed)
    if cache is not None:
        cache.topic_matches = matcher.known_matches()
    digest.diagnostics[:0] = problems
    digest.source_count = len(config.sources)
    timings["model"] = time.perf_counter() - started
    progress(f"modelled {len(digest.papers)} papers in {timings['model']:.2f} s")
    return digest


def add_similar_papers(digest: Digest, progress: Progress = lambda message: None,
                       timings: dict[str, float] | None = None,
                       cache: BuildCache | None = None) -> None:
    """Each paper's nearest papers; the cache keeps the last answer, which a rebuild
    starts from (after an edit to templates, metadata or styles it is the answer)."""
    started = time.perf_counter()
    documents = {p.slug: (p.title, p.abstract) for p in digest.papers}
    similarity = similar_papers(documents, cache.similar if cache is not None else None)
    if cache is not None:
        cache.similar = similarity
    nearest = similarity.nearest
    for paper in digest.papers:
        paper.similar = list(nearest[paper.slug])
    if timings is not None:
        timings["similar"] = time.perf_counter() - started
    progress(f"found similar papers in {time.perf_counter() - started:.2f} s")


def load_digest(config: SiteConfig, progress: Progress = lambda message: None,
                timings: dict[str, float] | None = None) -> Digest:
    """The whole content model, similar papers included (what `check` and tests want)."""
    digest = read_digest(config, progress, timings)
    add_similar_papers(digest, progress, timings)
    return digest


def check(config: SiteConfig, progress: Progress = lambda message: None) -> BuildReport:
    started = time.perf_counter()
    report = BuildReport(load_digest(config, progress))
    report.seconds = time.perf_counter() - started
    return report


def refuse_unreadable_sources(digest: Digest) -> None:
    """A capture that is not a listing, or mostly junk, fails the build: a digest built
    from what could be read of it would look fine and be wrong."""
    errors = [d for d in digest.diagnostics if d.level == "error"]
    if errors:
        sources = len({d.path for d in errors})
        raise BuildError(f"{sources} source{'s' if sources != 1 else ''} could not be read as a "
                         "Daily Papers listing: nothing was written", errors)


@dataclass
class BuildOptions:
    """What a build makes beside the site and how it reports (serve's preview wants less)."""

    strict: bool = False  # any warning fails the build before anything is written
    private_output: bool = False  # serve's own folder, which nobody else writes to
    estimate_index_gzip: bool = True  # report the search index's compressed size
    whole_index: bool = True  # write search/lunr.json
    papers_json: bool = True  # write papers.json
    on_laid_out: Callable[[Digest, list[OutputFile]], None] | None = None
    superseded: Callable[[], bool] | None = None
    history: History | None = None  # what was published besides the previous output


@dataclass
class _Run:
    """One build's settings and report, handed from step to step."""

    config: SiteConfig
    options: BuildOptions
    progress: Progress
    cache: BuildCache | None
    report: BuildReport


def build(config: SiteConfig, *, strict: bool = False, progress: Progress = lambda message: None,
          cache: BuildCache | None = None, **options) -> BuildReport:
    """Build the site.  With a cache, a rebuild renders only the files whose inputs
    changed and updates the previous output in place, once everything rendered (in a
    `private_output`, serve's, without checking first that nobody changed it).
    `options` are those of `BuildOptions`: `estimate_index_gzip` reports the search
    index's compressed size (which a preview need not wait for); `whole_index`,
    `papers_json` write search/lunr.json and papers.json (which no page loads: `serve`
    makes them when asked for).  `on_laid_out` is given the model and every file (able
    to render itself) as soon as they are laid out, before any is rendered: `serve`
    renders pages from there when they are asked for, while the build goes on; it gives
    up rendering (`Superseded`, nothing in the output changed) once `superseded()` is true.
    `history`: what was published besides the previous output (`links.link_history`).

    The search index needs only the model, so it is built in a process of its own from
    then on, while this one finds similar papers, lays out the pages and renders them."""
    with collector_paused(), _output_claimed(config.output, options.get("private_output", False)):
        return _build(config, BuildOptions(strict=strict, **options), progress, cache)


@contextlib.contextmanager
def _output_claimed(output: Path, private_output: bool):
    """The output folder, this build's alone until it is done (`build_lock`), checked
    before any work that it may be replaced, and as a killed build left it: a site it
    had swapped out put back, its leftovers beside the folder deleted."""
    if private_output:
        yield
        return
    with build_lock(output):
        recover_interrupted_swap(output)
        check_replaceable(output)
        remove_leftovers(output)
        yield


@contextlib.contextmanager
def collector_paused():
    """Python's cycle collector, off while a build runs (and, from the command line,
    while the build cache loads and saves).  A build frees nearly everything it makes by
    reference counting, yet allocates so many objects that the collector keeps walking
    the model and the cache (see benchmarks/README.md).  Forked workers inherit the
    pause, so they never walk (and so copy) the memory they share with this process.
    The collector, back on, finds what cycles a build leaves."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _build(config: SiteConfig, options: BuildOptions, progress: Progress,
           cache: BuildCache | None) -> BuildReport:
    """parse -> model -> (search index, in a process of its own) -> similar papers ->
    pages -> render -> write."""
    started = time.perf_counter()
    timings: dict[str, float] = {}
    earlier_build = not options.private_output and is_site_folder(config.output)
    digest = read_digest(config, progress, timings, cache)
    link_history(digest, config, options.history, read_output=earlier_build)
    run = _Run(config, options, progress, cache, BuildReport(digest, timings=timings))
    refuse_unreadable_sources(digest)
    if options.strict and digest.diagnostics:
        count = len(digest.diagnostics)
        raise BuildError(f"{count} warning{'s' if count != 1 else ''} and --strict: "
                         "nothing was written", digest.diagnostics)
    render_started = time.perf_counter()
    search = SearchJob(digest, topic_names(digest), cache.search_tokens if cache is not None else None,
                       estimate_gzip=options.estimate_index_gzip, whole_index=options.whole_index)
    previous, trusted = _previous_output(run)
    pages = functools.partial(_lay_out, run, digest, trusted)
    if previous is None:
        record = _build_afresh(run, pages, search)
    else:
        record = _update_in_place(run, pages, search, previous)
    if cache is not None:
        cache.output = record
        cache.search_tokens = search.tokenised
    timings["render"] = time.perf_counter() - render_started
    progress(f"rendered {run.report.rendered} files, wrote {run.report.files}, "
             f"in {timings['render']:.2f} s")
    run.report.output = config.output
    run.report.seconds = time.perf_counter() - started
    return run.report


def _previous_output(run: _Run) -> tuple[OutputRecord | None, bool]:
    """What the output folder holds, and whether it is exactly what the cache recorded
    (then page keys tell what to render; else what is rendered is compared with what is
    there)."""
    config, cache = run.config, run.cache
    earlier_build = not run.options.private_output and is_site_folder(config.output)
    listed = list_output(config.output) if earlier_build else None
    trusted = cache.trusted_output(config.output, run.options.private_output, listed) \
        if cache is not None else None
    previous = trusted or (found_output(config.output, listed) if earlier_build else None)
    if previous is not None and trusted is None:  # as found: maybe as a killed build left it
        remove_empty_folders(config.output)
    return previous, trusted is not None


def _lay_out(run: _Run, digest: Digest, keyed_up_front: bool, indexing: InBackground) -> list[OutputFile]:
    """Similar papers, then every file of the site laid out, able to render itself."""
    add_similar_papers(digest, run.progress, run.report.timings, run.cache)
    env = make_environment(run.config)
    keys = None
    if run.cache is not None:
        env.bytecode_cache = CompiledTemplates(run.cache.compiled_templates)
        keys = PageKeys(template_sources_key(env))
    files = output_files(digest, run.config, env, keys, run.options.papers_json)
    if run.options.on_laid_out is not None:
        run.options.on_laid_out(digest, files)
        indexing.start()
    load_templates(env)  # once here rather than in every forked renderer
    if keyed_up_front:  # keys tell what to render; else they are worked out as it renders
        for file in files:  # (None for a page no key can describe: keyed by its content)
            file.key, file.key_of = file.key_of() if file.key_of else None, None
    run.report.pages = sum(1 for file in files if file.is_page)
    return files


def _build_afresh(run: _Run, pages: Callable[[InBackground], list[OutputFile]],
                  search: SearchJob) -> OutputRecord:
    """Render everything into a fresh folder and swap it in."""
    config, report = run.config, run.report
    # Forked, the search job's process costs this one a copy of every page of memory it
    # writes to: a build whose files are wanted as soon as they are laid out forks it after.
    deferred = run.options.on_laid_out is not None
    with OutputWriter(config.output) as out, InBackground(search, out.staging, deferred=deferred) as indexing:
        files = pages(indexing)
        targets = [out.claim(file.path) for file in files]
        outcome = render_and_write(files, targets, run.progress, superseded=run.options.superseded)
        outcome.add(indexing.outcome())
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
        _check_limits(sizes, config, report, run.options.strict)
    return record  # the swap renamed the folder: its files and their times are the same


def _update_in_place(run: _Run, pages: Callable[[InBackground], list[OutputFile]],
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


def _render_changes(run: _Run, pages: Callable[[InBackground], list[OutputFile]], search: SearchJob,
                    previous: OutputRecord, scratch: Path):
    """Lay out every file and render those whose keys changed into `scratch`, with the
    search job's files: (every file, those rendered, their outcome)."""
    output = run.config.output
    with InBackground(search, scratch, deferred=run.options.on_laid_out is not None) as indexing:
        files = pages(indexing)
        claim_paths([file.path for file in files], previous.files)
        stale = [file for file in files
                 if file.key is None or previous.files.get(file.path, _NO_RECORD).key != file.key]
        run.report.rendered = len(stale)
        targets = [scratch.joinpath(*safe_relative_path(file.path)) for file in stale]
        found = {file.path: (output / file.path, previous.files[file.path].size)
                 for file in stale if file.path in previous.files}
        outcome = render_and_write(stale, targets, run.progress, found, run.options.superseded)
        outcome.add(indexing.outcome())
    return files, stale, outcome


def _move_changes_in(run: _Run, previous: OutputRecord, scratch: Path, files: list[OutputFile],
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
    _check_limits(sizes, run.config, report, run.options.strict)

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


def _check_limits(sizes: dict[str, int], config: SiteConfig, report: BuildReport,
                  strict: bool) -> None:
    limits = weight_problems(sizes, config.output.name)
    report.digest.diagnostics.extend(limits)
    if strict and limits:
        raise BuildError("the site is too heavy for GitHub Pages and --strict: the previous "
                         "site is left as it was", limits)
