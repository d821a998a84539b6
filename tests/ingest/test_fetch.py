"""URL fetching against a local HTTP server on 127.0.0.1 (allowed only by the test policy)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.ingest.fetch import FetchedPage, FetchError, FetchPolicy, check_address, fetch

PAGE = b"<html><head><title>Local page</title></head><body><p>Hello there.</p></body></html>"
DRIP_BYTES = 100  # a slow page drips this many bytes, one every DRIP_PAUSE s (2 s in all): bounded
DRIP_PAUSE = 0.02
dripped: dict[str, int] = {}  # path -> bytes the slow server managed to send before the client left
drip_done: dict[str, threading.Event] = {}


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
        elif path == "/drip-headers":
            self.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nX-Slow: ")
            self._drip(path, b"a")
        elif path == "/drip-body":
            self.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n")
            self._drip(path, b"b")
        elif path == "/bad-charset":
            self._send(200, "text/html; charset=no-such-charset", PAGE)
        elif path == "/rot13-charset":
            self._send(200, "text/html; charset=rot13", PAGE)
        elif path == "/bad-location":
            self.send_response(302)
            self.send_header("Location", "http://[::1")
            self.end_headers()
        elif path == "/bad-length":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "\u00b2")  # "²": str.isdigit() says yes, int() says no
            self.end_headers()
            self.wfile.write(PAGE)
        elif path == "/caf%C3%A9":
            self._send(200, "text/html", PAGE)
        elif path == "/to-cafe":
            self.send_response(302)
            self.send_header("Location", "/caf\u00e9")
            self.end_headers()

    def _drip(self, path: str, byte: bytes) -> None:
        sent = 0
        try:
            for _ in range(DRIP_BYTES):
                self.wfile.write(byte)
                self.wfile.flush()
                sent += 1
                time.sleep(DRIP_PAUSE)
        except OSError:
            pass  # the client gave up
        finally:
            dripped[path] = sent
            drip_done.setdefault(path, threading.Event()).set()

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


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/x", "file:///etc/passwd", "http:///nohost", "not a url", "http://[::1", "http://[::1]:99999/",
        "http://[fe80::1%25eth0]/", "http://127.0.0.1:1/pa\nge", "http://[::1]x/",
    ],
)
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


# --- the timeout is one deadline over the whole fetch (issue 15, item 1) ---


def test_headers_dripped_one_byte_at_a_time_time_out(server):
    # each byte arrives well within the timeout, so a per-read timeout never fires
    with pytest.raises(FetchError, match=r"timed out after 0\.4 s"):
        fetch(f"{server}/drip-headers", FetchPolicy(allow_private=True, timeout=0.4))


def test_a_dripped_body_is_abandoned_at_the_deadline(server):
    drip_done["/drip-body"] = threading.Event()
    with pytest.raises(FetchError, match="timed out"):
        fetch(f"{server}/drip-body", FetchPolicy(allow_private=True, timeout=0.4))
    assert drip_done["/drip-body"].wait(5)
    assert dripped["/drip-body"] < DRIP_BYTES  # the client hung up before the page ended


def test_a_slow_resolver_counts_against_the_deadline(server):
    release, answered = threading.Event(), threading.Event()
    port = server.rsplit(":", 1)[1]

    def slow_resolver(host: str, port: int) -> list[str]:
        release.wait(3)  # bounded, so a fetch that waits for it finishes too
        answered.set()
        return ["127.0.0.1"]

    try:
        with pytest.raises(FetchError, match="timed out"):
            fetch(f"http://slow.test:{port}/page", FetchPolicy(allow_private=True, timeout=0.3), resolver=slow_resolver)
        assert not answered.is_set()  # the fetch gave up without waiting for the name server
    finally:
        release.set()


# --- remote input that used to escape as another exception (issue 15, item 7) ---


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/bad-charset", "charset 'no-such-charset'"),
        ("/rot13-charset", "charset 'rot13'"),
        ("/bad-location", "malformed URL"),
    ],
)
def test_bad_remote_input_is_a_one_line_refusal(server, path, message):
    with pytest.raises(FetchError, match=message) as caught:
        fetch(f"{server}{path}", LOCAL)
    assert "\n" not in str(caught.value)


def test_a_content_length_that_is_not_a_number_is_ignored(server):
    assert fetch(f"{server}/bad-length", LOCAL).body == PAGE


def test_non_ascii_paths_and_locations_are_percent_encoded(server):
    assert fetch(f"{server}/caf\u00e9", LOCAL).body == PAGE
    assert fetch(f"{server}/to-cafe", LOCAL).url == f"{server}/caf\u00e9"


@pytest.mark.parametrize("host", ["\u00e9..example", "a" * 64 + ".example", "bad host", "exa\u2028mple.org"])
def test_invalid_host_names_are_refused_before_resolving(host):
    asked: list[str] = []

    def resolver(name: str, port: int) -> list[str]:
        asked.append(name)
        return ["127.0.0.1"]

    with pytest.raises(FetchError, match=r"host name|not a valid URL"):
        fetch(f"http://{host}:1/page", LOCAL, resolver=resolver)
    assert asked == []


@pytest.mark.parametrize("charset", ["no-such-charset", "rot13", "zlib", "base64", "idna", "undefined"])
def test_page_text_refuses_unreadable_charsets(charset):
    page = FetchedPage(url="http://x/", content_type="text/html", charset=charset, body=b"<p>x</p>")
    with pytest.raises(FetchError, match="charset"):
        page.text()
