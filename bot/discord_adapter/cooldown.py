"""Per-user cooldowns for questions and corpus changes (pure: the clock is passed in).

One action per user per ``seconds``; a refused attempt does not extend the wait. ``seconds == 0``
turns the cooldown off. Old entries are dropped as they expire, so memory stays bounded by the
users active within one window.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from bot.errors import NewsBotError


class SlowDown(NewsBotError):
    """The user acted again before the cooldown ran out."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(f"Slow down a little: try again in {max(1, math.ceil(retry_after))} s.")


class Cooldown:
    """Remembers when each user last acted and refuses a new action inside the window."""

    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        if seconds < 0:
            raise ValueError("a cooldown cannot be negative")
        self.seconds = seconds
        self._clock = clock
        self._last: dict[int, float] = {}
        self._warned: set[int] = set()

    def retry_after(self, user_id: int) -> float:
        """Seconds until ``user_id`` may act again (0: now)."""
        last = self._last.get(user_id)
        if last is None or self.seconds == 0:
            return 0.0
        return max(0.0, last + self.seconds - self._clock())

    def hit(self, user_id: int) -> None:
        """Record an action by ``user_id``, or raise ``SlowDown`` if it is too soon."""
        if self.seconds == 0:
            return
        now = self._clock()
        self._forget_expired(now)
        wait = self.retry_after(user_id)
        if wait > 0:
            raise SlowDown(wait)
        self._last[user_id] = now
        self._warned.discard(user_id)

    def first_warning(self, user_id: int) -> bool:
        """True once per window: whether a refused ``user_id`` should be told (not on every message)."""
        if user_id in self._warned:
            return False
        self._warned.add(user_id)
        return True

    def _forget_expired(self, now: float) -> None:
        if len(self._last) < 1024:
            return
        expired = [user for user, last in self._last.items() if now - last >= self.seconds]
        for user in expired:
            del self._last[user]
            self._warned.discard(user)
