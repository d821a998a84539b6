"""Scale benchmark: the news archive (../shared/data/news_corpus) through the product's own code.

For each size (about 10k, 100k sentences and the full ~1.75 M) it reports:

* build: read + normalise + split + tokenise + index + save, through ``load_corpus`` and
  ``bot.indexing.index_articles`` (what ``python -m bot index`` runs), in a fresh process, with the
  peak resident memory of that process and its workers (summed, so shared pages count twice);
* cold start: a new process that loads the saved index (memory-mapped) and answers one question;
* ``ask`` end to end in this process on one core: p50 / p99 / questions per second over
  ``--questions`` article titles (fixed seed);
* retrieval alone on the same sentences, terms and queries: ``SentenceIndex.search``, tantivy
  (BM25, terms pre-analysed by our tokenizer, ``count=False``) and bm25s (numba backend);
* resident memory of a process holding the loaded index (after its first answer);
* adding one new article while a second thread keeps asking: seconds until it is answered from,
  and the slowest answer of the asking thread meanwhile.

It prints a table; the last line is one JSON object with the full-corpus figures.

Usage (the full run takes several minutes; run it in the background)::

    python benchmarks/scale.py > scale.txt 2>&1 &
    python benchmarks/scale.py --sizes 10k --questions 200     # a quick look
    python benchmarks/scale.py --sizes full --profile            # + where an answer's time goes
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import itertools
import json
import multiprocessing
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.errors import NewsBotError  # noqa: E402
from bot.models import Article, ArticleMeta  # noqa: E402
from bot.retrieval.store import CorpusIndex  # noqa: E402
from bot.retrieval.tokenize import Tokenizer  # noqa: E402
from bot.service import NewsService  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "news_corpus"
SIZES = {"10k": 10_000, "100k": 100_000, "full": 0}
_ENDS_RE = re.compile(r"[.!?][\"'”’)]*\s|\n\s*\n")

NEW_ARTICLE = Article(
    ArticleMeta(id="bench/quillmere-lighthouse", title="Quillmere lighthouse keeper logs a green comet"),
    "The keeper of the Quillmere lighthouse logged a green comet over the bay on Tuesday night.\n\n"
    "Odile Brannagh said the comet trailed a tail as long as three full moons.\n\n"
    "Astronomers at the Veldt observatory confirmed the sighting the next morning.",
)
NEW_QUESTION = "What did the Quillmere lighthouse keeper log over the bay?"


# ----------------------------------------------------------------------------- corpus


def load_articles(seed: int) -> list[Article]:
    """Every archive article (the folder's SOURCE.md is not one), shuffled so sources mix."""
    from bot.ingest.loaders import load_corpus

    articles = [a for a in load_corpus(DATA).articles if a.meta.id != "SOURCE"]
    random.Random(seed).shuffle(articles)
    return articles


def take(articles: Sequence[Article], sentences: int) -> Sequence[Article]:
    """The shortest prefix holding about ``sentences`` sentences (0: all), by a cheap estimate."""
    if sentences <= 0:
        return articles
    total = 0
    for i, article in enumerate(articles):
        total += len(_ENDS_RE.findall(article.text)) + 1
        if total >= sentences:
            return articles[: i + 1]
    return articles


# ----------------------------------------------------------------------------- child processes


def child_build(size: str, index_dir: Path, workers: int, seed: int) -> dict[str, Any]:
    """Read, index and save one size with the product's functions (run in a fresh process)."""
    from bot.indexing import index_articles
    from bot.retrieval.tokenize import default_tokenizer

    start = time.perf_counter()
    tokenizer = default_tokenizer()
    articles = take(load_articles(seed), SIZES[size])
    read_s = time.perf_counter() - start
    corpus = index_articles(
        articles, tokenizer, fingerprint=f"scale-{size}", tokenizer=tokenizer.describe(), workers=workers
    )
    index_s = time.perf_counter() - start - read_s
    corpus.save(index_dir)
    total = time.perf_counter() - start
    return {
        "build_s": total,
        "read_s": read_s,
        "index_s": index_s,
        "save_s": total - read_s - index_s,
        "articles": len(corpus.articles),
        "sentences": len(corpus.table),
        "terms": len(corpus.index.vocabulary),
        "nnz": int(corpus.index.matrix.nnz),
    }


def child_cold(index_dir: Path, question: str) -> dict[str, Any]:
    """Load the saved index memory-mapped and answer one question (run in a fresh process)."""
    from bot.retrieval.store import CorpusIndex
    from bot.retrieval.tokenize import default_tokenizer
    from bot.service import NewsService

    start = time.perf_counter()
    tokenizer = default_tokenizer()
    tokenizer_s = time.perf_counter() - start
    service = NewsService(CorpusIndex.load(index_dir, mmap=True), tokenizer)
    load_s = time.perf_counter() - start - tokenizer_s
    service.ask(question)
    return {
        "tokenizer_s": tokenizer_s,
        "load_s": load_s,
        "first_answer_s": time.perf_counter() - start - tokenizer_s - load_s,
        "rss_mb": _rss_mb(os.getpid()),
    }


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _tree_rss_mb(root: int) -> float:
    """Summed RSS of ``root`` and its descendants (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                    parents[int(entry)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(_rss_mb(pid) for pid in tree)


def run_child(args: list[str], *, sample_rss: bool) -> tuple[dict[str, Any], float, float]:
    """Run ``scale.py`` with ``args`` in a new process: (its JSON result, wall seconds, peak tree RSS MB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), *args], stdout=subprocess.PIPE, text=True
    )
    peak = 0.0
    while proc.poll() is None:
        if sample_rss:
            peak = max(peak, _tree_rss_mb(proc.pid))
        time.sleep(0.05)
    wall = time.perf_counter() - start
    out = proc.stdout.read() if proc.stdout else ""
    if proc.returncode != 0:
        raise RuntimeError(f"child {args[0]} failed with code {proc.returncode}")
    return json.loads(out.strip().splitlines()[-1]), wall, peak


# ----------------------------------------------------------------------------- measurements


def ask_profile(ask: Callable[[str], None], questions: Sequence[str], top: int = 14) -> str:
    """cProfile of ``ask`` over ``questions``: the functions with the most time of their own (the
    compiled loops show as one entry each), as printed by pstats."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for question in questions:
        ask(question)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def latencies(fn: Callable[[Any], object], items: Sequence[Any]) -> tuple[list[float], float]:
    """Per-call seconds and the total wall time of calling ``fn`` on each item in turn."""
    out = []
    start = time.perf_counter()
    for item in items:
        t = time.perf_counter()
        fn(item)
        out.append(time.perf_counter() - t)
    return out, time.perf_counter() - start


def summary(times: list[float], total: float) -> dict[str, float]:
    ms = sorted(t * 1000 for t in times)
    return {
        "p50_ms": statistics.median(ms),
        "p99_ms": ms[min(len(ms) - 1, int(0.99 * len(ms)))],
        "qps": len(ms) / total if total > 0 else 0.0,
    }


def term_lists(corpus: CorpusIndex, tokenizer: Tokenizer, workers: int) -> list[list[str]]:
    """Every indexed sentence's terms, from the product tokenizer (forked workers, results piped back)."""
    n = len(corpus.table)
    if workers <= 1:
        return [tokenizer(corpus.table.text(r)) for r in range(n)]
    context = multiprocessing.get_context("fork")
    cuts = [n * i // workers for i in range(workers + 1)]
    pipes, procs = [], []
    for lo, hi in itertools.pairwise(cuts):
        receive, send = context.Pipe(duplex=False)
        proc = context.Process(target=_analyse_rows, args=(corpus, tokenizer, lo, hi, send))
        proc.start()
        pipes.append(receive)
        procs.append(proc)
    out = [t for pipe in pipes for t in pipe.recv()]
    for proc in procs:
        proc.join()
    return out


def _analyse_rows(corpus: CorpusIndex, tokenizer: Tokenizer, lo: int, hi: int, send: Connection) -> None:
    send.send([tokenizer(corpus.table.text(r)) for r in range(lo, hi)])
    send.close()


def retrieval(
    corpus: CorpusIndex, tokenizer: Tokenizer, questions: list[str], *, k: int, workers: int, work: Path
) -> dict[str, dict[str, float] | None]:
    """Queries per second and p50 of our engine, tantivy and bm25s on the same sentences and queries."""
    index = corpus.index
    queries = [q for q in (tokenizer(text) for text in questions) if q]
    result: dict[str, dict[str, float] | None] = {}
    latencies(lambda q: index.search(index.query_vector(q), k), queries[:50])  # warm the pages
    result["ours"] = summary(*latencies(lambda q: index.search(index.query_vector(q), k), queries))
    terms = term_lists(corpus, tokenizer, workers)
    result["tantivy"] = _tantivy(terms, queries, k=k, work=work / "tantivy")
    result["bm25s"] = _bm25s(terms, queries, index.vocabulary, k=k)
    return result


def _tantivy(terms: list[list[str]], queries: list[list[str]], *, k: int, work: Path) -> dict[str, float] | None:
    try:
        import tantivy
    except ImportError:
        return None
    start = time.perf_counter()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=False, tokenizer_name="whitespace", index_option="freq")
    schema = builder.build()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    index = tantivy.Index(schema, path=str(work))
    writer = index.writer(heap_size=500_000_000, num_threads=2)
    for row in terms:
        writer.add_document(tantivy.Document(body=" ".join(row)))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()
    build_s = time.perf_counter() - start
    prepared = [
        tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "body", t)) for t in dict.fromkeys(q)]
        )
        for q in queries
    ]
    latencies(lambda q: searcher.search(q, k, count=False).hits, prepared[:50])
    out = summary(*latencies(lambda q: searcher.search(q, k, count=False).hits, prepared))
    out["build_s"] = build_s
    return out


def _bm25s(
    terms: list[list[str]], queries: list[list[str]], vocabulary: dict[str, int], *, k: int
) -> dict[str, float] | None:
    try:
        import bm25s
        import numba  # noqa: F401 - the numba backend needs it
        from bm25s.tokenization import Tokenized
    except ImportError:
        return None
    start = time.perf_counter()
    vocab = dict(vocabulary)
    retriever = bm25s.BM25(backend="numba")
    retriever.index(Tokenized(ids=[[vocab[t] for t in row] for row in terms], vocab=vocab), show_progress=False)
    build_s = time.perf_counter() - start
    k = min(k, len(terms))

    def one(q: list[str]) -> object:
        return retriever.retrieve([q], k=k, show_progress=False, n_threads=1)

    latencies(one, queries[:50])  # numba compiles on first use
    out = summary(*latencies(one, queries))
    out["build_s"] = build_s
    return out


def add_while_asking(service: NewsService, questions: list[str]) -> dict[str, float]:
    """Add ``NEW_ARTICLE`` while a second thread keeps asking; time until it is answered from.

    The asking thread cycles through ``questions`` (quick ones, so that a slow answer means the
    add held it up, not that the question is hard); the slowest of its answers while the add is
    under way is reported as the stall.
    """
    stop = threading.Event()
    errors: list[str] = []
    during: list[float] = []
    adding = threading.Event()

    def reader() -> None:
        i = 0
        while not stop.is_set():
            t = time.perf_counter()
            try:
                service.ask(questions[i % len(questions)])
            except NewsBotError:
                pass  # a question the bot refuses is still an answer
            except Exception as exc:  # any other failure is what this test looks for
                errors.append(repr(exc))
            if adding.is_set():
                during.append(time.perf_counter() - t)
            i += 1

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    time.sleep(0.5)
    adding.set()
    start = time.perf_counter()
    service.add_article(NEW_ARTICLE)
    added_s = time.perf_counter() - start
    found = False
    while time.perf_counter() - start < 60:
        answer = service.ask(NEW_QUESTION)
        if answer.excerpts and answer.excerpts[0].citation.article_id == NEW_ARTICLE.meta.id:
            found = True
            break
    searchable_s = time.perf_counter() - start
    time.sleep(0.3)
    adding.clear()
    stop.set()
    thread.join()
    return {
        "add_article_s": searchable_s if found else float("inf"),
        "add_call_s": added_s,
        "max_stall_ms": max(during, default=0.0) * 1000,
        "asks_during": len(during),
        "failures": len(errors),
    }


def measure_size(size: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    from bot.retrieval.tokenize import default_tokenizer

    index_dir = work / f"index-{size}"
    shutil.rmtree(index_dir, ignore_errors=True)
    log(f"[{size}] building ...")
    built, _, peak = run_child(
        ["_build", size, str(index_dir), str(args.workers), str(args.seed)], sample_rss=True
    )
    row: dict[str, Any] = {"size": size, **built, "build_peak_mb": peak}
    log(f"[{size}] {built['sentences']:,} sentences built in {built['build_s']:.1f} s, peak {peak:,.0f} MB")

    tokenizer = default_tokenizer()
    corpus = CorpusIndex.load(index_dir, mmap=True)
    rng = random.Random(args.seed)
    titles = [m.title for m in corpus.articles]
    questions = [rng.choice(titles) for _ in range(args.questions)]

    cold, cold_wall, _ = run_child(["_cold", str(index_dir), questions[0]], sample_rss=False)
    row.update(cold_start_s=cold_wall, index_rss_mb=cold["rss_mb"], cold=cold)
    log(f"[{size}] cold start {cold_wall:.2f} s ({cold})")

    service = NewsService(corpus, tokenizer)
    service.warm_up()  # what 'python -m bot run' does at start (ranking tables, stemmer import)
    service.ask(questions[0])  # first use of the ranker is part of cold start, not of ask latency

    def ask(question: str) -> None:
        with contextlib.suppress(NewsBotError):  # a refused question is an answer too
            service.ask(question)

    ask_times, ask_total = latencies(ask, questions)
    if args.profile:
        row["profile"] = ask_profile(ask, questions)
    ask_stats = summary(ask_times, ask_total)
    quick = [q for _, q in sorted(zip(ask_times, questions, strict=True))[:20]]
    row.update(ask_p50_ms=ask_stats["p50_ms"], ask_p99_ms=ask_stats["p99_ms"], ask_qps=ask_stats["qps"])
    log(f"[{size}] ask {ask_stats}")

    if args.peers:
        row["retrieval"] = retrieval(corpus, tokenizer, questions, k=args.k, workers=args.workers, work=work)
    else:
        row["retrieval"] = {"ours": summary(*latencies(
            lambda q: corpus.index.search(corpus.index.query_vector(tokenizer(q)), args.k), questions))}
    log(f"[{size}] retrieval {row['retrieval']}")
    gc.collect()
    before, _ = latencies(ask, quick * 5)
    row["quick_max_ms"] = max(before) * 1000
    row.update(add_while_asking(service, quick))
    row["process_rss_mb"] = _rss_mb(os.getpid())
    log(f"[{size}] add article {row['add_article_s']:.2f} s, slowest answer meanwhile {row['max_stall_ms']:.0f} ms")
    return row


# ----------------------------------------------------------------------------- report


def table(rows: list[dict[str, Any]]) -> str:
    def ret(row: dict[str, Any], engine: str, key: str) -> float | None:
        value = (row["retrieval"].get(engine) or {}).get(key)
        return None if value is None else float(value)

    lines: list[tuple[str, Callable[[dict[str, Any]], object]]] = [
        ("sentences", lambda r: f"{r['sentences']:,}"),
        ("articles", lambda r: f"{r['articles']:,}"),
        ("build s", lambda r: f"{r['build_s']:.1f}"),
        ("  read / index / save s", lambda r: f"{r['read_s']:.1f} / {r['index_s']:.1f} / {r['save_s']:.1f}"),
        ("build peak MB (all processes)", lambda r: f"{r['build_peak_mb']:,.0f}"),
        ("cold start s", lambda r: f"{r['cold_start_s']:.2f}"),
        ("ask p50 / p99 ms", lambda r: f"{r['ask_p50_ms']:.2f} / {r['ask_p99_ms']:.1f}"),
        ("ask q/s (1 core)", lambda r: f"{r['ask_qps']:.0f}"),
        ("loaded index RSS MB", lambda r: f"{r['index_rss_mb']:,.0f}"),
    ]
    for engine in ("ours", "tantivy", "bm25s"):
        lines.append(
            (f"retrieval {engine} q/s (p50 ms)", lambda r, e=engine: _fmt_ret(ret(r, e, "qps"), ret(r, e, "p50_ms")))
        )
    lines.append(("ours / tantivy q/s", lambda r: _ratio(ret(r, "ours", "qps"), ret(r, "tantivy", "qps"))))
    lines.append(("ours / bm25s q/s", lambda r: _ratio(ret(r, "ours", "qps"), ret(r, "bm25s", "qps"))))
    lines.append(("add article: searchable after s", lambda r: f"{r['add_article_s']:.2f}"))
    lines.append(
        ("  slowest answer meanwhile ms", lambda r: f"{r['max_stall_ms']:.0f} ({r['failures']} failed)")
    )
    lines.append(("  (same questions, no add) ms", lambda r: f"{r['quick_max_ms']:.0f}"))
    width = max(len(name) for name, _ in lines)
    out = [f"{'':<{width}}  " + "  ".join(f"{r['size']:>22}" for r in rows)]
    out += [f"{name:<{width}}  " + "  ".join(f"{fn(r)!s:>22}" for r in rows) for name, fn in lines]
    return "\n".join(out)


def _fmt_ret(qps: float | None, p50: float | None) -> str:
    return "-" if qps is None or p50 is None else f"{qps:,.0f} ({p50:.3f})"


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if not a or not b else f"{a / b:.2f}x"


def final_json(row: dict[str, Any]) -> str:
    def qps(engine: str) -> float | None:
        stats = row["retrieval"].get(engine)
        return None if stats is None else round(stats["qps"], 1)

    return json.dumps(
        {
            "benchmark": "scale",
            "sentences": row["sentences"],
            "build_s": round(row["build_s"], 1),
            "build_peak_mb": round(row["build_peak_mb"]),
            "cold_start_s": round(row["cold_start_s"], 2),
            "ask_p50_ms": round(row["ask_p50_ms"], 2),
            "ask_p99_ms": round(row["ask_p99_ms"], 1),
            "ask_qps": round(row["ask_qps"], 1),
            "index_rss_mb": round(row["index_rss_mb"]),
            "retrieval_qps": {"ours": qps("ours"), "tantivy": qps("tantivy"), "bm25s": qps("bm25s")},
            "add_article_s": round(row["add_article_s"], 2),
            "max_stall_ms": round(row["max_stall_ms"]),
        }
    )


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "_build":
        print(json.dumps(child_build(argv[1], Path(argv[2]), int(argv[3]), int(argv[4]))))
        return 0
    if argv and argv[0] == "_cold":
        print(json.dumps(child_cold(Path(argv[1]), argv[2])))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10k,100k,full", help="comma-separated: 10k, 100k, full")
    parser.add_argument("--questions", type=int, default=1000, help="article titles asked per size")
    parser.add_argument("--k", type=int, default=10, help="results per query in the retrieval comparison")
    parser.add_argument("--workers", type=int, default=2, help="build processes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-peers", dest="peers", action="store_false", help="skip tantivy and bm25s")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of ask for each size")
    parser.add_argument("--work-dir", type=Path, help="where indexes are written (default: a temporary folder)")
    args = parser.parse_args(argv)
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    if unknown := [s for s in sizes if s not in SIZES]:
        parser.error(f"unknown sizes {unknown}; use {list(SIZES)}")
    if not DATA.is_dir():
        parser.error(f"{DATA} is missing")
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="newsbot-scale-"))
    log(f"load average {os.getloadavg()}, {os.cpu_count()} CPUs, work dir {work}")
    rows = []
    try:
        for size in sizes:
            rows.append(measure_size(size, args, work))
    finally:
        if args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"load average after: {os.getloadavg()}")
    for row in rows:
        if "profile" in row:
            print(f"profile of ask, {row['size']} ({row['sentences']:,} sentences):\n{row['profile']}")
    print(table(rows))
    print(final_json(rows[-1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
