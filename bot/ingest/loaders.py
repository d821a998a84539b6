"""Reading articles from a corpus folder (found and opened, within size limits, by ``bot.ingest.files``).

One file per article: ``.md`` with an optional front-matter block (``title``, ``url``,
``published``, ``source``) or plain ``.txt`` (title from the file name). An archive holds many
articles: ``.jsonl`` or ``.jsonl.gz``, one JSON object per line with ``id``, ``title`` and ``text``
(optionally ``url``, ``published`` or ``date``, ``source``). A file or line that cannot be read is
reported as a warning naming it; the rest of the corpus is still loaded. Publication dates are
parsed here, once (``bot.dates``); an unreadable date leaves the article undated, with a warning.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.dates import read_published
from bot.errors import CorpusError
from bot.ingest.files import (
    ARCHIVE_SUFFIXES,
    SUFFIXES,
    CorpusScan,
    archive_lines,
    read_limited,
    scan_corpus,
)
from bot.ingest.text import clean_line, strip_controls
from bot.models import Article, ArticleMeta, Published

__all__ = [
    "ARCHIVE_SUFFIXES",
    "SUFFIXES",
    "LoadReport",
    "clean_article",
    "corpus_files",
    "corpus_fingerprint",
    "decode_text",
    "is_archive",
    "load_corpus",
    "parse_article_text",
    "read_archive",
    "read_article",
    "scan_corpus",
    "scrub_meta",
    "title_from_id",
]

MAX_ARTICLE_BYTES = 5_000_000  # one article file, or one record of an archive
MAX_ARCHIVE_BYTES = 1_000_000_000  # one archive, uncompressed (the largest real one is ~80 MB)
MAX_TITLE_CHARS = 300
_FRONT_KEYS = ("title", "url", "published", "date", "source")
_HEADING_RE = re.compile(r"^#{1,6}\s+", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class LoadReport:
    """Articles read from a folder, plus one warning per file that was skipped."""

    articles: tuple[Article, ...]
    warnings: tuple[str, ...]


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Article files under ``corpus_dir`` (recursively), sorted; raises if the folder is missing."""
    return [f.path for f in scan_corpus(corpus_dir).files]


def is_archive(path: Path) -> bool:
    """True for a JSON Lines archive of articles (``.jsonl`` or ``.jsonl.gz``)."""
    return path.name.lower().endswith(ARCHIVE_SUFFIXES)


def corpus_fingerprint(corpus_dir: Path) -> str:
    """A digest of the corpus files' names, sizes and modification times (changes when a file does)."""
    return scan_corpus(corpus_dir).fingerprint


def load_corpus(corpus_dir: Path, *, scan: CorpusScan | None = None) -> LoadReport:
    """Read every article of ``corpus_dir`` (the files of ``scan`` when given, as fingerprinted);
    raises ``CorpusError`` if none can be read. The scan's warnings come first in the report."""
    scan = scan or scan_corpus(corpus_dir)
    if not scan.files:
        skipped = f" ({'; '.join(scan.warnings)})" if scan.warnings else ""
        raise CorpusError(f"corpus folder {corpus_dir} holds no .md or .txt article (nor .jsonl archive){skipped}")
    articles: list[Article] = []
    warnings: list[str] = list(scan.warnings)
    for file in scan.files:
        if is_archive(file.path):
            articles.extend(read_archive(file.path, warnings=warnings, real=file.real))
            continue
        try:
            articles.append(read_article(file.path, root=corpus_dir, real=file.real, warnings=warnings))
        except CorpusError as exc:
            warnings.append(str(exc))
    if not articles:
        raise CorpusError(f"no readable article in {corpus_dir}: " + "; ".join(warnings))
    return LoadReport(tuple(articles), tuple(warnings))


def read_article(
    path: Path, *, root: Path, real: Path | None = None, warnings: list[str] | None = None
) -> Article:
    """Read one article file (``real``, the target of a link, when given); raises ``CorpusError``
    naming the file when it cannot be used. A link is never followed here: the scan resolved it.
    An unreadable date adds a warning to ``warnings``; the article is read without it."""
    try:
        raw = read_limited(real or path, limit=MAX_ARTICLE_BYTES, follow_links=real is None)
        text = decode_text(raw, limit=MAX_ARTICLE_BYTES)
    except OSError as exc:
        raise CorpusError(f"skipped {path}: cannot read it ({exc.strerror or exc})") from exc
    except CorpusError as exc:
        raise CorpusError(f"skipped {path}: {exc}") from exc
    article_id = path.relative_to(root).with_suffix("").as_posix()
    meta, body = parse_article_text(
        text, article_id=article_id, markdown=path.suffix.lower() == ".md", warnings=warnings
    )
    if not body.strip():
        raise CorpusError(f"skipped {path}: the article has no text")
    return Article(meta=meta, text=body)


def read_archive(path: Path, *, warnings: list[str], real: Path | None = None) -> Iterator[Article]:
    """Articles of a JSON Lines archive, in file order; a bad line adds a warning and is skipped.

    Ids are the records' own ``id`` values, so they must be unique across the corpus. A record over
    ``MAX_ARTICLE_BYTES`` is skipped; reading stops, with a warning, past ``MAX_ARCHIVE_BYTES``.
    """
    try:
        for line in archive_lines(real or path, line_limit=MAX_ARTICLE_BYTES, total_limit=MAX_ARCHIVE_BYTES):
            if line.data is None:
                warnings.append(f"skipped line {line.number} of {path}: over the {MAX_ARTICLE_BYTES:,}-byte limit")
                continue
            if not line.data.strip():
                continue
            try:
                yield _archive_record(json.loads(line.data), warnings=warnings)
            except (ValueError, TypeError, KeyError) as exc:  # UnicodeDecodeError is a ValueError
                warnings.append(f"skipped line {line.number} of {path}: {exc}")
    except (OSError, EOFError, CorpusError) as exc:
        warnings.append(f"stopped reading {path}: {exc}")


def _archive_record(record: dict[str, object], *, warnings: list[str]) -> Article:
    article_id = clean_line(str(record["id"]))
    text = record["text"]
    if not article_id or not isinstance(text, str) or not text.strip():
        raise ValueError("a record needs a non-empty 'id' and 'text'")
    published = record.get("published") or record.get("date")
    meta = clean_meta(
        article_id,
        title=str(record.get("title") or ""),
        url=str(record["url"]) if record.get("url") else None,
        published=read_published(published, article=article_id, warnings=warnings),
        source=str(record["source"]) if record.get("source") else None,
    )
    return Article(meta=meta, text=text)  # control characters: removed by ``normalise`` at ingest


def clean_meta(
    article_id: str,
    *,
    title: str,
    url: str | None = None,
    published: Published | None = None,
    source: str | None = None,
) -> ArticleMeta:
    """Article metadata from raw field values: every control character (a terminal escape such as
    ESC or BEL) and line break removed (``clean_line``), the title cut to ``MAX_TITLE_CHARS`` (from
    the id when empty), empty fields ``None``."""

    def optional(value: str | None) -> str | None:
        return clean_line(value) or None if value else None

    cleaned = clean_line(title) or title_from_id(clean_line(article_id)) or "Untitled article"
    return ArticleMeta(
        id=clean_line(article_id),
        title=cleaned[:MAX_TITLE_CHARS],
        url=optional(url),
        published=published,
        source=optional(source),
    )


def scrub_meta(meta: ArticleMeta) -> ArticleMeta:
    """``meta`` with every field cleaned as ``clean_meta`` does (for metadata stored by older versions)."""
    return clean_meta(meta.id, title=meta.title, url=meta.url, published=meta.published, source=meta.source)


def clean_article(article: Article) -> Article:
    """``article`` with every field cleaned as at ingest (for articles stored by older versions)."""
    meta, text = scrub_meta(article.meta), strip_controls(article.text)
    return article if meta == article.meta and text == article.text else Article(meta=meta, text=text)


def decode_text(data: bytes, *, limit: int) -> str:
    """The text of an article file's bytes; raises ``CorpusError`` if too big, binary or not UTF-8."""
    if len(data) > limit:
        raise CorpusError(f"{len(data):,} bytes is over the {limit:,}-byte limit")
    if b"\0" in data:
        raise CorpusError("binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"not UTF-8 (byte {exc.start}); save it as UTF-8") from exc


def parse_article_text(
    text: str, *, article_id: str, markdown: bool, warnings: list[str] | None = None
) -> tuple[ArticleMeta, str]:
    """Split front matter from the body and build the metadata (pure; used by loaders and uploads).

    The metadata is cleaned (``clean_meta``); the body keeps its characters: ``normalise`` drops its
    control characters when it is ingested, and uploads, which are stored, strip them before. An
    unreadable ``published`` date is left out, with a warning in ``warnings``.
    """
    fields: dict[str, str] = {}
    body = text
    if markdown:
        fields, body = _front_matter(text)
        body = _HEADING_RE.sub("", body)
    meta = clean_meta(
        article_id,
        title=fields.get("title") or "",
        url=fields.get("url"),
        published=read_published(fields.get("published") or fields.get("date"), article=article_id, warnings=warnings),
        source=fields.get("source"),
    )
    return meta, body


def title_from_id(article_id: str) -> str:
    """A readable title from a file name: ``trump-putin_call`` -> ``Trump putin call``."""
    words = re.sub(r"[-_]+", " ", article_id.rsplit("/", 1)[-1]).strip()
    return words[:1].upper() + words[1:] if words else article_id


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return {}, text
    fields: dict[str, str] = {}
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            return fields, "".join(lines[i + 1 :])
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if sep and key in _FRONT_KEYS:
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            fields[key] = value
    return {}, text  # no closing marker: not front matter
