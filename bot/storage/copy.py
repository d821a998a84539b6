"""``store copy --to URL``: move the SQLite store of one machine into PostgreSQL, once.

Both SQLite files (articles and feeds; the Discord front end's state) are brought to this program's
schema, the target's tables are made, and every row is copied in one PostgreSQL transaction, which
commits only when each table holds as many rows as its source counted. Each SQLite file is read
inside one write-locked transaction: a consistent picture (no feed item without its article), and a
bot still running on it waits (stop every process first: what it writes after the copy is not
copied). A target that already holds articles, feeds or settings is refused: copying is for
moving, not for merging.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.discord_adapter.store import COMPONENT as BOT_COMPONENT
from bot.discord_adapter.store import FILE_NAME as BOT_FILE
from bot.discord_adapter.store import MIGRATIONS as BOT_MIGRATIONS
from bot.errors import NewsBotError
from bot.storage.articles import ARTICLE_COLUMNS, COMPONENT, MIGRATIONS
from bot.storage.base import StoreError
from bot.storage.db import Connection, Database
from bot.storage.feeds import FEED_COLUMNS, FEED_ITEM_COLUMNS
from bot.storage.location import ARTICLES_FILE
from bot.storage.sqlite import SqliteDatabase

# Table -> its columns, per SQLite file. Feed leases and IDENTIFY turns are left: both expire.
ARTICLE_TABLES = {"articles": ARTICLE_COLUMNS, "feeds": FEED_COLUMNS, "feed_items": FEED_ITEM_COLUMNS}
BOT_TABLES = {
    "ask_channels": "guild_id, channel_id, set_by, set_at",
    "feedback": "message_id, user_id, guild_id, channel_id, question, citations, helpful, created_at",
    "asked": "id, guild_id, day, question, answered",
    "answers": "key, source, question, topic, top, per_page, guild_id, owner_id, since, until, today, parent, person, "
    "created_at",
}
IDENTITIES = (("feeds", "id"), ("asked", "id"), ("answers", "key"))  # numbered by the database


class CopyError(NewsBotError):
    """The copy cannot start or did not check out; nothing was written to the target."""


@dataclass(frozen=True, slots=True)
class Copied:
    """Rows per table, equal in the source and the target."""

    counts: dict[str, int]
    target: str


def copy_store(
    data_dir: Path, target: Database, *, progress: Callable[[str], None] = lambda _line: None
) -> Copied:
    """Copy the SQLite store of ``data_dir`` into ``target`` (an empty PostgreSQL database)."""
    if target.dialect.name != "postgresql":
        raise CopyError("the target must be a PostgreSQL database (postgresql://...)")
    sources: list[tuple[Database, dict[str, str]]] = []
    for name, component, steps, tables in (
        (ARTICLES_FILE, COMPONENT, MIGRATIONS, ARTICLE_TABLES),
        (BOT_FILE, BOT_COMPONENT, BOT_MIGRATIONS, BOT_TABLES),
    ):
        path = data_dir / name
        if path.exists():
            source = SqliteDatabase(path)
            source.migrate(component, steps)  # an older file is upgraded first, as a start would
            sources.append((source, tables))
    if not sources:
        raise CopyError(f"nothing to copy: neither {ARTICLES_FILE} nor {BOT_FILE} is in {data_dir}")
    target.migrate(COMPONENT, MIGRATIONS)
    target.migrate(BOT_COMPONENT, BOT_MIGRATIONS)
    every = {**ARTICLE_TABLES, **BOT_TABLES}
    taken = [t for t in every if target.query(f"SELECT 1 FROM {t} LIMIT 1")]  # noqa: S608 - fixed table names
    if taken:
        raise CopyError(
            f"{target.describe()} already holds rows in {', '.join(taken)}: copy into an empty database"
        )
    counts: dict[str, int] = {}
    numbered: dict[str, int] = {}  # the highest number SQLite ever gave (AUTOINCREMENT never reuses one)
    try:
        with target.transaction() as conn, contextlib.ExitStack() as held:
            for source, tables in sources:
                read = held.enter_context(source.transaction(announce=False))  # one picture of the file
                for table, columns in tables.items():
                    counts[table] = _copy_table(read, conn, table, columns)
                    progress(f"{table}: {counts[table]:,} rows")
                if "answers" in tables:
                    row = read.execute("SELECT seq FROM sqlite_sequence WHERE name = 'answers'").fetchone()
                    numbered["answers"] = int(row[0]) if row else 0
            for table, column in IDENTITIES:  # the next number after the copied ones
                conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "  # noqa: S608 - fixed names
                    f"GREATEST(COALESCE((SELECT max({column}) FROM {table}), 0), ?) + 1, false)",
                    (numbered.get(table, 0),),
                )
            for table, expected in counts.items():
                found = int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608 - fixed names
                if found != expected:
                    raise CopyError(f"{table}: {found} rows in the target, {expected} in the source; nothing copied")
    except StoreError as exc:
        raise CopyError(f"the copy failed and was rolled back: {exc}") from exc
    finally:
        for source, _tables in sources:
            source.close()
    return Copied(counts=counts, target=target.describe())


def _copy_table(source: Connection, conn: Connection, table: str, columns: str) -> int:
    """Copy one table's rows; returns the source's own count of them (checked against the target's)."""
    rows = source.execute(f"SELECT {columns} FROM {table}").fetchall()  # noqa: S608 - fixed names
    marks = ", ".join("?" * len(columns.split(",")))
    for row in rows:
        conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", row)  # noqa: S608 - fixed names
    return int(source.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608 - fixed names
