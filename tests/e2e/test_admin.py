"""Answer buttons that survive a restart, Previous, private answers, /about and /insights."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot import __version__
from bot.discord_adapter.store import BotStore
from bot.service import NewsService
from tests.e2e.conftest import running_bot
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.helpers import assert_clean, buttons, embed, is_ephemeral, option_labels

QUESTION = "lighthouse keeper storm journal"


def current(fake: FakeDiscord, message: dict) -> dict:
    return fake.messages[int(message["id"])]


def footer(message: dict) -> str:
    return embed(message)["footer"]["text"]


async def test_answer_buttons_work_after_a_restart(fake: FakeDiscord, news_service: NewsService, tmp_path: Path):
    data = tmp_path / "data"
    async with running_bot(fake, news_service, data):
        reply = await fake.reply(await fake.slash("ask", {"question": QUESTION, "results": 1}))
        first = embed(reply)["description"]
        assert "page 1/3" in footer(reply) and buttons(reply)["Previous"]["disabled"] is True

    async with running_bot(fake, news_service, data):  # a new client: nothing of the answer in memory
        press = await fake.click(reply, "More results")
        await fake.wait_for(lambda: press.responded)
        assert press.callbacks[0]["type"] == 7  # updated in place
        assert "page 2/3" in footer(current(fake, reply))
        assert embed(current(fake, reply))["description"] != first
        assert buttons(current(fake, reply))["Previous"]["disabled"] is False

        press = await fake.click(reply, "Previous")
        await fake.wait_for(lambda: "page 1/3" in footer(current(fake, reply)))
        assert embed(current(fake, reply))["description"] == first

        stranger = await fake.click(reply, "More results", user=fake.admin)
        refusal = await fake.reply(stranger)
        assert is_ephemeral(refusal) and "Only the person who asked" in refusal["content"]

        vote = await fake.reply(await fake.click(reply, "Helpful", user=fake.admin))  # anyone may vote
        assert is_ephemeral(vote) and "noted" in vote["content"]
    (stored,) = BotStore.open(data).feedback()
    assert stored.question == QUESTION and stored.helpful and stored.user_id == int(fake.admin["id"])
    assert_clean(fake)


async def test_an_answer_re_asked_for_another_person_keeps_its_menu_after_a_restart(
    fake: FakeDiscord, news_service: NewsService, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    async with running_bot(fake, news_service, data):
        reply = await fake.reply(await fake.slash("quotes", {"speaker": "Marsh"}))
        await fake.choose(reply, "Tom Marsh (1)")
        await fake.wait_for(lambda: embed(current(fake, reply))["title"] == "What did Tom Marsh say?")
    async with running_bot(fake, news_service, data):
        back = await fake.choose(reply, "Anna Marsh (3)")
        await fake.wait_for(lambda: back.responded)
        await fake.wait_for(lambda: embed(current(fake, reply))["title"] == "What did Anna Marsh say?")
        assert option_labels(current(fake, reply)) == ["Tom Marsh (1)"]
        context = await fake.reply(await fake.click(reply, "Show context"))
        assert is_ephemeral(context) and "Anna Marsh" in embed(context)["description"]
    assert_clean(fake)


async def test_a_button_of_an_expired_answer_says_so(fake: FakeDiscord, news_service: NewsService, tmp_path: Path):
    data = tmp_path / "data"
    async with running_bot(fake, news_service, data):
        reply = await fake.reply(await fake.slash("ask", {"question": QUESTION, "results": 1}))
    store = BotStore.open(data)
    with store._transaction() as conn:  # as if a week had passed
        conn.execute("DELETE FROM answers")
    async with running_bot(fake, news_service, data):
        note = await fake.reply(await fake.click(reply, "More results"))
        assert is_ephemeral(note) and "ask again" in note["content"]
    assert_clean(fake)


@pytest.mark.parametrize(("command", "options"), [
    ("ask", {"question": "When will the ferry carry its first passengers?"}),
    ("summary", {"article": "Ferry service returns to the river"}),
    ("topic", {"topic": "river ferry"}),
])  # fmt: skip
async def test_private_answers_are_shown_to_the_asker_only(
    fake: FakeDiscord, news_service: NewsService, tmp_path: Path, command: str, options: dict
) -> None:
    async with running_bot(fake, news_service, tmp_path / "data"):
        public = await fake.reply(await fake.slash(command, options))
        private = await fake.reply(await fake.slash(command, {**options, "private": True}))
    assert not is_ephemeral(public) and is_ephemeral(private)
    assert embed(private)["description"] == embed(public)["description"]
    assert_clean(fake)


async def test_private_answer_buttons_still_work(fake: FakeDiscord, news_service: NewsService, tmp_path: Path):
    async with running_bot(fake, news_service, tmp_path / "data"):
        reply = await fake.reply(await fake.slash("ask", {"question": QUESTION, "results": 1, "private": True}))
        press = await fake.click(reply, "More results")
        await fake.wait_for(lambda: "page 2/3" in footer(current(fake, reply)))
        assert is_ephemeral(current(fake, reply)) and press.callbacks[0]["type"] == 7
    assert_clean(fake)


async def test_about_shows_the_bot_itself(fake: FakeDiscord, news_service: NewsService, tmp_path: Path) -> None:
    links = {"invite_url": "https://discord.example/invite", "support_url": "https://support.example/"}
    async with running_bot(fake, news_service, tmp_path / "data", **links) as client:
        reply = await fake.reply(await fake.slash("about"))
        servers = len(client.guilds)
    assert servers >= 1
    card = embed(reply)
    assert is_ephemeral(reply) and card["title"] == f"newsbot {__version__}"
    fields = {f["name"]: f["value"] for f in card["fields"]}
    assert fields["Articles"] == f"{len(news_service.articles())} articles"
    assert fields["Servers"] == str(servers)
    assert fields["Uptime"].endswith((" s", " min"))
    assert fields["Latency"].endswith(" ms") or fields["Latency"] == "unknown"
    assert fields["Links"] == "[Invite me](https://discord.example/invite) \u00b7 [Support](https://support.example/)"
    assert_clean(fake)


async def test_insights_need_manage_server_and_show_this_server_only(
    fake: FakeDiscord, news_service: NewsService, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    BotStore.open(data).record_question(
        999, "another server's volcano question", answered=False, today=dt.date.today(), keep_days=30
    )
    async with running_bot(fake, news_service, data):
        assert fake.find_command("insights")["default_member_permissions"] == "32"
        with pytest.raises(PermissionError):
            await fake.slash("insights", user=fake.member)
        ferry = {"question": "When will the ferry carry its first passengers?"}
        answered = await fake.reply(await fake.slash("ask", ferry))
        await fake.reply(await fake.slash("ask", {"question": "quantum chromodynamics lattice"}))
        await fake.reply(await fake.slash("ask", {"question": "quantum chromodynamics lattice?"}))
        await fake.reply(await fake.click(answered, "Not helpful"))
        reply = await fake.reply(await fake.slash("insights", user=fake.admin))
    card = embed(reply)
    assert is_ephemeral(reply)
    assert card["description"] == "3 questions: 1 answered, 2 not in the articles. Votes: 0 helpful, 1 not helpful."
    fields = {f["name"]: f["value"] for f in card["fields"]}
    assert "2\u00d7 quantum chromodynamics lattice" in fields["Most asked"]
    assert fields["Coverage gaps (unanswered)"].startswith("**chromodynamics, quantum, lattice** (2 questions)")
    assert "volcano" not in str(card)
    assert_clean(fake)
