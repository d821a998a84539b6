"""Adding and removing articles at run time, per server, kept in the store and the live index.

``Library`` is what the front ends call for ``/corpus add|remove|list`` and
``python -m bot corpus ...``. The store is the source of truth: an article is first committed
to the store (one transaction, so it is either fully in or fully out), then added to the
service's live index. At start-up every stored article is loaded into the service again, so a
crash between the two steps loses nothing. ``sync`` brings in what other processes sharing the
store (``python -m bot corpus add`` beside a running bot) added or removed since.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.errors import ArticleNotFound, CorpusError
from bot.ingest.fetch import FetchedPage, FetchPolicy, fetch
from bot.ingest.loaders import clean_article, scrub_meta
from bot.ingest.sources import article_from_html, article_from_upload, id_prefix, text_digest
from bot.models import Article, ArticleMeta
from bot.service import NewsService
from bot.storage.base import ArticleStore, DuplicateArticle, StoredArticle

Fetcher = Callable[[str, FetchPolicy], FetchedPage]
_log = logging.getLogger(__name__)


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
        # The stored articles this process has seen (id -> server), whether the service took them or
        # skipped them, and the store's change mark when they were read: ``sync`` works from these.
        self._known: dict[str, int | None] = {}
        self._skipped: set[str] = set()  # of those, the ones the service refused (their id may be a shipped one's)
        self._mark: int | None = None
        self._lock = threading.Lock()  # one change at a time: an add, a remove or a sync

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
        with self._lock:
            self._mark = self._store.change_mark()  # read first: a change committed after it shows next time
            return self._load(self._store.all_articles(), warn or _log.warning)

    def sync(self, *, warn: Callable[[str], None] | None = None) -> SyncResult:
        """Apply what other processes added to or removed from the store since the last look.

        Costs one ``change_mark`` call when nothing changed, so a front end may call it every few
        seconds (or before every question). Skipped articles are named in ``warn`` as at start-up.
        """
        if self._store.change_mark() == self._mark:
            return SyncResult()
        with self._lock:
            self._mark = self._store.change_mark()
            keys = self._store.article_keys()
            gone = [k for k in self._known if k not in keys]
            for article_id in gone:
                self._forget(article_id)
            new = self._store.get_articles([k for k in keys if k not in self._known])
            added = self._load(new, warn or _log.warning)
        return SyncResult(added=added, removed=len(gone))

    def stored_articles(self, ids: Sequence[str]) -> dict[str, Article]:
        """The stored articles among ``ids`` as the service indexes them (for a compaction's replay)."""
        return {s.meta.id: clean_article(Article(s.meta, s.text)) for s in self._store.get_articles(ids)}

    def _forget(self, article_id: str) -> None:
        """A stored article is gone: hide it, unless it was never indexed (then the id may be a
        shipped article's, which stays)."""
        self._known.pop(article_id, None)
        if article_id in self._skipped:
            self._skipped.discard(article_id)
            return
        with contextlib.suppress(ArticleNotFound):
            self._service.remove_article(article_id)

    def _load(self, items: Sequence[StoredArticle], warn: Callable[[str], None]) -> int:
        """Index stored articles in one batch; the ones the service refuses are named in ``warn``."""
        for item in items:
            self._known[item.meta.id] = item.guild_id
        batch = self._service.add_articles([(clean_article(Article(i.meta, i.text)), i.guild_id) for i in items])
        where = {i.meta.id: i for i in items}
        for article_id, reason in batch.skipped:
            self._skipped.add(article_id)
            item = where[article_id]
            title, server = item.meta.title, _where(item.guild_id)
            warn(f"skipped the stored article {article_id!r} ({title!r}, for {server}): {reason}")
        return len(batch.added)

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
        with self._lock:
            removed = self._store.remove_article(candidates[0].meta.id, guild_id=guild_id)
            self._forget(removed.meta.id)
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
        with self._lock:
            self._store.add_article(
                StoredArticle(meta=article.meta, text=article.text, guild_id=guild_id, sha256=digest, added_by=user_id)
            )
            try:
                self._service.add_article(article, guild_id=guild_id)
            except Exception:
                # Keep store and index in step: the article is either fully in or fully out.
                self._store.remove_article(article.meta.id, guild_id=guild_id)
                raise
            self._known[article.meta.id] = guild_id
        _log.info("corpus: added %s (%r) for %s, asked by %s", article.meta.id, article.meta.title,
                  _where(guild_id), _who(user_id))  # fmt: skip
        return article.meta


def _where(guild_id: int | None) -> str:
    return "every server" if guild_id is None else f"server {guild_id}"


def _who(user_id: int | None) -> str:
    """Who asked for a corpus change: a Discord user, or the command line (no user id)."""
    return "the command line" if user_id is None else f"Discord user {user_id}"


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What ``Library.sync`` applied: articles another process added (and this one indexed) and removed."""

    added: int = 0
    removed: int = 0


def _matches(stored: StoredArticle, ref: str) -> bool:
    key = " ".join(ref.split()).casefold()
    return stored.meta.id.casefold() == key or stored.meta.title.casefold() == key or (
        len(key) >= 3 and stored.meta.title.casefold().startswith(key)
    )
