"""Feed announcements and the feed list as embeds: escaped, mentions neutralised, within Discord's limits."""

from __future__ import annotations

import datetime as dt

from bot.discord_adapter.feed_render import (
    announcement_messages,
    disabled_text,
    feed_choices,
    render_announcement,
    render_feeds,
)
from bot.discord_adapter.render import EMBED_TOTAL_LIMIT, FIELD_COUNT_LIMIT
from bot.feeds.models import Announcement, Feed, Filters
from bot.models import ArticleMeta, Published


def feed(number: int, **changes) -> Feed:
    values = dict(id=number, guild_id=1, url=f"https://news.example/{number}.xml", title=f"Feed {number}",
                  channel_id=9, filters=Filters(), interval_s=900, etag=None, last_modified=None, next_poll=100.0,
                  last_success=None, last_error=None, failures=0, disabled=False, primed=True, taken=0)
    values.update(changes)
    return Feed(**values)


def item(title: str, sentences: tuple[str, ...], url: str | None = "https://news.example/a") -> Announcement:
    meta = ArticleMeta(id="g1/a", title=title, url=url, published=Published(dt.date(2026, 6, 1)), source=None)
    return Announcement(meta, sentences)


def test_announcement_escapes_mentions_and_markdown_and_stays_in_limits():
    card = render_announcement(
        item("T" * 400, ("@everyone look at **this**.", "<@123> and " + "word " * 2000)), feed_title="F" * 3000
    )
    assert len(card.title) == 256 and card.url == "https://news.example/a"
    assert "@\u200beveryone" in card.description and "\\*\\*this\\*\\*" in card.description
    assert len(card.description) <= 1000 and len(card) <= EMBED_TOTAL_LIMIT
    assert card.footer.text.endswith("…")


def test_announcement_without_link_or_sentences():
    card = render_announcement(item("Quiet day", (), url="javascript:alert(1)"), feed_title="Gazette")
    assert card.url is None and card.description is None and card.footer.text == "Gazette · 1 June 2026"


def test_at_most_ten_embeds_a_message_and_the_rest_counted():
    messages = announcement_messages([item(f"N{i}", ("S.",)) for i in range(12)], more=3, feed_title="@here news")
    assert [len(embeds) for _, embeds in messages] == [10, 2]
    assert messages[0][0] is None and messages[1][0] == "… and 3 more new articles from @\u200bhere news."
    assert announcement_messages([], more=1, feed_title="G") == [("… and 1 more new article from G.", [])]


def test_feed_list_within_limits():
    many = [feed(i, title="T" * 300, last_error="e" * 2000, filters=Filters(("a",) * 25, ("b",) * 25))
            for i in range(40)]
    embed = render_feeds(many, now=50.0)
    assert len(embed.fields) == FIELD_COUNT_LIMIT and len(embed) <= EMBED_TOTAL_LIMIT
    assert embed.description == "Showing the first 25."
    one = render_feeds([many[0]], now=50.0).fields[0]
    assert one.name.startswith("#0 TTT") and "last error: eee" in one.value and len(one.value) <= 1024


def test_disabled_notice_and_choices():
    text = disabled_text(feed(3, title="@everyone feed", failures=8, last_error="the feed answered HTTP 503"))
    assert "@\u200beveryone" in text and "8 failed polls" in text and "HTTP 503" in text
    choices = feed_choices([feed(i) for i in range(1, 40)], "feed 1")
    assert [c.value for c in choices] == ["1", *[str(i) for i in range(10, 20)]]
