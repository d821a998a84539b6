"""Questions in messages: mentions, ask-channels with and without the Message Content intent, bots."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.discord_adapter.client import NewsBot
from bot.discord_adapter.errors import DiscordStartupError
from bot.discord_adapter.render import INTENT_HINT
from bot.discord_adapter.runner import run_discord
from tests.e2e.conftest import running_bot
from tests.e2e.fake_discord import MESSAGE_CONTENT, FakeDiscord
from tests.e2e.helpers import SLASH_COMMANDS, assert_clean, buttons, embed, settle

QUESTION = "Who said the robot shelved four hundred books?"


async def test_mention_is_answered_as_a_reply(fake: FakeDiscord, bot: NewsBot) -> None:
    question = await fake.post_message(QUESTION, mention_bot=True, channel="random")
    (reply,) = await fake.wait_for(lambda: fake.replies_to(question))

    assert reply["type"] == 19 and reply["message_reference"]["message_id"] == question["id"]
    assert "**Head librarian Tomas Berg said the robot shelved four hundred books" in embed(reply)["description"]
    assert "Library tests a robot that shelves books" in embed(reply)["description"]  # no url: plain title
    assert "Helpful" in buttons(reply)
    assert_clean(fake)


async def test_an_empty_mention_gets_a_hint(fake: FakeDiscord, bot: NewsBot) -> None:
    question = await fake.post_message("", mention_bot=True)
    (reply,) = await fake.wait_for(lambda: fake.replies_to(question))
    assert "Ask me something after the mention" in reply["content"]
    assert_clean(fake)


async def test_buttons_work_on_a_mention_reply(fake: FakeDiscord, bot: NewsBot) -> None:
    question = await fake.post_message(QUESTION, mention_bot=True)
    (reply,) = await fake.wait_for(lambda: fake.replies_to(question))

    press = await fake.click(reply, "Not helpful")
    await fake.reply(press)
    (vote,) = bot.store.feedback()
    assert vote.helpful is False and vote.message_id == int(reply["id"]) and vote.question == QUESTION


async def test_ask_channel_with_message_content(fake: FakeDiscord, bot: NewsBot) -> None:
    bot.store.set_ask_channel(fake.guild_id, fake.channel_id("ask"), enabled=True, set_by=1)
    assert fake.identify_intents[-1] & MESSAGE_CONTENT

    question = await fake.post_message(QUESTION, channel="ask")
    (reply,) = await fake.wait_for(lambda: fake.replies_to(question))
    assert "Tomas Berg" in embed(reply)["description"]

    # The bot's own reply came back through the gateway (as on Discord) and was not answered.
    await settle()
    assert [m for m in fake.messages.values() if m["author"]["id"] == fake.bot_user["id"]] == [reply]
    assert_clean(fake)


async def test_ask_channel_without_message_content_explains(fake: FakeDiscord, news_service, tmp_path: Path) -> None:
    async with running_bot(fake, news_service, tmp_path / "data", message_content_intent=False):
        assert not fake.identify_intents[-1] & MESSAGE_CONTENT

        config = await fake.slash("config", {"ask-channel": {}}, user=fake.admin, channel="ask")
        assert "Message Content intent is off" in (await fake.reply(config))["content"]

        first = await fake.post_message(QUESTION, channel="ask")  # arrives with empty content
        (hint,) = await fake.wait_for(lambda: fake.replies_to(first))
        assert hint["content"] == INTENT_HINT

        second = await fake.post_message(QUESTION, channel="ask")
        await settle()
        assert fake.replies_to(second) == []  # explained once, not on every message

        # Mentions still carry their content without the intent, so they are answered.
        mention = await fake.post_message(QUESTION, channel="ask", mention_bot=True)
        (reply,) = await fake.wait_for(lambda: fake.replies_to(mention))
        assert "Tomas Berg" in embed(reply)["description"]
    assert_clean(fake)


async def test_never_answers_bots(fake: FakeDiscord, bot: NewsBot) -> None:
    bot.store.set_ask_channel(fake.guild_id, fake.channel_id("ask"), enabled=True, set_by=1)
    from_bot = await fake.post_message(QUESTION, user=fake.other_bot, mention_bot=True)
    in_channel = await fake.post_message(QUESTION, user=fake.other_bot, channel="ask")
    await settle()
    assert fake.replies_to(from_bot) == [] and fake.replies_to(in_channel) == []
    assert not [r for r in fake.requests if r.path.endswith("/messages") and r.method == "POST"]


async def test_refused_intent_is_a_readable_startup_error(news_service, tmp_path: Path) -> None:
    fake = FakeDiscord(portal_message_content=False)
    await fake.start()
    try:
        with pytest.raises(DiscordStartupError, match="Message Content intent"):
            await run_discord(
                news_service,
                token=fake.token,
                api_base=fake.api_base,
                gateway_url=fake.gateway_url,
                dev_guild_id=fake.guild_id,
                data_dir=tmp_path / "data",
                message_content_intent=True,
            )
        assert fake.close_codes == [4014]
        assert sorted(c["name"] for c in fake.commands[fake.guild_id]) == SLASH_COMMANDS
    finally:
        await fake.stop()


async def test_wrong_token_is_a_readable_startup_error(fake: FakeDiscord, news_service, tmp_path: Path) -> None:
    with pytest.raises(DiscordStartupError, match="DISCORD_TOKEN"):
        await run_discord(
            news_service,
            token="not-the-token",
            api_base=fake.api_base,
            gateway_url=fake.gateway_url,
            dev_guild_id=None,
            data_dir=tmp_path / "data",
            message_content_intent=False,
        )


async def test_a_rate_limited_reply_is_retried(fake: FakeDiscord, bot: NewsBot) -> None:
    fake.rate_limit("POST", f"/channels/{fake.channel_id('general')}/messages")
    question = await fake.post_message(QUESTION, mention_bot=True)
    (reply,) = await fake.wait_for(lambda: fake.replies_to(question))
    assert fake.rate_limited and "Tomas Berg" in embed(reply)["description"]
    assert fake.close_codes == []  # and the gateway was never flooded


async def test_direct_messages_are_answered_from_the_shipped_corpus(fake: FakeDiscord, bot: NewsBot) -> None:
    await bot.tree.sync()  # DMs see global commands only
    question = await fake.post_message(QUESTION, channel="dm")  # no mention needed in a DM
    (reply,) = await fake.wait_for(lambda: fake.replies_to(question))
    assert "guild_id" not in reply and "Tomas Berg" in embed(reply)["description"]

    call = await fake.slash("ask", {"question": QUESTION}, channel="dm")
    assert "Tomas Berg" in embed(await fake.reply(call))["description"]
    for guild_only in ("config", "corpus"):
        with pytest.raises(PermissionError):
            await fake.slash(guild_only, {"list": {}} if guild_only == "corpus" else {"ask-channel": {}}, channel="dm")
    assert_clean(fake)
