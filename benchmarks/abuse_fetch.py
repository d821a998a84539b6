"""Abuse benchmark, fetch part (issue 15 items 1 and 2): slow pages and the address guard.

* 20 ``/corpus add URL`` at once against pages on 127.0.0.1 that drip one byte every 0.1 s
  (headers for half of them, the body for the others), run the way the Discord cog runs them
  (``FetchPool.run`` -> ``Library.add_url``), while 200 questions are asked through
  ``NewsService.ask`` on ``asyncio.to_thread`` (as ``/ask`` does) over the tests' tiny corpus.
  Reported: the slowest question (target <= 1 s) and each add's time against its deadline
  (target: every add ends within deadline + 1 s).
* The same 20 adds under the bot's default limits (8 in all, 2 per server): how many run, how
  many are refused at once, and how fast a refusal is.
* With ``--contrast``: the 20 adds on the default executor shared with questions (what the cog did
  before issue 15), to show what the separate pool prevents.
* The address guard's decision on a table of addresses (no traffic: the decision function only).

Only 127.0.0.1 is contacted; every loop is bounded. Usage::

    python benchmarks/abuse_fetch.py [--contrast]

It prints a table and, as its last line, one JSON object (``run_fetch_abuse()`` returns it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.errors import NewsBotError  # noqa: E402
from bot.fetch_pool import FetchPool  # noqa: E402
from bot.ingest.addresses import is_public_address  # noqa: E402
from bot.ingest.fetch import FetchError, FetchPolicy, check_address  # noqa: E402
from bot.library import Library  # noqa: E402
from bot.service import NewsService, build_service  # noqa: E402
from bot.storage.sqlite import SqliteArticleStore  # noqa: E402

TINY_CORPUS = ROOT / "tests" / "data" / "tiny_corpus"
ADDS = 20
SERVERS = 10  # the adds come from 10 Discord servers, 2 each
QUESTIONS = 200
ASKERS = 4  # questions asked by 4 users at once
DEADLINE_S = 2.0
DRIP_PAUSE_S = 0.1
DRIP_MAX_BYTES = int((DEADLINE_S + 4) / DRIP_PAUSE_S)  # a drip ends by itself after ~6 s
QUESTION_TEXTS = (
    "Who said the robot shelved four hundred books?",
    "How much did the city spend on the bridge cables?",
    "Who won the national chess final?",
    "By how much will the apple harvest fall?",
    "What did the council warn residents about?",
    "How many vehicles will the bridge carry a day?",
    "What is the robot in the library called?",
    "How large is the chess prize?",
)

# (address, what it is); refused unless listed in GLOBAL below
NON_GLOBAL = (
    ("0.0.0.0", "this host"), ("10.1.2.3", "private 10/8"), ("100.64.0.1", "carrier-grade NAT"),
    ("100.100.100.200", "cloud metadata in CGN space"), ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback /8"),
    ("169.254.169.254", "link-local metadata"), ("172.16.0.1", "private 172.16/12"), ("172.31.255.254", "private"),
    ("192.0.0.8", "IETF protocol assignments"), ("192.0.0.170", "NAT64 discovery"), ("192.0.2.10", "TEST-NET-1"),
    ("192.88.99.1", "6to4 relay anycast (deprecated)"), ("192.168.0.1", "private 192.168/16"),
    ("198.18.0.1", "benchmarking"), ("198.51.100.1", "TEST-NET-2"), ("203.0.113.1", "TEST-NET-3"),
    ("224.0.0.251", "multicast"), ("239.1.2.3", "multicast"), ("240.0.0.1", "reserved"),
    ("255.255.255.255", "broadcast"), ("::", "unspecified"), ("::1", "loopback"), ("fe80::1", "link-local"),
    ("fe80::1%eth0", "link-local with zone"), ("fec0::1", "site-local (deprecated)"), ("fc00::1", "unique local"),
    ("fd00:ec2::254", "unique local (metadata)"), ("ff02::1", "multicast"), ("ff0e::1", "global-scope multicast"),
    ("2001:db8::1", "documentation"), ("3fff::1", "documentation (2024)"), ("5f00::1", "SRv6 SIDs"),
    ("100::1", "discard-only"), ("2001:2::1", "benchmarking"), ("200::1", "reserved"),
    ("64:ff9b:1::a00:1", "local-use NAT64"), ("::ffff:127.0.0.1", "IPv4-mapped loopback"),
    ("::ffff:169.254.169.254", "IPv4-mapped link-local"), ("::10.0.0.1", "IPv4-compatible private"),
    ("2002:a00:1::1", "6to4 of 10.0.0.1"), ("2002:6464:64c8::1", "6to4 of 100.100.100.200"),
    ("2002:7f00:1::1", "6to4 of 127.0.0.1"), ("64:ff9b::a9fe:a9fe", "NAT64 of 169.254.169.254"),
    ("64:ff9b::7f00:1", "NAT64 of 127.0.0.1"), ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "Teredo, client 10.0.0.1"),
    ("not-an-address", "not an IP address"),
)  # fmt: skip
GLOBAL = (
    ("1.1.1.1", "public IPv4"), ("93.184.216.34", "public IPv4"), ("100.128.0.1", "just above CGN space"),
    ("192.0.0.9", "PCP anycast (global)"), ("2606:4700:4700::1111", "public IPv6"),
    ("::ffff:93.184.216.34", "IPv4-mapped public"), ("64:ff9b::5db8:d822", "NAT64 of a public address"),
    ("2002:5db8:d822::1", "6to4 of a public address"),
)  # fmt: skip


class _DripHandler(BaseHTTPRequestHandler):
    """Half the pages drip their headers, the other half their body: one byte per DRIP_PAUSE_S."""

    server: _DripServer

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.server.arrived()
        if self.path.startswith("/headers"):
            self.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nX-Slow: ")
        else:
            self.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body><p>")
        try:
            for _ in range(DRIP_MAX_BYTES):
                self.wfile.write(b"a")
                self.wfile.flush()
                time.sleep(DRIP_PAUSE_S)
        except OSError:
            pass  # the bot hung up


class _DripServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _DripHandler)
        self.connections = 0
        self._lock = threading.Lock()

    def arrived(self) -> None:
        with self._lock:
            self.connections += 1


@contextmanager
def _drip_server() -> Iterator[_DripServer]:
    server = _DripServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _urls(server: _DripServer) -> list[tuple[int, str]]:
    port = server.server_address[1]
    kinds = ("headers", "body")
    return [(1000 + i % SERVERS, f"http://127.0.0.1:{port}/{kinds[i % 2]}/{i}") for i in range(ADDS)]


async def _timed(make: Callable[[], Awaitable[Any]]) -> tuple[float, str]:
    start = time.perf_counter()
    try:
        await make()
        outcome = "added"
    except FetchError as exc:
        outcome = "timed out" if "timed out" in str(exc) else f"refused: {exc}"
    except NewsBotError as exc:
        outcome = f"refused: {exc}"
    return time.perf_counter() - start, outcome


async def _ask_all(service: NewsService, adds: list[asyncio.Task[tuple[float, str]]]) -> tuple[list[float], int]:
    """200 questions from ASKERS users at once; each one's seconds, and how many ran while adds were in flight."""
    times: list[float] = []
    during = 0
    queue = [QUESTION_TEXTS[i % len(QUESTION_TEXTS)] for i in range(QUESTIONS)]

    async def asker(start: int) -> None:
        nonlocal during
        for question in queue[start::ASKERS]:
            began = time.perf_counter()
            await asyncio.to_thread(service.ask, question, guild_id=1000)
            times.append(time.perf_counter() - began)
            during += not all(task.done() for task in adds)

    await asyncio.gather(*(asker(i) for i in range(ASKERS)))
    return times, during


async def _wait_for_connections(server: _DripServer, count: int, limit_s: float = 5.0) -> None:
    stop = time.perf_counter() + limit_s
    while server.connections < count and time.perf_counter() < stop:
        await asyncio.sleep(0.01)


async def _scenario(
    service: NewsService, library: Library, *, pool: FetchPool | None, expect_running: int
) -> dict[str, Any]:
    """The adds on ``pool`` (``None``: on the default executor, as before issue 15) while questions run."""
    with _drip_server() as server:
        targets = _urls(server)
        if pool is None:
            adds = [
                asyncio.create_task(_timed(lambda u=url, g=guild: asyncio.to_thread(library.add_url, u, guild_id=g)))
                for guild, url in targets
            ]
        else:
            adds = [
                asyncio.create_task(_timed(lambda u=url, g=guild: pool.run(g, library.add_url, u, guild_id=g)))
                for guild, url in targets
            ]
        await _wait_for_connections(server, expect_running)
        questions, during = await _ask_all(service, adds)
        results = await asyncio.gather(*adds)
    ran = [seconds for seconds, outcome in results if not outcome.startswith("refused")]
    refused = [seconds for seconds, outcome in results if outcome.startswith("refused")]
    return {
        "adds": len(results),
        "adds_ran": len(ran),
        "adds_refused": len(refused),
        "add_outcomes": sorted({outcome for _, outcome in results}),
        "add_max_s": round(max(ran, default=0.0), 3),
        "adds_within_deadline_plus_1s": sum(seconds <= DEADLINE_S + 1.0 for seconds in ran),
        "refusal_max_s": round(max(refused, default=0.0), 4),
        "questions": len(questions),
        "questions_during_adds": during,
        "question_max_s": round(max(questions), 4),
        "question_p50_s": round(statistics.median(questions), 4),
    }


def _guard() -> dict[str, Any]:
    """The decision on every address of the table (``is_public_address`` and ``check_address``)."""
    rows = [(address, note, False) for address, note in NON_GLOBAL] + [(a, n, True) for a, n in GLOBAL]
    mismatches = []
    refused = 0
    for address, note, expected in rows:
        allowed = is_public_address(address)
        try:
            check_address(address, allow_private=False)
            checked = True
        except FetchError:
            checked = False
        refused += not allowed
        if allowed != expected or checked != expected:
            mismatches.append(f"{address} ({note})")
    return {
        "addresses": len(rows),
        "non_global": len(NON_GLOBAL),
        "refused": refused,
        "all_non_global_refused": not any(is_public_address(a) for a, _ in NON_GLOBAL),
        "global_allowed": sum(is_public_address(a) for a, _ in GLOBAL),
        "mismatches": mismatches,
    }


async def _run_all(contrast: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="abuse-fetch-") as tmp:
        service = build_service(TINY_CORPUS, Path(tmp) / "index")
        service.warm_up()
        store = SqliteArticleStore(Path(tmp) / "articles.sqlite3")
        library = Library(service, store, fetch_policy=FetchPolicy(allow_private=True, timeout=DEADLINE_S))
        for question in QUESTION_TEXTS:
            service.ask(question)
        try:
            pool = FetchPool(workers=ADDS, per_server=2)
            try:
                parallel = await _scenario(service, library, pool=pool, expect_running=ADDS)
            finally:
                pool.close()
            defaults = FetchPool()
            try:
                limited = await _scenario(service, library, pool=defaults, expect_running=defaults.workers)
            finally:
                defaults.close()
            shared = await _scenario(service, library, pool=None, expect_running=1) if contrast else None
        finally:
            store.close()
    guard = _guard()
    ok = (
        parallel["question_max_s"] <= 1.0
        and parallel["adds_within_deadline_plus_1s"] == parallel["adds_ran"] == ADDS
        and limited["adds_within_deadline_plus_1s"] == limited["adds_ran"]
        and guard["all_non_global_refused"]
        and not guard["mismatches"]
    )
    return {
        "deadline_s": DEADLINE_S,
        "parallel_20": parallel,
        "default_limits": limited,
        "shared_default_executor": shared,
        "guard": guard,
        "ok": ok,
    }


def run_fetch_abuse(*, contrast: bool = False) -> dict[str, Any]:
    """Run every measurement (about 10 s, 20 s with ``contrast``) and return the figures."""
    return asyncio.run(_run_all(contrast))


def print_table(result: dict[str, Any]) -> None:
    print(f"slow-drip adds (deadline {result['deadline_s']:g} s, one byte every {DRIP_PAUSE_S:g} s) "
          f"while {QUESTIONS} questions are asked by {ASKERS} users")
    header = f"{'scenario':<34} {'ran':>4} {'refused':>7} {'slowest add':>11} {'<= dl+1s':>8} " \
             f"{'q during':>8} {'q p50':>8} {'q max':>8}"
    print(header)
    print("-" * len(header))
    names = {
        "parallel_20": "20 at once, own pool (20 threads)",
        "default_limits": "bot defaults (8 in all, 2/server)",
        "shared_default_executor": "default executor (before #15)",
    }
    for key, name in names.items():
        row = result.get(key)
        if row is None:
            continue
        print(f"{name:<34} {row['adds_ran']:>4} {row['adds_refused']:>7} {row['add_max_s']:>10.2f}s "
              f"{row['adds_within_deadline_plus_1s']:>8} {row['questions_during_adds']:>8} "
              f"{row['question_p50_s'] * 1000:>6.1f}ms {row['question_max_s'] * 1000:>6.0f}ms")
    guard = result["guard"]
    print()
    print(f"address guard: {guard['addresses']} addresses, {guard['non_global']} not global; "
          f"refused {guard['refused']}, all non-global refused: {guard['all_non_global_refused']}, "
          f"global allowed: {guard['global_allowed']}/{guard['addresses'] - guard['non_global']}, "
          f"mismatches: {', '.join(guard['mismatches']) or 'none'}")
    print(f"targets met (slowest question <= 1 s, every add within deadline + 1 s, guard): {result['ok']}")


def main() -> None:
    """Print the table, then the figures as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--contrast", action="store_true", help="also run the adds on the shared default executor")
    result = run_fetch_abuse(contrast=parser.parse_args().contrast)
    print_table(result)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
