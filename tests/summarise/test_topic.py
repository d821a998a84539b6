"""Topic selection (pure) on hand-made candidates."""

from __future__ import annotations

import numpy as np

from bot.summarise.topic import TopicParams, select_topic_sentences


def test_best_candidates_first_without_near_duplicates():
    relevance = [1.0, 0.95, 0.5, 0.4]
    similarity = np.eye(4)
    similarity[0, 1] = similarity[1, 0] = 0.9
    chosen = select_topic_sentences(relevance, [0, 0, 0, 0], [0, 1, 2, 3], similarity, ["a", "b", "c", "d"], n=3)
    assert chosen == [0, 2, 3]


def test_identical_texts_never_twice():
    chosen = select_topic_sentences([1, 1, 1], [0, 0, 0], [0, 1, 2], np.eye(3), ["Same.", "same. ", "Other."], n=3)
    assert chosen == [0, 2]


def test_articles_take_turns_before_one_article_fills_the_summary():
    relevance = [1.0, 0.9, 0.8, 0.3]
    chosen = select_topic_sentences(
        relevance, [0, 0, 0, 0], [7, 7, 7, 9], np.eye(4), ["a", "b", "c", "d"], n=3,
        params=TopicParams(per_article=2),
    )
    assert chosen == [0, 1, 3]
    # With only one article, it may fill the summary.
    chosen = select_topic_sentences([1.0, 0.9, 0.8], [0, 0, 0], [7, 7, 7], np.eye(3), ["a", "b", "c"], n=3)
    assert chosen == [0, 1, 2]


def test_importance_can_reorder_close_candidates():
    chosen = select_topic_sentences([1.0, 0.98], [0.0, 1.0], [0, 1], np.eye(2), ["a", "b"], n=1)
    assert chosen == [1]


def test_empty_inputs():
    assert select_topic_sentences([], [], [], np.zeros((0, 0)), [], n=3) == []
    assert select_topic_sentences([1.0], [1.0], [0], np.eye(1), ["a"], n=0) == []

