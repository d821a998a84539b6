"""``/insights``: how this server uses the bot (Manage Server): questions, votes, coverage gaps."""

from __future__ import annotations

import asyncio
import datetime as dt

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_adapter.client import NewsBot
from bot.discord_adapter.errors import NO_MENTIONS
from bot.discord_adapter.render_admin import render_insights_embed


class InsightsCog(commands.Cog, name="Insights"):
    """The ``/insights`` command."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="insights", description="How this server uses the bot (Manage Server).")
    @app_commands.describe(days="How many days back (1-365, default 30)")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def insights(self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 365] = 30) -> None:
        """Only this server's questions and votes, shown to the caller only."""
        if interaction.guild_id is None:
            raise app_commands.NoPrivateMessage
        found = await asyncio.to_thread(
            self.bot.store.insights, guild_id=interaction.guild_id, days=days, today=dt.date.today()
        )
        await interaction.response.send_message(
            embed=render_insights_embed(found, days=days), ephemeral=True, allowed_mentions=NO_MENTIONS
        )


async def setup(bot: NewsBot) -> None:
    """Register the cog."""
    await bot.add_cog(InsightsCog(bot))
