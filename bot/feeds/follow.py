"""``Feeds``: what the front ends call to follow, list, unfollow and poll feeds.

Following a URL fetches it once: a feed is followed as it is; a web page is searched for the
feeds it links (``<link rel="alternate">``) and the first one that reads as a feed is followed.
Polls run on the bounded fetch pool (``bot.fetch_pool.FetchPool``), never on the threads that
answer questions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.feeds.models import DEFAULT_INTERVAL_S, MIN_INTERVAL_S, Feed, FeedError, Filters, PollResult
from bot.feeds.parse import discover_feeds, parse_feed
from bot.feeds.poll import FeedFetcher, FeedPoller
from bot.feeds.store import FeedStore
from bot.fetch_pool import FetchBusy, FetchPool
from bot.ingest.fetch import FetchError, Response

URL_MAX = 2000
IDLE_S = 30.0  # the longest the poll loop sleeps before looking for due feeds again
PRUNE_EVERY_S = 3600.0
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Followed:
    """A feed just followed, and whether it was followed before (updated and switched back on)."""

    feed: Feed
    again: bool


class Feeds:
    """Following feeds over a ``FeedStore`` and a ``FeedPoller``."""

    def __init__(
        self, store: FeedStore, poller: FeedPoller, *, fetch_feed: FeedFetcher, clock: Callable[[], float],
        default_interval_s: int = DEFAULT_INTERVAL_S,
    ) -> None:  # fmt: skip
        self.store = store
        self.poller = poller
        self._fetch = fetch_feed
        self._clock = clock
        self.default_interval_s = max(MIN_INTERVAL_S, default_interval_s)
        self._wake: asyncio.Event | None = None

    def follow(
        self, url: str, *, guild_id: int | None, channel_id: int | None = None, filters: Filters | None = None,
        interval_s: int | None = None,
    ) -> Followed:  # fmt: skip
        """Follow the feed at ``url`` (or the one a page at ``url`` links); blocking (it fetches).

        Raises ``FeedError``/``FetchError`` with a one-line reason. Its first poll comes at once and
        indexes the items already there without announcing them.
        """
        url = url.strip()
        if not url or len(url) > URL_MAX:
            raise FeedError(f"a feed URL has 1 to {URL_MAX} characters")
        interval = self.default_interval_s if interval_s is None else interval_s
        if interval < MIN_INTERVAL_S:
            raise FeedError(f"the shortest interval is {MIN_INTERVAL_S // 60} minutes")
        feed_url, title = self._find(url)
        before = {f.url for f in self.store.feeds(guild_id=guild_id)}
        feed = self.store.add_feed(
            guild_id=guild_id, url=feed_url, title=title, channel_id=channel_id, filters=filters or Filters(),
            interval_s=interval, now=self._clock(),
        )  # fmt: skip
        return Followed(feed=feed, again=feed_url in before)

    def unfollow(self, ref: str, *, guild_id: int | None) -> Feed:
        """Stop following the feed given by number, URL or title; raises ``FeedError``."""
        return self.store.remove_feed(self.resolve(ref, guild_id=guild_id).id, guild_id=guild_id)

    def resolve(self, ref: str, *, guild_id: int | None) -> Feed:
        """The feed of this server that ``ref`` names (its number, URL or title); raises ``FeedError``."""
        key = " ".join(ref.split()).casefold().removeprefix("#")
        feeds = self.store.feeds(guild_id=guild_id)
        exact = [f for f in feeds if key in (str(f.id), f.url.casefold(), f.title.casefold())]
        found = exact or [f for f in feeds if len(key) >= 3 and f.title.casefold().startswith(key)]
        if not found:
            raise FeedError(f"no followed feed matches {ref[:100]!r}; see the list of feeds")
        if len(found) > 1:
            raise FeedError(f"{ref[:100]!r} matches {len(found)} feeds; give its number")
        return found[0]

    def list(self, *, guild_id: int | None) -> list[Feed]:
        """The feeds this server follows."""
        return self.store.feeds(guild_id=guild_id)

    async def poll_due(self, pool: FetchPool, *, every: bool = False) -> list[PollResult]:
        """Poll the feeds that are due (``every``: all enabled ones) on ``pool``, at most as many at
        once as the pool allows; a feed the pool has no room for waits for the next round."""
        now = self._clock()
        queue = [f for f in self.store.all_feeds() if not f.disabled] if every else self.store.due_feeds(now)
        pending: set[asyncio.Future[PollResult | None]] = set()
        done: list[PollResult] = []
        while queue or pending:
            feed = next((f for f in queue if _has_room(pool, f.guild_id)), None)
            if feed is not None:
                queue.remove(feed)
                pending.add(asyncio.ensure_future(pool.run(feed.guild_id, self.poller.poll, feed)))
                await asyncio.sleep(0)  # the poll takes its slot in the pool before the next check
                continue
            if not pending:
                break  # the pool is full of other fetches: the rest wait for the next round
            finished, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in finished:
                error = task.exception()
                if error is None:
                    result = task.result()
                    if result is not None:
                        done.append(result)
                elif not isinstance(error, FetchBusy):
                    _log.error("a feed poll failed", exc_info=error)
        return done

    async def run(
        self, pool: FetchPool, on_result: Callable[[PollResult], Awaitable[None]], *,
        remove: Callable[[str], object] | None = None, idle_s: float = IDLE_S, prune_every_s: float = PRUNE_EVERY_S,
    ) -> None:  # fmt: skip
        """Poll due feeds until cancelled, handing each outcome to ``on_result`` (announcements);
        with ``remove``, feed articles past the retention age are dropped about once an hour."""
        self._wake = asyncio.Event()
        last_prune = float("-inf")
        while True:
            for result in await self.poll_due(pool):
                try:
                    await on_result(result)
                except Exception:
                    _log.exception("announcing the poll of feed %s failed", result.feed.id)
            if remove is not None and self._clock() - last_prune >= prune_every_s:
                try:
                    dropped = await pool.run(None, self.poller.prune, remove=remove)
                    last_prune = self._clock()
                except FetchBusy:
                    dropped = 0  # the pool is full: next round
                except Exception:
                    _log.exception("dropping old feed articles failed")
                    last_prune, dropped = self._clock(), 0
                if dropped:
                    _log.info("dropped %d feed articles past their retention age", dropped)
            due = [f.next_poll for f in self.store.all_feeds() if not f.disabled]
            wait = min(due, default=self._clock() + idle_s) - self._clock()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=min(max(wait, 0.5), idle_s))
            self._wake.clear()

    def wake(self) -> None:
        """Make a running ``run`` look for due feeds now (a feed was just followed); call it on the loop."""
        if self._wake is not None:
            self._wake.set()

    def _find(self, url: str) -> tuple[str, str]:
        """The feed URL and title for ``url``: itself if it is a feed, else the first feed its page links."""
        response = self._get(url)
        media, _ = response.media()
        if media in {"text/html", "application/xhtml+xml"}:
            for candidate in discover_feeds(response.body.decode("utf-8", "replace"), base_url=response.url)[:5]:
                try:
                    found = self._get(candidate)
                    parsed = parse_feed(found.body, content_type=found.media()[0], url=found.url)
                except (FeedError, FetchError):
                    continue
                return found.url, parsed.title
            raise FeedError("this page is not a feed and links no feed (<link rel=\"alternate\">)")
        parsed = parse_feed(response.body, content_type=media, url=response.url)
        return response.url, parsed.title

    def _get(self, url: str) -> Response:
        response = self._fetch(url, {})
        if response.status >= 400:
            raise FeedError(f"the address answered HTTP {response.status}")
        return response


def _has_room(pool: FetchPool, server: int | None) -> bool:
    try:
        pool.check(server)
    except FetchBusy:
        return False
    return True
