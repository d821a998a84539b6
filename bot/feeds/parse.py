"""Reading a feed document (RSS 0.9x/1.0/2.0, Atom, JSON Feed) into ``ParsedFeed``, and finding the
feeds a web page links (``<link rel="alternate">``).

XML feeds are read by feedparser, which tolerates the broken feeds found in the wild (bad
encodings, unclosed tags, undefined entities); JSON Feed (jsonfeed.org, versions 1 and 1.1) is
read here. Titles and texts come out as plain text: HTML tags are removed and entities decoded.
Nothing here touches the network: feedparser is only ever handed bytes in memory.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import html
import io
import json
import re
from html.parser import HTMLParser
from urllib.parse import urljoin

from bot.dates import read_published
from bot.feeds.models import FeedError, FeedItem, ParsedFeed
from bot.ingest.text import strip_controls
from bot.models import Published

FEED_TYPES = (
    "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json",
    "application/json", "application/xml", "text/xml",
)  # fmt: skip
JSON_TYPES = ("application/feed+json", "application/json")
MIN_FULL_WORDS = 150  # a feed text at least this long is taken as the whole article, not a summary
_BLOCK_TAGS = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "section"})
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template"})
_SPACES = re.compile(r"[ \t\r\f\v]+")


def parse_feed(body: bytes, *, content_type: str = "", url: str = "") -> ParsedFeed:
    """The feed in ``body``; raises ``FeedError`` when it is neither an XML feed nor a JSON Feed."""
    head = body.lstrip()[:1]
    if content_type in JSON_TYPES or head == b"{":
        return _json_feed(body, url=url)
    return _xml_feed(body, content_type=content_type, url=url)


def html_text(markup: str) -> str:
    """Plain text of an HTML fragment: tags removed, entities decoded, blocks as paragraphs."""
    if "<" not in markup and "&" not in markup:
        return _tidy(markup)
    reader = _TextReader()
    try:
        reader.feed(markup)
        reader.close()
    except (AssertionError, ValueError):  # html.parser gives up on some malformed declarations
        return _tidy(html.unescape(re.sub(r"<[^>]*>", " ", markup)))
    return _tidy("".join(reader.parts))


def discover_feeds(page: str, *, base_url: str) -> list[str]:
    """Absolute URLs of the feeds an HTML page links with ``<link rel="alternate" type=...>``, in order."""
    finder = _LinkFinder()
    try:
        finder.feed(page)
        finder.close()
    except (AssertionError, ValueError):
        pass
    found: list[str] = []
    for href in finder.hrefs:
        try:
            absolute = urljoin(base_url, href.strip())
        except ValueError:
            continue
        if absolute.startswith(("http://", "https://")) and absolute not in found:
            found.append(absolute)
    return found


def _xml_feed(body: bytes, *, content_type: str, url: str) -> ParsedFeed:
    import feedparser  # imported here: only polling needs it

    headers = {"content-type": content_type} if content_type else {}
    if url:
        headers["content-location"] = url
    # A stream, never bytes or str: feedparser would read a string as a URL or a file name.
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers, resolve_relative_uris=False)
    channel = parsed.get("feed", {})
    entries = parsed.get("entries", [])
    if not entries and not channel.get("title") and (parsed.get("bozo") or parsed.get("version", "") == ""):
        reason = parsed.get("bozo_exception")
        detail = f" ({_one_line(str(reason))[:120]})" if reason else ""
        raise FeedError(f"this is not an RSS, Atom or JSON feed{detail}")
    items = []
    for entry in entries:
        title = html_text(entry.get("title", "") or "")
        link = _http_link(entry.get("link"), url)
        contents = [html_text(c.get("value", "") or "") for c in entry.get("content", []) or []]
        content = max(contents, key=len, default="")
        summary = html_text(entry.get("summary", "") or "")
        text = content if len(content) >= len(summary) else summary
        moment = entry.get("published_parsed") or entry.get("updated_parsed")
        published = _from_struct(moment) if moment else None
        if published is None:
            published = read_published(entry.get("published") or entry.get("updated"), article=title or "?")
        author = html_text(entry.get("author", "") or "") or None
        key = (entry.get("id") or "").strip() or link or _digest(title, text)
        if not (title or text):
            continue
        items.append(FeedItem(key=key[:1000], title=title or _first_words(text), link=link, published=published,
                              author=author, text=text, full=_is_full(content)))  # fmt: skip
    return ParsedFeed(
        title=html_text(channel.get("title", "") or "") or url,
        link=_http_link(channel.get("link"), url),
        items=tuple(items),
    )


def _json_feed(body: bytes, *, url: str) -> ParsedFeed:
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FeedError(f"this JSON feed cannot be read: {_one_line(str(exc))[:120]}") from exc
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith("https://jsonfeed.org/version/"):
        raise FeedError("this JSON document is not a JSON Feed (no jsonfeed.org version)")
    raw_items = data.get("items")
    if not isinstance(raw_items, list):
        raise FeedError("this JSON Feed has no list of items")
    items = []
    for raw in raw_items:
        if not isinstance(raw, dict):
            continue
        title = html_text(_str(raw.get("title")))
        link = _http_link(_str(raw.get("url")) or _str(raw.get("external_url")), url)
        content = html_text(_str(raw.get("content_html"))) or _tidy(_str(raw.get("content_text")))
        summary = html_text(_str(raw.get("summary")))
        text = content or summary
        if not (title or text):
            continue
        published = read_published(_str(raw.get("date_published")) or _str(raw.get("date_modified")) or None,
                                   article=title or "?")  # fmt: skip
        key = _str(raw.get("id")).strip() or link or _digest(title, text)
        items.append(FeedItem(key=key[:1000], title=title or _first_words(text), link=link, published=published,
                              author=_json_author(raw), text=text, full=_is_full(content)))  # fmt: skip
    return ParsedFeed(
        title=html_text(_str(data.get("title"))) or url,
        link=_http_link(_str(data.get("home_page_url")), url),
        items=tuple(items),
    )


def _json_author(raw: dict[str, object]) -> str | None:
    authors = raw.get("authors")
    first = authors[0] if isinstance(authors, list) and authors else raw.get("author")
    name = _str(first.get("name")) if isinstance(first, dict) else ""
    return html_text(name) or None


def _from_struct(moment: object) -> Published | None:
    """feedparser's UTC ``struct_time`` as a date and time of day in UTC."""
    try:
        stamp = calendar.timegm(moment)  # type: ignore[arg-type]
        when = dt.datetime.fromtimestamp(stamp, tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    return Published(when.date(), when.timetz())


def _is_full(content: str) -> bool:
    return len(content.split()) >= MIN_FULL_WORDS


def _http_link(value: object, base: str) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        absolute = urljoin(base, value.strip()) if base else value.strip()
    except ValueError:
        return None
    return absolute if absolute.startswith(("http://", "https://")) else None


def _digest(title: str, text: str) -> str:
    return "sha256:" + hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()


def _first_words(text: str, count: int = 12) -> str:
    words = text.split()
    return " ".join(words[:count]) + ("…" if len(words) > count else "")


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _tidy(text: str) -> str:
    """Control characters (terminal escapes) removed, spaces collapsed within lines, paragraphs
    separated by blank lines, no empty ones."""
    paragraphs = [_SPACES.sub(" ", part).strip() for part in re.split(r"\n\s*\n|\n", strip_controls(text))]
    return "\n\n".join(p for p in paragraphs if p)


class _TextReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data.replace("\n", " "))


class _LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link":
            return
        values = {k.lower(): (v or "") for k, v in attrs}
        rels = values.get("rel", "").lower().split()
        kind = values.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rels and kind in FEED_TYPES and values.get("href"):
            self.hrefs.append(values["href"])
