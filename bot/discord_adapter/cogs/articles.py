"""``/articles``: the corpus, listed page by page."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_adapter.client import NewsBot
from bot.discord_adapter.errors import NO_MENTIONS
from bot.discord_adapter.views import ArticlesView, listed_message

PER_PAGE = 10


class Articles(commands.Cog):
    """The ``/articles`` command."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="articles", description="List the articles I can quote from.")
    async def articles(self, interaction: discord.Interaction) -> None:
        """Reply (only to the caller) with the first page and Previous/Next buttons.

        The listing is what this server sees: the shipped articles and its own additions.
        """
        listing = await asyncio.to_thread(self.bot.service.articles, guild_id=interaction.guild_id)
        view = ArticlesView(listing, owner_id=interaction.user.id, per_page=PER_PAGE, timeout=self.bot.view_timeout)
        callback = await interaction.response.send_message(
            embed=view.embed(), view=view, ephemeral=True, allowed_mentions=NO_MENTIONS
        )
        view.message = await listed_message(interaction, callback)


async def setup(bot: NewsBot) -> None:
    """Register the cog."""
    await bot.add_cog(Articles(bot))
