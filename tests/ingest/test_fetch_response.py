"""``fetch_response``: request headers sent, any status returned (304 ...), gzip bodies unpacked
within the size limit, against a local server on 127.0.0.1 (allowed by the test policy only)."""

from __future__ import annotations

import gzip

import pytest

from bot.ingest.fetch import FetchError, FetchPolicy, fetch, fetch_response
from tests.feeds.server import FeedServer, Route, start

LOCAL = FetchPolicy(allow_private=True, timeout=2.0, max_bytes=10_000)


@pytest.fixture(scope="module")
def server():
    state = FeedServer()
    httpd = start(state)
    yield state
    httpd.shutdown()


def test_conditional_headers_are_sent_and_a_304_returned(server):
    server.routes["/f"] = Route(b"<rss/>", etag='"a"')
    first = fetch_response(server.url("/f"), LOCAL, accept="application/rss+xml")
    assert first.status == 200 and first.headers["etag"] == '"a"' and first.body == b"<rss/>"
    again = fetch_response(server.url("/f"), LOCAL, headers={"If-None-Match": '"a"'})
    assert again.status == 304 and again.body == b""
    assert server.hits("/f")[0]["accept"] == "application/rss+xml"


def test_gzip_is_unpacked_and_counted_as_sent(server):
    body = b"<p>" + b"harbour " * 1000 + b"</p>"
    server.routes["/z"] = Route(body, content_type="text/html", gzip=True)
    response = fetch_response(server.url("/z"), LOCAL)
    assert response.body == body and response.wire_bytes < len(body) // 10
    assert fetch(server.url("/z"), LOCAL).body == body  # article pages too


def test_a_small_gzip_that_unpacks_past_the_limit_is_refused(server):
    server.routes["/bomb"] = Route(b"\0" * 1_000_000, content_type="text/html", gzip=True)
    with pytest.raises(FetchError, match="over the 10,000-byte limit"):
        fetch_response(server.url("/bomb"), LOCAL)


def test_a_damaged_gzip_body_is_one_line(server, monkeypatch):
    server.routes["/bad"] = Route(b"x", content_type="text/html")
    monkeypatch.setattr(gzip, "compress", lambda data, **_: b"\x1f\x8b\x08\x00garbage-not-deflate")
    server.routes["/bad"].gzip = True
    with pytest.raises(FetchError, match="damaged gzip body"):
        fetch_response(server.url("/bad"), LOCAL)
