"""Values of the feed core: a parsed feed and its items, a followed feed, and what a poll did."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import NewsBotError
from bot.models import ArticleMeta, Published

DEFAULT_INTERVAL_S = 15 * 60
MIN_INTERVAL_S = 5 * 60


class FeedError(NewsBotError):
    """A feed cannot be read, followed or found; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One entry of a feed. ``key`` is its id (or link, or a digest of title and text when it has
    neither); ``text`` is the feed's own text for it (HTML removed), ``full`` tells whether that
    text is the whole article (a ``content`` element) or only a summary."""

    key: str
    title: str
    link: str | None
    published: Published | None
    author: str | None
    text: str
    full: bool


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed as read: its title and site link and its items, newest first as the feed lists them."""

    title: str
    link: str | None
    items: tuple[FeedItem, ...]


@dataclass(frozen=True, slots=True)
class Filters:
    """Keywords (MonitoRSS style): an item is taken if it holds one of ``include`` (or ``include`` is
    empty) and none of ``exclude``; matched in title and text, case-insensitively, as whole words."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Feed:
    """A followed feed and its polling state (times are UNIX seconds)."""

    id: int
    guild_id: int | None  # None: followed for every server (from the command line)
    url: str
    title: str
    channel_id: int | None
    filters: Filters
    interval_s: int
    etag: str | None
    last_modified: str | None
    next_poll: float
    last_success: float | None
    last_error: str | None
    failures: int
    disabled: bool
    primed: bool  # its first poll is done: later items are announced
    taken: int  # articles taken from it


@dataclass(frozen=True, slots=True)
class Announcement:
    """A new article to post: its metadata and its first sentences (a short extractive summary)."""

    meta: ArticleMeta
    sentences: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PollResult:
    """What one poll of one feed did. ``announce`` holds the new articles to post (none on a first
    poll, a filtered item or without a channel); ``disabled`` says the feed was switched off now,
    with ``error`` saying why."""

    feed: Feed
    added: tuple[ArticleMeta, ...] = ()
    announce: tuple[Announcement, ...] = ()
    skipped: int = 0  # items already seen, filtered out, too old or duplicates of another article
    not_modified: bool = False
    error: str | None = None
    disabled: bool = False
    wire_bytes: int = 0
