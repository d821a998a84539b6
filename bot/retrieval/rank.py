"""Question -> every candidate sentence, best first: the ranking that ``answer()`` cuts and cites.

``Ranker.rank`` is the one ranking the bot uses; ``answer()`` only adds the abstention cut, context
and citations on top of it, and the SQuAD benchmark reads the same ranking, so the benchmark
measures exactly what users get.

Two stages (weights in ``RankWeights``): first, the ``pool`` sentences with the best TF-IDF cosine,
the sentences of the articles whose titles best match, and their neighbours are scored from their
own cosine and idf coverage plus the coverage of their window of neighbours, their paragraph, their
article's title and an in-article idf; then the best ``rerank`` get bonuses for holding the kind
of answer asked for, for the question's word pairs and, for "who said ...?", for being someone's
statement. README
"Answering" has the measurements behind each part.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from bot.retrieval.abstention import AbstentionModel
from bot.retrieval.index import QueryVector, RowFilter
from bot.retrieval.kernels import compiled
from bot.retrieval.question import AnswerType, Question, QuestionKind, parse_question
from bot.retrieval.speakers import SpeakerDirectory
from bot.retrieval.statements import STATEMENT, SUBSTANTIVE
from bot.retrieval.store import CorpusIndex, ranges
from bot.retrieval.tokenize import Tokenizer


@dataclass(frozen=True, slots=True)
class RankWeights:
    """How the evidence for a sentence is combined (see ``Ranker``); measured on SQuAD (README).

    First stage, over the candidates (``pool`` and ``title_pool`` below):

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
      abstention model still reads plain idf shares (``Ranking.window`` and ``Ranking.title``).

    ``pool`` / ``title_pool``: the first stage scores the ``pool`` best rows by cosine, the rows
    holding a question term in the ``title_pool`` articles whose titles hold the most of the
    question, and their neighbours.

    Second stage, over the best ``rerank`` sentences: ``answer_type`` (a year for "when", a number
    for "how many", a name for "who"/"where"), ``bigram`` (share of the question's adjacent word
    pairs found adjacent in the sentence), and ``AnswerParams.statement_bonus``.
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
    pool: int = 300
    title_pool: int = 10


@dataclass(frozen=True, slots=True)
class AnswerParams:
    """Knobs of answering, with the defaults the bot uses.

    ``candidates``: how many ranked sentences ``rank`` returns by default; ``answer`` asks for
    ``depth_per_excerpt`` per excerpt wanted (at least ``candidates_min``), enough for the
    sentences it skips (repeats, context of an earlier excerpt, below the abstention cut).
    ``abstention``: the model that decides whether a ranked sentence is strong enough to be an
    answer (``bot.retrieval.abstention``; fitted on SQuAD, see README "Answering"); the bot
    abstains when the best one is not. ``min_coverage``: share of a "what did X say about T?"
    topic's idf mass that a statement must hold to be about it.
    ``statement_bonus``: added, for "who said ...?" questions, to a sentence that is part of a
    named speaker's substantive statement. ``weights``: see ``RankWeights``.
    """

    candidates: int = 50
    depth_per_excerpt: int = 4
    candidates_min: int = 12
    min_coverage: float = 0.55
    abstention: AbstentionModel = field(default_factory=AbstentionModel)
    statement_bonus: float = 0.5
    weights: RankWeights = field(default_factory=RankWeights)


@dataclass(frozen=True, slots=True)
class Ranking:
    """Candidate sentences of one question, best first.

    ``rows`` are sentence rows of the corpus; ``final`` is the score they are ordered by;
    ``cosine`` and ``coverage`` are each row's own TF-IDF cosine and share of the question's idf
    mass; ``window`` is the share of the question's idf mass found in the sentence and its
    neighbours in the paragraph together; ``title`` the share found in its article's title. The
    abstention model (``bot.retrieval.abstention``) reads these and ``final``.
    """

    terms: tuple[str, ...]
    rows: NDArray[np.int64]
    final: NDArray[np.float64]
    cosine: NDArray[np.float64]
    coverage: NDArray[np.float64]
    window: NDArray[np.float64]
    title: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.rows)

    @classmethod
    def empty(cls, terms: Sequence[str]) -> Ranking:
        """No candidate at all."""
        z = np.zeros(0)
        return cls(tuple(terms), np.zeros(0, dtype=np.int64), z, z, z, z, z)


class Ranker:
    """Ranks the sentences of one corpus for questions; build once per corpus and reuse.

    Holds what is derived from the corpus once (which articles' titles contain each term, where
    each paragraph starts); ``extended`` carries them over to a corpus with one more article. A
    question costs one top-``pool`` search over its terms' posting lists plus binary searches in
    those lists for a few thousand candidate and paragraph rows.
    """

    def __init__(self, corpus: CorpusIndex, tokenizer: Tokenizer, params: AnswerParams | None = None) -> None:
        self.corpus = corpus
        self.tokenizer = tokenizer
        self.params = params or AnswerParams()
        self._paras: tuple[NDArray[np.int64], NDArray[np.int32]] | None = None
        self._speakers: SpeakerDirectory | None = None

    def speakers(self) -> SpeakerDirectory:
        """The corpus's speakers by name (made on first use)."""
        if self._speakers is None:
            self._speakers = SpeakerDirectory(self.corpus)
        return self._speakers

    def prepare(self) -> None:
        """Work out the per-corpus tables and load the compiled search loops now (the first question
        would otherwise pay for them): one first stage for the rarest term, through a visibility
        filter (filtered or not, over sentences or titles, the loops take the same argument types)."""
        self._paragraphs()
        self.speakers()
        index = self.corpus.index
        if index.n_rows and len(index.idf):
            rarest = np.array([int(np.argmax(index.idf))])
            query = QueryVector(rarest, np.ones(1), index.idf[rarest], (), index.max_idf())
            self._first_stage(query, np.ones(len(self.corpus.articles), dtype=np.bool_))

    def extended(self, corpus: CorpusIndex) -> Ranker:
        """A ranker for ``corpus``, which is this ranker's corpus with articles added at the end
        (``CorpusIndex.with_documents``): the per-corpus tables are this ranker's plus those
        articles', not worked out again. This ranker is left unchanged."""
        new = Ranker(corpus, self.tokenizer, self.params)
        article = len(self.corpus.articles)
        if len(corpus.articles) <= article:
            raise ValueError("extended() takes the corpus with articles added")
        if self._speakers is not None:
            new._speakers = self._speakers.extended(corpus)
        if self._paras is not None:
            starts, row_para = self._paras
            lo, hi = int(corpus.first_row[article]), int(corpus.first_row[-1])
            para, owner = corpus.table.paragraph[lo:hi], corpus.table.article[lo:hi]
            opens = np.r_[True, (para[1:] != para[:-1]) | (owner[1:] != owner[:-1])]
            begins = lo + np.flatnonzero(opens)
            added_para = (len(starts) - 2 + np.cumsum(opens)).astype(np.int32)
            new._paras = (
                np.concatenate([starts[:-1], begins, [hi]]).astype(np.int64),
                np.concatenate([row_para, added_para]),
            )
        return new

    def _paragraphs(self) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
        """``(starts, row_para)``: the first row of every paragraph, ascending, then the number of
        rows, and the paragraph of every row (worked out on first use): the rows of paragraph ``p``
        are ``starts[p]:starts[p + 1]``."""
        if self._paras is None:
            t = self.corpus.table
            change = (t.article[1:] != t.article[:-1]) | (t.paragraph[1:] != t.paragraph[:-1])
            starts = np.concatenate([[0], np.flatnonzero(change) + 1, [len(t)]]).astype(np.int64)
            row_para = np.zeros(len(t), dtype=np.int32)
            np.cumsum(change, out=row_para[1:])
            self._paras = (starts, row_para)
        return self._paras

    def _seeds(self, query: QueryVector, visible: NDArray[np.bool_] | None) -> NDArray[np.int64]:
        """The ``pool`` best rows by cosine among the visible articles, ascending."""
        keep = None if visible is None else RowFilter(self.corpus.table.article, visible)
        return self.corpus.index.best_rows(query, self.params.weights.pool, keep=keep)

    def _titled_rows(
        self, query: QueryVector, rank_idf: NDArray[np.float64], visible: NDArray[np.bool_] | None
    ) -> NDArray[np.int64]:
        """Every row of the ``title_pool`` visible articles whose titles hold the most of the
        question (by ``rank_idf``), ascending: the title is the strongest first-stage evidence, and
        their sentences may lack the words that would make them ``pool`` rows."""
        wanted = self.params.weights.title_pool
        titles = self.corpus.titles
        if wanted <= 0:
            return np.zeros(0, dtype=np.int64)
        # The articles' sums of rank_idf over the question terms their titles hold: the same
        # compiled top-k as the sentence search, over the title postings (every entry weighs 1).
        no_group = np.zeros(0, dtype=np.int32)
        shown = visible if visible is not None else np.zeros(0, dtype=np.bool_)
        best, _, _ = compiled().top_rows(
            titles.indptr, titles.articles, np.zeros(0, dtype=np.float32), query.columns, rank_idf, rank_idf,
            len(self.corpus.articles), wanted, no_group, shown, False,
        )  # fmt: skip
        first_row = self.corpus.first_row
        best_articles = np.sort(best)
        r_lo, r_len = first_row[best_articles], first_row[best_articles + 1] - first_row[best_articles]
        return ranges(r_lo, r_len)

    def rank(
        self, question: Question | str, *, visible: NDArray[np.bool_] | None = None, depth: int | None = None
    ) -> Ranking:
        """The best ``depth`` candidate sentences (default ``AnswerParams.candidates``) for a parsed
        ``question`` (a string is parsed first), best first (no abstention cut).

        ``visible`` (one flag per article) limits the ranking to those articles, e.g. the shipped
        corpus plus one server's own; ``None`` ranks every article. A smaller ``depth`` is cheaper:
        fewer sentences are read for the second stage. Raises ``InvalidQuestion`` when the question
        has no searchable words.
        """
        if isinstance(question, str):
            question = parse_question(question, self.tokenizer)
        params = self.params
        wanted = params.candidates if depth is None else max(1, depth)
        terms = list(question.terms)
        statements = question.kind is QuestionKind.WHO_SAID
        query = self.corpus.query_vector(terms, visible)  # what others' private articles add stays unknown
        evidence = self._first_stage(query, visible)
        if evidence is None:
            return Ranking.empty(terms)
        rows, first, cosine, coverage, window, title, masks = evidence
        k = min(params.weights.rerank, len(rows))
        keep = np.argpartition(-first, k - 1)[:k] if len(rows) > k else np.arange(len(rows))
        kind = question.answer_type
        pairs = sorted(set(itertools.pairwise(terms)))
        may_pair = self._possible_pairs(query, pairs, masks[keep])
        # Bonuses only add, so the ``wanted``-th best first-stage score is a floor for the
        # ``wanted``-th best final score: a row whose largest possible bonus cannot lift it to
        # that floor is not returned, and is dropped before its text is read.
        w = params.weights
        ceiling = first[keep] + w.bigram * may_pair.mean(axis=1) if pairs else first[keep].copy()
        if kind is not None:
            ceiling += w.name_type if kind in (AnswerType.PERSON, AnswerType.PLACE) else w.answer_type
        ceiling += params.statement_bonus if statements else 0.0
        if len(keep) > wanted:
            floor = np.partition(first[keep], len(keep) - wanted)[len(keep) - wanted]
            alive = ceiling >= floor
            keep, may_pair = keep[alive], may_pair[alive]
        rows, final, cosine = rows[keep], first[keep].copy(), cosine[keep]
        coverage, window, title = coverage[keep].copy(), window[keep], title[keep]
        final += self._second_stage(question, kind, pairs, rows, may_pair.any(axis=1))
        if statements:
            flags = self.corpus.statements.flags[rows]
            final += params.statement_bonus * ((flags & (STATEMENT | SUBSTANTIVE)) == (STATEMENT | SUBSTANTIVE))
        order = np.lexsort((rows, -final))[:wanted]
        return Ranking(
            tuple(terms), rows[order], final[order], cosine[order], coverage[order], window[order], title[order]
        )

    # ------------------------------------------------------------------ first stage

    def _first_stage(
        self, query: QueryVector, visible: NDArray[np.bool_] | None = None
    ) -> tuple[NDArray[np.int64], *tuple[NDArray[np.float64], ...], NDArray[np.int64]] | None:
        """Candidate rows with their first-stage score, own cosine, own, window and title idf coverage,
        and the bit mask of the question terms each holds (bits as ``_term_bits(query.idf)``).

        The candidates are the ``RankWeights.pool`` best visible rows by cosine (``SentenceIndex.search``)
        and their neighbours in the paragraph. Their evidence is read from the rows of their
        paragraphs only: which query terms a row holds, and with what weight, is found by binary
        search in each term's sorted posting list, and an article's count of a term by two more.
        So a question costs ``search`` plus a few passes over those few thousand rows, however long
        the posting lists. Each question term gets one bit; the terms of a row, a window, a
        paragraph or a title are a bit mask and their idf mass is read from byte tables.
        """
        w = self.params.weights
        corpus, index = self.corpus, self.corpus.index
        n_terms, mass = len(query.columns), query.idf_mass
        if n_terms == 0 or mass <= 0:
            return None
        idf = query.idf
        # Ranking features weigh a term by idf ** idf_power (see RankWeights); abstention by idf.
        rank_idf = idf**w.idf_power
        seeds = self._seeds(query, visible)
        titled_rows = self._titled_rows(query, rank_idf, visible)
        if len(seeds) == 0 and len(titled_rows) == 0:
            return None
        rank_mass = float(rank_idf.sum()) + query.unknown_idf**w.idf_power * len(query.unknown)
        coef = np.array([
            mass, rank_mass, w.cosine, w.cosine_coverage, w.window, w.paragraph, w.title, w.local, w.previous,
            w.title_term_share,
        ])  # fmt: skip
        starts, paragraph_of = self._paragraphs()
        m, titles = index.matrix, corpus.titles
        return compiled().first_stage(  # type: ignore[no-any-return]
            m.indptr, m.indices, m.data, query.columns, query.weights, _term_bits(idf), idf, rank_idf,
            seeds, titled_rows, starts, paragraph_of, corpus.table.article, corpus.first_row,
            titles.indptr, titles.articles, coef,
        )  # fmt: skip

    # ------------------------------------------------------------------ second stage

    def _possible_pairs(
        self, query: QueryVector, pairs: Sequence[tuple[str, str]], masks: NDArray[np.int64]
    ) -> NDArray[np.bool_]:
        """Per row (by its question-term bit mask) and word pair: whether the row holds both words
        of the pair, so that the pair may occur in it (a term without a bit counts as held)."""
        if not pairs:
            return np.zeros((len(masks), 0), dtype=bool)
        bit_of = dict(zip(query.columns.tolist(), _term_bits(query.idf).tolist(), strict=True))
        vocab = self.corpus.index.vocabulary
        needs = np.array([bit_of.get(vocab.get(a, -1), 0) | bit_of.get(vocab.get(b, -1), 0) for a, b in pairs])
        return (masks[:, None] & needs[None, :]) == needs[None, :]

    def _second_stage(
        self,
        question: Question,
        kind: AnswerType | None,
        pairs: Sequence[tuple[str, str]],
        rows: NDArray[np.int64],
        may_pair: NDArray[np.bool_],
    ) -> NDArray[np.float64]:
        """Answer-type and word-pair bonuses for the re-ranked rows; word pairs are looked up only
        in the rows that ``may_pair``, in their saved term sequences (no text is tokenised)."""
        w = self.params.weights
        bonus = np.zeros(len(rows))
        if kind is not None:
            words = question.words
            type_bonus = w.name_type if kind in (AnswerType.PERSON, AnswerType.PLACE) else w.answer_type
            table = self.corpus.table
            for i, r in enumerate(rows.tolist()):
                if kind.matches(table.text(r), words):
                    bonus[i] += type_bonus
        if pairs and may_pair.any():
            bonus[may_pair] += w.bigram * self._pairs_found(pairs, rows[may_pair]) / len(pairs)
        return bonus

    def _pairs_found(self, pairs: Sequence[tuple[str, str]], rows: NDArray[np.int64]) -> NDArray[np.int64]:
        """How many of the distinct word ``pairs`` occur in each row, adjacent and in order (stop
        words left out, as in the question's terms)."""
        vocab = self.corpus.index.vocabulary
        n = len(vocab)
        known = [vocab[a] * n + vocab[b] for a, b in pairs if a in vocab and b in vocab]
        codes = np.unique(np.array(known, dtype=np.int64))
        if len(codes) == 0:
            return np.zeros(len(rows), dtype=np.int64)
        order = np.argsort(rows)
        gathered, lengths = self.corpus.sequences.gather(rows[order])
        columns = gathered.astype(np.int64)
        owner = np.repeat(np.arange(len(rows)), lengths)
        adjacent = columns[:-1] * n + columns[1:]
        hit = (owner[:-1] == owner[1:]) & np.isin(adjacent, codes)
        distinct = np.unique(owner[:-1][hit] * len(codes) + np.searchsorted(codes, adjacent[hit]))
        found = np.empty(len(rows), dtype=np.int64)
        found[order] = np.bincount(distinct // len(codes), minlength=len(rows))
        return found


def rank(question: str, corpus: CorpusIndex, tokenizer: Tokenizer, params: AnswerParams | None = None) -> Ranking:
    """``Ranker(corpus, tokenizer, params).rank(question)``: for one-off use (a ``Ranker`` caches)."""
    return Ranker(corpus, tokenizer, params).rank(question)


_MAX_BITS = 62


def _term_bits(idf: NDArray[np.float64]) -> NDArray[np.int64]:
    """One bit per query term; past 62 terms only the rarest 62 get one (the rest count in the
    cosine but not in coverage)."""
    bits = np.zeros(len(idf), dtype=np.int64)
    chosen = np.argsort(-idf, kind="stable")[:_MAX_BITS]
    bits[chosen] = np.left_shift(np.int64(1), np.arange(len(chosen), dtype=np.int64))
    return bits
