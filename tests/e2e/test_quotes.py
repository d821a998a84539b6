"""``/quotes`` with speaker autocomplete, and answers for a name several people share (a select menu
of the others that re-asks for one of them), through the real client and the fake Discord.

The e2e corpus quotes Anna Marsh three times and Tom Marsh once (``corpus/canal-towpath.md``).
"""

from __future__ import annotations

from pathlib import Path

from bot.discord_adapter.client import NewsBot
from bot.service import NewsService
from tests.e2e.conftest import running_bot
from tests.e2e.fake_discord import FakeDiscord, component_problems
from tests.e2e.helpers import assert_clean, buttons, embed, is_ephemeral, option_labels, select_menu

CANAL = "[Canal towpath to reopen after lock repairs](https://news.example/2026/05/canal-towpath)"
ANNA_NOTE = "Quotes of Anna Marsh, the most quoted Marsh; also: Tom Marsh (1)."
TOM_NOTE = "Quotes of Tom Marsh; also: Anna Marsh (3)."


def current(fake: FakeDiscord, message: dict) -> dict:
    """The message as it is now (after edits)."""
    return fake.messages[int(message["id"])]


async def test_speaker_autocomplete_lists_people_most_quoted_first(fake: FakeDiscord, bot: NewsBot) -> None:
    marsh = await fake.choices(await fake.autocomplete("quotes", "speaker", "mars"))
    assert marsh == [{"name": "Anna Marsh (3)", "value": "Anna Marsh"}, {"name": "Tom Marsh (1)", "value": "Tom Marsh"}]
    by_first_name = await fake.choices(await fake.autocomplete("quotes", "speaker", "tom"))
    assert {"name": "Tom Marsh (1)", "value": "Tom Marsh"} in by_first_name

    everyone = await fake.choices(await fake.autocomplete("quotes", "speaker", ""))
    counts = [int(c["name"].rsplit("(", 1)[1].rstrip(")")) for c in everyone]
    assert 4 <= len(everyone) <= 25 and counts == sorted(counts, reverse=True)
    assert {"name": "Ilse Varga (1)", "value": "Ilse Varga"} in everyone
    assert await fake.choices(await fake.autocomplete("quotes", "speaker", "zz")) == []
    assert fake.rejections == []  # every list within Discord's limits


async def test_quotes_answers_with_the_persons_statements(fake: FakeDiscord, bot: NewsBot) -> None:
    call = await fake.slash("quotes", {"speaker": "Tom Marsh"})
    reply = await fake.reply(call)

    assert call.callbacks[0]["type"] == 5  # deferred first, as /ask
    answer = embed(reply)
    assert answer["title"] == "What did Tom Marsh say?"
    assert "Our summer bookings have doubled since the repairs began" in answer["description"]
    assert f"\u2014 Tom Marsh, in {CANAL}" in answer["description"]
    assert "Anna Marsh" not in answer["description"]
    assert select_menu(reply) is None  # the full name means one person
    assert set(buttons(reply)) == {"More results", "Show context", "Follow up", "Helpful", "Not helpful"}
    assert_clean(fake)


async def test_quotes_about_a_topic(fake: FakeDiscord, bot: NewsBot) -> None:
    reply = await fake.reply(await fake.slash("quotes", {"speaker": "Anna Marsh", "topic": "cyclists", "results": 2}))

    answer = embed(reply)
    assert answer["title"] == "What did Anna Marsh say about cyclists?"
    assert answer["description"].count("**[") == 1
    assert "cyclists would have to dismount under the low bridge" in answer["description"]

    never = embed(await fake.reply(await fake.slash("quotes", {"speaker": "Tomas Berg", "topic": "canal"})))
    assert never["title"] == "Not in the articles I have"
    assert "Tomas Berg is quoted once in the articles, but never about canal" in never["description"]
    assert_clean(fake)


async def test_a_shared_surname_answers_for_the_most_quoted_and_offers_the_other(
    fake: FakeDiscord, bot: NewsBot
) -> None:
    reply = await fake.reply(await fake.slash("quotes", {"speaker": "Marsh"}))
    first = embed(reply)
    assert first["title"] == "What did Marsh say?"
    assert first["description"].startswith(ANNA_NOTE)
    assert first["description"].count("\u2014 Anna Marsh, in") == 3
    assert option_labels(reply) == ["Tom Marsh (1)"]

    stranger = await fake.choose(reply, "Tom Marsh (1)", user=fake.admin)
    refusal = await fake.reply(stranger)
    assert is_ephemeral(refusal) and "Only the person who asked" in refusal["content"]
    assert embed(current(fake, reply)) == first  # unchanged

    pick = await fake.choose(reply, "Tom Marsh (1)")
    await fake.wait_for(lambda: embed(current(fake, reply))["title"] != first["title"])
    assert pick.callbacks[0]["type"] == 6  # acknowledged at once, then edited in place
    tom = embed(current(fake, reply))
    assert tom["title"] == "What did Tom Marsh say?"
    assert tom["description"].startswith(TOM_NOTE)
    assert "Our summer bookings have doubled" in tom["description"] and "\u2014 Anna Marsh" not in tom["description"]
    assert option_labels(current(fake, reply)) == ["Anna Marsh (3)"]  # and back again
    assert buttons(current(fake, reply))["More results"]["disabled"] is True

    back = await fake.choose(reply, "Anna Marsh (3)")
    await fake.wait_for(lambda: back.responded)
    await fake.wait_for(lambda: embed(current(fake, reply))["title"] == "What did Anna Marsh say?")
    assert embed(current(fake, reply))["description"].startswith(ANNA_NOTE)
    assert_clean(fake)


async def test_the_other_person_keeps_the_questions_topic(fake: FakeDiscord, bot: NewsBot) -> None:
    reply = await fake.reply(await fake.slash("ask", {"question": "What did Ms Marsh say about bookings?"}))
    first = embed(reply)
    assert first["title"] == "Not in the articles I have"  # Anna Marsh never spoke of bookings ...
    assert "Anna Marsh is quoted 3 times in the articles, but never about bookings" in first["description"]
    assert first["description"].startswith(ANNA_NOTE)  # ... but another Marsh may have
    assert all(b["disabled"] for b in buttons(reply).values())  # no excerpts to page, show or rate

    await fake.choose(reply, "Tom Marsh (1)")
    await fake.wait_for(lambda: embed(current(fake, reply))["title"] == "What did Tom Marsh say about bookings?")
    tom = current(fake, reply)
    assert "Our summer bookings have doubled" in embed(tom)["description"]
    assert not buttons(tom)["Show context"]["disabled"] and not buttons(tom)["Helpful"]["disabled"]
    assert_clean(fake)


async def test_a_mention_offers_the_others_too(fake: FakeDiscord, bot: NewsBot) -> None:
    question = await fake.post_message("What did Marsh say?", mention_bot=True)
    (reply,) = await fake.wait_for(lambda: fake.replies_to(question))
    assert embed(reply)["description"].startswith(ANNA_NOTE)

    await fake.choose(reply, "Tom Marsh (1)")
    await fake.wait_for(lambda: embed(current(fake, reply))["title"] == "What did Tom Marsh say?")
    assert "Our summer bookings have doubled" in embed(current(fake, reply))["description"]
    assert_clean(fake)


async def test_quotes_share_the_question_cooldown_and_the_menu_times_out(
    fake: FakeDiscord, news_service: NewsService, tmp_path: Path
) -> None:
    async with running_bot(fake, news_service, tmp_path / "data", ask_cooldown_s=30, view_timeout=0.2):
        reply = await fake.reply(await fake.slash("quotes", {"speaker": "Marsh"}))
        again = await fake.reply(await fake.slash("ask", {"question": "What did Tom Marsh say?"}))
        assert is_ephemeral(again) and again["content"].startswith("Slow down a little")

        await fake.wait_for(lambda: (select_menu(current(fake, reply)) or {}).get("disabled"))
        assert all(b["disabled"] for b in buttons(current(fake, reply)).values())
    assert_clean(fake)


def test_the_fake_refuses_select_menus_discord_would_refuse() -> None:
    def menu(options: int, *, label: str = "x", placeholder: str = "") -> dict:
        opts = [{"label": label, "value": str(n)} for n in range(options)]
        return {"type": 3, "custom_id": "m", "options": opts, "placeholder": placeholder}

    assert component_problems([{"type": 1, "components": [menu(25)]}]) == []
    assert component_problems([{"type": 1, "components": [menu(26)]}]) == ["select menu with 26 options (1-25)"]
    assert component_problems([{"type": 1, "components": [menu(0)]}]) == ["select menu with 0 options (1-25)"]
    assert component_problems([{"type": 1, "components": [menu(1, label="y" * 101)]}]) == [
        "select option label or value not 1-100"
    ]
    assert component_problems([{"type": 1, "components": [menu(1, placeholder="p" * 151)]}]) == [
        "select placeholder > 150"
    ]
    button = {"type": 2, "label": "b", "custom_id": "b", "style": 1}
    assert component_problems([{"type": 1, "components": [button, menu(1)]}]) == ["a select menu shares its action row"]
