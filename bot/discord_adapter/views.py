"""Buttons under listings, and helpers of the answer buttons (which live in ``answers.py``).

Every view guards who may press what (``interaction_check``), disables itself when it times out
(``on_timeout``) and apologises ephemerally and logs when a callback fails (``on_error``).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from typing import Any

import discord

from bot.discord_adapter.errors import NO_MENTIONS, describe, send_ephemeral
from bot.discord_adapter.render import Page, render_articles
from bot.discord_adapter.speakers import is_ambiguous
from bot.models import Answer, ArticleMeta, SpeakerCount

log = logging.getLogger(__name__)


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


async def listed_message(
    interaction: discord.Interaction, callback: discord.InteractionCallbackResponse[Any]
) -> discord.InteractionMessage | None:
    """The message a view was just sent with (to grey its buttons out when it times out): the
    callback's resource, or asked for when the library's version did not read it."""
    if isinstance(callback.resource, discord.InteractionMessage):
        return callback.resource
    try:
        return await interaction.original_response()
    except discord.HTTPException:
        return None


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
