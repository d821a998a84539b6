"""What the feed core needs from a store (``bot.storage.feeds.SqlFeedStore`` on SQLite; a shared
PostgreSQL store can offer the same methods). Every method is one transaction."""

from __future__ import annotations

from typing import Protocol

from bot.feeds.models import Feed, Filters
from bot.storage.base import StoredArticle


class FeedStore(Protocol):
    """Followed feeds, items taken, leases."""

    def add_feed(
        self, *, guild_id: int | None, url: str, title: str, channel_id: int | None, filters: Filters,
        interval_s: int, now: float,
    ) -> Feed:  # fmt: skip
        """Follow a feed (again: update it and switch it back on)."""
        ...

    def remove_feed(self, feed_id: int, *, guild_id: int | None) -> Feed:
        """Stop following a feed; raises ``FeedError``."""
        ...

    def feeds(self, *, guild_id: int | None) -> list[Feed]:
        """The feeds of one server (``None``: those for every server)."""
        ...

    def all_feeds(self) -> list[Feed]:
        """Every feed."""
        ...

    def feed(self, feed_id: int) -> Feed | None:
        """One feed, or ``None``."""
        ...

    def due_feeds(self, now: float) -> list[Feed]:
        """Enabled feeds due for a poll."""
        ...

    def acquire_lease(self, feed_id: int, *, holder: str, now: float, ttl_s: float) -> bool:
        """Take the right to poll a feed; ``False`` while another holder has it."""
        ...

    def release_lease(self, feed_id: int, *, holder: str) -> None:
        """Give the right back."""
        ...

    def seen_keys(self, feed_id: int, keys: list[str]) -> set[str]:
        """Keys of items already taken from the feed."""
        ...

    def link_taken(self, link: str, *, guild_id: int | None) -> bool:
        """Whether an article at this link came from another feed of this server (or every server)."""
        ...

    def text_taken(self, sha256: str, *, guild_id: int | None) -> bool:
        """Whether an article with this text digest is already stored for this server (or every server)."""
        ...

    def take_item(self, feed_id: int, key: str, *, link: str | None, article: StoredArticle | None) -> bool:
        """Mark an item seen and store its article in one transaction; ``False`` if already there."""
        ...

    def record_poll(
        self, feed_id: int, *, ok: bool, next_poll: float, now: float, etag: str | None = None,
        last_modified: str | None = None, title: str | None = None, error: str | None = None,
        failures: int = 0, disabled: bool = False,
    ) -> None:  # fmt: skip
        """Store a poll's outcome."""
        ...

    def feed_articles_before(self, published_before: str) -> list[tuple[str, int | None]]:
        """Feed articles published before an ISO date."""
        ...

    def drop_article(self, article_id: str, *, guild_id: int | None) -> None:
        """Delete a feed article (its item stays seen)."""
        ...
