"""Fixtures for the end-to-end suite: a corpus written for it, the real service, the fake Discord, the bot."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.discord_adapter.client import NewsBot
from bot.discord_adapter.runner import create_bot, discord_endpoints
from bot.ingest.fetch import FetchPolicy
from bot.library import Library
from bot.service import NewsService, build_service
from bot.storage.sqlite import SqliteArticleStore
from tests.e2e.fake_discord import FakeDiscord

HERE = Path(__file__).resolve().parent
BRIEFS = 30  # with the 6 hand-written articles: more than 25 autocomplete matches and several /articles pages
LONG_TITLE = "Weekly brief: " + "a very long headline about the harbour market and its many stalls " * 3


def write_corpus(target: Path) -> Path:
    """The hand-written articles plus generated ones (a long journal, numbered briefs)."""
    shutil.copytree(HERE / "corpus", target)
    entries = [
        f"The lighthouse keeper logged storm number {i} in the lighthouse journal, noting "
        + " ".join(f"gust{i}x{j}" for j in range(70))
        + "."
        for i in range(1, 13)
    ]
    entries.append(
        "The lighthouse keeper also wrote one enormous entry about the lighthouse lamp, "
        + ", ".join("and the lamp glowed again" for _ in range(250))
        + "."
    )
    front = "---\ntitle: The lighthouse keeper's long journal\npublished: 2026-06-01\n---\n\n"
    (target / "lighthouse-journal.md").write_text(front + "\n\n".join(entries) + "\n", encoding="utf-8")
    for n in range(1, BRIEFS + 1):
        title = LONG_TITLE.strip() if n == 1 else f"Weekly brief number {n}"
        body = f"Brief {n} reports that the harbour market opened stall number {n} on a sunny morning."
        (target / f"brief-{n:02d}.md").write_text(f"---\ntitle: {title}\n---\n\n{body}\n", encoding="utf-8")
    return target


@pytest.fixture(scope="session")
def e2e_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The e2e corpus folder and its saved index, built once."""
    corpus = write_corpus(tmp_path_factory.mktemp("e2e") / "corpus")
    index = tmp_path_factory.mktemp("e2e-index")
    build_service(corpus, index)
    return corpus, index


@pytest.fixture(scope="session")
def news_service(e2e_index: tuple[Path, Path]) -> NewsService:
    """The real service over the e2e corpus, shared by tests that do not change it."""
    return build_service(*e2e_index)


@pytest.fixture
def fresh_service(e2e_index: tuple[Path, Path]) -> NewsService:
    """A service of its own (loaded from the saved index), for tests that add articles."""
    return build_service(*e2e_index)


@pytest.fixture
def library(fresh_service: NewsService, tmp_path: Path) -> Library:
    """Corpus management over ``fresh_service``; URL fetches may reach 127.0.0.1 (the fake serves pages)."""
    store = SqliteArticleStore(tmp_path / "articles.sqlite3")
    return Library(fresh_service, store, fetch_policy=FetchPolicy(allow_private=True, timeout=5.0))


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """A fresh fake Discord on a random local port."""
    server = FakeDiscord()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@asynccontextmanager
async def running_bot(
    fake: FakeDiscord,
    service: Any,
    data_dir: Path,
    *,
    message_content_intent: bool = True,
    ask_cooldown_s: float = 0.0,
    corpus_cooldown_s: float = 0.0,
    **options: Any,
) -> AsyncIterator[NewsBot]:
    """The real bot connected to ``fake`` (commands synced to its guild), closed on exit.

    Cooldowns are off unless a test sets them.
    """
    with discord_endpoints(fake.api_base, fake.gateway_url):
        bot = create_bot(
            service,
            data_dir=data_dir,
            dev_guild_id=fake.guild_id,
            message_content_intent=message_content_intent,
            guild_ready_timeout=0.05,
            ask_cooldown_s=ask_cooldown_s,
            corpus_cooldown_s=corpus_cooldown_s,
            **options,
        )
        async with bot:
            task = asyncio.create_task(bot.start(fake.token))
            ready = asyncio.create_task(bot.wait_until_ready())
            done, _ = await asyncio.wait({task, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
            if ready not in done:
                ready.cancel()
                if task in done:
                    task.result()  # raises the start-up error
                raise TimeoutError("bot did not become ready")
            try:
                yield bot
            finally:
                await bot.close()
                await asyncio.wait_for(task, 5)


@pytest_asyncio.fixture
async def bot(fake: FakeDiscord, news_service: NewsService, tmp_path: Path) -> AsyncIterator[NewsBot]:
    """The bot with the Message Content intent, over the real service."""
    async with running_bot(fake, news_service, tmp_path / "data") as client:
        yield client
