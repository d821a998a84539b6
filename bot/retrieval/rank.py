"""Question -> every candidate sentence, best first: the ranking that ``answer()`` cuts and cites.

``rank()`` is the one ranking the bot uses; ``answer()`` only adds the abstention cut, context and
citations on top of it, and the SQuAD benchmark reads the same ranking, so the benchmark measures
exactly what users get.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from bot.errors import InvalidQuestion
from bot.retrieval.store import CorpusIndex
from bot.retrieval.tokenize import Tokenizer

# Dropped from questions only: they say what kind of answer is wanted, not what it is about.
QUESTION_ONLY_STOPWORDS = frozenset({"many", "much"})

SPEECH_VERBS = frozenset(
    ["say", "said", "says", "saying", "tell", "told", "tells", "telling", "write", "wrote", "writes", "written", "writing", "state", "stated", "states", "describe", "described", "describes", "call", "called", "calls", "claim", "claimed", "claims", "announce", "announced", "announces", "add", "added", "adds", "warn", "warned", "warns", "insist", "insisted", "argue", "argued", "argues", "explain", "explained", "tweet", "tweeted", "post", "posted", "posts", "declare", "declared", "note", "noted", "suggest", "suggested", "urge", "urged", "promise", "promised", "vow", "vowed", "deny", "denied", "admit", "admitted", "reply", "replied", "respond", "responded", "comment", "commented", "accuse", "accused", "describe", "think", "thought", "believe", "believed"]  # noqa: E501
)

_SPEAKER_QUESTION_RE = re.compile(
    r"\b(?:what|how)\s+(?:did|does|do|has|have|had|is|was|will)\s+(?P<who>.+?)\s+"
    r"(?:say|said|tell|told|write|wrote|state|describe|call|claim|announce|add|warn|tweet|post|"
    r"think|believe|reply|respond|argue|explain|promise|suggest|comment)\b",
    re.IGNORECASE,
)
_INVERTING = frozenset({"say", "write", "add"})  # stems of verbs that may precede their speaker


@dataclass(frozen=True, slots=True)
class AnswerParams:
    """Knobs of answering, with the defaults the bot uses.

    ``candidates``: how many sentences (by TF-IDF cosine) are re-ranked. ``min_coverage``: share
    of the question's idf mass (unknown words counted at the highest idf) the best sentence must
    match, else the bot abstains. ``min_score``: minimum cosine. ``speaker_bonus``: added to a
    sentence whose subject says something in a "what did X say" question.
    """

    candidates: int = 50
    min_coverage: float = 0.5
    min_score: float = 0.1
    speaker_bonus: float = 0.5


@dataclass(frozen=True, slots=True)
class Ranking:
    """Candidate sentences of one question, best first.

    ``rows`` are sentence rows of the corpus; ``final`` is the score they are ordered by;
    ``cosine`` and ``coverage`` are each row's own TF-IDF cosine and share of the question's idf
    mass (the figures the abstention rule reads).
    """

    terms: tuple[str, ...]
    rows: NDArray[np.int64]
    final: NDArray[np.float64]
    cosine: NDArray[np.float64]
    coverage: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.rows)


def speaker_terms(question: str, tokenizer: Tokenizer) -> tuple[str, ...]:
    """Terms naming the speaker in "what did X say/tell/write" questions (empty otherwise)."""
    match = _SPEAKER_QUESTION_RE.search(question)
    if not match:
        return ()
    return tuple(tokenizer(match.group("who")))


def question_terms(question: str, tokenizer: Tokenizer) -> list[str]:
    """The terms a question is searched with; raises ``InvalidQuestion`` when there are none."""
    terms = [t for t in tokenizer(question) if t not in QUESTION_ONLY_STOPWORDS]
    if not terms:
        raise InvalidQuestion("the question has no words to search for; ask about a person, place or event")
    return terms


def rank(question: str, corpus: CorpusIndex, tokenizer: Tokenizer, params: AnswerParams | None = None) -> Ranking:
    """Every candidate sentence for a cleaned ``question``, best first (no abstention cut).

    Raises ``InvalidQuestion`` when the question has no searchable words.
    """
    params = params or AnswerParams()
    terms = question_terms(question, tokenizer)
    speaker = speaker_terms(question, tokenizer)
    speech = frozenset(tokenizer.term(v) for v in SPEECH_VERBS)
    if speaker:
        # "What did X say?": any speech verb will do, so the question's own verb is not required.
        terms = [t for t in terms if t not in speech] or terms
    index = corpus.index
    query = index.query_vector(terms)
    best = index.top(index.score(query), params.candidates)
    coverage = best.coverage.copy()
    bonus = np.zeros(len(best.rows))
    if speaker and len(best.rows):
        vocab, in_query = index.vocabulary, set(terms)
        known = [index.idf[vocab[t]] for t in set(speaker) if t in vocab and t in in_query]
        speaker_share = float(sum(known)) / query.idf_mass if query.idf_mass else 0.0
        for i, row in enumerate(best.rows.tolist()):
            how = _speaker_speaks(corpus, tokenizer, row, speaker, speech)
            if how:
                bonus[i] = params.speaker_bonus
            if how == "pronoun":  # "He also told ...": the name is in the previous sentence
                coverage[i] = min(1.0, coverage[i] + speaker_share)
    final = best.scores * (0.5 + 0.5 * coverage) + bonus
    order = np.lexsort((best.rows, -final))
    return Ranking(
        terms=tuple(terms),
        rows=best.rows[order],
        final=final[order],
        cosine=best.scores[order],
        coverage=coverage[order],
    )


def _speaker_speaks(
    corpus: CorpusIndex, tokenizer: Tokenizer, row: int, speaker: tuple[str, ...], speech: frozenset[str]
) -> str | None:
    """How the speaker is the subject of a speech verb in the sentence at ``row``.

    "Vance said", "said Vance" and "Vance, the vice president, told" count (the name at most three
    terms before the verb or two after); so does a sentence opening with "He"/"She" and a speech
    verb right after a sentence that names the speaker. "Trump said Putin ..." does not count for Putin.
    """
    text = corpus.table.text(row)
    seq = tokenizer(text)
    verbs = [i for i, t in enumerate(seq) if t in speech]
    if not verbs:
        return None
    name = speaker[-1]
    names = [i for i, t in enumerate(seq) if t == name]
    inverted = [i for i in verbs if seq[i] in _INVERTING]  # "..., said Vance"
    if any(0 < v - n <= 3 for v in verbs for n in names) or any(0 < n - v <= 2 for v in inverted for n in names):
        return "named"
    first = text.split(" ", 1)[0].lower()
    prev = row - 1
    if first in {"he", "she", "they"} and verbs[0] <= 1 and prev >= corpus.first_row[int(corpus.table.article[row])]:
        return "pronoun" if name in set(tokenizer(corpus.table.text(prev))) else None
    return None
