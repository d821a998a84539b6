"""Per-sentence features of one article, for the extractive summariser (pure; numpy only).

Every feature is computed from the article alone (its sentences, their paragraphs and its
title), so a summary never depends on which other articles are in the corpus. The names in
``FEATURES`` give the column order of :func:`sentence_features`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FEATURES: tuple[str, ...] = (
    # where the sentence sits
    "inverse_position",  # 1 / (1 + i)
    "is_first",  # the article's first sentence
    "log_position",  # log(1 + i)
    "relative_position",  # i / (n - 1)
    "inverse_paragraph",  # 1 / (1 + paragraph index)
    "log_paragraph",  # log(1 + paragraph index)
    "opens_paragraph",  # first sentence of its paragraph
    # how long it is
    "length",  # content terms / 20
    "capped_length",  # min(content terms, 40) / 40
    "is_short",  # fewer than 6 content terms
    # how central it is
    "degree",  # TextRank edge weight sum, scaled so the article's best is 1
    "pagerank",  # TextRank score, scaled so the best is 1
    "centroid",  # TF-IDF cosine with the article's centroid, scaled so the best is 1
    "mean_frequency",  # mean in-article frequency of its terms (SumBasic), scaled so the best is 1
    "title_overlap",  # cosine of its term set with the title's
    "lead_similarity",  # TF-IDF cosine with the first sentence (0 for the first sentence itself)
    # what kind of sentence it is
    "quoted_share",  # share of its characters inside double quotes
    "starts_with_quote",
    "inside_quotation",  # continues a quotation opened in an earlier sentence of its paragraph
    "is_question",
    "first_person",  # "I", "we", "my", "our"... outside quotes (columns and opinion), capped at 3, / 3
    "starts_anaphoric",  # opens with a pronoun or conjunction that needs the previous sentence
    "has_digit",
    "capitalised_share",  # capitalised words (names) per word, first word excluded
    "reports_speech",  # "said", "says", "told"
    "is_boilerplate",  # "Editor's note:", "Read more:", "... contributed to this report"
    "log_sentences",  # log of the article's sentence count
    # the article's shape (the same for all its sentences) and the sentence's place in it, raw
    # counts for the tree model to split on: news wire, columns and feature stories differ here
    "sentence_count",
    "paragraph_count",
    "mean_words",  # whitespace words per sentence, over the article
    "first_words",  # words of the article's first sentence
    "words",  # words of this sentence
    "relative_words",  # words / mean_words
    "position",  # i, capped at 50
    "paragraph",  # paragraph index, capped at 50
    "position_in_paragraph",
    "paragraph_size",  # sentences in its paragraph
    "sentences_per_paragraph",
    "pagerank_rank",  # 0 for the most central sentence
    "length_rank",  # 0 for the longest sentence (content terms)
    "article_quoted_share",  # mean quoted_share over the article
    "article_first_person",  # mean first_person over the article
)

_SHAPE_START = FEATURES.index("sentence_count")
_QUOTES = "\"\u201c\u201d"
_FIRST_PERSON = re.compile(r"\b(?:I|we|We|my|My|our|Our|me|us|I'm|I've|I'd|I'll)\b")
_ANAPHORIC = re.compile(
    r"^(?:But|And|He|She|It|They|This|That|These|Those|His|Her|Their|Its|So|Or|Yet|There|Still|Also)\b"
)
_DIGIT = re.compile(r"\d")
_CAPITALISED = re.compile(r"(?<!^)\b[A-Z][a-z]+")
_SPEECH = re.compile(r"\b(?:said|says|told)\b")
_BOILERPLATE = re.compile(
    r"^(?:editor's note|editor\u2019s note|read more|read:|watch|click|photos?:|video:|e-mail to a friend)"
    r"|contributed to this report|all rights reserved",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ArticleFeatures:
    """Features of every sentence (rows, columns as ``FEATURES``) and their pairwise similarity."""

    matrix: NDArray[np.float64]
    similarity: NDArray[np.float64]
    lengths: NDArray[np.float64]


def _scaled(values: NDArray[np.float64]) -> NDArray[np.float64]:
    top = float(values.max()) if len(values) else 0.0
    return values / top if top > 0 else values


def pagerank_scores(
    weights: NDArray[np.float64], *, damping: float = 0.85, iterations: int = 50, tolerance: float = 1e-6
) -> NDArray[np.float64]:
    """Stationary scores of the row-normalised weight matrix (a row without edges jumps uniformly),
    by power iteration until the scores move less than ``tolerance`` (L1)."""
    size = len(weights)
    sums = weights.sum(axis=1, keepdims=True)
    transition = np.where(sums > 0, weights / np.where(sums > 0, sums, 1.0), 1.0 / size)
    scores = np.full(size, 1.0 / size)
    for _ in range(iterations):
        new = (1 - damping) / size + damping * (transition.T @ scores)
        if float(np.abs(new - scores).sum()) < tolerance:
            return new
        scores = new
    return scores


def _quoted_share(text: str) -> float:
    inside = 0
    open_quote = False
    for ch in text:
        if ch in _QUOTES:
            open_quote = not open_quote
        elif open_quote:
            inside += 1
    return inside / max(1, len(text))


def _open_quotations(sentences: Sequence[str], paragraphs: Sequence[int]) -> list[bool]:
    """Whether each sentence starts inside a quotation left open by the sentences before it."""
    out = []
    straight = curly = 0
    for i, text in enumerate(sentences):
        if i == 0 or paragraphs[i] != paragraphs[i - 1]:
            straight = curly = 0
        out.append(straight % 2 == 1 or curly > 0)
        straight += text.count('"')
        curly = max(0, curly + text.count("\u201c") - text.count("\u201d"))
    return out


def _unquoted(text: str) -> str:
    parts = re.split(f"[{_QUOTES}]", text)
    return " ".join(parts[0::2])


def sentence_features(
    sentences: Sequence[str],
    terms: Sequence[Sequence[str]],
    *,
    paragraphs: Sequence[int] | None = None,
    title_terms: Sequence[str] = (),
) -> ArticleFeatures:
    """Features of each sentence of one article.

    Parameters
    ----------
    sentences:
        The article's sentences, in order.
    terms:
        The analysed terms of each sentence (the product tokenizer's output).
    paragraphs:
        Paragraph number of each sentence (any increasing numbering); ``None`` treats every
        sentence as its own paragraph.
    title_terms:
        Terms of the article's title (empty when it has none).
    """
    n = len(sentences)
    if paragraphs is None:
        paragraphs = range(n)
    vocab: dict[str, int] = {}
    for ts in terms:
        for t in ts:
            vocab.setdefault(t, len(vocab))
    counts = np.zeros((n, max(1, len(vocab))))
    for i, ts in enumerate(terms):
        for t in ts:
            counts[i, vocab[t]] += 1
    present = (counts > 0).astype(np.float64)
    lengths = counts.sum(axis=1)
    distinct = present.sum(axis=1)

    # TextRank graph: shared terms / (log |Si| + log |Sj|), sentences of fewer than 2 terms left out.
    overlap = present @ present.T
    log_len = np.log(np.maximum(lengths, 1.0))
    denominator = log_len[:, None] + log_len[None, :]
    usable = lengths >= 2
    linked = usable[:, None] & usable[None, :] & (denominator > 0)
    edges = np.where(linked, overlap / np.where(denominator > 0, denominator, 1.0), 0.0)
    np.fill_diagonal(edges, 0.0)
    degree = _scaled(edges.sum(axis=1))
    pagerank = _scaled(pagerank_scores(edges)) if n > 1 else np.ones(n)

    # TF-IDF within the article (sentences as documents): centroid cosine and pairwise similarity.
    df = present.sum(axis=0)
    idf = np.log((1 + n) / (1 + df)) + 1.0
    tfidf = np.where(counts > 0, 1.0 + np.log(np.maximum(counts, 1.0)), 0.0) * idf
    norms = np.linalg.norm(tfidf, axis=1)
    tfidf /= np.where(norms > 0, norms, 1.0)[:, None]
    centroid = tfidf.sum(axis=0)
    centroid /= float(np.linalg.norm(centroid)) or 1.0
    similarity = tfidf @ tfidf.T
    centrality = _scaled(np.maximum(tfidf @ centroid, 0.0))

    frequency = counts.sum(axis=0)
    mean_frequency = _scaled((counts @ frequency) / np.maximum(lengths, 1.0))

    title = {vocab[t] for t in title_terms if t in vocab}
    title_size = len(set(title_terms))
    if title:
        shared = present[:, sorted(title)].sum(axis=1)
        title_overlap = shared / np.sqrt(np.maximum(distinct, 1.0) * title_size)
    else:
        title_overlap = np.zeros(n)

    open_quote = _open_quotations(sentences, paragraphs)
    first_paragraph = paragraphs[0] if n else 0
    rows: list[tuple[float, ...]] = []
    for i, text in enumerate(sentences):
        p = paragraphs[i] - first_paragraph
        words = max(1, len(text.split()))
        plain = _unquoted(text)
        rows.append(
            (
                1.0 / (1 + i),
                float(i == 0),
                math.log1p(i),
                i / max(1, n - 1),
                1.0 / (1 + p),
                math.log1p(p),
                float(i == 0 or paragraphs[i] != paragraphs[i - 1]),
                lengths[i] / 20,
                min(lengths[i], 40) / 40,
                float(lengths[i] < 6),
                degree[i],
                pagerank[i],
                centrality[i],
                mean_frequency[i],
                title_overlap[i],
                similarity[i, 0] if i else 0.0,
                _quoted_share(text),
                float(text[:1] in _QUOTES),
                float(open_quote[i]),
                float(text.rstrip("\"'\u201d\u2019) ").endswith("?")),
                min(3, len(_FIRST_PERSON.findall(plain))) / 3,
                float(bool(_ANAPHORIC.match(text))),
                float(bool(_DIGIT.search(text))),
                len(_CAPITALISED.findall(text)) / words,
                float(bool(_SPEECH.search(text))),
                float(bool(_BOILERPLATE.search(text))),
                math.log(max(1, n)),
            )
        )
    base = np.array(rows, dtype=np.float64).reshape(n, _SHAPE_START)
    matrix = np.hstack([base, _shape_features(base, sentences, paragraphs, lengths, pagerank)])
    return ArticleFeatures(matrix=matrix, similarity=similarity, lengths=lengths)


def _shape_features(
    base: NDArray[np.float64],
    sentences: Sequence[str],
    paragraphs: Sequence[int],
    lengths: NDArray[np.float64],
    pagerank: NDArray[np.float64],
) -> NDArray[np.float64]:
    """The article-shape columns of ``FEATURES`` (from ``sentence_count`` on)."""
    n = len(sentences)
    if n == 0:
        return np.zeros((0, len(FEATURES) - _SHAPE_START))
    words = np.array([max(1, len(s.split())) for s in sentences], dtype=np.float64)
    par = np.asarray(paragraphs, dtype=np.int64)
    par = np.maximum(par - par[0], 0)
    # paragraphs renumbered densely from 0, so their sizes can be counted
    opens = np.r_[True, par[1:] != par[:-1]]
    dense = np.cumsum(opens) - 1
    paragraph_size = np.bincount(dense)[dense]
    starts = np.flatnonzero(opens)
    position_in_paragraph = np.arange(n) - starts[dense]
    paragraph_count = int(dense[-1]) + 1
    pagerank_rank = np.argsort(np.argsort(-pagerank, kind="stable"), kind="stable")
    length_rank = np.argsort(np.argsort(-lengths, kind="stable"), kind="stable")
    column = dict(zip(FEATURES, base.T, strict=False))
    mean_words = float(words.mean())
    return np.column_stack(
        [
            np.full(n, n, dtype=np.float64),
            np.full(n, paragraph_count, dtype=np.float64),
            np.full(n, mean_words),
            np.full(n, words[0]),
            words,
            words / mean_words,
            np.minimum(np.arange(n), 50),
            np.minimum(par, 50),
            position_in_paragraph,
            paragraph_size,
            np.full(n, n / paragraph_count),
            pagerank_rank,
            length_rank,
            np.full(n, float(column["quoted_share"].mean())),
            np.full(n, float(column["first_person"].mean())),
        ]
    ).astype(np.float64)
