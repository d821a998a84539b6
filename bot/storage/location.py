"""Where the stored state is: SQLite files in the data folder (the embedded default), or one
PostgreSQL database that every process of the bot shares (``NEWSBOT_DATABASE_URL``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.storage.articles import SqlArticleStore
from bot.storage.db import Database

if TYPE_CHECKING:
    from bot.discord_adapter.store import BotStore

ARTICLES_FILE = "articles.sqlite3"


@dataclass(frozen=True, slots=True)
class StoreLocation:
    """``database_url`` set: PostgreSQL; else the SQLite files ``articles.sqlite3`` (articles and
    feeds) and ``discord.sqlite3`` (the Discord front end's state) in ``data_dir``."""

    data_dir: Path
    database_url: str | None = None

    @property
    def shared(self) -> bool:
        """Whether the state is in a database server (reachable from several machines)."""
        return self.database_url is not None

    @property
    def articles_path(self) -> Path:
        """The SQLite file of the articles (not used with PostgreSQL)."""
        return self.data_dir / ARTICLES_FILE

    def describe(self) -> str:
        """For messages: the URL without its password, or the data folder."""
        if self.database_url is not None:
            from bot.storage.postgres import redact

            return redact(self.database_url)
        return str(self.data_dir)

    def has_articles(self) -> bool:
        """Whether an article store may hold something: a database always; SQLite once its file exists."""
        return self.shared or self.articles_path.exists()

    def open_database(self, *, read_only: bool = False) -> Database:
        """A new connection to where the articles are (``read_only``: no schema upgrade, and for
        SQLite no write at all)."""
        if self.database_url is not None:
            from bot.storage.postgres import PostgresDatabase

            return PostgresDatabase(self.database_url, topic="articles", read_only=read_only)
        from bot.storage.sqlite import SqliteDatabase

        return SqliteDatabase(self.articles_path, read_only=read_only)

    def open_articles(self, *, read_only: bool = False) -> SqlArticleStore:
        """The article store (created or migrated unless ``read_only``)."""
        db = self.open_database(read_only=read_only)
        try:
            return SqlArticleStore(db)
        except BaseException:
            db.close()
            raise

    def has_bot_store(self) -> bool:
        """Whether the Discord front end's state may exist yet."""
        from bot.discord_adapter.store import FILE_NAME

        return self.shared or (self.data_dir / FILE_NAME).exists()

    def open_bot_store(self) -> BotStore:
        """The Discord front end's state (ask-channels, votes, questions, answers, IDENTIFY turns)."""
        from bot.discord_adapter.store import BotStore

        if self.database_url is not None:
            from bot.storage.postgres import PostgresDatabase

            return BotStore.on(PostgresDatabase(self.database_url, topic="discord"))
        return BotStore.open(self.data_dir)
