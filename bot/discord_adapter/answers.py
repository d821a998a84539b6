"""The buttons under an answer, which keep working after the bot restarts.

Every button is a ``discord.ui.DynamicItem`` whose custom id says what it does, which page the
message shows and which answer it belongs to: ``nb:a:<kind>:<page>:<key>``. ``key`` is a row of the
bot's store (``AnswerState``: how the question was asked, by whom, where and when), so a press
after a restart rebuilds the answer by asking again; answers of this run are kept in memory.
The menu of other people of the same name is ``nb:s:<key>``.

To add a button, append a ``ButtonSpec`` to ``ANSWER_BUTTONS`` with its kind (letters and ``-``,
unique), label, style, row, whether only the asker may press it, when it is shown and enabled, and
its handler: an ``async`` function of a ``Press`` (the interaction, the answer, its state and key,
the page shown, and the ``AnswerBook`` to re-render or store with).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import discord

from bot.discord_adapter.errors import NO_MENTIONS, describe, send_ephemeral
from bot.discord_adapter.render import Page, render_answer, render_context, render_sources
from bot.discord_adapter.speakers import PLACEHOLDER, is_ambiguous, others, reask_question, speaker_note
from bot.discord_adapter.speakers import speaker_options as menu_options
from bot.discord_adapter.store import AnswerState, BotStore, Feedback
from bot.discord_adapter.views import answered_for
from bot.models import Answer, Excerpt, Sentence, SpeakerCount
from bot.service import NewsService

log = logging.getLogger(__name__)

CONTEXT_RADIUS = 2
CACHED_ANSWERS = 256
EXPIRED = "This answer is too old for its buttons; please ask again."
OWNER_ONLY = "Only the person who asked can use this."
BUTTON_TEMPLATE = r"nb:a:(?P<kind>[a-z-]+):(?P<page>[0-9]{1,4}):(?P<key>[0-9]{1,19})"
MENU_TEMPLATE = r"nb:s:(?P<key>[0-9]{1,19})"


def button_id(kind: str, page: int, key: int) -> str:
    """The custom id of a button (at most 40 characters; Discord allows 100)."""
    return f"nb:a:{kind}:{page}:{key}"


@dataclass(frozen=True, slots=True)
class Press:
    """A button pressed under an answer: what its handler gets."""

    interaction: discord.Interaction
    book: AnswerBook
    key: int
    state: AnswerState
    answer: Answer
    page: Page

    def shown(self) -> Sequence[Excerpt]:
        """The excerpts on the page the message shows."""
        return self.answer.excerpts[self.page.start : self.page.start + self.page.size]


Handler = Callable[[Press], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ButtonSpec:
    """One kind of answer button: its look, who may press it, when it is there, what it does."""

    kind: str
    label: str
    style: discord.ButtonStyle
    handler: Handler
    row: int = 0
    emoji: str | None = None
    owner_only: bool = False
    shown: Callable[[Answer], bool] = lambda answer: True
    enabled: Callable[[Answer, Page], bool] = lambda answer, page: bool(answer.excerpts)


# ----------------------------------------------------------------------------------- handlers
async def _turn(press: Press, step: int) -> None:
    index = min(max(0, press.page.index + step), press.page.count - 1)
    page = dataclasses.replace(press.page, index=index)
    await press.interaction.response.edit_message(
        embed=embed_for(press.answer, page), view=press.book.view(press.key, press.answer, page),
        allowed_mentions=NO_MENTIONS,
    )  # fmt: skip


async def _previous(press: Press) -> None:
    """One page back, in place."""
    await _turn(press, -1)


async def _next(press: Press) -> None:
    """One page on, in place."""
    await _turn(press, 1)


async def _context(press: Press) -> None:
    """Tell the presser (only) the sentences around each shown excerpt."""
    await press.interaction.response.defer(ephemeral=True, thinking=True)
    shown = press.shown()
    windows = await asyncio.to_thread(press.book.contexts, shown, press.state.guild_id)
    await press.interaction.followup.send(
        embed=render_context(list(zip(shown, windows, strict=True))), ephemeral=True, allowed_mentions=NO_MENTIONS
    )


async def _sources(press: Press) -> None:
    """Tell the presser (only) every article that prints each shown sentence."""
    embed = render_sources(press.shown(), first_number=press.page.start + 1)
    await press.interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def _vote(press: Press, *, helpful: bool) -> None:
    interaction = press.interaction
    record = Feedback(
        message_id=interaction.message.id if interaction.message else 0,
        user_id=interaction.user.id,
        guild_id=interaction.guild_id,
        channel_id=interaction.channel_id,
        question=press.answer.question,
        citations=";".join(f"{ex.citation.article_id}:{ex.citation.position}" for ex in press.shown()),
        helpful=helpful,
    )
    await asyncio.to_thread(press.book.store.add_feedback, record)
    await interaction.response.send_message(
        "Thanks, noted for the admins.", ephemeral=True, allowed_mentions=NO_MENTIONS
    )


async def _helpful(press: Press) -> None:
    await _vote(press, helpful=True)


async def _not_helpful(press: Press) -> None:
    await _vote(press, helpful=False)


async def _follow_up(press: Press) -> None:
    """Ask a follow-up question of this answer: in a thread opened for it, or a form."""
    from bot.discord_adapter.follow_up import follow_up  # the client's module imports this one

    client = press.interaction.client
    await follow_up(client, press.interaction, press.answer)  # type: ignore[arg-type]


ANSWER_BUTTONS: tuple[ButtonSpec, ...] = (
    ButtonSpec(
        "previous", "Previous", discord.ButtonStyle.secondary, _previous, owner_only=True,
        enabled=lambda answer, page: page.has_previous,
    ),
    ButtonSpec(
        "more", "More results", discord.ButtonStyle.primary, _next, owner_only=True,
        enabled=lambda answer, page: page.has_next,
    ),
    ButtonSpec("context", "Show context", discord.ButtonStyle.secondary, _context),
    ButtonSpec(
        "sources", "Show sources", discord.ButtonStyle.secondary, _sources,
        shown=lambda answer: any(ex.also for ex in answer.excerpts),
    ),
    ButtonSpec("follow-up", "Follow up", discord.ButtonStyle.secondary, _follow_up, row=2),
    ButtonSpec("helpful", "Helpful", discord.ButtonStyle.success, _helpful, row=2, emoji="\N{THUMBS UP SIGN}"),
    ButtonSpec(
        "not-helpful", "Not helpful", discord.ButtonStyle.danger, _not_helpful, row=2, emoji="\N{THUMBS DOWN SIGN}"
    ),
)  # fmt: skip
"""The buttons, in the order shown (row 1 is the menu of people of the same name)."""


def _spec(kind: str) -> ButtonSpec | None:
    return next((spec for spec in ANSWER_BUTTONS if spec.kind == kind), None)


# --------------------------------------------------------------------------------- components
@runtime_checkable
class HasAnswers(Protocol):
    """The client the buttons reach their book through (``NewsBot``)."""

    answers: AnswerBook


def _book(interaction: discord.Interaction) -> AnswerBook:
    client = interaction.client
    if not isinstance(client, HasAnswers):
        raise TypeError("answer buttons need a client with an AnswerBook")
    return client.answers


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=BUTTON_TEMPLATE):
    """One answer button; made again from its custom id when pressed (after a restart too)."""

    def __init__(self, spec: ButtonSpec, page: int, key: int, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=spec.label, style=spec.style, emoji=spec.emoji, row=spec.row, disabled=disabled,
                custom_id=button_id(spec.kind, page, key),
            )
        )  # fmt: skip
        self.spec, self.page, self.key = spec, page, key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: Any  # noqa: ANN401 - re.Match
    ) -> AnswerButton:
        """The button a custom id describes (an unknown kind raises, and discord.py logs it)."""
        spec = _spec(match["kind"])
        if spec is None:
            raise ValueError(f"unknown answer button {match['kind']!r}")
        return cls(spec, int(match["page"]), int(match["key"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Hand the press to the book."""
        await _book(interaction).press(interaction, self.key, self.page, self.spec)


class SpeakerMenu(discord.ui.DynamicItem[discord.ui.Select[Any]], template=MENU_TEMPLATE):
    """The menu of the other people a name means; picking one re-asks the question for them."""

    def __init__(self, key: int, options: list[discord.SelectOption]) -> None:
        super().__init__(discord.ui.Select(placeholder=PLACEHOLDER, options=options, row=1, custom_id=f"nb:s:{key}"))
        self.key = key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select[Any], match: Any  # noqa: ANN401 - re.Match
    ) -> SpeakerMenu:
        """The menu with the options the message carries."""
        return cls(int(match["key"]), list(item.options))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Re-ask for the person picked."""
        value = self.item.values[0] if self.item.values else ""
        await _book(interaction).choose(interaction, self.key, int(value) if value.isdigit() else -1)


DYNAMIC_ITEMS = (AnswerButton, SpeakerMenu)
"""What the client registers (``add_dynamic_items``) so presses on old messages reach the book."""


def embed_for(answer: Answer, page: Page) -> discord.Embed:
    """The answer embed for ``page`` (with whom it answers for, if the name is ambiguous)."""
    return render_answer(answer, page=page.index, per_page=page.size, note=speaker_note(answer))


# ------------------------------------------------------------------------------------- the book
class AnswerBook:
    """The answers that carry buttons: saved in the store, the recent ones kept in memory."""

    def __init__(self, service: NewsService, store: BotStore, *, cached: int = CACHED_ANSWERS) -> None:
        self.service = service
        self.store = store
        self._cached = cached
        self._answers: OrderedDict[int, tuple[AnswerState, Answer]] = OrderedDict()
        self._lock = threading.Lock()  # presses are served on worker threads

    def remember(self, state: AnswerState, answer: Answer) -> int:
        """Save what the buttons of ``answer`` need; returns its key (blocking: call it off the loop)."""
        key = self.store.save_answer(state)
        self._keep(key, state, answer)
        return key

    def _keep(self, key: int, state: AnswerState, answer: Answer) -> None:
        with self._lock:
            self._answers[key] = (state, answer)
            self._answers.move_to_end(key)
            while len(self._answers) > self._cached:
                self._answers.popitem(last=False)

    def recall(self, key: int) -> tuple[AnswerState, Answer] | None:
        """The answer under ``key``: from memory, or asked again from its saved state (None: expired)."""
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
        state = self.store.answer(key)
        if state is None:
            return None
        answer = self._ask(state)
        if state.parent is not None and state.person:
            parent = self.recall(state.parent)
            if parent is not None:
                person = next((p for p in parent[1].speakers if p.name == state.person), None)
                answer = answered_for(answer, person or SpeakerCount(state.person, 0), parent[1])
        self._keep(key, state, answer)
        return state, answer

    def _ask(self, state: AnswerState) -> Answer:
        if state.source == "quotes":
            return self.service.quotes(state.question, state.topic, top=state.top, guild_id=state.guild_id)
        return self.service.ask(
            state.question, top=state.top, guild_id=state.guild_id, since=state.since, until=state.until,
            today=state.today,
        )  # fmt: skip

    def contexts(self, excerpts: Sequence[Excerpt], guild_id: int | None) -> list[tuple[Sentence, ...]]:
        """The sentences around each excerpt, from the corpus of the server it was asked in."""
        return [
            self.service.context(ex.citation.article_id, ex.citation.position, radius=CONTEXT_RADIUS, guild_id=guild_id)
            for ex in excerpts
        ]

    def view(self, key: int, answer: Answer, page: Page) -> discord.ui.View:
        """The buttons (and the menu of other people) for ``page`` of the answer under ``key``."""
        view = discord.ui.View(timeout=None)
        for spec in ANSWER_BUTTONS:
            if spec.shown(answer):
                view.add_item(AnswerButton(spec, page.index, key, disabled=not spec.enabled(answer, page)))
        if is_ambiguous(answer):
            view.add_item(SpeakerMenu(key, menu_options(answer)))
        return view

    async def _recall_for(
        self, interaction: discord.Interaction, key: int, *, owner_only: bool
    ) -> tuple[AnswerState, Answer] | None:
        """The answer under ``key`` for this press, or ``None`` once the presser has been told why
        not (expired, or a button only the asker may use)."""
        found = await asyncio.to_thread(self.recall, key)
        if found is None:
            await send_ephemeral(interaction, EXPIRED)
            return None
        if owner_only and interaction.user.id != found[0].owner_id:
            await send_ephemeral(interaction, OWNER_ONLY)
            return None
        return found

    async def press(self, interaction: discord.Interaction, key: int, page: int, spec: ButtonSpec) -> None:
        """Run ``spec``'s handler for the answer under ``key``, shown at ``page``; errors are told to the presser."""
        try:
            found = await self._recall_for(interaction, key, owner_only=spec.owner_only)
            if found is None:
                return
            state, answer = found
            shown = Page(index=page, size=state.per_page, total=len(answer.excerpts))
            await spec.handler(Press(interaction, self, key, state, answer, shown))
        except Exception as exc:  # every failure is told to the presser, unexpected ones logged
            await _report(interaction, exc, spec.kind)

    async def choose(self, interaction: discord.Interaction, key: int, picked: int) -> None:
        """Re-ask the answer under ``key`` for its ``picked``-th other person, and show that in place."""
        try:
            found = await self._recall_for(interaction, key, owner_only=True)
            if found is None:
                return
            state, answer = found
            people = others(answer)
            if not 0 <= picked < len(people) or answer.speaker is None:
                await send_ephemeral(interaction, "That choice is no longer offered.")
                return
            await interaction.response.defer()  # re-asking may take longer than Discord's 3 s
            person = people[picked]
            new_state = dataclasses.replace(
                state, source="ask", question=reask_question(answer.question, answer.speaker, person.name),
                topic=None, parent=key, person=person.name,
            )  # fmt: skip
            new_key, new = await asyncio.to_thread(self._reask, new_state, person, answer)
            page = Page(index=0, size=state.per_page, total=len(new.excerpts))
            await interaction.edit_original_response(
                embed=embed_for(new, page), view=self.view(new_key, new, page), allowed_mentions=NO_MENTIONS
            )
        except Exception as exc:  # as in press
            await _report(interaction, exc, "speaker")

    def _reask(self, state: AnswerState, person: SpeakerCount, before: Answer) -> tuple[int, Answer]:
        answer = answered_for(self._ask(state), person, before)
        return self.remember(state, answer), answer


async def _report(interaction: discord.Interaction, error: Exception, kind: str) -> None:
    text, expected = describe(error)
    if not expected:
        log.error("answer button %r failed", kind, exc_info=error)
    await send_ephemeral(interaction, text)
