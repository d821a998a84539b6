"""The live corpus of a ``NewsService``: one value holding everything derived from the corpus,
replaced as a whole when an article is added or removed or a full build is swapped in, so a reader
that takes it once sees one consistent corpus."""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from bot.models import ArticleMeta, Document
from bot.retrieval.rank import Ranker
from bot.retrieval.store import CorpusIndex
from bot.retrieval.tokenize import Tokenizer

GLOBAL = 0  # owner key of shipped articles and of those added for every server
REMOVED = -1  # owner key of an article removed at run time


def owner_key(guild_id: int | None) -> int:
    return GLOBAL if guild_id is None else int(guild_id)


def publication_day(meta: ArticleMeta) -> int:
    """The article's publication day as ``date.toordinal()``; 0 when undated."""
    return meta.published.date.toordinal() if meta.published is not None else 0


@dataclass(frozen=True, slots=True)
class Live:
    """What readers of one corpus use; never changed, only replaced."""

    corpus: CorpusIndex
    ranker: Ranker
    by_id: dict[str, int]
    owners: NDArray[np.int64]  # per article: GLOBAL, REMOVED or the Discord server that added it
    # Article numbers sorted by (title, id): autocomplete reads it on every keystroke, so it is sorted
    # once per corpus (``None``: sort now), and an added article is inserted in its place.
    title_order: tuple[int, ...] | None = None
    # Per article: its publication day (``date.toordinal()``, 0 when undated); ``None``: work it out.
    days: NDArray[np.int32] = None  # type: ignore[assignment]
    built: int = -1  # articles of the full build (the rest were added since); -1: every article
    dated: bool = dataclasses.field(init=False, default=False)  # whether any article has a date

    def __post_init__(self) -> None:
        if self.title_order is None:
            order = sorted(range(len(self.corpus.articles)), key=self._title_key)
            object.__setattr__(self, "title_order", tuple(order))
        if self.days is None:
            metas = self.corpus.articles
            days = np.fromiter((publication_day(m) for m in metas), dtype=np.int32, count=len(metas))
            object.__setattr__(self, "days", days)
        object.__setattr__(self, "dated", bool(self.days.any()))
        if self.built < 0:
            object.__setattr__(self, "built", len(self.corpus.articles))

    def with_documents(self, documents: Sequence[Document], owners: Sequence[int], tokenizer: Tokenizer) -> Live:
        """This corpus with ``documents`` added as the last articles, ``owners`` theirs (readers of
        this one see no change). Many at once cost about as much as one: the index is copied once."""
        if not documents:
            return self
        corpus = self.corpus.with_documents(documents, tokenizer)
        ranker = self.ranker.extended(corpus)  # the live ranker's tables plus these articles'
        ranker.prepare()  # anything the live ranker had not worked out yet is made here, not by a reader
        first = len(self.corpus.articles)
        by_id = {**self.by_id, **{d.meta.id: first + i for i, d in enumerate(documents)}}
        days = np.concatenate([self.days, [publication_day(d.meta) for d in documents]]).astype(np.int32)
        owner_keys = np.concatenate([self.owners, np.asarray(owners, dtype=np.int64)])
        order = self.title_order_with(corpus)
        return Live(corpus, ranker, by_id, owner_keys, order, days, self.built)

    def _title_key(self, article: int) -> tuple[str, str]:
        meta = self.corpus.articles[article]
        return meta.title.casefold(), meta.id

    def title_order_with(self, corpus: CorpusIndex) -> tuple[int, ...]:
        """The title order of ``corpus``, which is this corpus with articles added at the end
        (binary searches, not a sort: an add must not hold the interpreter for a sort of every title)."""
        order = self.title_order or ()

        def title_key(article: int) -> tuple[str, str]:
            meta = corpus.articles[article]
            return meta.title.casefold(), meta.id

        merged: list[int] = []
        done = 0
        for added in sorted(range(len(self.corpus.articles), len(corpus.articles)), key=title_key):
            place = bisect.bisect_left(order, title_key(added), lo=done, key=self._title_key)
            merged.extend(order[done:place])
            merged.append(added)
            done = place
        merged.extend(order[done:])
        return tuple(merged)

    def may_see(self, article: int, guild_id: int | None) -> bool:
        """Whether ``guild_id`` may see the article at index ``article``."""
        owner = int(self.owners[article])  # one entry: not the whole mask ``visible`` builds
        return owner == GLOBAL or (guild_id is not None and owner == int(guild_id))

    def visible(self, guild_id: int | None) -> NDArray[np.bool_] | None:
        """Which articles ``guild_id`` may see, or ``None`` when every article is visible."""
        owners = self.owners
        if not owners.any():
            return None
        mask = owners == GLOBAL
        if guild_id is not None:
            mask |= owners == int(guild_id)
        return mask


@dataclass(frozen=True, slots=True)
class Growth:
    """Articles of the last full build, and those added since (for every server, for one server)
    or removed, which the index carries beside it until the next full build."""

    built: int
    added_global: int
    added_servers: int
    removed: int


@dataclass(frozen=True, slots=True)
class Swapped:
    """A swapped-in full build: its articles, and the live articles indexed again on top of it
    (``replayed``) or dropped because their text was gone from the store."""

    articles: int
    replayed: int
    dropped: int
