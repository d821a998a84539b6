"""``python -m bot feeds add|list|remove|poll``: following news feeds from the command line.

Feeds followed without ``--guild`` feed the corpus every server sees. ``poll`` polls every
enabled feed once, now (new articles are stored and indexed; announcements are the Discord
bot's); the running bot polls on its own schedule.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.feeds.build import open_feeds
from bot.feeds.follow import Feeds
from bot.feeds.models import Filters
from bot.feeds.poll import PollSettings
from bot.feeds.schedule import read_keywords
from bot.feeds.status import status_line
from bot.fetch_pool import FetchPool
from bot.ingest.fetch import FetchPolicy
from bot.library import Library
from bot.service import NewsService
from bot.storage.articles import SqlArticleStore
from bot.storage.location import StoreLocation

OpenLibrary = Callable[[], tuple[NewsService, Library | None]]


def add_feeds_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The ``feeds`` command and its actions."""
    feeds = sub.add_parser(
        "feeds", help="Follow RSS, Atom or JSON feeds: their new items become articles.",
        description="Follow RSS, Atom or JSON feeds (per server with --guild, else for all servers); "
        "each new item becomes an article of the corpus.",
    )  # fmt: skip
    actions = feeds.add_subparsers(
        dest="feeds_command", metavar="ACTION", required=True, help="add, list, remove or poll"
    )
    for action, text in (
        ("add", "Follow a feed, given by its URL or by a web page that links it."),
        ("list", "List the followed feeds and their state."),
        ("remove", "Stop following a feed (its articles stay)."),
        ("poll", "Poll every enabled feed once, now, and add its new items."),
    ):
        p = actions.add_parser(action, help=text, description=text)
        if action == "add":
            p.add_argument("url", help="the feed's http(s) URL, or a page with <link rel=\"alternate\">")
            p.add_argument("--include", metavar="WORDS", help="only items with one of these comma-separated words")
            p.add_argument("--exclude", metavar="WORDS", help="no items with any of these comma-separated words")
            p.add_argument(
                "--interval", type=int, metavar="MIN", help="minutes between polls (default NEWSBOT_FEED_INTERVAL_MIN)"
            )
        if action == "remove":
            p.add_argument("feed", help="the feed's number (from list), URL or title")
        p.add_argument("--guild", type=int, metavar="ID", help="the server's id (default: every server)")
        p.add_argument("--corpus", type=Path, metavar="DIR", help="folder of shipped articles (default: corpus/)")
        p.add_argument("--index-dir", type=Path, metavar="DIR", help="where the index is saved")


def poll_settings(settings: Settings) -> PollSettings:
    """The poll behaviour the settings ask for."""
    return PollSettings(
        max_failures=settings.feed_max_failures,
        announce_max=settings.feed_announce_max,
        max_age_days=settings.feed_max_age_days,
    )


def build_feeds(service: NewsService | None, store: SqlArticleStore, settings: Settings) -> Feeds:
    """``Feeds`` over ``store`` and ``service`` as the settings ask."""
    policy = FetchPolicy(timeout=settings.fetch_timeout_s, allow_private=settings.fetch_allow_private)
    return open_feeds(
        service, store, policy=policy, settings=poll_settings(settings),
        default_interval_s=settings.feed_interval_min * 60,
    )  # fmt: skip


def run_feeds(
    args: argparse.Namespace, settings: Settings, stdout: TextIO, *, location: StoreLocation, open_library: OpenLibrary
) -> int:
    """Carry out one ``feeds`` action; errors are raised as ``NewsBotError`` (one line)."""
    where = f"server {args.guild}" if args.guild else "every server"
    if args.feeds_command == "poll":
        service, library = open_library()
        assert library is not None and isinstance(library.store, SqlArticleStore)
        feeds = build_feeds(service, library.store, settings)
        pool = FetchPool(workers=8, per_server=8)
        try:
            results = asyncio.run(feeds.poll_due(pool, every=True))
        finally:
            pool.close()
        if settings.feed_max_age_days is not None:
            dropped = feeds.poller.prune(remove=service.remove_article)
            if dropped:
                stdout.write(f"dropped {dropped} feed articles older than {settings.feed_max_age_days} days\n")
        for result in results:
            state = (
                "not modified" if result.not_modified
                else f"error: {result.error}" + (" (now disabled)" if result.disabled else "") if result.error
                else f"{len(result.added)} new article{'s' * (len(result.added) != 1)}"
            )  # fmt: skip
            stdout.write(f"#{result.feed.id} {result.feed.title}: {state}\n")
        if not results:
            stdout.write("no feed to poll\n")
        return 0
    store = location.open_articles()
    try:
        feeds = build_feeds(None, store, settings)
        if args.feeds_command == "add":
            filters = Filters(read_keywords(args.include), read_keywords(args.exclude))
            interval = None if args.interval is None else args.interval * 60
            followed = feeds.follow(args.url, guild_id=args.guild, filters=filters, interval_s=interval)
            verb = "following again" if followed.again else "following"
            stdout.write(f"{verb} #{followed.feed.id} {followed.feed.title} <{followed.feed.url}> (for {where})\n")
        elif args.feeds_command == "remove":
            feed = feeds.unfollow(args.feed, guild_id=args.guild)
            stdout.write(f"no longer following #{feed.id} {feed.title} (its articles stay)\n")
        else:
            listed = feeds.list(guild_id=args.guild)
            now = time.time()
            stdout.write("".join(status_line(f, now) + "\n" for f in listed) or f"no feeds followed for {where}\n")
    finally:
        store.close()
    return 0
