"""Manual check (not collected by pytest): the real ``python -m bot run`` process against the fake Discord.

Run from the repo root: ``python -m tests.e2e.cli_smoke``. It starts the fake, launches the bot as a
separate process configured only through the DISCORD_* / NEWSBOT_* environment variables, asks one
slash question and one mention question, then stops the bot with SIGINT. Takes a few seconds.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

from tests.e2e.conftest import write_corpus
from tests.e2e.fake_discord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]


async def main() -> int:
    """Exit code 0 when both questions were answered and Discord refused nothing."""
    fake = FakeDiscord()
    await fake.start()
    tmp = Path(tempfile.mkdtemp(prefix="newsbot-cli-smoke-"))
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DISCORD_TOKEN": fake.token,
        "DISCORD_API_BASE": fake.api_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "DISCORD_DEV_GUILD_ID": str(fake.guild_id),
        "DISCORD_MESSAGE_CONTENT": "true",
        "NEWSBOT_CORPUS_DIR": str(write_corpus(tmp / "corpus")),
        "NEWSBOT_INDEX_DIR": str(tmp / "index"),
        "NEWSBOT_DATA_DIR": str(tmp / "data"),
    }
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", env=env, cwd=str(tmp))
    try:
        await fake.wait_for(lambda: fake.identify_intents and fake.commands.get(fake.guild_id), timeout=60)
        await asyncio.sleep(0.3)  # guild_ready_timeout of the real client
        print(f"connected and synced after {time.monotonic() - started:.1f} s")
        call = await fake.slash("ask", {"question": "When will the ferry carry its first passengers?"})
        print("/ask ->", (await fake.reply(call))["embeds"][0]["description"].splitlines()[0])
        message = await fake.post_message("Who said the robot shelved four hundred books?", mention_bot=True)
        (reply,) = await fake.wait_for(lambda: fake.replies_to(message))
        print("mention ->", reply["embeds"][0]["description"].splitlines()[0])
        print("refused by the fake:", fake.rejections or "nothing")
        return 1 if fake.rejections else 0
    finally:
        process.send_signal(signal.SIGINT)
        print("bot exit code", await asyncio.wait_for(process.wait(), 10))
        await fake.stop()


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
