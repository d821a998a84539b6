"""``store copy --to URL``: a SQLite store moved into PostgreSQL, checked by counts, once."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from bot.discord_adapter.store import AnswerState, BotStore, Feedback
from bot.feeds.models import Filters
from bot.models import ArticleMeta
from bot.storage.articles import SqlArticleStore
from bot.storage.base import StoredArticle
from bot.storage.copy import CopyError, copy_store
from bot.storage.feeds import SqlFeedStore
from bot.storage.location import StoreLocation
from bot.storage.postgres import PostgresDatabase


def fill_sqlite(data_dir: Path) -> None:
    location = StoreLocation(data_dir)
    articles = location.open_articles()
    feeds = SqlFeedStore(articles)
    for n in range(3):
        meta = ArticleMeta(id=f"a{n}", title=f"A{n}")
        articles.add_article(StoredArticle(meta, f"Text {n}.", 9 if n else None, f"s{n}"))
    feed = feeds.add_feed(guild_id=9, url="https://example.org/rss", title="Ex", channel_id=None, filters=Filters(),
                          interval_s=900, now=1.0)  # fmt: skip
    feeds.take_item(feed.id, "i1", link="https://example.org/1", article=StoredArticle(
        ArticleMeta(id="f1", title="F1"), "Feed text.", 9, "sf1"))  # fmt: skip
    articles.close()
    bot = BotStore.open(data_dir)
    bot.set_ask_channel(9, 99, enabled=True, set_by=1)
    bot.add_feedback(Feedback(5, 6, 9, 99, "q", "a1:1", helpful=True))
    bot.record_question(9, "where?", answered=False, today=dt.date(2026, 12, 1), keep_days=30)
    bot.save_answer(AnswerState("ask", "q", 3, 1, 9, 6, dt.date(2026, 12, 1)))
    bot.save_answer(AnswerState("ask", "q2", 3, 1, 9, 6, dt.date(2026, 12, 1)))


def test_copy_moves_every_row_and_numbering_goes_on(tmp_path: Path, pg_url: str) -> None:
    fill_sqlite(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    code = main(["store", "copy", "--to", pg_url, "--json"], stdout=out, stderr=err,
                settings=Settings(data_dir=tmp_path))  # fmt: skip
    assert code == 0, err.getvalue()
    rows = json.loads(out.getvalue())["rows"]
    assert rows == {"articles": 4, "feeds": 1, "feed_items": 1, "ask_channels": 1, "feedback": 1, "asked": 1,
                    "answers": 2}  # fmt: skip
    shared = StoreLocation(tmp_path / "elsewhere", pg_url)
    articles = shared.open_articles()
    assert sorted(a.meta.id for a in articles.all_articles()) == ["a0", "a1", "a2", "f1"]
    feeds = SqlFeedStore(articles)
    assert feeds.seen_keys(1, ["i1"]) == {"i1"} and feeds.feeds(guild_id=9)[0].taken == 1
    added = feeds.add_feed(guild_id=9, url="https://example.org/other", title="O", channel_id=None, filters=Filters(),
                           interval_s=900, now=2.0)  # fmt: skip
    assert added.id == 2  # numbering continues after the copied rows
    bot = shared.open_bot_store()
    assert bot.is_ask_channel(99) and [f.helpful for f in bot.feedback()] == [True]
    assert bot.answer(2).question == "q2"
    assert bot.save_answer(AnswerState("ask", "q3", 3, 1, 9, 6, dt.date(2026, 12, 1))) == 3


def test_a_second_copy_is_refused_and_writes_nothing(tmp_path: Path, pg_url: str) -> None:
    fill_sqlite(tmp_path)
    copy_store(tmp_path, PostgresDatabase(pg_url))
    with pytest.raises(CopyError, match="already holds rows in articles"):
        copy_store(tmp_path, PostgresDatabase(pg_url))
    assert len(SqlArticleStore(PostgresDatabase(pg_url)).all_articles()) == 4


def test_nothing_to_copy_and_a_wrong_url_are_one_line(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(["store", "copy", "--to", "sqlite:///x.db"], stdout=out, stderr=err,
                settings=Settings(data_dir=tmp_path))  # fmt: skip
    assert code != 0 and "postgresql://" in err.getvalue() and err.getvalue().count("\n") == 1
    with pytest.raises(CopyError, match="nothing to copy"):
        copy_store(tmp_path, _FakeTarget())


class _FakeTarget:
    """Stands for a PostgreSQL target whose connection is never used (the source is checked first)."""

    from bot.storage.db import POSTGRES as dialect


def test_the_url_may_come_from_the_setting_and_answer_numbers_are_never_reused(tmp_path: Path, pg_url: str) -> None:
    import sqlite3

    fill_sqlite(tmp_path)
    with sqlite3.connect(tmp_path / "discord.sqlite3") as conn:
        conn.execute("DELETE FROM answers WHERE key = 2")  # the newest answer gone: SQLite will not give 2 again
    out, err = io.StringIO(), io.StringIO()
    code = main(["store", "copy"], stdout=out, stderr=err, settings=Settings(data_dir=tmp_path, database_url=pg_url))
    assert code == 0, err.getvalue()
    assert "copied 10 rows into" in out.getvalue()  # 11 made, one answer deleted
    bot = StoreLocation(tmp_path, pg_url).open_bot_store()
    assert bot.save_answer(AnswerState("ask", "q3", 3, 1, 9, 6, dt.date(2026, 12, 1))) == 3  # not 2 again
    assert bot.answer(2) is None
