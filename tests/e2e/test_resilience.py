"""Discord faults and abuse: dropped gateway connections, 429s, cooldowns, long questions, other bots."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.discord_adapter.client import NewsBot
from bot.service import NewsService
from tests.e2e.conftest import running_bot
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.helpers import assert_clean, embed, is_ephemeral, settle
from tests.e2e.test_limits_and_errors import SlowOrBroken

QUESTION = "Who said the robot shelved four hundred books?"


async def ask_and_check(fake: FakeDiscord) -> None:
    call = await fake.slash("ask", {"question": QUESTION})
    assert "Tomas Berg" in embed(await fake.reply(call))["description"]


@pytest.mark.parametrize(
    "code", [4000, 4008, 4009, 1001, None], ids=["unknown-error", "rate-limited", "timed-out", "going-away", "cut-tcp"]
)
async def test_a_dropped_gateway_is_resumed_and_answering_goes_on(
    fake: FakeDiscord, bot: NewsBot, code: int | None
) -> None:
    await fake.drop_gateway(code)
    await fake.wait_for(lambda: fake.resumes and fake.connected)
    assert len(fake.identify_intents) == 1  # resumed, not a new session
    await ask_and_check(fake)
    mention = await fake.post_message(QUESTION, mention_bot=True)
    (reply,) = await fake.wait_for(lambda: fake.replies_to(mention))
    assert "Tomas Berg" in embed(reply)["description"]
    assert_clean(fake)


async def test_questions_sent_while_disconnected_are_answered_after_resume(fake: FakeDiscord, bot: NewsBot) -> None:
    await fake.drop_gateway(None)
    # Sent while the bot is away: the fake keeps them for the session and replays them on RESUME.
    mention = await fake.post_message(QUESTION, mention_bot=True)
    call = await fake.slash("ask", {"question": QUESTION})
    (reply,) = await fake.wait_for(lambda: fake.replies_to(mention))
    assert "Tomas Berg" in embed(reply)["description"]
    assert "Tomas Berg" in embed(await fake.reply(call))["description"]
    assert call.errors == [] and fake.resumes
    assert_clean(fake)


async def test_an_answer_in_flight_survives_a_drop(
    fake: FakeDiscord, news_service: NewsService, tmp_path: Path
) -> None:
    async with running_bot(fake, SlowOrBroken(news_service, delay=0.3), tmp_path / "data"):
        call = await fake.slash("ask", {"question": QUESTION})
        await fake.wait_for(lambda: call.responded)  # deferred; the answer is being computed
        await fake.drop_gateway(4000)
        assert "Tomas Berg" in embed(await fake.reply(call))["description"]  # follow-ups go over REST
        await fake.wait_for(lambda: fake.connected)
        await ask_and_check(fake)
    assert_clean(fake)


async def test_an_unresumable_session_identifies_again(
    fake: FakeDiscord, bot: NewsBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def no_identify_wait(shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 s before a repeated IDENTIFY (Discord's limit); the fake has none."""

    monkeypatch.setattr(bot, "before_identify_hook", no_identify_wait)  # a public discord.py hook
    fake.resumable = False
    await fake.drop_gateway(4000)
    await fake.wait_for(lambda: len(fake.identify_intents) == 2 and fake.connected)
    assert fake.resumes == []
    await ask_and_check(fake)
    assert_clean(fake)


@pytest.mark.parametrize(
    ("method", "route"),
    [("POST", "/callback"), ("POST", "/webhooks/{app}/{token}")],
    ids=["defer", "follow-up"],
)
async def test_rate_limits_are_waited_out(fake: FakeDiscord, bot: NewsBot, method: str, route: str) -> None:
    if "{app}" in route:
        fake.rate_limit(method, "", times=2, retry_after=0.05, match=lambda path: "/webhooks/" in path)
    else:
        fake.rate_limit(method, route, times=2, retry_after=0.05)
    question = "Will ferry tickets cost two euros?"
    call = await fake.slash("ask", {"question": question, "results": 1})
    reply = await fake.reply(call)
    assert len(fake.rate_limited) >= 1
    assert embed(reply)["title"] == question
    await ask_and_check(fake)  # and the bot carries on
    assert fake.close_codes == []


async def test_questions_have_a_per_user_cooldown(fake: FakeDiscord, news_service: NewsService, tmp_path: Path) -> None:
    async with running_bot(fake, news_service, tmp_path / "data", ask_cooldown_s=30):
        await ask_and_check(fake)
        again = await fake.reply(await fake.slash("ask", {"question": QUESTION}))
        assert is_ephemeral(again) and again["content"].startswith("Slow down a little: try again in")

        # Mentions share the cooldown: one notice per window, then silence (no stream of refusals).
        first = await fake.post_message(QUESTION, mention_bot=True)
        (notice,) = await fake.wait_for(lambda: fake.replies_to(first))
        assert notice["content"].startswith("Slow down a little")
        second = await fake.post_message(QUESTION, mention_bot=True)
        await settle()
        assert fake.replies_to(second) == []

        other = await fake.reply(await fake.slash("ask", {"question": QUESTION}, user=fake.admin))
        assert "Tomas Berg" in embed(other)["description"]  # other users are not held up
    assert_clean(fake)


async def test_a_too_long_question_gets_the_core_message(fake: FakeDiscord, bot: NewsBot) -> None:
    mention = await fake.post_message("why " * 200, mention_bot=True)
    (reply,) = await fake.wait_for(lambda: fake.replies_to(mention))
    assert "the limit is 500" in reply["content"]
    assert_clean(fake)


async def test_no_reply_loop_with_another_bot(fake: FakeDiscord, bot: NewsBot) -> None:
    """Another bot that answers everything in an ask-channel gets nothing to answer from us."""
    bot.store.set_ask_channel(fake.guild_id, fake.channel_id("ask"), enabled=True, set_by=1)
    question = await fake.post_message(QUESTION, channel="ask")
    (reply,) = await fake.wait_for(lambda: fake.replies_to(question))
    echo = await fake.post_message(f"You said: {QUESTION}", user=fake.other_bot, channel="ask", mention_bot=True)
    await settle()
    assert fake.replies_to(echo) == [] and fake.replies_to(reply) == []
    ours = [m for m in fake.messages.values() if m["author"]["id"] == fake.bot_user["id"]]
    assert ours == [reply]
    assert_clean(fake)
