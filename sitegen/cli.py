"""The `sitegen` command line.

Exit codes: 0 success, 1 build failed (or warnings under --strict), 2 usage or
configuration error.  User mistakes are printed as messages, never tracebacks.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import sys
import time
from pathlib import Path

import click

from . import __version__
from . import cache as build_cache
from .build import build as run_build
from .build import check as run_check
from .build import collector_paused, refuse_unreadable_sources
from .children import EndOnSignals
from .config import load_config, source_date_epoch
from .errors import SitegenError

LONG_BUILD_SECONDS = 2.0

# What a command made, left to the end of the process (`run`) to free all at once: freed
# object by object, a 10,000-paper build's model and cache take a quarter of a second.
# None when the commands run in someone else's process (tests), which must free them.
_left_for_exit: list | None = None


def config_options(function):
    function = click.option("--base-url", metavar="URL",
                            help="Override base_url from the config, e.g. https://user.github.io/repo/.")(function)
    function = click.option("-c", "--config", "config_path", default="site.yaml", show_default=True,
                            type=click.Path(dir_okay=False, path_type=Path),
                            help="The site's configuration file.")(function)
    return function


def output_options(function):
    function = click.option("-v", "--verbose", is_flag=True, help="Print each stage and its timing.")(function)
    function = click.option("-q", "--quiet", is_flag=True, help="Print only warnings and errors.")(function)
    function = click.option("--strict", is_flag=True, help="Treat warnings as errors (exit code 1).")(function)
    return function


class Reporter:
    """Progress on stderr: every stage with -v, otherwise only once a build runs long."""

    def __init__(self, quiet: bool, verbose: bool):
        self.quiet, self.verbose = quiet, verbose
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        if self.verbose or (not self.quiet and time.perf_counter() - self.started > LONG_BUILD_SECONDS):
            click.echo(f"  {message}", err=True)

    def warnings(self, diagnostics) -> None:
        for diagnostic in diagnostics:
            click.echo(f"{diagnostic}", err=True)

    def done(self, text: str) -> None:
        if not self.quiet:
            click.echo(text)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sitegen")
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
def build(config_path: Path, base_url: str | None, output: Path | None, no_cache: bool,
          strict: bool, quiet: bool, verbose: bool) -> None:
    """Build the site from the dumps named in site.yaml.

    Nothing in the output changes until every page has rendered, so a failed
    build leaves the previous site intact.  A rebuild renders only the pages
    whose inputs changed (the cache lives in ~/.cache/sitegen, or
    $SITEGEN_CACHE_DIR); the first build, or one with --no-cache, renders
    every page and writes those that differ from what the output holds.
    """
    reporter = Reporter(quiet, verbose)
    config = load_config(config_path, base_url, output)
    with _file_system_errors_reported():
        report = _cached_build(config, strict, reporter, use_cache=not no_cache)
    _leave_for_exit(report)
    reporter.warnings(report.warnings)
    if verbose:
        for source in report.digest.sources:
            reporter.done(_source_line(source))
    reporter.done(f"Built {_relative(report.output)}: {report.summary()}")


def _cached_build(config, strict: bool, reporter: Reporter, use_cache: bool = True):
    """Build with the cache kept between runs; it is saved only after a successful build."""
    if _left_for_exit is not None:  # the process ends with the command: turned on again, the
        gc.disable()  # collector would first walk all the build made (0.13 s at 10,000 papers)
    if not use_cache:
        return run_build(config, strict=strict, progress=reporter)
    path = build_cache.cache_path(config.path, config.output)
    with collector_paused():
        cache = build_cache.load(path)
        report = run_build(config, strict=strict, progress=reporter, cache=cache)
        # The program ends with the command: the site is complete; a process of its own saves this
        build_cache.save(cache, path, in_background=_left_for_exit is not None)
    _leave_for_exit(cache)
    return report


@contextlib.contextmanager
def _file_system_errors_reported():
    """A file system that refuses a write (full, read-only, permissions) ends the build
    with a message naming the file, not a traceback; the previous site is left as it was."""
    try:
        yield
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        raise SitegenError(f"{where}{error.strerror or error}; the build stopped and the previous "
                           "site is left as it was") from None


def _leave_for_exit(made: object) -> None:
    if _left_for_exit is not None:
        _left_for_exit.append(made)


def run() -> None:
    """The `sitegen` program: the commands, then, once one has succeeded, an exit that
    does not free what it made (the operating system takes the memory back at once)."""
    global _left_for_exit
    _left_for_exit = []
    signals = EndOnSignals()
    signals.install()
    try:
        main()
    except SystemExit as end:
        if signals.exit_code is not None:
            raise SystemExit(signals.exit_code) from None
        if end.code not in (0, None):
            raise
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe: Python's own exit reports it
        return
    for child in multiprocessing.active_children():  # a listing child still reading ahead
        child.terminate()
        child.join()
    os._exit(0)


@main.command()
@config_options
@click.option("--against", "previous", metavar="PAPERS_JSON",
              help="The papers.json of the deployed site (a file or an http(s) URL): fail if "
                   "any of its paper URLs would break.")
@output_options
def check(config_path: Path, base_url: str | None, previous: str | None, strict: bool, quiet: bool,
          verbose: bool) -> None:
    """Parse and validate the config and every dump; write nothing."""
    reporter = Reporter(quiet, verbose)
    config = load_config(config_path, base_url)
    report = run_check(config, progress=reporter)
    reporter.warnings([d for d in report.warnings if d.level != "error"])
    for source in report.digest.sources:
        reporter.done(_source_line(source))
        if verbose:
            for line, what in source.skipped:
                reporter.done(f"    skipped {source.path}:{line}: {what}")
    refuse_unreadable_sources(report.digest)
    reporter.done(f"Checked: {report.summary()}")
    if previous is not None:
        from .links import broken_links, load_previous_papers, redirect_hint, terminal_safe
        broken = broken_links(load_previous_papers(previous), report.digest, config)
        for url, title in broken:
            click.echo(f"{terminal_safe(previous)}: {terminal_safe(url)} ({terminal_safe(title, 120)}) "
                       f"would break{redirect_hint(url)}", err=True)
        if broken:
            raise SitegenError(f"{len(broken)} paper URL{'s' if len(broken) != 1 else ''} of the "
                               "previous build would break")
        reporter.done(f"No paper URL of {terminal_safe(previous)} breaks.")
    if strict and report.warnings:
        raise SitegenError(f"{len(report.warnings)} warnings and --strict")


def _source_line(source) -> str:
    """`seeds/a.txt: text, 41 papers (41 with dates, 41 with upvotes, 0 with ids), 0 lines
    skipped; captured 2025-12-09 (site.yaml `captured:`)`."""
    captured = f"captured {source.capture_date} ({source.capture_from})" if source.capture_date \
        else "capture date unknown"
    return (f"{source.path}: {source.shape}, {source.papers} paper{'s' if source.papers != 1 else ''} "
            f"({source.with_dates} with dates, {source.with_upvotes} with upvotes, "
            f"{source.with_ids} with ids), {len(source.skipped)} skipped; {captured}")


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd())) + "/"
    except ValueError:
        return str(path) + "/"


@main.command()
@config_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0 picks a free one).")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a web browser.")
@click.option("--poll", is_flag=True, help="Poll for changes (network and container mounts).")
def serve(config_path: Path, base_url: str | None, host: str, port: int, open_browser: bool,
          poll: bool) -> None:
    """Preview the site with live reload, at the same path as on base_url.

    Edits to the dumps, site.yaml, templates and static files rebuild the site
    (rendering only the pages whose inputs changed) and reload open pages; a
    failed rebuild keeps the last good site and shows the error over them.
    """
    from .serve import serve as run_serve
    run_serve(config_path, host, port, open_browser, poll, base_url)


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite existing files.")
def init(folder: Path, force: bool) -> None:
    """Start a new digest in FOLDER: site.yaml, a sample dump, .gitignore and a
    GitHub Pages workflow. Then: cd FOLDER && sitegen build."""
    from .init import init_site
    for path in init_site(folder, force):
        click.echo(f"wrote {path}")
    click.echo(f"Next: cd {folder} && sitegen build   (or sitegen serve to preview)")


@main.command()
@config_options
@click.option("--remote", default="origin", show_default=True, help="Git remote to push to.")
@click.option("--branch", default="gh-pages", show_default=True, help="Branch that holds the site.")
@click.option("--no-push", is_flag=True, help="Only commit to the branch; do not push.")
@output_options
def deploy(config_path: Path, base_url: str | None, remote: str, branch: str, no_push: bool,
           strict: bool, quiet: bool, verbose: bool) -> None:
    """Build, then commit the site to the gh-pages branch and push it (like mkdocs gh-deploy).

    Each deploy is one commit on top of the branch, naming the source commit;
    your working tree and current branch are left alone.
    """
    from .deploy import deploy as run_deploy
    from .deploy import repository_root
    reporter = Reporter(quiet, verbose)
    config = load_config(config_path, base_url)
    repo = repository_root(config.root)
    with _file_system_errors_reported():
        report = _cached_build(config, strict, reporter)
    _leave_for_exit(report)
    reporter.warnings(report.warnings)
    commit = run_deploy(config.output, repo, remote, branch, push=not no_push)
    where = f"committed to {branch}" if no_push else f"pushed to {remote}/{branch}"
    reporter.done(f"Deployed {report.pages} pages: {where} ({commit[:10]})")
