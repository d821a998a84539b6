"""Extractive summaries: pick an article's key sentences, quoted verbatim, in article order.

Each sentence gets a score from a small linear model over the features of
``bot.summarise.features`` (where it sits in the article and its paragraph, how central it is,
how it overlaps the title, what kind of sentence it is), plus a prior for longer sentences.
The best sentences are then taken greedily, skipping any too similar to one already taken.
The weights are fixed (one method for every article); ``benchmarks/summaries.py`` measures it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from bot.summarise.features import FEATURES, sentence_features

DEFAULT_SENTENCES = 3

# Fitted on development articles that the benchmark does not score (CNN stories 1,000-2,999 and
# every second BBC record), then tuned for ROUGE; see benchmarks/summaries.py.
WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "inverse_position": 5.111,
        "is_first": -2.605,
        "log_position": 1.762,
        "relative_position": -0.266,
        "inverse_paragraph": -2.901,
        "log_paragraph": -2.599,
        "opens_paragraph": 0.272,
        "length": -0.534,
        "capped_length": -0.412,
        "is_short": 0.942,
        "degree": 0.991,
        "pagerank": 3.139,
        "centroid": 0.399,
        "mean_frequency": 1.76,
        "title_overlap": 3.247,
        "lead_similarity": 0.269,
        "quoted_share": -0.032,
        "starts_with_quote": -0.18,
        "inside_quotation": 0.0,
        "is_question": 0.107,
        "first_person": -1.381,
        "starts_anaphoric": -0.049,
        "has_digit": 0.213,
        "capitalised_share": 0.627,
        "reports_speech": 0.174,
        "is_boilerplate": -0.343,
        "log_sentences": -0.085,
    }
)


@dataclass(frozen=True, slots=True)
class SummaryParams:
    """The summariser's knobs, with the values the bot uses.

    ``weights``: per-feature weights of the sentence model; ``bias``: its intercept;
    ``length_prior``: weight of log(content terms), favouring sentences that say more;
    ``redundancy``: a sentence whose TF-IDF cosine with a chosen one exceeds this is skipped;
    ``min_terms``: sentences with fewer content terms are taken only when nothing else is left;
    ``max_chars``: a sentence that would take the summary past this many characters is skipped
    while shorter ones remain (3 sentences then fit a Discord embed without clipping);
    ``max_sentences``: only an article's first this many sentences are scored (the features use
    sentence-by-sentence matrices, so this bounds time and memory on very long texts).
    """

    weights: Mapping[str, float] = field(default_factory=lambda: WEIGHTS)
    bias: float = -3.902
    length_prior: float = 0.5
    redundancy: float = 0.6
    min_terms: int = 3
    max_chars: int = 3000
    max_sentences: int = 600

    def vector(self) -> NDArray[np.float64]:
        """The weights in ``FEATURES`` order (missing features weigh 0)."""
        return np.array([self.weights.get(name, 0.0) for name in FEATURES], dtype=np.float64)


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
    logit = feats.matrix @ params.vector() + params.bias
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
    order = np.argsort(-score, kind="stable").tolist()
    chosen: list[int] = []
    seen: set[str] = set()
    chars = 0
    for relaxed in (False, True):
        for i in order:
            if len(chosen) == n:
                break
            if i in chosen or keys[i] in seen:
                continue
            if not relaxed and (
                lengths[i] < params.min_terms
                or (chosen and chars + len(sentences[i]) > params.max_chars)
                or any(similarity[i, j] > params.redundancy for j in chosen)
            ):
                continue
            chosen.append(i)
            seen.add(keys[i])
            chars += len(sentences[i])
    return sorted(chosen)


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
