"""Adding and removing articles at run time, per server, kept in the store and the live index.

``Library`` is what the front ends call for ``/corpus add|remove|list`` and
``python -m bot corpus ...``. The store is the source of truth: an article is first committed
to the store (one transaction, so it is either fully in or fully out), then added to the
service's live index. At start-up every stored article is loaded into the service again, so a
crash between the two steps loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.errors import ArticleNotFound, CorpusError
from bot.ingest.fetch import FetchedPage, FetchPolicy, fetch
from bot.ingest.loaders import clean_article, scrub_meta
from bot.ingest.sources import article_from_html, article_from_upload, text_digest
from bot.models import Article, ArticleMeta
from bot.service import NewsService
from bot.storage.base import ArticleStore, DuplicateArticle, StoredArticle

Fetcher = Callable[[str, FetchPolicy], FetchedPage]
_log = logging.getLogger(__name__)


def id_prefix(guild_id: int | None) -> str:
    """Article ids of a server start with ``g<id>/``; global additions with ``added/``."""
    return "added" if guild_id is None else f"g{guild_id}"


class Library:
    """Run-time corpus management over a store and a live ``NewsService``."""

    def __init__(
        self,
        service: NewsService,
        store: ArticleStore,
        *,
        fetch_policy: FetchPolicy | None = None,
        fetcher: Fetcher = fetch,
    ) -> None:
        self._service = service
        self._store = store
        self._policy = fetch_policy or FetchPolicy()
        self._fetch = fetcher

    @property
    def store(self) -> ArticleStore:
        """The store the articles are kept in (feeds keep their state beside them)."""
        return self._store

    def load_stored(self, *, warn: Callable[[str], None] | None = None) -> int:
        """Put every stored article into the service's index (at start-up); returns how many.

        An article that cannot be indexed (no text, or an id the corpus already has, such as a
        shipped article's) is skipped and named in a one-line ``warn`` (default: logged); the
        bot still starts. Fields are cleaned as at ingest (rows stored by older versions).
        """
        warn = warn or _log.warning
        loaded = 0
        for item in self._store.all_articles():
            try:
                self._service.add_article(clean_article(Article(item.meta, item.text)), guild_id=item.guild_id)
            except CorpusError as exc:
                where = "every server" if item.guild_id is None else f"server {item.guild_id}"
                warn(f"skipped the stored article {item.meta.id!r} ({item.meta.title!r}, for {where}): {exc}")
            else:
                loaded += 1
        return loaded

    def add_file(self, filename: str, data: bytes, *, guild_id: int | None, user_id: int | None = None) -> ArticleMeta:
        """Add an uploaded ``.txt``/``.md``/``.html`` file; raises ``CorpusError``/``DuplicateArticle``."""
        article = article_from_upload(filename, data, id_prefix=id_prefix(guild_id))
        return self._add(article, guild_id=guild_id, user_id=user_id)

    def add_url(self, url: str, *, guild_id: int | None, user_id: int | None = None) -> ArticleMeta:
        """Fetch a news page and add its article; raises ``FetchError``/``CorpusError``/``DuplicateArticle``."""
        page = self._fetch(url, self._policy)
        text = page.text()
        prefix = id_prefix(guild_id)
        if page.content_type == "text/plain":
            article = article_from_upload("page.txt", text.encode("utf-8"), id_prefix=prefix)
            article = Article(
                ArticleMeta(article.meta.id, article.meta.title, page.url, article.meta.published, None), article.text
            )
        else:
            article = article_from_html(text, url=page.url, id_prefix=prefix)
        return self._add(article, guild_id=guild_id, user_id=user_id)

    def remove(self, ref: str, *, guild_id: int | None, user_id: int | None = None) -> ArticleMeta:
        """Remove an added article of this server by id or title; shipped articles cannot be removed."""
        candidates = [s for s in self._store.list_articles(guild_id=guild_id) if _matches(s, ref)]
        if not candidates:
            raise ArticleNotFound(f"no article added to this corpus matches {ref!r}")
        if len(candidates) > 1:
            titles = "; ".join(s.meta.title for s in candidates[:5])
            raise CorpusError(f"{ref!r} matches {len(candidates)} added articles ({titles}); use the id")
        removed = self._store.remove_article(candidates[0].meta.id, guild_id=guild_id)
        self._service.remove_article(removed.meta.id)
        _log.info("corpus: removed %s (%r) for %s, asked by %s", removed.meta.id, removed.meta.title,
                  _where(guild_id), _who(user_id))  # fmt: skip
        return removed.meta

    def list(self, *, guild_id: int | None) -> list[ArticleMeta]:
        """Articles added to this server (``None``: added for every server), oldest first."""
        return [scrub_meta(s.meta) for s in self._store.list_articles(guild_id=guild_id)]

    def _add(self, article: Article, *, guild_id: int | None, user_id: int | None) -> ArticleMeta:
        article = clean_article(article)  # a fetched page's address too: no terminal escape is stored
        digest = text_digest(article.text)
        if any(s.sha256 == digest for s in self._store.list_articles(guild_id=None)):
            raise DuplicateArticle(f"{article.meta.title!r} is already in the corpus every server sees")
        self._store.add_article(
            StoredArticle(meta=article.meta, text=article.text, guild_id=guild_id, sha256=digest, added_by=user_id)
        )
        try:
            self._service.add_article(article, guild_id=guild_id)
        except Exception:
            # Keep store and index in step: the article is either fully in or fully out.
            self._store.remove_article(article.meta.id, guild_id=guild_id)
            raise
        _log.info("corpus: added %s (%r) for %s, asked by %s", article.meta.id, article.meta.title,
                  _where(guild_id), _who(user_id))  # fmt: skip
        return article.meta


def _where(guild_id: int | None) -> str:
    return "every server" if guild_id is None else f"server {guild_id}"


def _who(user_id: int | None) -> str:
    """Who asked for a corpus change: a Discord user, or the command line (no user id)."""
    return "the command line" if user_id is None else f"Discord user {user_id}"


def _matches(stored: StoredArticle, ref: str) -> bool:
    key = " ".join(ref.split()).casefold()
    return stored.meta.id.casefold() == key or stored.meta.title.casefold() == key or (
        len(key) >= 3 and stored.meta.title.casefold().startswith(key)
    )
