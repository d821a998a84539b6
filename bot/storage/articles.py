"""``ArticleStore`` over a ``Database`` (SQLite or PostgreSQL): the articles added per server,
and the schema steps of their tables (the feed tables of ``bot.storage.feeds`` are step 3)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from bot.dates import read_published
from bot.errors import ArticleNotFound
from bot.models import ArticleMeta, Published
from bot.storage.base import DuplicateArticle, StoredArticle
from bot.storage.db import Connection, Database, Dialect

ARTICLE_COLUMNS = "guild_key, id, title, url, published, source, body, sha256, added_by, added_at"  # table order
GLOBAL = 0  # guild key of the corpus every server sees (Discord ids are never 0)
COMPONENT = "articles"  # the name of these tables' schema version in a shared database
_BATCH = 500  # ids per "IN (...)" query (SQLite allows 999 parameters in old builds)


def _v1(conn: Connection, dialect: Dialect) -> None:
    conn.execute(
        dialect.ddl(
            """CREATE TABLE articles (
                guild_key  {BIGINT} NOT NULL,
                id         {TEXT} NOT NULL,
                title      {TEXT} NOT NULL,
                url        {TEXT},
                published  {TEXT},
                source     {TEXT},
                body       {TEXT} NOT NULL,
                sha256     {TEXT} NOT NULL,
                added_by   {BIGINT},
                added_at   {TEXT} NOT NULL,
                PRIMARY KEY (id),
                UNIQUE (guild_key, sha256)
            )"""
        )
    )
    conn.execute("CREATE INDEX articles_by_guild ON articles (guild_key, added_at)")


def _v2(conn: Connection, dialect: Dialect) -> None:
    """Dates as ISO 8601: each stored date string is parsed once; one that cannot be read is cleared."""
    rows = conn.execute("SELECT id, published FROM articles WHERE published IS NOT NULL").fetchall()
    for article_id, raw in rows:
        parsed = read_published(raw, article=str(article_id))
        conn.execute("UPDATE articles SET published = ? WHERE id = ?", (parsed.iso() if parsed else None, article_id))


def _v3(conn: Connection, dialect: Dialect) -> None:
    """Feeds: followed feeds, the items taken from each, and poll leases (``bot.storage.feeds``)."""
    from bot.storage.feeds import create_feed_tables  # that module builds on this one

    create_feed_tables(conn, dialect)


MIGRATIONS: tuple[Callable[[Connection, Dialect], None], ...] = (_v1, _v2, _v3)
SCHEMA_VERSION = len(MIGRATIONS)


class SqlArticleStore:
    """Articles per server in ``db``, every method one transaction. Safe to share between threads."""

    def __init__(self, db: Database, *, migrate: bool = True) -> None:
        self.db = db
        if migrate:
            db.migrate(COMPONENT, MIGRATIONS)

    def add_article(self, article: StoredArticle) -> None:
        """Insert ``article`` in one transaction; raises ``DuplicateArticle``."""
        try:
            with self.db.transaction() as conn:
                insert_article_row(conn, article)
        except self.db.integrity_error as exc:
            raise DuplicateArticle(f"this article is already in the corpus ({article.meta.title!r})") from exc

    def remove_article(self, article_id: str, *, guild_id: int | None) -> StoredArticle:
        """Delete one article of ``guild_id``; raises ``ArticleNotFound``."""
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM articles WHERE id = ? AND guild_key = ?", (article_id, guild_key(guild_id))
            ).fetchone()
            if row is None:
                raise ArticleNotFound(f"no added article {article_id!r} in this corpus")
            conn.execute("DELETE FROM articles WHERE id = ?", (article_id,))
        return _row(row)

    def list_articles(self, *, guild_id: int | None) -> list[StoredArticle]:
        """Articles of one server (``None``: global), oldest first."""
        rows = self.db.query("SELECT * FROM articles WHERE guild_key = ? ORDER BY added_at, id", (guild_key(guild_id),))
        return [_row(r) for r in rows]

    def all_articles(self) -> list[StoredArticle]:
        """Every added article, oldest first."""
        return [_row(r) for r in self.db.query("SELECT * FROM articles ORDER BY added_at, id")]

    @contextmanager
    def transaction(self, *, announce: bool = True) -> Iterator[Connection]:
        """The connection inside one write transaction (committed on exit, rolled back on an error);
        for stores of other tables in the same database (``bot.storage.feeds``). ``announce=False``
        for state no process keeps in memory (see ``Database.transaction``)."""
        with self.db.transaction(announce=announce) as conn:
            yield conn

    def query(self, sql: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
        """The rows of one read statement."""
        return self.db.query(sql, params)

    def change_mark(self) -> int:
        """Moves when another process has committed a change (see ``Database.change_mark``)."""
        return self.db.change_mark()

    def on_change(self, callback: Callable[[], None]) -> None:
        """See ``Database.on_change``."""
        self.db.on_change(callback)

    def article_keys(self) -> dict[str, int | None]:
        """id -> server (``None``: global) of every stored article."""
        rows = self.db.query("SELECT id, guild_key FROM articles")
        return {str(i): guild_of(g) for i, g in rows}

    def get_articles(self, ids: Sequence[str]) -> list[StoredArticle]:
        """The stored articles among ``ids``, oldest first (read in batches of 500 ids)."""
        found: list[StoredArticle] = []
        wanted = list(dict.fromkeys(ids))
        for lo in range(0, len(wanted), _BATCH):
            batch = wanted[lo : lo + _BATCH]
            marks = ", ".join("?" * len(batch))
            rows = self.db.query(f"SELECT * FROM articles WHERE id IN ({marks})", batch)  # noqa: S608 - only placeholders
            found.extend(_row(r) for r in rows)
        found.sort(key=lambda a: (a.added_at, a.meta.id))
        return found

    def close(self) -> None:
        """Close the database."""
        self.db.close()


def insert_article_row(conn: Connection, article: StoredArticle) -> None:
    """Insert ``article`` inside the caller's transaction; a duplicate raises the database's
    integrity error."""
    m = article.meta
    published = m.published.iso() if m.published else None
    added_at = article.added_at or datetime.now(UTC).isoformat(timespec="seconds")
    conn.execute(
        "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (guild_key(article.guild_id), m.id, m.title, m.url, published, m.source, article.text,
         article.sha256, article.added_by, added_at),
    )  # fmt: skip


def guild_key(guild_id: int | None) -> int:
    """The stored key of a server (``GLOBAL`` for the corpus every server sees)."""
    return GLOBAL if guild_id is None else int(guild_id)


def guild_of(key: object) -> int | None:
    """The server of a stored key (``None``: every server's)."""
    return None if key == GLOBAL else int(key)  # type: ignore[call-overload]


def _published(value: object) -> Published | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return Published.from_iso(value)
    except ValueError:  # written by hand or by a newer program: read it as any source's date
        return read_published(value, article="?")


def _row(row: tuple[object, ...]) -> StoredArticle:
    key, id_, title, url, published, source, body, sha, added_by, added_at = row
    return StoredArticle(
        meta=ArticleMeta(id=str(id_), title=str(title), url=url, published=_published(published), source=source),  # type: ignore[arg-type]
        text=str(body),
        guild_id=guild_of(key),
        sha256=str(sha),
        added_by=added_by,  # type: ignore[arg-type]
        added_at=str(added_at),
    )
