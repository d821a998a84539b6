"""``/ask``: a question answered with cited, verbatim excerpts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_adapter.client import NewsBot
from bot.discord_adapter.errors import NO_MENTIONS
from bot.discord_adapter.follow_up import answer_state, converse, send_exchange
from bot.models import MAX_QUESTION_CHARS

DATE_MAX = 40


class Ask(commands.Cog):
    """The ``/ask`` command."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot

    @app_commands.command(name="ask", description="Ask a question; I answer with cited sentences from the articles.")
    @app_commands.describe(
        question="What do you want to know?",
        results="How many excerpts per page (1-5)",
        since="Only articles published on or after this date (2025-05-01, May 2025, 2020, last week)",
        until="Only articles published on or before this date (2025-05-31, May 2025, 2020)",
        private="Only you see the answer (default: everyone in the channel)",
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_QUESTION_CHARS],
        results: app_commands.Range[int, 1, 5] = 3,
        since: app_commands.Range[str, 1, DATE_MAX] | None = None,
        until: app_commands.Range[str, 1, DATE_MAX] | None = None,
        private: bool = False,
    ) -> None:
        """Defer, answer off the event loop (over this server's corpus), reply with the first page and its buttons.

        A user asking again within the cooldown gets a private "slow down" instead; a ``since`` or
        ``until`` that is not a date gets a private one-line reason. ``private``: only the asker sees
        the answer (and its buttons). The answer starts a conversation: replies to it and its "Follow
        up" button continue it.
        """
        self.bot.ask_cooldown.hit(interaction.user.id)
        today = dt.date.today()
        first, last = self.bot.service.read_bounds(since, until, today=today)  # before deferring: a quick refusal
        await interaction.response.defer(thinking=True, ephemeral=private)
        exchange = await converse(
            self.bot, question, None, guild_id=interaction.guild_id, per_page=results, since=first, until=last
        )
        state = answer_state(
            self.bot, question, owner_id=interaction.user.id, guild_id=interaction.guild_id, per_page=results,
            today=today, since=first, until=last,
        )  # fmt: skip

        async def send(**kwargs: Any) -> discord.WebhookMessage:  # noqa: ANN401 - passed to followup.send
            return await interaction.followup.send(ephemeral=private, allowed_mentions=NO_MENTIONS, wait=True, **kwargs)

        await send_exchange(self.bot, send, exchange, state)

async def setup(bot: NewsBot) -> None:
    """Register the cog."""
    await bot.add_cog(Ask(bot))
