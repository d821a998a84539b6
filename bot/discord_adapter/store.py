"""The Discord front end's own small persistent state: ask-channels, answer feedback, the questions
asked (for ``/insights``) and what the answer buttons need to work after a restart.

One SQLite file in the data directory, or the PostgreSQL database every process shares
(``bot.storage.db``); schema versioned and upgraded one step at a time (``MIGRATIONS[n]`` takes
version n to n + 1); every write is one transaction. Methods are synchronous (cogs call them through
``asyncio.to_thread``); the database serialises calls from different threads.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.discord_adapter.identify import MAX_AHEAD_S
from bot.insights import AskedQuestion, Insights, Vote, build_insights
from bot.storage.base import StoreError
from bot.storage.db import Connection, Database, Dialect, Migration

FILE_NAME = "discord.sqlite3"

def _statements(*statements: str) -> Migration:
    def step(conn: Connection, dialect: Dialect) -> None:
        for statement in statements:
            conn.execute(dialect.ddl(statement))

    return step


_SCHEMA_V1 = _statements(
    """
    CREATE TABLE ask_channels (
        guild_id   {BIGINT} NOT NULL,
        channel_id {BIGINT} NOT NULL,
        set_by     {BIGINT} NOT NULL,
        set_at     {TEXT} NOT NULL,
        PRIMARY KEY (guild_id, channel_id)
    )
    """,
    """
    CREATE TABLE feedback (
        message_id {BIGINT} NOT NULL,
        user_id    {BIGINT} NOT NULL,
        guild_id   {BIGINT},
        channel_id {BIGINT},
        question   {TEXT} NOT NULL,
        citations  {TEXT} NOT NULL,
        helpful    {BIGINT} NOT NULL CHECK (helpful IN (0, 1)),
        created_at {TEXT} NOT NULL,
        PRIMARY KEY (message_id, user_id)
    )
    """,
)

# Version 2: the questions asked (question text only while insights are kept) and the answers that
# carry buttons (what is needed to ask again and page through them after a restart).
_SCHEMA_V2 = _statements(
    """
    CREATE TABLE asked (
        id       {SERIAL},
        guild_id {BIGINT},
        day      {TEXT} NOT NULL,
        question {TEXT},
        answered {BIGINT} NOT NULL CHECK (answered IN (0, 1))
    )
    """,
    "CREATE INDEX asked_by_guild_day ON asked (guild_id, day)",
    """
    CREATE TABLE answers (
        key        {SERIAL_NEVER_REUSED},  -- never reused: an old button never finds another answer
        source     {TEXT} NOT NULL CHECK (source IN ('ask', 'quotes')),
        question   {TEXT} NOT NULL,
        topic      {TEXT},
        top        {BIGINT} NOT NULL,
        per_page   {BIGINT} NOT NULL,
        guild_id   {BIGINT},
        owner_id   {BIGINT} NOT NULL,
        since      {TEXT},
        until      {TEXT},
        today      {TEXT} NOT NULL,
        parent     {BIGINT},
        person     {TEXT},
        created_at {TEXT} NOT NULL
    )
    """,
    "CREATE INDEX answers_by_day ON answers (today)",
)

# Version 3: when each Discord rate-limit key may next IDENTIFY, shared by every process of the bot
# (Discord allows one IDENTIFY per key every 5 seconds, whatever process sends it).
_SCHEMA_V3 = _statements(
    """
    CREATE TABLE identify_slots (
        rate_key {BIGINT} PRIMARY KEY,
        next_at  {REAL} NOT NULL
    )
    """,
)

MIGRATIONS: tuple[Migration, ...] = (_SCHEMA_V1, _SCHEMA_V2, _SCHEMA_V3)
COMPONENT = "discord"  # the name of these tables' schema version in a shared database
SCHEMA_VERSION = len(MIGRATIONS)
ANSWER_KEEP_DAYS = 7
"""Days the buttons of an answer keep working (its question is kept that long)."""
COUNTS_KEEP_DAYS = 30
"""Days the per-day question counts are kept when question texts are not (insights off)."""


__all__ = ["AnswerState", "BotStore", "Feedback", "StoreError"]  # StoreError: the store's own, re-exported


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
    day: str = ""


@dataclass(frozen=True, slots=True)
class AnswerState:
    """What an answer's buttons need to rebuild it: how it was asked, by whom, where and when.

    ``source`` is ``ask`` (``question``) or ``quotes`` (``question`` is the name, ``topic`` the
    topic). An answer re-asked for another person of the same name has its first answer as
    ``parent`` and that person's name as ``person``.
    """

    source: str
    question: str
    top: int
    per_page: int
    guild_id: int | None
    owner_id: int
    today: dt.date
    topic: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    parent: int | None = None
    person: str | None = None


class BotStore:
    """Ask-channels, feedback, questions asked, answer states and IDENTIFY turns, in ``db``: the
    file ``<data_dir>/discord.sqlite3`` (``open``), or the database shared by every process (``on``)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._ask_channels: set[int] = set()
        self._mark = 0
        self._pruned: dict[str, str] = {}  # DELETE statement -> the cutoff it last ran with
        # A refresh (upkeep thread) and a change here (a command) one at a time: a refresh that read
        # the table before this process's own change committed must not drop it from memory.
        self._channels_lock = threading.Lock()

    @classmethod
    def open(cls, data_dir: Path) -> BotStore:
        """Create or upgrade the SQLite file in ``data_dir`` and load the ask-channels."""
        from bot.storage.sqlite import SqliteDatabase

        data_dir.mkdir(parents=True, exist_ok=True)
        return cls.on(SqliteDatabase(data_dir / FILE_NAME))

    @classmethod
    def on(cls, db: Database) -> BotStore:
        """Create or upgrade the tables in ``db`` and load the ask-channels."""
        store = cls(db)
        db.migrate(COMPONENT, MIGRATIONS)
        store.refresh()
        return store

    @property
    def path(self) -> str:
        """Where the store is (for messages)."""
        return self.db.describe()

    def refresh(self) -> None:
        """Read the ask-channels again (another process may have changed them)."""
        with self._channels_lock:
            self._mark = self.db.change_mark()  # first: a change committed after it shows next time
            self._ask_channels = {row[1] for row in self.ask_channels()}

    def refresh_if_changed(self) -> None:
        """``refresh`` when another process has committed to the store since the last look."""
        if self.db.change_mark() != self._mark:
            self.refresh()

    @contextmanager
    def _transaction(self, *, announce: bool = True) -> Iterator[Connection]:
        """One transaction. Votes, questions, answer states and IDENTIFY turns are written with
        ``announce=False``: no process keeps them in memory, so no other needs waking for them."""
        with self.db.transaction(announce=announce) as conn:
            yield conn

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
        with self._channels_lock:
            with self._transaction() as conn:
                if enabled:
                    conn.execute(
                        "INSERT INTO ask_channels (guild_id, channel_id, set_by, set_at) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT (guild_id, channel_id) DO UPDATE"
                        " SET set_by = excluded.set_by, set_at = excluded.set_at",
                        (guild_id, channel_id, set_by, _now()),
                    )
                else:
                    conn.execute(
                        "DELETE FROM ask_channels WHERE guild_id = ? AND channel_id = ?", (guild_id, channel_id)
                    )
            if enabled:
                self._ask_channels.add(channel_id)
            else:
                self._ask_channels.discard(channel_id)

    def add_feedback(self, feedback: Feedback) -> None:
        """Store a verdict, replacing the same user's earlier one on the same message."""
        with self._transaction(announce=False) as conn:
            conn.execute(
                "INSERT INTO feedback (message_id, user_id, guild_id, channel_id, question, citations,"
                " helpful, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id, user_id) DO UPDATE"
                " SET guild_id = excluded.guild_id, channel_id = excluded.channel_id, question = excluded.question,"
                " citations = excluded.citations, helpful = excluded.helpful, created_at = excluded.created_at",
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

    def feedback(self, *, guild_id: int | None = None, since: dt.date | None = None) -> list[Feedback]:
        """Stored verdicts, oldest first: all, or one server's (``guild_id``) from the day ``since`` on."""
        where, params = _filters(guild_id, since, day="substr(created_at, 1, 10)")
        with self._transaction() as conn:
            columns = "message_id, user_id, guild_id, channel_id, question, citations, helpful, created_at"
            sql = f"SELECT {columns} FROM feedback{where} ORDER BY created_at, message_id, user_id"  # noqa: S608
            rows = conn.execute(sql, params).fetchall()
        return [
            Feedback(
                message_id=m, user_id=u, guild_id=g, channel_id=c, question=q, citations=cit, helpful=bool(h),
                day=at[:10],
            )
            for m, u, g, c, q, cit, h, at in rows
        ]

    def record_question(
        self, guild_id: int | None, question: str, *, answered: bool, today: dt.date, keep_days: int
    ) -> None:
        """Count a question asked; keep its text only when ``keep_days`` > 0, and drop what is older."""
        keep = keep_days if keep_days > 0 else COUNTS_KEEP_DAYS
        with self._transaction(announce=False) as conn:
            self._prune(conn, "DELETE FROM asked WHERE day <= ?", (today - timedelta(days=keep)).isoformat())
            conn.execute(
                "INSERT INTO asked (guild_id, day, question, answered) VALUES (?, ?, ?, ?)",
                (guild_id, today.isoformat(), question if keep_days > 0 else None, int(answered)),
            )

    def asked(self, *, guild_id: int | None = None, since: dt.date | None = None) -> list[AskedQuestion]:
        """Questions asked, oldest first: all, or one server's (``guild_id``) from the day ``since`` on."""
        where, params = _filters(guild_id, since, day="day")
        with self._transaction() as conn:
            sql = f"SELECT guild_id, day, question, answered FROM asked{where} ORDER BY id"  # noqa: S608 - fixed clauses
            rows = conn.execute(sql, params)
            return [AskedQuestion(guild_id=g, day=d, question=q, answered=bool(a)) for g, d, q, a in rows]

    def insights(self, *, guild_id: int | None, days: int, today: dt.date) -> Insights:
        """One server's (``None``: every server's) questions and votes of the last ``days`` days, today included."""
        since = today - timedelta(days=days - 1)
        votes = [Vote(day=f.day, helpful=f.helpful) for f in self.feedback(guild_id=guild_id, since=since)]
        return build_insights(self.asked(guild_id=guild_id, since=since), votes)

    def save_answer(self, state: AnswerState) -> int:
        """Keep ``state`` for the answer's buttons; returns its key. Answers over a week old are dropped."""
        with self._transaction(announce=False) as conn:
            cutoff = (state.today - timedelta(days=ANSWER_KEEP_DAYS)).isoformat()
            self._prune(conn, "DELETE FROM answers WHERE today < ?", cutoff)
            cursor = conn.execute(
                "INSERT INTO answers (source, question, topic, top, per_page, guild_id, owner_id, since, until,"
                " today, parent, person, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING key",
                (
                    state.source, state.question, state.topic, state.top, state.per_page, state.guild_id,
                    state.owner_id, _iso(state.since), _iso(state.until), state.today.isoformat(), state.parent,
                    state.person, _now(),
                ),
            )
            return int(cursor.fetchone()[0])

    def answer(self, key: int) -> AnswerState | None:
        """The state saved under ``key`` (None once it has expired)."""
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT source, question, topic, top, per_page, guild_id, owner_id, since, until, today, parent,"
                " person FROM answers WHERE key = ?",
                (key,),
            ).fetchone()
        if row is None:
            return None
        source, question, topic, top, per_page, guild_id, owner_id, since, until, today, parent, person = row
        return AnswerState(
            source=source, question=question, topic=topic, top=top, per_page=per_page, guild_id=guild_id,
            owner_id=owner_id, since=_date(since), until=_date(until), today=dt.date.fromisoformat(today),
            parent=parent, person=person,
        )


    def _prune(self, conn: Connection, statement: str, cutoff: str) -> None:
        """Run a ``DELETE ... < cutoff`` once per cutoff (once a day), not on every question: rows
        written since are of today, never older than a cutoff already applied."""
        if self._pruned.get(statement) != cutoff:
            conn.execute(statement, (cutoff,))
            self._pruned[statement] = cutoff

    def reserve(self, key: int, interval_s: float, now: float) -> float:
        """``IdentifyGate`` over the shared database (processes on several machines): take the next
        IDENTIFY turn of rate-limit ``key``, the later of ``now`` and the last turn given plus
        ``interval_s`` (a last turn over an hour ahead comes from a clock set back: ignored);
        returns it (the caller waits until then). One statement: atomic across processes."""
        with self._transaction(announce=False) as conn:
            row = conn.execute(
                "INSERT INTO identify_slots (rate_key, next_at) VALUES (?, ?) ON CONFLICT (rate_key) DO UPDATE"
                " SET next_at = CASE WHEN identify_slots.next_at - excluded.next_at > ? THEN excluded.next_at"
                " WHEN excluded.next_at > identify_slots.next_at + ? THEN excluded.next_at"
                " ELSE identify_slots.next_at + ? END RETURNING next_at",
                (key, now, MAX_AHEAD_S, interval_s, interval_s),
            ).fetchone()
        return float(row[0])


def _filters(guild_id: int | None, since: dt.date | None, *, day: str) -> tuple[str, tuple[object, ...]]:
    clauses, params = [], []
    if guild_id is not None:
        clauses.append("guild_id = ?")
        params.append(guild_id)
    if since is not None:
        clauses.append(f"{day} >= ?")
        params.append(since.isoformat())
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(params)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
