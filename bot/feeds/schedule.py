"""Pure rules of polling: when to poll next, when to give up on a feed, which items to take."""

from __future__ import annotations

import random
import re

from bot.feeds.models import FeedItem, Filters

MAX_BACKOFF_S = 24 * 3600
JITTER = 0.1  # each wait is stretched by up to this share, so feeds added together drift apart


def next_poll_after_success(now: float, interval_s: int, rng: random.Random) -> float:
    """The next poll time after a good poll: the interval plus up to 10 % jitter."""
    return now + interval_s * (1 + rng.random() * JITTER)


def next_poll_after_failure(now: float, interval_s: int, failures: int, rng: random.Random) -> float:
    """Exponential backoff: the interval doubled per consecutive failure (``failures`` >= 1), at most a day."""
    wait = min(interval_s * 2 ** max(0, failures - 1), MAX_BACKOFF_S)
    return now + wait * (1 + rng.random() * JITTER)


def passes(item: FeedItem, filters: Filters) -> bool:
    """Whether ``item`` is taken under ``filters`` (keywords matched as whole words, any case)."""
    if not (filters.include or filters.exclude):
        return True
    haystack = f"{item.title}\n{item.text}"
    if filters.include and not any(_has_word(haystack, w) for w in filters.include):
        return False
    return not any(_has_word(haystack, w) for w in filters.exclude)


def read_keywords(text: str | None) -> tuple[str, ...]:
    """Keywords written as ``a, b c, "d"``: comma-separated, trimmed, case kept, duplicates dropped."""
    if not text:
        return ()
    words = [" ".join(part.strip().strip("\"'").split()) for part in text.split(",")]
    return tuple(dict.fromkeys(w for w in words if w))[:25]


def _has_word(haystack: str, word: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", haystack, re.IGNORECASE) is not None
