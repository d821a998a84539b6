"""``ArticleStore`` on SQLite: one database file, WAL journal, a schema version with migrations."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bot import locks
from bot.dates import read_published
from bot.errors import ArticleNotFound
from bot.models import ArticleMeta, Published
from bot.storage.base import DuplicateArticle, StoredArticle, StoreError

GLOBAL = 0  # guild key of the corpus every server sees (Discord ids are never 0)
BUSY_TIMEOUT_S = 10.0  # how long a statement waits for another process's write lock
_BATCH = 500  # ids per "IN (...)" query (SQLite allows 999 parameters in old builds)


def _v1(conn: sqlite3.Connection) -> None:
    conn.execute(
        """CREATE TABLE articles (
            guild_key  INTEGER NOT NULL,
            id         TEXT NOT NULL,
            title      TEXT NOT NULL,
            url        TEXT,
            published  TEXT,
            source     TEXT,
            body       TEXT NOT NULL,
            sha256     TEXT NOT NULL,
            added_by   INTEGER,
            added_at   TEXT NOT NULL,
            PRIMARY KEY (id),
            UNIQUE (guild_key, sha256)
        )"""
    )
    conn.execute("CREATE INDEX articles_by_guild ON articles (guild_key, added_at)")


def _v2(conn: sqlite3.Connection) -> None:
    """Dates as ISO 8601: each stored date string is parsed once; one that cannot be read is cleared."""
    rows = conn.execute("SELECT id, published FROM articles WHERE published IS NOT NULL").fetchall()
    for article_id, raw in rows:
        parsed = read_published(raw, article=str(article_id))
        conn.execute("UPDATE articles SET published = ? WHERE id = ?", (parsed.iso() if parsed else None, article_id))


def _v3(conn: sqlite3.Connection) -> None:
    """Feeds: followed feeds, the items taken from each, and poll leases (``bot.storage.feeds``)."""
    from bot.storage.feeds import create_feed_tables  # that module builds on this one

    create_feed_tables(conn)


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_v1, _v2, _v3)
SCHEMA_VERSION = len(MIGRATIONS)


class SqliteArticleStore:
    """Articles per server in one SQLite file. Safe to share between threads (one lock).

    ``read_only`` opens an existing file for reading only, which works in a folder the process
    cannot write (e.g. ``ask`` over a read-only data folder); writes then raise ``StoreError``.
    """

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        try:
            if read_only:
                self._conn = _connect_read_only(path)
                self._check_version()
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                # Under a lock between processes: two first starts at once must neither both create
                # the tables nor fail to switch the new file to WAL ("database is locked").
                with locks.exclusive(path.with_name(path.name + ".lock")):
                    self._conn = sqlite3.connect(
                        path, check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT_S
                    )
                    self._conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
                    self._conn.execute("PRAGMA journal_mode=WAL")
                    self._conn.execute("PRAGMA synchronous=FULL")
                    self._migrate()
        except (sqlite3.DatabaseError, OSError) as exc:
            raise StoreError(f"cannot open the store {path}: {exc}") from exc
        self._lock = threading.Lock()
        self.path = path

    def _check_version(self) -> None:
        version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
        if version != SCHEMA_VERSION:
            raise StoreError(
                f"store schema {version} is not this program's ({SCHEMA_VERSION}) and it is opened read-only; "
                "run newsbot once where the data folder is writable"
            )

    def _migrate(self) -> None:
        while self._version() != SCHEMA_VERSION:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                # Read again under the write lock: another process may have migrated meanwhile.
                version = self._version()
                if version < SCHEMA_VERSION:
                    MIGRATIONS[version](self._conn)
                    self._conn.execute(f"PRAGMA user_version = {version + 1}")
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def _version(self) -> int:
        version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StoreError(f"store schema {version} is newer than this program's ({SCHEMA_VERSION}); upgrade newsbot")
        return version

    def add_article(self, article: StoredArticle) -> None:
        """Insert ``article`` in one transaction; raises ``DuplicateArticle``."""
        m = article.meta
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                insert_article_row(self._conn, article)
                self._conn.execute("COMMIT")
            except sqlite3.IntegrityError as exc:
                self._conn.execute("ROLLBACK")
                raise DuplicateArticle(f"this article is already in the corpus ({m.title!r})") from exc
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    def remove_article(self, article_id: str, *, guild_id: int | None) -> StoredArticle:
        """Delete one article of ``guild_id``; raises ``ArticleNotFound``."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                row = self._conn.execute(
                    "SELECT * FROM articles WHERE id = ? AND guild_key = ?", (article_id, _key(guild_id))
                ).fetchone()
                if row is None:
                    raise ArticleNotFound(f"no added article {article_id!r} in this corpus")
                self._conn.execute("DELETE FROM articles WHERE id = ?", (article_id,))
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return _row(row)

    def list_articles(self, *, guild_id: int | None) -> list[StoredArticle]:
        """Articles of one server (``None``: global), oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT * FROM articles WHERE guild_key = ? ORDER BY added_at, id", (_key(guild_id),)
            ).fetchall()
        return [_row(r) for r in rows]

    def all_articles(self) -> list[StoredArticle]:
        """Every added article, oldest first."""
        with self._lock:
            rows = self._conn.execute("SELECT * FROM articles ORDER BY added_at, id").fetchall()
        return [_row(r) for r in rows]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The connection inside one write transaction (committed on exit, rolled back on an error);
        for stores of other tables in the same file (``bot.storage.feeds``)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def query(self, sql: str, params: tuple[object, ...]) -> list[tuple[object, ...]]:
        """The rows of one read statement."""
        with self._lock:
            return self._conn.execute(sql, params).fetchall()
    def change_mark(self) -> int:
        """``PRAGMA data_version``: it changes when another connection commits (this one's own
        commits leave it as it is, and are applied by whoever made them)."""
        with self._lock:
            return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def article_keys(self) -> dict[str, int | None]:
        """id -> server (``None``: global) of every stored article."""
        with self._lock:
            rows = self._conn.execute("SELECT id, guild_key FROM articles").fetchall()
        return {str(i): None if g == GLOBAL else int(g) for i, g in rows}

    def get_articles(self, ids: Sequence[str]) -> list[StoredArticle]:
        """The stored articles among ``ids``, oldest first (read in batches of 500 ids)."""
        found: list[StoredArticle] = []
        wanted = list(dict.fromkeys(ids))
        with self._lock:
            for lo in range(0, len(wanted), _BATCH):
                batch = wanted[lo : lo + _BATCH]
                marks = ", ".join("?" * len(batch))
                rows = self._conn.execute(f"SELECT * FROM articles WHERE id IN ({marks})", batch).fetchall()  # noqa: S608 - only placeholders
                found.extend(_row(r) for r in rows)
        found.sort(key=lambda a: (a.added_at, a.meta.id))
        return found

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()


def insert_article_row(conn: sqlite3.Connection, article: StoredArticle) -> None:
    """Insert ``article`` inside the caller's transaction; raises ``sqlite3.IntegrityError`` for a duplicate."""
    m = article.meta
    published = m.published.iso() if m.published else None
    added_at = article.added_at or datetime.now(UTC).isoformat(timespec="seconds")
    conn.execute(
        "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (_key(article.guild_id), m.id, m.title, m.url, published, m.source, article.text,
         article.sha256, article.added_by, added_at),
    )


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection to ``path``. A WAL database in a folder nobody may write (so SQLite
    cannot make its shared-memory file) is opened as immutable: nothing can change it there."""
    if not path.is_file():
        raise StoreError(f"cannot open the store {path}: no such file")
    uri = path.resolve().as_uri()
    failure: sqlite3.DatabaseError | None = None
    for options in ("mode=ro", "mode=ro&immutable=1"):
        conn = sqlite3.connect(f"{uri}?{options}", uri=True, check_same_thread=False, isolation_level=None, timeout=10)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError as exc:
            conn.close()
            failure = exc
            continue
        return conn
    raise StoreError(f"cannot open the store {path} read-only: {failure}")


def _key(guild_id: int | None) -> int:
    return GLOBAL if guild_id is None else int(guild_id)


def _published(value: object) -> Published | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return Published.from_iso(value)
    except ValueError:  # written by hand or by a newer program: read it as any source's date
        return read_published(value, article="?")


def _row(row: tuple[object, ...]) -> StoredArticle:
    guild_key, id_, title, url, published, source, body, sha, added_by, added_at = row
    return StoredArticle(
        meta=ArticleMeta(id=str(id_), title=str(title), url=url, published=_published(published), source=source),  # type: ignore[arg-type]
        text=str(body),
        guild_id=None if guild_key == GLOBAL else int(guild_key),  # type: ignore[arg-type]
        sha256=str(sha),
        added_by=added_by,  # type: ignore[arg-type]
        added_at=str(added_at),
    )
