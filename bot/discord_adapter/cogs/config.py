"""``/config ask-channel``: admins choose channels where every message is a question."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_adapter.client import NewsBot
from bot.discord_adapter.errors import NO_MENTIONS
from bot.discord_adapter.render import INTENT_HINT


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Config(commands.GroupCog, group_name="config", group_description="Server settings (Manage Server)."):
    """The ``/config`` group."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="ask-channel", description="Take every message in a channel as a question.")
    @app_commands.describe(enabled="On or off (default: on)", channel="Which channel (default: this one)")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def ask_channel(
        self,
        interaction: discord.Interaction,
        enabled: bool = True,
        channel: discord.TextChannel | None = None,
    ) -> None:
        """Store the setting (it survives restarts) and confirm, warning if messages cannot be read."""
        if interaction.guild_id is None:
            raise app_commands.NoPrivateMessage
        channel_id = channel.id if channel is not None else interaction.channel_id
        if channel_id is None:
            raise app_commands.NoPrivateMessage
        await asyncio.to_thread(
            self.bot.store.set_ask_channel,
            interaction.guild_id,
            channel_id,
            enabled=enabled,
            set_by=interaction.user.id,
        )
        if enabled:
            text = f"<#{channel_id}> is now an ask-channel: every message there is taken as a question."
            if not self.bot.message_content_intent:
                text += f"\n\u26a0\ufe0f {INTENT_HINT}"
        else:
            text = f"<#{channel_id}> is no longer an ask-channel."
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def setup(bot: NewsBot) -> None:
    """Register the cog."""
    await bot.add_cog(Config(bot))
