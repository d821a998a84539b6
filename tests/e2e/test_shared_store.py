"""PostgreSQL as the shared store, through the fake Discord: what one process changes (an article
added from the command line, an ask-channel set with /config) reaches a running bot at once by
LISTEN/NOTIFY, long before its periodic check (set to a minute here)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot.config import Settings
from bot.ingest.fetch import FetchPolicy
from bot.library import Library
from bot.service import NewsService
from bot.storage.location import StoreLocation
from tests.e2e.conftest import running_bot
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.helpers import assert_clean, embed, run_cli, settle
from tests.e2e.test_corpus import GLASS, GLASS_QUESTION

SAFETY_NET_S = 60.0  # the periodic check: far beyond what the test waits


async def test_a_change_from_another_process_reaches_the_bot_by_notification(
    fake: FakeDiscord, fresh_service: NewsService, e2e_index: tuple[Path, Path], tmp_path: Path, pg_url: str
) -> None:
    corpus, index = e2e_index
    location = StoreLocation(tmp_path / "data", pg_url)
    library = Library(fresh_service, location.open_articles(), fetch_policy=FetchPolicy(allow_private=True))
    library.load_stored()
    settings = Settings(corpus_dir=corpus, index_dir=index, data_dir=tmp_path / "cli-data", database_url=pg_url)
    source = tmp_path / "glass-workshop.md"
    source.write_text(GLASS, encoding="utf-8")

    def cli(*argv: str) -> None:
        run_cli(settings, *argv)

    async with running_bot(
        fake, fresh_service, tmp_path / "data", library=library, upkeep=library.sync,
        upkeep_interval_s=SAFETY_NET_S, bot_store=location.open_bot_store(),
    ) as bot:  # fmt: skip
        await asyncio.to_thread(cli, "corpus", "add", str(source))
        added = time.monotonic()
        for _ in range(100):  # bounded: 100 looks, 50 ms apart
            if any("Glassblowers" in m.title for m in fresh_service.articles()):
                break
            await asyncio.sleep(0.05)
        assert time.monotonic() - added < 5.0  # notified, not found by the minute-long check
        answer = embed(await fake.reply(await fake.slash("ask", {"question": GLASS_QUESTION})))
        assert "Wren Adeyemi" in answer["description"]

        # Another process's /config (here: its store) makes a channel an ask-channel.
        other = location.open_bot_store()
        other.set_ask_channel(fake.guild_id, fake.channel_id("ask"), enabled=True, set_by=1)
        for _ in range(100):
            if bot.store.is_ask_channel(fake.channel_id("ask")):
                break
            await asyncio.sleep(0.05)
        question = await fake.post_message(GLASS_QUESTION, channel="ask")
        replies = await fake.wait_for(lambda: fake.replies_to(question))
        assert "Wren Adeyemi" in embed(replies[0])["description"]
        elsewhere = await fake.post_message(GLASS_QUESTION, channel="random")
        await settle()
        assert fake.replies_to(elsewhere) == []
    assert_clean(fake)
