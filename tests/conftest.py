"""Shared fixtures: a tiny corpus of short articles written for the tests, and the shipped corpus."""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.retrieval.tokenize import Tokenizer, default_tokenizer
from bot.service import NewsService, build_service
from bot.storage.db import Database
from tests.postgres_server import REQUIRED, PostgresServer, start_server

ROOT = Path(__file__).resolve().parents[1]
TINY_CORPUS = ROOT / "tests" / "data" / "tiny_corpus"
SHIPPED_CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session", autouse=True)
def _compiled_search_loops(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Compile the search loops (``bot.retrieval.kernels``) before the first test: on a fresh
    checkout numba needs a few seconds once, which a test with a Discord deadline must not pay.
    The machine code is kept in one folder for the whole run, which the ``python -m bot`` child
    processes inherit (the command line would otherwise put it in each test's data folder)."""
    os.environ.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".pytest_cache" / "numba"))
    build_service(TINY_CORPUS, tmp_path_factory.mktemp("warm-index")).warm_up()


@pytest.fixture(scope="session")
def tokenizer() -> Tokenizer:
    return default_tokenizer()


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    """A writable copy of the five test articles."""
    target = tmp_path / "corpus"
    shutil.copytree(TINY_CORPUS, target)
    return target


@pytest.fixture(scope="session")
def tiny_service(tmp_path_factory: pytest.TempPathFactory) -> NewsService:
    """A service over the tiny corpus, built once per session (read-only use)."""
    return build_service(TINY_CORPUS, tmp_path_factory.mktemp("tiny-index"))


@pytest.fixture(scope="session")
def shipped_service(tmp_path_factory: pytest.TempPathFactory) -> NewsService:
    """A service over the articles the bot ships with."""
    return build_service(SHIPPED_CORPUS, tmp_path_factory.mktemp("shipped-index"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing at the shipped corpus, with index and data under ``tmp_path``."""
    return Settings(corpus_dir=SHIPPED_CORPUS, index_dir=tmp_path / "index", data_dir=tmp_path / "data")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throw-away PostgreSQL server for the whole run (``tests/postgres_server.py``)."""
    try:
        server = start_server()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        reason = f"no PostgreSQL server for the tests: {exc} {detail.decode(errors='replace')[-400:]}"
        if os.environ.get("NEWSBOT_TEST_POSTGRES") == REQUIRED:
            pytest.fail(reason)
        pytest.skip(reason)
    yield server
    server.stop()


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> str:
    """The URL of a new, empty schema of the test server (each test its own tables)."""
    import psycopg

    schema = f"t{next(_SCHEMAS)}"
    with psycopg.connect(postgres_server.url(), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return postgres_server.url(schema=schema)


_SCHEMAS = itertools.count(1)


@pytest.fixture(params=["sqlite", "postgresql"])
def open_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Database]]:
    """Opens a connection to one database, new for this test, each call as another process would;
    once on SQLite and once on PostgreSQL, so that the stores' tests hold for both."""
    opened: list[Database] = []
    if request.param == "sqlite":
        from bot.storage.sqlite import SqliteDatabase

        def factory() -> Database:
            opened.append(SqliteDatabase(tmp_path / "store.sqlite3"))
            return opened[-1]
    else:
        from bot.storage.postgres import PostgresDatabase

        url = request.getfixturevalue("pg_url")

        def factory() -> Database:
            opened.append(PostgresDatabase(url))
            return opened[-1]

    yield factory
    for db in opened:
        with contextlib.suppress(Exception):
            db.close()
