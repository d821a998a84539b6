"""Question -> every candidate sentence, best first: the ranking that ``answer()`` cuts and cites.

``Ranker.rank`` is the one ranking the bot uses; ``answer()`` only adds the abstention cut, context
and citations on top of it, and the SQuAD benchmark reads the same ranking, so the benchmark
measures exactly what users get.

Two stages (weights in ``RankWeights``): first, every sentence sharing a term with the question,
or next to one, is scored from its own TF-IDF cosine and idf coverage plus the coverage of its
window of neighbours, its paragraph, its article's title and an in-article idf; then the best
``rerank`` get bonuses for holding the kind of answer asked for, for the question's word pairs and
for a speaker who says something. README "Answering" has the measurements behind each part.
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
    * ``idf_power``: in these coverages a question term weighs ``idf ** idf_power``. With 2, a
      matched term counts by its weight in the question times its weight in the text (the dot
      product of idf-weighted word sets), so rare words decide more than common ones. The
      abstention rule still reads plain idf shares (``Ranking.coverage`` and ``Ranking.window``).

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
    idf_power: float = 2.0
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
    mass; ``window`` is the share of the question's idf mass found in the sentence and its
    neighbours in the paragraph together. The abstention rule reads ``cosine`` and ``window``.
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

    def prepare(self) -> None:
        """Work out the per-corpus tables now (they are otherwise made by the first question)."""
        self._title_postings()

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
        """Candidate rows with their first-stage score, own cosine, own and window idf coverage.

        Each question term gets one bit; the terms a sentence holds are a bit mask, so the terms of
        a window, a paragraph or a title are the OR of masks and their idf mass is read from byte
        tables. Per term, the work is a scatter into arrays of one slot per sentence (allocated
        zeroed, touched only where the term occurs) and a count per article, so a question costs
        the length of its posting lists plus a few passes over the touched rows.
        """
        w = self.params.weights
        corpus, index, table = self.corpus, self.corpus.index, self.corpus.table
        n_terms, mass = len(query.columns), query.idf_mass
        if n_terms == 0 or mass <= 0:
            return None
        n_rows, n_articles = index.n_rows, len(corpus.articles)
        idf = query.idf
        # Ranking features weigh a term by idf ** idf_power (see RankWeights); abstention by idf.
        rank_idf = idf**w.idf_power
        rank_mass = float(rank_idf.sum()) + query.unknown_idf**w.idf_power * len(query.unknown)
        bits = _term_bits(idf)
        matrix = index.matrix
        indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
        t_indptr, t_articles = self._title_postings()
        article_of = table.article
        sizes = np.diff(np.asarray(corpus.first_row, dtype=np.float64))
        absent = np.log(sizes + 1.0) + 1.0  # in-article idf of a term the article never uses

        cosine = np.zeros(n_rows)
        cosine_title = np.zeros(n_rows)  # the part of the cosine from terms the title holds too
        local = np.zeros(n_rows)
        mask = np.zeros(n_rows, dtype=np.int64)
        title_mask = np.zeros(n_articles, dtype=np.int64)
        local_mass = absent * n_terms
        flag = np.zeros(n_articles, dtype=bool)
        for j, col in enumerate(query.columns.tolist()):
            rows = indices[int(indptr[col]) : int(indptr[col + 1])]
            values = data[int(indptr[col]) : int(indptr[col + 1])]
            art = article_of[rows]
            if visible is not None:  # another server's or a removed article never becomes a candidate
                keep = visible[art]
                rows, values, art = rows[keep], values[keep], art[keep]
            if len(rows) == 0:
                continue
            contribution = values * query.weights[j]
            cosine[rows] += contribution  # rows are distinct within one posting list
            mask[rows] |= bits[j]
            titled = t_articles[int(t_indptr[col]) : int(t_indptr[col + 1])]
            if len(titled):
                title_mask[titled] |= bits[j]
                flag[titled] = True
                in_title = flag[art]
                flag[titled] = False
                cosine_title[rows[in_title]] += contribution[in_title]
            df = np.bincount(art, minlength=n_articles)
            term_local = np.log((sizes + 1.0) / (df + 1.0)) + 1.0
            local[rows] += term_local[art]
            local_mass += term_local - absent

        touched = np.flatnonzero(mask) if n_terms <= _MAX_BITS else np.flatnonzero(cosine)
        if len(touched) == 0:
            return None
        # Candidates: the touched rows and their neighbours in the same paragraph.
        prev_ok = _same_paragraph(table, touched, touched - 1, n_rows)
        next_ok = _same_paragraph(table, touched, touched + 1, n_rows)
        is_cand = mask != 0 if n_terms <= _MAX_BITS else cosine != 0
        is_cand[touched[prev_ok] - 1] = True
        is_cand[touched[next_ok] + 1] = True
        cand = np.flatnonzero(is_cand)
        before = cand - 1
        after = cand + 1
        has_before = _same_paragraph(table, cand, before, n_rows)
        has_after = _same_paragraph(table, cand, after, n_rows)
        own = mask[cand]
        window = own | np.where(has_before, mask[np.maximum(before, 0)], 0)
        window |= np.where(has_after, mask[np.minimum(after, n_rows - 1)], 0)

        # Paragraph: OR of the masks of its touched rows (rows of a paragraph are consecutive).
        key = _paragraph_key(table, touched)
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        para_mask = np.bitwise_or.reduceat(mask[touched], starts)
        para_key = key[starts]
        cand_key = _paragraph_key(table, cand)
        where = np.minimum(np.searchsorted(para_key, cand_key), len(para_key) - 1)
        paragraph = np.where(para_key[where] == cand_key, para_mask[where], 0)

        cand_article = article_of[cand]
        title = title_mask[cand_article]
        plain, ranked = _MaskMass(idf, bits), _MaskMass(rank_idf, bits)
        coverage = plain(own) / mass
        share = w.title_term_share
        cos = cosine[cand]
        cos_t = cos - (1.0 - share) * cosine_title[cand]
        cov_t = (ranked(own) - (1.0 - share) * ranked(own & title)) / rank_mass
        score = (
            w.cosine * cos_t
            + w.cosine_coverage * cos_t * cov_t
            + w.window * ranked(window) / rank_mass
            + w.paragraph * ranked(paragraph) / rank_mass
            + w.title * ranked(title) / rank_mass
            + w.local * local[cand] / local_mass[cand_article]
            + w.previous * np.where(has_before, cosine[np.maximum(before, 0)], 0.0)
        )
        return cand, score, cos, coverage, plain(window) / mass

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


_MAX_BITS = 62


def _term_bits(idf: NDArray[np.float64]) -> NDArray[np.int64]:
    """One bit per query term; past 62 terms only the rarest 62 get one (the rest count in the
    cosine but not in coverage)."""
    bits = np.zeros(len(idf), dtype=np.int64)
    chosen = np.argsort(-idf, kind="stable")[:_MAX_BITS]
    bits[chosen] = np.left_shift(np.int64(1), np.arange(len(chosen), dtype=np.int64))
    return bits


class _MaskMass:
    """Sum of per-term weights over the bits set in term masks, read byte by byte from tables."""

    def __init__(self, weights: NDArray[np.float64], bits: NDArray[np.int64]) -> None:
        by_bit = np.zeros(64)
        has = bits != 0
        by_bit[np.log2(bits[has].astype(np.float64)).round().astype(np.int64)] = weights[has]
        byte = np.arange(256)
        table = ((byte[:, None] >> np.arange(8)) & 1).astype(np.float64)  # 256 x 8
        self._tables = [table @ by_bit[8 * k : 8 * k + 8] for k in range(8)]

    def __call__(self, masks: NDArray[np.int64]) -> NDArray[np.float64]:
        total = np.zeros(len(masks))
        for k, table in enumerate(self._tables):
            total += table[(masks >> (8 * k)) & 255]
        return total


def _paragraph_key(table: SentenceTable, rows: NDArray[np.int64]) -> NDArray[np.int64]:
    """A number per (article, paragraph), increasing with the row."""
    return table.article[rows].astype(np.int64) * (1 << 24) + table.paragraph[rows].astype(np.int64)


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
