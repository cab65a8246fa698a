"""Command-line conventions shared with MkDocs and Hugo: -V, -q/-v on every command that
prints, labelled messages that name their file once, colour only where it is wanted."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from helpers import ABSTRACT

NO_ABSTRACT = f"Spiking cells\n{ABSTRACT}\nA title alone\n"  # one warning: the last title has no abstract


def sitegen(*args: str, cwd, env_extra: dict | None = None, terminal: bool = False):
    """`sitegen ARGS` in its own process; on a pseudo-terminal (as a user's shell) if asked."""
    env = {**os.environ, **(env_extra or {})}
    if "NO_COLOR" not in (env_extra or {}):
        env.pop("NO_COLOR", None)
    command = [str(Path(sys.executable).parent / "sitegen"), *args]  # the installed program
    if terminal:
        command = ["script", "-qec", " ".join(command), "/dev/null"]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_dash_capital_v_prints_the_version(site):
    from sitegen import __version__
    for flag in ("-V", "--version"):
        result = site.run(flag)
        assert result.exit_code == 0 and result.output == f"sitegen, version {__version__}\n"


def test_warnings_carry_a_label_and_the_strict_error_counts_in_words(site):
    site.write("dumps/a.txt", NO_ABSTRACT)
    for command in ("build", "check"):
        result = site.run(command, "--strict")
        assert result.exit_code == 1
        lines = result.output.splitlines()
        assert "dumps/a.txt:3: warning: title has no abstract: A title alone" in lines, result.output
        assert lines[-1].startswith("Error: 1 warning and --strict"), result.output


def test_config_errors_name_the_file_once(site):
    site.write("site.yaml", "title: T\nsources: [dumps/*.txt]\nsorces: x\n")
    site.write("dumps/a.txt", NO_ABSTRACT)
    result = site.run("build")
    assert result.exit_code == 2
    *problems, last = result.output.splitlines()
    assert last == "Error: site.yaml: 2 problems in the configuration"
    assert sorted(problems) == [
        "site.yaml:1: error: missing required key 'base_url'",
        "site.yaml:3: error: unknown key 'sorces' (did you mean 'sources'?); known keys: allow_outside, "
        "base_url, catch_all, custom_domain, description, feed_size, language, max_topics, output, "
        "per_page, redirects, sources, title, topics"]


def test_quiet_prints_only_warnings_and_errors_and_verbose_every_stage(site):
    site.write("dumps/a.txt", NO_ABSTRACT)
    quiet = site.run("build", "-q")
    assert quiet.output == "dumps/a.txt:3: warning: title has no abstract: A title alone\n"
    verbose = site.run("build", "-v", "--no-cache")
    assert verbose.output.count("\n  ") >= 3 and "Built _site/" in verbose.output
    assert site.run("init", "-q", "new-digest").output == ""
    assert "wrote " in site.run("init", "other-digest").output


def test_colour_on_a_terminal_unless_no_color_or_the_flag(site):
    site.write("dumps/a.txt", NO_ABSTRACT)
    red, yellow = "\x1b[31m", "\x1b[33m"
    coloured = sitegen("build", "--strict", cwd=site.root, terminal=True)
    assert yellow in coloured.stdout and red in coloured.stdout  # warning:, Error:
    assert "\x1b[" not in sitegen("build", "--strict", cwd=site.root).stderr  # not a terminal
    for plain in (sitegen("build", "--strict", cwd=site.root, terminal=True, env_extra={"NO_COLOR": "1"}),
                  sitegen("--no-color", "build", "--strict", cwd=site.root, terminal=True)):
        assert "\x1b[" not in plain.stdout and "warning: title has no abstract" in plain.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_and_fetch(site, *args: str) -> tuple[str, bytes]:
    """Run `sitegen serve ARGS` until its front page answers; its output and that page."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "sitegen", "serve", "--port", str(port), *args],
                               cwd=site.root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request("GET", "/")
                page = connection.getresponse().read()
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, "serve did not start"
                time.sleep(0.1)
        # Ctrl-C once serve is watching (it says so, unless -q; quiet, it is given a while)
        while "-q" not in args and not any(line.startswith("Serving ") for line in lines):
            assert time.monotonic() < deadline, "".join(lines)
            time.sleep(0.05)
        time.sleep(1.0 if "-q" in args else 0)
    finally:
        process.send_signal(2)
        process.wait(timeout=20)
    time.sleep(0.1)  # the reader's last lines
    return "".join(lines), page


@pytest.mark.slow
def test_serve_quiet_verbose_and_without_live_reload(site):
    site.write("dumps/a.txt", NO_ABSTRACT)
    output, page = serve_and_fetch(site, "-q", "--no-livereload")
    assert output == "dumps/a.txt:3: warning: title has no abstract: A title alone\n"
    assert b"Test Digest" in page and b"livereload" not in page and b"__sitegen__" not in page
    output, page = serve_and_fetch(site, "-v")
    assert "Serving http://127.0.0.1:" in output and output.count("\n  ") >= 3 and "Stopped." in output
    assert b"__sitegen__/livereload.js" in page


def test_shell_completion_works_as_the_readme_says(site):
    from conftest import REPO
    readme = (REPO / "README.md").read_text()
    assert 'eval "$(_SITEGEN_COMPLETE=bash_source sitegen)"' in readme
    script = sitegen(cwd=site.root, env_extra={"_SITEGEN_COMPLETE": "bash_source"})
    assert script.returncode == 0 and "complete -o nosort -F" in script.stdout
    completed = sitegen(cwd=site.root, env_extra={"_SITEGEN_COMPLETE": "bash_complete",
                                                  "COMP_WORDS": "sitegen bu", "COMP_CWORD": "1"})
    assert completed.stdout.split() == ["plain,build"]
