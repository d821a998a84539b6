"""One poll of one feed: fetch it (conditionally), take its new items as articles, record the outcome.

``FeedPoller.poll`` is synchronous and blocking (it fetches): callers run it on the fetch pool's
threads. Each new item is stored in one transaction together with the mark that it was seen,
then put in the live index; the feed's validators (ETag, Last-Modified) are stored only once
every item is taken, so a poll cut short by a crash or a kill -9 is simply done again and takes
only what it had not taken. A lease in the store keeps two processes from polling one feed at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.errors import CorpusError, NewsBotError
from bot.feeds.models import Announcement, Feed, FeedError, FeedItem, PollResult
from bot.feeds.parse import parse_feed
from bot.feeds.schedule import next_poll_after_failure, next_poll_after_success, passes
from bot.feeds.store import FeedStore
from bot.ingest.fetch import FetchedPage, FetchError, Response
from bot.ingest.sources import finish_article, id_prefix, page_text, text_digest
from bot.models import Article, ArticleMeta
from bot.storage.base import StoredArticle

FeedFetcher = Callable[[str, dict[str, str]], Response]  # url, extra request headers
PageFetcher = Callable[[str], FetchedPage]
Indexer = Callable[[Article, int | None], object]  # puts an article in the live index
Summariser = Callable[[str, int | None], tuple[str, ...]]  # article id, guild -> its first sentences

MAX_ITEMS_PER_POLL = 500  # the newest items of a very long feed; older ones are left
LEASE_S = 120.0  # renewed after every item, so a poller that died frees its feeds within two minutes
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PollSettings:
    """How polls behave: failures before a feed is disabled, announcements per poll, oldest article kept."""

    max_failures: int = 8
    announce_max: int = 5
    max_age_days: int | None = None
    lease_s: float = LEASE_S


class FeedPoller:
    """Polls feeds into the store and the live index. Every collaborator is passed in."""

    def __init__(
        self,
        store: FeedStore,
        *,
        fetch_feed: FeedFetcher,
        fetch_page: PageFetcher,
        index: Indexer,
        summarise: Summariser,
        holder: str,
        settings: PollSettings | None = None,
        clock: Callable[[], float],
        rng: random.Random | None = None,
    ) -> None:
        self._store = store
        self._fetch_feed = fetch_feed
        self._fetch_page = fetch_page
        self._index = index
        self._summarise = summarise
        self.holder = holder
        self.settings = settings or PollSettings()
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security

    def poll(self, feed: Feed) -> PollResult | None:
        """Poll ``feed`` now; ``None`` when another process holds its lease (it is polling it)."""
        now = self._clock()
        if not self._store.acquire_lease(feed.id, holder=self.holder, now=now, ttl_s=self.settings.lease_s):
            return None
        try:
            return self._poll(feed, now)
        finally:
            self._store.release_lease(feed.id, holder=self.holder)

    def _poll(self, feed: Feed, now: float) -> PollResult:
        headers = {}
        if feed.etag:
            headers["If-None-Match"] = feed.etag
        if feed.last_modified:
            headers["If-Modified-Since"] = feed.last_modified
        try:
            response = self._fetch_feed(feed.url, headers)
            if response.status == 304:
                return self._succeeded(feed, now, feed.etag, feed.last_modified, None, not_modified=True,
                                       wire=response.wire_bytes)  # fmt: skip
            if response.status >= 400:
                raise FeedError(f"the feed answered HTTP {response.status}")
            media, _ = response.media()
            parsed = parse_feed(response.body, content_type=media, url=response.url)
        except (FetchError, FeedError) as exc:
            return self._failed(feed, now, str(exc))
        items = list(reversed(parsed.items[:MAX_ITEMS_PER_POLL]))  # oldest first: announced in order
        seen = self._store.seen_keys(feed.id, [i.key for i in items])
        added: list[ArticleMeta] = []
        skipped = 0
        oldest = self._oldest_kept(now)
        for item in dict((i.key, i) for i in items if i.key not in seen).values():
            lease = self.settings.lease_s
            if not self._store.acquire_lease(feed.id, holder=self.holder, now=self._clock(), ttl_s=lease):
                _log.warning("feed %s: lost its lease mid-poll; another process goes on with it", feed.id)
                return PollResult(feed=feed, added=tuple(added), skipped=skipped)
            meta = self._take(feed, item, oldest)
            if meta is None:
                skipped += 1
            else:
                added.append(meta)
        result = self._succeeded(
            feed, now, response.headers.get("etag"), response.headers.get("last-modified"), parsed.title,
            wire=response.wire_bytes,
        )  # fmt: skip
        announce: tuple[Announcement, ...] = ()
        if feed.primed and feed.channel_id is not None:
            announce = tuple(
                Announcement(meta, self._sentences(meta.id, feed.guild_id))
                for meta in added[: self.settings.announce_max]
            )
        return replace(result, added=tuple(added), announce=announce, skipped=skipped + len(seen))

    def _take(self, feed: Feed, item: FeedItem, oldest: dt.date | None) -> ArticleMeta | None:
        """Store and index one new item; ``None`` when it is passed over (marked seen all the same)."""
        too_old = oldest is not None and item.published is not None and item.published.date < oldest
        if too_old or not passes(item, feed.filters) or (
            item.link and self._store.link_taken(item.link, guild_id=feed.guild_id)
        ):
            self._store.take_item(feed.id, item.key, link=item.link, article=None)
            return None
        article = self._article(feed, item)
        digest = text_digest(article.text) if article is not None else ""
        if article is None or self._store.text_taken(digest, guild_id=feed.guild_id):
            self._store.take_item(feed.id, item.key, link=item.link, article=None)
            return None
        stored = StoredArticle(meta=article.meta, text=article.text, guild_id=feed.guild_id, sha256=digest)
        if not self._store.take_item(feed.id, item.key, link=item.link, article=stored):
            return None
        try:
            self._index(article, feed.guild_id)
        except CorpusError as exc:  # stored all the same; start-up says why it cannot be indexed
            _log.warning("feed article %s not indexed: %s", article.meta.id, exc)
            return None
        return article.meta

    def _article(self, feed: Feed, item: FeedItem) -> Article | None:
        """The item as an article: the feed's own text when it is whole, else the linked page's main
        text (the feed's text when the page cannot be fetched or read)."""
        prefix = id_prefix(feed.guild_id)
        source = ", ".join(p for p in (item.author, feed.title) if p) or None
        meta = ArticleMeta(id=item.title, title=item.title, url=item.link, published=item.published, source=source)
        if not item.full and item.link:
            try:
                page = self._fetch_page(item.link)
                # The page's own title and date are read only when the feed gave no date.
                found, text = page_text(page.text(), url=item.link, fallback_title=item.title,
                                        with_metadata=item.published is None)  # fmt: skip
                dated = replace(meta, published=meta.published or found.published)
                return finish_article(dated, text, id_prefix=prefix)
            except (NewsBotError, ValueError) as exc:
                _log.info("feed %s: using the feed's text of %s (%s)", feed.id, item.link, exc)
        try:
            return finish_article(meta, item.text, id_prefix=prefix)
        except CorpusError:
            return None

    def _sentences(self, article_id: str, guild_id: int | None) -> tuple[str, ...]:
        try:
            return self._summarise(article_id, guild_id)
        except NewsBotError:
            return ()

    def _oldest_kept(self, now: float) -> dt.date | None:
        days = self.settings.max_age_days
        if days is None:
            return None
        return (dt.datetime.fromtimestamp(now, tz=dt.UTC) - dt.timedelta(days=days)).date()

    def _succeeded(
        self, feed: Feed, now: float, etag: str | None, modified: str | None, title: str | None, *,
        not_modified: bool = False, wire: int = 0,
    ) -> PollResult:  # fmt: skip
        next_poll = next_poll_after_success(now, feed.interval_s, self._rng)
        self._store.record_poll(feed.id, ok=True, next_poll=next_poll, now=now, etag=etag, last_modified=modified,
                                title=title)  # fmt: skip
        updated = replace(feed, etag=etag, last_modified=modified, title=title or feed.title, next_poll=next_poll,
                          last_success=now, last_error=None, failures=0, primed=True)  # fmt: skip
        return PollResult(feed=updated, not_modified=not_modified, wire_bytes=wire)

    def _failed(self, feed: Feed, now: float, error: str) -> PollResult:
        failures = feed.failures + 1
        disabled = failures >= self.settings.max_failures
        next_poll = next_poll_after_failure(now, feed.interval_s, failures, self._rng)
        self._store.record_poll(feed.id, ok=False, next_poll=next_poll, now=now, error=error, failures=failures,
                                disabled=disabled)  # fmt: skip
        updated = replace(feed, last_error=error, failures=failures, next_poll=next_poll, disabled=disabled)
        return PollResult(feed=updated, error=error, disabled=disabled)

    def prune(self, *, remove: Callable[[str], object]) -> int:
        """Drop feed articles published before the retention age (``remove`` takes them out of the
        live index); returns how many."""
        oldest = self._oldest_kept(self._clock())
        if oldest is None:
            return 0
        dropped = 0
        for article_id, guild_id in self._store.feed_articles_before(oldest.isoformat()):
            self._store.drop_article(article_id, guild_id=guild_id)
            with contextlib.suppress(NewsBotError):
                remove(article_id)
            dropped += 1
        return dropped
