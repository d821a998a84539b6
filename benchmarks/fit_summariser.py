"""Fit the summariser's sentence weights on development articles the benchmark does not score.

The procedure behind ``WEIGHTS`` in ``bot/summarise/extractive.py``:

1. Features of every sentence from the product's own code (``bot.ingest.documents.ingest``,
   the product tokenizer, ``bot.summarise.features.sentence_features``).
2. Labels: CNN stories ``cnn_sample1000`` .. ``cnn_sample7053``: the three sentences a greedy
   oracle picks for the best ROUGE-1 + ROUGE-2 F1 against the highlights; BBC records at even
   positions (0-based): whether the sentence is in the extractive reference.
3. A logistic regression on those labels, each data set weighing the same.
4. Coordinate ascent on ROUGE-1 F1 (CNN 1,000-2,999 and the same BBC records) over the weights,
   the bias, the length prior and the redundancy threshold; the objective is the smaller of the
   two margins over LEAD-3 (CNN) and TextRank (BBC), plus a quarter of their sum.

The benchmark's CNN stories (0-999) and the BBC records at odd positions are never read here.
ROUGE-1 here is a fast re-implementation of ``rouge-score``'s (same tokenisation, Porter stems).
The committed weights came from this procedure run in stages (the last features were added
between runs), so a fresh run lands near them, not exactly on them: a fresh run reached an
objective of 0.99 on the development articles, the committed weights 1.00.

Run: ``python benchmarks/fit_summariser.py`` (about 15 minutes on 2 cores); it prints the
weights as Python to paste into ``extractive.py``, then one JSON line.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from summaries import DATA, Item, ingest_items, textrank  # noqa: E402

from bot.ingest.sentences import split_sentences  # noqa: E402
from bot.retrieval.tokenize import Tokenizer, default_tokenizer  # noqa: E402
from bot.summarise.extractive import SummaryParams  # noqa: E402
from bot.summarise.features import FEATURES, sentence_features  # noqa: E402

FIT_CNN = range(1000, 7054)
TUNE_CNN = range(1000, 3000)


@dataclass
class Doc:
    """One development article, ready for fast selection and scoring."""

    keys: list[str]
    words: list[int]
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


def _bigrams(tokens: Sequence[str]) -> Counter[tuple[str, str]]:
    return Counter(pairwise(tokens))


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
    for item, document in zip(items, ingest_items(items), strict=True):
        texts = [s.text for s in document.sentences]
        terms = [tokenizer(t) for t in texts]
        feats = sentence_features(
            texts,
            terms,
            paragraphs=[s.paragraph for s in document.sentences],
            title_terms=tokenizer(item.title) if item.title else (),
        )
        tokens = [rouge(t) for t in texts]
        reference = [rouge(r) for r in item.reference.split("\n")]
        ref_sentences = {" ".join(r) for r in reference}
        ref2: Counter[tuple[str, str]] = Counter()
        for r in reference:
            ref2.update(_bigrams(r))
        docs.append(
            Doc(
                keys=[" ".join(t.split()).casefold() for t in texts],
                words=[len(t.split()) for t in texts],
                terms=terms,
                matrix=feats.matrix,
                similarity=feats.similarity,
                lengths=feats.lengths,
                unigrams=[Counter(t) for t in tokens],
                bigrams=[_bigrams(t) for t in tokens],
                ref1=Counter(w for r in reference for w in r),
                ref2=ref2,
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


def select(doc: Doc, weights: np.ndarray, bias: float, length_prior: float, redundancy: float, n: int = 3) -> list[int]:
    """The product's selection (``select_sentences``) on precomputed features."""
    size = len(doc.keys)
    if size <= n:
        return list(range(size))
    logit = doc.matrix @ weights + bias
    score = -np.logaddexp(0.0, -logit) + length_prior * np.log(np.maximum(doc.lengths, 1.0))
    chosen: list[int] = []
    seen: set[str] = set()
    for relaxed in (False, True):
        for i in np.argsort(-score, kind="stable").tolist():
            if len(chosen) == n:
                break
            if i in chosen or doc.keys[i] in seen:
                continue
            if not relaxed and (doc.lengths[i] < 3 or any(doc.similarity[i, j] > redundancy for j in chosen)):
                continue
            chosen.append(i)
            seen.add(doc.keys[i])
    return chosen


def rouge1(docs: Sequence[Doc], pick: Callable[[Doc], list[int]]) -> float:
    """Mean ROUGE-1 F1 (percent) of the picked sentences."""
    total = 0.0
    for doc in docs:
        candidate: Counter[str] = Counter()
        for i in pick(doc):
            candidate += doc.unigrams[i]
        total += _f1(candidate, doc.ref1)
    return 100 * total / max(1, len(docs))


def main(argv: Sequence[str] | None = None) -> int:
    """Fit, tune, print the weights."""
    from sklearn.linear_model import LogisticRegression

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweeps", type=int, default=4, help="coordinate-ascent sweeps (default 4)")
    parser.add_argument("--limit", type=int, default=None, help="articles per data set, for a quick trial")
    args = parser.parse_args(argv)
    tokenizer, rouge = default_tokenizer(), RougeTokens()
    cnn_items, bbc_items = load_dev()
    if args.limit is not None:
        cnn_items, bbc_items = cnn_items[: args.limit], bbc_items[: args.limit]
    cnn, bbc = prepare(cnn_items, tokenizer, rouge), prepare(bbc_items, tokenizer, rouge)
    tune_cnn = [d for d, it in zip(cnn, cnn_items, strict=True) if int(it.id.removeprefix("cnn_sample")) in TUNE_CNN]
    print(f"{len(cnn)} CNN ({len(tune_cnn)} for tuning) and {len(bbc)} BBC development articles", file=sys.stderr)

    rows, labels, sample = [], [], []
    for docs, label in ((cnn, oracle_labels), (bbc, lambda d: d.in_reference)):
        for doc in docs:
            if len(doc.keys) > 3:
                rows.append(doc.matrix)
                labels.append(label(doc))
                sample.append(np.full(len(doc.keys), 1.0 / len(doc.keys) / len(docs)))
    weight = np.concatenate(sample)
    model = LogisticRegression(C=1.0, max_iter=5000).fit(
        np.vstack(rows), np.concatenate(labels), sample_weight=weight / weight.mean()
    )
    weights, bias = model.coef_[0].copy(), float(model.intercept_[0])
    defaults = SummaryParams()
    length_prior, redundancy = defaults.length_prior, defaults.redundancy

    lead = rouge1(tune_cnn, lambda d: list(range(min(3, len(d.keys)))))
    peer = rouge1(bbc, lambda d: textrank(d.terms, 3))

    def objective(w: np.ndarray, b: float, lp: float, red: float) -> float:
        margin_cnn = rouge1(tune_cnn, lambda d: select(d, w, b, lp, red)) - lead
        margin_bbc = rouge1(bbc, lambda d: select(d, w, b, lp, red)) - peer
        return min(margin_cnn, margin_bbc) + 0.25 * (margin_cnn + margin_bbc)

    best = objective(weights, bias, length_prior, redundancy)
    print(f"LEAD-3 {lead:.2f}, TextRank {peer:.2f}; logistic fit: objective {best:.3f}", file=sys.stderr)
    for sweep in range(args.sweeps):
        step = 0.5 if sweep < 2 else 0.25
        for k in [*range(len(FEATURES)), "bias", "length_prior", "redundancy"]:
            for sign in (1, -1):
                w, b, lp, red = weights.copy(), bias, length_prior, redundancy
                if k == "bias":
                    b += sign * step
                elif k == "length_prior":
                    lp += sign * 0.1
                elif k == "redundancy":
                    red += sign * 0.05
                else:
                    w[k] += sign * step
                value = objective(w, b, lp, red)
                if value > best + 1e-4:
                    best, weights, bias, length_prior, redundancy = value, w, b, lp, red
                    break
        print(f"sweep {sweep + 1}: objective {best:.3f}", file=sys.stderr)

    print("WEIGHTS = {")
    for name, value in zip(FEATURES, weights.tolist(), strict=True):
        print(f'    "{name}": {value:.3f},')
    print("}")
    print(f"bias = {bias:.3f}; length_prior = {length_prior:.2f}; redundancy = {redundancy:.2f}")
    result = {
        "weights": {n: round(v, 3) for n, v in zip(FEATURES, weights.tolist(), strict=True)},
        "bias": round(bias, 3),
        "length_prior": round(length_prior, 2),
        "redundancy": round(redundancy, 2),
        "objective": round(best, 3),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
