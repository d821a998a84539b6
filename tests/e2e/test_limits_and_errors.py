"""Escaping and mentions, Discord's limits, the 3-second deadline, errors, timeouts, command sync."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.discord_adapter.client import NewsBot
from bot.discord_adapter.errors import UNEXPECTED
from bot.discord_adapter.runner import sync_commands
from bot.models import Answer
from bot.service import NewsService
from tests.e2e.conftest import running_bot
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.helpers import SLASH_COMMANDS, assert_clean, buttons, embed, is_ephemeral, settle

NOTICE_QUESTION = "What did the fake notices say about the parking fee?"


class SlowOrBroken:
    """The real service, with ``ask`` and ``converse`` made slow (blocking, as CPU work would be) or failing."""

    def __init__(self, inner: NewsService, *, delay: float = 0.0, error: Exception | None = None) -> None:
        self.inner, self.delay, self.error = inner, delay, error

    def ask(self, question: str, *, top: int = 3, guild_id: int | None = None, **when: Any) -> Answer:
        time.sleep(self.delay)
        if self.error is not None:
            raise self.error
        return self.inner.ask(question, top=top, guild_id=guild_id, **when)

    def converse(self, question: str, conversation: Any = None, **options: Any) -> Any:
        time.sleep(self.delay)
        if self.error is not None:
            raise self.error
        return self.inner.converse(question, conversation, **options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_everyone_and_markdown_in_a_quote_never_ping_or_format(fake: FakeDiscord, bot: NewsBot) -> None:
    call = await fake.slash("ask", {"question": NOTICE_QUESTION})
    text = embed(await fake.reply(call))["description"]
    mention = await fake.post_message(NOTICE_QUESTION, mention_bot=True)
    (reply,) = await fake.wait_for(lambda: fake.replies_to(mention))

    for description in (text, embed(reply)["description"]):
        assert "@\u200beveryone must pay the \\*\\*new\\*\\* harbour parking fee at \\`pay.example\\`" in description
        assert "@everyone" not in description
    assert_clean(fake)  # every message sent with allowed_mentions parse=[]; nothing pinged


async def test_long_answers_are_cut_to_discord_limits(fake: FakeDiscord, bot: NewsBot) -> None:
    call = await fake.slash("ask", {"question": "lighthouse keeper storm journal", "results": 5})
    reply = await fake.reply(call)
    first = embed(reply)
    assert len(first["description"]) <= 4096
    assert first["description"].count("**[") == 5
    assert "\u2026" in first["description"]  # context trimmed to fit

    huge = await fake.slash("ask", {"question": "enormous entry about the lighthouse lamp", "results": 1})
    top = embed(await fake.reply(huge))["description"]
    assert "**[1]** **The lighthouse keeper also wrote one enormous entry" in top
    assert "\u2026" in top and len(top) <= 4096
    press = await fake.click(await fake.reply(huge), "Show context")
    assert len(embed(await fake.reply(press))["description"]) <= 4096
    assert_clean(fake)  # the fake enforces 4,096 / 6,000 / 25 fields and would have answered 400


async def test_a_bad_question_gets_the_core_message_privately(fake: FakeDiscord, bot: NewsBot) -> None:
    call = await fake.slash("ask", {"question": "?"})
    reply = await fake.reply(call)
    assert is_ephemeral(reply)
    assert reply["content"].startswith("the question has no words to search for")
    assert_clean(fake)


async def test_a_failing_service_is_reported_and_the_bot_keeps_running(
    fake: FakeDiscord, news_service: NewsService, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = SlowOrBroken(news_service, error=RuntimeError("index on fire"))
    with caplog.at_level(logging.ERROR, logger="bot.discord_adapter"):
        async with running_bot(fake, broken, tmp_path / "data"):
            call = await fake.slash("ask", {"question": "ferry"})
            reply = await fake.reply(call)
            assert is_ephemeral(reply) and reply["content"] == UNEXPECTED

            mention = await fake.post_message("ferry", mention_bot=True)
            (answer,) = await fake.wait_for(lambda: fake.replies_to(mention))
            assert answer["content"] == UNEXPECTED

            still = await fake.slash("summary", {"article": "river-ferry-returns"})
            assert embed(await fake.reply(still))["title"] == "Ferry service returns to the river"
    failures = [r for r in caplog.records if r.exc_info and "index on fire" in str(r.exc_info[1])]
    assert len(failures) == 2  # both tracebacks logged
    assert "index on fire" not in str([m["content"] for m in fake.messages.values()])
    assert_clean(fake)


async def test_slow_answers_defer_within_the_deadline(
    fake: FakeDiscord, news_service: NewsService, tmp_path: Path
) -> None:
    fake.response_deadline = 0.25  # scaled down from Discord's 3 s to keep the suite fast
    async with running_bot(fake, SlowOrBroken(news_service, delay=0.4), tmp_path / "data"):
        call = await fake.slash("ask", {"question": "When will the ferry carry its first passengers?"})
        reply = await fake.reply(call)
    assert call.callback_delays[0] < 0.25 and call.errors == []
    assert "first Saturday of May" in embed(reply)["description"]


async def test_the_fake_rejects_late_and_double_responses(fake: FakeDiscord, bot: NewsBot) -> None:
    call = await fake.slash("help")
    await fake.reply(call)
    url = f"{fake.api_base}/interactions/{call.id}/{call.token}/callback"
    async with aiohttp.ClientSession() as session, session.post(url, json={"type": 4, "data": {"content": "x"}}) as r:
        assert r.status == 400 and (await r.json())["code"] == 40060  # a second response

    fake.response_deadline = 0.0  # every response is now too late
    late = await fake.slash("help")
    await fake.wait_for(lambda: late.errors)
    assert late.errors == [(404, 10062)] and not late.responded

    fake.response_deadline = 3.0  # the bot survived the refused response
    again = await fake.slash("help")
    assert is_ephemeral(await fake.reply(again))


async def test_listing_buttons_time_out_but_answer_buttons_do_not(
    fake: FakeDiscord, news_service: NewsService, tmp_path: Path
) -> None:
    async with running_bot(fake, news_service, tmp_path / "data", view_timeout=0.1):
        listing = await fake.reply(await fake.slash("articles"))
        call = await fake.slash("ask", {"question": "When will the ferry carry its first passengers?"})
        reply = await fake.reply(call)
        question = await fake.post_message("Who said the robot shelved four hundred books?", mention_bot=True)
        (answer,) = await fake.wait_for(lambda: fake.replies_to(question))
        await fake.wait_for(lambda: all(b["disabled"] for b in buttons(fake.messages[int(listing["id"])]).values()))
        await settle(0.2)
        for message in (reply, answer):  # persistent: they work as long as the answer is kept
            assert buttons(fake.messages[int(message["id"])])["Show context"]["disabled"] is False
    assert_clean(fake)


@pytest.mark.parametrize("guild", [True, False])
async def test_sync_commands_pushes_to_a_guild_or_globally(
    fake: FakeDiscord, news_service: NewsService, tmp_path: Path, guild: bool
) -> None:
    names = await sync_commands(
        news_service,
        token=fake.token,
        api_base=fake.api_base,
        guild_id=fake.guild_id if guild else None,
        data_dir=tmp_path / "data",
    )
    assert names == SLASH_COMMANDS
    assert sorted(c["name"] for c in fake.commands[fake.guild_id if guild else None]) == names
    assert list(fake.commands) == [fake.guild_id if guild else None]
    ask = next(c for c in fake.commands[fake.guild_id if guild else None] if c["name"] == "ask")
    options = {o["name"]: o for o in ask["options"]}
    assert options["question"]["max_length"] == 500 and options["results"]["max_value"] == 5
