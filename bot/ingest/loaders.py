"""Reading articles from a corpus folder: the only code that opens article files.

One file per article: ``.md`` with an optional front-matter block (``title``, ``url``,
``published``, ``source``) or plain ``.txt`` (title from the file name). An archive holds many
articles: ``.jsonl`` or ``.jsonl.gz``, one JSON object per line with ``id``, ``title`` and ``text``
(optionally ``url``, ``published`` or ``date``, ``source``). A file or line that cannot be read is
reported as a warning naming it; the rest of the corpus is still loaded. Publication dates are
parsed here, once (``bot.dates``); an unreadable date leaves the article undated, with a warning.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.dates import read_published
from bot.errors import CorpusError
from bot.models import Article, ArticleMeta

SUFFIXES = frozenset({".md", ".txt"})
ARCHIVE_SUFFIXES = (".jsonl", ".jsonl.gz")
MAX_ARTICLE_BYTES = 5_000_000
_FRONT_KEYS = ("title", "url", "published", "date", "source")
_HEADING_RE = re.compile(r"^#{1,6}\s+", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class LoadReport:
    """Articles read from a folder, plus one warning per file that was skipped."""

    articles: tuple[Article, ...]
    warnings: tuple[str, ...]


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Article files under ``corpus_dir`` (recursively), sorted; raises if the folder is missing."""
    if not corpus_dir.exists():
        raise CorpusError(f"corpus folder {corpus_dir} does not exist")
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus path {corpus_dir} is not a folder")
    return sorted(
        p
        for p in corpus_dir.rglob("*")
        if (p.suffix.lower() in SUFFIXES or is_archive(p)) and p.is_file() and not _hidden(p, corpus_dir)
    )


def is_archive(path: Path) -> bool:
    """True for a JSON Lines archive of articles (``.jsonl`` or ``.jsonl.gz``)."""
    return path.name.lower().endswith(ARCHIVE_SUFFIXES)


def corpus_fingerprint(corpus_dir: Path) -> str:
    """A digest of the corpus files' names, sizes and modification times (changes when a file does)."""
    digest = hashlib.sha256()
    for path in corpus_files(corpus_dir):
        stat = path.stat()
        digest.update(f"{path.relative_to(corpus_dir).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def load_corpus(corpus_dir: Path) -> LoadReport:
    """Read every article of ``corpus_dir``; raises ``CorpusError`` if none can be read."""
    files = corpus_files(corpus_dir)
    if not files:
        raise CorpusError(f"corpus folder {corpus_dir} holds no .md or .txt article (nor .jsonl archive)")
    articles: list[Article] = []
    warnings: list[str] = []
    for path in files:
        if is_archive(path):
            articles.extend(read_archive(path, warnings=warnings))
            continue
        try:
            articles.append(read_article(path, root=corpus_dir, warnings=warnings))
        except CorpusError as exc:
            warnings.append(str(exc))
    if not articles:
        raise CorpusError(f"no readable article in {corpus_dir}: " + "; ".join(warnings))
    return LoadReport(tuple(articles), tuple(warnings))


def read_article(path: Path, *, root: Path, warnings: list[str] | None = None) -> Article:
    """Read one article file; raises ``CorpusError`` naming the file when it cannot be used.

    An unreadable date adds a warning to ``warnings``; the article is read without it.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"skipped {path}: cannot read it ({exc.strerror or exc})") from exc
    try:
        text = decode_text(raw, limit=MAX_ARTICLE_BYTES)
    except CorpusError as exc:
        raise CorpusError(f"skipped {path}: {exc}") from exc
    article_id = path.relative_to(root).with_suffix("").as_posix()
    meta, body = parse_article_text(
        text, article_id=article_id, markdown=path.suffix.lower() == ".md", warnings=warnings
    )
    if not body.strip():
        raise CorpusError(f"skipped {path}: the article has no text")
    return Article(meta=meta, text=body)


def read_archive(path: Path, *, warnings: list[str]) -> Iterator[Article]:
    """Articles of a JSON Lines archive, in file order; a bad line adds a warning and is skipped.

    Ids are the records' own ``id`` values, so they must be unique across the corpus.
    """
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    yield _archive_record(json.loads(line), warnings=warnings)
                except (ValueError, TypeError, KeyError) as exc:
                    warnings.append(f"skipped line {number} of {path}: {exc}")
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        warnings.append(f"stopped reading {path}: {exc}")


def _archive_record(record: dict[str, object], *, warnings: list[str]) -> Article:
    article_id = str(record["id"]).strip()
    text = record["text"]
    if not article_id or not isinstance(text, str) or not text.strip():
        raise ValueError("a record needs a non-empty 'id' and 'text'")
    title = str(record.get("title") or "") or title_from_id(article_id)
    published = record.get("published") or record.get("date")
    meta = ArticleMeta(
        id=article_id,
        title=" ".join(title.split())[:300],
        url=str(record["url"]) if record.get("url") else None,
        published=read_published(published, article=article_id, warnings=warnings),
        source=str(record["source"]) if record.get("source") else None,
    )
    return Article(meta=meta, text=text)


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

    An unreadable ``published`` date is left out, with a warning in ``warnings``.
    """
    fields: dict[str, str] = {}
    body = text
    if markdown:
        fields, body = _front_matter(text)
        body = _HEADING_RE.sub("", body)
    title = fields.get("title") or title_from_id(article_id)
    meta = ArticleMeta(
        id=article_id,
        title=" ".join(title.split())[:300],
        url=fields.get("url") or None,
        published=read_published(fields.get("published") or fields.get("date"), article=article_id, warnings=warnings),
        source=fields.get("source") or None,
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


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)
