"""The PostgreSQL ``Database``: the state every bot process shares (``NEWSBOT_DATABASE_URL``).

Through psycopg 3 (its binary wheel carries libpq, so nothing else is installed). Every component's
schema version is a row of ``schema_versions``, migrated under an advisory lock so that processes
starting together take turns. Each connection has a topic (``articles`` for the articles and
feeds, ``discord`` for the Discord front end's state): a write transaction adds one to its topic's
counter in ``store_changes`` and sends a NOTIFY on ``newsbot_changes`` with the topic (delivered at
commit). A listening thread wakes the other processes' stores of that topic at once, and the
counter, read every few seconds, is the safety net when a notification is missed (a dropped
connection, a process that was busy).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from bot.storage.base import StoreError
from bot.storage.db import POSTGRES, Cursor, Migration

if TYPE_CHECKING:
    import psycopg

_log = logging.getLogger(__name__)

CHANNEL = "newsbot_changes"
_MIGRATION_LOCK = 2026_12_17  # the advisory lock key migrations take
CONNECT_TIMEOUT_S = 10
_PLACEHOLDER = re.compile(r"%|\?")


def is_postgres_url(url: str) -> bool:
    """Whether ``url`` names a PostgreSQL database (``postgresql://`` or ``postgres://``)."""
    return url.startswith(("postgresql://", "postgres://"))


def redact(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def _driver() -> Any:  # noqa: ANN401 - the psycopg module
    try:
        import psycopg
    except ImportError as exc:
        raise StoreError(
            "NEWSBOT_DATABASE_URL names PostgreSQL but psycopg is not installed: pip install 'cited-newsbot[postgres]'"
        ) from exc
    return psycopg


class _Connection:
    """A psycopg connection inside a transaction, taking ``?`` placeholders; notes whether it wrote."""

    def __init__(self, conn: psycopg.Connection[Any], translate: Callable[[str], str]) -> None:
        self._conn = conn
        self._translate = translate
        self.wrote = False

    def execute(self, sql: str, params: Sequence[object] = ()) -> Cursor:
        if not sql.lstrip().upper().startswith("SELECT"):
            self.wrote = True
        return self._conn.execute(self._translate(sql), _clean(params))  # type: ignore[arg-type,return-value]


def _clean(params: Sequence[object]) -> list[object]:
    """PostgreSQL text cannot hold NUL: it is dropped (ingest removes it already; this is the last guard)."""
    return [p.replace("\x00", "") if isinstance(p, str) else p for p in params]


class PostgresDatabase:
    """One PostgreSQL database, shared by every process of the bot. Thread-safe (one connection
    under a lock; the listener has its own)."""

    dialect = POSTGRES

    def __init__(self, url: str, *, topic: str = "articles", connect_timeout_s: float = CONNECT_TIMEOUT_S) -> None:
        self._psycopg = _driver()
        self.integrity_error: type[Exception] = self._psycopg.IntegrityError
        self._url = url
        self.topic = topic
        self._timeout = max(1, int(connect_timeout_s))
        self._lock = threading.Lock()
        self._sql: dict[str, str] = {}
        self._own_changes = 0  # counter steps this process made itself (left out of change_mark)
        self._ready = False  # store_changes exists (after the first migrate)
        self._callbacks: list[Callable[[], None]] = []
        self._listener: threading.Thread | None = None
        self._stop = threading.Event()
        self._conn = self._connect()

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            return self._psycopg.connect(self._url, autocommit=True, connect_timeout=self._timeout)
        except self._psycopg.Error as exc:
            raise StoreError(f"cannot reach the database {redact(self._url)}: {_first_line(exc)}") from exc

    def _translate(self, sql: str) -> str:
        found = self._sql.get(sql)
        if found is None:
            found = self._sql[sql] = _PLACEHOLDER.sub(lambda m: "%s" if m.group() == "?" else "%%", sql)
        return found

    def describe(self) -> str:
        """The URL without its password."""
        return redact(self._url)

    @contextmanager
    def _session(self) -> Iterator[psycopg.Connection[Any]]:
        """The connection (made again if it was lost), under the lock; a lost server is a ``StoreError``."""
        with self._lock:
            if self._conn.closed or self._conn.broken:
                self._conn = self._connect()
            try:
                yield self._conn
            except (self._psycopg.OperationalError, self._psycopg.InterfaceError) as exc:
                raise StoreError(f"the database {redact(self._url)} failed: {_first_line(exc)}") from exc

    @contextmanager
    def transaction(self, *, announce: bool = True) -> Iterator[_Connection]:
        """One transaction; one that wrote (and ``announce``) counts one change of this topic and
        notifies the other processes."""
        with self._session() as conn, conn.transaction():
            wrapped = _Connection(conn, self._translate)
            yield wrapped
            if wrapped.wrote and announce and self._ready:
                conn.execute(
                    "INSERT INTO store_changes VALUES (%s, 1)"
                    " ON CONFLICT (topic) DO UPDATE SET n = store_changes.n + 1",
                    (self.topic,),
                )
                conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, self.topic))
                self._own_changes += 1

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """The rows of one read statement."""
        with self._session() as conn:
            return conn.execute(self._translate(sql), _clean(params)).fetchall()  # type: ignore[arg-type]

    def migrate(self, component: str, steps: Sequence[Migration]) -> None:
        """Bring ``component`` to ``len(steps)``, one step per transaction, under an advisory lock."""
        with self._session() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version BIGINT NOT NULL)"
            )
            conn.execute("CREATE TABLE IF NOT EXISTS store_changes (topic TEXT PRIMARY KEY, n BIGINT NOT NULL)")
        self._ready = True
        while True:
            with self.transaction() as wrapped:
                wrapped.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
                found = wrapped.execute("SELECT version FROM schema_versions WHERE component = ?", (component,))
                row = found.fetchone()
                version = int(row[0]) if row else 0
                if version > len(steps):
                    raise StoreError(
                        f"the {component} tables in {self.describe()} have schema {version}, newer than this "
                        f"program's ({len(steps)}); upgrade newsbot"
                    )
                if version == len(steps):
                    return
                steps[version](wrapped, self.dialect)
                wrapped.execute(
                    "INSERT INTO schema_versions VALUES (?, ?)"
                    " ON CONFLICT (component) DO UPDATE SET version = excluded.version",
                    (component, version + 1),
                )

    def change_mark(self) -> int:
        """This topic's change counter less this connection's own steps: it moves only for other
        processes' commits."""
        with self._session() as conn:
            row = conn.execute("SELECT n FROM store_changes WHERE topic = %s", (self.topic,)).fetchone()
            return (int(row[0]) if row else 0) - self._own_changes

    def on_change(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` from the listening thread when another process notifies a change (and
        after the listening connection was lost, since a notification may have been missed)."""
        self._callbacks.append(callback)
        if self._listener is None:
            self._listener = threading.Thread(target=self._listen, name="newsbot-listen", daemon=True)
            self._listener.start()

    def _listen(self) -> None:
        failures = 0  # in a row: the first is a warning, the next ones (the server still away) debug lines
        while not self._stop.is_set():
            try:
                with self._psycopg.connect(self._url, autocommit=True, connect_timeout=self._timeout) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    failures = 0
                    own = self._backend_pid()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=1.0):
                            if note.pid != own and note.payload == self.topic:
                                self._notify()
                        own = self._backend_pid()
            except self._psycopg.Error as exc:
                if self._stop.is_set():
                    return
                failures += 1
                _log.log(
                    logging.WARNING if failures == 1 else logging.DEBUG,
                    "lost the database's change notifications (%s); listening again", _first_line(exc),
                )
                self._notify()  # something may have changed meanwhile: look now
                self._stop.wait(1.0)

    def _backend_pid(self) -> int:
        conn = self._conn
        return int(conn.info.backend_pid) if not (conn.closed or conn.broken) else -1

    def _notify(self) -> None:
        for callback in list(self._callbacks):
            try:
                callback()
            except Exception:
                _log.exception("a change callback failed")

    def close(self) -> None:
        """Stop listening and close the connection."""
        self._stop.set()
        if self._listener is not None:
            self._listener.join(timeout=3)
        with self._lock:
            self._conn.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
