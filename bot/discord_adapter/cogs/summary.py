"""``/summary``: the extractive summary of one article, chosen with autocomplete."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_adapter.client import NewsBot
from bot.discord_adapter.errors import NO_MENTIONS
from bot.discord_adapter.render import CHOICE_COUNT_LIMIT, autocomplete_choices, render_summary


class SummaryCog(commands.Cog, name="Summary"):
    """The ``/summary`` command."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="summary", description="A short summary of one article, in its own sentences.")
    @app_commands.describe(
        article="Start typing a title",
        sentences="How many sentences (1-10)",
        private="Only you see the summary (default: everyone in the channel)",
    )
    async def summary(
        self,
        interaction: discord.Interaction,
        article: app_commands.Range[str, 1, 100],
        sentences: app_commands.Range[int, 1, 10] = 3,
        private: bool = False,
    ) -> None:
        """Defer, summarise off the event loop, reply with the summary embed (``private``: to the caller only)."""
        await interaction.response.defer(thinking=True, ephemeral=private)
        result = await asyncio.to_thread(
            self.bot.service.summarise, article, sentences=sentences, guild_id=interaction.guild_id
        )
        await interaction.followup.send(embed=render_summary(result), ephemeral=private, allowed_mentions=NO_MENTIONS)

    @summary.autocomplete("article")
    async def article_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Titles containing what was typed so far (at most 25; autocomplete cannot be deferred).

        Only the articles this server sees: the shipped ones and its own additions.
        """
        found = await asyncio.to_thread(
            self.bot.service.find_articles, current.strip(), limit=CHOICE_COUNT_LIMIT, guild_id=interaction.guild_id
        )
        return autocomplete_choices(found)


async def setup(bot: NewsBot) -> None:
    """Register the cog."""
    await bot.add_cog(SummaryCog(bot))
