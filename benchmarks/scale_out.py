"""Scale-out benchmark (issue 17): 1, 2 and 4 ``python -m bot run`` processes, one Discord shard
each, sharing one PostgreSQL database, over the news archive (71,503 articles, 1.75 M sentences).

For each number of processes N, on this machine:

* a throw-away PostgreSQL server (``tests/postgres_server.py``), a new database, and the fake
  Discord (``tests/e2e/fake_discord.py``, in this process) with N shards and one server on each;
* **start**: N processes started together (``--shard-count N --shards K``, ``NEWSBOT_DATABASE_URL``,
  the saved index of the archive); a process's start time runs from its launch to its first answer
  in its server (questions are asked every half second from the launch on);
* **throughput**: for ``--seconds``, ``--concurrency`` askers per server each mention the bot with
  an archive title as the question and wait for the reply; questions per second overall, and the
  asker's p50 / p99; the CPU seconds the bot processes, this process (the fake Discord and the
  askers) and the PostgreSQL server used meanwhile, and each bot process's memory after (RSS, and
  PSS, which shares the memory-mapped index's pages among the processes that read them);
* **propagation**: ``--added`` articles written into the shared database one after another (as
  ``corpus add`` in another process would); for each, in every server, the question it answers is
  asked every 100 ms until the reply quotes it: the time from the commit to that reply (it includes
  one answer, and the askers' 100 ms grain), p50 / p99 / max over articles x servers.

Run (about 5 minutes; ``pip install -e ".[dev]"``, PostgreSQL's binaries as for the tests):

    python benchmarks/scale_out.py --corpus DIR --index DIR [--processes 1,2,4] [--seconds 20]

where ``--index`` is ``python -m bot index --corpus DIR --index-dir DIR``'s saved index of the
archive (a folder holding the ``news_*.jsonl.gz`` files of ``../shared/data/news_corpus``). Prints
a table to standard error and one JSON object to standard output.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.ingest.sources import text_digest  # noqa: E402
from bot.models import ArticleMeta  # noqa: E402
from bot.storage.articles import SqlArticleStore  # noqa: E402
from bot.storage.base import StoredArticle  # noqa: E402
from bot.storage.postgres import PostgresDatabase  # noqa: E402
from tests.e2e.fake_discord import FakeDiscord  # noqa: E402
from tests.e2e.helpers import bot_process_env  # noqa: E402
from tests.postgres_server import PostgresServer, start_server  # noqa: E402

NAMES = (
    "Halvard Quist", "Odile Brenner", "Tamsin Achterberg", "Ruairi Okonkwo", "Liesl Varga", "Emeric Solberg",
    "Marisol Eze", "Casimir Lund", "Ngozi Halloran", "Teodor Vance-Ibe", "Ysolde Marchetti", "Piet Oyelaran",
)  # fmt: skip
THINGS = ("lantern", "kiln", "orchard", "viaduct", "bellfounders", "rope-walk", "quarry", "tramway", "salt-marsh",
          "clock-tower", "ferry-slip", "weir")  # fmt: skip


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentiles(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {}
    return {
        "p50": round(statistics.median(ordered), 3),
        "p99": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 3),
        "max": round(ordered[-1], 3),
    }


def archive_titles(corpus: Path, count: int, seed: int = 17) -> list[str]:
    """``count`` article titles of the archive, to ask as questions."""
    titles: list[str] = []
    for path in sorted(corpus.glob("news_*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            titles.extend(json.loads(line)["title"] for line in lines)
    random.Random(seed).shuffle(titles)
    return [t for t in titles if len(t) > 15][:count]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int) -> tuple[float, float]:
    """Resident and proportional set size (RSS counts the memory-mapped index in every process that
    reads it; PSS shares each page among them)."""
    found = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("Rss", "Pss"):
            found[key] = int(rest.split()[0]) / 1024
    return found.get("Rss", 0.0), found.get("Pss", 0.0)


def postgres_pids(server: PostgresServer) -> list[int]:
    """The PostgreSQL server's processes: the postmaster (its pid file) and its children."""
    postmaster = int((server.folder / "data" / "postmaster.pid").read_text().split()[0])
    pids = [postmaster]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return pids


def cpu_of(pids: Sequence[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            total += cpu_seconds(pid)
        except OSError:  # ended meanwhile
            continue
    return total


class Replies:
    """The bot's replies by the id of the message they answer (the fake tells of each new message)."""

    def __init__(self, fake: FakeDiscord) -> None:
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._early: dict[str, dict[str, Any]] = {}  # replies that came before their asker waited
        fake.on_message = self._seen

    def _seen(self, message: dict[str, Any]) -> None:
        answered = (message.get("message_reference") or {}).get("message_id")
        if not answered:
            return
        future = self._waiting.pop(str(answered), None)
        if future is None:
            self._early[str(answered)] = message
        elif not future.done():
            future.set_result(message)

    async def ask(self, fake: FakeDiscord, channel: str, question: str, timeout: float) -> dict[str, Any] | None:
        """Mention the bot with ``question``; its reply, or ``None`` after ``timeout`` seconds."""
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        message = await fake.post_message(question, channel=channel, mention_bot=True)
        early = self._early.pop(message["id"], None)
        if early is not None:  # answered while the question was still being posted
            return early
        self._waiting[message["id"]] = future
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            self._waiting.pop(message["id"], None)
            return None


def text_of(reply: dict[str, Any]) -> str:
    return " ".join([reply.get("content") or "", *(e.get("description") or "" for e in reply.get("embeds") or [])])


@dataclass
class Round:
    processes: int
    start_s: list[float] = field(default_factory=list)
    answered: int = 0
    unanswered: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    bot_cpu_s: float = 0.0
    driver_cpu_s: float = 0.0
    postgres_cpu_s: float = 0.0
    rss_mb: list[float] = field(default_factory=list)
    pss_mb: list[float] = field(default_factory=list)
    propagation_s: list[float] = field(default_factory=list)
    propagation_missed: int = 0
    identify_problems: list[str] = field(default_factory=list)

    def report(self) -> dict[str, Any]:
        return {
            "processes": self.processes,
            "start_s": [round(s, 2) for s in self.start_s],
            "questions_per_s": round(self.answered / self.seconds, 1) if self.seconds else None,
            "answered": self.answered,
            "unanswered": self.unanswered,
            "asker_ms": percentiles(self.latencies_ms),
            "bot_cpu_s": round(self.bot_cpu_s, 1),
            "driver_cpu_s": round(self.driver_cpu_s, 1),
            "postgres_cpu_s": round(self.postgres_cpu_s, 1),
            "window_s": round(self.seconds, 1),
            "rss_mb": [round(m) for m in self.rss_mb],
            "pss_mb": [round(m) for m in self.pss_mb],
            "propagation_s": percentiles(self.propagation_s),
            "propagation_samples": len(self.propagation_s),
            "propagation_missed": self.propagation_missed,
            "identify_pacing_problems": self.identify_problems,
        }


async def run_round(
    n: int, server: PostgresServer, args: argparse.Namespace, questions: list[str], work: Path
) -> Round:
    import psycopg

    result = Round(processes=n)
    database = f"scale_{n}"
    with psycopg.connect(server.url(), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {database}")
        admin.execute(f"CREATE DATABASE {database}")
    url = server.url(database)
    SqlArticleStore(PostgresDatabase(url)).close()  # the tables, before the processes race to make them

    # One rate-limit key per shard (max_concurrency = N): they may all IDENTIFY at once.
    fake = FakeDiscord(shard_count=n, max_concurrency=n, identify_interval_s=5.0)
    channels = [f"ask-{k}" for k in range(n)]
    for k, channel in enumerate(channels):
        fake.add_guild(f"Shard {k} server", k, (channel,))
    await fake.start()
    replies = Replies(fake)
    env = bot_process_env(fake, {
        "NEWSBOT_DATABASE_URL": url, "NEWSBOT_ASK_COOLDOWN_S": "0", "NUMBA_CACHE_DIR": str(work / "numba-cache"),
    })  # fmt: skip
    processes: list[asyncio.subprocess.Process] = []
    logs = []
    try:
        launched = time.monotonic()
        for k in range(n):
            log_file = (work / f"round{n}-shard{k}.log").open("wb")
            logs.append(log_file)
            processes.append(await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--shard-count", str(n), "--shards", str(k),
                "--corpus", str(args.corpus), "--index-dir", str(args.index),
                env={**env, "NEWSBOT_DATA_DIR": str(work / f"data-{n}-{k}")}, cwd=str(work),
                stdout=asyncio.subprocess.DEVNULL, stderr=log_file,
            ))  # fmt: skip

        async def first_answer(channel: str) -> float:
            for _ in range(int(args.start_timeout * 2)):  # bounded: one question every 0.5 s
                if await replies.ask(fake, channel, questions[0], timeout=0.5) is not None:
                    return time.monotonic() - launched
            raise RuntimeError(f"no answer in {channel} within {args.start_timeout} s")

        result.start_s = list(await asyncio.gather(*(first_answer(c) for c in channels)))
        log(f"  {n} process(es) answering after {', '.join(f'{s:.1f}' for s in result.start_s)} s")
        await asyncio.sleep(1.0)
        for p in processes:  # the answers above may still be arriving
            assert p.returncode is None, "a bot process ended"

        # Throughput: closed loop, --concurrency askers per server, bounded by time and count.
        deadline = time.monotonic() + args.seconds
        asked = 0

        async def asker(channel: str, offset: int) -> None:
            nonlocal asked
            turn = offset
            while time.monotonic() < deadline and asked < args.max_questions:
                asked += 1
                question = questions[turn % len(questions)]
                turn += 7
                began = time.monotonic()
                reply = await replies.ask(fake, channel, question, timeout=30)
                if reply is None:
                    result.unanswered += 1
                else:
                    result.answered += 1
                    result.latencies_ms.append((time.monotonic() - began) * 1000)

        bot_cpu = sum(cpu_seconds(p.pid) for p in processes)
        database = postgres_pids(server)
        database_cpu = cpu_of(database)
        driver = os.times()
        began = time.monotonic()
        await asyncio.gather(*(asker(c, i * 13 + k) for k, c in enumerate(channels) for i in range(args.concurrency)))
        result.seconds = time.monotonic() - began
        result.bot_cpu_s = sum(cpu_seconds(p.pid) for p in processes) - bot_cpu
        result.postgres_cpu_s = cpu_of(database) - database_cpu
        after = os.times()
        result.driver_cpu_s = (after.user - driver.user) + (after.system - driver.system)
        result.rss_mb, result.pss_mb = (list(m) for m in zip(*(memory_mb(p.pid) for p in processes), strict=True))
        log(f"  {result.answered} answered in {result.seconds:.1f} s: {result.answered / result.seconds:.1f}/s")

        # Propagation: an article committed to the database, then asked about in every server.
        writer = SqlArticleStore(PostgresDatabase(url))
        for i in range(args.added):
            name, thing = NAMES[i % len(NAMES)], THINGS[(i * 5 + n) % len(THINGS)]
            text = (
                f"The {thing} festival of round {n} will open on the first Saturday of June. "
                f"Organiser {name} said the {thing} festival would bring two thousand visitors to the town."
            )
            meta = ArticleMeta(id=f"scale/{n}/{i}", title=f"The {thing} festival opens in June ({n}.{i})")
            question = f"Who said the {thing} festival would bring visitors?"
            writer.add_article(StoredArticle(meta, text, None, text_digest(text)))
            committed = time.monotonic()

            async def until_quoted(
                channel: str, name: str = name, question: str = question, committed: float = committed
            ) -> float | None:
                for _ in range(300):  # bounded: 30 s at one question per 100 ms
                    asked_at = time.monotonic()
                    reply = await replies.ask(fake, channel, question, timeout=10)
                    if reply is not None and name in text_of(reply):
                        return time.monotonic() - committed
                    await asyncio.sleep(max(0.0, 0.1 - (time.monotonic() - asked_at)))
                return None

            for found in await asyncio.gather(*(until_quoted(c) for c in channels)):
                if found is None:
                    result.propagation_missed += 1
                else:
                    result.propagation_s.append(found)
        writer.close()
        result.identify_problems = fake.pacing_problems(slack_s=0.25)
        log(f"  propagation {percentiles(result.propagation_s)} s")
    finally:
        for p in processes:
            if p.returncode is None:
                p.send_signal(signal.SIGTERM)
        for p in processes:
            try:
                await asyncio.wait_for(p.wait(), 60)
            except TimeoutError:
                p.kill()
        for log_file in logs:
            log_file.close()
        await fake.stop()
    return result


async def run(args: argparse.Namespace) -> dict[str, Any]:
    questions = archive_titles(args.corpus, 500)
    server = start_server()
    work = Path(tempfile.mkdtemp(prefix="newsbot-scale-"))
    try:
        # Compile the search loops once (numba's cache, shared by every process), untimed.
        warm = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "ask", "warm up", "--corpus", str(args.corpus), "--index-dir",
            str(args.index), env={**os.environ, "PYTHONPATH": str(ROOT), "NUMBA_CACHE_DIR": str(work / "numba-cache"),
                                  "NEWSBOT_DATA_DIR": str(work / "warm")},
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        await warm.wait()
        rounds = []
        for n in args.processes:
            log(f"{n} process(es):")
            rounds.append((await run_round(n, server, args, questions, work)).report())
        return {"cores": os.cpu_count(), "seconds": args.seconds, "concurrency": args.concurrency, "rounds": rounds}
    finally:
        server.stop()
        if args.keep:
            log(f"the bot processes' logs are in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def table(report: dict[str, Any]) -> str:
    lines = [
        "| processes | start (s) | questions/s | asker p50 / p99 (ms) | CPU s: bots / fake+askers / PostgreSQL "
        "| RSS / PSS MB each | propagation p50 / p99 / max (s), missed |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in report["rounds"]:
        p, a = r["propagation_s"], r["asker_ms"]
        lines.append(
            f"| {r['processes']} | {', '.join(f'{s:.1f}' for s in r['start_s'])} | {r['questions_per_s']} "
            f"| {a.get('p50', 0):.0f} / {a.get('p99', 0):.0f} | {r['bot_cpu_s']} / {r['driver_cpu_s']} / "
            f"{r['postgres_cpu_s']} | {r['rss_mb'][0]} / {r['pss_mb'][0]} "
            f"| {p.get('p50', 0):.2f} / {p.get('p99', 0):.2f} / "
            f"{p.get('max', 0):.2f}, {r['propagation_missed']} of "
            f"{r['propagation_samples'] + r['propagation_missed']} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="folder of the archive's news_*.jsonl.gz files")
    parser.add_argument("--index", type=Path, required=True, help="the saved index of --corpus")
    parser.add_argument("--processes", default="1,2,4", help="numbers of processes (shards) to run, in turn")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the throughput window")
    parser.add_argument("--concurrency", type=int, default=4, help="askers per server")
    parser.add_argument("--max-questions", type=int, default=20_000, help="upper bound of questions a window")
    parser.add_argument("--added", type=int, default=10, help="articles added for the propagation figure")
    parser.add_argument("--start-timeout", type=float, default=240.0, help="longest wait for a process (s)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (the bot processes' logs)")
    args = parser.parse_args(argv)
    args.processes = [int(p) for p in args.processes.split(",")]
    report = asyncio.run(run(args))
    log(table(report))
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
