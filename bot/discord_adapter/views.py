"""Buttons under answers and listings.

Every view guards who may press what (``interaction_check``), disables itself when it times out
(``on_timeout``) and apologises ephemerally and logs when a callback fails (``on_error``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord

from bot.discord_adapter.errors import NO_MENTIONS, describe, send_ephemeral
from bot.discord_adapter.render import Page, render_answer, render_articles, render_context, render_sources
from bot.discord_adapter.speakers import (
    PLACEHOLDER,
    is_ambiguous,
    others,
    reask_question,
    speaker_note,
    speaker_options,
)
from bot.discord_adapter.store import BotStore, Feedback
from bot.models import Answer, ArticleMeta, Excerpt, Sentence, SpeakerCount
from bot.service import NewsService

log = logging.getLogger(__name__)

CONTEXT_RADIUS = 2


def _ids(*items: discord.ui.Button[Any] | discord.ui.Select[Any]) -> set[str]:
    return {item.custom_id for item in items if item.custom_id}


def needs_view(answer: Answer) -> bool:
    """Whether an answer gets components: excerpts to page through, or other people to pick from."""
    return (not answer.abstained and bool(answer.excerpts)) or is_ambiguous(answer)


def answered_for(new: Answer, person: SpeakerCount, before: Answer) -> Answer:
    """``new`` (the answer re-asked for ``person``) still offering everyone ``before`` offered.

    Asked by full name, the core knows only ``person``; the people the first name could mean stay
    selectable, ``person`` first (the order ``Answer.speakers`` promises).
    """
    if new.speaker != person.name:
        return new
    merged = {p.name: p for p in (*new.speakers, person, *before.speakers)}
    chosen = merged.pop(person.name)
    return dataclasses.replace(new, speakers=(chosen, *merged.values()))


class GuardedView(discord.ui.View):
    """A view owned by one user, that disables itself on timeout and reports its errors."""

    def __init__(self, *, owner_id: int, timeout: float | None) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.message: discord.Message | discord.WebhookMessage | discord.InteractionMessage | None = None
        self.owner_only: set[str] = set()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Owner-only buttons answer anybody else with an ephemeral note."""
        custom_id = dict(interaction.data or {}).get("custom_id")
        if custom_id in self.owner_only and interaction.user.id != self.owner_id:
            await interaction.response.send_message(
                "Only the person who asked can use this.", ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return False
        return True

    async def on_timeout(self) -> None:
        """Grey the buttons and menus out on the message."""
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.Select):
                item.disabled = True
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException:
                log.debug("could not disable an expired view", exc_info=True)

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]) -> None:
        """Apologise to the presser (ephemeral) and log the traceback."""
        text, expected = describe(error)
        if not expected:
            log.error("button %r failed", getattr(item, "custom_id", item), exc_info=error)
        await send_ephemeral(interaction, text)


class AnswerView(GuardedView):
    """More results / Show context / Show sources / Follow up / Helpful / Not helpful under an
    answer; when the name asked about means several people, a menu of the others that re-asks the
    question for one of them. "Show sources" is there only when a sentence of the answer is printed
    by several articles; "Follow up" only when the front end passes ``follow_up`` (what pressing it
    does: open a thread or a form for a follow-up question)."""

    def __init__(
        self,
        answer: Answer,
        *,
        service: NewsService,
        store: BotStore,
        owner_id: int,
        per_page: int,
        guild_id: int | None,
        timeout: float | None = 600.0,
        top: int | None = None,
        follow_up: Callable[[discord.Interaction], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(owner_id=owner_id, timeout=timeout)
        self.answer = answer
        self._follow_up = follow_up
        if follow_up is None:
            self.remove_item(self.follow_up)
        self.service = service
        self.store = store
        self.guild_id = guild_id  # the server the answer was given in: context comes from its corpus
        self.top = top or per_page * 3  # excerpts asked for when the question is re-asked for someone else
        self.page = Page(index=0, size=per_page, total=len(answer.excerpts))
        self.owner_only = _ids(self.more, self.choose_speaker)
        self._sync()

    def _sync(self) -> None:
        """Buttons and menu to match the answer shown."""
        self.more.disabled = not self.page.has_next
        for button in (self.show_context, self.follow_up, self.helpful, self.not_helpful):
            button.disabled = not self.answer.excerpts
        if is_ambiguous(self.answer):
            self.choose_speaker.options = speaker_options(self.answer)
            if self.choose_speaker not in self.children:
                self.add_item(self.choose_speaker)
        else:
            self.remove_item(self.choose_speaker)
        if any(ex.also for ex in self.answer.excerpts):
            if self.show_sources not in self.children:
                self.add_item(self.show_sources)
        else:
            self.remove_item(self.show_sources)

    def embed(self) -> discord.Embed:
        """The answer embed for the current page (with whom it answers for, if the name is ambiguous)."""
        return render_answer(
            self.answer, page=self.page.index, per_page=self.page.size, note=speaker_note(self.answer)
        )

    def shown(self) -> Sequence[Excerpt]:
        """The excerpts on the current page."""
        return self.answer.excerpts[self.page.start : self.page.start + self.page.size]

    @discord.ui.button(label="More results", style=discord.ButtonStyle.primary)
    async def more(self, interaction: discord.Interaction, button: discord.ui.Button[AnswerView]) -> None:
        """Show the next page of excerpts in place."""
        if self.page.has_next:
            self.page = Page(index=self.page.index + 1, size=self.page.size, total=self.page.total)
        button.disabled = not self.page.has_next
        await interaction.response.edit_message(embed=self.embed(), view=self, allowed_mentions=NO_MENTIONS)

    @discord.ui.button(label="Show context", style=discord.ButtonStyle.secondary)
    async def show_context(self, interaction: discord.Interaction, button: discord.ui.Button[AnswerView]) -> None:
        """Tell the presser (only) the sentences around each shown excerpt."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        shown = self.shown()
        windows = await asyncio.to_thread(self._contexts, shown)
        await interaction.followup.send(
            embed=render_context(list(zip(shown, windows, strict=True))), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @discord.ui.button(label="Show sources", style=discord.ButtonStyle.secondary)
    async def show_sources(self, interaction: discord.Interaction, button: discord.ui.Button[AnswerView]) -> None:
        """Tell the presser (only) every article that prints each shown sentence."""
        embed = render_sources(self.shown(), first_number=self.page.start + 1)
        await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS)

    def _contexts(self, excerpts: Sequence[Excerpt]) -> list[tuple[Sentence, ...]]:
        return [
            self.service.context(
                ex.citation.article_id, ex.citation.position, radius=CONTEXT_RADIUS, guild_id=self.guild_id
            )
            for ex in excerpts
        ]

    @discord.ui.button(label="Follow up", style=discord.ButtonStyle.secondary)
    async def follow_up(self, interaction: discord.Interaction, button: discord.ui.Button[AnswerView]) -> None:
        """Ask a follow-up question of this answer (in a thread, or a form)."""
        if self._follow_up is not None:
            await self._follow_up(interaction)

    @discord.ui.select(placeholder=PLACEHOLDER, row=1)
    async def choose_speaker(self, interaction: discord.Interaction, select: discord.ui.Select[AnswerView]) -> None:
        """Re-ask the question for the person picked, and show that answer in place."""
        people = others(self.answer)
        picked = int(select.values[0]) if select.values and select.values[0].isdigit() else -1
        if not 0 <= picked < len(people):
            await interaction.response.send_message(
                "That choice is no longer offered.", ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return
        await interaction.response.defer()  # re-asking may take longer than Discord's 3 s
        self.answer = await asyncio.to_thread(self._ask_for, people[picked])
        self.page = Page(index=0, size=self.page.size, total=len(self.answer.excerpts))
        self._sync()
        await interaction.edit_original_response(embed=self.embed(), view=self, allowed_mentions=NO_MENTIONS)

    def _ask_for(self, person: SpeakerCount) -> Answer:
        assert self.answer.speaker is not None  # the menu is shown only for an answered-for speaker
        question = reask_question(self.answer.question, self.answer.speaker, person.name)
        new = self.service.ask(question, top=self.top, guild_id=self.guild_id)
        return answered_for(new, person, self.answer)

    @discord.ui.button(label="Helpful", emoji="\N{THUMBS UP SIGN}", style=discord.ButtonStyle.success)
    async def helpful(self, interaction: discord.Interaction, button: discord.ui.Button[AnswerView]) -> None:
        """Store a positive verdict."""
        await self._vote(interaction, helpful=True)

    @discord.ui.button(label="Not helpful", emoji="\N{THUMBS DOWN SIGN}", style=discord.ButtonStyle.danger)
    async def not_helpful(self, interaction: discord.Interaction, button: discord.ui.Button[AnswerView]) -> None:
        """Store a negative verdict."""
        await self._vote(interaction, helpful=False)

    async def _vote(self, interaction: discord.Interaction, *, helpful: bool) -> None:
        message_id = interaction.message.id if interaction.message else 0
        citations = ";".join(f"{ex.citation.article_id}:{ex.citation.position}" for ex in self.shown())
        record = Feedback(
            message_id=message_id,
            user_id=interaction.user.id,
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            question=self.answer.question,
            citations=citations,
            helpful=helpful,
        )
        await asyncio.to_thread(self.store.add_feedback, record)
        await interaction.response.send_message(
            "Thanks, noted for the admins.", ephemeral=True, allowed_mentions=NO_MENTIONS
        )


class ArticlesView(GuardedView):
    """Previous / Next through the corpus listing."""

    def __init__(
        self,
        articles: Sequence[ArticleMeta],
        *,
        owner_id: int,
        per_page: int = 10,
        timeout: float | None = 600.0,
        heading: str = "Articles",
        empty: str = "The corpus is empty.",
    ) -> None:
        super().__init__(owner_id=owner_id, timeout=timeout)
        self.articles = articles
        self.heading = heading
        self.empty = empty
        self.page = Page(index=0, size=per_page, total=len(articles))
        self.owner_only = _ids(self.previous_page, self.next_page)
        self._sync_buttons()

    def embed(self) -> discord.Embed:
        """The listing embed for the current page."""
        return render_articles(
            self.articles, page=self.page.index, per_page=self.page.size, heading=self.heading, empty=self.empty
        )

    def _sync_buttons(self) -> None:
        self.previous_page.disabled = not self.page.has_previous
        self.next_page.disabled = not self.page.has_next

    async def _turn(self, interaction: discord.Interaction, step: int) -> None:
        index = min(max(0, self.page.index + step), self.page.count - 1)
        self.page = Page(index=index, size=self.page.size, total=self.page.total)
        self._sync_buttons()
        await interaction.response.edit_message(embed=self.embed(), view=self, allowed_mentions=NO_MENTIONS)

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous_page(self, interaction: discord.Interaction, button: discord.ui.Button[ArticlesView]) -> None:
        """One page back."""
        await self._turn(interaction, -1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.primary)
    async def next_page(self, interaction: discord.Interaction, button: discord.ui.Button[ArticlesView]) -> None:
        """One page on."""
        await self._turn(interaction, 1)
