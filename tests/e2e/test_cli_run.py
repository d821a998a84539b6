"""The real ``python -m bot run`` process, configured only by environment variables, against the fake."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.e2e.conftest import write_corpus
from tests.e2e.fake_discord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]


async def test_bot_process_answers_slash_and_mention_then_stops_on_sigint(tmp_path: Path) -> None:
    fake = FakeDiscord()
    await fake.start()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DISCORD_TOKEN": fake.token,
        "DISCORD_API_BASE": fake.api_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "DISCORD_DEV_GUILD_ID": str(fake.guild_id),
        "DISCORD_MESSAGE_CONTENT": "true",
        "NEWSBOT_CORPUS_DIR": str(write_corpus(tmp_path / "corpus")),
        "NEWSBOT_INDEX_DIR": str(tmp_path / "index"),
        "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
        "NEWSBOT_ASK_COOLDOWN_S": "0",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=str(tmp_path), stderr=asyncio.subprocess.PIPE
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
        code = await asyncio.wait_for(process.wait(), 20)
        await fake.stop()
    assert code in (0, 130, -signal.SIGINT)
