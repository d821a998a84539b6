"""Two ``python -m bot run --shard-count 2 --shards K`` processes share the servers by shard (issue 17).

They share the saved index and either one data folder (the SQLite store and the IDENTIFY turns
file) or one PostgreSQL database (store and turns; each process its own data folder); the fake
Discord routes each server's events to its shard's session only, holds both processes' HELLO
so that they would IDENTIFY together, and records when each IDENTIFY came.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.fake_shards import on_shard
from tests.e2e.helpers import bot_process_env, run_cli
from tests.e2e.test_corpus import GLASS, GLASS_QUESTION

INTERVAL = 1.0  # seconds between two IDENTIFYs of one key (Discord: 5), for bot and fake alike
SLACK = 0.25  # how late an IDENTIFY may reach the fake after its turn on this shared machine
CHOIR = (
    "---\ntitle: The lantern choir rehearses in the boathouse\npublished: 2026-05-03\n---\n\n"
    "The lantern choir met for the first time this spring. "
    "Choir leader Ilse Marwood said the singers would rehearse every Thursday evening in the old boathouse.\n"
)
CHOIR_QUESTION = "When will the lantern choir rehearse?"
FERRY_QUESTION = "When will the ferry carry its first passengers?"


class BotProcess:
    """One ``python -m bot run`` process, its log in a file (a pipe nobody reads could block it)."""

    def __init__(self, shard: int, env: dict[str, str], folder: Path, corpus: Path, index: Path) -> None:
        self.shard, self.env, self.corpus, self.index = shard, env, corpus, index
        self.log_path = folder / f"shard-{shard}.log"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--shard-count", "2", "--shards", str(self.shard),
                "--corpus", str(self.corpus), "--index-dir", str(self.index),
                env=self.env, cwd=str(self.log_path.parent), stderr=log, stdout=asyncio.subprocess.DEVNULL,
            )  # fmt: skip

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def started(self, times: int = 1) -> str:
        """The ``times``-th start line (a restarted process logs another), waited for up to 90 s."""
        for _ in range(900):
            lines = [line for line in self.log().splitlines() if "started:" in line]
            if len(lines) >= times:
                return lines[times - 1]
            if self.process is not None and self.process.returncode is not None:
                break
            await asyncio.sleep(0.1)
        raise AssertionError(f"shard {self.shard} did not start:\n{self.log()[-3000:]}")

    async def kill(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no goodbye to Discord, no closing of the store
        await asyncio.wait_for(self.process.wait(), 30)

    async def stop(self) -> int | None:
        if self.process is None or self.process.returncode is not None:
            return None
        self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), 60)
        except TimeoutError:
            self.process.kill()
            raise


@asynccontextmanager
async def two_processes(
    tmp_path: Path, e2e_index: tuple[Path, Path], database_url: str | None
) -> AsyncIterator[tuple[FakeDiscord, list[BotProcess]]]:
    fake = FakeDiscord(shard_count=2, identify_interval_s=INTERVAL)
    fake.hello_barrier = 2  # both processes get HELLO together: without a shared gate they IDENTIFY together
    await fake.start()
    env = bot_process_env(fake, {
        "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
        "NEWSBOT_ASK_COOLDOWN_S": "0",
        "NEWSBOT_SYNC_INTERVAL_S": "0.1",
        "NEWSBOT_IDENTIFY_INTERVAL_S": str(INTERVAL),
        "NEWSBOT_NUMBA": "off",  # the numpy loops: no compiling at start
    })  # fmt: skip
    if database_url is not None:  # the database is all they share: each its own data folder
        env["NEWSBOT_DATABASE_URL"] = database_url
        envs = [{**env, "NEWSBOT_DATA_DIR": str(tmp_path / f"data-{shard}")} for shard in (0, 1)]
    else:
        envs = [env, env]
    processes = [BotProcess(shard, envs[shard], tmp_path, *e2e_index) for shard in (0, 1)]
    try:
        for process in processes:
            await process.start()
        yield fake, processes
    finally:
        codes = [await process.stop() for process in processes]
        await fake.stop()
        for process, code in zip(processes, codes, strict=True):
            assert code in (None, 0), process.log()[-3000:]
            assert "Traceback" not in process.log(), process.log()[-3000:]


async def ask(fake: FakeDiscord, channel: str, question: str, *, answered: bool = True) -> str:
    """Mention the bot with ``question`` in ``channel``: the text of its one reply ("" when ``answered``
    is False and none came within half a second)."""
    message = await fake.post_message(question, channel=channel, mention_bot=True)
    if not answered:
        await asyncio.sleep(0.5)
        assert fake.replies_to(message) == []
        return ""
    await fake.wait_for(lambda: fake.replies_to(message), timeout=30)
    await asyncio.sleep(0.1)  # a second answer (from a process that should not have the server) would come now
    (reply,) = fake.replies_to(message)
    return " ".join([reply["content"], *(e.get("description") or "" for e in reply["embeds"])])


async def until(check: Callable[[], Any], *, tries: int = 40) -> Any:
    """Retry the coroutine ``check()`` until it returns something truthy (bounded: ``tries`` rounds)."""
    for _ in range(tries):
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.25)
    raise AssertionError("never happened")


def cli(e2e_index: tuple[Path, Path], tmp_path: Path, database_url: str | None, *argv: str) -> str:
    """``python -m bot ARGV`` in this process, over the processes' store."""
    corpus, index = e2e_index
    return run_cli(Settings(corpus_dir=corpus, index_dir=index, data_dir=tmp_path / "data", database_url=database_url),
                   *argv)  # fmt: skip


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
async def test_two_shard_processes_answer_their_servers_share_the_store_and_survive_a_kill(
    tmp_path: Path, e2e_index: tuple[Path, Path], store: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("pg_url") if store == "postgresql" else None
    async with two_processes(tmp_path, e2e_index, url) as (fake, (first, second)):
        assert on_shard(fake.guild_id, 0, 2) and on_shard(fake.other_guild_id, 1, 2)
        # Answering needs no more than the sessions (the start line waits 2 s more, for late servers).
        await fake.wait_for(lambda: fake.connected == 2, timeout=90)

        # IDENTIFY pacing across the processes: released together, they still came an interval apart.
        assert sorted(i.shard for i in fake.identifies) == [0, 1]
        assert all(i.close_code is None for i in fake.identifies)
        assert fake.pacing_problems(slack_s=SLACK) == []
        assert "waited" in first.log() + second.log()  # one of them waited for its turn

        # Each server is answered, once, by the process holding its shard.
        assert "ferry" in (await ask(fake, "general", FERRY_QUESTION)).lower()
        assert "ferry" in (await ask(fake, "other-general", FERRY_QUESTION)).lower()

        # Added from the command line: a server's own article first, then one for every server.
        choir, glass = tmp_path / "choir.md", tmp_path / "glass.md"
        choir.write_text(CHOIR, encoding="utf-8")
        glass.write_text(GLASS, encoding="utf-8")
        guild = str(fake.guild_id)
        await asyncio.to_thread(cli, e2e_index, tmp_path, url, "corpus", "add", str(choir), "--guild", guild)
        await asyncio.to_thread(cli, e2e_index, tmp_path, url, "corpus", "add", str(glass))
        for channel in ("general", "other-general"):  # a process that has the second has taken in the first too
            await until(lambda channel=channel: _mentions(ask(fake, channel, GLASS_QUESTION), "Wren Adeyemi"))
        assert "Ilse Marwood" in await ask(fake, "general", CHOIR_QUESTION)
        assert "Ilse Marwood" not in await ask(fake, "other-general", CHOIR_QUESTION)

        for process, shard in ((first, 0), (second, 1)):
            assert f"1 server, shard {shard} of 2," in await process.started()

        # The second process dies without a word: its servers go unanswered (the first does not hold them) ...
        await second.kill()
        await fake.wait_for(lambda: fake.connected == 1, timeout=10)
        await ask(fake, "other-general", FERRY_QUESTION, answered=False)
        assert "ferry" in (await ask(fake, "general", FERRY_QUESTION)).lower()

        # ... until it is started again: it resumes its shard with everything stored.
        restarted = time.monotonic()
        await second.start()
        await fake.wait_for(lambda: fake.connected == 2, timeout=90)
        assert [i.shard for i in fake.identifies if i.at >= restarted] == [1]
        assert "Wren Adeyemi" in await ask(fake, "other-general", GLASS_QUESTION)
        assert "Ilse Marwood" not in await ask(fake, "other-general", CHOIR_QUESTION)
        assert "Ilse Marwood" in await ask(fake, "general", CHOIR_QUESTION)
        listed = await asyncio.to_thread(cli, e2e_index, tmp_path, url, "corpus", "list")
        assert "Glassblowers open a workshop" in listed
        assert fake.pacing_problems(slack_s=SLACK) == []
        assert fake.rejections == []


async def _mentions(answer: Any, text: str) -> bool:
    return text in await answer

