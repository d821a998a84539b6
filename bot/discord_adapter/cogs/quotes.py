"""``/quotes``: what one person said (about a topic), in their own quoted words."""

from __future__ import annotations

import asyncio
import datetime as dt

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_adapter.client import NewsBot
from bot.discord_adapter.errors import NO_MENTIONS
from bot.discord_adapter.render import CHOICE_COUNT_LIMIT
from bot.discord_adapter.speakers import speaker_choices
from bot.discord_adapter.store import AnswerState

TOPIC_MAX = 300


class Quotes(commands.Cog):
    """The ``/quotes`` command."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="quotes", description="What one person said, quoted from the articles.")
    @app_commands.describe(
        speaker="Start typing a name",
        topic="Only what they said about this (optional)",
        results="How many per page (1-5)",
    )
    async def quotes(
        self,
        interaction: discord.Interaction,
        speaker: app_commands.Range[str, 1, 100],
        topic: app_commands.Range[str, 1, TOPIC_MAX] | None = None,
        results: app_commands.Range[int, 1, 5] = 3,
    ) -> None:
        """Defer, look the statements up off the event loop (over this server's corpus), reply with the
        first page, its buttons and, when the name means several people, a menu of the others.

        Shares the question cooldown of ``/ask``.
        """
        self.bot.ask_cooldown.hit(interaction.user.id)
        await interaction.response.defer(thinking=True)
        top = results * self.bot.result_pages
        answer = await asyncio.to_thread(
            self.bot.service.quotes, speaker, topic, top=top, guild_id=interaction.guild_id
        )
        state = AnswerState(
            source="quotes", question=speaker, topic=topic, top=top, per_page=results, guild_id=interaction.guild_id,
            owner_id=interaction.user.id, today=dt.date.today(),
        )  # fmt: skip
        embed, view = await self.bot.reply_parts(answer, state)
        if view is None:
            await interaction.followup.send(embed=embed, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.followup.send(embed=embed, view=view, allowed_mentions=NO_MENTIONS)

    @quotes.autocomplete("speaker")
    async def speaker_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """People quoted in this server's articles whose name or surname starts with what was typed,
        most quoted first (at most 25; autocomplete cannot be deferred)."""
        found = await asyncio.to_thread(
            self.bot.service.speakers, current.strip(), guild_id=interaction.guild_id, limit=CHOICE_COUNT_LIMIT
        )
        return speaker_choices(found)


async def setup(bot: NewsBot) -> None:
    """Register the cog."""
    await bot.add_cog(Quotes(bot))
