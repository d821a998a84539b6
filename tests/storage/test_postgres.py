"""What only the PostgreSQL database does: notifications, a lost connection, its URL in messages."""

from __future__ import annotations

import datetime as dt
import threading
import time

import psycopg
import pytest

from bot.models import ArticleMeta
from bot.storage.articles import SqlArticleStore
from bot.storage.base import StoredArticle, StoreError
from bot.storage.postgres import PostgresDatabase, is_postgres_url, redact


def stored(id_: str, text: str = "Some text.") -> StoredArticle:
    return StoredArticle(ArticleMeta(id=id_, title=id_), text, None, f"sha-{id_}")


def test_another_process_write_wakes_the_listener_but_its_own_does_not(pg_url: str) -> None:
    mine, theirs = PostgresDatabase(pg_url), PostgresDatabase(pg_url)
    store, other = SqlArticleStore(mine), SqlArticleStore(theirs)
    woke = threading.Event()
    mine.on_change(woke.set)
    assert mine.listening.wait(10)  # else the own write would come before anyone listened
    store.add_article(stored("own"))
    assert not woke.wait(1.5)  # its own write: no call
    other.add_article(stored("other"))
    assert woke.wait(10)
    mine.close()
    theirs.close()


def _kill_connections(server) -> None:
    with psycopg.connect(server.url(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
                      " AND datname = 'postgres' AND application_name = ''")


def test_a_lost_connection_is_made_again_for_reads_and_writes(pg_url: str, postgres_server) -> None:
    db = PostgresDatabase(pg_url)
    store = SqlArticleStore(db)
    store.add_article(stored("a"))
    _kill_connections(postgres_server)
    assert [a.meta.id for a in store.list_articles(guild_id=None)] == ["a"]  # a read: tried again at once
    _kill_connections(postgres_server)
    store.add_article(stored("b"))  # found dead at BEGIN: nothing was sent, so made again
    assert sorted(store.article_keys()) == ["a", "b"]
    db.close()


def test_a_failed_commit_does_not_move_the_change_mark_back(pg_url: str) -> None:
    mine, theirs = PostgresDatabase(pg_url), PostgresDatabase(pg_url)
    store, other = SqlArticleStore(mine), SqlArticleStore(theirs)
    with mine.transaction() as conn:  # a check that fails only at COMMIT
        conn.execute(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            " IF NEW.title = 'refused' THEN RAISE EXCEPTION 'refused at commit'; END IF; RETURN NEW; END $$"
        )
        conn.execute(
            "CREATE CONSTRAINT TRIGGER late AFTER INSERT ON articles DEFERRABLE INITIALLY DEFERRED"
            " FOR EACH ROW EXECUTE FUNCTION refuse()"
        )
    before = mine.change_mark()
    meta = ArticleMeta(id="r", title="refused")
    with pytest.raises(StoreError, match="refused at commit"):
        store.add_article(StoredArticle(meta, "Text.", None, "sha-r"))
    assert mine.change_mark() == before
    other.add_article(stored("later"))
    assert mine.change_mark() != before  # another process's change is still seen


def test_read_only_commands_neither_create_nor_upgrade_the_shared_schema(pg_url: str) -> None:
    from bot.storage.articles import COMPONENT, MIGRATIONS

    SqlArticleStore(PostgresDatabase(pg_url))  # the bot made the tables
    reader = SqlArticleStore(PostgresDatabase(pg_url, read_only=True))
    assert reader.all_articles() == []
    with PostgresDatabase(pg_url).transaction() as conn:
        conn.execute("DROP TABLE feed_items, feed_leases, feeds")  # as a store of schema 2 was
        conn.execute("UPDATE schema_versions SET version = 2 WHERE component = ?", (COMPONENT,))
    with pytest.raises(StoreError, match=r"older than this program's .* start the bot"):
        SqlArticleStore(PostgresDatabase(pg_url, read_only=True))
    SqlArticleStore(PostgresDatabase(pg_url))  # the bot upgrades it
    assert PostgresDatabase(pg_url, read_only=True).query(
        "SELECT version FROM schema_versions WHERE component = ?", (COMPONENT,)) == [(len(MIGRATIONS),)]  # fmt: skip


def test_a_driver_error_is_one_line(pg_url: str) -> None:
    db = PostgresDatabase(pg_url)
    with pytest.raises(StoreError, match="failed: ") as caught:
        db.query("SELECT * FROM no_such_table")
    assert "\n" not in str(caught.value)


def test_placeholders_outside_quotes_only() -> None:
    from bot.storage.postgres import translate

    assert translate("SELECT 'what?', '100%' WHERE a = ? AND b LIKE '%x' || ?") == (
        "SELECT 'what?', '100%%' WHERE a = %s AND b LIKE '%%x' || %s"
    )
    assert translate("SELECT 'it''s ?' , ?") == "SELECT 'it''s ?' , %s"


def test_nul_characters_are_dropped_not_fatal(pg_url: str) -> None:
    store = SqlArticleStore(PostgresDatabase(pg_url))
    store.add_article(stored("n", text="before\x00after"))
    assert store.get_articles(["n"])[0].text == "beforeafter"


def test_unreachable_server_is_one_line_without_the_password(postgres_server) -> None:
    url = f"postgresql://newsbot:s3cret@127.0.0.1:{postgres_server.port + 1}/postgres"
    with pytest.raises(StoreError) as caught:
        PostgresDatabase(url, connect_timeout_s=2)
    message = str(caught.value)
    assert "s3cret" not in message and "***" in message and "\n" not in message


def test_url_helpers() -> None:
    assert redact("postgresql://h/db?user=u&password=hunter2&sslmode=require") == (
        "postgresql://h/db?user=u&password=***&sslmode=require"
    )
    assert is_postgres_url("postgresql://u@h/db") and is_postgres_url("postgres://h/db")
    assert not is_postgres_url("sqlite:///x") and not is_postgres_url("/data/articles.sqlite3")
    assert redact("postgresql://bot:pw@db.example:5432/news") == "postgresql://bot:***@db.example:5432/news"
    assert redact("postgresql://bot@db.example/news") == "postgresql://bot@db.example/news"


def test_only_what_processes_keep_in_memory_wakes_them(pg_url: str) -> None:
    from bot.discord_adapter.store import AnswerState, BotStore, Feedback

    watcher_articles = PostgresDatabase(pg_url, topic="articles")
    watcher_bot = PostgresDatabase(pg_url, topic="discord")
    woke: list[str] = []
    watcher_articles.on_change(lambda: woke.append("articles"))
    watcher_bot.on_change(lambda: woke.append("discord"))
    assert watcher_articles.listening.wait(10) and watcher_bot.listening.wait(10)
    SqlArticleStore(watcher_articles)
    mine = BotStore.on(watcher_bot)
    marks = (watcher_articles.change_mark(), watcher_bot.change_mark())
    other = BotStore.on(PostgresDatabase(pg_url, topic="discord"))
    other.record_question(1, "where?", answered=True, today=dt.date(2026, 12, 1), keep_days=30)
    other.add_feedback(Feedback(5, 6, 1, 2, "q", "a:1", helpful=True))
    other.save_answer(AnswerState("ask", "q", 3, 1, 1, 6, dt.date(2026, 12, 1)))
    other.reserve(0, 5.0, 100.0)
    time.sleep(1.5)
    assert woke == [] and (watcher_articles.change_mark(), watcher_bot.change_mark()) == marks
    other.set_ask_channel(1, 2, enabled=True, set_by=3)  # a setting every process keeps: wakes them
    for _ in range(100):
        if woke:
            break
        time.sleep(0.05)
    assert woke == ["discord"] and watcher_articles.change_mark() == marks[0]
    mine.refresh_if_changed()
    assert mine.is_ask_channel(2)
