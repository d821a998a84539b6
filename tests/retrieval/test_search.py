import random

import numpy as np
import pytest

from bot.retrieval.index import RowFilter, SentenceIndex

WORDS = [f"w{i}" for i in range(40)]


def _random_rows(n: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    return [[rng.choice(WORDS[: rng.randint(3, 40)]) for _ in range(rng.randint(1, 12))] for _ in range(n)]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("k", [1, 5, 50, 1000])
def test_search_equals_top_of_score(seed, k):
    index = SentenceIndex.build(_random_rows(400, seed))
    rng = random.Random(seed + 100)
    for _ in range(25):
        query = index.query_vector([rng.choice(WORDS) for _ in range(rng.randint(1, 6))] + ["unseen"])
        every = index.score(query)
        expected = index.top(every, k)
        got = index.search(query, k)
        assert np.allclose(got.scores, expected.scores, atol=1e-6)
        # Same rows, except where rows tie on score (at float precision) and may swap places.
        tied = np.isclose(expected.scores[:, None], every.scores[None, :], atol=1e-6).sum(axis=1) > 1
        assert np.array_equal(got.rows[~tied], expected.rows[~tied])
        assert np.allclose(got.coverage[~tied], expected.coverage[~tied])


def test_search_leaves_the_scratch_space_clean():
    index = SentenceIndex.build(_random_rows(200, 7))
    query = index.query_vector(["w1", "w2", "w3"])
    first = index.search(query, 10)
    index.search(index.query_vector(["w5"]), 10)
    again = index.search(query, 10)
    assert np.array_equal(first.rows, again.rows) and np.array_equal(first.scores, again.scores)


def test_search_of_nothing():
    index = SentenceIndex.build(_random_rows(50, 8))
    assert len(index.search(index.query_vector(["unseen"]), 10).rows) == 0
    assert len(index.search(index.query_vector(["w1"]), 0).rows) == 0


@pytest.mark.parametrize("seed", [4, 5])
def test_search_with_keep_finds_only_kept_rows_with_their_scores(seed):
    index = SentenceIndex.build(_random_rows(300, seed))
    rng = random.Random(seed)
    for _ in range(10):
        query = index.query_vector([rng.choice(WORDS) for _ in range(rng.randint(1, 5))])
        every = index.score(query)
        even = every.rows % 2 == 0
        got = index.search(query, 7, keep=RowFilter(np.arange(300) % 2, np.array([True, False])))
        assert np.all(got.rows % 2 == 0)
        expected = index.top(type(every)(every.rows[even], every.scores[even], every.coverage[even]), 7)
        assert np.allclose(got.scores, expected.scores, atol=1e-6)
    nothing = index.search(index.query_vector(["w1"]), 5, keep=RowFilter(np.zeros(300, dtype=int), np.array([False])))
    assert len(nothing.rows) == 0


@pytest.mark.parametrize("seed", [6, 7])
@pytest.mark.parametrize("k", [1, 10, 500])
def test_best_rows_are_the_rows_of_search(seed, k):
    index = SentenceIndex.build(_random_rows(300, seed))
    rng = random.Random(seed)
    for _ in range(10):
        query = index.query_vector([rng.choice(WORDS) for _ in range(rng.randint(1, 5))])
        expected = index.search(query, k)
        got = index.best_rows(query, k)
        assert np.all(np.diff(got) > 0) and len(got) == len(expected.rows)
        # Same rows, except where a row ties with the k-th best score.
        every = index.score(query)
        score_of = dict(zip(every.rows.tolist(), every.scores.tolist(), strict=True))
        cut = expected.scores[-1]
        assert all(score_of[r] >= cut - 1e-6 for r in got.tolist())
        assert set(expected.rows[expected.scores > cut + 1e-6].tolist()) <= set(got.tolist())
    assert len(index.best_rows(index.query_vector(["unseen"]), 5)) == 0
