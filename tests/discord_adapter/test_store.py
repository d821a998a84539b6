"""The bot's SQLite store: ask-channels and feedback persist; the schema is versioned."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.discord_adapter.store import SCHEMA_VERSION, BotStore, Feedback, StoreError


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
    with pytest.raises(StoreError, match="schema version"):
        BotStore.open(tmp_path)


def test_garbage_file_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "discord.sqlite3").write_bytes(b"not a database" * 100)
    with pytest.raises(StoreError):
        BotStore.open(tmp_path)
