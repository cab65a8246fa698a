"""`sitegen serve`: build, serve at the path of base_url, rebuild on change, reload pages.

The watcher thread only records that something changed; the main loop waits
for a short quiet period (an editor's write-temp-and-rename is one burst), then
rebuilds with a build cache kept in memory.  As soon as a rebuild has laid out
the new model's files, before rendering any, they are published: open pages
reload, and every page is rendered from the new model when asked for, so none
is stale or half-built.  Requests that arrive while the model is made wait for
it.  The build meanwhile goes on as `build` would (every file whose inputs
changed is rendered, into a private folder), which finds any template error on
any page, and builds the search index; requests for the index's files, and for
the whole index search/lunr.json and papers.json (made from the build when asked
for), wait for it.  A change saved while it renders gives it up for the next
build (a template edit at 10,000 papers renders every paper page behind the
published ones).  A failed rebuild, or a page that fails to render, brings
back the last good site, prints the error and shows it over open pages; the
next good build reloads them.  The reload script is added to HTML responses
only, never written to disk.
"""

from __future__ import annotations

import errno
import functools
import html
import http.server
import ipaddress
import json
import mimetypes
import os
import re
import signal
import sys
import threading
import time
import webbrowser
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import click

from .config import SiteConfig, load_config
from .errors import SitegenError, Superseded
from .preview_builds import (ON_REQUEST, Built, LaidOut, PreviewBuilds, discard, in_search_folder, input_folders,
                             private_folder)

QUIET_SECONDS = 0.1
HEARTBEAT_SECONDS = 10.0
MAX_EVENT_STREAMS = 64
SPECIAL = "__sitegen__/"
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".json": "application/json",
         ".xml": "application/xml; charset=utf-8", ".svg": "image/svg+xml",
         ".txt": "text/plain; charset=utf-8", "": "application/octet-stream"}


@dataclass
class SiteState:
    """What the server shows: the last good build and, if the latest failed, why."""

    version: int = 0
    error: str | None = None
    building: bool = False  # a build runs (its search index and checks may not be done)
    laying_out: bool = False  # its model and files are not ready yet


@dataclass
class Published:
    """A build's files from the moment they are laid out: each page renders when first
    asked for.  Static files are read from their sources."""

    version: int
    site: LaidOut
    rendered: dict[str, bytes] = field(default_factory=dict)
    built: Built | None = None  # once its build went all the way

    def find(self, relative: str) -> str | None:
        """The output path for a path below the mount ('' or a folder: its index.html);
        None if the site has no such file.  Paths are looked up as they are, so nothing
        outside the site's own files can be named."""
        name = relative + "index.html" if relative == "" or relative.endswith("/") else relative
        return name if name in self.site else None


class Preview:
    def __init__(self, config_path: Path, base_url: str | None, poll: bool, echo=click.echo,
                 livereload: bool = True, progress=None):
        self.config_path = Path(config_path)
        self.base_url = base_url
        self.poll = poll
        self.echo = echo
        self.livereload = livereload  # the reload script in HTML responses
        self.progress = progress  # each stage of a build, as `build -v` prints them
        self.output = private_folder() / "site"
        self.state = SiteState()
        self.condition = threading.Condition()
        self.changed_at: float | None = None
        self.woken = threading.Event()  # set with each change, for the main loop
        self.mount = "/"
        self.config: SiteConfig | None = None
        self.built_site: Path | None = None  # where `sitegen build` writes: not watched
        self.streams = 0
        self.observer = None  # the file watcher, while `serve` runs
        self.builds = PreviewBuilds()
        self.failure: SitegenError | None = None  # why the latest failed build failed
        self._published: Published | None = None  # what pages are rendered from
        self._good: Published | None = None  # the last build that went all the way
        self._laid_out_after: float | None = None

    # --- building -------------------------------------------------------------------
    def rebuild(self) -> None:
        with self.condition:
            self.state.building = self.state.laying_out = True
        started = time.perf_counter()
        serving = self._good is not None  # else nothing is served until this build is done
        error, given_up = None, False
        try:
            config = load_config(self.config_path, self.base_url)
            self.built_site = config.output.resolve()
            config = replace(config, output=self.output)
            built = self.builds.build(config, functools.partial(self._publish, started),
                                      superseded=lambda: self.changed_at is not None, progress=self.progress)
            self.config = config
            self.mount = unquote(config.base_path)  # as request paths are compared: decoded
            for diagnostic in built.warnings:
                self.echo(str(diagnostic), err=True)
        except Superseded:  # changed again while rendering: the next build takes over
            given_up = True
        except Exception as failure:  # (a bug must not take the preview down with it)
            self.failure = failure if isinstance(failure, SitegenError) else \
                SitegenError(f"{type(failure).__name__}: {failure}")
            error = self.failure.format_message()
        with self.condition:
            self.state.building = self.state.laying_out = False
            if error is not None:
                self._fall_back(error)
            elif not given_up:  # (given up, its pages stay published: the next build completes them)
                self._published.built = built  # (before it is `_good`, which requests read unlocked)
                self._good = self._published
            self.condition.notify_all()
        if error:
            if self._good is not None:  # (else the error ends `serve`, and says so)
                self.echo(f"Build failed; still serving the last good site:\n{error}", err=True)
        elif given_up:
            self.echo(f"Changed again: rebuilding (pages were served after {self._laid_out_after:.2f} s)")
        else:
            ready = f", pages served after {self._laid_out_after:.2f} s" if serving else ""
            self.echo(f"Rebuilt in {time.perf_counter() - started:.2f} s{ready}: {built.summary}")

    def _publish(self, started: float, site: LaidOut) -> None:
        """The build's files are laid out: serve them from now on (open pages reload)."""
        with self.condition:
            self.state.version += 1
            self._published = Published(self.state.version, site)
            self.state.error = None
            self.state.laying_out = False
            self.condition.notify_all()
        self._laid_out_after = time.perf_counter() - started

    def _fall_back(self, error: str) -> None:
        """The latest build failed: serve the last good one again (a later version, so
        that pages of the failed one are told), with the error.  Holds the condition."""
        self.state.error = error
        if self._published is not self._good and self._good is not None:
            self.state.version += 1
            self._published = self._good = replace(self._good, version=self.state.version)

    def changed(self) -> None:
        self.changed_at = time.monotonic()
        self.woken.set()

    def watched_folders(self) -> list[Path]:
        """site.yaml's folder, the sources' and the template and static folders there are."""
        return sorted({self.config_path.resolve().parent,
                       *(source.path.parent for source in self.config.sources),
                       *(path.resolve() for path in input_folders(self.config) if path.is_dir())})

    def is_input(self, path: Path) -> bool:
        """Whether a change at `path` (absolute) can change the site: site.yaml, a file in
        a template or static folder, or in the sources' folders; never an editor's swap or
        backup file, nor anything else in the project (a virtualenv, node_modules, a log)."""
        if path == self.config_path.resolve():
            return True
        if _is_scratch_file(path.name):
            return False
        if any(folder.resolve() == path or folder.resolve() in path.parents
               for folder in input_folders(self.config)):
            return True
        sources = [source.path.parent for source in self.config.sources]  # (resolved, and never none)
        common = Path(os.path.commonpath(sources))  # below it, a new dated folder of dumps
        below = common != self.config.root.resolve() and common in path.parents
        if path.parent in sources or below:  # a dump of the kinds named, or a new folder
            return path.suffix in {source.path.suffix for source in self.config.sources} or not path.suffix
        return False

    def made_on_request(self, relative: str) -> bytes:
        """One of `ON_REQUEST` (search/lunr.json, papers.json) of the site served, made
        from its build when first asked for, not by every rebuild."""
        self.wait_for_build()
        return self._good.built.made_on_request(relative)

    # --- serving --------------------------------------------------------------------
    def moved_to(self, relative: str) -> str | None:
        """The URL (below the mount) of the paper whose old URL `relative` is, if it moved."""
        self.wait_for_pages()
        return self._published.site.moved.get(relative if relative.endswith("/") else relative + "/")

    def gone_note(self, relative: str) -> str | None:
        """What a 404 says of a URL this preview served whose paper is in no dump now."""
        title = self._published.site.gone.get(relative if relative.endswith("/") else relative + "/")
        if title is None:
            return None
        return (f'<p role="status" id="sitegen-gone">sitegen: this preview served “{html.escape(title)}” '
                f"here; that paper is in no dump now.</p>")

    def file(self, relative: str) -> tuple[str, bytes, int] | None:
        """(output path, content, build version) of a file of the published site, or
        None.  A page renders the first time it is asked for; one that fails brings
        back the last good site (`_fall_back`), from which it is served."""
        self.wait_for_pages()
        published = self._published
        name = published.find(relative)
        if name is None:
            return None
        if name not in published.site.pages:
            content = published.site.read_static(name)
            return (name, content, published.version) if content is not None else None
        if name not in published.rendered:
            try:
                published.rendered[name] = published.site.render(name)
            except SitegenError as failure:
                with self.condition:  # (the build, rendering it too, fails and tells)
                    if self._published is published:
                        self._fall_back(failure.format_message())
                        self.condition.notify_all()
                    fallback = self._published
                if fallback is published:
                    raise
                return self.file(relative)
        return name, published.rendered[name], published.version

    def is_folder(self, relative: str) -> bool:
        """A folder of the published site (its index.html): asked for without its slash."""
        return self._published.find(relative + "/") is not None

    def wait_for_pages(self) -> tuple[int, str | None]:
        """(version, error) of the site once the running build's pages are laid out."""
        return self._wait(lambda: not self.state.laying_out)

    def wait_for_build(self) -> tuple[int, str | None]:
        """Until the served pages' build is done (a build given up is done by the next)."""
        return self._wait(lambda: not self.state.building and self._published is self._good)

    def wait_for_change(self, seen: tuple[int, str | None], timeout: float) -> tuple[int, str | None]:
        state = self.state
        return self._wait(lambda: not state.laying_out and (state.version, state.error) != seen, timeout)

    def _wait(self, ready, timeout: float | None = None) -> tuple[int, str | None]:
        with self.condition:
            self.condition.wait_for(ready, timeout)
            return self.state.version, self.state.error

    def resolve(self, relative: str) -> Path | None:
        """The file of the private output at `relative` (below the mount), if there is one
        inside it: no `..`, nor a symlink pointing outside."""
        if any(part in ("..", ".") for part in relative.split("/")) or "\\" in relative or "\0" in relative:
            return None
        root = self.output.resolve()
        target = (root / relative).resolve()
        return target if root in target.parents and target.is_file() else None


LIVE_RELOAD_SCRIPT = r"""(function () {
  "use strict";
  var script = document.currentScript;
  var source = new EventSource(%(events)s + "?v=" + script.getAttribute("data-version"));
  var overlay = null;
  source.addEventListener("reload", function () { location.reload(); });
  source.addEventListener("failed", function (event) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "sitegen-error-overlay";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2rem;" +
        "background:rgba(20,20,24,.94);color:#ffd7d7;font:14px/1.5 ui-monospace,monospace;white-space:pre-wrap";
      document.body.appendChild(overlay);
    }
    overlay.textContent = "sitegen: the last build failed; this page is from the last good build.\n\n" +
      JSON.parse(event.data);
  });
  window.addEventListener("pagehide", function () { source.close(); });
})();
"""


class Handler(http.server.BaseHTTPRequestHandler):
    """The preview's answers: the published site's files (each page rendered when first
    asked for), the reload script and its event stream, redirects and 404s."""

    preview: Preview  # given by `_listen`
    protocol_version = "HTTP/1.1"
    server_version = "sitegen"
    timeout = 120  # a client that sends nothing for this long is let go (its thread ends)

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        if not self.addressed_to_us():
            return self.send(400, TYPES[".txt"], b"unknown host: this preview answers only at its "
                                                 b"own address\n")
        path = unquote(urlsplit(self.path).path)
        mount = self.preview.mount
        if not path.startswith(mount):
            if path in ("/", "") or path + "/" == mount:
                return self.redirect(mount)
            return self.not_found()
        if path == mount + SPECIAL + "events":
            return self.events()
        if path == mount + SPECIAL + "livereload.js":
            script = LIVE_RELOAD_SCRIPT % {"events": json.dumps(_url_path(mount + SPECIAL + "events"))}
            return self.send(200, TYPES[".js"], script.encode())
        self.site_file(path, path[len(mount):])

    do_HEAD = do_GET  # (`send` leaves the body out)

    def site_file(self, path: str, relative: str) -> None:
        """A file of the site at `relative` (below the mount), or what stands for it."""
        if relative in ON_REQUEST:
            return self.send(200, TYPES[".json"], self.preview.made_on_request(relative))
        if in_search_folder(relative) and relative != "search/":  # (search/ is the search page)
            return self.from_output(relative)  # the search job's files: ready once the build is
        moved = self.preview.moved_to(relative) if relative.startswith("papers/") else None
        if moved is not None:  # what the redirect page would do, at once
            return self.redirect(self.preview.mount + moved)
        try:
            found = self.preview.file(relative)
        except SitegenError as failure:
            return self.send(500, TYPES[".txt"], failure.format_message().encode())
        if found is None:
            if self.preview.is_folder(relative):
                return self.redirect(path + "/")
            return self.not_found(self.preview.gone_note(relative))
        name, body, version = found
        self.send(200, _content_type(name), self.with_reload(body, name, version))

    def addressed_to_us(self) -> bool:
        """The Host header (and the host of an absolute-form request line) names this
        server: a page of another site that a DNS rebinding points here is refused."""
        hosts = self.headers.get_all("Host") or []
        target = urlsplit(self.path)
        if target.scheme or target.netloc or not self.path.startswith("/"):
            if target.scheme != "http" or not target.netloc:
                return False
            hosts = [target.netloc]
        if not hosts:
            return self.request_version == "HTTP/1.0"
        return len(hosts) == 1 and host_is_ours(hosts[0], self.server)

    def from_output(self, relative: str) -> None:
        version, _ = self.preview.wait_for_build()
        target = self.preview.resolve(relative)
        if target is None:
            return self.not_found()
        self.send(200, _content_type(target.name), self.with_reload(target.read_bytes(), target.name, version))

    def with_reload(self, body: bytes, name: str, version: int) -> bytes:
        """`version`: the page's build; a later one reloads it at once."""
        if not name.endswith(".html") or not self.preview.livereload:
            return body
        source = html.escape(_url_path(f"{self.preview.mount}{SPECIAL}livereload.js"), quote=True)
        return _inserted(body, f'<script src="{source}" data-version="{version}"></script>', b"</body>")

    def not_found(self, note: str | None = None) -> None:
        try:
            found = self.preview.file("404.html")
        except SitegenError:
            found = None
        body = found[1] if found else b"<!DOCTYPE html><title>Not found</title>Not found"
        if note is not None:
            body = _inserted(body, note, b"</main>")
        version = found[2] if found else self.preview.state.version
        self.send(404, TYPES[".html"], self.with_reload(body, "404.html", version))

    def redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", _url_path(location))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def events(self) -> None:
        """Server-sent events: `reload` for each good build after the page's own (`v`, else
        the one served now), `failed` with the error of each failed one; a heartbeat between."""
        page_version = parse_qs(urlsplit(self.path).query, keep_blank_values=True).get("v", [None])[-1]
        if page_version is not None and not re.fullmatch(r"[0-9]{1,15}", page_version):
            return self.send(400, TYPES[".txt"], b"v must be a build number\n")
        with self.preview.condition:
            if self.preview.streams >= MAX_EVENT_STREAMS:
                return self.send(503, TYPES[".txt"], b"too many open pages\n")
            self.preview.streams += 1
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if self.command == "HEAD":  # (its headers only, as `send` answers HEAD)
                return
            self.close_connection = True
            seen = (int(page_version) if page_version is not None else self.preview.wait_for_pages()[0], None)
            while True:
                now = self.preview.wait_for_change(seen, HEARTBEAT_SECONDS)
                version, error = now
                if now == seen:
                    self.wfile.write(b": still here\n\n")  # a gone page fails this write
                elif error:
                    self.wfile.write(f"event: failed\ndata: {json.dumps(error)}\n\n".encode())
                elif version != seen[0]:
                    self.wfile.write(f"event: reload\ndata: {version}\n\n".encode())
                self.wfile.flush()
                seen = now
        except OSError:  # the page went away
            pass
        finally:
            with self.preview.condition:
                self.preview.streams -= 1


LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def host_is_ours(value: str, server: _Server) -> bool:
    """A Host header naming the server: its port, and the address given with --host (or
    the address it listens on, or, listening on loopback, `localhost`); listening on
    every address, any IP address (a name could be another site's, rebound)."""
    parts = urlsplit(f"//{value}")
    try:
        name, port = (parts.hostname or "").rstrip("."), parts.port or 80
    except ValueError:
        return False
    if port != server.server_port or parts.username is not None or parts.password is not None \
            or parts.path or parts.query or parts.fragment:
        return False
    address = server.address()
    names = {server.given_host.lower(), str(address)} | (LOOPBACK_NAMES if address.is_loopback else set())
    if name in names:
        return True
    if not address.is_unspecified:
        return False
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _inserted(body: bytes, piece: str, before: bytes) -> bytes:
    """`piece` put in front of the last `before` in `body`, or at its end."""
    position = body.rfind(before)
    position = position if position >= 0 else len(body)
    return body[:position] + piece.encode() + body[position:]


def _url_path(path: str) -> str:
    """A decoded URL path encoded again, to be written into a header, a page or a script."""
    return quote(path, safe="/:@!$&'()*+,;=-._~")


def _content_type(name: str) -> str:
    return TYPES.get(Path(name).suffix) or mimetypes.guess_type(name)[0] or TYPES[""]


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True  # a preview stopped and started again gets its port back at once
    given_host: str  # as --host said it

    def address(self) -> ipaddress.IPv4Address:
        """The address listened on (the socket's own, always a number)."""
        return ipaddress.ip_address(self.server_address[0])

    def handle_error(self, request, client_address) -> None:
        """A client that went away mid-answer is no error (Python makes an EPIPE or
        ECONNRESET a ConnectionError); anything else is one line."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        sys.stderr.write(f"serve: a request from {client_address[0]} failed: "
                         f"{type(error).__name__}: {error}\n")


def serve(preview: Preview, host: str, port: int, open_browser: bool = False) -> None:
    """Build, then serve `preview` at host:port and rebuild on every change until Ctrl-C
    or SIGTERM or SIGHUP (at any moment, the first build included); its temporary site goes then,
    as when the first build fails."""
    stopping = _stop_on_signals()
    server = None
    try:
        preview.rebuild()
        if preview.config is None:  # no good build yet: its error is final (a config error exits with 2)
            raise preview.failure
        server = _listen(preview, host, port)
        url = f"http://{host}:{server.server_port}{_url_path(preview.mount)}"
        if not server.address().is_loopback:
            preview.echo(f"Note: listening on {host}, not only on this computer: others on the network "
                         "can see the preview", err=True)
        preview.observer = _watch(preview)
        preview.echo(f"Serving {url} (Ctrl-C to stop); watching "
                     f"{', '.join(map(str, preview.watched_folders()))}")
        if open_browser:
            webbrowser.open(url)
        _rebuild_on_changes(preview, stopping)
    except KeyboardInterrupt:
        pass
    finally:
        if preview.observer is not None:
            preview.observer.stop()
        if server is not None:
            server.shutdown()
            server.server_close()
        discard(preview.output.parent)
    preview.echo("Stopped.")


def _stop_on_signals() -> threading.Event:
    """Ctrl-C, SIGTERM and SIGHUP (its terminal closed) stop the server, its temporary
    site deleted, even when started from a script that ignores SIGINT (as `cmd &` does),
    where Python would otherwise never raise KeyboardInterrupt; under `nohup` (SIGHUP
    ignored) a closed terminal leaves it running.
    The handler raises it at once, mid-build too; should a finalizer (`__del__`) be
    running just then, Python swallows what it raises, and the event (set) stops the loop."""
    stopping = threading.Event()

    def stop(signum, frame):
        stopping.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
        signal.signal(signal.SIGHUP, stop)
    return stopping


def _listen(preview: Preview, host: str, port: int) -> _Server:
    """A server of `preview` at host:port, already answering on a thread of its own (so
    that `shutdown`, which waits for that thread's loop, cannot wait for ever)."""
    try:
        server = _Server((host, port), type("PreviewHandler", (Handler,), {"preview": preview}))
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise SitegenError(f"port {port} on {host} is in use; stop the other server or "
                               f"choose another with --port {port + 1}") from None
        raise SitegenError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    server.given_host = host
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _rebuild_on_changes(preview: Preview, stopping: threading.Event) -> None:
    """The main loop: once a change is followed by a quiet moment, rebuild (and watch any
    folder the new configuration names)."""
    while not stopping.is_set():
        changed_at = preview.changed_at
        if changed_at is None:  # wait for a change
            preview.woken.wait(0.5)
            preview.woken.clear()
        elif (quiet := time.monotonic() - changed_at) < QUIET_SECONDS:
            time.sleep(QUIET_SECONDS - quiet)  # then look again: more may have changed
        else:
            preview.changed_at = None
            preview.rebuild()
            preview.observer = _rewatch(preview, preview.observer)


def _watch(preview: Preview):
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer
    from watchdog.observers.polling import PollingObserver

    # serve's own folder, and the one `sitegen build` writes with its staging twins
    ignored = [preview.output.parent.resolve(), preview.built_site]

    def is_ignored(path: Path) -> bool:
        if any(path == folder or folder in path.parents for folder in ignored):
            return True
        return any(part == ".git" or part.startswith(f".{preview.built_site.name}.") for part in path.parts)

    def flag(event) -> None:
        """Any change but opening or reading a file (its paths are absolute, as the folders watched)."""
        paths = [Path(path) for path in (event.src_path, event.dest_path) if path]  # (dest_path: a move's)
        if event.event_type not in ("opened", "closed_no_write") and \
                any(not is_ignored(path) and preview.is_input(path) for path in paths):
            preview.changed()

    observer = PollingObserver(timeout=0.5) if preview.poll else Observer()
    handler = FileSystemEventHandler()
    handler.on_any_event = flag
    for folder, recursive in watch_plan(preview.watched_folders(), ignored):
        observer.schedule(handler, str(folder), recursive=recursive)
    observer.daemon = True
    observer.start()
    observer.watched = preview.watched_folders()
    return observer


def _is_scratch_file(name: str) -> bool:
    """An editor's swap, backup or test file (vim, emacs, most others)."""
    return name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swo", ".swx", ".tmp")) \
        or name == "4913"


def watch_plan(folders: list[Path], ignored: list[Path]) -> list[tuple[Path, bool]]:
    """(folder, recursively?) to watch so that every folder given is covered but no
    ignored one: a folder that holds the built site (`_site/` beside `site.yaml`) is
    watched on its own, and its other subfolders recursively.  (Watching a built site
    means a watch on each of its thousands of folders: the kernel's event queue
    overflows, and some watchdog versions then re-add watches without end.)"""
    plan: dict[Path, bool] = {}

    def cover(folder: Path) -> None:
        if not folder.is_dir() or folder in ignored or folder.name == ".git":
            return
        if not any(folder in path.parents for path in ignored):
            plan[folder] = True
            return
        plan.setdefault(folder, False)
        for child in sorted(folder.iterdir()):
            if child.is_dir() and not child.name.startswith("."):  # staging twins, .git
                cover(child)

    for folder in folders:
        cover(folder)
    covered = [folder for folder, recursive in plan.items() if recursive]
    return [(folder, recursive) for folder, recursive in plan.items()
            if not any(other in folder.parents for other in covered)]


def _rewatch(preview: Preview, observer):
    """A new source folder or template folder may appear in site.yaml or beside it: watch
    it too.  The new watch starts before the old one stops, and a folder newly watched
    counts as changed, since an edit in it may have come after the build read it."""
    folders = preview.watched_folders()
    if observer.watched == folders:
        return observer
    renewed = _watch(preview)
    observer.stop()
    if not set(folders) <= set(observer.watched):
        preview.changed()
    return renewed
