"""A TF-IDF index over sentences, searched through the query terms' posting lists.

The matrix is built by scikit-learn's ``TfidfVectorizer`` (sublinear tf, smoothed idf, l2-normalised
rows) and kept in CSC form: column ``t`` lists the rows that contain term ``t``. A query touches only
the columns of its own terms, so search cost grows with the length of those posting lists, not
with the number of sentences.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse


@dataclass(frozen=True, slots=True)
class QueryVector:
    """The weighted terms of a query, split into those the index knows and those it does not."""

    columns: NDArray[np.int64]
    weights: NDArray[np.float64]
    idf: NDArray[np.float64]
    unknown: tuple[str, ...]
    unknown_idf: float

    @property
    def idf_mass(self) -> float:
        """Total idf of all the query's terms, unknown terms counted at the highest idf."""
        return float(self.idf.sum()) + self.unknown_idf * len(self.unknown)


@dataclass(frozen=True, slots=True)
class Scores:
    """Rows touched by a query, with cosine score and the share of query idf each row matched."""

    rows: NDArray[np.int64]
    scores: NDArray[np.float64]
    coverage: NDArray[np.float64]


def _identity(terms: list[str]) -> list[str]:
    return terms


@dataclass(frozen=True, slots=True)
class SentenceIndex:
    """Rows are sentences, columns are terms.

    Parameters
    ----------
    matrix:
        ``n_rows x n_terms`` CSC matrix of l2-normalised TF-IDF weights.
    vocabulary:
        Term -> column.
    idf:
        Inverse document frequency per column.
    """

    matrix: sparse.csc_matrix
    vocabulary: dict[str, int]
    idf: NDArray[np.float64]

    @property
    def n_rows(self) -> int:
        """Number of indexed sentences."""
        return int(self.matrix.shape[0])

    @classmethod
    def build(cls, term_lists: Sequence[list[str]]) -> SentenceIndex:
        """Index pre-tokenised sentences (one term list per row)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        if not term_lists:
            return cls(sparse.csc_matrix((0, 0), dtype=np.float64), {}, np.zeros(0))
        vectorizer = TfidfVectorizer(
            analyzer=_identity, sublinear_tf=True, smooth_idf=True, norm="l2", dtype=np.float64
        )
        matrix = vectorizer.fit_transform(term_lists)
        vocabulary = {str(t): int(i) for t, i in vectorizer.vocabulary_.items()}
        return cls(matrix.tocsc(), vocabulary, np.asarray(vectorizer.idf_, dtype=np.float64))

    def max_idf(self) -> float:
        """The idf a term would have if it occurred in no row (used for unknown query terms)."""
        return math.log((self.n_rows + 1) / 1) + 1.0

    def query_vector(self, terms: Sequence[str]) -> QueryVector:
        """Weight query terms like a row: sublinear tf times idf, l2-normalised over known terms.

        Never adds to the vocabulary: unknown terms are reported, not indexed.
        """
        counts = Counter(terms)
        known = [(self.vocabulary[t], c) for t, c in counts.items() if t in self.vocabulary]
        unknown = tuple(t for t in counts if t not in self.vocabulary)
        columns = np.array([c for c, _ in known], dtype=np.int64)
        idf = self.idf[columns] if len(columns) else np.zeros(0)
        tf = np.array([1.0 + math.log(n) for _, n in known], dtype=np.float64)
        weights = tf * idf
        norm = float(np.linalg.norm(weights))
        if norm > 0:
            weights = weights / norm
        return QueryVector(columns, weights, idf, unknown, self.max_idf())

    def score(self, query: QueryVector) -> Scores:
        """Cosine score and idf coverage for every row that shares a term with the query."""
        if len(query.columns) == 0:
            empty = np.zeros(0)
            return Scores(np.zeros(0, dtype=np.int64), empty, empty)
        m = self.matrix
        indptr, indices, data = m.indptr, m.indices, m.data
        row_parts, val_parts, idf_parts = [], [], []
        for col, weight, idf in zip(query.columns.tolist(), query.weights.tolist(), query.idf.tolist(), strict=True):
            lo, hi = int(indptr[col]), int(indptr[col + 1])
            row_parts.append(indices[lo:hi])
            val_parts.append(data[lo:hi] * weight)
            idf_parts.append(np.full(hi - lo, idf))
        rows_all = np.concatenate(row_parts)
        rows, inverse = np.unique(rows_all, return_inverse=True)
        scores = np.bincount(inverse, weights=np.concatenate(val_parts), minlength=len(rows))
        mass = query.idf_mass
        matched = np.bincount(inverse, weights=np.concatenate(idf_parts), minlength=len(rows))
        coverage = matched / mass if mass > 0 else np.zeros(len(rows))
        return Scores(rows.astype(np.int64), scores, coverage)

    def top(self, scores: Scores, k: int) -> Scores:
        """The ``k`` best rows of ``scores``, best first (ties broken by row order)."""
        n = len(scores.rows)
        if n == 0 or k <= 0:
            return scores if n == 0 else Scores(scores.rows[:0], scores.scores[:0], scores.coverage[:0])
        part = np.argpartition(-scores.scores, k - 1)[:k] if n > k else np.arange(n)
        order = part[np.lexsort((scores.rows[part], -scores.scores[part]))]
        return Scores(scores.rows[order], scores.scores[order], scores.coverage[order])

    def arrays(self) -> dict[str, NDArray[np.generic]]:
        """The arrays to persist (no pickled objects)."""
        m = self.matrix
        return {
            "matrix_data": np.asarray(m.data, dtype=np.float32),
            "matrix_indices": np.asarray(m.indices, dtype=np.int32),
            "matrix_indptr": np.asarray(m.indptr, dtype=np.int64),
            "idf": np.asarray(self.idf, dtype=np.float64),
        }

    def terms(self) -> list[str]:
        """Vocabulary in column order."""
        out = [""] * len(self.vocabulary)
        for term, col in self.vocabulary.items():
            out[col] = term
        return out

    @classmethod
    def from_arrays(
        cls, arrays: dict[str, NDArray[np.generic]], terms: list[str], n_rows: int
    ) -> SentenceIndex:
        """Rebuild from what ``arrays`` and ``terms`` returned."""
        matrix = sparse.csc_matrix(
            (arrays["matrix_data"], arrays["matrix_indices"], arrays["matrix_indptr"]),
            shape=(n_rows, len(terms)),
        )
        vocabulary = {t: i for i, t in enumerate(terms)}
        return cls(matrix, vocabulary, np.asarray(arrays["idf"], dtype=np.float64))
