"""``/topic``: what the articles say about a topic, in their own sentences, each cited."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_adapter.client import NewsBot
from bot.discord_adapter.errors import NO_MENTIONS
from bot.discord_adapter.render import render_topic


class Topic(commands.Cog):
    """The ``/topic`` command."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="topic", description="What the articles say about a topic, each sentence cited.")
    @app_commands.describe(
        topic="A person, place or event",
        sentences="How many sentences (1-10)",
        private="Only you see the answer (default: everyone in the channel)",
    )
    async def topic(
        self,
        interaction: discord.Interaction,
        topic: app_commands.Range[str, 1, 200],
        sentences: app_commands.Range[int, 1, 10] = 4,
        private: bool = False,
    ) -> None:
        """Defer, summarise the topic off the event loop, reply with the cited sentences.

        It counts as a question for the per-user cooldown.
        """
        self.bot.ask_cooldown.hit(interaction.user.id)
        await interaction.response.defer(thinking=True, ephemeral=private)
        result = await asyncio.to_thread(
            self.bot.service.summarise_topic, topic, sentences=sentences, guild_id=interaction.guild_id
        )
        await interaction.followup.send(embed=render_topic(result), ephemeral=private, allowed_mentions=NO_MENTIONS)


async def setup(bot: NewsBot) -> None:
    """Register the cog."""
    await bot.add_cog(Topic(bot))
