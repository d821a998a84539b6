"""Question -> every candidate sentence, best first: the ranking that ``answer()`` cuts and cites.

``rank()`` is the one ranking the bot uses; ``answer()`` only adds the abstention cut, context and
citations on top of it, and the SQuAD benchmark reads the same ranking, so the benchmark measures
exactly what users get.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from bot.errors import InvalidQuestion
from bot.retrieval.index import QueryVector
from bot.retrieval.question import AnswerType, question_words, search_text
from bot.retrieval.store import CorpusIndex, SentenceTable
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
class RankWeights:
    """How the evidence for a sentence is combined (see ``Ranker``); measured on SQuAD (README).

    First stage, over every sentence that shares a term with the question or sits next to one:

    * ``cosine`` / ``cosine_coverage``: the sentence's own TF-IDF cosine, alone and times its
      own idf coverage;
    * ``window``: idf coverage of the sentence together with its neighbours in the paragraph;
    * ``paragraph``: idf coverage of its whole paragraph;
    * ``title``: idf coverage of its article's title;
    * ``local``: own coverage with idf computed inside its article (words rare in the article weigh
      more than words the whole article repeats);
    * ``previous``: cosine of the sentence before it in the paragraph;
    * ``title_term_share``: what a question word found in the sentence counts for, in ``cosine``
      and coverage, when the article's title holds it too (the title already says it).

    Second stage, over the best ``rerank`` sentences: ``answer_type`` (a year for "when", a number
    for "how many", a name for "who"/"where"), ``bigram`` (share of the question's adjacent word
    pairs found adjacent in the sentence), and ``AnswerParams.speaker_bonus``.
    """

    cosine: float = 0.2
    cosine_coverage: float = 0.3
    window: float = 0.2
    paragraph: float = 0.3
    title: float = 0.5
    local: float = 0.4
    previous: float = 0.1
    title_term_share: float = 0.5
    answer_type: float = 0.2
    name_type: float = 0.1
    bigram: float = 0.1
    rerank: int = 100


@dataclass(frozen=True, slots=True)
class AnswerParams:
    """Knobs of answering, with the defaults the bot uses.

    ``candidates``: how many ranked sentences ``rank`` returns. ``min_coverage``: share of the
    question's idf mass (unknown words counted at the highest idf) that the best sentence and its
    neighbours in the paragraph must hold together, else the bot abstains (0.55: calibrated on
    SQuAD, see README "Answering"). ``min_score``: minimum cosine of the sentence itself.
    ``speaker_bonus``: added to a sentence whose subject says something in a "what did X say"
    question. ``weights``: see ``RankWeights``.
    """

    candidates: int = 50
    min_coverage: float = 0.55
    min_score: float = 0.1
    speaker_bonus: float = 0.5
    weights: RankWeights = field(default_factory=RankWeights)


@dataclass(frozen=True, slots=True)
class Ranking:
    """Candidate sentences of one question, best first.

    ``rows`` are sentence rows of the corpus; ``final`` is the score they are ordered by;
    ``cosine`` and ``coverage`` are each row's own TF-IDF cosine and share of the question's idf
    mass (the figures the abstention rule reads); ``window`` is the share of the question's idf
    mass found in the sentence and its neighbours in the paragraph together.
    """

    terms: tuple[str, ...]
    rows: NDArray[np.int64]
    final: NDArray[np.float64]
    cosine: NDArray[np.float64]
    coverage: NDArray[np.float64]
    window: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.rows)

    @classmethod
    def empty(cls, terms: Sequence[str]) -> Ranking:
        """No candidate at all."""
        z = np.zeros(0)
        return cls(tuple(terms), np.zeros(0, dtype=np.int64), z, z, z, z)


def speaker_terms(question: str, tokenizer: Tokenizer) -> tuple[str, ...]:
    """Terms naming the speaker in "what did X say/tell/write" questions (empty otherwise)."""
    match = _SPEAKER_QUESTION_RE.search(question)
    if not match:
        return ()
    return tuple(tokenizer(match.group("who")))


def question_terms(question: str, tokenizer: Tokenizer) -> list[str]:
    """The terms a question is searched with; raises ``InvalidQuestion`` when there are none.

    Phrases that only name the kind of answer ("how many", "what year", "what kind of") are left
    out, unless nothing else is left.
    """
    dropped = {tokenizer.term(w) for w in QUESTION_ONLY_STOPWORDS}
    terms = [t for t in tokenizer(search_text(question)) if t not in dropped]
    if not terms:
        terms = [t for t in tokenizer(question) if t not in dropped]
    if not terms:
        raise InvalidQuestion("the question has no words to search for; ask about a person, place or event")
    return terms


class Ranker:
    """Ranks the sentences of one corpus for questions; build once per corpus and reuse.

    Holds what is derived from the corpus once (which articles' titles contain each term); the
    per-question work touches only the posting lists of the question's terms, so its cost grows
    with those lists, not with the corpus.
    """

    def __init__(self, corpus: CorpusIndex, tokenizer: Tokenizer, params: AnswerParams | None = None) -> None:
        self.corpus = corpus
        self.tokenizer = tokenizer
        self.params = params or AnswerParams()
        self._speech = frozenset(tokenizer.term(v) for v in SPEECH_VERBS)
        self._titles: tuple[NDArray[np.int64], NDArray[np.int64]] | None = None

    def _title_postings(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """``(indptr, articles)``: the articles whose title holds term column ``c`` are
        ``articles[indptr[c]:indptr[c + 1]]`` (worked out on first use)."""
        if self._titles is None:
            vocab = self.corpus.index.vocabulary
            cols: list[int] = []
            arts: list[int] = []
            for a, meta in enumerate(self.corpus.articles):
                for c in {vocab[t] for t in self.tokenizer(meta.title) if t in vocab}:
                    cols.append(c)
                    arts.append(a)
            col = np.asarray(cols, dtype=np.int64)
            order = np.argsort(col, kind="stable")
            indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
            np.cumsum(np.bincount(col, minlength=len(vocab)), out=indptr[1:])
            self._titles = (indptr, np.asarray(arts, dtype=np.int64)[order])
        return self._titles

    def rank(self, question: str, *, visible: NDArray[np.bool_] | None = None) -> Ranking:
        """Every candidate sentence for a cleaned ``question``, best first (no abstention cut).

        ``visible`` (one flag per article) limits the ranking to those articles, e.g. the shipped
        corpus plus one server's own; ``None`` ranks every article. Raises ``InvalidQuestion`` when
        the question has no searchable words.
        """
        params = self.params
        terms = question_terms(question, self.tokenizer)
        speaker = speaker_terms(question, self.tokenizer)
        if speaker:
            # "What did X say?": any speech verb will do, so the question's own verb is not required.
            terms = [t for t in terms if t not in self._speech] or terms
        query = self.corpus.index.query_vector(terms)
        evidence = self._first_stage(query, visible)
        if evidence is None:
            return Ranking.empty(terms)
        rows, first, cosine, coverage, window = evidence
        k = min(params.weights.rerank, len(rows))
        keep = np.argpartition(-first, k - 1)[:k] if len(rows) > k else np.arange(len(rows))
        rows, final, cosine = rows[keep], first[keep].copy(), cosine[keep]
        coverage, window = coverage[keep].copy(), window[keep]
        final += self._second_stage(question, terms, rows)
        if speaker:
            self._add_speaker(query, terms, speaker, rows, final, coverage)
        order = np.lexsort((rows, -final))[: params.candidates]
        return Ranking(tuple(terms), rows[order], final[order], cosine[order], coverage[order], window[order])

    # ------------------------------------------------------------------ first stage

    def _first_stage(
        self, query: QueryVector, visible: NDArray[np.bool_] | None = None
    ) -> tuple[NDArray[np.int64], *tuple[NDArray[np.float64], ...]] | None:
        """Candidate rows with their first-stage score, own cosine, own and window idf coverage."""
        w = self.params.weights
        index, table = self.corpus.index, self.corpus.table
        n_terms = len(query.columns)
        mass = query.idf_mass
        if n_terms == 0 or mass <= 0:
            return None
        matrix = index.matrix
        indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
        parts = [(int(indptr[c]), int(indptr[c + 1])) for c in query.columns.tolist()]
        if all(hi == lo for lo, hi in parts):
            return None
        # One entry per (row, query term) occurrence.
        row = np.concatenate([indices[lo:hi] for lo, hi in parts]).astype(np.int64)
        term = np.repeat(np.arange(n_terms, dtype=np.int64), [hi - lo for lo, hi in parts])
        value = np.concatenate([data[lo:hi] for lo, hi in parts]).astype(np.float64)
        idf = query.idf
        article = table.article[row].astype(np.int64)
        if visible is not None:  # another server's or a removed article never becomes a candidate
            keep = visible[article]
            row, term, value, article = row[keep], term[keep], value[keep], article[keep]
            if len(row) == 0:
                return None

        # Terms the row's article title already holds count for less in the row's own scores.
        in_title = np.zeros(len(row), dtype=bool)
        t_indptr, t_articles = self._title_postings()
        title_keys = [t_articles[t_indptr[c] : t_indptr[c + 1]] * n_terms + j for j, c in enumerate(query.columns)]
        title_keys_all = np.concatenate(title_keys) if title_keys else np.zeros(0, dtype=np.int64)
        if len(title_keys_all):
            in_title = np.isin(article * n_terms + term, title_keys_all)
        share = np.where(in_title, w.title_term_share, 1.0)

        # Candidates: the touched rows and their neighbours in the same paragraph.
        paragraph = table.paragraph
        n_rows = index.n_rows
        prev_ok = (row > 0) & _same_paragraph(table, row, row - 1, n_rows)
        next_ok = (row < n_rows - 1) & _same_paragraph(table, row, row + 1, n_rows)
        win_row = np.concatenate([row, row[prev_ok] - 1, row[next_ok] + 1])
        win_term = np.concatenate([term, term[prev_ok], term[next_ok]])
        cand = np.unique(win_row)
        m = len(cand)
        at = np.searchsorted(cand, row)
        cosine = np.bincount(at, weights=value * query.weights[term], minlength=m)
        coverage = np.bincount(at, weights=idf[term], minlength=m) / mass
        cos_t = np.bincount(at, weights=value * query.weights[term] * share, minlength=m)
        cov_t = np.bincount(at, weights=idf[term] * share, minlength=m) / mass

        # Window: distinct question terms in the sentence and its neighbours.
        window = _distinct_mass(np.searchsorted(cand, win_row), win_term, idf, n_terms, m) / mass

        # Paragraph: distinct question terms anywhere in the paragraph.
        para_key = article * (1 << 24) + paragraph[row].astype(np.int64)
        para_u, para_at = np.unique(para_key, return_inverse=True)
        para_mass = _distinct_mass(para_at, term, idf, n_terms, len(para_u)) / mass
        cand_article = table.article[cand].astype(np.int64)
        cand_para = cand_article * (1 << 24) + paragraph[cand].astype(np.int64)
        where = np.minimum(np.searchsorted(para_u, cand_para), len(para_u) - 1)
        para_cov = np.where(para_u[where] == cand_para, para_mass[where], 0.0)

        # Title: question terms in the article's title.
        title_cov = np.zeros(m)
        if len(title_keys_all):
            t_art = title_keys_all // n_terms
            t_mass = idf[title_keys_all % n_terms]
            arts_u, arts_at = np.unique(t_art, return_inverse=True)
            per_article = np.bincount(arts_at, weights=t_mass, minlength=len(arts_u)) / mass
            where = np.minimum(np.searchsorted(arts_u, cand_article), len(arts_u) - 1)
            title_cov = np.where(arts_u[where] == cand_article, per_article[where], 0.0)

        # Local: idf of each term within the row's article, coverage against the article's mass.
        local = self._local_coverage(article, term, at, cand_article, n_terms, m)

        # Previous sentence's cosine (same paragraph).
        prev = cand - 1
        where = np.maximum(np.searchsorted(cand, prev), 0)
        where = np.minimum(where, m - 1)
        has_prev = (cand[where] == prev) & (prev >= 0) & _same_paragraph(table, cand, prev, n_rows)
        previous = np.where(has_prev, cosine[where], 0.0)

        score = (
            w.cosine * cos_t
            + w.cosine_coverage * cos_t * cov_t
            + w.window * window
            + w.paragraph * para_cov
            + w.title * title_cov
            + w.local * local
            + w.previous * previous
        )
        return cand, score, cosine, coverage, window

    def _local_coverage(
        self,
        article: NDArray[np.int64],
        term: NDArray[np.int64],
        at: NDArray[np.int64],
        cand_article: NDArray[np.int64],
        n_terms: int,
        m: int,
    ) -> NDArray[np.float64]:
        """Own idf coverage of each candidate, with idf counted among its article's sentences."""
        first_row = self.corpus.first_row
        sizes = (first_row[1:] - first_row[:-1]).astype(np.float64)
        key = article * n_terms + term
        key_u, key_at, df = np.unique(key, return_inverse=True, return_counts=True)
        key_art = key_u // n_terms
        local_idf = np.log((sizes[key_art] + 1.0) / (df + 1.0)) + 1.0
        absent = np.log(sizes + 1.0) + 1.0  # a question term the article never uses
        arts_u, arts_at = np.unique(key_art, return_inverse=True)
        art_mass = absent[arts_u] * n_terms + np.bincount(
            arts_at, weights=local_idf - absent[key_art], minlength=len(arts_u)
        )
        matched = np.bincount(at, weights=local_idf[key_at], minlength=m)
        where = np.minimum(np.searchsorted(arts_u, cand_article), len(arts_u) - 1)
        total = np.where(arts_u[where] == cand_article, art_mass[where], absent[cand_article] * n_terms)
        return matched / total

    # ------------------------------------------------------------------ second stage

    def _second_stage(self, question: str, terms: Sequence[str], rows: NDArray[np.int64]) -> NDArray[np.float64]:
        """Answer-type and word-pair bonuses for the re-ranked rows."""
        w = self.params.weights
        kind = AnswerType.of(question)
        pairs = set(itertools.pairwise(terms))
        bonus = np.zeros(len(rows))
        if kind is None and not pairs:
            return bonus
        words = question_words(question)
        type_bonus = w.name_type if kind in (AnswerType.PERSON, AnswerType.PLACE) else w.answer_type
        table = self.corpus.table
        for i, r in enumerate(rows.tolist()):
            text = table.text(r)
            if kind is not None and kind.matches(text, words):
                bonus[i] += type_bonus
            if pairs:
                seq = self.tokenizer(text)
                found = pairs.intersection(itertools.pairwise(seq))
                bonus[i] += w.bigram * len(found) / len(pairs)
        return bonus

    def _add_speaker(
        self,
        query: QueryVector,
        terms: Sequence[str],
        speaker: tuple[str, ...],
        rows: NDArray[np.int64],
        final: NDArray[np.float64],
        coverage: NDArray[np.float64],
    ) -> None:
        """Speaker bonus in place; a "He said" sentence is credited with the name before it."""
        index = self.corpus.index
        vocab, in_query = index.vocabulary, set(terms)
        known = [index.idf[vocab[t]] for t in set(speaker) if t in vocab and t in in_query]
        speaker_share = float(sum(known)) / query.idf_mass if query.idf_mass else 0.0
        for i, r in enumerate(rows.tolist()):
            how = _speaker_speaks(self.corpus, self.tokenizer, r, speaker, self._speech)
            if how:
                final[i] += self.params.speaker_bonus
            if how == "pronoun":  # "He also told ...": the name is in the previous sentence
                coverage[i] = min(1.0, coverage[i] + speaker_share)


def rank(question: str, corpus: CorpusIndex, tokenizer: Tokenizer, params: AnswerParams | None = None) -> Ranking:
    """``Ranker(corpus, tokenizer, params).rank(question)``: for one-off use (a ``Ranker`` caches)."""
    return Ranker(corpus, tokenizer, params).rank(question)


def _same_paragraph(table: SentenceTable, a: NDArray[np.int64], b: NDArray[np.int64], n_rows: int) -> NDArray[np.bool_]:
    """Whether rows ``a`` and ``b`` (``b`` possibly out of range) are in one paragraph of one article."""
    b_safe = np.clip(b, 0, max(n_rows - 1, 0))
    return (
        (b >= 0)
        & (b < n_rows)
        & (table.article[a] == table.article[b_safe])
        & (table.paragraph[a] == table.paragraph[b_safe])
    )


def _distinct_mass(
    target: NDArray[np.int64], term: NDArray[np.int64], idf: NDArray[np.float64], n_terms: int, size: int
) -> NDArray[np.float64]:
    """Sum of idf over the distinct terms of each target (targets ``0..size-1``)."""
    key = np.unique(target * n_terms + term)
    return np.bincount(key // n_terms, weights=idf[key % n_terms], minlength=size)


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
