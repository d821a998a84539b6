"""``/about``: the bot's own information (version, articles, servers, shard, uptime, latency, links)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import __version__
from bot.discord_adapter.client import NewsBot
from bot.discord_adapter.errors import NO_MENTIONS
from bot.discord_adapter.render_admin import AboutInfo, render_about
from bot.shards import shard_of, spans


class About(commands.Cog):
    """The ``/about`` command."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    def info(self, guild_id: int | None) -> AboutInfo:
        """What ``/about`` shows now: the articles counted are those the server sees, the shard is the
        one that carries the server."""
        count = self.bot.shard_count
        ids = self.bot.shard_ids if self.bot.shard_ids is not None else range(count or 0)
        return AboutInfo(
            version=__version__,
            articles=len(self.bot.service.articles(guild_id=guild_id)),
            servers=len(self.bot.guilds),
            uptime_s=self.bot.clock() - self.bot.started,
            latency_s=self.bot.latency,
            invite_url=self.bot.invite_url,
            support_url=self.bot.support_url,
            shard=shard_of(guild_id, count) if guild_id is not None and count else None,
            shard_count=count,
            process_shards=spans(tuple(ids)),
        )

    @app_commands.command(name="about", description="About this bot: version, articles, servers, uptime, latency.")
    async def about(self, interaction: discord.Interaction) -> None:
        """Reply to the caller only."""
        await interaction.response.send_message(embed=render_about(self.info(interaction.guild_id)), ephemeral=True,
                                                allowed_mentions=NO_MENTIONS)  # fmt: skip


async def setup(bot: NewsBot) -> None:
    """Register the cog."""
    await bot.add_cog(About(bot))
