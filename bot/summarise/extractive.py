"""Extractive summaries: pick an article's key sentences, quoted verbatim, in article order.

Each sentence gets a score from a boosted tree model over the features of
``bot.summarise.features`` (where it sits in the article and its paragraph, how central it is,
how it overlaps the title, what kind of sentence it is, and the shape of the whole article, so
the model can tell a wire story's lead from a column's opening anecdote). The best sentences are
then taken greedily, skipping any too similar to one already taken. One fixed model serves every
article; ``benchmarks/fit_summariser.py`` fits it and ``benchmarks/summaries.py`` measures it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import combinations
from pathlib import Path
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from bot.summarise.features import FEATURES, sentence_features
from bot.summarise.trees import TreeEnsemble

DEFAULT_SENTENCES = 3
MODEL_PATH = Path(__file__).with_name("sentence_model.npz")


COMBINATION_FEATURES: tuple[str, ...] = (
    "sum_log_probability",
    "min_log_probability",
    "sum_probability",
    "length",  # words / 100
    "length_squared",
    "length_by_log_sentences",  # length * log(sentences in the article)
    "closest_pair",  # largest TF-IDF cosine between two of the sentences
    "has_first",  # the article's first sentence is among them
    "length_by_probability",
)
# Fitted by benchmarks/fit_summariser.py (within-article least squares on ROUGE-1 + ROUGE-2 F1).
COMBINATION_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "sum_log_probability": -0.0468,
        "min_log_probability": 0.0331,
        "sum_probability": 0.6056,
        "length": 0.2834,
        "length_squared": -0.1253,
        "length_by_log_sentences": -0.023,
        "closest_pair": -0.1179,
        "has_first": -0.0237,
        "length_by_probability": -0.0447,
    }
)


@cache
def default_model() -> TreeEnsemble:
    """The shipped sentence model, read on first use (about 10 ms) and kept."""
    return TreeEnsemble.load(MODEL_PATH, expect_features=FEATURES)


@dataclass(frozen=True, slots=True)
class SummaryParams:
    """The summariser's knobs, with the values the bot uses.

    ``model``: the sentence model (``None``: the shipped one); ``length_prior``: weight of
    log(content terms) added to the log-probability, favouring sentences that say more;
    ``redundancy``: a sentence whose TF-IDF cosine with a chosen one exceeds this is skipped;
    ``min_terms``: sentences with fewer content terms are taken only when nothing else is left;
    ``max_chars``: a sentence that would take the summary past this many characters is skipped
    while shorter ones remain (3 sentences then fit a Discord embed without clipping);
    ``max_sentences``: only an article's first this many sentences are scored (the features use
    sentence-by-sentence matrices, so this bounds time and memory on very long texts);
    ``combination_weights``, ``combination_pool``, ``max_combined``: see :func:`pick_sentences`.
    """

    model: TreeEnsemble | None = None
    length_prior: float = 0.0
    redundancy: float = 0.6
    min_terms: int = 3
    max_chars: int = 3000
    max_sentences: int = 600
    combination_weights: Mapping[str, float] = field(default_factory=lambda: COMBINATION_WEIGHTS)
    combination_pool: int = 7
    max_combined: int = 4

    def sentence_model(self) -> TreeEnsemble:
        """The model to score with."""
        return self.model if self.model is not None else default_model()


def score_sentences(
    sentences: Sequence[str],
    terms: Sequence[Sequence[str]],
    *,
    paragraphs: Sequence[int] | None = None,
    title_terms: Sequence[str] = (),
    params: SummaryParams | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Score, pairwise similarity and content-term count of each sentence of one article."""
    params = params or SummaryParams()
    feats = sentence_features(sentences, terms, paragraphs=paragraphs, title_terms=title_terms)
    logit = params.sentence_model().raw_scores(feats.matrix)
    # log of the model's probability, so the length prior multiplies it
    score = -np.logaddexp(0.0, -logit) + params.length_prior * np.log(np.maximum(feats.lengths, 1.0))
    return score, feats.similarity, feats.lengths


def select_sentences(
    sentences: Sequence[str],
    analyse: Callable[[str], list[str]],
    *,
    n: int = DEFAULT_SENTENCES,
    paragraphs: Sequence[int] | None = None,
    title: str = "",
    params: SummaryParams | None = None,
) -> list[int]:
    """Indices (ascending) of the ``n`` sentences that best summarise one article.

    Parameters
    ----------
    sentences:
        The article's sentences in order.
    analyse:
        The tokenizer (text -> terms) used for similarity and centrality.
    n:
        How many sentences to pick; an article with ``n`` or fewer sentences is returned whole
        (minus exact repeats).
    paragraphs:
        Paragraph number of each sentence, if known (lead paragraphs and topic sentences count).
    title:
        The article's title, if it has one.
    params:
        Model and selection settings (default: the bot's).
    """
    params = params or SummaryParams()
    if n <= 0 or not sentences:
        return []
    keys = [" ".join(s.split()).casefold() for s in sentences]
    if len(sentences) <= n:
        return _unique(range(len(sentences)), keys)
    sentences = sentences[: params.max_sentences]
    paragraphs = paragraphs[: params.max_sentences] if paragraphs is not None else None
    terms = [analyse(s) for s in sentences]
    score, similarity, lengths = score_sentences(
        sentences, terms, paragraphs=paragraphs, title_terms=analyse(title) if title else (), params=params
    )
    return pick_sentences(
        score,
        similarity,
        lengths,
        words=[len(s.split()) for s in sentences],
        chars=[len(s) for s in sentences],
        keys=keys,
        n=n,
        params=params,
    )


def pick_sentences(
    score: NDArray[np.float64],
    similarity: NDArray[np.float64],
    lengths: NDArray[np.float64],
    *,
    words: Sequence[int],
    chars: Sequence[int],
    keys: Sequence[str],
    n: int,
    params: SummaryParams,
) -> list[int]:
    """Indices (ascending) of the ``n`` sentences to quote, from their scores.

    For up to ``max_combined`` sentences, every combination of the ``combination_pool`` best
    eligible sentences is weighed as a whole (``COMBINATION_WEIGHTS``: their scores, their length
    in words, how alike they are), so a summary can trade one strong long sentence for two
    shorter ones. Otherwise, or when no combination is allowed, the best are taken greedily.
    Either way no two chosen sentences repeat each other or are near-duplicates, and sentences
    under ``min_terms`` content terms or past ``max_chars`` are taken only when nothing else is left.
    """
    order = np.argsort(-score, kind="stable").tolist()
    if 1 < n <= params.max_combined:
        combined = _best_combination(score, similarity, lengths, words, chars, keys, n, params)
        if combined is not None:
            return combined
    chosen: list[int] = []
    seen: set[str] = set()
    total = 0
    for relaxed in (False, True):
        for i in order:
            if len(chosen) == n:
                break
            if i in chosen or keys[i] in seen:
                continue
            if not relaxed and (
                lengths[i] < params.min_terms
                or (chosen and total + chars[i] > params.max_chars)
                or any(similarity[i, j] > params.redundancy for j in chosen)
            ):
                continue
            chosen.append(i)
            seen.add(keys[i])
            total += chars[i]
    return sorted(chosen)


def combination_features(
    score: NDArray[np.float64],
    similarity: NDArray[np.float64],
    words: Sequence[int],
    combination: Sequence[int],
) -> NDArray[np.float64]:
    """What ``COMBINATION_WEIGHTS`` weighs for one set of sentences (columns as ``COMBINATION_FEATURES``).

    ``score`` holds the log-probabilities of the sentence model; length is in hundreds of words.
    """
    picked = list(combination)
    logp = score[picked]
    probability = float(np.exp(logp).sum())
    length = sum(words[i] for i in picked) / 100
    closest = max((similarity[a, b] for a, b in combinations(picked, 2)), default=0.0)
    return np.array(
        [
            float(logp.sum()),
            float(logp.min()),
            probability,
            length,
            length * length,
            length * float(np.log(len(score))),
            float(closest),
            float(0 in picked),
            length * probability,
        ]
    )


def candidate_combinations(
    score: NDArray[np.float64],
    similarity: NDArray[np.float64],
    lengths: NDArray[np.float64],
    *,
    chars: Sequence[int],
    keys: Sequence[str],
    n: int,
    params: SummaryParams,
) -> list[tuple[int, ...]]:
    """The sets of ``n`` sentences :func:`pick_sentences` weighs: drawn from the
    ``combination_pool`` best distinct sentences of ``min_terms`` or more, within ``max_chars``,
    with no pair more alike than ``redundancy``."""
    pool: list[int] = []
    seen: set[str] = set()
    for i in np.argsort(-score, kind="stable").tolist():
        if len(pool) == params.combination_pool:
            break
        if lengths[i] >= params.min_terms and keys[i] not in seen:
            pool.append(i)
            seen.add(keys[i])
    return [
        combination
        for combination in combinations(sorted(pool), n)
        if sum(chars[i] for i in combination) <= params.max_chars
        and all(similarity[a, b] <= params.redundancy for a, b in combinations(combination, 2))
    ]


def _best_combination(
    score: NDArray[np.float64],
    similarity: NDArray[np.float64],
    lengths: NDArray[np.float64],
    words: Sequence[int],
    chars: Sequence[int],
    keys: Sequence[str],
    n: int,
    params: SummaryParams,
) -> list[int] | None:
    candidates = candidate_combinations(score, similarity, lengths, chars=chars, keys=keys, n=n, params=params)
    if not candidates:
        return None
    weights = np.array([params.combination_weights[name] for name in COMBINATION_FEATURES])
    values = [
        float(combination_features(score, similarity, words, combination) @ weights)
        for combination in candidates
    ]
    return list(candidates[int(np.argmax(values))])


def sentence_importance(
    sentences: Sequence[str],
    analyse: Callable[[str], list[str]],
    *,
    paragraphs: Sequence[int] | None = None,
    title: str = "",
    params: SummaryParams | None = None,
) -> NDArray[np.float64]:
    """How summary-worthy each sentence is within its article, as a rank share: 1 for the best,
    0 for the worst (and for sentences past ``max_sentences``)."""
    params = params or SummaryParams()
    out = np.zeros(len(sentences))
    head = sentences[: params.max_sentences]
    if not head:
        return out
    score, _, _ = score_sentences(
        head,
        [analyse(s) for s in head],
        paragraphs=paragraphs[: params.max_sentences] if paragraphs is not None else None,
        title_terms=analyse(title) if title else (),
        params=params,
    )
    if len(head) == 1:
        out[0] = 1.0
        return out
    order = np.argsort(-score, kind="stable")
    out[order] = 1.0 - np.arange(len(head)) / (len(head) - 1)
    return out


def _unique(indices: Sequence[int] | range, keys: Sequence[str]) -> list[int]:
    seen: set[str] = set()
    out = []
    for i in indices:
        if keys[i] not in seen:
            seen.add(keys[i])
            out.append(i)
    return out
