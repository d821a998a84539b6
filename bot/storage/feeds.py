"""Feed state in the article store's database (schema version 3): followed feeds, the items taken from each,
and the lease that lets one process at a time poll a feed.

An item is marked seen in the same transaction that stores its article, so a kill -9 at any
point of a poll neither loses an item (not marked, so taken by the next poll) nor doubles one
(marked, so skipped). The methods mirror ``bot.feeds.store.FeedStore`` so that a shared
PostgreSQL store can offer the same; the same SQL runs on both (``bot.storage.db``).
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from bot.errors import ArticleNotFound
from bot.feeds.models import Feed, FeedError, Filters
from bot.storage.articles import GLOBAL, SqlArticleStore, guild_key, guild_of, insert_article_row
from bot.storage.base import StoredArticle
from bot.storage.db import Connection, Dialect

FEED_ITEM_COLUMNS = "feed_id, item_key, guild_key, link, article_id, seen_at"
FEED_COLUMNS = (
    "id, guild_key, url, title, channel_id, include, exclude, interval_s, etag, last_modified, next_poll, "
    "last_success, last_error, failures, disabled, primed, taken"
)


def create_feed_tables(conn: Connection, dialect: Dialect) -> None:
    """Migration 3: the feed tables."""
    conn.execute(
        dialect.ddl("""CREATE TABLE feeds (
            id            {SERIAL},
            guild_key     {BIGINT} NOT NULL,
            url           {TEXT} NOT NULL,
            title         {TEXT} NOT NULL,
            channel_id    {BIGINT},
            include       {TEXT} NOT NULL DEFAULT '',
            exclude       {TEXT} NOT NULL DEFAULT '',
            interval_s    {BIGINT} NOT NULL,
            etag          {TEXT},
            last_modified {TEXT},
            next_poll     {REAL} NOT NULL,
            last_success  {REAL},
            last_error    {TEXT},
            failures      {BIGINT} NOT NULL DEFAULT 0,
            disabled      {BIGINT} NOT NULL DEFAULT 0,
            primed        {BIGINT} NOT NULL DEFAULT 0,
            taken         {BIGINT} NOT NULL DEFAULT 0,
            UNIQUE (guild_key, url)
        )""")
    )
    conn.execute(
        dialect.ddl("""CREATE TABLE feed_items (
            feed_id    {BIGINT} NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
            item_key   {TEXT} NOT NULL,
            guild_key  {BIGINT} NOT NULL,
            link       {TEXT},
            article_id {TEXT},
            seen_at    {TEXT} NOT NULL,
            PRIMARY KEY (feed_id, item_key)
        )""")
    )
    conn.execute("CREATE INDEX feed_items_by_link ON feed_items (guild_key, link)")
    conn.execute(
        dialect.ddl("""CREATE TABLE feed_leases (
            feed_id  {BIGINT} PRIMARY KEY,
            holder   {TEXT} NOT NULL,
            expires  {REAL} NOT NULL
        )""")
    )


class SqlFeedStore:
    """Feeds in the same database (and transactions) as the articles of ``articles``."""

    def __init__(self, articles: SqlArticleStore) -> None:
        self._articles = articles

    def add_feed(
        self, *, guild_id: int | None, url: str, title: str, channel_id: int | None, filters: Filters,
        interval_s: int, now: float,
    ) -> Feed:  # fmt: skip
        """Follow ``url`` for ``guild_id``; following it again updates channel, filters and interval,
        and switches a disabled feed back on (its failures forgotten, polled at once)."""
        with self._articles.transaction() as conn:
            conn.execute(
                """INSERT INTO feeds (guild_key, url, title, channel_id, include, exclude, interval_s, next_poll)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (guild_key, url) DO UPDATE SET
                     title = excluded.title, channel_id = excluded.channel_id, include = excluded.include,
                     exclude = excluded.exclude, interval_s = excluded.interval_s, next_poll = excluded.next_poll,
                     disabled = 0, failures = 0, last_error = NULL""",
                (guild_key(guild_id), url, title, channel_id, "\n".join(filters.include), "\n".join(filters.exclude),
                 interval_s, now),
            )  # fmt: skip
            row = conn.execute(
                f"SELECT {FEED_COLUMNS} FROM feeds WHERE guild_key = ? AND url = ?", (guild_key(guild_id), url)  # noqa: S608 - constant column list and ? marks only
            ).fetchone()
        return _feed(row)

    def remove_feed(self, feed_id: int, *, guild_id: int | None) -> Feed:
        """Stop following a feed of ``guild_id`` (its articles stay); raises ``FeedError``."""
        with self._articles.transaction() as conn:
            row = conn.execute(
                f"SELECT {FEED_COLUMNS} FROM feeds WHERE id = ? AND guild_key = ?", (feed_id, guild_key(guild_id))  # noqa: S608 - constant column list and ? marks only
            ).fetchone()
            if row is None:
                raise FeedError(f"this server follows no feed number {feed_id}")
            conn.execute("DELETE FROM feed_items WHERE feed_id = ?", (feed_id,))
            conn.execute("DELETE FROM feed_leases WHERE feed_id = ?", (feed_id,))
            conn.execute("DELETE FROM feeds WHERE id = ?", (feed_id,))
        return _feed(row)

    def feeds(self, *, guild_id: int | None) -> list[Feed]:
        """The feeds one server follows (``None``: those followed for every server), oldest first."""
        return [_feed(r) for r in self._articles.query(
            f"SELECT {FEED_COLUMNS} FROM feeds WHERE guild_key = ? ORDER BY id", (guild_key(guild_id),))]  # fmt: skip  # noqa: S608 - constant column list and ? marks only

    def all_feeds(self) -> list[Feed]:
        """Every followed feed."""
        return [_feed(r) for r in self._articles.query(f"SELECT {FEED_COLUMNS} FROM feeds ORDER BY id", ())]  # noqa: S608 - constant column list and ? marks only

    def feed(self, feed_id: int) -> Feed | None:
        """One feed by number, or ``None`` if it is no longer followed."""
        rows = self._articles.query(f"SELECT {FEED_COLUMNS} FROM feeds WHERE id = ?", (feed_id,))  # noqa: S608 - constant column list and ? marks only
        return _feed(rows[0]) if rows else None

    def due_feeds(self, now: float) -> list[Feed]:
        """Enabled feeds whose next poll time has come, the most overdue first."""
        rows = self._articles.query(
            f"SELECT {FEED_COLUMNS} FROM feeds WHERE disabled = 0 AND next_poll <= ? ORDER BY next_poll, id", (now,)  # noqa: S608 - constant column list and ? marks only
        )
        return [_feed(r) for r in rows]

    def acquire_lease(self, feed_id: int, *, holder: str, now: float, ttl_s: float) -> bool:
        """Take (or renew) the right to poll ``feed_id`` until ``now + ttl_s``; ``False`` while
        another holder's lease has not expired."""
        with self._articles.transaction(announce=False) as conn:  # read afresh each poll: nobody to wake
            cursor = conn.execute(
                """INSERT INTO feed_leases (feed_id, holder, expires) VALUES (?, ?, ?)
                   ON CONFLICT (feed_id) DO UPDATE SET holder = excluded.holder, expires = excluded.expires
                   WHERE feed_leases.expires <= ? OR feed_leases.holder = excluded.holder""",
                (feed_id, holder, now + ttl_s, now),
            )
            return cursor.rowcount == 1

    def release_lease(self, feed_id: int, *, holder: str) -> None:
        """Give the lease back (only if ``holder`` still has it)."""
        with self._articles.transaction(announce=False) as conn:  # read afresh each poll: nobody to wake
            conn.execute("DELETE FROM feed_leases WHERE feed_id = ? AND holder = ?", (feed_id, holder))

    def seen_keys(self, feed_id: int, keys: list[str]) -> set[str]:
        """Those of ``keys`` already taken (or passed over) from this feed."""
        seen: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._articles.query(
                f"SELECT item_key FROM feed_items WHERE feed_id = ? AND item_key IN ({marks})", (feed_id, *chunk)  # noqa: S608 - constant column list and ? marks only
            )
            seen.update(str(r[0]) for r in rows)
        return seen

    def link_taken(self, link: str, *, guild_id: int | None) -> bool:
        """Whether another feed already gave an article at ``link`` to this server or to every server."""
        rows = self._articles.query(
            "SELECT 1 FROM feed_items WHERE link = ? AND article_id IS NOT NULL AND guild_key IN (?, ?) LIMIT 1",
            (link, guild_key(guild_id), GLOBAL),
        )
        return bool(rows)

    def text_taken(self, sha256: str, *, guild_id: int | None) -> bool:
        """Whether this server (or every server) already has an article with this text digest."""
        rows = self._articles.query(
            "SELECT 1 FROM articles WHERE sha256 = ? AND guild_key IN (?, ?) LIMIT 1",
            (sha256, guild_key(guild_id), GLOBAL),
        )
        return bool(rows)

    def take_item(self, feed_id: int, key: str, *, link: str | None, article: StoredArticle | None) -> bool:
        """In one transaction: mark the item seen and store its article (if any). ``False`` (and
        nothing written) when the item was seen already or its text is already stored."""
        seen_at = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            return self._take(feed_id, key, link=link, article=article, seen_at=seen_at)
        except self._articles.db.integrity_error:  # PostgreSQL checks the feed still exists: removed meanwhile
            return False

    def _take(self, feed_id: int, key: str, *, link: str | None, article: StoredArticle | None, seen_at: str) -> bool:
        """``take_item``'s transaction."""
        # Only a stored article is news for the other processes (an item passed over is not).
        with self._articles.transaction(announce=article is not None) as conn:
            row = conn.execute("SELECT guild_key FROM feeds WHERE id = ?", (feed_id,)).fetchone()
            if row is None:
                return False  # removed meanwhile
            cursor = conn.execute(
                "INSERT INTO feed_items VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (feed_id, key, row[0], link, article.meta.id if article else None, seen_at),
            )
            if cursor.rowcount == 0:
                return False
            if article is None:
                return True
            try:
                with _savepoint(conn):
                    insert_article_row(conn, article)
            except self._articles.db.integrity_error:
                conn.execute(
                    "UPDATE feed_items SET article_id = NULL WHERE feed_id = ? AND item_key = ?", (feed_id, key)
                )
                return False
            conn.execute("UPDATE feeds SET taken = taken + 1 WHERE id = ?", (feed_id,))
        return True

    def record_poll(
        self, feed_id: int, *, ok: bool, next_poll: float, now: float, etag: str | None = None,
        last_modified: str | None = None, title: str | None = None, error: str | None = None,
        failures: int = 0, disabled: bool = False,
    ) -> None:  # fmt: skip
        """Store a poll's outcome: validators and title after a success, the error and failure
        count after a failure; ``next_poll`` either way."""
        with self._articles.transaction(announce=False) as conn:  # read afresh each poll: nobody to wake
            if ok:
                conn.execute(
                    """UPDATE feeds SET etag = ?, last_modified = ?, title = COALESCE(?, title), next_poll = ?,
                       last_success = ?, last_error = NULL, failures = 0, primed = 1 WHERE id = ?""",
                    (etag, last_modified, title, next_poll, now, feed_id),
                )
            else:
                conn.execute(
                    "UPDATE feeds SET last_error = ?, failures = ?, next_poll = ?, disabled = ? WHERE id = ?",
                    (error, failures, next_poll, int(disabled), feed_id),
                )

    def feed_articles_before(self, published_before: str) -> list[tuple[str, int | None]]:
        """(article id, guild id) of articles taken from feeds and published before the ISO date."""
        rows = self._articles.query(
            """SELECT DISTINCT a.id, a.guild_key FROM articles a JOIN feed_items f ON f.article_id = a.id
               WHERE a.published IS NOT NULL AND a.published < ?""",
            (published_before,),
        )
        return [(str(r[0]), guild_of(r[1])) for r in rows]

    def drop_article(self, article_id: str, *, guild_id: int | None) -> None:
        """Delete a feed article (retention); its item stays marked seen so it is not taken again."""
        with contextlib.suppress(ArticleNotFound):
            self._articles.remove_article(article_id, guild_id=guild_id)


class _savepoint:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def __enter__(self) -> None:
        self._conn.execute("SAVEPOINT article")

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        if kind is None:
            self._conn.execute("RELEASE article")
        else:
            self._conn.execute("ROLLBACK TO article")
            self._conn.execute("RELEASE article")


def _words(value: object) -> tuple[str, ...]:
    return tuple(w for w in str(value).split("\n") if w)


def _feed(row: tuple[object, ...]) -> Feed:
    (id_, key, url, title, channel, include, exclude, interval, etag, modified, next_poll, success, error,
     failures, disabled, primed, taken) = row  # fmt: skip
    return Feed(
        id=int(id_),  # type: ignore[arg-type]
        guild_id=guild_of(key),
        url=str(url),
        title=str(title),
        channel_id=int(channel) if channel is not None else None,  # type: ignore[arg-type]
        filters=Filters(_words(include), _words(exclude)),
        interval_s=int(interval),  # type: ignore[arg-type]
        etag=etag,  # type: ignore[arg-type]
        last_modified=modified,  # type: ignore[arg-type]
        next_poll=float(next_poll),  # type: ignore[arg-type]
        last_success=float(success) if success is not None else None,  # type: ignore[arg-type]
        last_error=error,  # type: ignore[arg-type]
        failures=int(failures),  # type: ignore[arg-type]
        disabled=bool(disabled),
        primed=bool(primed),
        taken=int(taken),  # type: ignore[arg-type]
    )
