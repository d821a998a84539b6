"""Polling against a local HTTP server: new items become searchable articles, conditional GET,
gzip, backoff and disabling, dedup across feeds and restarts, filters, leases, retention."""

from __future__ import annotations

import asyncio
import random

import pytest

from bot.feeds.build import open_feeds
from bot.feeds.models import MIN_INTERVAL_S, FeedError, Filters
from bot.feeds.poll import PollSettings
from bot.fetch_pool import FetchPool
from bot.ingest.fetch import FetchPolicy
from bot.service import build_service
from bot.storage.sqlite import SqliteArticleStore
from tests.conftest import TINY_CORPUS
from tests.feeds.server import FeedServer, Route, rss, start

LOCAL = FetchPolicy(allow_private=True, timeout=2.0)  # the private-address guard opened for 127.0.0.1, here only
GUILD = 4242
START = 1_780_000_000.0  # 2026-05-28
OTTERS = ("o1", "Otters return to the canal", "A family of otters was seen swimming in the Kestrel canal on Friday.")
KITES = ("k1", "Kite festival fills the dunes", "The kite festival drew four thousand visitors to the dunes.")


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def server():
    state = FeedServer()
    httpd = start(state)
    yield state
    httpd.shutdown()


@pytest.fixture
def world(tmp_path, server):
    server.routes.clear()
    server.requests.clear()
    service = build_service(TINY_CORPUS, tmp_path / "index")
    articles = SqliteArticleStore(tmp_path / "articles.sqlite3")
    clock = Clock()

    def make(**settings):
        return open_feeds(service, articles, policy=LOCAL, settings=PollSettings(**settings), clock=clock,
                          rng=random.Random(1))

    yield service, articles, clock, make
    articles.close()


def poll(feeds, *, every=False):
    async def go():
        pool = FetchPool(workers=4, per_server=4)
        try:
            return await feeds.poll_due(pool, every=every)
        finally:
            pool.close()

    return asyncio.run(go())


def test_first_poll_indexes_silently_later_items_are_announced(world, server):
    service, _, clock, make = world
    server.routes["/feed"] = Route(rss([OTTERS]))
    feeds = make()
    followed = feeds.follow(server.url("/feed"), guild_id=GUILD, channel_id=77)
    assert followed.feed.title == "Harbour Gazette" and not followed.again
    (first,) = poll(feeds)
    assert [m.title for m in first.added] == ["Otters return to the canal"] and first.announce == ()
    assert "otters" in service.ask("Where were the otters seen?", guild_id=GUILD).excerpts[0].sentence
    assert service.ask("Where were the otters seen?").abstained  # another server does not see it

    server.routes["/feed"] = Route(rss([KITES, OTTERS]))
    assert poll(feeds) == []  # not due yet
    clock.now += 16 * 60
    (second,) = poll(feeds)
    assert [a.meta.title for a in second.announce] == ["Kite festival fills the dunes"]
    assert second.announce[0].sentences and second.skipped == 1
    assert feeds.list(guild_id=GUILD)[0].taken == 2


def test_conditional_get_and_gzip(world, server):
    _, _, clock, make = world
    server.routes["/etag"] = Route(rss([OTTERS]), etag='"v1"', gzip=True)
    server.routes["/modified"] = Route(rss([KITES]), last_modified="Mon, 01 Jun 2026 10:00:00 GMT")
    feeds = make()
    feeds.follow(server.url("/etag"), guild_id=None)
    feeds.follow(server.url("/modified"), guild_id=None)
    assert sum(len(r.added) for r in poll(feeds)) == 2
    clock.now += 3600
    again = poll(feeds)
    assert all(r.not_modified and not r.added for r in again) and len(again) == 2
    assert server.hits("/etag")[-1]["if-none-match"] == '"v1"'
    assert "gzip" in server.hits("/etag")[-1]["accept-encoding"]
    assert server.hits("/modified")[-1]["if-modified-since"] == "Mon, 01 Jun 2026 10:00:00 GMT"


def test_backoff_then_disabled_after_repeated_failures_and_re_enabled_by_following_again(world, server):
    _, _, clock, make = world
    server.routes["/flaky"] = Route(rss([OTTERS]))
    feeds = make(max_failures=3)
    feeds.follow(server.url("/flaky"), guild_id=GUILD, channel_id=5)
    server.routes["/flaky"] = Route(b"oops", content_type="text/plain", status=503)
    waits = []
    for _ in range(3):
        (result,) = poll(feeds, every=True)
        waits.append(result.feed.next_poll - clock.now)
    assert result.disabled and result.error == "the feed answered HTTP 503"
    assert waits[0] >= 15 * 60 and waits[1] >= 2 * waits[0] * 0.9 and waits[2] >= 2 * waits[1] * 0.9
    clock.now += 10 * 24 * 3600
    assert poll(feeds) == [] and poll(feeds, every=True) == []  # disabled: never polled
    server.routes["/flaky"] = Route(rss([OTTERS]))
    assert feeds.follow(server.url("/flaky"), guild_id=GUILD).again
    (result,) = poll(feeds)
    assert result.added and result.feed.failures == 0


def test_same_story_in_two_feeds_is_one_article(world, server):
    _service, articles, _, make = world
    server.routes["/a"] = Route(rss([OTTERS]))
    same_text_other_id = ("other", "Otters back in the canal", OTTERS[2])
    server.routes["/b"] = Route(rss([same_text_other_id, OTTERS]))
    feeds = make()
    feeds.follow(server.url("/a"), guild_id=GUILD)
    feeds.follow(server.url("/b"), guild_id=GUILD)
    added = [m for r in poll(feeds) for m in r.added]
    assert len(added) == 1 and len(articles.list_articles(guild_id=GUILD)) == 1


def test_restart_takes_nothing_twice_and_loses_nothing(world, server, tmp_path):
    _service, articles, clock, make = world
    server.routes["/feed"] = Route(rss([OTTERS]))
    feeds = make()
    feeds.follow(server.url("/feed"), guild_id=GUILD)
    poll(feeds)
    # A poll cut short (as by kill -9) stored the item but not the feed's validators or next poll:
    # a new process polls the feed again and takes only what was missing.
    server.routes["/feed"] = Route(rss([KITES, OTTERS]))
    restarted = build_service(TINY_CORPUS, tmp_path / "index")
    again = open_feeds(restarted, articles, policy=LOCAL, clock=clock)
    (result,) = poll(again, every=True)
    assert [m.title for m in result.added] == ["Kite festival fills the dunes"]
    assert len(articles.list_articles(guild_id=GUILD)) == 2


def test_filters_include_and_exclude_keywords(world, server):
    _, _articles, _, make = world
    banned = ("c", "Canal kites banned", "Kites are banned over the canal now.")
    server.routes["/feed"] = Route(rss([OTTERS, KITES, banned]))
    feeds = make()
    feeds.follow(server.url("/feed"), guild_id=GUILD, filters=Filters(include=("canal",), exclude=("kites",)))
    (result,) = poll(feeds)
    assert [m.title for m in result.added] == ["Otters return to the canal"] and result.skipped == 2


def test_a_feed_held_by_another_process_is_not_polled(world, server):
    _, _, clock, make = world
    server.routes["/feed"] = Route(rss([OTTERS]))
    feeds, other = make(), make()
    feed = feeds.follow(server.url("/feed"), guild_id=GUILD).feed
    assert other.store.acquire_lease(feed.id, holder="other", now=clock.now, ttl_s=60)
    assert poll(feeds) == [] and not server.hits("/feed")[1:]
    clock.now += 61  # the other holder's lease ran out (it died)
    assert len(poll(feeds)) == 1


def test_retention_skips_and_drops_old_feed_articles(world, server):
    service, articles, clock, make = world
    old = rss([OTTERS]).replace(b"Mon, 01 Jun 2026", b"Mon, 01 Jan 2024")
    server.routes["/old"] = Route(old)
    server.routes["/new"] = Route(rss([KITES]))
    feeds = make(max_age_days=30)
    feeds.follow(server.url("/old"), guild_id=None)
    feeds.follow(server.url("/new"), guild_id=None)
    assert [m.title for r in poll(feeds) for m in r.added] == ["Kite festival fills the dunes"]
    clock.now += 60 * 24 * 3600  # two months later the kite story is too old as well
    assert feeds.poller.prune(remove=service.remove_article) == 1
    assert articles.list_articles(guild_id=None) == []
    assert service.ask("How many visitors came to the kite festival?").abstained


def test_full_text_is_fetched_from_the_link_when_the_feed_has_a_summary(world, server):
    service, _, _, make = world
    page = (b"<html><head><title>Lighthouse</title></head><body><article><h1>Lighthouse lamp restored</h1>"
            + b"".join(b"<p>The lighthouse lamp was restored by volunteers after %d weeks of careful work.</p>" % n
                       for n in range(8)) + b"</article></body></html>")
    server.routes["/story"] = Route(page, content_type="text/html")
    body = rss([("l1", "Lighthouse lamp restored", "Short teaser.")]).replace(
        b"http://127.0.0.1:9/l1", server.url("/story").encode())
    server.routes["/feed"] = Route(body)
    feeds = make()
    feeds.follow(server.url("/feed"), guild_id=None)
    (result,) = poll(feeds)
    assert result.added[0].url == server.url("/story")
    assert "volunteers" in service.ask("Who restored the lighthouse lamp?").excerpts[0].sentence


def test_following_a_page_finds_its_feed_and_bad_input_is_refused(world, server):
    _, _, _, make = world
    server.routes["/feed.xml"] = Route(rss([OTTERS]))
    server.routes["/site"] = Route(b'<html><head><link rel="alternate" type="application/rss+xml" '
                                   b'href="/feed.xml"></head></html>', content_type="text/html")
    server.routes["/plain"] = Route(b"<html><p>no feed</p></html>", content_type="text/html")
    feeds = make()
    assert feeds.follow(server.url("/site"), guild_id=GUILD).feed.url == server.url("/feed.xml")
    with pytest.raises(FeedError, match="links no feed"):
        feeds.follow(server.url("/plain"), guild_id=GUILD)
    with pytest.raises(FeedError, match="HTTP 404"):
        feeds.follow(server.url("/nowhere"), guild_id=GUILD)
    with pytest.raises(FeedError, match="shortest interval"):
        feeds.follow(server.url("/feed.xml"), guild_id=GUILD, interval_s=MIN_INTERVAL_S - 1)
    with pytest.raises(FeedError, match="no followed feed"):
        feeds.unfollow("nothing", guild_id=GUILD)
    assert feeds.unfollow("Harbour Gazette", guild_id=GUILD).url == server.url("/feed.xml")


def test_a_poller_that_lost_its_lease_mid_poll_stops(world, server):
    _, articles, clock, make = world
    server.routes["/feed"] = Route(rss([OTTERS, KITES]))
    feeds = make(lease_s=60)
    feed = feeds.follow(server.url("/feed"), guild_id=GUILD).feed
    real_take = feeds.poller._take

    def take_then_stall(feed_, item, oldest):
        meta = real_take(feed_, item, oldest)
        clock.now += 120  # this poller stalled past its lease, and another process took the feed over
        assert feeds.store.acquire_lease(feed.id, holder="other", now=clock.now, ttl_s=60)
        return meta

    feeds.poller._take = take_then_stall
    (result,) = poll(feeds)
    assert len(result.added) == 1 and len(articles.list_articles(guild_id=GUILD)) == 1
    assert feeds.store.feed(feed.id).etag is None and not feeds.store.feed(feed.id).primed  # left to the other
