"""The answer buttons' ids and state: stable ids, an answer rebuilt from the store by a new book."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from bot.discord_adapter.answers import ANSWER_BUTTONS, BUTTON_TEMPLATE, AnswerBook
from bot.discord_adapter.render import Page
from bot.discord_adapter.store import AnswerState, BotStore

QUESTION = "How many cables had corrosion?"


def state(top: int = 6) -> AnswerState:
    return AnswerState(source="ask", question=QUESTION, top=top, per_page=1, guild_id=None, owner_id=7,
                       today=dt.date(2026, 12, 1))  # fmt: skip


def test_button_kinds_are_unique_and_their_ids_fit_the_template() -> None:
    kinds = [spec.kind for spec in ANSWER_BUTTONS]
    assert len(kinds) == len(set(kinds)) and kinds[:2] == ["previous", "more"]
    for kind in kinds:
        assert re.fullmatch(BUTTON_TEMPLATE, f"nb:a:{kind}:9999:{2**63 - 1}")


def test_a_new_book_rebuilds_the_answer_from_the_store(tiny_service, tmp_path: Path) -> None:
    answer = tiny_service.ask(QUESTION, top=6, today=dt.date(2026, 12, 1))
    key = AnswerBook(tiny_service, BotStore.open(tmp_path)).remember(state(), answer)

    restarted = AnswerBook(tiny_service, BotStore.open(tmp_path))  # nothing in memory
    found = restarted.recall(key)
    assert found is not None and found[0] == state() and found[1] == answer
    assert restarted.recall(key + 1) is None


async def test_the_view_carries_page_and_key_in_every_id(tiny_service, tmp_path: Path) -> None:
    # async: discord.py 2.5 (the lowest version allowed) makes a view only inside a running event loop
    answer = tiny_service.ask(QUESTION, top=6, today=dt.date(2026, 12, 1))
    book = AnswerBook(tiny_service, BotStore.open(tmp_path))
    key = book.remember(state(), answer)
    view = book.view(key, answer, Page(index=1, size=1, total=len(answer.excerpts)))
    assert view.timeout is None  # persistent
    ids = {item.item.label: (item.item.custom_id, item.item.disabled) for item in view.children}  # type: ignore[attr-defined]
    assert ids["Previous"] == (f"nb:a:previous:1:{key}", False)
    assert ids["More results"][0] == f"nb:a:more:1:{key}"
    assert ids["Helpful"] == (f"nb:a:helpful:1:{key}", False)
    assert ("Show sources" in ids) == any(ex.also for ex in answer.excerpts)
