"""Follow-up questions on Discord: answering a question as the next turn of a conversation, and
the "Follow up" button under answers (a thread opened for the answer, or a form where threads are
not allowed: a DM, a thread already, or no permission)."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord

from bot.discord_adapter.errors import NO_MENTIONS, describe, send_ephemeral
from bot.discord_adapter.render import clip
from bot.discord_adapter.store import AnswerState
from bot.models import MAX_QUESTION_CHARS, Answer, Conversation, Exchange

if TYPE_CHECKING:
    from bot.discord_adapter.client import NewsBot

log = logging.getLogger(__name__)

THREAD_NAME_LIMIT = 100
THREAD_HINT = (
    "Ask follow-up questions here (\u201cand Peskov?\u201d, \u201cwhat else did he say?\u201d, \u201cwhen was "
    "that?\u201d, \u201cmore\u201d): I read them as following the answer above. The conversation ends after "
    "30 idle minutes."
)
ENDED = "This answer can no longer be followed up: ask a whole question."
RESULTS = 3  # excerpts per page of an answer to a follow-up

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
    state: AnswerState,
    *,
    place: int | None = None,
) -> discord.Message | discord.WebhookMessage | None:
    """Post an answer with ``send`` (its buttons saved as ``state``, re-asked with the question as
    understood) and keep its conversation for replies to it, and for the asker's next message in
    ``place`` (a DM or one of our threads)."""
    answer = exchange.answer
    state = dataclasses.replace(state, question=answer.understood or state.question)
    embed, view = await bot.reply_parts(answer, state)
    message = await (send(embed=embed, view=view) if view is not None else send(embed=embed))
    if message is not None:
        bot.conversations.remember(
            exchange.conversation, message_id=message.id, user_id=state.owner_id if place else None, channel_id=place
        )
    return message


def answer_state(
    bot: NewsBot, question: str, *, owner_id: int, guild_id: int | None, per_page: int, today: dt.date | None = None,
    since: dt.date | None = None, until: dt.date | None = None,
) -> AnswerState:  # fmt: skip
    """What an answer's buttons need to work after a restart."""
    return AnswerState(
        source="ask", question=question, top=per_page * bot.result_pages, per_page=per_page, guild_id=guild_id,
        owner_id=owner_id, today=today or dt.date.today(), since=since, until=until,
    )  # fmt: skip


async def follow_up(bot: NewsBot, interaction: discord.Interaction, answer: Answer) -> None:
    """The "Follow up" button under ``answer``: open (or point to) a thread for it, or else ask in a
    form. After a restart, the conversation starts from the answer the button is under."""
    message = interaction.message
    if message is None:
        await send_ephemeral(interaction, ENDED)
        return
    now = time.time()
    if bot.conversations.after_answer(message.id, now) is None:
        bot.conversations.remember(bot.service.conversation_after(answer, at=now), message_id=message.id)
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
        question = str(self.question.value)
        exchange = await converse(self.bot, question, conversation, guild_id=interaction.guild_id, per_page=RESULTS)
        place = interaction.channel_id if interaction.guild_id is None else None

        async def send(**kwargs: Any) -> discord.WebhookMessage:  # noqa: ANN401 - passed to followup.send
            return await interaction.followup.send(wait=True, allowed_mentions=NO_MENTIONS, **kwargs)

        state = answer_state(
            self.bot, question, owner_id=interaction.user.id, guild_id=interaction.guild_id, per_page=RESULTS
        )
        await send_exchange(self.bot, send, exchange, state, place=place)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        """Tell the asker (only) what went wrong, in one line; log what was not expected."""
        text, expected = describe(error)
        if not expected:
            log.error("follow-up form failed", exc_info=error)
        await send_ephemeral(interaction, text)
