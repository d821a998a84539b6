"""``python -m bot sync`` (run in-process) against the fake Discord served from a background thread."""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Iterator

import pytest

from bot.cli import main
from bot.config import Settings
from tests.e2e.conftest import write_corpus
from tests.e2e.fake_discord import FakeDiscord


@pytest.fixture
def threaded_fake() -> Iterator[FakeDiscord]:
    loop = asyncio.new_event_loop()
    fake_box: list[FakeDiscord] = []
    started = threading.Event()

    async def serve() -> None:
        fake = FakeDiscord()
        await fake.start()
        fake_box.append(fake)
        started.set()

    thread = threading.Thread(target=lambda: (loop.run_until_complete(serve()), loop.run_forever()), daemon=True)
    thread.start()
    assert started.wait(10)
    yield fake_box[0]
    asyncio.run_coroutine_threadsafe(fake_box[0].stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def test_sync_pushes_commands_to_one_guild(threaded_fake, tmp_path):
    settings = Settings(
        corpus_dir=write_corpus(tmp_path / "corpus"),
        index_dir=tmp_path / "index",
        data_dir=tmp_path / "data",
        discord_token=threaded_fake.token,
        discord_api_base=threaded_fake.api_base,
    )
    out, err = io.StringIO(), io.StringIO()
    code = main(["sync", "--guild", str(threaded_fake.guild_id)], stdout=out, stderr=err, settings=settings)
    assert code == 0, err.getvalue()
    names = {c["name"] for c in threaded_fake.commands[threaded_fake.guild_id]}
    assert {"ask", "summary", "articles", "help"} <= names
    assert "synced" in out.getvalue() and "ask" in out.getvalue()


def test_sync_without_token_explains(tmp_path):
    err = io.StringIO()
    code = main(["sync"], stdout=io.StringIO(), stderr=err, settings=Settings(index_dir=tmp_path / "i"))
    assert code == 1 and "DISCORD_TOKEN" in err.getvalue()
