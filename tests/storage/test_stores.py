"""The stores' behaviour, the same tests on SQLite and on PostgreSQL (the ``open_db`` fixture), so
that the two never drift. Each ``open_db()`` call is a new connection, as another process has."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest

from bot.discord_adapter.store import AnswerState, BotStore, Feedback
from bot.errors import ArticleNotFound
from bot.feeds.models import FeedError, Filters
from bot.models import ArticleMeta, Published
from bot.storage.articles import SqlArticleStore
from bot.storage.base import DuplicateArticle, StoredArticle, StoreError
from bot.storage.db import Database
from bot.storage.feeds import SqlFeedStore
from tests.threads import run_in_threads

OpenDb = Callable[[], Database]


def stored(id_: str, guild: int | None, *, sha: str | None = None, at: str = "") -> StoredArticle:
    meta = ArticleMeta(id=id_, title=id_.title(), url=f"https://example.org/{id_}", published=None, source="Test")
    return StoredArticle(meta, "Some text.", guild, sha or f"sha-{id_}", added_by=7, added_at=at)


def test_articles_per_server_in_order_and_across_connections(open_db: OpenDb) -> None:
    store = SqlArticleStore(open_db())
    big = 1_300_000_000_000_000_001  # Discord ids need 64 bits
    store.add_article(stored("b", big, at="2026-12-01T10:00:02+00:00"))
    store.add_article(stored("a", big, at="2026-12-01T10:00:02+00:00"))
    store.add_article(stored("Z", big, at="2026-12-01T10:00:01+00:00"))
    store.add_article(stored("g", None))
    other = SqlArticleStore(open_db())
    assert [a.meta.id for a in other.list_articles(guild_id=big)] == ["Z", "a", "b"]  # time, then id by code point
    assert [a.meta.id for a in other.list_articles(guild_id=None)] == ["g"]
    assert other.article_keys() == {"a": big, "b": big, "Z": big, "g": None}
    with pytest.raises(ArticleNotFound):
        other.remove_article("a", guild_id=None)  # another server's
    removed = other.remove_article("a", guild_id=big)
    assert (removed.meta.url, removed.meta.source, removed.added_by) == ("https://example.org/a", "Test", 7)
    assert sorted(a.meta.id for a in store.all_articles()) == ["Z", "b", "g"]


def test_duplicates_by_text_per_server_and_by_id(open_db: OpenDb) -> None:
    store = SqlArticleStore(open_db())
    store.add_article(stored("a", 1, sha="same"))
    with pytest.raises(DuplicateArticle):
        store.add_article(stored("a2", 1, sha="same"))
    with pytest.raises(DuplicateArticle):
        store.add_article(stored("a", 2, sha="other"))
    store.add_article(stored("a3", 2, sha="same"))  # another server may add the same text
    assert sorted(a.meta.id for a in store.all_articles()) == ["a", "a3"]  # the refused ones left nothing


def test_dates_and_odd_text_survive(open_db: OpenDb) -> None:
    store = SqlArticleStore(open_db())
    published = Published(date=dt.date(2025, 5, 19), time=dt.time(14, 30))
    meta = ArticleMeta(id="d", title="Ünïcode 🚀 “quotes” % ? ;--", url=None, published=published)
    store.add_article(StoredArticle(meta, "Text with a 100% figure? Yes.\nSecond line.", None, "sha-d"))
    (back,) = SqlArticleStore(open_db()).get_articles(["d"])
    assert back.meta == meta and back.text == "Text with a 100% figure? Yes.\nSecond line."


def test_get_articles_in_batches_skips_unknown_ids(open_db: OpenDb) -> None:
    store = SqlArticleStore(open_db())
    for n in range(1203):
        store.add_article(stored(f"n{n:04d}", None, at=f"2026-12-01T10:{n // 60 % 60:02d}:{n % 60:02d}+00:00"))
    found = store.get_articles([f"n{n:04d}" for n in range(1203)] + ["missing"])
    assert len(found) == 1203 and found[0].meta.id == "n0000"


def test_change_mark_moves_for_other_connections_only(open_db: OpenDb) -> None:
    mine, theirs = SqlArticleStore(open_db()), SqlArticleStore(open_db())
    before = mine.change_mark()
    mine.add_article(stored("own", None))
    mine.list_articles(guild_id=None)
    assert mine.change_mark() == before  # its own write: applied by whoever made it
    theirs.add_article(stored("other", None))
    after = mine.change_mark()
    assert after != before
    theirs.list_articles(guild_id=None)  # a read is no change
    assert mine.change_mark() == after


def test_schema_versions_are_recorded_and_a_newer_one_refused(open_db: OpenDb) -> None:
    db = open_db()
    SqlArticleStore(db)
    if db.dialect.name == "sqlite":
        with pytest.raises(StoreError, match="file of its own"):  # one version per file
            BotStore.on(db)
    else:
        BotStore.on(db)  # PostgreSQL: every component in one database
    SqlArticleStore(open_db())  # opening again migrates nothing
    if db.dialect.name == "sqlite":
        with db.transaction() as conn:
            conn.execute("PRAGMA user_version = 99")
    else:
        with db.transaction() as conn:
            conn.execute("UPDATE schema_versions SET version = 99 WHERE component = 'articles'")
    with pytest.raises(StoreError, match="newer"):
        SqlArticleStore(open_db())


def test_processes_starting_together_migrate_once(open_db: OpenDb) -> None:
    dbs = [open_db() for _ in range(4)]
    errors: list[BaseException] = []

    def start(db: Database) -> None:
        try:
            SqlArticleStore(db).add_article(stored(f"x{id(db)}", None))
        except BaseException as exc:
            errors.append(exc)

    run_in_threads(start, dbs)
    assert errors == []
    assert len(SqlArticleStore(open_db()).all_articles()) == 4


def test_identify_turns_taken_at_once_from_several_connections_never_collide(open_db: OpenDb) -> None:
    stores = [BotStore.on(open_db()) for _ in range(4)]
    turns: list[float] = []
    lock = threading.Lock()

    def take(store: BotStore) -> None:
        for _ in range(5):
            turn = store.reserve(0, 5.0, 1000.0)
            with lock:
                turns.append(turn)

    run_in_threads(take, stores)
    assert sorted(turns) == [1000.0 + 5.0 * i for i in range(20)]  # 20 turns, each its own slot


def test_feeds_leases_and_items(open_db: OpenDb) -> None:
    articles = SqlArticleStore(open_db())
    feeds = SqlFeedStore(articles)
    feed = feeds.add_feed(
        guild_id=5, url="https://example.org/rss", title="Example", channel_id=9, filters=Filters(("ferry",), ("ad",)),
        interval_s=600, now=1000.0,
    )  # fmt: skip
    again = feeds.add_feed(
        guild_id=5, url="https://example.org/rss", title="Example", channel_id=10, filters=Filters(),
        interval_s=900, now=1001.0,
    )  # fmt: skip
    assert again.id == feed.id and again.channel_id == 10 and again.filters == Filters()
    other = SqlFeedStore(SqlArticleStore(open_db()))
    assert [f.id for f in other.due_feeds(2000.0)] == [feed.id]
    assert feeds.acquire_lease(feed.id, holder="one", now=1000.0, ttl_s=60)
    assert not other.acquire_lease(feed.id, holder="two", now=1030.0, ttl_s=60)
    assert other.acquire_lease(feed.id, holder="two", now=1061.0, ttl_s=60)  # expired: taken over
    assert feeds.take_item(feed.id, "item-1", link="https://example.org/1", article=stored("f1", 5))
    assert not other.take_item(feed.id, "item-1", link="https://example.org/1", article=stored("f1b", 5))
    assert not feeds.take_item(feed.id, "item-2", link="https://example.org/2", article=stored("f2", 5, sha="sha-f1"))
    assert other.seen_keys(feed.id, ["item-1", "item-2", "item-3"]) == {"item-1", "item-2"}
    assert other.link_taken("https://example.org/1", guild_id=5)
    assert not other.link_taken("https://example.org/2", guild_id=5)
    assert other.text_taken("sha-f1", guild_id=5) and not other.text_taken("sha-f1", guild_id=6)
    feeds.record_poll(feed.id, ok=False, next_poll=3000.0, now=2000.0, error="HTTP 500", failures=3, disabled=True)
    assert other.feed(feed.id).disabled and other.feed(feed.id).last_error == "HTTP 500"
    feeds.record_poll(feed.id, ok=True, next_poll=4000.5, now=3000.0, etag='"e1"', title=None)
    seen = other.feed(feed.id)
    assert (seen.etag, seen.title, seen.failures, seen.next_poll, seen.taken) == ('"e1"', "Example", 0, 4000.5, 1)
    assert [a.meta.id for a in articles.all_articles()] == ["f1"]
    with pytest.raises(FeedError):
        other.remove_feed(feed.id, guild_id=6)
    other.remove_feed(feed.id, guild_id=5)
    assert feeds.all_feeds() == [] and [a.meta.id for a in articles.all_articles()] == ["f1"]


def test_bot_store_settings_votes_answers_and_identify_turns(open_db: OpenDb) -> None:
    one, two = BotStore.on(open_db()), BotStore.on(open_db())
    one.set_ask_channel(1, 11, enabled=True, set_by=3)
    one.set_ask_channel(1, 11, enabled=True, set_by=4)  # again: no duplicate
    assert one.is_ask_channel(11) and not two.is_ask_channel(11)
    two.refresh()
    assert two.is_ask_channel(11) and two.ask_channels() == [(1, 11)]
    vote = Feedback(message_id=5, user_id=6, guild_id=1, channel_id=11, question="q", citations="a:1", helpful=True)
    one.add_feedback(vote)
    two.add_feedback(Feedback(5, 6, 1, 11, "q", "a:1", helpful=False))  # the same user changes their mind
    assert [f.helpful for f in one.feedback()] == [False]
    day = dt.date(2026, 12, 1)
    state = AnswerState(source="ask", question="what did Vance say?", top=3, per_page=1, guild_id=1, owner_id=6,
                        today=day)  # fmt: skip
    first, second = one.save_answer(state), two.save_answer(state)
    assert second > first and two.answer(first) == state
    turns = [one.reserve(0, 5.0, 100.0), two.reserve(0, 5.0, 100.5)]
    assert [*turns, one.reserve(1, 5.0, 101.0)] == [100.0, 105.0, 101.0]
    assert two.reserve(0, 5.0, 200.0) == 200.0  # long after: at once
    assert one.reserve(0, 5.0, 100.0) == 205.0  # a clock a little behind waits its turn ...
    assert one.reserve(0, 5.0, 205.0 - 7200) == 205.0 - 7200  # ... one set back by hours is not held for hours
