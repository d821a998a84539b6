"""The SQLite ``Database``: one file, WAL journal, ``PRAGMA user_version`` as the schema version;
and ``SqliteArticleStore``, the article store in such a file (the embedded default)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot import locks
from bot.storage.articles import SqlArticleStore
from bot.storage.base import StoreError
from bot.storage.db import SQLITE, Connection, Migration

BUSY_TIMEOUT_S = 10.0  # how long a statement waits for another process's write lock


class SqliteDatabase:
    """One SQLite file holding one component's tables (its ``user_version`` is that component's
    schema version). Safe to share between threads (one connection under a lock).

    ``read_only`` opens an existing file for reading only, which works in a folder the process
    cannot write (e.g. ``ask`` over a read-only data folder); writes then raise ``StoreError``.
    """

    dialect = SQLITE
    integrity_error: type[Exception] = sqlite3.IntegrityError

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        self._lock = threading.Lock()
        self._component: str | None = None
        try:
            if read_only:
                self._conn = _connect_read_only(path)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                # Under a lock between processes: two first starts at once must not fail to switch
                # the new file to WAL ("database is locked").
                with locks.exclusive(path.with_name(path.name + ".lock")):
                    self._conn = sqlite3.connect(
                        path, check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT_S
                    )
                    self._conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
                    self._conn.execute("PRAGMA journal_mode=WAL")
                    self._conn.execute("PRAGMA synchronous=FULL")
        except (sqlite3.DatabaseError, OSError) as exc:
            raise StoreError(f"cannot open the store {path}: {exc}") from exc

    def migrate(self, component: str, steps: Sequence[Migration]) -> None:
        """Bring the file to ``len(steps)`` (read-only: check it is there already). A file holds one
        component (its ``user_version`` is that component's): another is refused."""
        if self._component not in (None, component):
            raise StoreError(
                f"the store {self.path} holds the {self._component} tables; {component} needs a file of its own"
            )
        self._component = component
        try:
            if self.read_only:
                version = self._version(len(steps))
                if version != len(steps):
                    raise StoreError(
                        f"store schema {version} is not this program's ({len(steps)}) and it is opened read-only; "
                        "run newsbot once where the data folder is writable"
                    )
                return
            with self._lock, locks.exclusive(self.path.with_name(self.path.name + ".lock")):
                while self._version(len(steps)) != len(steps):
                    self._conn.execute("BEGIN IMMEDIATE")
                    try:
                        # Read again under the write lock: another process may have migrated meanwhile.
                        version = self._version(len(steps))
                        if version < len(steps):
                            steps[version](self._conn, self.dialect)
                            self._conn.execute(f"PRAGMA user_version = {version + 1}")
                        self._conn.execute("COMMIT")
                    except BaseException:
                        self._conn.execute("ROLLBACK")
                        raise
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot use the store {self.path}: {exc}") from exc

    def _version(self, known: int) -> int:
        version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
        if version > known:
            raise StoreError(
                f"store {self.path} has schema {version}, newer than this program's ({known}); upgrade newsbot"
            )
        return version

    @contextmanager
    def transaction(self, *, announce: bool = True) -> Iterator[Connection]:
        """One ``BEGIN IMMEDIATE`` transaction under the connection's lock (every commit moves
        the other connections' ``data_version``: ``announce`` cannot be honoured here)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """The rows of one read statement."""
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def change_mark(self) -> int:
        """``PRAGMA data_version``: it changes when another connection commits (this one's own
        commits leave it as it is, and are applied by whoever made them)."""
        with self._lock:
            return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def on_change(self, callback: Callable[[], None]) -> None:
        """SQLite cannot tell: other processes' changes are found by polling ``change_mark``."""

    def describe(self) -> str:
        """The file's path."""
        return str(self.path)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()


class SqliteArticleStore(SqlArticleStore):
    """The article store in the SQLite file at ``path`` (created and migrated unless ``read_only``)."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        super().__init__(SqliteDatabase(path, read_only=read_only))


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
