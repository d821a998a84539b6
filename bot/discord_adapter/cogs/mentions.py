"""Questions asked in messages: "@Bot question" anywhere, any message in an ask-channel, a DM, a
reply to one of the bot's answers, or a message in a thread the bot opened for an answer.

A reply, a DM and a thread continue a conversation (``bot.discord_adapter.conversations``): "and
Peskov?" replying to an answer about Vance asks what Peskov said."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import discord
from discord.ext import commands

from bot.discord_adapter.client import NewsBot
from bot.discord_adapter.cooldown import SlowDown
from bot.discord_adapter.errors import NO_MENTIONS, describe
from bot.discord_adapter.follow_up import answer_state, converse, send_exchange
from bot.discord_adapter.render import INTENT_HINT
from bot.models import Conversation

log = logging.getLogger(__name__)

RESULTS = 3
USER_MESSAGE_TYPES = frozenset({discord.MessageType.default, discord.MessageType.reply})
EMPTY_MENTION_HINT = "Ask me something after the mention, e.g. \u201c@me what did the minister announce?\u201d"


def strip_mention(content: str, user_id: int) -> str:
    """``content`` without mentions of ``user_id``, whitespace collapsed."""
    return " ".join(re.sub(rf"<@!?{user_id}>", " ", content).split())


def from_a_person(message: discord.Message, me_id: int) -> bool:
    """Whether ``message`` was typed by a person: not a bot, a webhook, an app's reply or a system message.

    Answering only people is what keeps two bots from answering each other forever.
    """
    return not (
        message.author.bot
        or message.author.id == me_id
        or message.webhook_id is not None
        or message.interaction_metadata is not None
        or message.type not in USER_MESSAGE_TYPES
    )


def _replied_to(message: discord.Message, me_id: int) -> int | None:
    """The id of our message that ``message`` replies to, or ``None``."""
    ref = message.reference
    if ref is None or ref.message_id is None or not isinstance(ref.resolved, discord.Message):
        return None
    return ref.message_id if ref.resolved.author.id == me_id else None


class Mentions(commands.Cog):
    """Answers mentions (as replies) and messages in ask-channels; never bots, never itself.

    Questions share the per-user cooldown of ``/ask``; a user over it is told once per window, and
    further messages inside the window are ignored (so spam gets no stream of refusals).
    """

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self._explained: set[int] = set()

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Decide whether ``message`` is a question for us, and answer it."""
        me = self.bot.user
        if me is None or not from_a_person(message, me.id):
            return
        book = self.bot.conversations
        replied = _replied_to(message, me.id)
        in_thread = book.is_our_thread(message.channel.id)
        if any(user.id == me.id for user in message.mentions):
            question = strip_mention(message.content, me.id)
            if not question:
                await self._reply_text(message, EMPTY_MENTION_HINT)
                return
        elif message.guild is None or replied is not None or in_thread or self.bot.store.is_ask_channel(
            message.channel.id
        ):
            question = " ".join(message.content.split())
            if not question:
                if message.guild is not None and not self.bot.message_content_intent:
                    await self._explain_intent(message)
                return
        else:
            return
        now = time.time()
        conversation, place = None, None
        if replied is not None:
            conversation = book.after_answer(replied, now)
        elif in_thread or message.guild is None:
            place = message.channel.id
            conversation = book.in_place(message.author.id, place, now)
        await self._answer(message, question, conversation, place)

    async def _answer(
        self, message: discord.Message, question: str, conversation: Conversation | None, place: int | None
    ) -> None:
        try:
            self.bot.ask_cooldown.hit(message.author.id)
        except SlowDown as exc:
            if self.bot.ask_cooldown.first_warning(message.author.id):
                await self._reply_text(message, str(exc))
            return
        guild_id = message.guild.id if message.guild is not None else None
        state = answer_state(self.bot, question, owner_id=message.author.id, guild_id=guild_id, per_page=RESULTS)

        async def send(**kwargs: Any) -> discord.Message:  # noqa: ANN401 - passed to Message.reply
            return await message.reply(allowed_mentions=NO_MENTIONS, mention_author=False, **kwargs)

        try:
            async with message.channel.typing():
                exchange = await converse(self.bot, question, conversation, guild_id=guild_id, per_page=RESULTS)
                await send_exchange(self.bot, send, exchange, state, place=place)
        except Exception as exc:
            text, expected = describe(exc)
            if not expected:
                log.error("answering message %s failed", message.id, exc_info=exc)
            await self._reply_text(message, text)

    async def _explain_intent(self, message: discord.Message) -> None:
        """Say once per channel (per run) why ask-channel messages cannot be read."""
        if message.channel.id in self._explained:
            return
        self._explained.add(message.channel.id)
        await self._reply_text(message, INTENT_HINT)

    async def _reply_text(self, message: discord.Message, text: str) -> None:
        try:
            await message.reply(text, allowed_mentions=NO_MENTIONS, mention_author=False)
        except discord.HTTPException:
            log.warning("could not reply to message %s", message.id, exc_info=True)


async def setup(bot: NewsBot) -> None:
    """Register the cog."""
    await bot.add_cog(Mentions(bot))
