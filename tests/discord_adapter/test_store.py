"""The bot's SQLite store: ask-channels, feedback, questions and answer states persist; the schema is versioned."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from bot.discord_adapter.store import ANSWER_KEEP_DAYS, SCHEMA_VERSION, AnswerState, BotStore, Feedback, StoreError
from bot.insights import AskedQuestion


def vote(user: int, helpful: bool) -> Feedback:
    return Feedback(
        message_id=1, user_id=user, guild_id=2, channel_id=3, question="q", citations="a:1", helpful=helpful
    )


def test_ask_channels_persist(tmp_path: Path) -> None:
    store = BotStore.open(tmp_path)
    store.set_ask_channel(1, 10, enabled=True, set_by=5)
    store.set_ask_channel(1, 11, enabled=True, set_by=5)
    store.set_ask_channel(1, 11, enabled=False, set_by=5)
    reopened = BotStore.open(tmp_path)
    assert reopened.ask_channels() == [(1, 10)]
    assert reopened.is_ask_channel(10) and not reopened.is_ask_channel(11)


def test_feedback_one_vote_per_user_and_message(tmp_path: Path) -> None:
    store = BotStore.open(tmp_path)
    store.add_feedback(vote(7, True))
    store.add_feedback(vote(8, True))
    store.add_feedback(vote(7, False))
    assert sorted((f.user_id, f.helpful) for f in BotStore.open(tmp_path).feedback()) == [(7, False), (8, True)]


def test_schema_version_is_recorded_and_newer_refused(tmp_path: Path) -> None:
    store = BotStore.open(tmp_path)
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer"):
        BotStore.open(tmp_path)


def test_garbage_file_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "discord.sqlite3").write_bytes(b"not a database" * 100)
    with pytest.raises(StoreError):
        BotStore.open(tmp_path)


V1_SCHEMA = (
    "CREATE TABLE ask_channels (guild_id INTEGER NOT NULL, channel_id INTEGER NOT NULL, set_by INTEGER NOT NULL,"
    " set_at TEXT NOT NULL, PRIMARY KEY (guild_id, channel_id))",
    "CREATE TABLE feedback (message_id INTEGER NOT NULL, user_id INTEGER NOT NULL, guild_id INTEGER,"
    " channel_id INTEGER, question TEXT NOT NULL, citations TEXT NOT NULL, helpful INTEGER NOT NULL,"
    " created_at TEXT NOT NULL, PRIMARY KEY (message_id, user_id))",
)


def test_a_version_1_file_is_upgraded_step_by_step_keeping_its_rows(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "discord.sqlite3") as conn:
        for statement in V1_SCHEMA:
            conn.execute(statement)
        conn.execute("INSERT INTO feedback VALUES (1, 7, 2, 3, 'q', 'a:1', 1, '2026-11-30T10:00:00+00:00')")
        conn.execute("PRAGMA user_version = 1")
    store = BotStore.open(tmp_path)
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    assert [(f.user_id, f.day) for f in store.feedback()] == [(7, "2026-11-30")]
    store.record_question(2, "where is the ferry?", answered=True, today=dt.date(2026, 12, 1), keep_days=30)
    assert store.asked() == [AskedQuestion(2, "2026-12-01", "where is the ferry?", True)]


def test_questions_keep_their_text_only_while_insights_are_on(tmp_path: Path) -> None:
    store = BotStore.open(tmp_path)
    day = dt.date(2026, 12, 1)
    store.record_question(1, "kept?", answered=False, today=day - dt.timedelta(days=3), keep_days=30)
    store.record_question(1, "secret", answered=True, today=day, keep_days=0)
    assert [(a.question, a.answered) for a in store.asked()] == [("kept?", False), (None, True)]
    store.record_question(1, "late", answered=True, today=day + dt.timedelta(days=2), keep_days=4)
    assert [a.question for a in store.asked()] == [None, "late"]  # the one 5 days old is gone


def test_insights_show_one_server_only(tmp_path: Path) -> None:
    store = BotStore.open(tmp_path)
    today = dt.date.today()
    store.record_question(1, "ferry timetable?", answered=False, today=today, keep_days=30)
    store.record_question(2, "other server's question", answered=True, today=today, keep_days=30)
    store.add_feedback(vote(7, True))  # guild 2
    mine = store.insights(guild_id=1, days=30, today=today)
    assert mine.total.asked == 1 and mine.total.helpful == 0
    assert [a.question for a in mine.most_asked] == ["ferry timetable?"]
    theirs = store.insights(guild_id=2, days=30, today=today)
    assert theirs.total.asked == 1 and theirs.total.helpful == 1 and theirs.gaps == ()
    assert store.insights(guild_id=None, days=30, today=today).total.asked == 2


def test_answer_state_round_trips_and_expires_after_a_week(tmp_path: Path) -> None:
    store = BotStore.open(tmp_path)
    day = dt.date(2026, 12, 1)
    state = AnswerState(
        source="quotes", question="Tom Marsh", topic="canal", top=9, per_page=3, guild_id=5, owner_id=6, today=day,
        since=dt.date(2026, 1, 1), until=None, parent=None, person=None,
    )
    key = store.save_answer(state)
    assert BotStore.open(tmp_path).answer(key) == state
    later = dataclasses.replace(state, today=day + dt.timedelta(days=ANSWER_KEEP_DAYS + 1))
    other = store.save_answer(later)
    assert store.answer(key) is None and store.answer(other) == later
