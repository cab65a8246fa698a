"""The build, top to bottom, as named, timed steps: parse -> model -> similar papers ->
pages -> render -> search index -> write (`_build`).

Each step is a function from data to data: `read_and_parse` (`parse_step.py`),
`build_digest` (the model, `content/`), `with_similar_papers`, `lay_out` (every page as
plain data, `site/pages.py`, then every file, `site/files.py`), `render_and_write`
(`render_step.py`), the search index (`search_job.py`, made in a process of its own from
the model on, beside the steps in between) and the write step (`write.py`: a fresh
folder swapped in, or the previous output updated in place).  `-v` prints each step's time.  What one build leaves for
the next goes through the build cache (`cache.py`).
`load_digest` stops at the model (it serves `sitegen check`).  Warnings are collected
in the report; under `strict` any warning fails the build before anything is written.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import time
from pathlib import Path

from .cache import BuildCache, OutputRecord, found_output, list_output
from .config import SiteConfig
from .content.model import Digest, build_digest
from .content.similar import Similarity, similar_papers
from .content.topics import TopicMatcher
from .errors import BuildError
from .keys import PageKeys, template_sources_key
from .links import link_history
from .output import build_lock, check_replaceable, is_site_folder, recover_interrupted_swap, \
    remove_empty_folders, remove_leftovers
from .parse_step import read_and_parse
from .render_step import Progress, render_and_write
from .report import BuildOptions, BuildReport, Run
from .search_job import InBackground, SearchJob
from .site.files import OutputFile, data_files, page_files
from .site.pages import site_pages, topic_names
from .site.render import CompiledTemplates, Renderer, load_templates, make_environment
from .write import FreshSite, UpdatedSite


def build(config: SiteConfig, *, strict: bool = False, progress: Progress = lambda message: None,
          cache: BuildCache | None = None, **options) -> BuildReport:
    """Build the site.  With a cache, a rebuild renders only the files whose inputs
    changed and updates the previous output in place, once everything rendered (in a
    `private_output`, serve's, without checking first that nobody changed it).
    `options` are those of `BuildOptions`: `whole_index`, `papers_json` write
    search/lunr.json and papers.json (which no page loads: `serve` makes them when asked
    for).  `on_laid_out` is given the model and every file (able
    to render itself) as soon as they are laid out, before any is rendered: `serve`
    renders pages from there when they are asked for, while the build goes on; it gives
    up rendering (`Superseded`, nothing in the output changed) once `superseded()` is true.
    `history`: what was published besides the previous output (`links.link_history`)."""
    with collector_paused(), _output_claimed(config.output, options.get("private_output", False)):
        return _build(config, BuildOptions(strict=strict, **options), progress, cache)


def _build(config: SiteConfig, options: BuildOptions, progress: Progress,
           cache: BuildCache | None) -> BuildReport:
    """parse -> model -> similar papers -> pages -> render -> search index -> write.  The
    search index needs only the model: it is made in a process of its own from then on,
    beside the steps in between, into the folder the pages render into."""
    started = time.perf_counter()
    timings: dict[str, float] = {}
    digest = read_digest(config, progress, timings, cache)  # parse, model
    earlier_build = _earlier_build(config, options)
    digest = link_history(digest, config, options.history, read_output=earlier_build)
    run = Run(config, options, progress, cache, BuildReport(digest, timings=timings))
    refuse_unreadable_sources(digest)
    refuse_warnings_if_strict(digest, options.strict)
    previous, trusted = _previous_output(run, earlier_build)
    search = SearchJob(digest, topic_names(digest), cache.search_tokens if cache is not None else None,
                       whole_index=options.whole_index).updating(config.output, previous)
    site = FreshSite(run) if previous is None else UpdatedSite(run, previous)
    with site, InBackground(search, site.folder) as indexing:
        # Forked, the search job's process costs this one a copy of every page of memory it
        # writes to: a build whose files are wanted as soon as they are laid out forks it after.
        if options.on_laid_out is None:
            indexing.start()
        digest = run.report.digest = add_similar_papers(digest, progress, timings, cache)
        files = _timed(timings, "pages", lay_out, run, digest, trusted, indexing)
        progress(f"laid out {len(files)} files in {timings['pages']:.2f} s")
        rendered, targets, found = site.to_render(files)
        outcome = _timed(timings, "render", render_and_write, rendered, targets, progress, found,
                         options.superseded)
        progress(f"rendered {len(rendered)} files in {timings['render']:.2f} s")
        outcome.add(_timed(timings, "search index", indexing.outcome))
        if outcome.index_seconds is not None:  # (made beside the steps before, not waited for)
            timings["search index"] = outcome.index_seconds
            progress(f"built the search index in {outcome.index_seconds:.2f} s, beside the pages")
        record = _timed(timings, "write", site.finish, files, rendered, outcome)
    progress(f"wrote {run.report.files} files in {timings['write']:.2f} s")
    if cache is not None:
        cache.output = record
        cache.search_tokens = search.tokenised
    run.report.output = config.output
    run.report.seconds = time.perf_counter() - started
    return run.report


def check(config: SiteConfig, progress: Progress = lambda message: None) -> BuildReport:
    started = time.perf_counter()
    report = BuildReport(load_digest(config, progress))
    report.seconds = time.perf_counter() - started
    return report


def load_digest(config: SiteConfig, progress: Progress = lambda message: None,
                timings: dict[str, float] | None = None) -> Digest:
    """The whole content model, similar papers included (what `check` and tests want)."""
    return add_similar_papers(read_digest(config, progress, timings), progress, timings)


def read_digest(config: SiteConfig, progress: Progress = lambda message: None,
                timings: dict[str, float] | None = None, cache: BuildCache | None = None) -> Digest:
    """The parse and model steps: every source read and parsed (a dump the cache has seen
    is not parsed again), then the content model, all but similar papers."""
    timings = timings if timings is not None else {}
    matcher = TopicMatcher(config.topics)
    if cache is not None:
        matcher.remember_matches(cache.topic_matches)
    (readable, problems), dumps = _timed(timings, "parse", read_and_parse, config, matcher, cache)
    progress(f"parsed {len(dumps)} dumps in {timings['parse']:.2f} s")
    parsed = [(source, dump) for (source, _), dump in zip(readable, dumps)]
    digest = _timed(timings, "model", build_digest, config, parsed, matcher)
    if cache is not None:
        cache.topic_matches = matcher.known_matches()
    digest = dataclasses.replace(digest, diagnostics=problems + digest.diagnostics,
                                 source_count=len(config.sources))
    progress(f"modelled {len(digest.papers)} papers in {timings['model']:.2f} s")
    return digest


def with_similar_papers(digest: Digest, previous: Similarity | None = None) -> tuple[Digest, Similarity]:
    """The model with each paper's nearest papers (`Digest.similar`), and the answer they
    came from, which the next build starts from (`previous`: after an edit to templates,
    metadata or styles it is the answer)."""
    similarity = similar_papers({p.slug: (p.title, p.abstract) for p in digest.papers}, previous)
    return dataclasses.replace(digest, similar=similarity.nearest), similarity


def add_similar_papers(digest: Digest, progress: Progress = lambda message: None,
                       timings: dict[str, float] | None = None,
                       cache: BuildCache | None = None) -> Digest:
    """The similar papers step: `with_similar_papers`, timed, from and into the cache's
    last answer."""
    timings = timings if timings is not None else {}
    digest, similarity = _timed(timings, "similar", with_similar_papers, digest,
                                cache.similar if cache is not None else None)
    if cache is not None:
        cache.similar = similarity
    progress(f"found similar papers in {timings['similar']:.2f} s")
    return digest


def lay_out(run: Run, digest: Digest, keyed_up_front: bool, indexing: InBackground) -> list[OutputFile]:
    """The pages step: every page as plain data (`site_pages`), then every file of the
    site, able to render itself, handed to `on_laid_out` (serve's) as soon as it is
    (the search job starts then); with a cache, each page's key worked out now when the
    keys tell what to render (`keyed_up_front`), else as it renders."""
    env = make_environment(run.config)
    keys = None
    if run.cache is not None:
        env.bytecode_cache = CompiledTemplates(run.cache.compiled_templates)
        keys = PageKeys(template_sources_key(env))
    pages = site_pages(digest, run.config)
    files = data_files(digest, run.config, run.options.papers_json) + page_files(pages, Renderer(env), keys)
    if run.options.on_laid_out is not None:
        run.options.on_laid_out(digest, files)
        indexing.start()
    load_templates(env)  # once here rather than in every forked renderer
    if keyed_up_front:  # (None for a page no key can describe: keyed by its content)
        for file in files:
            file.key, file.key_of = file.key_of() if file.key_of else None, None
    run.report.pages = sum(1 for file in files if file.is_page)
    return files


def refuse_unreadable_sources(digest: Digest) -> None:
    """A capture that is not a listing, or mostly junk, fails the build: a digest built
    from what could be read of it would look fine and be wrong."""
    errors = [d for d in digest.diagnostics if d.level == "error"]
    if errors:
        sources = len({d.path for d in errors})
        raise BuildError(f"{sources} source{'s' if sources != 1 else ''} could not be read as a "
                         "Daily Papers listing: nothing was written", errors)


def refuse_warnings_if_strict(digest: Digest, strict: bool) -> None:
    if strict and digest.diagnostics:
        count = len(digest.diagnostics)
        raise BuildError(f"{count} warning{'s' if count != 1 else ''} and --strict: "
                         "nothing was written", digest.diagnostics)


def _timed(timings: dict[str, float], step: str, function, *args):
    """`function(*args)`, its time kept in `timings` under the step's name."""
    started = time.perf_counter()
    try:
        return function(*args)
    finally:
        timings[step] = time.perf_counter() - started


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


def _previous_output(run: Run, earlier_build: bool) -> tuple[OutputRecord | None, bool]:
    """What the output folder holds (`earlier_build`: a site an earlier build made), and
    whether it is exactly what the cache recorded (then page keys tell what to render;
    else what is rendered is compared with what is there)."""
    config, cache = run.config, run.cache
    listed = list_output(config.output) if earlier_build else None
    trusted = cache.trusted_output(config.output, run.options.private_output, listed) \
        if cache is not None else None
    previous = trusted or (found_output(config.output, listed) if earlier_build else None)
    if previous is not None and trusted is None:  # as found: maybe as a killed build left it
        remove_empty_folders(config.output)
    return previous, trusted is not None


def _earlier_build(config: SiteConfig, options: BuildOptions) -> bool:
    """Whether the output folder holds a site an earlier build made (serve's own folder
    is never read as one)."""
    return not options.private_output and is_site_folder(config.output)
