"""Slash commands and their buttons, through the real discord.py client and the fake Discord."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.discord_adapter.client import NewsBot
from tests.e2e.conftest import running_bot
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.helpers import assert_clean, buttons, embed, is_ephemeral, settle

FERRY_URL = "https://news.example/2026/04/ferry-returns"


async def test_ask_defers_then_answers_with_a_cited_excerpt(fake: FakeDiscord, bot: NewsBot) -> None:
    call = await fake.slash("ask", {"question": "When will the ferry carry its first passengers?"})
    reply = await fake.reply(call)

    assert call.callbacks[0]["type"] == 5  # deferred first
    assert call.callback_delays[0] < 1.0
    assert not is_ephemeral(reply)
    answer = embed(reply)
    assert answer["title"] == "When will the ferry carry its first passengers?"
    assert "**Mayor Ilse Varga said the ferry would carry its first passengers" in answer["description"]
    assert f"[Ferry service returns to the river]({FERRY_URL})" in answer["description"]
    assert "11 April 2026" in answer["description"]
    assert "sentence 2 of 4" in answer["description"]
    assert set(buttons(reply)) == {"More results", "Show context", "Follow up", "Helpful", "Not helpful"}
    assert buttons(reply)["More results"]["disabled"] is True  # one excerpt: nothing more
    assert_clean(fake)


async def test_ask_without_an_answer_says_so(fake: FakeDiscord, bot: NewsBot) -> None:
    call = await fake.slash("ask", {"question": "quantum chromodynamics lattice"})
    reply = await fake.reply(call)

    assert embed(reply)["title"] == "Not in the articles I have"
    assert "none of the question's words occur" in embed(reply)["description"]
    assert buttons(reply) == {}
    assert_clean(fake)


async def test_more_results_pages_for_the_asker_only(fake: FakeDiscord, bot: NewsBot) -> None:
    call = await fake.slash("ask", {"question": "lighthouse keeper storm journal", "results": 1})
    reply = await fake.reply(call)
    assert "page 1/3" in embed(reply)["footer"]["text"]
    first = embed(reply)["description"]

    stranger = await fake.click(reply, "More results", user=fake.admin)
    refusal = await fake.reply(stranger)
    assert is_ephemeral(refusal) and "Only the person who asked" in refusal["content"]

    press = await fake.click(reply, "More results")
    await fake.wait_for(lambda: press.responded)
    assert press.callbacks[0]["type"] == 7  # the answer is updated in place
    page_two = fake.messages[int(reply["id"])]
    assert "page 2/3" in embed(page_two)["footer"]["text"]
    assert embed(page_two)["description"] != first

    press = await fake.click(reply, "More results")
    await fake.wait_for(lambda: press.responded)
    last = fake.messages[int(reply["id"])]
    assert "page 3/3" in embed(last)["footer"]["text"]
    assert buttons(last)["More results"]["disabled"] is True
    assert_clean(fake)


async def test_show_context_is_shown_to_the_presser_only(fake: FakeDiscord, bot: NewsBot) -> None:
    call = await fake.slash("ask", {"question": "When will the ferry carry its first passengers?"})
    reply = await fake.reply(call)

    press = await fake.click(reply, "Show context", user=fake.admin)
    context = await fake.reply(press)

    assert is_ephemeral(context)
    text = embed(context)["description"]
    assert "sentences 1\u20134 of 4" in text  # radius 2 around sentence 2
    assert "The river ferry between Northbank and Millside" in text  # the sentence before
    assert "**Mayor Ilse Varga said" in text  # the matched one, marked
    assert "Tickets will cost two euros" in text  # the sentence after
    assert_clean(fake)


async def test_feedback_is_stored_one_vote_per_user(fake: FakeDiscord, bot: NewsBot) -> None:
    call = await fake.slash("ask", {"question": "When will the ferry carry its first passengers?"})
    reply = await fake.reply(call)

    for user, label in ((fake.member, "Helpful"), (fake.admin, "Helpful"), (fake.admin, "Not helpful")):
        press = await fake.click(reply, label, user=user)
        thanks = await fake.reply(press)
        assert is_ephemeral(thanks) and "Thanks" in thanks["content"]

    votes = {(f.user_id, f.helpful) for f in bot.store.feedback()}
    assert votes == {(int(fake.member["id"]), True), (int(fake.admin["id"]), False)}
    stored = bot.store.feedback()[0]
    assert stored.message_id == int(reply["id"])
    assert stored.question == "When will the ferry carry its first passengers?"
    assert stored.citations == "river-ferry-returns:2"
    assert_clean(fake)


async def test_summary_with_autocomplete(fake: FakeDiscord, bot: NewsBot) -> None:
    typing = await fake.autocomplete("summary", "article", "ferry")
    assert await fake.choices(typing) == [
        {"name": "Ferry service returns to the river", "value": "river-ferry-returns"}
    ]

    call = await fake.slash("summary", {"article": "river-ferry-returns", "sentences": 2})
    reply = await fake.reply(call)

    summary = embed(reply)
    assert call.callbacks[0]["type"] == 5
    assert summary["title"] == "Ferry service returns to the river"
    assert summary["url"] == FERRY_URL
    assert "`[2]`" in summary["description"]
    assert "2 of 4 sentences, verbatim" in summary["footer"]["text"]
    assert_clean(fake)


async def test_autocomplete_respects_discord_limits(fake: FakeDiscord, bot: NewsBot) -> None:
    choices = await fake.choices(await fake.autocomplete("summary", "article", ""))

    assert len(choices) == 25  # the corpus has more articles than that
    assert all(1 <= len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in choices)

    (long_title,) = await fake.choices(await fake.autocomplete("summary", "article", "very long headline"))
    assert long_title["value"] == "brief-01"
    assert len(long_title["name"]) == 100 and long_title["name"].endswith("\u2026")
    assert fake.rejections == []


async def test_unknown_article_gets_a_short_private_error(fake: FakeDiscord, bot: NewsBot) -> None:
    call = await fake.slash("summary", {"article": "no such article at all"})
    reply = await fake.reply(call)

    assert is_ephemeral(reply)
    assert "no article matches" in reply["content"]
    assert (
        call.original_id is not None and fake.messages[call.original_id]["deleted"]
    )  # the public "thinking" placeholder is gone
    assert fake.interaction_messages(call) == [reply]
    assert_clean(fake)


async def test_articles_pages(fake: FakeDiscord, bot: NewsBot) -> None:
    call = await fake.slash("articles")
    reply = await fake.reply(call)

    assert is_ephemeral(reply)
    listing = embed(reply)
    assert listing["title"] == "Articles (36)"
    assert "page 1/4" in listing["footer"]["text"]
    assert listing["description"].startswith("1. ")
    assert buttons(reply)["Previous"]["disabled"] is True

    press = await fake.click(reply, "Next")
    await fake.wait_for(lambda: press.responded)
    page_two = fake.messages[int(reply["id"])]
    assert "page 2/4" in embed(page_two)["footer"]["text"]
    assert embed(page_two)["description"].startswith("11. ")
    assert buttons(page_two)["Previous"]["disabled"] is False
    assert_clean(fake)


async def test_help(fake: FakeDiscord, bot: NewsBot) -> None:
    call = await fake.slash("help")
    reply = await fake.reply(call)

    assert is_ephemeral(reply)
    names = [f["name"] for f in embed(reply)["fields"]]
    assert "/ask question [results]" in names and "/config ask-channel" in names
    assert "/quotes speaker [topic] [results]" in names
    assert_clean(fake)


async def test_config_ask_channel_needs_manage_server(fake: FakeDiscord, bot: NewsBot) -> None:
    config = fake.find_command("config")
    assert config["default_member_permissions"] == "32"  # Manage Server: hidden from others
    with pytest.raises(PermissionError):
        await fake.slash("config", {"ask-channel": {}}, user=fake.member)

    # Even if a server shows the command to everyone, the bot checks the permission itself.
    config["default_member_permissions"] = None
    call = await fake.slash("config", {"ask-channel": {}}, user=fake.member)
    reply = await fake.reply(call)
    assert is_ephemeral(reply) and "Manage Server" in reply["content"]
    assert not bot.store.is_ask_channel(fake.channel_id("general"))


async def test_ask_channel_persists_across_restarts(fake: FakeDiscord, news_service, tmp_path: Path) -> None:
    data = tmp_path / "data"
    async with running_bot(fake, news_service, data):
        call = await fake.slash("config", {"ask-channel": {"channel": "ask"}}, user=fake.admin, channel="general")
        reply = await fake.reply(call)
        assert is_ephemeral(reply) and "is now an ask-channel" in reply["content"]
        assert f"<#{fake.channel_id('ask')}>" in reply["content"]

    async with running_bot(fake, news_service, data):
        question = await fake.post_message("Who said the robot shelved four hundred books?", channel="ask")
        replies = await fake.wait_for(lambda: fake.replies_to(question))
        assert "Tomas Berg" in embed(replies[0])["description"]

        elsewhere = await fake.post_message("Who said the robot shelved four hundred books?", channel="random")
        await settle()
        assert fake.replies_to(elsewhere) == []

        off = await fake.slash("config", {"ask-channel": {"enabled": False}}, user=fake.admin, channel="ask")
        assert "no longer an ask-channel" in (await fake.reply(off))["content"]
    assert_clean(fake)


async def test_about_cites_each_sentence_and_says_when_nothing_fits(fake: FakeDiscord, bot: NewsBot) -> None:
    call = await fake.slash("about", {"topic": "river ferry", "sentences": 2})
    reply = embed(await fake.reply(call))
    assert call.callbacks[0]["type"] == 5
    assert reply["title"] == "About: river ferry"
    assert reply["description"].count(f"[Ferry service returns to the river]({FERRY_URL})") >= 1
    assert "ferry" in reply["description"].lower()

    call = await fake.slash("about", {"topic": "volcanic eruptions in Iceland"})
    reply = embed(await fake.reply(call))
    assert reply["title"] == "Not in the articles I have"
    assert_clean(fake)


async def test_ask_since_limits_the_articles_and_names_the_period(fake: FakeDiscord, bot: NewsBot) -> None:
    question = "When will the ferry carry its first passengers?"
    call = await fake.slash("ask", {"question": question, "since": "April 2026"})
    answer = embed(await fake.reply(call))
    assert "**Mayor Ilse Varga said the ferry would carry its first passengers" in answer["description"]
    assert answer["footer"]["text"].startswith("Searched articles since 1 April 2026")

    call = await fake.slash("ask", {"question": question, "since": "2027-01-01"})
    nothing = embed(await fake.reply(call))
    assert nothing["title"] == "Not in the articles I have"
    assert nothing["description"].startswith("Searched articles since 1 January 2027.")
    assert "no article I have was published since 1 January 2027" in nothing["description"]
    assert_clean(fake)


async def test_ask_with_an_unreadable_until_gets_a_private_one_line_reason(fake: FakeDiscord, bot: NewsBot) -> None:
    call = await fake.slash("ask", {"question": "ferry passengers", "until": "someday"})
    reply = await fake.reply(call)
    assert is_ephemeral(reply)
    assert reply["content"].startswith("until: cannot read 'someday' as a date") and "\n" not in reply["content"]
