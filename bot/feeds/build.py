"""Putting the feed core together over a live ``NewsService`` and the SQLite article store."""

from __future__ import annotations

import os
import random
import socket
import time
from collections.abc import Callable

from bot.feeds.follow import Feeds
from bot.feeds.models import DEFAULT_INTERVAL_S, FeedError
from bot.feeds.poll import FeedPoller, PollSettings
from bot.ingest.fetch import FetchedPage, FetchPolicy, Resolver, Response, fetch, fetch_response, system_resolver
from bot.models import Article
from bot.service import NewsService
from bot.storage.articles import SqlArticleStore
from bot.storage.feeds import SqlFeedStore

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.5, */*;q=0.1"
)
SUMMARY_SENTENCES = 2


def open_feeds(
    service: NewsService | None,
    articles: SqlArticleStore,
    *,
    policy: FetchPolicy,
    settings: PollSettings | None = None,
    default_interval_s: int = DEFAULT_INTERVAL_S,
    clock: Callable[[], float] = time.time,
    resolver: Resolver = system_resolver,
    rng: random.Random | None = None,
) -> Feeds:
    """``Feeds`` whose polls fetch under ``policy``, store in ``articles`` and index into ``service``
    (``None``: following, listing and unfollowing only; a poll then raises ``FeedError``)."""

    def fetch_feed(url: str, headers: dict[str, str]) -> Response:
        return fetch_response(url, policy, headers=headers, accept=FEED_ACCEPT, resolver=resolver)

    def fetch_page(url: str) -> FetchedPage:
        return fetch(url, policy, resolver=resolver)

    def index(article: Article, guild_id: int | None) -> object:
        if service is None:
            raise FeedError("feeds opened without the index cannot be polled")
        return service.add_article(article, guild_id=guild_id)

    def summarise(article_id: str, guild_id: int | None) -> tuple[str, ...]:
        if service is None:
            return ()
        summary = service.summarise(article_id, sentences=SUMMARY_SENTENCES, guild_id=guild_id)
        return tuple(s.text for s in summary.sentences)

    store = SqlFeedStore(articles)
    poller = FeedPoller(
        store, fetch_feed=fetch_feed, fetch_page=fetch_page, index=index, summarise=summarise,
        holder=f"{socket.gethostname()}:{os.getpid()}:{random.getrandbits(32):08x}",
        settings=settings, clock=clock, rng=rng,
    )  # fmt: skip
    return Feeds(store, poller, fetch_feed=fetch_feed, clock=clock, default_interval_s=default_interval_s)
