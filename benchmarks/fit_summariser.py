"""Fit the summariser's sentence model on development articles the benchmark does not score.

The procedure behind ``bot/summarise/sentence_model.npz``:

1. Sentences from the product's own ingest (``bot.ingest.documents.ingest``), features from
   ``bot.summarise.features.sentence_features`` with the product tokenizer.
2. Labels. CNN stories ``cnn_sample1000`` .. ``cnn_sample7053``: 1 for the three sentences a
   greedy oracle picks for the best ROUGE-1 + ROUGE-2 F1 against the highlights. BBC records at
   even positions (0-based file order): the mean of that oracle's label and whether the sentence
   is in the extractive reference (soft labels, fitted as weighted rows of both classes).
3. Rows weighted so each article counts the same within its data set, the CNN set 3 times the
   BBC set (chosen on the ``--validate`` split: CNN labels are sparser, 3 of 20-60 sentences).
4. scikit-learn's ``HistGradientBoostingClassifier`` (settings in ``TREE_SETTINGS``, no early
   stopping, fixed seed), exported node by node into ``bot.summarise.trees.TreeEnsemble`` and
   checked to give the same scores as scikit-learn on the training rows; written to the model file.
5. The combination step: for each article, every set of 3 sentences that
   ``bot.summarise.extractive.candidate_combinations`` offers (from the model's 7 best), its
   ``combination_features`` and its ROUGE-1 + ROUGE-2 F1; weighted least squares within articles
   (same article weights as step 3) gives ``COMBINATION_WEIGHTS``, printed to be pasted into
   ``bot/summarise/extractive.py`` (the committed ones came from the same run as the model file).

The benchmark's CNN stories (0-999) and the BBC records at odd positions are never read here.
``--validate`` first fits on part of these development articles (CNN 3,000-7,053 and every
second of the BBC records) and scores the rest (CNN 1,000-2,999, the other BBC records) against
LEAD-3 and TextRank, the check used to choose the settings. ROUGE here is a fast
re-implementation of ``rouge-score``'s (same tokenisation, Porter stems).

Run: ``python benchmarks/fit_summariser.py [--validate]`` (about 4 minutes on 2 cores, 7 with
``--validate``); it writes the model, prints the combination weights, then one JSON line.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from summaries import DATA, Item, ingest_items, textrank  # noqa: E402

from bot.ingest.sentences import split_sentences  # noqa: E402
from bot.retrieval.tokenize import Tokenizer, default_tokenizer  # noqa: E402
from bot.summarise.extractive import (  # noqa: E402
    COMBINATION_FEATURES,
    MODEL_PATH,
    SummaryParams,
    candidate_combinations,
    combination_features,
    pick_sentences,
)
from bot.summarise.features import FEATURES, sentence_features  # noqa: E402
from bot.summarise.trees import TreeEnsemble  # noqa: E402

FIT_CNN = range(1000, 7054)
VALIDATE_CNN = range(1000, 3000)
CNN_WEIGHT = 3.0
TREE_SETTINGS: dict[str, Any] = {
    "max_iter": 400,
    "learning_rate": 0.05,
    "max_leaf_nodes": 31,
    "min_samples_leaf": 50,
    "max_depth": 6,
    "early_stopping": False,
    "random_state": 0,
}


@dataclass
class Doc:
    """One development article, ready for labelling, fast selection and scoring."""

    number: int
    keys: list[str]
    words: list[int]
    chars: list[int]
    terms: list[list[str]]
    matrix: np.ndarray
    similarity: np.ndarray
    lengths: np.ndarray
    unigrams: list[Counter[str]]
    bigrams: list[Counter[tuple[str, str]]]
    ref1: Counter[str]
    ref2: Counter[tuple[str, str]]
    in_reference: np.ndarray


class RougeTokens:
    """``rouge-score``'s tokenisation with the Porter stemmer, memoised per word."""

    def __init__(self) -> None:
        from nltk.stem import porter
        from rouge_score import tokenize

        self._tokenize = tokenize.tokenize
        self._stem = porter.PorterStemmer().stem
        self._cache: dict[str, str] = {}

    def __call__(self, text: str) -> list[str]:
        out = []
        for word in self._tokenize(text, None):
            stem = self._cache.get(word)
            if stem is None:
                stem = self._stem(word) if len(word) > 3 else word
                self._cache[word] = stem
            out.append(stem)
        return out


def _f1(candidate: Counter, reference: Counter) -> float:
    overlap = sum((candidate & reference).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(candidate.values()), overlap / sum(reference.values())
    return 2 * precision * recall / (precision + recall)


def load_dev() -> tuple[list[Item], list[Item]]:
    """CNN stories 1,000-7,053 and the BBC records at even positions."""
    cnn = []
    with gzip.open(DATA / "cnn_stories_sample7k.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if int(row["id"].removeprefix("cnn_sample")) in FIT_CNN:
                cnn.append(Item(row["id"], "", row["article"], "\n".join(row["highlights"])))
    cnn.sort(key=lambda it: int(it.id.removeprefix("cnn_sample")))
    bbc = []
    with gzip.open(DATA / "bbc_news_summary.jsonl.gz", "rt", encoding="utf-8") as fh:
        for number, line in enumerate(fh):
            if number % 2 == 0:
                row = json.loads(line)
                bbc.append(Item(row["id"], row["title"], row["article"], "\n".join(split_sentences(row["summary"]))))
    return cnn, bbc


def prepare(items: Sequence[Item], tokenizer: Tokenizer, rouge: RougeTokens) -> list[Doc]:
    """Features, ROUGE tokens and reference membership of each article's sentences."""
    docs = []
    for number, (item, document) in enumerate(zip(items, ingest_items(items), strict=True)):
        texts = [s.text for s in document.sentences]
        terms = [tokenizer(t) for t in texts]
        title_terms = tokenizer(item.title) if item.title else []
        feats = sentence_features(
            texts,
            terms,
            paragraphs=[s.paragraph for s in document.sentences],
            title_terms=title_terms,
        )
        tokens = [rouge(t) for t in texts]
        reference = [rouge(r) for r in item.reference.split("\n")]
        ref_sentences = {" ".join(r) for r in reference}
        docs.append(
            Doc(
                number=number,
                keys=[" ".join(t.split()).casefold() for t in texts],
                words=[len(t.split()) for t in texts],
                chars=[len(t) for t in texts],
                terms=terms,
                matrix=feats.matrix,
                similarity=feats.similarity,
                lengths=feats.lengths,
                unigrams=[Counter(t) for t in tokens],
                bigrams=[Counter(pairwise(t)) for t in tokens],
                ref1=Counter(w for r in reference for w in r),
                ref2=Counter(b for r in reference for b in pairwise(r)),
                in_reference=np.array([bool(t) and " ".join(t) in ref_sentences for t in tokens], dtype=float),
            )
        )
    return docs


def oracle_labels(doc: Doc, n: int = 3) -> np.ndarray:
    """1 for the sentences a greedy ROUGE-1 + ROUGE-2 oracle picks."""
    chosen: list[int] = []
    c1: Counter[str] = Counter()
    c2: Counter[tuple[str, str]] = Counter()
    for _ in range(n):
        best, best_score = None, _f1(c1, doc.ref1) + _f1(c2, doc.ref2)
        for i in range(len(doc.keys)):
            if i not in chosen:
                score = _f1(c1 + doc.unigrams[i], doc.ref1) + _f1(c2 + doc.bigrams[i], doc.ref2)
                if score > best_score:
                    best, best_score = i, score
        if best is None:
            break
        chosen.append(best)
        c1 += doc.unigrams[best]
        c2 += doc.bigrams[best]
    labels = np.zeros(len(doc.keys))
    labels[chosen] = 1
    return labels


def training_rows(
    sets: Sequence[tuple[Sequence[Doc], Callable[[Doc], np.ndarray], float]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, 0/1 targets and weights; a soft label y is a row of class 1 weighted y and a row
    of class 0 weighted 1 - y."""
    rows, targets, weights = [], [], []
    for docs, label, set_weight in sets:
        for doc in docs:
            size = len(doc.keys)
            if size <= 3:
                continue
            y = label(doc)
            base = set_weight / size / len(docs)
            for target, w in ((1.0, base * y), (0.0, base * (1 - y))):
                keep = w > 0
                rows.append(doc.matrix[keep])
                targets.append(np.full(int(keep.sum()), target))
                weights.append(w[keep])
    weight = np.concatenate(weights)
    return np.vstack(rows), np.concatenate(targets), weight / weight.mean()


def fit(cnn: Sequence[Doc], bbc: Sequence[Doc]) -> tuple[TreeEnsemble, dict[str, float]]:
    """The tree model on these articles (exported and checked against scikit-learn), then the
    weights of the combination step on its scores."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    def bbc_label(doc: Doc) -> np.ndarray:
        return (oracle_labels(doc) + doc.in_reference) / 2

    rows, targets, weights = training_rows([(cnn, oracle_labels, CNN_WEIGHT), (bbc, bbc_label, 1.0)])
    model = HistGradientBoostingClassifier(**TREE_SETTINGS).fit(rows, targets, sample_weight=weights)
    ensemble = export(model)
    gap = float(np.abs(ensemble.raw_scores(rows) - model.decision_function(rows)).max())
    if gap > 1e-6:
        raise RuntimeError(f"exported trees differ from scikit-learn's by {gap}")
    return ensemble, fit_combination_weights([(cnn, CNN_WEIGHT), (bbc, 1.0)], ensemble)


def export(model: Any) -> TreeEnsemble:  # noqa: ANN401 (a fitted scikit-learn model)
    """A fitted binary ``HistGradientBoostingClassifier`` as flat node arrays.

    Reads the fitted predictors' node table (scikit-learn's ``_predictors``, not public API:
    ``fit`` checks the result against ``decision_function``). No missing values or categorical
    features are used, so each split is ``value <= threshold``.
    """
    feature, threshold, left, right, value, roots = [], [], [], [], [], []
    depth = 0
    offset = 0
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        leaf = nodes["is_leaf"].astype(bool)
        index = np.arange(len(nodes)) + offset
        roots.append(offset)
        feature.append(np.where(leaf, 0, nodes["feature_idx"]))
        threshold.append(np.where(leaf, np.inf, nodes["num_threshold"]))
        left.append(np.where(leaf, index, nodes["left"].astype(np.int64) + offset))
        right.append(np.where(leaf, index, nodes["right"].astype(np.int64) + offset))
        value.append(np.where(leaf, nodes["value"], 0.0))
        depth = max(depth, int(nodes["depth"].max()))
        offset += len(nodes)
    return TreeEnsemble(
        feature_names=FEATURES,
        feature=np.concatenate(feature).astype(np.int32),
        threshold=np.concatenate(threshold).astype(np.float64),
        left=np.concatenate(left).astype(np.int32),
        right=np.concatenate(right).astype(np.int32),
        value=np.concatenate(value).astype(np.float64),
        roots=np.array(roots, dtype=np.int32),
        baseline=float(np.ravel(model._baseline_prediction)[0]),
        depth=depth,
    )


def log_probabilities(doc: Doc, model: TreeEnsemble) -> np.ndarray:
    """The sentence model's log-probability of each sentence (the product's score, no length prior)."""
    return -np.logaddexp(0.0, -model.raw_scores(doc.matrix))


def select(doc: Doc, model: TreeEnsemble, params: SummaryParams, n: int = 3) -> list[int]:
    """The product's selection (``pick_sentences``) on precomputed features."""
    if len(doc.keys) <= n:
        return list(range(len(doc.keys)))
    return pick_sentences(
        log_probabilities(doc, model),
        doc.similarity,
        doc.lengths,
        words=doc.words,
        chars=doc.chars,
        keys=doc.keys,
        n=n,
        params=params,
    )


def summary_rouge(doc: Doc, chosen: Sequence[int]) -> float:
    """ROUGE-1 + ROUGE-2 F1 of these sentences."""
    c1: Counter[str] = Counter()
    c2: Counter[tuple[str, str]] = Counter()
    for i in chosen:
        c1 += doc.unigrams[i]
        c2 += doc.bigrams[i]
    return _f1(c1, doc.ref1) + _f1(c2, doc.ref2)


def fit_combination_weights(
    sets: Sequence[tuple[Sequence[Doc], float]], model: TreeEnsemble, n: int = 3, ridge: float = 1e-3
) -> dict[str, float]:
    """Least squares, within each article, of a combination's ROUGE-1 + ROUGE-2 F1 on its
    ``combination_features``; articles weigh the same within a set, sets as given."""
    params = SummaryParams(model=model)
    rows, targets, weights = [], [], []
    for docs, set_weight in sets:
        for doc in docs:
            if len(doc.keys) <= n:
                continue
            score = log_probabilities(doc, model)
            candidates = candidate_combinations(
                score, doc.similarity, doc.lengths, chars=doc.chars, keys=doc.keys, n=n, params=params
            )
            if len(candidates) < 2:
                continue
            x = np.array(
                [combination_features(score, doc.similarity, doc.words, c) for c in candidates]
            )
            y = np.array([summary_rouge(doc, c) for c in candidates])
            rows.append(x - x.mean(axis=0))
            targets.append(y - y.mean())
            weights.append(np.full(len(candidates), set_weight / len(docs) / len(candidates)))
    x, y, w = np.vstack(rows), np.concatenate(targets), np.concatenate(weights)
    w = w / w.mean()
    gram = x.T @ (x * w[:, None]) + ridge * np.eye(x.shape[1])
    solution = np.linalg.solve(gram, x.T @ (w * y))
    return {name: round(float(v), 4) for name, v in zip(COMBINATION_FEATURES, solution, strict=True)}


def rouge(docs: Sequence[Doc], pick: Callable[[Doc], list[int]]) -> dict[str, float]:
    """Mean ROUGE-1 and ROUGE-2 F1 (percent) and words of the picked sentences."""
    r1 = r2 = words = 0.0
    for doc in docs:
        c1: Counter[str] = Counter()
        c2: Counter[tuple[str, str]] = Counter()
        for i in pick(doc):
            c1 += doc.unigrams[i]
            c2 += doc.bigrams[i]
            words += doc.words[i]
        r1 += _f1(c1, doc.ref1)
        r2 += _f1(c2, doc.ref2)
    n = max(1, len(docs))
    return {"rouge1": round(100 * r1 / n, 2), "rouge2": round(100 * r2 / n, 2), "words": round(words / n, 1)}


def validate(cnn: Sequence[Doc], cnn_items: Sequence[Item], bbc: Sequence[Doc]) -> dict[str, object]:
    """Fit on part of the development articles, score the rest against LEAD-3 and TextRank."""
    held = [int(it.id.removeprefix("cnn_sample")) in VALIDATE_CNN for it in cnn_items]
    cnn_fit = [d for d, h in zip(cnn, held, strict=True) if not h]
    cnn_check = [d for d, h in zip(cnn, held, strict=True) if h]
    model, combination = fit(cnn_fit, bbc[0::2])
    params = SummaryParams(model=model, combination_weights=combination)
    out: dict[str, object] = {}
    for name, docs in (("cnn", cnn_check), ("bbc", bbc[1::2])):
        out[name] = {
            "articles": len(docs),
            "ours": rouge(docs, lambda d: select(d, model, params)),
            "lead3": rouge(docs, lambda d: list(range(min(3, len(d.keys))))),
            "textrank": rouge(docs, lambda d: textrank(d.terms, 3)),
        }
        print(f"validation {name}: {out[name]}", file=sys.stderr)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Fit on every development article and write the model (after ``--validate``'s check)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--validate", action="store_true", help="first fit on part of the articles, score the rest")
    parser.add_argument("--out", type=Path, default=MODEL_PATH, help=f"model file (default {MODEL_PATH})")
    parser.add_argument("--limit", type=int, default=None, help="articles per data set, for a quick trial")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    tokenizer, rouge_tokens = default_tokenizer(), RougeTokens()
    cnn_items, bbc_items = load_dev()
    if args.limit is not None:
        cnn_items, bbc_items = cnn_items[: args.limit], bbc_items[: args.limit]
    cnn, bbc = prepare(cnn_items, tokenizer, rouge_tokens), prepare(bbc_items, tokenizer, rouge_tokens)
    print(f"{len(cnn)} CNN and {len(bbc)} BBC development articles", file=sys.stderr)
    result: dict[str, object] = {"cnn_articles": len(cnn), "bbc_articles": len(bbc), "settings": TREE_SETTINGS}
    if args.validate:
        result["validation"] = validate(cnn, cnn_items, bbc)
    model, combination = fit(cnn, bbc)
    model.save(args.out)
    result.update(trees=len(model.roots), nodes=len(model.feature), combination_weights=combination)
    result["seconds"] = round(time.perf_counter() - started)
    print(f"wrote {args.out}; COMBINATION_WEIGHTS for bot/summarise/extractive.py:", file=sys.stderr)
    print(json.dumps(combination, indent=4), file=sys.stderr)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
