"""A small HTTP server on 127.0.0.1 for feed tests: routes set by the test, requests recorded."""

from __future__ import annotations

import gzip
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes
    content_type: str = "application/rss+xml"
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    gzip: bool = False


@dataclass
class FeedServer:
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    base: str = ""

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> list[dict[str, str]]:
        return [headers for p, headers in self.requests if p == path]


def start(server: FeedServer) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            server.requests.append((self.path, headers))
            route = server.routes.get(self.path)
            if route is None:
                self._reply(404, "text/plain", b"not here")
                return
            if route.etag and headers.get("if-none-match") == route.etag:
                self.send_response(304)
                self.end_headers()
                return
            if route.last_modified and headers.get("if-modified-since") == route.last_modified:
                self.send_response(304)
                self.end_headers()
                return
            extra = {}
            body = route.body
            if route.etag:
                extra["ETag"] = route.etag
            if route.last_modified:
                extra["Last-Modified"] = route.last_modified
            if route.gzip and "gzip" in headers.get("accept-encoding", ""):
                body = gzip.compress(body)
                extra["Content-Encoding"] = "gzip"
            self._reply(route.status, route.content_type, body, extra)

        def _reply(self, status: int, ctype: str, body: bytes, extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


NO_SERVER = "http://127.0.0.1:9"  # the discard port: nothing listens, so a page fetch fails at once, locally


def rss(items: list[tuple[str, str, str]], *, title: str = "Harbour Gazette", extra: str = "") -> bytes:
    """An RSS 2.0 feed of (guid, title, description) items, linking pages that cannot be fetched."""
    entries = "".join(
        f"<item><guid>{guid}</guid><title>{t}</title><link>{NO_SERVER}/{guid}</link>"
        f"<pubDate>Mon, 01 Jun 2026 10:00:00 GMT</pubDate><description>{d}</description>{extra}</item>"
        for guid, t, d in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>{NO_SERVER}/</link>{entries}</channel></rss>"
    ).encode()
