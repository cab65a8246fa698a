"""The preview answers only its own address, escapes what it writes into pages, and shrugs
off bad requests and vanishing clients without a traceback.  Talks to 127.0.0.1 only."""

from __future__ import annotations

import socket
import struct
import subprocess
import sys
import time

import pytest

from helpers import ABSTRACT, full_dump
from test_serve import CONFIG, Server


@pytest.fixture
def served(site):
    site.write("site.yaml", CONFIG)
    site.write("dumps/a.txt", full_dump(("Spiking Paper One", ABSTRACT, "• 2 authors", "Jun 12 3")))
    server = Server(site.root)
    yield server
    server.stop()


def raw_request(port: int, text: str, timeout: float = 20) -> bytes:
    """Send `text` as it is; the whole answer (the server closes the connection)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(text.encode("utf-8"))
        received = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            data = sock.recv(65536)
            if not data:
                break
            received += data
            if b"\r\n\r\n" in received and not received.startswith(b"HTTP/1.1 200"):
                break
    return received


def status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def test_only_host_headers_of_its_own_address_are_answered(served):
    port, mount = served.port, served.mount
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}"):
        answer = raw_request(port, f"GET {mount} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
        assert status(answer) == 200, (host, answer[:200])
    for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1:{port + 1}", f"localhost.evil:{port}",
                 f"user@127.0.0.1:{port}", ""):
        answer = raw_request(port, f"GET {mount} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
        assert status(answer) == 400, (host, answer[:200])
        assert b"Spiking Paper One" not in answer
    twice = f"GET {mount} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHost: evil.example\r\n\r\n"
    assert status(raw_request(port, twice)) == 400
    assert status(raw_request(port, f"GET {mount} HTTP/1.1\r\nConnection: close\r\n\r\n")) == 400


def test_an_absolute_request_line_naming_another_host_is_refused(served):
    port, mount = served.port, served.mount
    other = f"GET http://evil.example{mount}index.html HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    answer = raw_request(port, other)
    assert status(answer) == 400 and b"Spiking Paper One" not in answer
    ours = f"GET http://127.0.0.1:{port}{mount} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    assert status(raw_request(port, ours)) == 200


def test_a_bad_event_stream_version_is_a_400_not_a_traceback(served):
    for query in ("v=%C2%B2", "v=²", "v=-1", "v=1e9", "v=99999999999999999999999", "v"):
        request = f"GET {served.mount}__sitegen__/events?{query} HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\n\r\n"
        assert status(raw_request(served.port, request)) == 400, query
    output = served.stop()
    assert "Traceback" not in output and "Error" not in output


def test_clients_that_go_away_mid_answer_are_not_reported(served, site):
    site.write("dumps/a.txt", full_dump(*[(f"Spiking Paper {n}", ABSTRACT * 20, "• 2 authors", "Jun 12 3")
                                          for n in range(300)]))
    served.wait_for_output("Rebuilt", timeout=120)
    for _ in range(40):
        sock = socket.create_connection(("127.0.0.1", served.port), timeout=10)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset on close
        sock.sendall(f"GET {served.mount}search/lunr.json HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\n\r\n"
                     .encode())
        sock.close()
    response, _ = served.get(served.mount)
    assert response.status == 200
    time.sleep(1)
    output = served.stop()
    assert "Traceback" not in output and "BrokenPipe" not in output and "ConnectionReset" not in output


def test_serve_stopped_and_started_again_gets_its_port_back_at_once(site):
    site.write("site.yaml", CONFIG)
    site.write("dumps/a.txt", full_dump(("Spiking Paper One", ABSTRACT, "• 2 authors", "Jun 12 3")))
    first = Server(site.root)
    port = first.port
    answer = raw_request(port, f"GET {first.mount} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                               "Connection: close\r\n\r\n")  # the server closes: its side waits
    assert status(answer) == 200
    first.stop()
    second = Server(site.root, port)
    try:
        assert second.port == port
    finally:
        second.stop()


def test_the_live_reload_tag_escapes_the_path_of_base_url(site):
    site.write("site.yaml", CONFIG.replace("https://user.github.io/repo/", "https://user.github.io/it's&more/"))
    site.write("dumps/a.txt", full_dump(("Spiking Paper One", ABSTRACT, "• 2 authors", "Jun 12 3")))
    server = Server(site.root)
    try:
        response, body = server.get("/it's&more/")
        assert response.status == 200
        assert b'<script src="/it&#x27;s&amp;more/__sitegen__/livereload.js"' in body
    finally:
        server.stop()


@pytest.mark.parametrize("base_url", ['https://e.github.io/x"></script><img src=x onerror=alert(1)>/',
                                      "https://e.github.io/a b/", "https://e.github.io/<x>/"])
def test_a_base_url_that_would_break_out_of_html_is_refused_before_serving(site, base_url):
    site.write("site.yaml", CONFIG.replace("https://user.github.io/repo/", f"'{base_url}'"))
    site.write("dumps/a.txt", full_dump(("Spiking Paper One", ABSTRACT, "• 2 authors", "Jun 12 3")))
    result = subprocess.run([sys.executable, "-m", "sitegen", "serve", "--port", "0"], cwd=site.root,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "site.yaml:2:" in result.stderr and "base_url" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_base_url_with_an_encoded_path_is_served_at_that_path(site):
    site.write("site.yaml", CONFIG.replace("https://user.github.io/repo/", "https://user.github.io/my%20repo/"))
    site.write("dumps/a.txt", full_dump(("Spiking Paper One", ABSTRACT, "• 2 authors", "Jun 12 3")))
    server = Server(site.root)
    try:
        assert server.mount == "/my%20repo/"
        response, body = server.get("/my%20repo/")
        assert response.status == 200 and b"Spiking Paper One" in body
        assert b'<script src="/my%20repo/__sitegen__/livereload.js"' in body
        response, _ = server.get("/my%20repo")
        assert response.status == 302 and response.getheader("Location") == "/my%20repo/"
    finally:
        server.stop()
