"""Whether a ranked sentence is strong enough to be shown as an answer: the abstention model.

A logistic score over six features of a candidate of a ``Ranking`` (``FEATURES``): its window's
share of the question's idf mass, its own cosine, its final score, its lead over the best other
candidate, its article title's share of the question's idf mass, and the log of the number of
distinct question terms. The candidate is an answer when the score is at least 0. The weights were
fitted by ``benchmarks/fit_abstention.py`` on half of the SQuAD dev articles and checked on the
other half (README "Answering"); ``answer.supported`` is the one place that applies them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from bot.retrieval.rank import Ranking

FEATURES = ("window", "cosine", "final", "lead", "title", "log_terms")


@dataclass(frozen=True, slots=True)
class AbstentionModel:
    """``weights`` (one per ``FEATURES``) and ``bias`` of the logistic score; answer when it is >= 0.

    The bias holds the threshold: it was set so that 91.5% of the fitting half's unanswerable
    questions score below 0. The defaults are the output of ``benchmarks/fit_abstention.py``.
    """

    weights: tuple[float, ...] = (9.5088, 4.9277, 3.1912, 3.6617, 9.4592, 3.1875)
    bias: float = -13.8262

    def scores(self, ranking: Ranking) -> NDArray[np.float64]:
        """The score of every candidate of ``ranking`` (>= 0: strong enough to be an answer)."""
        return features(ranking) @ np.asarray(self.weights, dtype=np.float64) + self.bias


def features(ranking: Ranking) -> NDArray[np.float64]:
    """One row of ``FEATURES`` per candidate of ``ranking``.

    ``lead`` is a candidate's final score minus the best final score among the others (0 for all
    but the best, which leads by its margin over the second, or by its whole score when alone).
    """
    n = len(ranking)
    final = ranking.final
    lead = np.zeros(n)
    if n == 1:
        lead[0] = final[0]
    elif n > 1:
        lead[0] = max(float(final[0] - np.max(final[1:])), 0.0)
    log_terms = np.log(max(len(set(ranking.terms)), 1))
    return np.column_stack([ranking.window, ranking.cosine, final, lead, ranking.title, np.full(n, log_terms)])
