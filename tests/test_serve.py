"""`sitegen serve`: a real server process on a free localhost port, real files, real edits."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from helpers import ABSTRACT, full_dump

CONFIG = """
title: Served Digest
base_url: https://user.github.io/repo/
sources:
  - path: dumps/*.txt
    captured: 2025-12-09
topics:
  - slug: spiking
    name: Spiking networks
    match: [spiking]
"""


class Server:
    def __init__(self, root: Path, port: int = 0, env: dict[str, str] | None = None):
        self.root = root
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sitegen", "serve", "--port", str(port)], cwd=root,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
            env={**os.environ, **(env or {})})
        self.lines: list[str] = []
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        assert self.ready.wait(60), "".join(self.lines)
        match = re.search(r"Serving http://127\.0\.0\.1:(\d+)(/\S*)", "".join(self.lines))
        self.port, self.mount = int(match.group(1)), match.group(2)

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line)
            if line.startswith("Serving "):
                self.ready.set()

    def output(self) -> str:
        return "".join(self.lines)

    def get(self, path: str, method: str = "GET"):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        connection.request(method, path)
        response = connection.getresponse()
        body = response.read()
        connection.close()
        return response, body

    def wait_for_output(self, text: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            assert time.monotonic() < deadline, f"{text!r} not in:\n{self.output()}"
            time.sleep(0.05)

    def stop(self, number: int = signal.SIGINT) -> str:
        self.process.send_signal(number)
        try:
            self.process.wait(10)
        finally:
            self.process.kill()
        return self.output()


@pytest.fixture
def served(site):
    site.write("site.yaml", CONFIG)
    site.write("dumps/a.txt", full_dump(("Spiking Paper One", ABSTRACT, "• 2 authors", "Jun 12 3"),
                                        ("Spiking Paper Two", ABSTRACT, "• 3 authors", "Jun 12 1")))
    server = Server(site.root)
    yield server
    server.stop()


def events_reader(server: Server, version: int | None = None):
    """Open the event stream and collect its events on a thread."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    query = f"?v={version}" if version is not None else ""
    sock.sendall(f"GET {server.mount}__sitegen__/events{query} HTTP/1.1\r\n"
                 f"Host: 127.0.0.1:{server.port}\r\n\r\n".encode())
    received: list[str] = []

    def read():
        try:
            while True:
                data = sock.recv(4096)
                if not data:
                    return
                received.append(data.decode())
        except OSError:
            return
    threading.Thread(target=read, daemon=True).start()
    return sock, received


def wait_until(condition, timeout: float = 20, shown=lambda: ""):
    """Wait for `condition`; on time-out, the assertion shows what `shown` gives."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, shown()
        time.sleep(0.05)


def test_site_is_mounted_at_the_path_of_base_url(served):
    assert served.mount == "/repo/"
    response, _ = served.get("/")
    assert response.status == 302 and response.getheader("Location") == "/repo/"
    response, body = served.get("/repo/")
    assert response.status == 200 and response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert b"Served Digest" in body
    assert b"/repo/__sitegen__/livereload.js" in body
    response, _ = served.get("/repo/topics")
    assert response.status == 302 and response.getheader("Location") == "/repo/topics/"


def test_content_types(served):
    for path, expected in [("static/site.css", "text/css; charset=utf-8"),
                           ("static/site.js", "text/javascript; charset=utf-8"),
                           ("papers.json", "application/json"), ("feed.xml", "application/xml; charset=utf-8"),
                           ("static/favicon.svg", "image/svg+xml"), ("robots.txt", "text/plain; charset=utf-8")]:
        response, _ = served.get(f"/repo/{path}")
        assert (response.status, response.getheader("Content-Type")) == (200, expected), path


def test_head_answers_as_get_does_without_the_body(served):
    for path in ("/repo/", "/repo/static/site.css", "/repo/papers.json", "/repo/no/such/page/", "/repo/topics"):
        got, body = served.get(path)
        head, nothing = served.get(path, method="HEAD")
        assert (head.status, head.getheader("Content-Length")) == (got.status, str(len(body))), path
        assert nothing == b"", path


def test_head_of_the_event_stream_is_its_headers_alone(served):
    """(A page from an older build gets a reload event at once: never as a body of HEAD's,
    which the next request on the connection would read as its answer.)"""
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=20)
    connection.request("HEAD", "/repo/__sitegen__/events?v=0")
    head = connection.getresponse()
    assert (head.status, head.getheader("Content-Type"), head.read()) == (200, "text/event-stream", b"")
    connection.request("GET", "/repo/")
    assert connection.getresponse().status == 200
    connection.close()


def test_unknown_paths_get_the_sites_404_page(served):
    response, body = served.get("/repo/no/such/page/")
    assert response.status == 404 and b"Page not found" in body
    response, _ = served.get("/elsewhere/")
    assert response.status == 404


def test_traversal_probes_never_leave_the_output(served, site):
    (site.root / "secret.txt").write_text("do not serve")
    for probe in ["/repo/../secret.txt", "/repo/%2e%2e/secret.txt", "/repo/%2E%2E/%2e%2e/etc/passwd",
                  "/repo/static/..%2f..%2fsecret.txt", "/repo/..\\secret.txt", "/repo/%00"]:
        response, body = served.get(probe)
        assert response.status == 404, probe
        assert b"do not serve" not in body


def test_symlink_out_of_the_output_is_not_followed(served, site, tmp_path):
    from sitegen.serve import Preview
    (tmp_path / "outside.txt").write_text("outside")
    preview = Preview(site.config, None, False)
    try:
        preview.output.mkdir(parents=True)
        (preview.output / "link.txt").symlink_to(tmp_path / "outside.txt")
        (preview.output / "inside.txt").write_text("inside")
        assert preview.resolve("inside.txt") == (preview.output / "inside.txt").resolve()
        assert preview.resolve("link.txt") is None
    finally:
        shutil.rmtree(preview.output.parent, ignore_errors=True)  # its own temporary folder


def test_editing_a_dump_rebuilds_and_sends_one_reload(served, site):
    sock, received = events_reader(served)
    time.sleep(0.3)
    dump = site.root / "dumps/a.txt"
    text = dump.read_text()
    for step in range(5):  # a burst: several writes in quick succession
        dump.write_text(text.replace("Spiking Paper One", f"Spiking Paper Renamed {step}"))
        time.sleep(0.02)
    wait_until(lambda: "event: reload" in "".join(received))
    time.sleep(1.0)
    assert "".join(received).count("event: reload") == 1
    assert served.output().count("Rebuilt in") == 2  # the first build and one for the burst
    _, body = served.get("/repo/")
    assert b"Spiking Paper Renamed 4" in body and b"Spiking Paper One" not in body
    sock.close()


@pytest.mark.parametrize("relative, edited", [("search/lunr.json", b'"zeppelin"'),
                                               ("papers.json", b"Spiking Paper Zeppelin")])
def test_files_no_page_loads_are_made_when_asked_for_and_follow_edits(served, site, tmp_path,
                                                                     relative, edited):
    """Rebuilds skip search/lunr.json and papers.json; asked for, each is the one the served
    build would write."""
    def built() -> bytes:
        site.build("-o", str(tmp_path / "built"))
        return (tmp_path / "built" / relative).read_bytes()

    response, body = served.get(f"/repo/{relative}")
    assert (response.status, response.getheader("Content-Type")) == (200, "application/json")
    assert body == built()
    sock, received = events_reader(served)
    dump = site.root / "dumps/a.txt"
    dump.write_text(dump.read_text().replace("Spiking Paper One", "Spiking Paper Zeppelin"))
    wait_until(lambda: "event: reload" in "".join(received))
    _, after = served.get(f"/repo/{relative}")
    assert edited in after and after == built()
    sock.close()


def test_write_temp_and_rename_counts_as_a_change(served, site):
    sock, received = events_reader(served)
    time.sleep(0.3)
    temporary = site.root / "dumps/.a.txt.swp"
    temporary.write_text(full_dump(("Spiking Paper From An Editor", ABSTRACT, "• 2 authors", "Jun 12 3")))
    os.replace(temporary, site.root / "dumps/a.txt")
    wait_until(lambda: "event: reload" in "".join(received))
    _, body = served.get("/repo/")
    assert b"Spiking Paper From An Editor" in body
    sock.close()


def test_broken_config_keeps_the_last_good_site_and_reports_the_error(served, site):
    sock, received = events_reader(served)
    time.sleep(0.3)
    good = site.config.read_text()
    site.config.write_text(good + "sorces: []\n")
    wait_until(lambda: "event: failed" in "".join(received))
    assert "unknown key 'sorces'" in "".join(received)
    served.wait_for_output("site.yaml:")
    response, body = served.get("/repo/")
    assert response.status == 200 and b"Spiking Paper One" in body
    site.config.write_text(good)
    wait_until(lambda: "event: reload" in "".join(received))
    sock.close()


def without_reload_script(body: bytes) -> bytes:
    return re.sub(rb'<script src="[^"]*livereload\.js" data-version="\d+"></script>', b"", body)


def test_a_page_that_fails_to_render_brings_back_the_last_good_site(served, site):
    """Pages are published before the build renders them: a template error found then,
    by the build or by a page asked for, is reported like any failed build."""
    paper_url = "/repo/papers/spiking-paper-one/"
    _, good = served.get(paper_url)
    sock, received = events_reader(served)
    time.sleep(0.3)
    from sitegen.site.theme import theme_dir
    template = (theme_dir() / "templates" / "paper.html").read_text()
    site.write("templates/paper.html", template.replace("<h1>{{ paper.title }}</h1>",
                                                         "<h1>{{ paper.titel }}</h1>"))
    shown = lambda: served.output() + "".join(received)  # noqa: E731
    wait_until(lambda: "event: failed" in "".join(received), shown=shown)
    assert re.search(r"paper\.html:\d+: template error while rendering papers/.*titel", "".join(received))
    response, body = served.get(paper_url)
    assert response.status == 200 and without_reload_script(body) == without_reload_script(good)
    (site.root / "templates" / "paper.html").unlink()
    wait_until(lambda: "event: reload" in "".join(received).split("event: failed")[-1], shown=shown)
    sock.close()


@pytest.fixture
def preview(site):
    """A preview in this process, its first build done: for what HTTP cannot time."""
    from sitegen.serve import Preview

    site.write("site.yaml", CONFIG)
    site.write("dumps/a.txt", full_dump(("Spiking Paper One", ABSTRACT, "• 2 authors", "Jun 12 3")))
    preview = Preview(site.config, None, False, echo=lambda *args, **kwargs: None)
    preview.rebuild()
    yield preview
    shutil.rmtree(preview.output.parent, ignore_errors=True)


@contextlib.contextmanager
def rebuild_held_before_rendering(preview, monkeypatch):
    """A rebuild on a thread, held once its files are laid out, until the block ends."""
    import sitegen.build

    rendering, go_on = threading.Event(), threading.Event()
    render_and_write = sitegen.build.render_and_write

    def held(*args, **kwargs):
        rendering.set()
        assert go_on.wait(20)
        return render_and_write(*args, **kwargs)
    monkeypatch.setattr(sitegen.build, "render_and_write", held)
    rebuild = threading.Thread(target=preview.rebuild)
    rebuild.start()
    assert rendering.wait(20)
    try:
        yield
    finally:
        go_on.set()
        rebuild.join(20)


def test_pages_are_served_from_the_new_model_while_the_build_goes_on(preview, site, monkeypatch):
    dump = site.root / "dumps/a.txt"
    dump.write_text(dump.read_text().replace("Spiking Paper One", "Spiking Paper Renamed"))
    with rebuild_held_before_rendering(preview, monkeypatch):
        name, body, version = preview.file("")
        assert name == "index.html" and b"Spiking Paper Renamed" in body and version == 2
        assert preview.file("papers/spiking-paper-renamed/")[1].count(b"Spiking Paper Renamed") > 1
        assert preview.moved_to("papers/spiking-paper-one/") == "papers/spiking-paper-renamed/"
        assert b"This paper has moved" in preview.file("papers/spiking-paper-one/")[1]
        search_ready = threading.Event()  # the search index's files wait for the build
        threading.Thread(target=lambda: (preview.wait_for_build(), search_ready.set()), daemon=True).start()
        assert not search_ready.wait(0.5) and preview.state.building
    assert search_ready.wait(20)
    assert not preview.state.building and preview.state.error is None
    assert (preview.output / "search" / "manifest.js").is_file()


def test_a_rebuild_changed_again_while_rendering_gives_up_for_the_next(preview, site, monkeypatch):
    """Its pages stay published; the search files wait for the next build, which renders."""
    dump = site.root / "dumps/a.txt"
    dump.write_text(dump.read_text().replace("Spiking Paper One", "Spiking Paper Two"))
    with rebuild_held_before_rendering(preview, monkeypatch):
        dump.write_text(dump.read_text().replace("Spiking Paper Two", "Spiking Paper Three"))
        preview.changed()  # as the watcher does
    assert not preview.state.building and preview.state.error is None
    assert b"Spiking Paper Two" in preview.file("")[1]
    search_ready = threading.Event()
    threading.Thread(target=lambda: (preview.wait_for_build(), search_ready.set()), daemon=True).start()
    assert not search_ready.wait(0.5)  # the given-up build made no search files
    monkeypatch.undo()
    preview.changed_at = None  # as the main loop does before it rebuilds
    preview.rebuild()
    assert search_ready.wait(20) and preview.state.error is None
    assert b"Spiking Paper Three" in preview.file("")[1]
    assert (preview.output / "papers/spiking-paper-three/index.html").is_file()


def test_a_page_failing_as_it_is_asked_for_brings_back_the_last_good_site(preview, site, monkeypatch):
    from sitegen.site.theme import theme_dir

    good = preview.file("papers/spiking-paper-one/")[1]
    template = (theme_dir() / "templates" / "paper.html").read_text()
    site.write("templates/paper.html", template.replace("<h1>{{ paper.title }}</h1>",
                                                         "<h1>{{ paper.titel }}</h1>"))
    with rebuild_held_before_rendering(preview, monkeypatch):
        name, body, version = preview.file("papers/spiking-paper-one/")
        assert body == good and version == 3  # 2 was the build that failed
        assert re.search(r"paper\.html:\d+: template error", preview.state.error)
        assert preview.file("")[2] == 3
    assert "has no attribute 'titel'" in preview.state.error and preview.state.version == 3


def test_page_from_an_older_build_reloads_at_once(served):
    sock, received = events_reader(served, version=0)
    wait_until(lambda: "event: reload" in "".join(received))
    sock.close()


def test_many_open_pages_do_not_exhaust_the_server(served):
    streams = [events_reader(served)[0] for _ in range(40)]
    response, _ = served.get("/repo/")
    assert response.status == 200
    for sock in streams:
        sock.close()
    time.sleep(0.5)
    response, _ = served.get("/repo/")
    assert response.status == 200


def test_port_in_use_gives_a_clear_message(site):
    site.write("site.yaml", CONFIG)
    site.write("dumps/a.txt", full_dump(("Spiking Paper One", ABSTRACT, "• 2 authors", "Jun 12 3")))
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    port = blocker.getsockname()[1]
    result = subprocess.run([sys.executable, "-m", "sitegen", "serve", "--port", str(port)],
                            cwd=site.root, capture_output=True, text=True, timeout=60)
    blocker.close()
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_ctrl_c_stops_at_once_without_a_traceback(served):
    started = time.monotonic()
    output = served.stop()
    assert time.monotonic() - started < 5
    assert "Stopped." in output and "Traceback" not in output
    assert served.process.returncode == 0


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda n: n.name)
def test_the_preview_leaves_no_files_behind_once_stopped(site, tmp_path, number):
    """Its site is built into a temporary folder, deleted once it stops: by Ctrl-C,
    SIGTERM or its terminal closing (SIGHUP); by a process of its own, so that Ctrl-C
    does not wait for thousands of files to go."""
    site.write("site.yaml", CONFIG)
    site.write("dumps/a.txt", full_dump(("Spiking Paper One", ABSTRACT, "• 2 authors", "Jun 12 3")))
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    server = Server(site.root, env={"TMPDIR": str(temporary)})
    assert [path.name for path in temporary.iterdir()][0].startswith("sitegen-serve-")
    assert "Stopped." in server.stop(number)
    deadline = time.monotonic() + 20
    while any(temporary.iterdir()):
        assert time.monotonic() < deadline, list(temporary.rglob("*"))[:5]
        time.sleep(0.05)


def test_a_preview_deletes_what_killed_previews_left_and_nothing_else(site, tmp_path):
    """A preview killed outright (SIGKILL) cannot delete its temporary site: the next one
    does, and leaves alone a live preview's folder and folders that only look alike."""
    site.write("site.yaml", CONFIG)
    site.write("dumps/a.txt", full_dump(("Spiking Paper One", ABSTRACT, "• 2 authors", "Jun 12 3")))
    ended = subprocess.Popen(["true"])
    ended.wait()  # a process id no live process has
    temporary = tmp_path / "tmp"
    killed = temporary / f"sitegen-serve-{ended.pid}-abcd_123"
    kept = [temporary / f"sitegen-serve-{os.getpid()}-abcd_123",  # a live process's
            temporary / "sitegen-serve-notes", temporary / f"sitegen-serve-{ended.pid}-mine"]
    for folder in (killed, *kept):
        (folder / "site/papers").mkdir(parents=True)
        (folder / "site/papers/index.html").write_text("a page")
    server = Server(site.root, env={"TMPDIR": str(temporary)})
    try:
        deadline = time.monotonic() + 20
        while killed.exists() or any(path.name.startswith(killed.name) for path in temporary.iterdir()):
            assert time.monotonic() < deadline, sorted(path.name for path in temporary.iterdir())
            time.sleep(0.05)
    finally:
        assert "Stopped." in server.stop()
    assert all((folder / "site/papers/index.html").read_text() == "a page" for folder in kept)


@pytest.mark.browser
def test_open_page_follows_edits_and_shows_errors_over_the_page(served, site, page):
    page.goto(f"http://127.0.0.1:{served.port}/repo/")
    page.get_by_role("link", name="Spiking Paper One").first.click()
    page.wait_for_url("**/repo/papers/spiking-paper-one/")
    dump = site.root / "dumps/a.txt"
    # a corrected title that keeps the paper's identity (and so its URL)
    dump.write_text(dump.read_text().replace("Spiking Paper One", "Spiking PAPER One!"))
    page.wait_for_function("document.querySelector('h1').textContent === 'Spiking PAPER One!'", timeout=15000)
    good = site.config.read_text()
    site.config.write_text(good.replace("title: Served Digest", "title: [unclosed"))
    page.wait_for_selector("#sitegen-error-overlay", timeout=15000)
    assert "YAML syntax error" in page.locator("#sitegen-error-overlay").inner_text()
    site.config.write_text(good)
    page.wait_for_function("!document.getElementById('sitegen-error-overlay')", timeout=15000)
    assert page.locator("h1").inner_text() == "Spiking PAPER One!"
    assert page.errors == []


def test_a_built_site_beside_site_yaml_is_never_watched(tmp_path):
    from sitegen.serve import watch_plan
    for folder in ("dumps/2025", "_site/papers/a", "_site/papers/b", ".git/objects", "pages",
                   "._site.updating-12"):
        (tmp_path / folder).mkdir(parents=True)
    templates = tmp_path.parent / "theme-templates"
    templates.mkdir(exist_ok=True)
    plan = watch_plan([tmp_path, tmp_path / "dumps" / "2025", templates], [tmp_path / "_site"])
    # The root on its own (site.yaml), its other folders whole; a folder inside one once.
    assert sorted(plan) == sorted([(tmp_path, False), (tmp_path / "dumps", True),
                                   (tmp_path / "pages", True), (templates, True)])


def test_writes_in_the_built_site_do_not_rebuild_but_a_dump_edit_does(site):
    site.write("site.yaml", CONFIG)
    site.write("dumps/a.txt", full_dump(("Spiking Paper One", ABSTRACT, "• 2 authors", "Jun 12 3")))
    site.write("_site/papers/old/index.html", "<p>from an earlier sitegen build</p>")
    server = Server(site.root)
    try:
        site.write("_site/papers/new/index.html", "<p>a build running beside serve</p>")
        time.sleep(1.5)
        assert server.output().count("Rebuilt in") == 1
        dump = site.root / "dumps/a.txt"
        dump.write_text(dump.read_text().replace("Spiking Paper One", "Spiking Paper Edited"))
        server.wait_for_output("Rebuilt in", timeout=20)
        wait_until(lambda: server.output().count("Rebuilt in") == 2)
    finally:
        server.stop()


def test_render_workers_do_not_inherit_serves_sigterm_handler(tmp_path, monkeypatch):
    # serve turns SIGTERM into KeyboardInterrupt; a forked worker that kept that handler
    # printed a traceback whenever its pool ended it.
    import signal
    from sitegen.site.files import OutputFile
    from sitegen.render_step import render_and_write

    def handlers() -> str:
        return f"{signal.getsignal(signal.SIGTERM)!r} {signal.getsignal(signal.SIGINT)!r} {os.getpid()}"
    monkeypatch.setattr("sitegen.render_step.PARALLEL_THRESHOLD", 100)
    files = [OutputFile(f"f{n}.txt", handlers, False) for n in range(150)]
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        render_and_write(files, [tmp_path / file.path for file in files], lambda message: None)
    finally:
        signal.signal(signal.SIGTERM, previous)
    seen = {(tmp_path / file.path).read_text() for file in files}
    assert all(text.startswith("<Handlers.SIG_DFL: 0> <Handlers.SIG_IGN: 1>") for text in seen)
    assert str(os.getpid()) not in " ".join(seen)  # rendered in workers indeed


def test_ctrl_c_while_a_finalizer_runs_still_stops(site):
    """Python swallows an exception raised in `__del__`, KeyboardInterrupt included: a
    Ctrl-C whose handler ran just then used to leave serve running."""
    site.write("site.yaml", CONFIG)
    site.write("dumps/a.txt", full_dump(("Spiking Paper One", ABSTRACT, "• 2 authors", "Jun 12 3")))
    script = """
import os, signal, sys, threading
from pathlib import Path
from sitegen import serve

class Finalized:
    def __del__(self):
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(100000):  # the handler runs in here, inside the finalizer
            pass

class Woken(threading.Event):  # the main loop waits on it while idle
    def wait(self, timeout=None):
        Finalized()  # dropped at once: its finalizer runs now
        return super().wait(timeout)

make_preview = serve.Preview.__init__
def with_woken(self, *args, **kwargs):
    make_preview(self, *args, **kwargs)
    self.woken = Woken()
serve.Preview.__init__ = with_woken
serve.serve(serve.Preview(Path("site.yaml"), None, False), "127.0.0.1", 0)
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=site.root, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Exception ignored in" in result.stderr  # the interrupt was indeed swallowed
    assert "Stopped." in result.stdout


def test_ctrl_c_during_the_first_build_stops_and_leaves_no_files(site, tmp_path):
    site.write("site.yaml", CONFIG)
    site.write("dumps/a.txt", full_dump(("Spiking Paper One", ABSTRACT, "• 2 authors", "Jun 12 3")))
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    script = """
import os, signal
from pathlib import Path
from sitegen import serve

def interrupted(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the first build runs
    signal.pause()
serve.PreviewBuilds.build = interrupted
serve.serve(serve.Preview(Path("site.yaml"), None, False), "127.0.0.1", 0)
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=site.root, capture_output=True, text=True,
                            timeout=60, env={**os.environ, "TMPDIR": str(temporary)})
    assert result.returncode == 0 and "Stopped." in result.stdout, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    deadline = time.monotonic() + 20
    while any(temporary.iterdir()):
        assert time.monotonic() < deadline, list(temporary.rglob("*"))[:5]
        time.sleep(0.05)


def test_only_the_sites_inputs_count_as_changes(site):
    """Not a virtualenv, node_modules, a log or an editor's swap file in the project."""
    from sitegen.config import load_config
    from sitegen.site.theme import theme_dir
    from sitegen.serve import Preview

    site.write("site.yaml", CONFIG)
    site.write("dumps/a.txt", full_dump(("Spiking Paper One", ABSTRACT, "• 2 authors", "Jun 12 3")))
    (site.root / "templates").mkdir()
    preview = Preview(site.root / "site.yaml", None, False, echo=lambda *args, **kwargs: None)
    try:
        preview.config = load_config(site.root / "site.yaml")
        root = site.root.resolve()
        for path in [root / "site.yaml", root / "dumps" / "a.txt", root / "dumps" / "b.txt",
                     theme_dir().resolve() / "templates" / "paper.html", root / "templates" / "day.html",
                     root / "static" / "site.css"]:
            assert preview.is_input(path), path
        for path in [root / ".venv" / "lib" / "x.py", root / "node_modules" / "a" / "index.js",
                     root / "serve.log", root / "dumps" / ".a.txt.swp", root / "dumps" / "a.txt~",
                     root / "dumps" / "4913", root / "dumps" / "notes.log", root / "README.md"]:
            assert not preview.is_input(path), path
    finally:
        shutil.rmtree(preview.output.parent, ignore_errors=True)


DRAGON = "papers/the-dragon-hatchling-the-missing-link-between-the-transformer-and-0a450a40/"


@pytest.fixture
def served_seeds(tmp_path):
    """`sitegen serve` of the shipped digest (site.yaml and seeds/, copied)."""
    from conftest import REPO, SEEDS
    root = tmp_path / "digest"
    root.mkdir()
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    shutil.copytree(SEEDS, root / "seeds")
    server = Server(root)
    server.root = root
    yield server
    server.stop()


@pytest.mark.browser
def test_an_open_page_follows_its_retitled_paper_to_the_new_url(served_seeds, page):
    page.goto(f"http://127.0.0.1:{served_seeds.port}{served_seeds.mount}{DRAGON}")
    assert page.locator("h1").inner_text().startswith("The Dragon Hatchling:")
    dump = next((served_seeds.root / "seeds").glob("000_*.txt"))
    started = time.monotonic()
    dump.write_text(dump.read_text().replace("The Dragon Hatchling:", "The Dragon Hatchling (revised):"))
    page.wait_for_function("document.querySelector('h1') && "
                           "document.querySelector('h1').textContent.startsWith('The Dragon Hatchling (revised):')",
                           timeout=10000)
    elapsed = time.monotonic() - started
    assert "/papers/the-dragon-hatchling-revised-the-missing-link" in page.url
    assert elapsed < 2.0, f"the tab showed the retitled paper after {elapsed:.2f} s"
    assert page.errors == []


def test_an_old_url_redirects_and_a_removed_papers_404_says_where_it_went(site):
    site.write("site.yaml", CONFIG)
    paper_two = ("Spiking Paper Two", "Another abstract altogether, on dendrites.", "• 3 authors", "Jun 12 1")
    site.write("dumps/a.txt", full_dump(("Spiking Paper One", ABSTRACT, "• 2 authors", "Jun 12 3"), paper_two))
    server = Server(site.root)
    try:
        site.write("dumps/a.txt", full_dump(("Spiking Paper Renamed", ABSTRACT, "• 2 authors", "Jun 12 3")))
        wait_until(lambda: server.get("/repo/papers/spiking-paper-renamed/")[0].status == 200, shown=server.output)
        moved, _ = server.get("/repo/papers/spiking-paper-one/")
        assert moved.status == 302 and moved.getheader("Location") == "/repo/papers/spiking-paper-renamed/"
        gone, body = server.get("/repo/papers/spiking-paper-two/")
        assert gone.status == 404
        assert "this preview served “Spiking Paper Two” here; that paper is in no dump now" in body.decode()
        never, body = server.get("/repo/papers/never-there/")
        assert never.status == 404 and b"sitegen-gone" not in body
        server.wait_for_output("the previous build: warning: papers/spiking-paper-two/ (Spiking Paper Two) was published "
                               "but is in no dump now")
    finally:
        server.stop()
