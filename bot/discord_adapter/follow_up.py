"""Follow-up questions on Discord: answering a question as the next turn of a conversation, and
the "Follow up" button under answers (a thread opened for the answer, or a form where threads are
not allowed: a DM, a thread already, or no permission)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord

from bot.discord_adapter.errors import NO_MENTIONS, describe, send_ephemeral
from bot.discord_adapter.render import clip, render_answer
from bot.discord_adapter.views import needs_view
from bot.models import MAX_QUESTION_CHARS
from bot.retrieval.conversation import Conversation, Exchange

if TYPE_CHECKING:
    from bot.discord_adapter.client import NewsBot

log = logging.getLogger(__name__)

THREAD_NAME_LIMIT = 100
THREAD_HINT = (
    "Ask follow-up questions here (\u201cand Peskov?\u201d, \u201cwhat else did he say?\u201d, \u201cwhen was "
    "that?\u201d, \u201cmore\u201d): I read them as following the answer above. The conversation ends after "
    "30 idle minutes."
)
ENDED = "This answer's conversation has ended (30 idle minutes, or I restarted): ask a whole question."

Send = Callable[..., Awaitable[Any]]


async def converse(
    bot: NewsBot,
    question: str,
    conversation: Conversation | None,
    *,
    guild_id: int | None,
    per_page: int,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> Exchange:
    """Answer ``question`` as the next turn of ``conversation``, off the event loop."""
    return await asyncio.to_thread(
        bot.service.converse, question, conversation, top=per_page * bot.result_pages, guild_id=guild_id,
        since=since, until=until, today=dt.date.today(),
    )  # fmt: skip


async def send_exchange(
    bot: NewsBot,
    send: Send,
    exchange: Exchange,
    *,
    owner_id: int,
    guild_id: int | None,
    per_page: int,
    place: int | None = None,
) -> discord.Message | discord.WebhookMessage:
    """Post an answer with ``send`` (buttons when it has excerpts) and keep its conversation for
    replies to it, and for the owner's next message in ``place`` (a DM or one of our threads)."""
    answer = exchange.answer
    if needs_view(answer):
        view = bot.answer_view(answer, owner_id=owner_id, per_page=per_page, guild_id=guild_id)
        message = await send(embed=view.embed(), view=view, allowed_mentions=NO_MENTIONS)
        view.message = message
    else:
        message = await send(embed=render_answer(answer), allowed_mentions=NO_MENTIONS)
    if message is not None:
        bot.conversations.remember(
            exchange.conversation, message_id=message.id, user_id=owner_id if place else None, channel_id=place
        )
    return message


async def follow_up(bot: NewsBot, interaction: discord.Interaction) -> None:
    """The "Follow up" button: open (or point to) a thread for the answer, or else ask in a form."""
    message = interaction.message
    if message is None or bot.conversations.after_answer(message.id, time.time()) is None:
        await send_ephemeral(interaction, ENDED)
        return
    existing = bot.conversations.thread_for(message.id)
    if existing is not None:
        await interaction.response.send_message(
            f"Ask your follow-up in <#{existing}>.", ephemeral=True, allowed_mentions=NO_MENTIONS
        )
        return
    if interaction.guild is not None and isinstance(interaction.channel, discord.TextChannel):
        title = message.embeds[0].title if message.embeds and message.embeds[0].title else "answer"
        try:
            thread = await message.create_thread(
                name=clip(f"Follow-up: {title}", THREAD_NAME_LIMIT), auto_archive_duration=60
            )
        except discord.HTTPException as exc:  # no permission to create threads here: the form instead
            log.info("no thread for answer %s (%s): asking in a form", message.id, exc.status)
        else:
            bot.conversations.open_thread(message.id, thread.id)
            await interaction.response.send_message(
                f"Ask your follow-up in {thread.mention}.", ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            await thread.send(THREAD_HINT, allowed_mentions=NO_MENTIONS)
            return
    await interaction.response.send_modal(FollowUpForm(bot, answer_id=message.id))


class FollowUpForm(discord.ui.Modal, title="Follow-up question"):
    """A follow-up typed into a form, answered as the next turn of the answer's conversation."""

    question: discord.ui.TextInput[FollowUpForm] = discord.ui.TextInput(
        label="Your follow-up question",
        placeholder="and Peskov? / when was that? / more",
        max_length=MAX_QUESTION_CHARS,
    )

    def __init__(self, bot: NewsBot, *, answer_id: int) -> None:
        super().__init__(timeout=600.0)
        self.bot = bot
        self.answer_id = answer_id

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Answer the question in the channel, as a follow-up of the answer the form was opened on."""
        self.bot.ask_cooldown.hit(interaction.user.id)
        await interaction.response.defer(thinking=True)
        conversation = self.bot.conversations.after_answer(self.answer_id, time.time())
        exchange = await converse(
            self.bot, str(self.question.value), conversation, guild_id=interaction.guild_id, per_page=3
        )
        place = interaction.channel_id if interaction.guild_id is None else None

        async def send(**kwargs: Any) -> discord.WebhookMessage:  # noqa: ANN401 - passed to followup.send
            return await interaction.followup.send(wait=True, **kwargs)

        await send_exchange(
            self.bot, send, exchange, owner_id=interaction.user.id, guild_id=interaction.guild_id, per_page=3,
            place=place,
        )  # fmt: skip

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        """Tell the asker (only) what went wrong, in one line; log what was not expected."""
        text, expected = describe(error)
        if not expected:
            log.error("follow-up form failed", exc_info=error)
        await send_ephemeral(interaction, text)
