"""``python -m bot feeds add|list|remove|poll`` in-process, against a local feed server."""

from __future__ import annotations

import io

import pytest

from bot.cli import main
from bot.config import Settings
from tests.conftest import TINY_CORPUS
from tests.feeds.server import FeedServer, Route, rss, start

OTTERS = ("o1", "Otters return to the canal", "A family of otters was seen swimming in the Kestrel canal on Friday.")


@pytest.fixture
def server():
    state = FeedServer()
    httpd = start(state)
    yield state
    httpd.shutdown()


def run(argv, settings):
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err, settings=settings)
    return code, out.getvalue(), err.getvalue()


def test_add_list_poll_ask_remove(server, tmp_path):
    settings = Settings(data_dir=tmp_path / "data", index_dir=tmp_path / "index", fetch_allow_private=True,
                        fetch_timeout_s=2.0, corpus_dir=TINY_CORPUS)
    server.routes["/feed"] = Route(rss([OTTERS]))
    code, out, err = run(["feeds", "add", server.url("/feed"), "--guild", "7", "--include", "otters, canal"], settings)
    assert code == 0, err
    assert out.startswith("following #1 Harbour Gazette") and "server 7" in out
    code, out, _ = run(["feeds", "list", "--guild", "7"], settings)
    assert "#1 Harbour Gazette" in out and "next poll now" in out and "only otters, canal" in out
    assert "no feeds followed for every server" in run(["feeds", "list"], settings)[1]
    code, out, err = run(["feeds", "poll"], settings)
    assert code == 0 and "#1 Harbour Gazette: 1 new article" in out, err
    code, out, _ = run(["corpus", "list", "--guild", "7"], settings)
    assert "Otters return to the canal" in out
    code, out, _ = run(["feeds", "remove", "1", "--guild", "7"], settings)
    assert "no longer following #1" in out
    code, _, err = run(["feeds", "remove", "1", "--guild", "7"], settings)
    assert code == 1 and err.startswith("error: no followed feed matches '1'")


def test_bad_feed_is_one_line_error(server, tmp_path):
    settings = Settings(data_dir=tmp_path / "data", fetch_allow_private=True, fetch_timeout_s=2.0)
    server.routes["/page"] = Route(b"<html><p>nothing</p></html>", content_type="text/html")
    code, _, err = run(["feeds", "add", server.url("/page")], settings)
    assert code == 1 and err.count("\n") == 1 and "links no feed" in err
    code, _, err = run(["feeds", "add", "ftp://example.invalid/feed"], settings)
    assert code == 1 and "only http and https" in err
