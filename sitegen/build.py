"""The build, top to bottom: read the sources, parse, model, similar papers, lay out
the pages, render them and the search index, write.

Each step is a function from data to data: `read_sources` -> `parse_dumps` ->
`build_digest` (the model, `content/`) -> `with_similar_papers` -> `site_pages`
(every page as plain data, `site/`) -> `render_and_write` (`rendering.py`) beside the
search index (`search_job.py`, in a process of its own from the model on) -> a
fresh folder swapped in or the previous output updated in place (`write.py`).
`load_digest` stops before laying out (it serves `sitegen check`).  Warnings are
collected in the report; under `strict` any warning fails the build before
anything is written.  Work in forked processes is run by `parallel.py`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import time
from pathlib import Path

from .cache import BuildCache, OutputRecord, found_output, list_output
from .config import SiteConfig, Source
from .content.capture import dump_as_plain, dump_from_plain
from .content.dumps import Dump, parse_dump_bytes
from .content.model import Digest, build_digest, match_topics_ahead
from .content.similar import Similarity, similar_papers
from .content.topics import TopicMatcher, TopicScore
from .errors import BuildError, Diagnostic, warning
from .keys import PageKeys, template_sources_key
from .links import link_history
from .output import build_lock, check_replaceable, is_site_folder, recover_interrupted_swap, \
    remove_empty_folders, remove_leftovers
from .parallel import Child, ChildFailed
from .site.files import OutputFile, data_files, page_files
from .site.pages import site_pages, topic_names
from .site.search import Tokenised
from .site.render import CompiledTemplates, Renderer, load_templates, make_environment
from .report import BuildOptions, BuildReport, Run
from .search_job import InBackground, SearchJob
from .write import update_in_place, write_afresh
from .rendering import Progress

# Parsing and matching topics take 0.1 s a megabyte of dumps, on one core while the
# other idles: past this many bytes to parse, half go to a forked process.
PARALLEL_PARSE_BYTES = 4 << 20


def read_sources(config: SiteConfig) -> tuple[list[tuple[Source, bytes]], list[Diagnostic]]:
    """Every source that can be read, with its bytes; the configuration's warnings and one
    for each source that cannot."""
    readable, problems = [], list(config.warnings)
    for source in config.sources:
        try:
            readable.append((source, source.path.read_bytes()))
        except OSError as error:
            problems.append(warning(source.display, None, f"cannot read the dump: "
                                                          f"{error.strerror or error}; skipped"))
    return readable, problems


def parse_dumps(contents: list[tuple[str, bytes, str | None]], matcher: TopicMatcher) -> list[Dump]:
    """Each (path shown, content, forced shape) parsed, and every entry's text matched
    against the topic rules, the answers left in `matcher` for the model: the later half
    of a large batch in a forked process while this one does the earlier."""
    total = sum(len(data) for _, data, _ in contents)
    if total < PARALLEL_PARSE_BYTES or len(contents) < 2:
        return _parse_and_match(contents, matcher)
    running, split = 0, 0
    while split < len(contents) - 1 and running < total / 2:
        running += len(contents[split][1])
        split += 1
    with Child(_parse_and_match, contents[split:], matcher, True).start() as later_half:
        earlier = _parse_and_match(contents[:split], matcher)
        try:
            later, matches = later_half.result()
        except ChildFailed:  # parsed here, where what fails is reported
            return earlier + _parse_and_match(contents[split:], matcher)
    matcher.remember_matches(matches)
    return earlier + later


def _parse_and_match(contents: list[tuple[str, bytes, str | None]], matcher: TopicMatcher,
                     with_matches: bool = False):
    """The dumps (and, `with_matches`, what `matcher` learnt, to hand back to the parent)."""
    dumps = [parse_dump_bytes(data, display, shape) for display, data, shape in contents]
    match_topics_ahead(dumps, matcher)
    return (dumps, matcher.known_matches()) if with_matches else dumps


def read_digest(config: SiteConfig, progress: Progress = lambda message: None,
                timings: dict[str, float] | None = None, cache: BuildCache | None = None) -> Digest:
    """Read and parse every source (a dump the cache has seen is not parsed again), then
    build the content model, all but similar papers."""
    timings = timings if timings is not None else {}
    started = time.perf_counter()
    readable, problems = read_sources(config)
    contents = [(source.display, data, source.format) for source, data in readable]
    matcher = TopicMatcher(config.topics)
    if cache is not None:
        matcher.remember_matches(_matches_from_plain(cache.topic_matches))
    parse_all = functools.partial(parse_dumps, matcher=matcher)  # topics matched as it goes
    dumps = _parsed_through(cache, contents, parse_all) if cache is not None else parse_all(contents)
    parsed = [(source, dump) for (source, _), dump in zip(readable, dumps)]
    timings["parse"] = time.perf_counter() - started
    progress(f"parsed {len(parsed)} dumps in {timings['parse']:.2f} s")

    started = time.perf_counter()
    digest = build_digest(config, parsed, matcher)
    if cache is not None:
        cache.topic_matches = _matches_as_plain(matcher.known_matches())
    digest = dataclasses.replace(digest, diagnostics=problems + digest.diagnostics,
                                 source_count=len(config.sources))
    timings["model"] = time.perf_counter() - started
    progress(f"modelled {len(digest.papers)} papers in {timings['model']:.2f} s")
    return digest


def _parsed_through(cache: BuildCache, contents: list[tuple[str, bytes, str | None]],
                     parse_all) -> list[Dump]:
    """The dumps, those the cache has seen taken from it (it keeps them plain)."""
    plain = cache.parsed_dumps(contents, lambda some: [dump_as_plain(dump) for dump in parse_all(some)])
    return [dump_from_plain(dump) for dump in plain]


def _matches_as_plain(known: tuple[str, dict[bytes, tuple[TopicScore, ...]]]) -> tuple:
    """What a matcher found, as the build cache keeps it: scores as plain tuples."""
    rules, matches = known
    return rules, {text: tuple(map(tuple, scores)) for text, scores in matches.items()}


def _matches_from_plain(plain: tuple | None) -> tuple[str, dict[bytes, tuple[TopicScore, ...]]] | None:
    if plain is None:
        return None
    rules, matches = plain
    return rules, {text: tuple(TopicScore._make(score) for score in scores) for text, scores in matches.items()}


def with_similar_papers(digest: Digest, previous: Similarity | None = None) -> tuple[Digest, Similarity]:
    """The model with each paper's nearest papers (`Digest.similar`), and the answer they
    came from, which the next build starts from (`previous`: after an edit to templates,
    metadata or styles it is the answer)."""
    similarity = similar_papers({p.slug: (p.title, p.abstract) for p in digest.papers}, previous)
    return dataclasses.replace(digest, similar=similarity.nearest), similarity


def add_similar_papers(digest: Digest, progress: Progress = lambda message: None,
                       timings: dict[str, float] | None = None,
                       cache: BuildCache | None = None) -> Digest:
    """`with_similar_papers`, timed, from and into the cache's last answer."""
    started = time.perf_counter()
    digest, similarity = with_similar_papers(
        digest, Similarity.from_plain(cache.similar) if cache is not None else None)
    if cache is not None:
        cache.similar = similarity.as_plain()
    if timings is not None:
        timings["similar"] = time.perf_counter() - started
    progress(f"found similar papers in {time.perf_counter() - started:.2f} s")
    return digest


def load_digest(config: SiteConfig, progress: Progress = lambda message: None,
                timings: dict[str, float] | None = None) -> Digest:
    """The whole content model, similar papers included (what `check` and tests want)."""
    return add_similar_papers(read_digest(config, progress, timings), progress, timings)


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


def build(config: SiteConfig, *, strict: bool = False, progress: Progress = lambda message: None,
          cache: BuildCache | None = None, **options) -> BuildReport:
    """Build the site.  With a cache, a rebuild renders only the files whose inputs
    changed and updates the previous output in place, once everything rendered (in a
    `private_output`, serve's, without checking first that nobody changed it).
    `options` are those of `BuildOptions`: `whole_index`,
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
    digest = link_history(digest, config, options.history, read_output=earlier_build)
    run = Run(config, options, progress, cache, BuildReport(digest, timings=timings))
    refuse_unreadable_sources(digest)
    if options.strict and digest.diagnostics:
        count = len(digest.diagnostics)
        raise BuildError(f"{count} warning{'s' if count != 1 else ''} and --strict: "
                         "nothing was written", digest.diagnostics)
    render_started = time.perf_counter()
    previous_tokens = Tokenised.from_plain(cache.search_tokens) if cache is not None else None
    search = SearchJob(digest, topic_names(digest), previous_tokens, whole_index=options.whole_index)
    previous, trusted = _previous_output(run)
    pages = functools.partial(_lay_out, run, digest, trusted)
    if previous is None:
        record = write_afresh(run, pages, search)
    else:
        record = update_in_place(run, pages, search, previous)
    if cache is not None:
        cache.output = record
        cache.search_tokens = search.tokenised.as_plain() if search.tokenised is not None else None
    timings["render"] = time.perf_counter() - render_started
    if "search index" in timings:
        progress(f"built the search index in {timings['search index']:.2f} s, beside the pages")
    progress(f"rendered {run.report.rendered} files, wrote {run.report.files}, "
             f"in {timings['render']:.2f} s")
    run.report.output = config.output
    run.report.seconds = time.perf_counter() - started
    return run.report


def _previous_output(run: Run) -> tuple[OutputRecord | None, bool]:
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


def _lay_out(run: Run, digest: Digest, keyed_up_front: bool, indexing: InBackground) -> list[OutputFile]:
    """Similar papers, then every file of the site laid out, able to render itself."""
    digest = run.report.digest = add_similar_papers(digest, run.progress, run.report.timings, run.cache)
    started = time.perf_counter()
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
    if keyed_up_front:  # keys tell what to render; else they are worked out as it renders
        for file in files:  # (None for a page no key can describe: keyed by its content)
            file.key, file.key_of = file.key_of() if file.key_of else None, None
    run.report.pages = sum(1 for file in files if file.is_page)
    run.report.timings["pages"] = time.perf_counter() - started
    run.progress(f"laid out {len(files)} files in {run.report.timings['pages']:.2f} s")
    return files


