"""Run-time corpus management: store + live index, per server, through ``Library`` and the CLI."""

from __future__ import annotations

import io
import json

import pytest

from bot.cli import main
from bot.errors import ArticleNotFound, CorpusError
from bot.ingest.fetch import FetchedPage, FetchError, FetchPolicy
from bot.library import Library
from bot.service import build_service
from bot.storage.base import DuplicateArticle
from bot.storage.sqlite import SqliteArticleStore
from tests.conftest import TINY_CORPUS

GUILD_A, GUILD_B = 111, 222
OTTER = b"---\ntitle: Otters return to the canal\n---\nA family of otters was seen in the Kestrel canal on Friday."
KITE = b"The kite festival drew 4,000 visitors to the dunes. Organisers counted 300 kites."


@pytest.fixture
def library(tmp_path):
    service = build_service(TINY_CORPUS, tmp_path / "index")
    store = SqliteArticleStore(tmp_path / "articles.sqlite3")
    yield Library(service, store)
    store.close()


def test_added_article_is_searchable_at_once_for_its_server_only(library):
    meta = library.add_file("otters.md", OTTER, guild_id=GUILD_A, user_id=5)
    assert meta.id.startswith(f"g{GUILD_A}/")
    service = library._service
    answer = service.ask("Where were the otters seen?", guild_id=GUILD_A)
    assert "otters" in answer.excerpts[0].sentence
    assert service.ask("Where were the otters seen?", guild_id=GUILD_B).abstained
    assert service.ask("Where were the otters seen?").abstained
    assert meta.id in [m.id for m in service.articles(guild_id=GUILD_A)]
    assert meta.id not in [m.id for m in service.articles(guild_id=GUILD_B)]
    assert not service.find_articles("otters", guild_id=GUILD_B)
    assert service.find_articles("otters", guild_id=GUILD_A)[0].id == meta.id
    with pytest.raises(ArticleNotFound):
        service.summarise("otters", guild_id=GUILD_B)
    assert service.summarise("otters", guild_id=GUILD_A).article.id == meta.id


def test_shipped_articles_stay_visible_to_every_server(library):
    library.add_file("otters.md", OTTER, guild_id=GUILD_A)
    for guild in (None, GUILD_A, GUILD_B):
        answer = library._service.ask("How many cables had corrosion?", guild_id=guild)
        assert "112" in answer.excerpts[0].text


def test_global_addition_is_seen_everywhere(library):
    library.add_file("kites.txt", KITE, guild_id=None)
    for guild in (None, GUILD_A, GUILD_B):
        assert "4,000 visitors" in library._service.ask("How many visitors came to the kite festival?",
                                                         guild_id=guild).excerpts[0].sentence


def test_remove_hides_the_article_and_only_its_server_can_remove_it(library):
    meta = library.add_file("otters.md", OTTER, guild_id=GUILD_A)
    with pytest.raises(ArticleNotFound):
        library.remove(meta.id, guild_id=GUILD_B)
    with pytest.raises(ArticleNotFound):
        library.remove("harbour-bridge-reopens", guild_id=GUILD_A)  # shipped articles cannot be removed
    assert library.remove("Otters return to the canal", guild_id=GUILD_A).id == meta.id
    assert library._service.ask("Where were the otters seen?", guild_id=GUILD_A).abstained
    assert library.list(guild_id=GUILD_A) == []
    library.add_file("otters.md", OTTER, guild_id=GUILD_A)  # and it can be added again


def test_duplicates_are_refused(library):
    library.add_file("otters.md", OTTER, guild_id=GUILD_A)
    with pytest.raises(DuplicateArticle):
        library.add_file("copy.md", OTTER, guild_id=GUILD_A)
    library.add_file("kites.txt", KITE, guild_id=None)
    with pytest.raises(DuplicateArticle):
        library.add_file("kites-again.txt", KITE, guild_id=GUILD_B)


def test_bad_uploads_change_nothing(library):
    for name, data in [("x.pdf", b"%PDF"), ("x.txt", b"\xff\xfe"), ("x.txt", b""), ("x.html", b"<script>1</script>")]:
        with pytest.raises(CorpusError):
            library.add_file(name, data, guild_id=GUILD_A)
    assert library.list(guild_id=GUILD_A) == []


def test_url_articles_use_the_fetcher_and_keep_the_url(library, tmp_path):
    html = (b"<html><head><title>Tram line opens</title></head><body><article><p>The new tram line opened on"
            b" Monday with 14 stops.</p><p>Riders praised the quiet carriages.</p></article></body></html>")

    def fetcher(url: str, policy: FetchPolicy) -> FetchedPage:
        if "bad" in url:
            raise FetchError("the page answered HTTP 404")
        return FetchedPage(url=url, content_type="text/html", charset="utf-8", body=html)

    lib = Library(library._service, library._store, fetcher=fetcher)
    meta = lib.add_url("https://news.example/tram", guild_id=GUILD_A)
    assert meta.url == "https://news.example/tram" and meta.title == "Tram line opens"
    excerpt = lib._service.ask("How many stops does the tram line have?", guild_id=GUILD_A).excerpts[0]
    assert excerpt.citation.url == "https://news.example/tram"
    with pytest.raises(FetchError):
        lib.add_url("https://news.example/bad", guild_id=GUILD_A)


@pytest.mark.parametrize("charset", ["no-such-charset", "rot13", "idna"])
def test_a_page_in_an_unreadable_charset_is_refused_in_one_line(library, charset):
    # a fetcher (a double, or a later feed reader) may hand over a charset that fetch() would refuse
    def fetcher(url: str, policy: FetchPolicy) -> FetchedPage:
        return FetchedPage(url=url, content_type="text/html", charset=charset, body=b"<p>Some words here.</p>")

    lib = Library(library._service, library._store, fetcher=fetcher)
    with pytest.raises(FetchError, match="charset"):
        lib.add_url("https://news.example/odd", guild_id=GUILD_A)
    assert lib.list(guild_id=GUILD_A) == []


def test_stored_articles_come_back_after_a_restart(tmp_path):
    store_path = tmp_path / "articles.sqlite3"
    first = Library(build_service(TINY_CORPUS, tmp_path / "index"), SqliteArticleStore(store_path))
    first.add_file("otters.md", OTTER, guild_id=GUILD_A)
    first.add_file("kites.txt", KITE, guild_id=None)
    second = Library(build_service(TINY_CORPUS, tmp_path / "index"), SqliteArticleStore(store_path))
    assert second.load_stored() == 2
    assert not second._service.ask("Where were the otters seen?", guild_id=GUILD_A).abstained
    assert second._service.ask("Where were the otters seen?", guild_id=GUILD_B).abstained


def run(argv, settings):
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdin=io.StringIO(""), stdout=out, stderr=err, settings=settings)
    return code, out.getvalue(), err.getvalue()


def test_cli_corpus_add_list_remove_and_ask_finds_it_at_once(settings, tmp_path):
    path = tmp_path / "kite-festival.txt"
    path.write_bytes(KITE)
    code, out, err = run(["corpus", "add", str(path)], settings)
    assert code == 0, err
    assert "added added/" in out
    code, out, _ = run(["ask", "How many kites were counted?", "--json"], settings)
    assert "300 kites" in json.loads(out)["answers"][0]["sentence"]
    code, out, _ = run(["corpus", "list"], settings)
    assert "Kite festival" in out
    code, out, _ = run(["corpus", "add", str(path)], settings)
    assert code == 1
    code, out, _ = run(["corpus", "remove", "Kite festival"], settings)
    assert code == 0 and "removed" in out
    _, out, _ = run(["ask", "How many kites were counted?", "--json"], settings)
    assert json.loads(out)["abstained"] is True


def test_cli_corpus_add_per_guild_is_not_global(settings, tmp_path):
    path = tmp_path / "otters.md"
    path.write_bytes(OTTER)
    assert run(["corpus", "add", str(path), "--guild", str(GUILD_A)], settings)[0] == 0
    _, out, _ = run(["ask", "Where were the otters seen?", "--json"], settings)
    assert json.loads(out)["abstained"] is True
    _, out, _ = run(["corpus", "list", "--guild", str(GUILD_A)], settings)
    assert "Otters return to the canal" in out


def test_cli_corpus_errors(settings, tmp_path):
    code, _, err = run(["corpus", "add", str(tmp_path / "missing.txt")], settings)
    assert code == 1 and "cannot read" in err
    code, _, err = run(["corpus", "add", "http://127.0.0.1:1/x"], settings)
    assert code == 1 and "private or local" in err
    code, _, err = run(["corpus", "remove", "nothing"], settings)
    assert code == 1 and "no article" in err


@pytest.mark.parametrize("url", ["http://[::1", "http://[::1]:99999/x", "http://\u00e9..example/x"])
def test_cli_corpus_add_of_a_malformed_url_is_one_line(settings, url):
    code, out, err = run(["corpus", "add", url], settings)
    assert code == 1 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1, err


def test_corpus_changes_are_logged_with_who_asked(library, caplog):
    caplog.set_level("INFO", logger="bot.library")
    meta = library.add_file("otters.md", OTTER, guild_id=GUILD_A, user_id=5)
    library.add_file("kites.txt", KITE, guild_id=None)
    library.remove(meta.id, guild_id=GUILD_A, user_id=6)
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.library"]
    assert lines == [
        f"corpus: added {meta.id} ('Otters return to the canal') for server {GUILD_A}, asked by Discord user 5",
        lines[1],
        f"corpus: removed {meta.id} ('Otters return to the canal') for server {GUILD_A}, asked by Discord user 6",
    ]
    assert lines[1].endswith("for every server, asked by the command line")
