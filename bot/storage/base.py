"""The store interface the rest of the bot depends on, and its value types.

SQLite (``bot.storage.sqlite``) is the embedded default. The interface is small and
transaction-per-call so that a shared PostgreSQL store can implement it for several bot processes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.errors import NewsBotError
from bot.models import ArticleMeta


class DuplicateArticle(NewsBotError):
    """The same article text is already in this server's corpus (or the global one)."""


class StoreError(NewsBotError):
    """The store cannot be opened or is of a newer schema than this program knows."""


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """An article added at run time. ``guild_id`` is ``None`` for the corpus every server sees."""

    meta: ArticleMeta
    text: str
    guild_id: int | None
    sha256: str
    added_by: int | None = None
    added_at: str = ""


class ArticleStore(Protocol):
    """Where added articles live; every method is one transaction."""

    def add_article(self, article: StoredArticle) -> None:
        """Insert the article; raises ``DuplicateArticle`` if its text or id is already there."""
        ...

    def remove_article(self, article_id: str, *, guild_id: int | None) -> StoredArticle:
        """Delete an article of ``guild_id`` (``None``: global); raises ``ArticleNotFound``."""
        ...

    def list_articles(self, *, guild_id: int | None) -> list[StoredArticle]:
        """The articles added for one server (``None``: the global ones), oldest first."""
        ...

    def all_articles(self) -> list[StoredArticle]:
        """Every added article of every server, oldest first."""
        ...

    def change_mark(self) -> int:
        """A number that differs from the last one whenever another connection (another process)
        has committed a change since: polled every few seconds, so it must cost next to nothing.
        SQLite reads ``PRAGMA data_version``; PostgreSQL a change counter its writes move."""
        ...

    def on_change(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (from another thread) as soon as another process changes the store,
        where the store can tell (PostgreSQL); else never: ``change_mark`` is polled."""
        ...

    def article_keys(self) -> dict[str, int | None]:
        """Every stored article's id and server (``None``: global), without the texts: what a
        process compares with what it has loaded to find the changes another one made."""
        ...

    def get_articles(self, ids: Sequence[str]) -> list[StoredArticle]:
        """The stored articles among ``ids`` (those since removed are left out), oldest first."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...
