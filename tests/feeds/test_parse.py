"""Reading RSS 2.0, Atom and JSON Feed documents, broken ones, HTML in titles, long feeds, discovery."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.feeds.models import FeedError
from bot.feeds.parse import discover_feeds, html_text, parse_feed
from tests.feeds.server import rss

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Harbour Atom</title>
  <link href="https://harbour.example/"/>
  <entry>
    <id>tag:harbour.example,2026:1</id>
    <title type="html">Bridge &lt;b&gt;reopens&lt;/b&gt; &amp;amp; traffic returns</title>
    <link rel="alternate" href="https://harbour.example/bridge"/>
    <updated>2026-03-14T09:30:00Z</updated>
    <author><name>Ada Keeper</name></author>
    <content type="html">&lt;p&gt;The harbour bridge reopened on Saturday.&lt;/p&gt;
      &lt;p&gt;Traffic returned at once.&lt;/p&gt;</content>
  </entry>
</feed>"""


def test_rss_2_items_with_dates_links_and_plain_text():
    feed = parse_feed(rss([("a1", "Market opens", "<p>The <b>market</b> opened &amp; sold fish.</p>")]))
    assert feed.title == "Harbour Gazette"
    (item,) = feed.items
    assert item.key == "a1" and item.title == "Market opens"
    assert item.link == "http://127.0.0.1:9/a1"
    assert item.text == "The market opened & sold fish."
    assert item.published is not None and item.published.date == dt.date(2026, 6, 1)
    assert not item.full


def test_atom_entry_with_html_title_author_and_content():
    feed = parse_feed(ATOM, content_type="application/atom+xml")
    (item,) = feed.items
    assert feed.title == "Harbour Atom"
    assert item.title == "Bridge reopens & traffic returns"
    assert item.author == "Ada Keeper"
    assert item.text == "The harbour bridge reopened on Saturday.\n\nTraffic returned at once."
    assert item.published is not None and item.published.iso() == "2026-03-14T09:30:00+00:00"
    assert item.key == "tag:harbour.example,2026:1"


def test_html_and_script_in_a_title_become_plain_text():
    feed = parse_feed(rss([("x", "&lt;script&gt;alert(1)&lt;/script&gt;&lt;i&gt;Storm&lt;/i&gt; warning", "Wind.")]))
    assert feed.items[0].title == "Storm warning"


def test_json_feed():
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Harbour JSON",
        "home_page_url": "https://harbour.example/",
        "items": [
            {"id": "j1", "url": "https://harbour.example/j1", "title": "Ferry <em>returns</em>",
             "content_html": "<p>The ferry returned to the harbour.</p>", "date_published": "2026-05-02T08:00:00Z",
             "authors": [{"name": "Bo Pilot"}]},
            {"id": "j2", "content_text": "A short note without a title about the pier."},
            "not an item",
        ],
    }
    feed = parse_feed(json.dumps(doc).encode(), content_type="application/feed+json")
    first, second = feed.items
    assert feed.title == "Harbour JSON"
    assert (first.key, first.title, first.author) == ("j1", "Ferry returns", "Bo Pilot")
    assert first.published is not None and first.published.date == dt.date(2026, 5, 2)
    assert second.title.startswith("A short note") and second.link is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html><body>just a page</body></html>", "not an RSS, Atom or JSON feed"),
        (b"\x00\x01garbage", "not an RSS, Atom or JSON feed"),
        (b'{"title": "no version"}', "not a JSON Feed"),
        (b"{broken json", "cannot be read"),
    ],
)
def test_what_is_not_a_feed_is_refused_in_one_line(body, message):
    with pytest.raises(FeedError, match=message) as caught:
        parse_feed(body)
    assert "\n" not in str(caught.value)


def test_a_broken_feed_is_read_as_far_as_it_goes():
    broken = rss([("b1", "Tide tables &nbsp; printed", "Unclosed <b>bold text")]).replace(b"</channel></rss>", b"")
    (item,) = parse_feed(broken).items
    assert item.title.startswith("Tide tables") and "Unclosed" in item.text


def test_five_thousand_items():
    items = [(f"id{n}", f"Story number {n}", f"Body of story {n}.") for n in range(5000)]
    feed = parse_feed(rss(items))
    assert len(feed.items) == 5000
    assert len({i.key for i in feed.items}) == 5000 and feed.items[-1].title == "Story number 4999"


def test_items_without_id_fall_back_to_link_then_to_a_digest():
    body = b'<rss version="2.0"><channel><title>T</title><item><title>Only a title here</title></item></channel></rss>'
    (item,) = parse_feed(body).items
    assert item.key.startswith("sha256:")


def test_discovery_of_linked_feeds():
    page = """<html><head>
      <link rel="stylesheet" href="/s.css">
      <link rel="alternate" type="application/rss+xml" href="/feed.xml">
      <link rel="alternate" type="application/atom+xml" href="https://other.example/atom">
      <link rel="alternate" type="application/feed+json" href="/feed.xml">
      <link rel="alternate" type="text/html" href="/fr/">
      <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
    </head></html>"""
    assert discover_feeds(page, base_url="https://harbour.example/news/") == [
        "https://harbour.example/feed.xml", "https://other.example/atom",
    ]


def test_html_text_keeps_paragraphs():
    assert html_text("<div>One</div><div>Two &lt;3</div><script>x()</script>") == "One\n\nTwo <3"


def test_terminal_escapes_are_removed_from_titles_and_text():
    feed = parse_feed(rss([("e", "Bell\x07 and \x1b[31mred\x1b[0m", "Text\x1b]0;title\x07 here.")], title="T\x1b[2J"))
    assert "\x1b" not in feed.title and "\x1b" not in feed.items[0].title and "\x07" not in feed.items[0].text
