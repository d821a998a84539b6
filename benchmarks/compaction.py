"""Compaction benchmark: the news archive plus N added articles, compacted in the background.

Loads a saved index of the archive (default ``/work/archive/index7``, memory-mapped, read-only),
stores ``--added`` synthetic short articles for every server in a fresh SQLite store and loads them
into the service as a running bot does at start-up (indexed beside the build, with its idf), then
reports:

* ``ask`` p50 / p99 over ``--questions`` archive titles and questions about added articles,
  before and after the compaction;
* the compaction itself (``bot.compaction.Compactor`` with the bot's own full build of the archive
  folder and the store, in a forked process): its wall time, and the slowest answer of a thread
  that keeps asking quick questions throughout (bounded by ``--timeout``), against the slowest of
  the same questions before;
* resident memory of this process before, at its peak during and after the compaction (sampled
  every 50 ms from /proc), the build process's peak, and the size of the saved index;
* whether every added article is still answered and one added meanwhile too.

The last line is one JSON object. The full run takes several minutes (the build); run it alone::

    python benchmarks/compaction.py > compaction.txt 2>&1 &
    python benchmarks/compaction.py --index /tmp/small-index --corpus /tmp/small-corpus --added 500
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.compaction import Compacted, CompactionPolicy, Compactor  # noqa: E402
from bot.errors import NewsBotError  # noqa: E402
from bot.ingest.sources import text_digest  # noqa: E402
from bot.library import Library  # noqa: E402
from bot.models import Article, ArticleMeta  # noqa: E402
from bot.retrieval.store import CorpusIndex  # noqa: E402
from bot.retrieval.tokenize import default_tokenizer  # noqa: E402
from bot.service import NewsService  # noqa: E402
from bot.storage.base import StoredArticle  # noqa: E402
from bot.storage.location import StoreLocation  # noqa: E402
from bot.storage.sqlite import SqliteArticleStore  # noqa: E402
from bot.upkeep import full_build  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "news_corpus"
INDEX = Path("/work/archive/index7")
PLACES = ("harbour", "quarry", "orchard", "viaduct", "lighthouse", "market", "canal", "mill", "ferry", "tramway")
THINGS = ("lamps", "benches", "boats", "bells", "kilns", "gates", "pumps", "sheds", "cranes", "clocks")


def synthetic(i: int) -> Article:
    """A short invented article (our own words): a made-up councillor, place and count."""
    place, thing = PLACES[i % len(PLACES)], THINGS[(i // len(PLACES)) % len(THINGS)]
    name = f"Ysolde Brannock{i}"
    text = (
        f"The {place} committee of Vellmoor{i} met on Tuesday to discuss the repair of the {thing}.\n\n"
        f"Councillor {name} said the committee would buy {100 + i % 900} new {thing} before winter.\n\n"
        f"Residents asked for the {place} to stay open during the works."
    )
    return Article(ArticleMeta(id=f"added/bench-{i}", title=f"Vellmoor{i} {place} committee orders {thing}"), text)


def question_about(i: int) -> str:
    return f"How many {THINGS[(i // len(PLACES)) % len(THINGS)]} will the Vellmoor{i} committee buy?"


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def index_size_mb(index_dir: Path) -> float:
    build = index_dir / (index_dir / "CURRENT").read_text().strip()
    return sum(f.stat().st_size for f in build.iterdir()) / 1e6


def timed(ask: Callable[[str], object], questions: Sequence[str]) -> list[float]:
    out = []
    for question in questions:
        start = time.perf_counter()
        ask(question)
        out.append((time.perf_counter() - start) * 1000)
    return out


def stats(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 2),
        "max_ms": round(ordered[-1], 2),
    }


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=INDEX, help="saved index of --corpus (read-only is fine)")
    parser.add_argument("--corpus", type=Path, default=DATA, help="the folder --index was built from")
    parser.add_argument("--added", type=int, default=10_000, help="synthetic articles added for every server")
    parser.add_argument("--questions", type=int, default=200, help="questions timed before and after")
    parser.add_argument("--timeout", type=float, default=1800.0, help="longest wait for the compaction (s)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="newsbot-bench-compaction-"))
    result: dict[str, Any] = {"benchmark": "compaction", "added": args.added}

    start = time.perf_counter()
    tokenizer = default_tokenizer()
    service = NewsService(CorpusIndex.load(args.index, mmap=True), tokenizer)
    service.warm_up()
    result["archive_articles"] = len(service.corpus.articles)
    result["archive_sentences"] = service.sentence_count
    result["index_mb"] = round(index_size_mb(args.index), 1)
    log(f"loaded {result['archive_articles']:,} articles in {time.perf_counter() - start:.1f} s")

    store_file = work / "articles.sqlite3"
    store = SqliteArticleStore(store_file)
    start = time.perf_counter()
    for i in range(args.added):
        article = synthetic(i)
        store.add_article(StoredArticle(article.meta, article.text, None, text_digest(article.text)))
    result["store_s"] = round(time.perf_counter() - start, 1)
    library = Library(service, store)
    start = time.perf_counter()
    loaded = library.load_stored()
    result["load_added_s"] = round(time.perf_counter() - start, 2)
    log(f"stored {args.added:,} articles in {result['store_s']} s, indexed {loaded:,} in {result['load_added_s']} s")
    gc.freeze()  # as 'python -m bot run' does once started

    rng = random.Random(args.seed)
    titles = [m.title for m in service.corpus.articles[: result["archive_articles"]]]
    picks = rng.sample(range(args.added), min(args.added, args.questions // 4))
    questions = [rng.choice(titles) for _ in range(args.questions - len(picks))] + [question_about(i) for i in picks]
    rng.shuffle(questions)

    def ask(question: str) -> None:
        with contextlib.suppress(NewsBotError):
            service.ask(question)

    ask(questions[0])
    before = timed(ask, questions)
    result["ask_before"] = stats(before)
    quick = [q for _, q in sorted(zip(before, questions, strict=True))[:20]]
    result["quick_max_before_ms"] = round(max(timed(ask, quick * 3)), 2)
    log(f"ask before: {result['ask_before']}")

    growth = service.growth()
    result["growth_before"] = {"built": growth.built, "added": growth.added_global, "removed": growth.removed}
    outcome: list[Compacted | Exception] = []
    compactor = Compactor(
        service,
        build=full_build(
            args.corpus, StoreLocation(store_file.parent), tokenizer, fingerprint=service.corpus.fingerprint
        ),
        texts=library.stored_articles,
        policy=CompactionPolicy(share=0.0),
        scratch_dir=work,
        on_done=outcome.append,
    )
    rss_before = rss_mb()
    peak = [rss_before]
    during: list[float] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_mb())
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    began = time.perf_counter()
    compactor.start()
    late = synthetic(args.added)  # added while the compaction runs: must survive the swap
    store.add_article(StoredArticle(late.meta, late.text, None, text_digest(late.text)))
    service.add_article(late)
    i = 0
    while compactor.running and time.perf_counter() - began < args.timeout:
        during.extend(timed(ask, [quick[i % len(quick)]]))
        i += 1
    compactor.wait(timeout=max(0.0, args.timeout - (time.perf_counter() - began)))
    done.set()
    sampler.join()
    result["compaction_s"] = round(time.perf_counter() - began, 1)
    (finished,) = outcome or [TimeoutError("the compaction did not finish in time")]
    if isinstance(finished, Exception):
        raise finished
    result["replayed"] = finished.replayed
    result["asks_during"] = len(during)
    result["max_stall_ms"] = round(max(during, default=0.0), 2)
    result["p99_during_ms"] = stats(during)["p99_ms"] if during else None
    result["rss_before_mb"] = round(rss_before, 0)
    result["rss_peak_during_mb"] = round(peak[0], 0)
    result["rss_after_mb"] = round(rss_mb(), 0)
    result["build_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 0)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0)
    log(f"compacted in {result['compaction_s']} s, slowest answer meanwhile {result['max_stall_ms']} ms")

    growth = service.growth()
    result["growth_after"] = {"built": growth.built, "added": growth.added_global, "removed": growth.removed}
    after = timed(ask, questions)
    result["ask_after"] = stats(after)
    checks = [*picks[:20], args.added]
    answered = sum(
        1 for i in checks
        if (a := service.ask(question_about(i))).excerpts and a.excerpts[0].citation.article_id == f"added/bench-{i}"
    )  # fmt: skip
    result["added_answered_after"] = f"{answered}/{len(checks)}"
    log(f"ask after: {result['ask_after']}")
    store.close()
    for path in sorted(work.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    work.rmdir()
    print(json.dumps(result))
    return 0 if answered == len(checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
