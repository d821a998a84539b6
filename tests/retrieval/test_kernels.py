"""The compiled posting-list loops (``bot.retrieval.kernels``) against plain numpy on the same data."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from bot.retrieval import kernels
from bot.retrieval.kernels import BLOCK, compiled


def _matrix(n_rows: int, n_terms: int, seed: int) -> sparse.csc_matrix:
    """A random rows x terms matrix with a few entries per row, some on the same values (ties)."""
    rng = np.random.default_rng(seed)
    per_row = rng.integers(1, 6, n_rows)
    rows = np.repeat(np.arange(n_rows), per_row)
    cols = rng.integers(0, n_terms, len(rows))
    values = rng.choice(np.array([0.25, 0.5, 0.75, 1.0], dtype=np.float32), len(rows))
    matrix = sparse.csr_matrix((values, (rows, cols)), shape=(n_rows, n_terms), dtype=np.float32)
    matrix.sum_duplicates()
    return matrix.tocsc()


def _reference(matrix, columns, weights, k, visible=None):
    """Best first, ties by lower row, with the idf sum (here: weights) of the terms each row holds."""
    scores = np.asarray(matrix[:, columns].astype(np.float32) @ weights.astype(np.float32)).ravel()
    held = np.asarray((matrix[:, columns] != 0).astype(np.float64) @ weights).ravel()
    candidates = np.flatnonzero(scores > 0)
    if visible is not None:
        candidates = candidates[visible[candidates]]
    order = candidates[np.lexsort((candidates, -scores[candidates]))][:k]
    return order, held[order]


# More rows than one block, so that rows in later blocks and block edges are covered.
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k", [1, 7, 300])
def test_top_rows_equals_a_dense_sum(seed, k):
    n_rows = 2 * BLOCK + 123
    matrix = _matrix(n_rows, 60, seed)
    rng = np.random.default_rng(seed + 10)
    for _ in range(5):
        columns = np.unique(rng.integers(0, 60, rng.integers(1, 6)))
        weights = rng.uniform(0.5, 3.0, len(columns))
        no_filter = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.bool_)
        rows, scores, held = compiled().top_rows(
            matrix.indptr, matrix.indices, matrix.data, columns, weights, weights, n_rows, k, *no_filter, True
        )
        expected_rows, expected_held = _reference(matrix, columns, weights, k)
        assert rows.tolist() == expected_rows.tolist()
        assert np.all(np.diff(scores) <= 0)
        assert np.allclose(held, expected_held)


def test_top_rows_keeps_only_visible_groups():
    n_rows = BLOCK + 500
    matrix = _matrix(n_rows, 20, 5)
    group = (np.arange(n_rows) // 1000).astype(np.int64)
    allowed = np.arange(group.max() + 1) % 3 == 0
    columns, weights = np.array([1, 4, 9]), np.array([1.0, 2.0, 0.5])
    rows, _, _ = compiled().top_rows(
        matrix.indptr, matrix.indices, matrix.data, columns, weights, weights, n_rows, 50, group, allowed, False
    )
    expected, _ = _reference(matrix, columns, weights, 50, visible=allowed[group])
    assert rows.tolist() == expected.tolist()
    # With no group array, ``visible`` is read per row.
    per_row = allowed[group]
    rows, _, _ = compiled().top_rows(
        matrix.indptr, matrix.indices, matrix.data, columns, weights, weights, n_rows, 50,
        np.zeros(0, dtype=np.int64), per_row, False,
    )  # fmt: skip
    assert rows.tolist() == expected.tolist()


def test_top_rows_of_terms_without_rows_is_empty():
    matrix = _matrix(100, 10, 3)
    empty_column = sparse.hstack([matrix, sparse.csc_matrix((100, 1), dtype=np.float32)]).tocsc()
    rows, scores, held = compiled().top_rows(
        empty_column.indptr, empty_column.indices, empty_column.data, np.array([10]), np.ones(1), np.ones(1),
        100, 5, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.bool_), True,
    )  # fmt: skip
    assert len(rows) == len(scores) == len(held) == 0


def test_evidence_equals_per_term_lookups():
    n_rows, n_terms = 3000, 30
    matrix = _matrix(n_rows, n_terms, 7)
    rng = np.random.default_rng(8)
    first_row = np.r_[0, np.sort(rng.choice(np.arange(1, n_rows), 99, replace=False)), n_rows]
    article_of = np.repeat(np.arange(100), np.diff(first_row))
    # Titles: article a's title holds the terms a % 7 and a % 11.
    title_terms = [{a % 7, a % 11} for a in range(100)]
    t_indptr = np.r_[0, np.cumsum([sum(c in t for t in title_terms) for c in range(n_terms)])]
    t_articles = np.array([a for c in range(n_terms) for a in range(100) if c in title_terms[a]], dtype=np.int64)
    columns = np.array([2, 5, 9, 13])
    weights = np.array([0.4, 0.3, 0.6, 0.2])
    bits = np.array([1, 2, 4, 8], dtype=np.int64)
    rows = np.sort(rng.choice(n_rows, 400, replace=False))
    arts, row_art = np.unique(article_of[rows], return_inverse=True)
    a_lo, a_hi = first_row[arts], first_row[arts + 1]
    # Called as plain Python: inside the compiled first stage it runs as the same code.
    cosine, cosine_title, local, mask, title_mask, local_mass = kernels._evidence(
        matrix.indptr, matrix.indices, matrix.data, columns, weights, bits, rows, row_art, a_lo, a_hi,
        t_indptr, t_articles, arts,
    )  # fmt: skip
    dense = matrix.toarray()
    sizes = (a_hi - a_lo).astype(np.float64)
    want_mass = (np.log(sizes + 1) + 1) * 0
    for j, col in enumerate(columns):
        values = dense[rows, col].astype(np.float64) * weights[j]
        holds = dense[rows, col] != 0
        in_title = np.array([col in title_terms[a] for a in arts])
        df = np.array([np.count_nonzero(dense[lo:hi, col]) for lo, hi in zip(a_lo, a_hi, strict=True)])
        term_local = np.log((sizes + 1) / (df + 1)) + 1
        want_mass = want_mass + term_local
        assert np.array_equal(mask & bits[j] != 0, holds)
        assert np.array_equal(title_mask & bits[j] != 0, in_title)
        cosine -= values
        cosine_title -= np.where(in_title[row_art], values, 0.0)
        local -= np.where(holds, term_local[row_art], 0.0)
    assert np.allclose(cosine, 0) and np.allclose(cosine_title, 0) and np.allclose(local, 0)
    assert np.allclose(local_mass, want_mass)


@pytest.mark.parametrize("seed", [0, 3])
@pytest.mark.parametrize("k", [1, 7, 300])
def test_numpy_top_rows_equals_the_compiled_loop(seed, k):
    """Where numba is missing or switched off, the numpy loop gives the same rows, scores and coverage."""
    n_rows = BLOCK + 321
    matrix = _matrix(n_rows, 40, seed)
    group = (np.arange(n_rows) // 700).astype(np.int64)
    allowed = np.arange(group.max() + 1) % 2 == 0
    rng = np.random.default_rng(seed + 20)
    for filters in ((np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.bool_)), (group, allowed)):
        for data in (matrix.data, np.zeros(0, dtype=np.float32)):
            columns = np.unique(rng.integers(0, 40, rng.integers(1, 6)))
            weights = rng.uniform(0.5, 3.0, len(columns))
            args = (matrix.indptr, matrix.indices, data, columns, weights, weights * 2, n_rows, k, *filters, True)
            want, got = compiled().top_rows(*args), kernels._numpy_top_rows(*args)
            assert got[0].tolist() == want[0].tolist()
            assert got[1].tolist() == want[1].tolist()
            assert np.allclose(got[2], want[2])


def test_choose_off_gives_the_numpy_loops_and_says_so(tmp_path):
    try:
        kernels.choose(kernels.LoopChoice(use_numba=False, cache_dir=tmp_path))
        assert compiled().top_rows is kernels._numpy_top_rows
        assert compiled().first_stage is kernels._first_stage  # plain Python: the same code uncompiled
        assert kernels.describe().startswith("numpy")
        assert not kernels.needs_compiling(kernels.LoopChoice(use_numba=False, cache_dir=tmp_path))
    finally:
        kernels.choose(kernels.LoopChoice())
    assert kernels.describe().startswith("numba")


def test_needs_compiling_until_machine_code_is_cached(tmp_path):
    choice = kernels.LoopChoice(use_numba=True, cache_dir=tmp_path)
    assert kernels.needs_compiling(choice)
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "kernels._top_rows-60.py311.nbi").write_bytes(b"")
    assert not kernels.needs_compiling(choice)
