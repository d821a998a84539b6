"""Extractive summaries: pick an article's most central sentences, quoted verbatim in article order."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

DEFAULT_SENTENCES = 3


def select_sentences(
    sentences: Sequence[str], analyse: Callable[[str], list[str]], *, n: int = DEFAULT_SENTENCES
) -> list[int]:
    """Indices (ascending) of the ``n`` sentences that best summarise ``sentences``.

    Each sentence is scored by the cosine of its TF-IDF vector with the whole article's centroid,
    weighted towards the start of the article (news puts the essentials first); a sentence too
    similar to one already chosen is skipped. Fewer sentences than ``n`` returns them all.
    """
    if n <= 0:
        return []
    if len(sentences) <= n:
        return list(range(len(sentences)))
    terms = [analyse(s) for s in sentences]
    vocab: dict[str, int] = {}
    for ts in terms:
        for t in ts:
            vocab.setdefault(t, len(vocab))
    if not vocab:
        return list(range(n))
    df = Counter(t for ts in terms for t in set(ts))
    n_docs = len(sentences)
    matrix = np.zeros((n_docs, len(vocab)))
    for i, ts in enumerate(terms):
        for t, c in Counter(ts).items():
            matrix[i, vocab[t]] = (1 + math.log(c)) * (math.log((1 + n_docs) / (1 + df[t])) + 1)
    norms = np.linalg.norm(matrix, axis=1)
    norms[norms == 0] = 1.0
    matrix /= norms[:, None]
    centroid = matrix.sum(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    centrality = matrix @ centroid
    position = 1.0 / np.sqrt(1.0 + np.arange(n_docs))
    score = centrality * (0.5 + position)
    chosen: list[int] = []
    for i in np.argsort(-score, kind="stable").tolist():
        if len(terms[i]) < 3:
            continue
        if any(float(matrix[i] @ matrix[j]) > 0.7 for j in chosen):
            continue
        chosen.append(i)
        if len(chosen) == n:
            break
    return sorted(chosen)
