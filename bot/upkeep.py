"""What a long-running front end does every few seconds: take in the changes other processes made
to the article store, and start a background compaction when one is due."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from bot.compaction import Build, Compactor
from bot.indexing import index_articles
from bot.ingest.loaders import clean_article, load_corpus
from bot.library import Library
from bot.models import Article
from bot.retrieval.tokenize import Tokenizer
from bot.storage.location import StoreLocation

_log = logging.getLogger(__name__)


def full_build(corpus_dir: Path, location: StoreLocation, tokenizer: Tokenizer, *, fingerprint: str) -> Build:
    """The build a compaction runs (in a forked process): ``compaction_articles`` indexed as one
    corpus with ``tokenizer`` and saved in the folder it is given."""

    def build(folder: Path) -> None:
        save_full_build(compaction_articles(corpus_dir, location), tokenizer, folder, fingerprint=fingerprint)

    return build


def compaction_articles(corpus_dir: Path, location: StoreLocation) -> list[Article]:
    """The articles of a full build: the shipped ones of ``corpus_dir``, then those added for every
    server in the store at ``location`` (opened read-only, by the calling process itself), oldest
    first; an id already taken is left out, as at start-up."""
    articles = list(load_corpus(corpus_dir).articles)
    taken = {a.meta.id for a in articles}
    if location.has_articles():
        store = location.open_articles(read_only=True)
        try:
            stored = store.list_articles(guild_id=None)
        finally:
            store.close()
        for item in stored:
            if item.meta.id not in taken:
                taken.add(item.meta.id)
                articles.append(clean_article(Article(item.meta, item.text)))
    return articles


def save_full_build(articles: list[Article], tokenizer: Tokenizer, folder: Path, *, fingerprint: str) -> None:
    """Index ``articles`` (over forked workers) and save the index in ``folder``."""
    corpus = index_articles(articles, tokenizer, fingerprint=fingerprint, tokenizer=tokenizer.describe())
    corpus.save(folder)


class Upkeep:
    """Called every few seconds (the Discord bot) or before each question (the console chat).

    ``library`` follows the store; when there is none yet (no store file when the process
    started), ``open_library`` is asked again each time, and the library it returns is loaded once.
    Failures are logged, never raised: the next round tries again.
    """

    def __init__(
        self,
        library: Library | None,
        *,
        compactor: Compactor | None = None,
        open_library: Callable[[], Library | None] | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.library = library
        self.compactor = compactor
        self._open_library = open_library
        self._warn = warn or _log.warning

    def __call__(self) -> None:
        """One round: sync the store, then start a compaction if one is due."""
        try:
            if self.library is None and self._open_library is not None:
                self.library = self._open_library()
                if self.library is not None:
                    self.library.load_stored(warn=self._warn)
            elif self.library is not None:
                self.library.sync(warn=self._warn)
            if self.compactor is not None:
                self.compactor.start_if_due()
        except Exception as exc:  # a locked or vanished store must not end a chat or the bot
            _log.warning("could not follow the article store: %s", exc)
