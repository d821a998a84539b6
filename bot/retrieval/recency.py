"""Newer articles first: reordering a ranking by its articles' publication dates.

Two rules, both applied after the abstention check (which always reads the best-scoring sentence):

* always, among sentences of nearly equal score the newer comes first: a sentence gains up to
  ``tie`` (2%) of the best score by its article's date, the newest most, an undated one nothing;
* when the question asks for the newest news ("latest", "still", "now"), every sentence that passes
  the abstention cut and scores at least ``share`` (60%) of the best one is shown newest first
  (undated last); the rest follow in score order.

Dates are days (``datetime.date.toordinal()``) per row, 0 for an undated article.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

TIE = 0.02
RECENT_SHARE = 0.6


def date_order(
    final: NDArray[np.float64],
    days: NDArray[np.integer],
    eligible: NDArray[np.bool_],
    *,
    recent: bool,
    tie: float = TIE,
    share: float = RECENT_SHARE,
) -> NDArray[np.int64]:
    """The order (indices into ``final``) that puts newer sentences first as described above.

    ``final`` is the ranking's score, best first; ``eligible`` marks the sentences that pass the
    abstention cut. Without any dated sentence the order is unchanged.
    """
    n = len(final)
    if n == 0 or not (days > 0).any():
        return np.arange(n, dtype=np.int64)
    dated = days > 0
    lo, hi = int(days[dated].min()), int(days[dated].max())
    freshness = np.where(dated, (days - lo + 1) / (hi - lo + 1), 0.0)
    score = final + tie * float(np.abs(final).max()) * freshness
    order = np.lexsort((np.arange(n), -score))
    if not recent:
        return order.astype(np.int64)
    best = float(final[eligible].max()) if eligible.any() else float(final.max())
    front = eligible & (final >= share * best)
    newest = np.lexsort((-score, -days.astype(np.int64), ~front))  # front first, newest, then score
    head = newest[front[newest]]
    tail = order[~front[order]]
    return np.concatenate([head, tail]).astype(np.int64)
