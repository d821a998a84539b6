"""The real ``python -m bot run`` process, configured only by environment variables, against the fake."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.e2e.conftest import write_corpus
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.helpers import bot_process_env

ROOT = Path(__file__).resolve().parents[2]


async def test_bot_process_answers_slash_and_mention_then_stops_on_sigint(tmp_path: Path) -> None:
    fake = FakeDiscord()
    await fake.start()
    env = bot_process_env(fake, {
        "DISCORD_DEV_GUILD_ID": str(fake.guild_id),
        "DISCORD_MESSAGE_CONTENT": "true",
        "NEWSBOT_CORPUS_DIR": str(write_corpus(tmp_path / "corpus")),
        "NEWSBOT_INDEX_DIR": str(tmp_path / "index"),
        "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
        "NEWSBOT_ASK_COOLDOWN_S": "0",
    })  # fmt: skip
    log = (tmp_path / "stderr.log").open("wb")  # a file, not a pipe nobody reads: a full pipe would block the bot
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=str(tmp_path), stderr=log, preexec_fn=_ctrl_c_as_at_a_terminal
    )
    try:
        await fake.wait_for(lambda: fake.identify_intents and fake.commands.get(fake.guild_id), timeout=90)
        names = {c["name"] for c in fake.commands[fake.guild_id]}
        assert {"ask", "summary", "articles", "help", "corpus"} <= names  # the library was wired in
        await asyncio.sleep(2.5)  # the real client waits guild_ready_timeout (2 s by default) before on_ready
        call = await fake.slash("ask", {"question": "When will the ferry carry its first passengers?"})
        assert "ferry" in (await fake.reply(call, timeout=30))["embeds"][0]["description"].lower()
        message = await fake.post_message("Who said the robot shelved four hundred books?", mention_bot=True)
        (reply,) = await fake.wait_for(lambda: fake.replies_to(message), timeout=30)
        assert reply["embeds"]
        assert not fake.rejections
    finally:
        process.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(process.wait(), 60)
        await fake.stop()
        log.close()
    assert code in (0, 130, -signal.SIGINT), (tmp_path / "stderr.log").read_text(errors="replace")[-2000:]


def _ctrl_c_as_at_a_terminal() -> None:
    """In the child: Ctrl-C (SIGINT) as a terminal delivers it. A job started in the background by a
    non-interactive shell (as CI may run the tests) inherits SIGINT ignored, and Python then never
    raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


async def _read_until(stream: asyncio.StreamReader, seen: list[str], text: str, timeout: float) -> None:
    """Collect the lines of ``stream`` into ``seen`` until one holds ``text``."""

    async def read() -> None:
        while not any(text in line for line in seen):
            line = await stream.readline()
            if not line:
                raise AssertionError(f"the process ended before logging {text!r}: {''.join(seen)}")
            seen.append(line.decode())

    await asyncio.wait_for(read(), timeout)


async def test_sigterm_closes_the_discord_connection_and_exits_0_with_a_log_line(tmp_path: Path) -> None:
    fake = FakeDiscord()
    await fake.start()
    env = bot_process_env(
        fake, {"NEWSBOT_HOME": str(tmp_path), "NEWSBOT_CORPUS_DIR": str(write_corpus(tmp_path / "corpus"))},
        drop=("NEWSBOT_INDEX_DIR", "NEWSBOT_DATA_DIR", "NEWSBOT_NUMBA"),
    )  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=str(tmp_path), stderr=asyncio.subprocess.PIPE
    )
    seen: list[str] = []
    try:
        assert process.stderr is not None
        await _read_until(process.stderr, seen, "started:", timeout=90)
        process.send_signal(signal.SIGTERM)
        await _read_until(process.stderr, seen, "stopped", timeout=30)
        seen += (await process.stderr.read()).decode().splitlines(keepends=True)
        code = await asyncio.wait_for(process.wait(), 20)
    finally:
        if process.returncode is None:
            process.kill()
        await fake.stop()
    log = "".join(seen)
    assert code == 0, log
    assert "received SIGTERM: closing the Discord connection" in log
    (start,) = [line for line in seen if "started:" in line]
    assert "2 servers," in start and "search loops numba" in start and "sentences" in start  # the fake's two
    assert "\x1b[" not in log  # no colour codes in a log that is not a terminal
    assert "voice will NOT be supported" not in log  # discord.py's voice warnings are off
    assert "Traceback" not in log


async def test_sigterm_stops_the_console_chat_with_exit_0_and_a_log_line(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEWSBOT_HOME": str(tmp_path)}
    for key in ("DISCORD_TOKEN", "NEWSBOT_CORPUS_DIR", "NEWSBOT_INDEX_DIR", "NEWSBOT_DATA_DIR", "NEWSBOT_NUMBA"):
        env.pop(key, None)
    write_corpus(tmp_path / "corpus")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd="/", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    seen: list[str] = []
    try:
        assert process.stderr is not None
        await _read_until(process.stderr, seen, "started:", timeout=90)
        process.send_signal(signal.SIGTERM)
        seen += (await asyncio.wait_for(process.stderr.read(), 20)).decode().splitlines(keepends=True)
        code = await asyncio.wait_for(process.wait(), 20)
    finally:
        if process.returncode is None:
            process.kill()
    log = "".join(seen)
    assert code == 0, log
    assert "received SIGTERM: stopped" in log
    assert "console chat" in "".join(line for line in seen if "started:" in line)
