"""Layered fixtures: the repository's own digest built once per session, and a
factory for small throw-away sites written to a temporary folder."""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.cli import main

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


class Site:
    """A site folder on disk: site.yaml plus dumps, built with the real CLI."""

    def __init__(self, root: Path):
        self.root = root

    @property
    def config(self) -> Path:
        return self.root / "site.yaml"

    @property
    def output(self) -> Path:
        return self.root / "_site"

    def write(self, relative: str, content: str | bytes) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
        return path

    def run(self, *args: str):
        """Run `sitegen ARGS` in the site folder; a traceback is always a test failure."""
        cwd = os.getcwd()
        os.chdir(self.root)
        try:
            result = CliRunner().invoke(main, list(args), catch_exceptions=True)
        finally:
            os.chdir(cwd)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result

    def build(self, *args: str):
        result = self.run("build", *args)
        assert result.exit_code == 0, result.output
        return result

    def page(self, relative: str) -> str:
        return (self.output / relative).read_text(encoding="utf-8")


MINIMAL_CONFIG = """
title: Test Digest
description: A digest for tests.
base_url: https://example.org/
sources:
  - path: dumps/*.txt
topics:
  - slug: spiking
    name: Spiking networks
    match: [spiking, spike*]
"""


@pytest.fixture(autouse=True, scope="session")
def private_build_cache(tmp_path_factory):
    """Builds keep their cache in a folder of the test session's, never in ~/.cache."""
    previous = os.environ.get("SITEGEN_CACHE_DIR")
    os.environ["SITEGEN_CACHE_DIR"] = str(tmp_path_factory.mktemp("build-cache"))
    yield
    if previous is None:
        os.environ.pop("SITEGEN_CACHE_DIR", None)
    else:
        os.environ["SITEGEN_CACHE_DIR"] = previous


@pytest.fixture
def site(tmp_path: Path) -> Site:
    """An empty site folder with a minimal site.yaml; tests add dumps."""
    site = Site(tmp_path / "site")
    site.root.mkdir()
    site.write("site.yaml", MINIMAL_CONFIG)
    return site


def copy_of_seeds(root: Path) -> Site:
    """The shipped digest (site.yaml + seeds/) copied to `root`, not built."""
    root.mkdir()
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    shutil.copytree(SEEDS, root / "seeds")
    return Site(root)


@pytest.fixture
def seed_copy(tmp_path: Path) -> Site:
    """The shipped digest in a folder of the test's own, not built: tests change it."""
    return copy_of_seeds(tmp_path / "site")


def _built_seed_copy(tmp_path_factory, name: str, *build_args: str) -> Site:
    """The shipped digest copied to a temporary folder and built."""
    site = copy_of_seeds(tmp_path_factory.mktemp(name) / "site")
    site.build("--quiet", *build_args)
    return site


@pytest.fixture(scope="session")
def seed_site(tmp_path_factory) -> Site:
    """The shipped digest, built once per session."""
    return _built_seed_copy(tmp_path_factory, "seed")


@pytest.fixture(scope="session")
def subpath_site(tmp_path_factory) -> Site:
    """The shipped digest built for a GitHub project page under /digest/."""
    return _built_seed_copy(tmp_path_factory, "subpath", "--base-url", "https://user.github.io/digest/")


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright.  Missing in CI is a failure."""
    if not CHROMIUM.exists():
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh page that records console errors, page errors and every request URL."""
    context = browser.new_context()
    page = context.new_page()
    page.errors = []
    page.requests = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda msg: msg.type == "error" and page.errors.append(msg.text))
    page.on("request", lambda request: page.requests.append(request.url))
    yield page
    context.close()


@pytest.fixture(scope="session")
def static_server(tmp_path_factory, subpath_site):
    """A plain static file server on a free localhost port with the seed digest at /digest/."""
    import functools
    import http.server
    import threading
    served = tmp_path_factory.mktemp("served")
    (served / "digest").symlink_to(subpath_site.output, target_is_directory=True)
    handler = functools.partial(QuietHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


AXE_VERSION = "4.14.1"


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's browser script, installed from the npm registry into a cache folder kept
    between sessions (like the lunr.js check, through npm itself)."""
    import subprocess
    if shutil.which("npm") is None:
        message = "axe-core comes from npm, which is not installed (apt-get install npm)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = cache / "sitegen-tests" / f"axe-core-{AXE_VERSION}"
    script = folder / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(folder), "--no-save", "--no-audit", "--no-fund",
                        "--silent", f"axe-core@{AXE_VERSION}"], check=True, capture_output=True, timeout=300)
    return script.read_text(encoding="utf-8")


import http.server as _http_server  # noqa: E402


class QuietHandler(_http_server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
