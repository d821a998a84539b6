"""/feeds on the fake Discord: follow, first poll silent, later items announced (capped, mentions
off), list, autocomplete, remove, the disabling notice, and Manage Server only."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from bot.discord_adapter.client import NewsBot
from bot.feeds.build import open_feeds
from bot.feeds.poll import PollSettings
from bot.ingest.fetch import FetchPolicy
from bot.library import Library
from bot.service import NewsService
from bot.storage.sqlite import SqliteArticleStore
from tests.e2e.conftest import running_bot
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.helpers import assert_clean, embed, is_ephemeral
from tests.feeds.server import rss

FERRY = ("f1", "Ferry @everyone returns", "The night ferry to the island returned to service on Monday after repairs.")
NEW = [(f"n{i}", f"Harbour note {i}", f"Harbour note number {i} says the quay {i} was painted blue.") for i in range(3)]


@pytest_asyncio.fixture
async def feeds_bot(fake: FakeDiscord, fresh_service: NewsService, library: Library, tmp_path: Path
                    ) -> AsyncIterator[NewsBot]:
    store = library.store
    assert isinstance(store, SqliteArticleStore)
    feeds = open_feeds(fresh_service, store, policy=FetchPolicy(allow_private=True, timeout=5.0),
                       settings=PollSettings(announce_max=1, max_failures=1))
    async with running_bot(fake, fresh_service, tmp_path / "data", library=library, feeds=feeds) as client:
        yield client


def channel_messages(fake: FakeDiscord, channel: str) -> list[dict]:
    cid = str(fake.channel_id(channel))
    return [
        m for m in fake.messages.values()
        if m["channel_id"] == cid and m["author"]["id"] == fake.bot_user["id"] and "interaction_metadata" not in m
    ]


async def eventually(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    """Wait (in short steps, at most ``timeout`` s) until ``predicate()`` holds: for state outside the fake."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def poll_now(bot: NewsBot) -> None:
    assert bot.feeds is not None
    for feed in bot.feeds.store.all_feeds():
        bot.feeds.store.record_poll(feed.id, ok=True, next_poll=0, now=time.time(), etag=None)
    bot.feeds.wake()


async def test_follow_announce_list_remove(fake: FakeDiscord, feeds_bot: NewsBot) -> None:
    url = fake.add_page("feed.xml", rss([FERRY]).decode(), content_type="application/rss+xml")
    added = await fake.reply(await fake.slash("feeds", {"add": {"url": url, "channel": "general"}}, user=fake.admin))
    assert is_ephemeral(added) and added["content"].startswith("Following [Harbour Gazette]")
    library = feeds_bot.library
    assert library is not None
    await eventually(lambda: library.list(guild_id=fake.guild_id))  # the first poll came at once
    answer = embed(await fake.reply(await fake.slash("ask", {"question": "When did the night ferry return?"})))
    assert "returned to service on Monday" in answer["description"]
    assert channel_messages(fake, "general") == []  # the back catalogue is not posted

    fake.add_page("feed.xml", rss([*NEW, FERRY]).decode(), content_type="application/rss+xml")
    poll_now(feeds_bot)
    (posted,) = await fake.wait_for(lambda: channel_messages(fake, "general"))
    assert posted["content"] == "… and 2 more new articles from Harbour Gazette."
    (card,) = posted["embeds"]
    assert card["title"] == "Harbour note 2" and "quay 2 was painted blue" in card["description"]
    assert card["footer"]["text"] == "Harbour Gazette · 1 June 2026"

    listing = embed(await fake.reply(await fake.slash("feeds", {"list": {}}, user=fake.admin)))
    assert listing["title"] == "Feeds followed here (1)"
    field = listing["fields"][0]
    assert field["name"] == "#1 Harbour Gazette" and "4 articles taken" in field["value"]
    (choice,) = await fake.choices(await fake.autocomplete("feeds", "feed", "harb", {"remove": {}}, user=fake.admin))
    assert choice == {"name": "#1 Harbour Gazette", "value": "1"}

    fake.pages.pop("feed.xml")  # the feed disappears: with max_failures=1 it is switched off at once
    poll_now(feeds_bot)
    notice = await fake.wait_for(
        lambda: [m for m in channel_messages(fake, "general") if "stopped following" in m["content"]]
    )
    assert "HTTP 404" in notice[0]["content"] and "/feeds add" in notice[0]["content"]

    removed = await fake.reply(await fake.slash("feeds", {"remove": {"feed": "1"}}, user=fake.admin))
    assert removed["content"] == "No longer following Harbour Gazette (#1); its articles stay."
    assert feeds_bot.feeds is not None and feeds_bot.feeds.list(guild_id=fake.guild_id) == []
    assert_clean(fake)


async def test_feeds_need_manage_server(fake: FakeDiscord, feeds_bot: NewsBot) -> None:
    command = fake.find_command("feeds")
    assert command["default_member_permissions"] == "32"
    with pytest.raises(PermissionError):
        await fake.slash("feeds", {"list": {}}, user=fake.member)
    command["default_member_permissions"] = None
    reply = await fake.reply(await fake.slash("feeds", {"add": {"url": "https://news.example/feed"}}, user=fake.member))
    assert is_ephemeral(reply) and "Manage Server" in reply["content"]
    assert await fake.choices(await fake.autocomplete("feeds", "feed", "", {"remove": {}}, user=fake.member)) == []
    bad = fake.add_page("plain", "<html><p>no feed here</p></html>")
    refused = await fake.reply(await fake.slash("feeds", {"add": {"url": bad}}, user=fake.admin))
    assert is_ephemeral(refused) and "links no feed" in refused["content"]
    assert_clean(fake)
