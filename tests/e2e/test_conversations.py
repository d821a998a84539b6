"""Follow-up questions through the fake Discord: replies to answers, the "Follow up" button's
thread and form, and direct messages."""

from __future__ import annotations

from pathlib import Path

from bot.discord_adapter.client import NewsBot
from bot.service import NewsService
from tests.e2e.conftest import running_bot
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.helpers import assert_clean, buttons, embed


async def _answer_to(fake: FakeDiscord, question: dict) -> dict:
    (reply,) = await fake.wait_for(lambda: fake.replies_to(question))
    return reply


async def test_a_reply_to_an_answer_follows_on_from_it(fake: FakeDiscord, bot: NewsBot) -> None:
    first = await _answer_to(fake, await fake.post_message("What did Anna Marsh say about the silt?", mention_bot=True))
    assert "Anna Marsh" in embed(first)["description"]

    more = await fake.post_message("What else did she say?", reply_to=first)  # no mention: a reply is enough
    second = await _answer_to(fake, more)
    text = embed(second)["description"]
    assert "(understood as: What else did Anna Marsh say? (in " in text
    assert "Anna Marsh" in text and embed(first)["description"].split("\n")[0] not in text

    peskov = await fake.post_message("And Tom Marsh?", reply_to=second)
    third = embed(await _answer_to(fake, peskov))["description"]
    assert "(understood as: What did Tom Marsh say? (in " in third
    assert "summer bookings have doubled" in third
    assert_clean(fake)


async def test_a_new_mention_in_the_channel_starts_afresh(fake: FakeDiscord, bot: NewsBot) -> None:
    await _answer_to(fake, await fake.post_message("What did Anna Marsh say?", mention_bot=True))
    alone = await _answer_to(fake, await fake.post_message("What else did she say?", mention_bot=True))
    assert "understood as" not in str(embed(alone))


async def test_follow_up_opens_a_thread_that_carries_the_conversation(fake: FakeDiscord, bot: NewsBot) -> None:
    call = await fake.slash("ask", {"question": "What did Mayor Ilse Varga say?"})
    answer = await fake.reply(call)
    assert "first Saturday of May" in embed(answer)["description"]

    press = await fake.click(answer, "Follow up")
    pointer = await fake.reply(press)
    thread = fake.thread_of(answer)
    assert thread is not None and f"<#{fake.channels[thread]['id']}>" in pointer["content"]
    in_thread = await fake.wait_for(
        lambda: [m for m in fake.messages.values() if m["channel_id"] == fake.channels[thread]["id"]]
    )
    assert "follow-up questions here" in in_thread[0]["content"]

    question = await fake.post_message("When was that?", channel=thread)  # no mention needed in our thread
    reply = embed(await _answer_to(fake, question))
    assert "(understood as: when was that? (What did Mayor Ilse Varga say))" in reply["description"]
    assert "Ferry service returns to the river" in reply["description"]

    again = await fake.click(answer, "Follow up")  # the thread exists: pointed to it, not a second one
    assert f"<#{fake.channels[thread]['id']}>" in (await fake.reply(again))["content"]
    assert_clean(fake)


async def test_follow_up_asks_in_a_form_where_threads_are_not_allowed(fake: FakeDiscord, bot: NewsBot) -> None:
    fake.no_threads.add("general")
    call = await fake.slash("ask", {"question": "What did Anna Marsh say?"})
    answer = await fake.reply(call)
    press = await fake.click(answer, "Follow up")
    await fake.wait_for(lambda: press.modal is not None)
    submit = await fake.submit_modal(press, {"": "And Tom Marsh?"})
    reply = embed(await fake.reply(submit))
    assert "(understood as: What did Tom Marsh say? (in " in reply["description"]
    assert "summer bookings have doubled" in reply["description"]
    assert fake.thread_of(answer) is None
    assert [r.code for r in fake.rejections] == [50013]  # the thread refused, then the form
    fake.rejections.clear()
    assert_clean(fake)


async def test_a_direct_message_conversation(fake: FakeDiscord, bot: NewsBot) -> None:
    first = await _answer_to(fake, await fake.post_message("What did Anna Marsh say about the silt?", channel="dm"))
    assert "Follow up" in buttons(first)
    second = await _answer_to(fake, await fake.post_message("What else did she say?", channel="dm"))
    assert "(understood as: What else did Anna Marsh say? (in " in embed(second)["description"]
    assert_clean(fake)


async def test_follow_up_after_a_restart_starts_from_the_answer(
    fake: FakeDiscord, news_service: NewsService, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    async with running_bot(fake, news_service, data):
        answer = await fake.reply(await fake.slash("ask", {"question": "What did Anna Marsh say about the silt?"}))
    async with running_bot(fake, news_service, data):  # nothing of the conversation in memory
        await fake.reply(await fake.click(answer, "Follow up"))
        thread = fake.thread_of(answer)
        assert thread is not None
        reply = await _answer_to(fake, await fake.post_message("What else did she say?", channel=thread))
        assert "(understood as: What else did Anna Marsh say? (in " in embed(reply)["description"]
    assert_clean(fake)
