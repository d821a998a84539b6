"""Articles that arrive at run time: an uploaded file or a fetched web page -> ``Article``.

Each function checks its input and raises ``CorpusError`` with a one-line reason; nothing is
written anywhere here.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePosixPath

from bot.dates import read_published
from bot.errors import CorpusError
from bot.ingest.documents import ingest
from bot.ingest.loaders import decode_text, parse_article_text, scrub_meta
from bot.ingest.text import strip_controls
from bot.models import Article, ArticleMeta

MAX_UPLOAD_BYTES = 2_000_000
MAX_PAGE_CHARS = 5_000_000  # an HTML page handed in (fetched pages stop at 3 MB); larger ones are refused unread
UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm")
MIN_WORDS = 5  # fewer is a menu label or a caption, not an article


def article_from_upload(filename: str, data: bytes, *, id_prefix: str) -> Article:
    """An uploaded ``.txt``, ``.md`` or ``.html`` file as an article (id ``<prefix>/<slug>-<hash>``)."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise CorpusError(f"{name}: only {', '.join(UPLOAD_SUFFIXES)} files can be added")
    try:
        text = decode_text(data, limit=MAX_UPLOAD_BYTES)
    except CorpusError as exc:
        raise CorpusError(f"{name}: {exc}") from exc
    stem = PurePosixPath(name).stem
    if suffix in (".html", ".htm"):
        return article_from_html(text, url=None, id_prefix=id_prefix, fallback_title=stem)
    meta, body = parse_article_text(text, article_id=stem, markdown=suffix == ".md")
    return _finish(meta, body, id_prefix=id_prefix)


def id_prefix(guild_id: int | None) -> str:
    """Article ids of a server start with ``g<id>/``; global additions with ``added/``."""
    return "added" if guild_id is None else f"g{guild_id}"


def article_from_html(
    html: str, *, url: str | None, id_prefix: str, fallback_title: str = "", with_metadata: bool = True
) -> Article:
    """The main text of a news page (boilerplate, scripts and menus dropped) with title, date and url.

    ``with_metadata=False`` skips reading the page's title, date and site name (about half the work)
    when the caller has them already, such as a feed item's: the title is then ``fallback_title``.
    """
    meta, body = page_text(html, url=url, fallback_title=fallback_title, with_metadata=with_metadata)
    return _finish(meta, body, id_prefix=id_prefix)


def page_text(
    html: str, *, url: str | None, fallback_title: str = "", with_metadata: bool = True
) -> tuple[ArticleMeta, str]:
    """``article_from_html``'s reading of the page, before the article is finished (for a caller
    that finishes it with metadata of its own)."""
    if len(html) > MAX_PAGE_CHARS:
        raise CorpusError(f"the page is {len(html):,} characters long; the limit is {MAX_PAGE_CHARS:,}")
    import trafilatura  # imported here: only pages need it, and it is slow to import

    try:
        doc = trafilatura.bare_extraction(
            html, url=url, with_metadata=with_metadata, include_comments=False, include_tables=False
        )
    except Exception as exc:
        raise CorpusError(f"cannot read the page's HTML: {exc}") from exc
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    if not text:
        raise CorpusError("the page has no article text (only scripts, menus or nothing at all)")
    title = (getattr(doc, "title", None) or fallback_title or "Untitled article").strip()
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if lines and lines[0] == title:
        lines = lines[1:]
    meta = ArticleMeta(
        id=title,
        title=title,
        url=url or getattr(doc, "url", None) or None,
        published=read_published(getattr(doc, "date", None), article=title),
        source=getattr(doc, "sitename", None) or None,
    )
    return meta, "\n\n".join(lines)


def text_digest(text: str) -> str:
    """Digest of an article's sentences, insensitive to spacing and case (finds duplicates)."""
    return hashlib.sha256(" ".join(text.split()).casefold().encode("utf-8")).hexdigest()


def finish_article(meta: ArticleMeta, body: str, *, id_prefix: str) -> Article:
    """``meta`` and ``body`` as an article of ``<prefix>/<slug>-<hash>``; raises ``CorpusError`` when
    there is too little text (for articles made elsewhere, such as a feed's items)."""
    return _finish(meta, body, id_prefix=id_prefix)


def _finish(meta: ArticleMeta, body: str, *, id_prefix: str) -> Article:
    """Clean every field (no control character survives: ``clean_meta``), check there is text,
    and give the article its id."""
    meta, body = scrub_meta(meta), strip_controls(body)
    article = Article(meta=meta, text=body)
    words = sum(len(s.text.split()) for s in ingest(article).sentences)
    if words < MIN_WORDS:
        raise CorpusError(f"{meta.title!r} has no article text to index ({words} words)")
    slug = re.sub(r"[^a-z0-9]+", "-", meta.title.casefold()).strip("-")[:50] or "article"
    digest = text_digest(body)[:10]
    new_meta = ArticleMeta(
        id=f"{id_prefix}/{slug}-{digest}", title=meta.title, url=meta.url, published=meta.published, source=meta.source
    )
    return Article(meta=new_meta, text=body)
