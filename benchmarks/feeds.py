"""Feeds benchmark (issue 14): 200 feeds x 50 items served on 127.0.0.1, polled into the index.

A local HTTP server started here serves ``--feeds`` RSS feeds of ``--items`` items each, every
item linking an article page (generated text, so trafilatura extracts each page). One feed in
10 answers 0.5 s late, one in 20 always fails (HTTP 500); even feeds carry an ETag, odd ones a
Last-Modified date, and every feed is gzipped when asked. The bot's own code polls them
(``Feeds.poll_due`` on a ``FetchPool`` of 8 threads, the private-address guard opened for this
server only) into a SQLite store and a live index over the tests' tiny corpus, while questions
are asked on ``asyncio.to_thread`` as ``/ask`` does. Reported:

* first poll: time to ingest every item and articles/s; the slowest question meanwhile;
* second poll: time, bytes on the wire and how many feeds answered 304;
* a restart (new index loaded from the store, new poller): its load time, articles taken again (target 0);
* a child process killed with SIGKILL mid-poll over a fresh store, then a poll in this process:
  articles missing and duplicated (target 0 each);
* peak RSS of this process, and the machine's load average at the end (others share it);
* ``compaction``: not measured here: ``benchmarks/compaction.py`` measures ``ask`` p50 before and
  after a background compaction over the news archive plus 10,000 added articles, and the stall
  and memory meanwhile (the JSON says where to look).

Only 127.0.0.1 is contacted; every loop is bounded. Usage::

    python benchmarks/feeds.py [--feeds 200] [--items 50] [--kill-feeds 20]

It prints a summary and, as its last line, one JSON object ``{"benchmark": "feeds", ...}``.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import resource
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.feeds.build import open_feeds  # noqa: E402
from bot.feeds.follow import Feeds  # noqa: E402
from bot.feeds.models import Filters, PollResult  # noqa: E402
from bot.feeds.poll import LEASE_S  # noqa: E402
from bot.fetch_pool import FetchPool  # noqa: E402
from bot.ingest.fetch import FetchPolicy  # noqa: E402
from bot.library import Library  # noqa: E402
from bot.service import NewsService, build_service  # noqa: E402
from bot.storage.sqlite import SqliteArticleStore  # noqa: E402

TINY_CORPUS = ROOT / "tests" / "data" / "tiny_corpus"
POLICY = FetchPolicy(allow_private=True, timeout=10.0)  # the guard opened for the local server only
SLOW_EVERY, FAIL_EVERY, SLOW_S = 10, 20, 0.5
QUESTIONS = ("Who repaired the harbour crane?", "How many boats joined the regatta?", "What did the council vote?")
WORDS = (
    "harbour council ferry crane regatta market bridge tide lantern quay pier festival museum orchard "
    "library tram canal lighthouse bakery workshop garden station river island valley school choir"
).split()
LAST_MODIFIED = "Mon, 01 Jun 2026 10:00:00 GMT"


def article_text(feed: int, item: int) -> list[str]:
    """Paragraphs of one generated article (unique per feed and item)."""
    rng = random.Random(feed * 100_003 + item)
    paragraphs = []
    for p in range(6):
        words = " ".join(rng.choice(WORDS) for _ in range(18))
        paragraphs.append(
            f"Report {feed}-{item}-{p}: the {rng.choice(WORDS)} committee of town {feed} met on day {item} "
            f"and discussed the {words} before voting {rng.randint(2, 90)} to {rng.randint(0, 9)}."
        )
    return paragraphs


def page_html(feed: int, item: int) -> bytes:
    paragraphs = "".join(f"<p>{p}</p>" for p in article_text(feed, item))
    return (f"<html><head><title>Town {feed} item {item}</title></head><body><nav>Home | News</nav>"
            f"<article><h1>Town {feed} item {item}</h1>{paragraphs}</article><footer>Local</footer></body></html>"
            ).encode()  # fmt: skip


def feed_xml(base: str, feed: int, items: int) -> bytes:
    entries = "".join(
        f"<item><guid>town-{feed}-{i}</guid><title>Town {feed} item {i}</title>"
        f"<link>{base}/page/{feed}/{i}</link><pubDate>Mon, 01 Jun 2026 10:{i % 60:02d}:00 GMT</pubDate>"
        f"<description>Teaser of item {i} of town {feed}.</description></item>"
        for i in reversed(range(items))
    )
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Town {feed} news</title>'
            f"<link>{base}/</link>{entries}</channel></rss>").encode()  # fmt: skip


@contextmanager
def serve(feeds: int, items: int) -> Iterator[tuple[str, dict[str, int]]]:
    """The local server; yields its base URL and counters (requests, body bytes sent)."""
    counters = {"requests": 0, "bytes": 0}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            parts = self.path.strip("/").split("/")
            with lock:
                counters["requests"] += 1
            if parts[0] == "feed" and len(parts) == 2:
                number = int(parts[1].removesuffix(".xml"))
                if number % FAIL_EVERY == FAIL_EVERY - 1:
                    self._send(500, b"failing on purpose", {})
                    return
                if number % SLOW_EVERY == SLOW_EVERY - 1:
                    time.sleep(SLOW_S)
                etag = f'"feed-{number}"'
                if number % 2 == 0 and self.headers.get("If-None-Match") == etag:
                    self._send(304, b"", {})
                    return
                if number % 2 == 1 and self.headers.get("If-Modified-Since") == LAST_MODIFIED:
                    self._send(304, b"", {})
                    return
                extra = {"ETag": etag} if number % 2 == 0 else {"Last-Modified": LAST_MODIFIED}
                self._send(200, feed_xml(base, number, items), extra, kind="application/rss+xml")
            elif parts[0] == "page" and len(parts) == 3:
                self._send(200, page_html(int(parts[1]), int(parts[2])), {}, kind="text/html; charset=utf-8")
            else:
                self._send(404, b"no", {})

        def _send(self, status: int, body: bytes, extra: dict[str, str], kind: str = "text/plain") -> None:
            if body and "gzip" in (self.headers.get("Accept-Encoding") or ""):
                body = gzip.compress(body, compresslevel=5)
                extra = {**extra, "Content-Encoding": "gzip"}
            self.send_response(status)
            if status != 304:
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)
            with lock:
                counters["bytes"] += len(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield base, counters
    finally:
        httpd.shutdown()
        httpd.server_close()


def open_world(
    work: Path, *, index: Path, clock: Callable[[], float] = time.time
) -> tuple[NewsService, SqliteArticleStore, Feeds]:
    """A service over the tiny corpus plus every stored article, and feeds over the store."""
    service = build_service(TINY_CORPUS, index)
    store = SqliteArticleStore(work / "articles.sqlite3")
    Library(service, store).load_stored()
    return service, store, open_feeds(service, store, policy=POLICY, clock=clock)


def follow_all(feeds: Feeds, base: str, count: int) -> float:
    start = time.perf_counter()
    for number in range(count):
        feeds.store.add_feed(guild_id=None, url=f"{base}/feed/{number}.xml", title=f"Town {number} news",
                             channel_id=None, filters=Filters(), interval_s=900, now=time.time())  # fmt: skip
    return time.perf_counter() - start


async def poll_with_questions(feeds: Feeds, service: NewsService) -> tuple[list[PollResult], float, list[float]]:
    """Poll every feed once on the bot's fetch pool (8 threads, 2 per server: the feeds here are all
    followed for every server, so 2 at once) while one asker keeps asking; (results, seconds, latencies)."""
    pool = FetchPool(workers=8, per_server=2)
    latencies: list[float] = []
    done = asyncio.Event()

    async def asker() -> None:
        n = 0
        while not done.is_set() and n < 100_000:
            start = time.perf_counter()
            await asyncio.to_thread(service.ask, QUESTIONS[n % len(QUESTIONS)])
            latencies.append(time.perf_counter() - start)
            n += 1
            await asyncio.sleep(0.02)

    task = asyncio.create_task(asker())
    start = time.perf_counter()
    try:
        results = await feeds.poll_due(pool, every=True)
    finally:
        elapsed = time.perf_counter() - start
        done.set()
        await task
        pool.close()
    return results, elapsed, latencies


def store_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        articles = conn.execute("SELECT count(*), count(DISTINCT sha256) FROM articles").fetchone()
        items = conn.execute("SELECT count(*) FROM feed_items WHERE article_id IS NOT NULL").fetchone()[0]
    return {"articles": articles[0], "distinct_texts": articles[1], "items_with_article": items}


def expected_articles(feeds: int, items: int) -> int:
    return sum(items for n in range(feeds) if n % FAIL_EVERY != FAIL_EVERY - 1)


def child_poll(work: Path, base: str, feeds: int) -> None:
    """In the child: follow ``feeds`` feeds and poll them (the parent kills this process mid-poll)."""
    _, _, world = open_world(work, index=work / "index")
    follow_all(world, base, feeds)
    pool = FetchPool(workers=8, per_server=8)
    asyncio.run(world.poll_due(pool, every=True))


def kill_mid_poll(base: str, feeds: int, items: int) -> dict[str, Any]:
    """A child polls a fresh store and is killed with SIGKILL once a third of the items are in;
    then a poll here finishes the job. Missing and duplicated articles are counted."""
    with tempfile.TemporaryDirectory(prefix="feeds-kill-") as tmp:
        work = Path(tmp)
        child = subprocess.Popen([sys.executable, __file__, "--child", str(work), base, str(feeds)])
        target = expected_articles(feeds, items) // 3
        killed_at = 0
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and child.poll() is None:
            try:
                killed_at = store_counts(work / "articles.sqlite3")["articles"]
            except sqlite3.Error:
                killed_at = 0
            if killed_at >= target:
                break
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait()
        killed_at = store_counts(work / "articles.sqlite3")["articles"]
        # The dead child's leases run out within LEASE_S; this poller's clock is set past that.
        service, store, world = open_world(work, index=work / "index", clock=lambda: time.time() + 2 * LEASE_S)
        pool = FetchPool(workers=8, per_server=8)
        results = asyncio.run(world.poll_due(pool, every=True))
        pool.close()
        counts = store_counts(work / "articles.sqlite3")
        store.close()
        expected = expected_articles(feeds, items)
        return {
            "feeds": feeds, "articles_when_killed": killed_at, "added_after": sum(len(r.added) for r in results),
            "articles": counts["articles"], "expected": expected,
            "missing": expected - counts["distinct_texts"], "duplicates": counts["articles"] - counts["distinct_texts"],
            "service_articles": len(service.corpus.articles),
        }  # fmt: skip


def compaction_figures(service: NewsService, feeds: Feeds) -> dict[str, Any] | None:
    """Where the compaction figures are: ``benchmarks/compaction.py`` (the news archive plus 10,000
    added articles; a full build takes minutes, too long to repeat here)."""
    return {"see": "benchmarks/compaction.py"}


def run(feeds_n: int, items: int, kill_feeds: int) -> dict[str, Any]:
    with serve(feeds_n, items) as (base, counters), tempfile.TemporaryDirectory(prefix="feeds-bench-") as tmp:
        work = Path(tmp)
        service, store, feeds = open_world(work, index=work / "index")
        service.warm_up()
        follow_s = follow_all(feeds, base, feeds_n)

        results, first_s, asks = asyncio.run(poll_with_questions(feeds, service))
        added = sum(len(r.added) for r in results)
        failed = sum(1 for r in results if r.error)

        bytes_before, requests_before = counters["bytes"], counters["requests"]
        second, second_s, asks2 = asyncio.run(poll_with_questions(feeds, service))
        second_bytes = counters["bytes"] - bytes_before
        not_modified = sum(1 for r in second if r.not_modified)
        second_requests = counters["requests"] - requests_before

        store.close()
        start = time.perf_counter()
        restarted, store2, feeds2 = open_world(work, index=work / "index")
        restart_load_s = time.perf_counter() - start
        again = asyncio.run(poll_with_questions(feeds2, restarted))[0]
        counts = store_counts(work / "articles.sqlite3")
        compaction = compaction_figures(restarted, feeds2)
        store2.close()

        killed = kill_mid_poll(base, min(kill_feeds, feeds_n), items)
    every_ask = asks + asks2
    return {
        "benchmark": "feeds",
        "feeds": feeds_n, "items_per_feed": items,
        "expected_articles": expected_articles(feeds_n, items),
        "follow_s": round(follow_s, 3),
        "first_poll_s": round(first_s, 2), "first_poll_articles": added, "failed_feeds": failed,
        "articles_per_s": round(added / first_s, 1) if first_s else None,
        "second_poll_s": round(second_s, 2), "second_poll_bytes": second_bytes,
        "second_poll_requests": second_requests, "second_poll_304": not_modified,
        "second_poll_added": sum(len(r.added) for r in second),
        "restart_load_s": round(restart_load_s, 1),
        "restart_added": sum(len(r.added) for r in again),
        "restart_duplicates": counts["articles"] - counts["distinct_texts"],
        "kill9": killed,
        "questions": len(every_ask),
        "ask_p50_ms": round(statistics.median(every_ask) * 1000, 1) if every_ask else None,
        "ask_max_stall_ms": round(max(every_ask) * 1000, 1) if every_ask else None,
        "asks_over_100ms": sum(1 for t in every_ask if t > 0.1),
        "load_average": round(os.getloadavg()[0], 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "compaction": compaction,
    }  # fmt: skip


def main() -> None:
    """Print a summary, then the figures as one JSON line."""
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_poll(Path(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--feeds", type=int, default=200, help="feeds served (default 200)")
    parser.add_argument("--items", type=int, default=50, help="items per feed (default 50)")
    parser.add_argument("--kill-feeds", type=int, default=20, help="feeds polled by the child killed mid-poll")
    args = parser.parse_args()
    result = run(args.feeds, args.items, args.kill_feeds)
    print(f"first poll: {result['first_poll_articles']:,} articles in {result['first_poll_s']} s "
          f"({result['articles_per_s']}/s); second poll: {result['second_poll_s']} s, "
          f"{result['second_poll_bytes']:,} bytes, {result['second_poll_304']} of {args.feeds} feeds 304")
    print(f"restart: {result['restart_added']} taken again, {result['restart_duplicates']} duplicates; "
          f"kill -9: {result['kill9']['missing']} missing, {result['kill9']['duplicates']} duplicates")
    print(f"questions: {result['questions']}, p50 {result['ask_p50_ms']} ms, max {result['ask_max_stall_ms']} ms; "
          f"peak RSS {result['peak_rss_mb']} MB")
    print(json.dumps(result))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
