import numpy as np

from bot.retrieval.index import SentenceIndex

ROWS = [["bridg", "reopen"], ["bridg", "cabl", "corros"], ["robot", "read"], ["appl", "frost"]]


def test_search_scores_only_rows_sharing_a_term():
    index = SentenceIndex.build(ROWS)
    scores = index.score(index.query_vector(["bridg", "corros"]))
    assert sorted(scores.rows.tolist()) == [0, 1]
    best = index.top(scores, 1)
    assert best.rows.tolist() == [1]
    assert best.coverage[0] == 1.0


def test_scores_equal_the_dense_cosine():
    index = SentenceIndex.build(ROWS)
    query = index.query_vector(["bridg", "cabl"])
    dense_q = np.zeros(index.matrix.shape[1])
    dense_q[query.columns] = query.weights
    expected = index.matrix.toarray() @ dense_q
    scores = index.score(query)
    assert np.allclose(scores.scores, expected[scores.rows])


def test_unknown_terms_lower_coverage_and_never_join_the_vocabulary():
    index = SentenceIndex.build(ROWS)
    size = len(index.vocabulary)
    query = index.query_vector(["bridg", "australia"])
    assert query.unknown == ("australia",)
    assert len(index.vocabulary) == size
    coverage = index.score(query).coverage
    assert 0 < coverage.max() < 0.5


def test_query_of_only_unknown_terms_finds_nothing():
    index = SentenceIndex.build(ROWS)
    assert len(index.score(index.query_vector(["zzz"])).rows) == 0


def test_top_is_ordered_and_clamped():
    index = SentenceIndex.build(ROWS)
    scores = index.score(index.query_vector(["bridg"]))
    top = index.top(scores, 10)
    assert len(top.rows) == 2
    assert list(top.scores) == sorted(top.scores, reverse=True)


def test_empty_index():
    index = SentenceIndex.build([])
    assert index.n_rows == 0
    assert len(index.score(index.query_vector(["x"])).rows) == 0
