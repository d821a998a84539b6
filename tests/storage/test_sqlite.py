import sqlite3
from datetime import date, time

import pytest

from bot.errors import ArticleNotFound
from bot.models import ArticleMeta, Published
from bot.storage.articles import MIGRATIONS, SCHEMA_VERSION
from bot.storage.base import DuplicateArticle, StoredArticle, StoreError
from bot.storage.db import SQLITE
from bot.storage.sqlite import SqliteArticleStore
from tests.concurrent_worker import start_together


def stored(id_: str, guild: int | None, text: str = "Some text.", sha: str | None = None) -> StoredArticle:
    return StoredArticle(ArticleMeta(id=id_, title=id_.title()), text, guild, sha or f"sha-{id_}", added_by=7)


def test_add_list_remove_per_guild(tmp_path):
    store = SqliteArticleStore(tmp_path / "s.db")
    store.add_article(stored("a", 1))
    store.add_article(stored("b", 2))
    store.add_article(stored("c", None))
    assert [a.meta.id for a in store.list_articles(guild_id=1)] == ["a"]
    assert [a.meta.id for a in store.list_articles(guild_id=None)] == ["c"]
    assert sorted(a.meta.id for a in store.all_articles()) == ["a", "b", "c"]
    with pytest.raises(ArticleNotFound):
        store.remove_article("a", guild_id=2)  # another server's article
    removed = store.remove_article("a", guild_id=1)
    assert removed.meta.id == "a" and removed.added_by == 7
    assert store.list_articles(guild_id=1) == []


def test_duplicates_are_refused_per_guild(tmp_path):
    store = SqliteArticleStore(tmp_path / "s.db")
    store.add_article(stored("a", 1, sha="same"))
    with pytest.raises(DuplicateArticle):
        store.add_article(stored("a2", 1, sha="same"))
    store.add_article(stored("a3", 2, sha="same"))  # another server may add the same text
    assert len(store.all_articles()) == 2


def test_survives_reopen_and_records_schema_version(tmp_path):
    path = tmp_path / "s.db"
    store = SqliteArticleStore(path)
    store.add_article(stored("a", 1, text="Kept text."))
    store.close()
    again = SqliteArticleStore(path)
    assert again.list_articles(guild_id=1)[0].text == "Kept text."
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "s.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        SqliteArticleStore(path)


def test_corrupt_file_is_reported(tmp_path):
    path = tmp_path / "s.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot open"):
        SqliteArticleStore(path)


def test_processes_creating_the_store_at_once_lose_no_article(tmp_path):
    path = tmp_path / "new.sqlite3"
    runs = start_together([["store", str(path), str(n)] for n in range(6)], delay=2.0)
    assert all(code == 0 for code, _, _ in runs), [err.strip().splitlines()[-1:] for _, _, err in runs]
    store = SqliteArticleStore(path)
    assert sorted(a.meta.id for a in store.all_articles()) == [f"added/{n}" for n in range(6)]
    store.close()


def test_dates_are_stored_as_iso_and_read_back(tmp_path):
    store = SqliteArticleStore(tmp_path / "s.db")
    meta = ArticleMeta(id="d", title="D", published=Published(date(2025, 5, 19), time(13, 1)))
    store.add_article(StoredArticle(meta, "Text.", None, "sha-d"))
    raw = sqlite3.connect(tmp_path / "s.db").execute("SELECT published FROM articles").fetchone()[0]
    assert raw == "2025-05-19T13:01:00"
    assert store.all_articles()[0].meta.published == meta.published


def test_migration_turns_stored_date_strings_into_iso(tmp_path):
    path = tmp_path / "s.db"
    conn = sqlite3.connect(path)
    MIGRATIONS[0](conn, SQLITE)  # a store written by the first schema, with dates as the sources gave them
    for id_, published in (("a", "April 29, 2010  1:01 PM"), ("b", "2025-05-19"), ("c", "whenever"), ("d", None)):
        conn.execute("INSERT INTO articles VALUES (0, ?, ?, NULL, ?, NULL, 'Text.', ?, NULL, '2025-01-01')",
                     (id_, id_.upper(), published, f"sha-{id_}"))
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    store = SqliteArticleStore(path)
    raw = dict(sqlite3.connect(path).execute("SELECT id, published FROM articles").fetchall())
    assert raw == {"a": "2010-04-29T13:01:00", "b": "2025-05-19", "c": None, "d": None}
    assert {a.meta.id: str(a.meta.published) for a in store.all_articles()}["a"] == "29 April 2010"
