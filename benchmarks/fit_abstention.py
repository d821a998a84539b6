"""Fit the abstention model (``bot.retrieval.abstention.AbstentionModel``) on SQuAD v1.1 dev.

Data (read by path, never copied): ``../shared/data/squad/dev-v1.1.json.gz``, ingested and
indexed as ``benchmarks/reqa_squad.py`` does. Its half-split: the articles at even and at odd
positions are indexed apart, and every question is ranked against its own half (answerable) and
the other half (unanswerable), with the product's ranking (``NewsService.rank``) and features
(``bot.retrieval.abstention.features`` of the best candidate).

Fitting and checking never share a question: the model is fitted on the questions of articles
0, 1, 4, 5, 8, 9, ... (``article // 2`` even: both halves of the split are represented) and
checked on the others. Positives are answerable questions whose best sentence is the gold one
(an abstention there costs P@1), negatives are the unanswerable ones (wrong answers to answerable
questions cost nothing either way, so they are left out). scikit-learn's ``LogisticRegression``
(C=10), then the bias is set so that 91.5% of the fitting questions' unanswerable rankings
score below 0. The printed ``AbstentionModel(...)`` is pasted into ``bot/retrieval/abstention.py``.

Run: ``python benchmarks/fit_abstention.py`` (about two minutes on 2 cores). The last line printed
is one JSON object with the fitted numbers and the check half's figures.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from reqa_squad import DATA, Dataset, half_split, load  # noqa: E402

from bot.errors import InvalidQuestion  # noqa: E402
from bot.retrieval.abstention import FEATURES, features  # noqa: E402
from bot.retrieval.answer import clean_question  # noqa: E402
from bot.retrieval.tokenize import default_tokenizer  # noqa: E402

ABSTAIN_SHARE = 0.915  # of the fitting half's unanswerable questions scored below 0 (margin for the other half)
C = 10.0


def collect(data: Dataset) -> list[tuple[int, np.ndarray | None, bool, np.ndarray | None]]:
    """Per question: its article, the best candidate's features against its own half and whether it
    is the gold sentence, and the features against the other half (``None``: nothing ranked)."""
    services, keys = half_split(data, default_tokenizer())
    out = []
    for q in data.questions:
        h = q.article % 2
        try:
            text = clean_question(q.text)
            mine, theirs = services[h].rank(text), services[1 - h].rank(text)
        except InvalidQuestion:
            continue
        own = features(mine)[0] if len(mine) else None
        correct = bool(len(mine)) and int(keys[h][mine.rows[0]]) == q.gold
        other = features(theirs)[0] if len(theirs) else None
        out.append((q.article, own, correct, other))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Fit, check, print the model and one JSON line."""
    from sklearn.linear_model import LogisticRegression

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=DATA, help="SQuAD v1.1 dev JSON (gzip)")
    args = parser.parse_args(argv)
    rows = collect(load(args.data))
    fit = [r for r in rows if (r[0] // 2) % 2 == 0]
    check = [r for r in rows if (r[0] // 2) % 2 == 1]
    pos = [own for _, own, correct, _ in fit if own is not None and correct]
    neg = [other for _, _, _, other in fit if other is not None]
    x = np.vstack([pos, neg])
    y = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
    model = LogisticRegression(C=C, max_iter=5000).fit(x, y)
    weights = model.coef_[0]
    neg_scores = np.full(len(fit), -np.inf)  # an empty ranking always abstains
    for i, (_, _, _, other) in enumerate(fit):
        if other is not None:
            neg_scores[i] = float(other @ weights) + float(model.intercept_[0])
    bias = float(model.intercept_[0]) - float(np.quantile(neg_scores, ABSTAIN_SHARE))

    def answers(f: np.ndarray | None) -> bool:
        return f is not None and float(f @ weights) + bias >= 0.0

    p1 = sum(answers(own) and correct for _, own, correct, _ in check) / len(check)
    rank_p1 = sum(correct for _, _, correct, _ in check) / len(check)
    abstained = sum(not answers(other) for _, _, _, other in check) / len(check)
    rounded = tuple(round(float(w), 4) for w in weights)
    print(f"features: {', '.join(FEATURES)}")
    print(f"AbstentionModel(weights={rounded}, bias={round(bias, 4)})")
    print(f"check half ({len(check):,} questions): P@1 own half {p1:.4f} (ranking alone {rank_p1:.4f}), "
          f"unanswerable abstained {abstained:.4f}")
    print(json.dumps({"benchmark": "fit_abstention", "features": FEATURES, "weights": rounded, "bias": round(bias, 4),
                      "check_p_at_1": round(p1, 4), "check_rank_p_at_1": round(rank_p1, 4),
                      "check_unanswerable_abstained": round(abstained, 4)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
