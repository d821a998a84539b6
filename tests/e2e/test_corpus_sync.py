"""A `python -m bot corpus add` in another process reaches the running Discord bot, no restart (issue 14)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.config import Settings
from bot.library import Library
from bot.service import NewsService
from tests.e2e.conftest import running_bot
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.helpers import assert_clean, embed, run_cli
from tests.e2e.test_corpus import GLASS, GLASS_QUESTION


async def _until(predicate: object, *, tries: int = 100) -> bool:
    for _ in range(tries):  # bounded: 100 looks, 50 ms apart
        if predicate():  # type: ignore[operator]
            return True
        await asyncio.sleep(0.05)
    return False


async def test_a_cli_corpus_add_is_answered_by_the_running_bot(
    fake: FakeDiscord, fresh_service: NewsService, library: Library, e2e_index: tuple[Path, Path], tmp_path: Path
) -> None:
    corpus, index = e2e_index
    # The library fixture keeps its store at tmp_path / "articles.sqlite3": the CLI's store with this data folder.
    settings = Settings(corpus_dir=corpus, index_dir=index, data_dir=tmp_path)
    source = tmp_path / "glass-workshop.md"
    source.write_text(GLASS, encoding="utf-8")

    def cli(*argv: str) -> str:
        return run_cli(settings, *argv)

    def has_glass() -> bool:
        return any("Glassblowers" in m.title for m in fresh_service.articles())

    async with running_bot(
        fake, fresh_service, tmp_path / "data", library=library, upkeep=library.sync, upkeep_interval_s=0.05
    ):
        before = embed(await fake.reply(await fake.slash("ask", {"question": GLASS_QUESTION})))
        assert "Wren Adeyemi" not in before["description"]

        added = await asyncio.to_thread(cli, "corpus", "add", str(source))
        assert added.startswith("added added/")
        assert await _until(has_glass)
        answer = embed(await fake.reply(await fake.slash("ask", {"question": GLASS_QUESTION})))
        assert "**Master glassblower Wren Adeyemi said the furnace would burn" in answer["description"]

        await asyncio.to_thread(cli, "corpus", "remove", "Glassblowers open a workshop by the canal")
        assert await _until(lambda: not has_glass())
        after = embed(await fake.reply(await fake.slash("ask", {"question": GLASS_QUESTION})))
        assert "Wren Adeyemi" not in after["description"]
    assert_clean(fake)
