"""The Discord front end's own small persistent state: ask-channels and answer feedback.

One SQLite file in the data directory, schema versioned with ``PRAGMA user_version``; every
write is one transaction. Methods are synchronous (cogs call them through ``asyncio.to_thread``);
each call opens its own connection, so calls from different threads never share one.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.errors import NewsBotError

SCHEMA_VERSION = 1
FILE_NAME = "discord.sqlite3"

_SCHEMA_V1 = (
    """
    CREATE TABLE ask_channels (
        guild_id   INTEGER NOT NULL,
        channel_id INTEGER NOT NULL,
        set_by     INTEGER NOT NULL,
        set_at     TEXT NOT NULL,
        PRIMARY KEY (guild_id, channel_id)
    )
    """,
    """
    CREATE TABLE feedback (
        message_id INTEGER NOT NULL,
        user_id    INTEGER NOT NULL,
        guild_id   INTEGER,
        channel_id INTEGER,
        question   TEXT NOT NULL,
        citations  TEXT NOT NULL,
        helpful    INTEGER NOT NULL CHECK (helpful IN (0, 1)),
        created_at TEXT NOT NULL,
        PRIMARY KEY (message_id, user_id)
    )
    """,
)


class StoreError(NewsBotError):
    """The bot's database is of an unknown (newer) schema or unreadable."""


@dataclass(frozen=True, slots=True)
class Feedback:
    """One user's verdict on one answer message (a later vote by the same user replaces it)."""

    message_id: int
    user_id: int
    guild_id: int | None
    channel_id: int | None
    question: str
    citations: str
    helpful: bool


class BotStore:
    """Ask-channels and feedback, kept in ``<data_dir>/discord.sqlite3``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._ask_channels: set[int] = set()

    @classmethod
    def open(cls, data_dir: Path) -> BotStore:
        """Create or upgrade the database in ``data_dir`` and load the ask-channels."""
        data_dir.mkdir(parents=True, exist_ok=True)
        store = cls(data_dir / FILE_NAME)
        store._migrate()
        store._ask_channels = {row[1] for row in store.ask_channels()}
        return store

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock, closing(sqlite3.connect(self.path, timeout=5)) as conn, conn:
            yield conn

    def _migrate(self) -> None:
        try:
            with self._transaction() as conn:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise StoreError(f"{self.path} has schema version {version}; this bot knows up to {SCHEMA_VERSION}")
                if version == 0:
                    for statement in _SCHEMA_V1:
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot use {self.path}: {exc}") from exc

    def is_ask_channel(self, channel_id: int) -> bool:
        """Whether messages in this channel are taken as questions (no disk access)."""
        return channel_id in self._ask_channels

    def ask_channels(self) -> list[tuple[int, int]]:
        """All ask-channels as ``(guild_id, channel_id)``."""
        with self._transaction() as conn:
            rows = conn.execute("SELECT guild_id, channel_id FROM ask_channels ORDER BY guild_id, channel_id")
            return [(int(g), int(c)) for g, c in rows]

    def set_ask_channel(self, guild_id: int, channel_id: int, *, enabled: bool, set_by: int) -> None:
        """Mark or unmark a channel as an ask-channel."""
        with self._transaction() as conn:
            if enabled:
                conn.execute(
                    "INSERT OR REPLACE INTO ask_channels (guild_id, channel_id, set_by, set_at) VALUES (?, ?, ?, ?)",
                    (guild_id, channel_id, set_by, _now()),
                )
            else:
                conn.execute("DELETE FROM ask_channels WHERE guild_id = ? AND channel_id = ?", (guild_id, channel_id))
        if enabled:
            self._ask_channels.add(channel_id)
        else:
            self._ask_channels.discard(channel_id)

    def add_feedback(self, feedback: Feedback) -> None:
        """Store a verdict, replacing the same user's earlier one on the same message."""
        with self._transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO feedback (message_id, user_id, guild_id, channel_id, question, citations,"
                " helpful, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    feedback.message_id,
                    feedback.user_id,
                    feedback.guild_id,
                    feedback.channel_id,
                    feedback.question,
                    feedback.citations,
                    int(feedback.helpful),
                    _now(),
                ),
            )

    def feedback(self) -> list[Feedback]:
        """Every stored verdict, oldest first."""
        with self._transaction() as conn:
            rows = conn.execute(
                "SELECT message_id, user_id, guild_id, channel_id, question, citations, helpful FROM feedback"
                " ORDER BY created_at, message_id, user_id"
            ).fetchall()
        return [
            Feedback(message_id=m, user_id=u, guild_id=g, channel_id=c, question=q, citations=cit, helpful=bool(h))
            for m, u, g, c, q, cit, h in rows
        ]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
