"""Kill test: a process adding articles (or rebuilding the index) is killed with SIGKILL at random
moments, 20 times; after each kill the store and the index are consistent and the bot starts again."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.errors import IndexFormatError
from bot.library import Library
from bot.retrieval.store import CorpusIndex
from bot.service import build_service
from bot.storage.sqlite import SqliteArticleStore
from tests.conftest import ROOT, TINY_CORPUS
from tests.crash_worker import article_text

KILLS = 20


def start_worker(mode: str, index_dir: Path, store: Path, first: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.crash_worker", mode, str(TINY_CORPUS), str(index_dir), str(store), str(first)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


def check_store(store_path: Path) -> list[int]:
    """Every stored article is whole; returns their numbers."""
    conn = sqlite3.connect(store_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    store = SqliteArticleStore(store_path)
    numbers = []
    for item in store.all_articles():
        n = int(item.meta.title.rsplit(" ", 1)[1])
        assert item.text == article_text(n).decode().split("---\n", 2)[2]
        numbers.append(n)
    store.close()
    assert len(numbers) == len(set(numbers))
    return sorted(numbers)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killed_writers_leave_store_and_index_consistent(tmp_path):
    rng = random.Random(20261125)
    index_dir, store = tmp_path / "index", tmp_path / "articles.sqlite3"
    next_number = 0
    for kill in range(KILLS):
        mode = "index" if kill % 4 == 3 else "add"
        proc = start_worker(mode, index_dir, store, next_number)
        time.sleep(rng.uniform(0.0, 0.25))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        numbers = check_store(store) if store.exists() else []
        next_number = max(numbers, default=-1) + 1
        # The index on disk is either the last complete build or absent (then rebuilt): never half.
        try:
            params = CorpusIndex.read_params(index_dir)
        except IndexFormatError:  # killed between a first build's rename and its pointer: no index yet
            assert not (index_dir / "CURRENT").exists()
            params = None
        if params is not None:
            CorpusIndex.load(index_dir)
    print(f"{KILLS} kills, {next_number} articles committed")
    assert next_number > 0, "no article was ever added: the kills came too early to test anything"
    # A restart answers from everything that was committed, and only that.
    service = build_service(TINY_CORPUS, index_dir)
    library = Library(service, SqliteArticleStore(store))
    assert library.load_stored() == len(check_store(store))
    last = next_number - 1
    guild = 7 if last % 2 else None
    answer = service.ask(f"Which survey does report {last} mention?", guild_id=guild)
    assert f"glimmerfish{last}" in answer.excerpts[0].sentence
    leftovers = [p.name for p in index_dir.iterdir() if p.name.startswith("tmp-")]
    build_service(TINY_CORPUS, index_dir, rebuild=True)  # a new build clears what killed builds left
    assert not [p for p in index_dir.iterdir() if p.name.startswith("tmp-")], leftovers
