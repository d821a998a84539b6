import numpy as np

from bot.retrieval.recency import date_order


def test_near_equal_scores_put_the_newer_first_and_clear_gaps_stay():
    final = np.array([2.00, 1.99, 1.50])
    days = np.array([100, 200, 300])
    eligible = np.ones(3, dtype=bool)
    assert date_order(final, days, eligible, recent=False).tolist() == [1, 0, 2]


def test_recent_puts_every_good_eligible_sentence_newest_first_and_undated_last():
    final = np.array([2.0, 1.6, 1.5, 0.5])
    days = np.array([100, 0, 300, 400])
    eligible = np.array([True, True, True, True])
    assert date_order(final, days, eligible, recent=True).tolist() == [2, 0, 1, 3]  # 0.5 is under 60% of 2.0
    assert date_order(final, np.zeros(4, dtype=np.int64), eligible, recent=True).tolist() == [0, 1, 2, 3]
