"""Topic summaries: from sentences retrieved for a topic across articles, pick a few that say
the most about it without repeating each other (pure; the caller retrieves and cites).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class TopicParams:
    """Knobs of topic selection, with the values the bot uses.

    ``importance``: weight of how summary-worthy a sentence is within its own article (0-1)
    against its relevance to the topic (scaled so the best candidate is 1). ``redundancy``: a
    candidate whose TF-IDF cosine with a chosen sentence exceeds this is skipped.
    ``per_article``: at most this many sentences from one article, while other articles have
    candidates left.
    """

    importance: float = 0.3
    redundancy: float = 0.5
    per_article: int = 2


def select_topic_sentences(
    relevance: Sequence[float] | NDArray[np.float64],
    importance: Sequence[float] | NDArray[np.float64],
    articles: Sequence[int] | NDArray[np.int64],
    similarity: NDArray[np.float64],
    texts: Sequence[str],
    *,
    n: int,
    params: TopicParams | None = None,
) -> list[int]:
    """Indices of the candidates to show, best first.

    Parameters
    ----------
    relevance:
        Each candidate's retrieval score for the topic (higher is better).
    importance:
        Each candidate's summary-worthiness inside its article, from 0 (least) to 1 (most).
    articles:
        The article each candidate comes from.
    similarity:
        Pairwise cosine similarity of the candidates.
    texts:
        The candidates' texts; a text already chosen (ignoring case and spacing) is never repeated.
    n:
        How many to pick at most.
    """
    params = params or TopicParams()
    size = len(relevance)
    if n <= 0 or size == 0:
        return []
    rel = np.asarray(relevance, dtype=np.float64)
    top = float(rel.max())
    rel = rel / top if top > 0 else rel
    score = rel + params.importance * np.asarray(importance, dtype=np.float64)
    order = np.lexsort((np.arange(size), -score)).tolist()
    keys = [" ".join(t.split()).casefold() for t in texts]
    chosen: list[int] = []
    seen: set[str] = set()
    per_article: dict[int, int] = {}
    for limit in (params.per_article, size):
        for i in order:
            if len(chosen) == n:
                return chosen
            article = int(articles[i])
            if i in chosen or keys[i] in seen or per_article.get(article, 0) >= limit:
                continue
            if any(similarity[i, j] > params.redundancy for j in chosen):
                continue
            chosen.append(i)
            seen.add(keys[i])
            per_article[article] = per_article.get(article, 0) + 1
    return chosen

