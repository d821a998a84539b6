"""The PostgreSQL ``Database``: the state every bot process shares (``NEWSBOT_DATABASE_URL``).

Through psycopg 3 (its binary wheel carries libpq, so nothing else is installed). Every component's
schema version is a row of ``schema_versions``, migrated under an advisory lock so that processes
starting together take turns. Each connection has a topic (``articles`` for the articles and
feeds, ``discord`` for the Discord front end's state): a write transaction that changed rows adds
one to its topic's counter in ``store_changes`` and sends a NOTIFY on ``newsbot_changes`` with the
topic (delivered at commit). A listening thread wakes the other processes' stores of that topic at
once, and the counter, read every few seconds, is the safety net when a notification is missed (a
dropped connection, a process that was busy).
"""

from __future__ import annotations

import contextlib
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
# TCP keepalives and a user timeout: a connection whose peer vanished (a server rebooted, a network
# cut) is found dead within about a minute instead of blocking a call forever.
_KEEPALIVE = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3,
              "tcp_user_timeout": 60_000}  # fmt: skip
_QUOTED_OR_MARK = re.compile(r"'(?:[^']|'')*'|\?|%")
_PASSWORD_PARAM = re.compile(r"(?i)(password=)[^&]*")


def is_postgres_url(url: str) -> bool:
    """Whether ``url`` names a PostgreSQL database (``postgresql://`` or ``postgres://``)."""
    return url.startswith(("postgresql://", "postgres://"))


def redact(url: str) -> str:
    """``url`` without its password (in the user part or as a ``password=`` parameter)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        netloc = f"{parts.username}:***@{netloc.rsplit('@', 1)[1]}"
    return urlunsplit(parts._replace(netloc=netloc, query=_PASSWORD_PARAM.sub(r"\1***", parts.query)))


def translate(sql: str) -> str:
    """``?`` placeholders as psycopg's ``%s`` and a literal ``%`` doubled, outside quoted text."""

    def one(match: re.Match[str]) -> str:
        found = match.group()
        return "%s" if found == "?" else "%%" if found == "%" else found.replace("%", "%%")

    return _QUOTED_OR_MARK.sub(one, sql)


def _driver() -> Any:  # noqa: ANN401 - the psycopg module
    try:
        import psycopg
    except ImportError as exc:
        raise StoreError(
            "NEWSBOT_DATABASE_URL names PostgreSQL but psycopg is not installed: pip install 'cited-newsbot[postgres]'"
        ) from exc
    return psycopg


class _Connection:
    """A psycopg connection inside a transaction, taking ``?`` placeholders; notes whether a
    statement changed something (a write of no rows wakes nobody)."""

    def __init__(self, conn: psycopg.Connection[Any], translate: Callable[[str], str]) -> None:
        self._conn = conn
        self._translate = translate
        self.wrote = False

    def execute(self, sql: str, params: Sequence[object] = ()) -> Cursor:
        cursor = self._conn.execute(self._translate(sql), _clean(params))  # type: ignore[arg-type]
        if cursor.rowcount != 0 and not sql.lstrip().upper().startswith("SELECT"):
            self.wrote = True  # rows changed, or DDL (rowcount -1)
        return cursor  # type: ignore[return-value]


def _clean(params: Sequence[object]) -> list[object]:
    """PostgreSQL text cannot hold NUL: it is dropped (ingest removes it already; this is the last guard)."""
    return [p.replace("\x00", "") if isinstance(p, str) else p for p in params]


class PostgresDatabase:
    """One PostgreSQL database, shared by every process of the bot. Thread-safe (one connection
    under a lock; the listener has its own).

    ``read_only`` (commands that only read: ``ask``, ``doctor``, ``insights``) runs no DDL on tables
    at this program's schema and refuses to upgrade older ones: only a running bot, or a command
    that writes, migrates the shared schema.
    """

    dialect = POSTGRES

    def __init__(
        self, url: str, *, topic: str = "articles", read_only: bool = False,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
    ) -> None:  # fmt: skip
        self._psycopg = _driver()
        self.integrity_error: type[Exception] = self._psycopg.IntegrityError
        self._url = url
        self.topic = topic
        self.read_only = read_only
        self._timeout = max(1, int(connect_timeout_s))
        self._lock = threading.Lock()
        self._sql: dict[str, str] = {}
        self._own_changes = 0  # counter steps this process made itself (left out of change_mark)
        self._ready = False  # store_changes exists (after the first migrate)
        self._callbacks: list[Callable[[], None]] = []
        self._listener: threading.Thread | None = None
        self._stop = threading.Event()
        self.listening = threading.Event()  # set while the listener's LISTEN is in place
        self._conn = self._connect()

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            return self._psycopg.connect(self._url, autocommit=True, connect_timeout=self._timeout, **_KEEPALIVE)
        except self._psycopg.Error as exc:
            raise StoreError(f"cannot reach the database {redact(self._url)}: {_first_line(exc)}") from exc

    def _translate(self, sql: str) -> str:
        found = self._sql.get(sql)
        if found is None:
            found = self._sql[sql] = translate(sql)
        return found

    def describe(self) -> str:
        """The URL without its password."""
        return redact(self._url)

    def _fail(self, exc: Exception) -> StoreError:
        return StoreError(f"the database {redact(self._url)} failed: {_first_line(exc)}")

    def _live(self) -> psycopg.Connection[Any]:
        """The connection, made again if it is known to be lost (the lock held)."""
        if self._conn.closed or self._conn.broken:
            self._conn = self._connect()
        return self._conn

    def _retrying(self, work: Callable[[psycopg.Connection[Any]], Any]) -> Any:  # noqa: ANN401 - what work returns
        """``work(connection)`` (the lock held); once more on a new connection when the first found
        the connection dead: for reads and for BEGIN, where nothing was changed yet. Driver errors
        are one-line ``StoreError``s."""
        conn = self._live()
        try:
            return work(conn)
        except (self._psycopg.OperationalError, self._psycopg.InterfaceError) as exc:
            if not (conn.closed or conn.broken):
                raise self._fail(exc) from exc
        except self._psycopg.Error as exc:
            raise self._fail(exc) from exc
        self._conn = self._connect()
        try:
            return work(self._conn)
        except self._psycopg.Error as exc:
            raise self._fail(exc) from exc

    def _run(self, work: Callable[[psycopg.Connection[Any]], Any]) -> Any:  # noqa: ANN401 - what work returns
        """``_retrying`` under the lock: one read."""
        with self._lock:
            return self._retrying(work)

    @contextmanager
    def transaction(self, *, announce: bool = True) -> Iterator[_Connection]:
        """One transaction; one that changed rows (and ``announce``) counts one change of this
        topic and notifies the other processes. A connection found dead at BEGIN is made again
        (nothing was sent); a duplicate is the driver's ``IntegrityError``, other failures one-line
        ``StoreError``s."""
        changed = False
        with self._lock:
            self._retrying(lambda conn: conn.execute("BEGIN"))
            conn = self._conn
            try:
                wrapped = _Connection(conn, self._translate)
                yield wrapped
                if wrapped.wrote and announce and self._ready:
                    conn.execute(
                        "INSERT INTO store_changes VALUES (%s, 1)"
                        " ON CONFLICT (topic) DO UPDATE SET n = store_changes.n + 1",
                        (self.topic,),
                    )
                    conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, self.topic))
                    changed = True
            except BaseException as exc:
                with contextlib.suppress(self._psycopg.Error):  # a lost connection: the first error says why
                    conn.execute("ROLLBACK")
                if isinstance(exc, self._psycopg.Error) and not isinstance(exc, self._psycopg.IntegrityError):
                    raise self._fail(exc) from exc
                raise
            try:
                conn.execute("COMMIT")
            except self._psycopg.Error as exc:
                raise self._fail(exc) from exc
        if changed:  # only once committed: a failed commit must not move change_mark back
            self._own_changes += 1

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """The rows of one read statement."""
        return self._run(lambda conn: conn.execute(self._translate(sql), _clean(params)).fetchall())  # type: ignore[arg-type]

    def _version(self, component: str) -> int:
        def read(conn: psycopg.Connection[Any]) -> int:
            if conn.execute("SELECT to_regclass('schema_versions')").fetchone()[0] is None:  # type: ignore[index]
                return 0
            row = conn.execute("SELECT version FROM schema_versions WHERE component = %s", (component,)).fetchone()
            return int(row[0]) if row else 0

        return int(self._run(read))

    def migrate(self, component: str, steps: Sequence[Migration]) -> None:
        """Bring ``component`` to ``len(steps)``, one step per transaction, under an advisory lock
        (read-only: nothing to do at this schema, a fresh database is set up, an older or newer one
        refused)."""
        version = self._version(component)
        if version > len(steps):
            raise self._newer(component, version, len(steps))
        if self.read_only and version == len(steps):
            self._ready = True
            return
        if self.read_only and version > 0:
            raise StoreError(
                f"the {component} tables in {self.describe()} have schema {version}, older than this program's "
                f"({len(steps)}); a read-only command does not upgrade them: start the bot to do so"
            )
        with self.transaction(announce=False) as conn:
            conn.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
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
                    raise self._newer(component, version, len(steps))
                if version == len(steps):
                    return
                steps[version](wrapped, self.dialect)
                wrapped.execute(
                    "INSERT INTO schema_versions VALUES (?, ?)"
                    " ON CONFLICT (component) DO UPDATE SET version = excluded.version",
                    (component, version + 1),
                )

    def _newer(self, component: str, version: int, known: int) -> StoreError:
        return StoreError(
            f"the {component} tables in {self.describe()} have schema {version}, newer than this "
            f"program's ({known}); upgrade newsbot"
        )

    def change_mark(self) -> int:
        """This topic's change counter less this connection's own steps: it moves only for other
        processes' commits."""
        row = self._run(
            lambda conn: conn.execute("SELECT n FROM store_changes WHERE topic = %s", (self.topic,)).fetchone()
        )
        return (int(row[0]) if row else 0) - self._own_changes

    def on_change(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` from the listening thread when another process notifies a change of this
        topic (and after the listening connection was made again, since one may have been missed)."""
        self._callbacks.append(callback)
        if self._listener is None:
            self._listener = threading.Thread(target=self._listen, name="newsbot-listen", daemon=True)
            self._listener.start()

    def _listen(self) -> None:
        failures = 0  # in a row: the first is a warning, the next ones (the server still away) debug lines
        while not self._stop.is_set():
            try:
                with self._psycopg.connect(
                    self._url, autocommit=True, connect_timeout=self._timeout, **_KEEPALIVE
                ) as conn:  # fmt: skip
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    if failures:
                        self._notify()  # listening again: whatever changed meanwhile is looked at now
                    failures = 0
                    own = self._backend_pid()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=1.0):
                            if note.pid != own and note.payload == self.topic:
                                self._notify()
                        own = self._backend_pid()
            except self._psycopg.Error as exc:
                self.listening.clear()
                if self._stop.is_set():
                    return
                failures += 1
                _log.log(
                    logging.WARNING if failures == 1 else logging.DEBUG,
                    "lost the database's change notifications (%s); listening again", _first_line(exc),
                )
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
