"""/corpus on the fake Discord: who may use it, bad input, add-then-ask, and two servers kept apart."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import discord
import pytest
import pytest_asyncio

from bot.discord_adapter.client import NewsBot
from bot.ingest.fetch import FetchedPage, FetchPolicy
from bot.library import Library
from bot.service import NewsService
from bot.storage.sqlite import SqliteArticleStore
from tests.e2e.conftest import running_bot
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.helpers import assert_clean, embed, is_ephemeral

GLASS = (
    "---\ntitle: Glassblowers open a workshop by the canal\npublished: 2026-05-02\n---\n\n"
    "The glassblowers' guild opened a workshop beside the old canal on Tuesday. "
    "Master glassblower Wren Adeyemi said the furnace would burn at eleven hundred degrees all winter. "
    "Visitors may watch the blowing of green bottles every Friday afternoon.\n"
)
GLASS_QUESTION = "How hot will the glassblowers' furnace burn?"
KITES_HTML = """<!doctype html><html><head><title>Kite festival fills the dunes</title>
<meta property="og:title" content="Kite festival fills the dunes">
<meta name="date" content="2026-07-19"><script>var tracker = 1;</script></head>
<body><nav>Home | Sport | Weather</nav><article><h1>Kite festival fills the dunes</h1>
<p>More than three hundred kites flew above the northern dunes on Saturday, the organisers said.</p>
<p>Festival director Imre Koszta said the largest kite, a paper whale, needed nine people to launch it.</p>
<p>The festival returns next summer with a night flight of lantern kites over the beach.</p>
</article><footer>Copyright nobody</footer></body></html>"""


@pytest_asyncio.fixture
async def corpus_bot(
    fake: FakeDiscord, fresh_service: NewsService, library: Library, tmp_path: Path
) -> AsyncIterator[NewsBot]:
    """The bot with corpus management, its commands also synced to the second server."""
    async with running_bot(fake, fresh_service, tmp_path / "data", library=library) as client:
        other = discord.Object(id=fake.other_guild_id)
        client.tree.copy_global_to(guild=other)
        await client.tree.sync(guild=other)
        yield client


async def add_glass(fake: FakeDiscord, channel: str = "general") -> dict:
    aid = fake.add_attachment("glass-workshop.md", GLASS.encode("utf-8"))
    call = await fake.slash("corpus", {"add": {"file": aid}}, user=fake.admin, channel=channel)
    return await fake.reply(call)


async def test_corpus_needs_manage_server(fake: FakeDiscord, corpus_bot: NewsBot) -> None:
    corpus = fake.find_command("corpus")
    assert corpus["default_member_permissions"] == "32"  # hidden from members by Discord
    assert corpus.get("dm_permission") is False or corpus.get("contexts") == [0]
    with pytest.raises(PermissionError):
        await fake.slash("corpus", {"list": {}}, user=fake.member)

    # A server may show the command to everyone: the bot refuses by itself, privately.
    corpus["default_member_permissions"] = None
    attempts: list[dict[str, Any]] = [
        {"list": {}},
        {"add": {"url": "https://news.example/a"}},
        {"remove": {"article": "glass"}},
    ]
    for options in attempts:
        call = await fake.slash("corpus", options, user=fake.member)
        reply = await fake.reply(call)
        assert is_ephemeral(reply) and "Manage Server" in reply["content"], options
    typing = await fake.autocomplete("corpus", "article", "", {"remove": {}}, user=fake.member)
    assert await fake.choices(typing) == []
    assert corpus_bot.library is not None and corpus_bot.library.list(guild_id=fake.guild_id) == []
    assert_clean(fake)


async def test_added_file_is_answered_at_once(fake: FakeDiscord, corpus_bot: NewsBot) -> None:
    before = embed(await fake.reply(await fake.slash("ask", {"question": GLASS_QUESTION})))
    assert "Wren Adeyemi" not in before["description"]

    added = await add_glass(fake)
    assert is_ephemeral(added)
    assert added["content"].startswith("Added Glassblowers open a workshop by the canal (`g")
    assert "right away" in added["content"]

    reply = await fake.reply(await fake.slash("ask", {"question": GLASS_QUESTION}))
    answer = embed(reply)
    assert "**Master glassblower Wren Adeyemi said the furnace would burn" in answer["description"]
    assert "Glassblowers open a workshop by the canal" in answer["description"]
    context = embed(await fake.reply(await fake.click(reply, "Show context")))
    assert "sentences 1\u20133 of 3" in context["description"]
    assert "Visitors may watch the blowing of green bottles" in context["description"]

    listing = embed(await fake.reply(await fake.slash("corpus", {"list": {}}, user=fake.admin)))
    assert listing["title"] == "Added to this server (1)"
    assert "Glassblowers open a workshop" in listing["description"]
    assert embed(await fake.reply(await fake.slash("articles")))["title"] == "Articles (37)"
    (choice,) = await fake.choices(await fake.autocomplete("summary", "article", "glassblowers"))
    summary = embed(await fake.reply(await fake.slash("summary", {"article": choice["value"]})))
    assert summary["title"] == "Glassblowers open a workshop by the canal"
    assert_clean(fake)


async def test_servers_never_see_each_others_articles(fake: FakeDiscord, corpus_bot: NewsBot) -> None:
    assert "Added" in (await add_glass(fake))["content"]
    article_id = corpus_bot.library.list(guild_id=fake.guild_id)[0].id if corpus_bot.library else ""
    other = "other-general"

    answer = embed(await fake.reply(await fake.slash("ask", {"question": GLASS_QUESTION}, channel=other)))
    assert "Wren Adeyemi" not in answer["description"] and "Glassblowers" not in answer["description"]
    mention = await fake.post_message(GLASS_QUESTION, mention_bot=True, channel="other-general")
    (reply,) = await fake.wait_for(lambda: fake.replies_to(mention))
    assert "Wren Adeyemi" not in embed(reply)["description"]

    assert await fake.choices(await fake.autocomplete("summary", "article", "glass", channel="other-general")) == []
    refused = await fake.reply(await fake.slash("summary", {"article": article_id}, channel=other))
    assert is_ephemeral(refused) and "no article" in refused["content"]
    assert embed(await fake.reply(await fake.slash("articles", channel=other)))["title"] == "Articles (36)"
    other_list = embed(await fake.reply(await fake.slash("corpus", {"list": {}}, user=fake.admin, channel=other)))
    assert other_list["title"] == "Added to this server (0)"
    other_remove = await fake.autocomplete("corpus", "article", "", {"remove": {}}, user=fake.admin, channel=other)
    assert await fake.choices(other_remove) == []
    gone = await fake.reply(
        await fake.slash("corpus", {"remove": {"article": article_id}}, user=fake.admin, channel=other)
    )
    assert is_ephemeral(gone) and "no article" in gone["content"]

    # Nor do direct messages (they see the shipped corpus only) ...
    await corpus_bot.tree.sync()
    direct = await fake.post_message(GLASS_QUESTION, channel="dm")
    (dm_reply,) = await fake.wait_for(lambda: fake.replies_to(direct))
    assert "Wren Adeyemi" not in embed(dm_reply)["description"]
    dm_articles = embed(await fake.reply(await fake.slash("articles", channel="dm")))
    assert dm_articles["title"] == "Articles (36)"

    # ... while the first server still has it.
    home = embed(await fake.reply(await fake.slash("ask", {"question": GLASS_QUESTION})))
    assert "Wren Adeyemi" in home["description"]
    assert_clean(fake)


async def test_added_page_from_a_url(fake: FakeDiscord, corpus_bot: NewsBot) -> None:
    url = fake.add_page("kites", KITES_HTML)
    added = await fake.reply(await fake.slash("corpus", {"add": {"url": url}}, user=fake.admin))
    assert is_ephemeral(added) and added["content"].startswith("Added [Kite festival fills the dunes]("), added

    answer = embed(await fake.reply(await fake.slash("ask", {"question": "How many people launched the paper whale?"})))
    assert "**Festival director Imre Koszta said the largest kite" in answer["description"]
    assert f"[Kite festival fills the dunes]({url})" in answer["description"]
    assert "var tracker" not in answer["description"]
    assert_clean(fake)


async def test_remove_takes_it_out_at_once(fake: FakeDiscord, corpus_bot: NewsBot) -> None:
    await add_glass(fake)
    (choice,) = await fake.choices(
        await fake.autocomplete("corpus", "article", "workshop", {"remove": {}}, user=fake.admin)
    )
    assert choice["name"] == "Glassblowers open a workshop by the canal"
    removed = await fake.reply(await fake.slash("corpus", {"remove": {"article": choice["value"]}}, user=fake.admin))
    assert is_ephemeral(removed) and removed["content"].startswith("Removed Glassblowers open a workshop")

    answer = embed(await fake.reply(await fake.slash("ask", {"question": GLASS_QUESTION})))
    assert "Wren Adeyemi" not in answer["description"]
    shipped = await fake.reply(
        await fake.slash("corpus", {"remove": {"article": "river-ferry-returns"}}, user=fake.admin)
    )
    assert is_ephemeral(shipped) and "no article" in shipped["content"]  # shipped articles stay
    assert_clean(fake)


@pytest.mark.parametrize(
    ("filename", "data", "size", "expected", "downloaded"),
    [
        ("report.pdf", b"%PDF-1.4", None, "only .txt, .md, .html, .htm files can be added", False),
        ("huge.txt", b"x", 5_000_000, "the file is 5,000,000 bytes; the limit is 2,000,000", False),
        ("liar.txt", b"word " * 500_000, 100, "the limit is 2,000,000", True),
        ("empty.txt", b"", None, "empty.txt is empty", False),
        ("latin.txt", "Caf\u00e9 cr\u00e8me at the harbour.".encode("latin-1"), None, "UTF-8", True),
        ("binary.txt", b"abc\x00\x01\x02def", None, "binary", True),
        ("scripts.html", b"<html><script>alert(1)</script></html>", None, "no article text", True),
    ],
    ids=["wrong-kind", "too-big", "lying-size", "empty", "not-utf8", "binary", "scripts-only"],
)
async def test_bad_files_get_a_clear_private_reply(
    fake: FakeDiscord,
    corpus_bot: NewsBot,
    filename: str,
    data: bytes,
    size: int | None,
    expected: str,
    downloaded: bool,
) -> None:
    aid = fake.add_attachment(filename, data, size=size)
    reply = await fake.reply(await fake.slash("corpus", {"add": {"file": aid}}, user=fake.admin))
    assert is_ephemeral(reply) and expected in reply["content"], reply["content"]
    assert (aid in fake.downloads) is downloaded
    assert corpus_bot.library is not None and corpus_bot.library.list(guild_id=fake.guild_id) == []
    assert_clean(fake)


async def test_other_bad_input(fake: FakeDiscord, corpus_bot: NewsBot) -> None:
    async def say(options: dict) -> str:
        reply = await fake.reply(await fake.slash("corpus", {"add": options}, user=fake.admin))
        assert is_ephemeral(reply)
        return reply["content"]

    assert "attach a file or give a url" in await say({})
    aid = fake.add_attachment("a.txt", b"One sentence here.")
    assert "attach a file or give a url" in await say({"file": aid, "url": "https://news.example/a"})
    assert "Added" in await say({"file": fake.add_attachment("glass.md", GLASS.encode())})
    assert "already" in await say({"file": fake.add_attachment("again.md", GLASS.encode())})
    assert "answered HTTP 404" in await say({"url": fake.add_page("x", "") + "-missing"})
    assert "only http and https" in await say({"url": "ftp://news.example/a"})
    assert "not an HTML or text article" in await say({"url": fake.add_page("photo", "PNG", content_type="image/png")})
    fake.redirects.update({"loop-a": "loop-b", "loop-b": "loop-a"})
    assert "too many redirects" in await say({"url": fake.add_page("x", "").replace("/x", "/loop-a")})
    empty = fake.add_page(
        "empty", "<html><head><script>var a = 1;</script></head><body><script>go()</script></body></html>"
    )
    assert "no article text" in await say({"url": empty})
    assert corpus_bot.library is not None and len(corpus_bot.library.list(guild_id=fake.guild_id)) == 1
    assert_clean(fake)


async def test_default_policy_refuses_local_addresses(
    fake: FakeDiscord, fresh_service: NewsService, tmp_path: Path
) -> None:
    strict = Library(fresh_service, SqliteArticleStore(tmp_path / "a.sqlite3"), fetch_policy=FetchPolicy())
    url = fake.add_page("kites", KITES_HTML)
    async with running_bot(fake, fresh_service, tmp_path / "data", library=strict):
        reply = await fake.reply(await fake.slash("corpus", {"add": {"url": url}}, user=fake.admin))
    assert is_ephemeral(reply) and "private or local network address" in reply["content"]
    assert strict.list(guild_id=fake.guild_id) == []


async def test_corpus_changes_have_a_cooldown(
    fake: FakeDiscord, fresh_service: NewsService, library: Library, tmp_path: Path
) -> None:
    async with running_bot(fake, fresh_service, tmp_path / "data", library=library, corpus_cooldown_s=60):
        assert "Added" in (await add_glass(fake))["content"]
        url = fake.add_page("kites", KITES_HTML)
        again = await fake.reply(await fake.slash("corpus", {"add": {"url": url}}, user=fake.admin))
        assert is_ephemeral(again) and again["content"].startswith("Slow down a little: try again in 60 s")
        assert not any(r.path == "/pages/kites" for r in fake.requests)  # nothing fetched
        owner = await fake.reply(await fake.slash("corpus", {"add": {"url": url}}, user=fake.owner))
        assert "Added" in owner["content"]  # per user
    assert len(library.list(guild_id=fake.guild_id)) == 2


async def test_without_a_library_corpus_explains(fake: FakeDiscord, bot: NewsBot) -> None:
    reply = await fake.reply(await fake.slash("corpus", {"list": {}}, user=fake.admin))
    assert is_ephemeral(reply) and "not enabled" in reply["content"]


async def test_questions_are_answered_while_an_article_is_being_added(
    fake: FakeDiscord, fresh_service: NewsService, tmp_path: Path
) -> None:
    release = threading.Event()

    def slow_fetch(url: str, policy: FetchPolicy) -> FetchedPage:
        assert release.wait(5)  # the news site is slow to answer
        return FetchedPage(url=url, content_type="text/html", charset="utf-8", body=KITES_HTML.encode())

    slow = Library(fresh_service, SqliteArticleStore(tmp_path / "a.sqlite3"), fetcher=slow_fetch)
    async with running_bot(fake, fresh_service, tmp_path / "data", library=slow):
        adding = await fake.slash("corpus", {"add": {"url": "https://news.example/kites"}}, user=fake.admin)
        await fake.wait_for(lambda: adding.responded)
        for _ in range(3):
            call = await fake.slash("ask", {"question": "Who said the robot shelved four hundred books?"})
            assert "Tomas Berg" in embed(await fake.reply(call, timeout=2))["description"]
        assert fake.interaction_messages(adding) == []  # still adding
        release.set()
        added = await fake.reply(adding)
        assert "Added [Kite festival fills the dunes](https://news.example/kites)" in added["content"]
        kites = await fake.slash("ask", {"question": "How many people launched the paper whale?"})
        assert "Imre Koszta" in embed(await fake.reply(kites))["description"]
    assert_clean(fake)


async def test_slow_fetches_never_hold_the_threads_that_answer_questions(
    fake: FakeDiscord, fresh_service: NewsService, tmp_path: Path
) -> None:
    # The loop's default executor (what /ask runs on) gets one thread: an add that ran there would
    # leave no thread for questions. Fetches run on the bot's own pool instead.
    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(max_workers=1))
    release = threading.Event()

    def slow_fetch(url: str, policy: FetchPolicy) -> FetchedPage:
        release.wait(10)  # the news site drips its page; bounded in case the test fails
        return FetchedPage(url=url, content_type="text/html", charset="utf-8", body=KITES_HTML.encode())

    slow = Library(fresh_service, SqliteArticleStore(tmp_path / "a.sqlite3"), fetcher=slow_fetch)
    try:
        async with running_bot(fake, fresh_service, tmp_path / "data", library=slow):
            adding = await fake.slash("corpus", {"add": {"url": "https://news.example/kites"}}, user=fake.admin)
            await fake.wait_for(lambda: adding.responded)
            call = await fake.slash("ask", {"question": "Who said the robot shelved four hundred books?"})
            assert "Tomas Berg" in embed(await fake.reply(call, timeout=5))["description"]
            assert fake.interaction_messages(adding) == []  # still fetching
            release.set()
            assert "Added" in (await fake.reply(adding))["content"]
    finally:
        release.set()
    assert_clean(fake)


async def test_a_server_may_fetch_only_so_many_pages_at_once(
    fake: FakeDiscord, fresh_service: NewsService, tmp_path: Path
) -> None:
    release = threading.Event()
    fetched: list[str] = []

    def slow_fetch(url: str, policy: FetchPolicy) -> FetchedPage:
        fetched.append(url)
        release.wait(10)
        return FetchedPage(url=url, content_type="text/html", charset="utf-8", body=KITES_HTML.encode())

    slow = Library(fresh_service, SqliteArticleStore(tmp_path / "a.sqlite3"), fetcher=slow_fetch)
    try:
        async with running_bot(fake, fresh_service, tmp_path / "data", library=slow, fetch_per_server=1) as client:
            first = await fake.slash("corpus", {"add": {"url": "https://news.example/kites"}}, user=fake.admin)
            for _ in range(500):  # until the first fetch holds the server's one slot (at most 5 s)
                if fetched:
                    break
                await asyncio.sleep(0.01)
            second = await fake.slash("corpus", {"add": {"url": "https://news.example/other"}}, user=fake.owner)
            refused = await fake.reply(second)
            assert is_ephemeral(refused)
            assert refused["content"].startswith("This server is already fetching 1 page;"), refused["content"]
            assert "\n" not in refused["content"] and fetched == ["https://news.example/kites"]
            release.set()
            assert "Added" in (await fake.reply(first))["content"]
            for _ in range(500):
                if client.fetches.running(fake.guild_id) == 0:
                    break
                await asyncio.sleep(0.01)
            assert client.fetches.running(fake.guild_id) == 0  # the slot is free again
    finally:
        release.set()
    assert_clean(fake)
