import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from bot.indexing import index_articles
from bot.ingest.documents import ingest
from bot.models import Article, ArticleMeta
from bot.retrieval.store import CorpusIndex
from tests.conftest import ROOT

TOPICS = ["ferry", "kiln", "orchard", "bridge", "library", "glacier", "market"]


def _articles(n: int) -> list[Article]:
    out = []
    for i in range(n):
        a, b = TOPICS[i % len(TOPICS)], TOPICS[(i * 3 + 1) % len(TOPICS)]
        text = (
            f"The {a} opened on day {i}. Officials said the {b} would follow.\n\n"
            f"The {a} opened on day {i}. Visitors counted {i * 7} boats near the {b}."
        )
        out.append(Article(ArticleMeta(id=f"a{i:02d}", title=f"{a.title()} story {i}"), text))
    return out


@pytest.mark.parametrize("workers", [1, 2])
def test_chunked_build_equals_the_one_piece_build(tokenizer, workers):
    articles = _articles(23)
    reference = CorpusIndex.build(
        [ingest(a) for a in articles], tokenizer, fingerprint="f", tokenizer=tokenizer.describe()
    )
    built = index_articles(
        articles, tokenizer, fingerprint="f", tokenizer=tokenizer.describe(), workers=workers, chunk_articles=4
    )
    assert built.articles == reference.articles
    rows = range(len(reference.table))
    assert [built.sentence(r) for r in rows] == [reference.sentence(r) for r in rows]
    assert np.array_equal(built.first_row, reference.first_row)
    # Same terms and weights, whatever the column order.
    for term, col in reference.index.vocabulary.items():
        other = built.index.vocabulary[term]
        assert built.index.idf[other] == pytest.approx(reference.index.idf[col])
        assert np.allclose(built.index.matrix[:, other].toarray(), reference.index.matrix[:, col].toarray())


def test_progress_counts_articles(tokenizer):
    seen = []
    index_articles(
        _articles(9), tokenizer, fingerprint="f", tokenizer={}, workers=1, chunk_articles=4,
        progress=lambda stage, done, total: seen.append((stage, done, total)),
    )
    assert seen == [("index", 0, 9), ("index", 4, 9), ("index", 8, 9), ("index", 9, 9)]


@pytest.mark.parametrize("workers", [1, 2])
def test_the_index_keeps_the_words_it_stemmed(tokenizer, tmp_path, workers):
    built = index_articles(
        _articles(12), tokenizer, fingerprint="f", tokenizer=tokenizer.describe(), workers=workers, chunk_articles=4
    )
    assert built.words["opened"] == "open" and built.words["glacier"] == "glacier"
    assert "story" in built.words  # from a title
    built.save(tmp_path)
    assert CorpusIndex.load(tmp_path).words == built.words


def test_a_rebuild_reuses_the_saved_stems(tiny_corpus, tmp_path):
    from bot.retrieval.tokenize import Tokenizer
    from bot.service import open_corpus

    calls = []

    def stem(word):
        calls.append(word)
        return word.rstrip("s")

    first = Tokenizer(stemmer=stem)
    open_corpus(tiny_corpus, tmp_path / "index", first, workers=1)
    assert calls
    calls.clear()
    again = Tokenizer(stemmer=stem)
    opened = open_corpus(tiny_corpus, tmp_path / "index", again, rebuild=True, workers=1)
    assert opened.rebuilt and calls == []


def _process(pid):
    """(state, start time) of a process from /proc, or None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return fields[0], fields[19]


def _running(pid, started):
    found = _process(pid)
    return found is not None and found[1] == started and found[0] not in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize(
    ("sig", "options"),
    [(signal.SIGKILL, []), (signal.SIGTERM, []), (signal.SIGKILL, ["--no-prctl"])],
    ids=["SIGKILL", "SIGTERM", "SIGKILL-pipe-only"],
)
def test_workers_end_when_the_build_process_is_killed(tmp_path, sig, options):
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.index_worker", str(tmp_path), *options],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    workers = {}
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
            for path in tmp_path.glob("worker-*"):
                pid = int(path.name.split("-")[1])
                if pid not in workers and (found := _process(pid)) is not None:
                    workers[pid] = found[1]
            time.sleep(0.05)
        assert len(workers) == 2, f"the workers did not start (exit status {proc.poll()})"
        proc.send_signal(sig)
        proc.wait(10)
        deadline = time.monotonic() + 10
        while any(_running(p, s) for p, s in workers.items()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [p for p, s in workers.items() if _running(p, s)], "worker processes outlived their parent"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        for pid, started in workers.items():  # only the processes this test started
            if _running(pid, started):
                os.kill(pid, signal.SIGKILL)
