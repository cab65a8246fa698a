"""The `sitegen` command line.

Exit codes: 0 success, 1 build failed (or warnings under --strict), 2 usage or
configuration error.  User mistakes are printed as messages, never tracebacks.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import functools
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import click

from . import __version__
from . import cache as build_cache
from .build import build as run_build
from .build import check as run_check
from .build import collector_paused, refuse_unreadable_sources
from .parallel import EndOnSignals
from .config import SiteConfig, load_config, source_date_epoch
from .errors import SitegenError, painted
from .output import shown
from .report import counted

LONG_BUILD_SECONDS = 2.0


@dataclass(frozen=True)
class SiteOptions:
    """-c and --base-url: which site, published where."""

    config_path: Path
    base_url: str | None

    def load(self, output: Path | None = None) -> SiteConfig:
        return load_config(self.config_path, self.base_url, output)


@dataclass(frozen=True)
class Verbosity:
    """-q and -v."""

    quiet: bool
    verbose: bool


@dataclass(frozen=True)
class PreviewOptions:
    """`serve`'s own options."""

    host: str
    port: int
    open_browser: bool
    poll: bool
    no_livereload: bool


@dataclass(frozen=True)
class DeployOptions:
    """`deploy`'s own options."""

    remote: str
    branch: str
    no_push: bool
    force: bool
    allow_broken: bool


def options_into(parameter: str, kind: type):
    """A decorator: the command's options named like `kind`'s fields handed to it as one
    `kind` value, its argument `parameter` (put it below the options it collects)."""
    names = [field.name for field in dataclasses.fields(kind)]

    def decorate(function):
        @functools.wraps(function)
        def command(**values):
            collected = kind(**{name: values.pop(name) for name in names})
            return function(**values, **{parameter: collected})
        return command
    return decorate


def config_options(function):
    """-c and --base-url, handed to the command as `site` (`SiteOptions`)."""
    function = options_into("site", SiteOptions)(function)
    function = click.option("--base-url", metavar="URL",
                            help="Override base_url from the config, e.g. https://user.github.io/repo/.")(function)
    function = click.option("-c", "--config", "config_path", default="site.yaml", show_default=True,
                            type=click.Path(dir_okay=False, path_type=Path),
                            help="The site's configuration file.")(function)
    return function


def verbosity_options(function):
    """-q and -v, handed to the command as `verbosity` (`Verbosity`)."""
    function = options_into("verbosity", Verbosity)(function)
    function = click.option("-v", "--verbose", is_flag=True, help="Print each stage and its timing.")(function)
    function = click.option("-q", "--quiet", is_flag=True, help="Print only warnings and errors.")(function)
    return function


def output_options(function):
    function = verbosity_options(function)
    function = click.option("--strict", is_flag=True, help="Treat warnings as errors (exit code 1).")(function)
    return function


class Reporter:
    """What a command prints: progress on stderr (every stage with -v, otherwise only once
    a build runs long), warnings with their label coloured on a terminal, and the result
    on stdout unless -q."""

    def __init__(self, verbosity: Verbosity):
        self.quiet, self.verbose = verbosity.quiet, verbosity.verbose
        self.started = time.perf_counter()
        context = click.get_current_context(silent=True)
        self.color = context.color if context is not None else None  # kept for serve's threads

    def __call__(self, message: str) -> None:
        if self.verbose or (not self.quiet and time.perf_counter() - self.started > LONG_BUILD_SECONDS):
            click.echo(f"  {message}", err=True, color=self.color)

    def warnings(self, diagnostics) -> None:
        for diagnostic in diagnostics:
            self.echo(str(diagnostic), err=True)

    def echo(self, message: str = "", err: bool = False) -> None:
        """A line for stderr (warnings, errors: always) or stdout (unless -q)."""
        if err or not self.quiet:
            click.echo(painted(message), err=err, color=self.color)


def _no_color(context: click.Context, parameter: click.Parameter, value: bool) -> None:
    """--no-color, or NO_COLOR set to anything (https://no-color.org): no colour, even on a
    terminal.  Otherwise click colours only what goes to a terminal."""
    if value or os.environ.get("NO_COLOR"):
        context.color = False


class _Commands(click.Group):
    """The commands; an error one of them raises is shown with the group's colour choice."""

    def invoke(self, context: click.Context):
        try:
            return super().invoke(context)
        except SitegenError as error:
            error.color = context.color
            raise


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="sitegen")
@click.option("--no-color", is_flag=True, is_eager=True, expose_value=False, callback=_no_color,
              help="No colour in messages (also when NO_COLOR is set).")
def main() -> None:
    """Build a browsable digest of Hugging Face Daily Papers from saved listing pages.

    \b
    Quick start, in a folder with site.yaml and dumps:
      sitegen check     parse and validate, write nothing
      sitegen build     write the site to _site/
      sitegen serve     preview at http://127.0.0.1:8000/ with live reload
    """
    source_date_epoch()  # checked first: a bad value would fail deep inside a library


@main.command()
@config_options
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: `output` in the config, else _site).")
@click.option("--no-cache", is_flag=True,
              help="Render every page afresh, without reading or updating the build cache.")
@output_options
def build(site: SiteOptions, output: Path | None, no_cache: bool, strict: bool,
          verbosity: Verbosity) -> None:
    """Build the site from the dumps named in site.yaml.

    Nothing in the output changes until every page has rendered, so a failed
    build leaves the previous site intact.  A rebuild renders only the pages
    whose inputs changed (the cache lives in ~/.cache/sitegen, or
    $SITEGEN_CACHE_DIR, and one unused for 30 days is removed); the first
    build, or one with --no-cache, renders
    every page and writes those that differ from what the output holds.
    """
    reporter = Reporter(verbosity)
    config = site.load(output)
    report = _cached_build(config, strict, reporter, use_cache=not no_cache)
    reporter.warnings(report.warnings)
    if verbosity.verbose:
        for source in report.digest.sources:
            reporter.echo(_source_line(source))
    reporter.echo(f"Built {shown(report.output)}/: {report.summary()}")


def _cached_build(config, strict: bool, reporter: Reporter, use_cache: bool = True, history=None):
    """Build with the cache kept between runs; it is saved only after a successful build.
    `history`: what was published besides the previous output (`sitegen deploy`'s branch).
    A file system that refuses a write (full, read-only, permissions) ends the build with
    a message naming the file, not a traceback; the previous site is left as it was."""
    try:
        if not use_cache:
            return run_build(config, strict=strict, progress=reporter, history=history)
        path = build_cache.cache_path(config.path, config.output)
        with collector_paused():
            cache = build_cache.load(path)
            report = run_build(config, strict=strict, progress=reporter, cache=cache, history=history)
            build_cache.save(cache, path)
        return report
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        raise SitegenError(f"{where}{error.strerror or error}; the build stopped and the previous "
                           "site is left as it was") from None


def run() -> None:
    """The `sitegen` program.  SIGTERM and SIGHUP end it as Ctrl-C does: helpers ended, half-built
    folders deleted, exit code 128 + the signal.  Whatever ends it once a signal came ends
    it so, without a traceback: the KeyboardInterrupt raised wherever the program was may
    come out as another exception (CPython turns one raised inside an import into a
    TypeError), but every `with` and `finally` on the way out ran all the same."""
    signals = EndOnSignals()
    signals.install()
    try:
        main()
    except BaseException:
        if signals.exit_code is None:
            raise
        _exit(signals.exit_code)


def _exit(code: int) -> None:
    """Exit as `sys.exit(code)` would (exit functions run, output flushed), but with
    `code` for sure: Python ends with SIGINT instead, whatever it was asked to exit with,
    a process where a KeyboardInterrupt once left code that `exec` ran (as namedtuple
    and dataclasses make functions), caught or not."""
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


@main.command()
@config_options
@click.option("--against", "previous", metavar="PAPERS_JSON",
              help="The papers.json of the deployed site (a file or an http(s) URL): fail if "
                   "any of its paper URLs would break.")
@click.option("--topics", "explain_topics", is_flag=True,
              help="Print why each paper is on each topic page (the rule mentions and scores), "
                   "the papers each topic almost got, and the topics that share papers.")
@output_options
def check(site: SiteOptions, previous: str | None, explain_topics: bool, strict: bool,
          verbosity: Verbosity) -> None:
    """Parse and validate the config and every dump; write nothing."""
    reporter = Reporter(verbosity)
    config = site.load()
    report = run_check(config, progress=reporter)
    reporter.warnings([d for d in report.warnings if d.level != "error"])
    for source in report.digest.sources:
        reporter.echo(_source_line(source))
        if verbosity.verbose:
            for line, what in source.skipped:
                reporter.echo(f"    skipped {source.path}:{line}: {what}")
    refuse_unreadable_sources(report.digest)
    if explain_topics:
        from .content.topic_report import topic_report
        from .content.topics import TopicMatcher
        click.echo(topic_report(report.digest, config, TopicMatcher(config.topics)), nl=False)
    reporter.echo(f"Checked: {report.summary()}")
    if previous is not None:
        _check_against(previous, report.digest, config, reporter)
    if strict and report.warnings:
        raise SitegenError(f"{counted(len(report.warnings), 'warning')} and --strict")


def _check_against(previous: str, digest, config, reporter: Reporter) -> None:
    """Which paper URLs of the build that published `previous` (its papers.json) the
    next build would break, and which it redirects of its own accord."""
    from .links import load_previous_history, plan_for, terminal_safe
    history = load_previous_history(previous)
    plan = plan_for(digest, config, history)
    manual = {f"papers/{old}/" for old, _, _ in config.redirects}
    for gone in plan.gone:
        title = f" ({terminal_safe(gone.title, 120)})" if gone.title else ""
        click.echo(f"{terminal_safe(previous)}: {terminal_safe(gone.url)}{title} would break; add "
                   f"`{terminal_safe(gone.url.split('/')[1])}: <new slug>` under redirects in site.yaml",
                   err=True)
    for old, new in sorted(plan.redirects.items()):
        if old in history.urls and old not in manual:
            reporter.echo(f"{old} moved to {new}: the build redirects it")
    if plan.gone:
        raise SitegenError(f"{counted(len(plan.gone), 'paper URL')} of the previous build would break")
    reporter.echo(f"No paper URL of {previous} breaks.")


def _source_line(source) -> str:
    """`seeds/a.txt: text, 41 papers (41 with dates, 41 with upvotes, 0 with ids), 0 lines
    skipped; captured 2025-12-09 (site.yaml `captured:`)`."""
    captured = f"captured {source.capture_date} ({source.capture_from})" if source.capture_date \
        else "capture date unknown"
    return (f"{source.path}: {source.shape}, {counted(source.papers, 'paper')} "
            f"({source.with_dates} with dates, {source.with_upvotes} with upvotes, "
            f"{source.with_ids} with ids), {len(source.skipped)} skipped; {captured}")


@main.command()
@config_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0 picks a free one).")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a web browser.")
@click.option("--poll", is_flag=True, help="Poll for changes (network and container mounts).")
@click.option("--no-livereload", is_flag=True,
              help="Serve pages as built: rebuild on change, but do not reload open pages.")
@verbosity_options
@options_into("preview", PreviewOptions)
def serve(site: SiteOptions, preview: PreviewOptions, verbosity: Verbosity) -> None:
    """Preview the site with live reload, at the same path as on base_url.

    Edits to the dumps, site.yaml, templates and static files rebuild the site
    (rendering only the pages whose inputs changed) and reload open pages; a
    failed rebuild keeps the last good site and shows the error over them.
    """
    from .serve import Preview, serve as run_serve
    reporter = Reporter(verbosity)
    previewing = Preview(site.config_path, site.base_url, preview.poll, echo=reporter.echo,
                         livereload=not preview.no_livereload, progress=reporter if verbosity.verbose else None)
    run_serve(previewing, preview.host, preview.port, preview.open_browser)


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def init(folder: Path, force: bool, quiet: bool) -> None:
    """Start a new digest in FOLDER: site.yaml, a sample dump, .gitignore and a
    GitHub Pages workflow. Then: cd FOLDER && sitegen build."""
    from .init import init_site
    reporter = Reporter(Verbosity(quiet, verbose=False))
    for path in init_site(folder, force):
        reporter.echo(f"wrote {path}")
    reporter.echo(f"Next: cd {folder} && sitegen build   (or sitegen serve to preview)")


@main.command()
@config_options
@click.option("--remote", default="origin", show_default=True, help="Git remote to push to.")
@click.option("--branch", default="gh-pages", show_default=True, help="Branch that holds the site.")
@click.option("--no-push", is_flag=True, help="Only commit to the branch; do not push.")
@click.option("--force", is_flag=True,
              help="Deploy even if the local and remote site branches disagree: on top of both, "
                   "so that no commit of either is lost.")
@click.option("--allow-broken", is_flag=True,
              help="Deploy even if a paper URL the branch publishes would lead nowhere.")
@output_options
@options_into("deploying", DeployOptions)
def deploy(site: SiteOptions, deploying: DeployOptions, strict: bool, verbosity: Verbosity) -> None:
    """Build, then commit the site to the gh-pages branch and push it (like mkdocs gh-deploy).

    Each deploy is one commit on top of the branch, naming the source commit;
    your working tree, index and current branch are left alone.  It refuses a
    branch that is checked out or is not a site branch, and a local site branch
    that has commits the remote lacks (or the other way round) unless --force.

    Paper URLs the branch publishes keep working: a paper whose title changed
    gets a redirect from each URL it had (found by its arXiv id or abstract);
    a deploy that would break one is refused, listing them, unless --allow-broken.
    """
    from .deploy import prepare, publish, published_history, repository_root
    from .links import broken_urls
    reporter = Reporter(verbosity)
    config = site.load()
    repo = repository_root(config.root)
    target = prepare(repo, deploying.remote, deploying.branch, push=not deploying.no_push, force=deploying.force)
    published = published_history(target)
    report = _cached_build(config, strict, reporter, history=published)
    reporter.warnings(report.warnings)
    broken = broken_urls(published, report.digest)
    if broken and not deploying.allow_broken:
        listing = "\n".join(f"  {gone.url}" + (f" ({gone.title})" if gone.title else "") for gone in broken)
        raise SitegenError(f"refusing to deploy: {counted(len(broken), 'paper URL')} that {published.origin} "
                           f"publishes would lead nowhere:\n{listing}\nAdd `old-slug: new-slug` under "
                           "redirects in site.yaml for a paper that moved, or deploy anyway with "
                           "--allow-broken; nothing was pushed.")
    commit = publish(config.output, target)
    where = f"committed to {deploying.branch}" if deploying.no_push else \
        f"pushed to {deploying.remote}/{deploying.branch}"
    reporter.echo(f"Deployed {report.pages} pages: {where} ({commit[:10]})")
