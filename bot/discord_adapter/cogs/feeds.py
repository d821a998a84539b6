"""``/feeds add|list|remove``: news feeds a server follows (Manage Server), and their announcements.

The work is the core's (``bot.feeds.follow.Feeds``): this cog checks who asks, follows a feed on
the bot's fetch pool, runs the poll loop as a task of the bot and posts what the polls found
(announcement embeds, at most N a poll, mentions disabled; one notice when a feed is switched off).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_adapter.client import NewsBot
from bot.discord_adapter.errors import NO_MENTIONS
from bot.discord_adapter.feed_render import (
    announcement_messages,
    disabled_text,
    feed_choices,
    followed_text,
    render_feeds,
    unfollowed_text,
)
from bot.errors import NewsBotError
from bot.feeds.follow import URL_MAX, Feeds
from bot.feeds.models import Filters, PollResult
from bot.feeds.schedule import read_keywords

log = logging.getLogger(__name__)
KEYWORDS_MAX = 300


class FeedsOff(NewsBotError):
    """Feeds are not enabled on this bot."""


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class FeedsCog(commands.GroupCog, group_name="feeds", group_description="News feeds this server follows."):
    """The ``/feeds`` group and the poll loop."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self._task: asyncio.Task[None] | None = None
        super().__init__()

    async def cog_load(self) -> None:
        """Start polling (once the bot is connected)."""
        if self.bot.feeds is not None:
            self._task = asyncio.create_task(self._poll_forever(self.bot.feeds), name="newsbot-feeds")

    async def cog_unload(self) -> None:
        """Stop polling."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _poll_forever(self, feeds: Feeds) -> None:
        await self.bot.wait_until_ready()
        await feeds.run(self.bot.fetches, self.announce, remove=self.bot.service.remove_article)

    async def announce(self, result: PollResult) -> None:
        """Post a poll's new articles to the feed's channel, or say once that the feed was switched off."""
        feed = result.feed
        channel = self._channel(feed.channel_id, feed.guild_id)
        if result.disabled:
            text = disabled_text(feed)
            if channel is None:
                log.warning("feed %s (%s): %s", feed.id, feed.url, text)
            else:
                await channel.send(text, allowed_mentions=NO_MENTIONS)
        if result.announce and channel is not None:
            more = len(result.added) - len(result.announce)
            for content, embeds in announcement_messages(result.announce, more=more, feed_title=feed.title):
                await channel.send(content=content, embeds=embeds, allowed_mentions=NO_MENTIONS)

    def _channel(self, channel_id: int | None, guild_id: int | None) -> discord.TextChannel | None:
        if channel_id is None:
            return None
        channel = self.bot.get_channel(channel_id)
        if not isinstance(channel, discord.TextChannel) or channel.guild.id != guild_id:
            return None  # deleted meanwhile, or not of this server
        return channel

    def _feeds(self) -> Feeds:
        if self.bot.feeds is None:
            raise FeedsOff("Following feeds is not enabled on this bot.")
        return self.bot.feeds

    @app_commands.command(name="add", description="Follow an RSS, Atom or JSON feed (or a site that links one).")
    @app_commands.describe(
        url="The feed's address, or a news site's page that links its feed",
        channel="Post new articles in this channel (default: none, they are only searchable)",
        include="Only items with one of these words (comma-separated)",
        exclude="No items with any of these words (comma-separated)",
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    async def add(
        self,
        interaction: discord.Interaction,
        url: app_commands.Range[str, 1, URL_MAX],
        channel: discord.TextChannel | None = None,
        include: app_commands.Range[str, 1, KEYWORDS_MAX] | None = None,
        exclude: app_commands.Range[str, 1, KEYWORDS_MAX] | None = None,
    ) -> None:
        """Follow a feed for this server; its first poll indexes what it holds without posting it."""
        guild_id = _guild_id(interaction)
        feeds = self._feeds()
        self.bot.fetches.check(guild_id)  # refused before the cooldown is charged
        self.bot.corpus_cooldown.hit(interaction.user.id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        filters = Filters(read_keywords(include), read_keywords(exclude))
        followed = await self.bot.fetches.run(
            guild_id, feeds.follow, url.strip(), guild_id=guild_id,
            channel_id=channel.id if channel is not None else None, filters=filters,
        )  # fmt: skip
        feeds.wake()
        await interaction.followup.send(
            followed_text(followed.feed, again=followed.again), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(name="list", description="The feeds this server follows and how they are doing.")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def list_feeds(self, interaction: discord.Interaction) -> None:
        """Reply (only to the caller) with each feed's state."""
        guild_id = _guild_id(interaction)
        listed = await asyncio.to_thread(self._feeds().list, guild_id=guild_id)
        await interaction.response.send_message(
            embed=render_feeds(listed, now=time.time()), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(name="remove", description="Stop following a feed (its articles stay).")
    @app_commands.describe(feed="Start typing its title or number")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def remove(self, interaction: discord.Interaction, feed: app_commands.Range[str, 1, 100]) -> None:
        """Stop following one of this server's feeds."""
        guild_id = _guild_id(interaction)
        removed = await asyncio.to_thread(self._feeds().unfollow, feed, guild_id=guild_id)
        await interaction.response.send_message(unfollowed_text(removed), ephemeral=True, allowed_mentions=NO_MENTIONS)

    @remove.autocomplete("feed")
    async def remove_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """This server's feeds matching what was typed (admins only)."""
        if self.bot.feeds is None or interaction.guild_id is None or not interaction.permissions.manage_guild:
            return []
        listed = await asyncio.to_thread(self.bot.feeds.list, guild_id=interaction.guild_id)
        return feed_choices(listed, current)


def _guild_id(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage
    return interaction.guild_id


async def setup(bot: NewsBot) -> None:
    """Register the cog."""
    await bot.add_cog(FeedsCog(bot))
