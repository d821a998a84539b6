"""URL fetching against a local HTTP server on 127.0.0.1 (allowed only by the test policy)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.ingest.fetch import FetchError, FetchPolicy, check_address, fetch

PAGE = b"<html><head><title>Local page</title></head><body><p>Hello there.</p></body></html>"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path
        if path == "/page":
            self._send(200, "text/html; charset=utf-8", PAGE)
        elif path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/page")
            self.end_headers()
        elif path == "/loop":
            self.send_response(301)
            self.send_header("Location", "/loop")
            self.end_headers()
        elif path == "/missing":
            self._send(404, "text/html", b"nope")
        elif path == "/image":
            self._send(200, "image/png", b"\x89PNG")
        elif path == "/huge":
            self._send(200, "text/html", b"x" * 50_000)
        elif path == "/slow":
            time.sleep(1.5)
            self._send(200, "text/html", PAGE)
        elif path == "/redirect-private":
            self.send_response(302)
            self.send_header("Location", "http://10.0.0.1/secret")
            self.end_headers()

    def _send(self, status: int, ctype: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


LOCAL = FetchPolicy(allow_private=True, timeout=1.0, max_bytes=10_000, max_redirects=3)


def test_fetches_a_page(server):
    page = fetch(f"{server}/page", LOCAL)
    assert page.body == PAGE and page.content_type == "text/html" and page.charset == "utf-8"


def test_follows_redirects(server):
    assert fetch(f"{server}/redirect", LOCAL).url == f"{server}/page"


def test_default_policy_refuses_loopback(server):
    with pytest.raises(FetchError, match="private or local"):
        fetch(f"{server}/page")


def test_redirect_to_a_private_address_is_refused(server, monkeypatch):
    real_check = check_address

    def check_allowing_the_test_server(address: str, *, allow_private: bool) -> None:
        if address != "127.0.0.1":  # stands in for a public server
            real_check(address, allow_private=allow_private)

    monkeypatch.setattr("bot.ingest.fetch.check_address", check_allowing_the_test_server)
    assert fetch(f"{server}/page").body == PAGE  # the first hop is fine under the default policy
    with pytest.raises(FetchError, match="private or local"):
        fetch(f"{server}/redirect-private")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/missing", "HTTP 404"),
        ("/image", "image/png"),
        ("/huge", "limit"),
        ("/loop", "too many redirects"),
        ("/slow", "timed out"),
    ],
)
def test_bad_pages_give_clear_errors(server, path, message):
    with pytest.raises(FetchError, match=message):
        fetch(f"{server}{path}", LOCAL)


@pytest.mark.parametrize("url", ["ftp://example.org/x", "file:///etc/passwd", "http:///nohost", "not a url"])
def test_bad_urls(url):
    with pytest.raises(FetchError):
        fetch(url, LOCAL)


def test_unreachable_port(server):
    with pytest.raises(FetchError, match="cannot fetch"):
        fetch("http://127.0.0.1:1/page", LOCAL)


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.1.2.3", "192.168.0.1", "172.16.0.1", "169.254.169.254", "::1", "fe80::1",
                "::ffff:127.0.0.1", "0.0.0.0", "224.0.0.1"],
)
def test_private_addresses_are_refused(address):
    with pytest.raises(FetchError):
        check_address(address, allow_private=False)
    check_address(address, allow_private=True)


def test_public_address_is_allowed():
    check_address("93.184.216.34", allow_private=False)
