"""Conversations kept in memory for Discord: which earlier answers a follow-up question reads.

A conversation continues in a reply to one of the bot's answers (the conversation of that answer),
in a thread the bot opened for an answer (the asker's own turns there, starting from that answer),
and in a direct message (the person's turns there). Everything lives in memory, bounded: the
oldest entries go first, and a conversation idle for 30 minutes starts over
(``Conversation.current``). Nothing is written to disk.
"""

from __future__ import annotations

from collections import OrderedDict

from bot.models import Conversation

DEFAULT_LIMIT = 20_000


class ConversationBook:
    """Conversations by answer message, by (person, place), and the threads opened for answers."""

    def __init__(self, *, limit: int = DEFAULT_LIMIT) -> None:
        self._limit = limit
        self._entries: OrderedDict[tuple[str, int, int], Conversation] = OrderedDict()
        self._threads: OrderedDict[int, int] = OrderedDict()  # answer message id -> thread id
        self._thread_answers: dict[int, int] = {}  # thread id -> answer message id

    def _get(self, key: tuple[str, int, int], now: float) -> Conversation | None:
        found = self._entries.get(key)
        if found is None:
            return None
        current = found.current(now)
        if not current.turns:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return current

    def _put(self, key: tuple[str, int, int], conversation: Conversation) -> None:
        self._entries[key] = conversation
        self._entries.move_to_end(key)
        while len(self._entries) > self._limit:
            self._entries.popitem(last=False)

    def after_answer(self, message_id: int, now: float) -> Conversation | None:
        """The conversation an answer message ended, or ``None`` when unknown or idle."""
        return self._get(("message", message_id, 0), now)

    def in_place(self, user_id: int, channel_id: int, now: float) -> Conversation:
        """A person's conversation in a DM or a thread (a thread starts from the answer it was opened for)."""
        own = self._get(("place", channel_id, user_id), now)
        if own is not None:
            return own
        answer = self._thread_answers.get(channel_id)
        if answer is not None:
            return self.after_answer(answer, now) or Conversation()
        return Conversation()

    def remember(
        self,
        conversation: Conversation,
        *,
        message_id: int | None = None,
        user_id: int | None = None,
        channel_id: int | None = None,
    ) -> None:
        """Keep ``conversation`` for replies to the answer ``message_id`` and for the person's next
        message in ``channel_id`` (a DM or one of our threads)."""
        if message_id is not None:
            self._put(("message", message_id, 0), conversation)
        if user_id is not None and channel_id is not None:
            self._put(("place", channel_id, user_id), conversation)

    def open_thread(self, answer_message_id: int, thread_id: int) -> None:
        """Record the thread opened for an answer: its messages follow on from that answer."""
        self._threads[answer_message_id] = thread_id
        self._thread_answers[thread_id] = answer_message_id
        while len(self._threads) > self._limit:
            _answer, thread = self._threads.popitem(last=False)
            self._thread_answers.pop(thread, None)

    def thread_for(self, answer_message_id: int) -> int | None:
        """The thread already opened for an answer, if any."""
        return self._threads.get(answer_message_id)

    def is_our_thread(self, channel_id: int) -> bool:
        """Whether ``channel_id`` is a thread the bot opened for an answer."""
        return channel_id in self._thread_answers
