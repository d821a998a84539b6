"""Answers to "what did X say (about T)?": find the person, then rank their statements.

``SpeakerDirectory`` maps names as a question writes them ("Vance", "JD Vance", "Mr Johnson") to
the corpus's speakers; when a name fits several people, the most quoted (among the articles the
asker can see) is answered for and the others are offered. ``rank_statements`` orders a speaker's
statements: about the topic first when one is asked, then substantive statements (not "declined to
comment"), direct quotations, statements from articles that quote the person most, the newer
article among near-equals. Only the speaker's own rows are read (their posting list), never the
whole corpus.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from bot.attribution.names import key, strip_title
from bot.models import SpeakerCount
from bot.retrieval.dedup import sentence_key
from bot.retrieval.statements import DIRECT, FIRST, NAMED, SUBSTANTIVE, TRANSCRIPT
from bot.retrieval.store import CorpusIndex


@dataclass(frozen=True, slots=True)
class RankedStatement:
    """One statement of a speaker: its rows, the row that best matches the topic, and its score."""

    first: int
    last: int
    best: int
    score: float
    topic_share: float


class SpeakerDirectory:
    """The speakers of one corpus by name; build once per corpus (about 0.1 s per 100,000 names)."""

    def __init__(self, corpus: CorpusIndex) -> None:
        self._corpus = corpus
        self._by_key = corpus.statements.numbers()
        self._by_surname: dict[str, list[int]] = {}
        for k, number in self._by_key.items():
            self._file(k, number)
        self._sorted_keys = sorted(self._by_key)

    def _file(self, k: str, number: int) -> None:
        """List speaker ``number`` (name key ``k``) under its surname (a new list: lists are shared)."""
        words = k.split()
        surnames = [words[-1]] if words else []
        if len(words) >= 3 and len(words[-2]) > 2:
            surnames.append(words[-2])  # "Melba Acosta Febo"
        for s in surnames:
            self._by_surname[s] = [*self._by_surname.get(s, ()), number]

    def extended(self, corpus: CorpusIndex) -> SpeakerDirectory:
        """The directory of ``corpus``, this one's corpus with an article added: this one's tables
        plus the speakers that article brought (none worked out again; this one is unchanged)."""
        new = SpeakerDirectory.__new__(SpeakerDirectory)
        new._corpus = corpus
        new._by_key = corpus.statements.numbers()
        new._by_surname = dict(self._by_surname)
        new._sorted_keys = list(self._sorted_keys)
        for name in corpus.statements.names[len(self._corpus.statements.names) :]:
            k = key(name)
            new._file(k, new._by_key[k])
            bisect.insort(new._sorted_keys, k)
        return new

    def names(self, numbers: Sequence[int]) -> list[str]:
        """Display names of speaker numbers."""
        return [self._corpus.statements.names[n] for n in numbers]

    def candidates(self, name: str) -> list[int]:
        """Speakers ``name`` may mean: the exact name; else, for one word (or "Mr X"), everyone
        with that surname; else people with the same surname and first name or initial."""
        bare = strip_title(name) or name
        k = key(bare)
        words = k.split()
        if not words:
            return []
        same_surname = self._by_surname.get(words[-1], [])
        if len(words) == 1:
            return list(dict.fromkeys(same_surname))
        if k in self._by_key:
            return [self._by_key[k]]
        first = words[0]
        names = self._corpus.statements.names
        # The same first initial, or the surname alone (an article that never gave the first name).
        return [
            n for n in same_surname
            if len(key(names[n]).split()) == 1 or key(names[n]).split()[0][:1] == first[:1]
        ]  # fmt: skip

    def statement_count(self, number: int, visible: NDArray[np.bool_] | None) -> int:
        """How many statements of speaker ``number`` the visible articles hold."""
        rows = self._corpus.statements.speaker_rows(number)
        heads = rows[(self._corpus.statements.flags[rows] & FIRST) != 0]
        if visible is None:
            return len(heads)
        return int(visible[self._corpus.table.article[heads]].sum())

    def choose(self, name: str, visible: NDArray[np.bool_] | None) -> list[SpeakerCount]:
        """The people ``name`` may mean that the visible articles quote, most statements first."""
        counted = [(self.statement_count(n, visible), n) for n in self.candidates(name)]
        counted = [(c, n) for c, n in counted if c > 0]
        # A full name first: "Johnson" alone pools every article that never gave a first name.
        names = self._corpus.statements.names
        counted.sort(key=lambda cn: (" " not in names[cn[1]], -cn[0], names[cn[1]]))
        return [SpeakerCount(self._corpus.statements.names[n], c) for c, n in counted]

    def number(self, name: str) -> int | None:
        """The speaker number of an exact (canonical) name."""
        return self._by_key.get(key(name))

    def complete(self, prefix: str, visible: NDArray[np.bool_] | None, *, limit: int = 25) -> list[SpeakerCount]:
        """Speakers whose name or surname starts with ``prefix``, most quoted first (for autocomplete)."""
        p = key(prefix)
        statements = self._corpus.statements
        if p:
            lo = bisect.bisect_left(self._sorted_keys, p)
            hits = []
            for k in self._sorted_keys[lo : lo + 500]:
                if not k.startswith(p):
                    break
                hits.append(self._by_key[k])
            hits += [n for s, numbers in self._by_surname.items() if s.startswith(p) for n in numbers][:500]
            numbers = list(dict.fromkeys(hits))
        else:
            sizes = np.diff(statements.indptr)
            numbers = np.argsort(-sizes, kind="stable")[: limit * 8].tolist()
        counted = [(self.statement_count(n, visible), n) for n in numbers]
        counted = [(c, n) for c, n in counted if c > 0]
        counted.sort(key=lambda cn: (-cn[0], statements.names[cn[1]]))
        return [SpeakerCount(statements.names[n], c) for c, n in counted[:limit]]


def mentions(corpus: CorpusIndex, terms: Sequence[str], visible: NDArray[np.bool_] | None) -> int:
    """How many visible articles hold every one of ``terms`` (a name that is never quoted)."""
    index = corpus.index
    articles: set[int] | None = None
    for term in dict.fromkeys(terms):
        column = index.vocabulary.get(term)
        if column is None:
            return 0
        m = index.matrix
        rows = m.indices[m.indptr[column] : m.indptr[column + 1]]
        found = np.unique(corpus.table.article[rows])
        if visible is not None:
            found = found[visible[found]]
        articles = set(found.tolist()) if articles is None else articles & set(found.tolist())
    return len(articles or ())


def rank_statements(
    corpus: CorpusIndex,
    speakers: Sequence[int],
    topic_terms: Sequence[str],
    visible: NDArray[np.bool_] | None,
    *,
    name_terms: Sequence[str] = (),
    days: NDArray[np.int32] | None = None,
) -> list[RankedStatement]:
    """The statements of ``speakers`` in the visible articles, best first (see the module doc);
    an article whose title holds ``name_terms`` (the person's surname) is about them; ``days``
    (per article, ``date.toordinal()``, 0 when undated) puts the newer first among near-equals."""
    statements = corpus.statements
    parts = [statements.speaker_rows(n) for n in speakers]
    rows = np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
    if len(rows) and visible is not None:
        rows = rows[visible[corpus.table.article[rows]]]
    if len(rows) == 0:
        return []
    firsts = statements.first[rows].astype(np.int64)
    heads, unit = np.unique(firsts, return_inverse=True)
    n_units = len(heads)
    # Topic: the share of the topic's idf found in the statement's rows.
    share = np.zeros(n_units)
    best = heads.copy()
    if topic_terms:
        index = corpus.index
        hidden = corpus.hidden_terms(topic_terms, visible)  # words only others' private articles hold
        idf_of = {
            t: float(index.idf[index.vocabulary[t]]) for t in topic_terms if t in index.vocabulary and t not in hidden
        }
        unknown = [t for t in dict.fromkeys(topic_terms) if t not in idf_of]
        mass = sum(idf_of.values()) + index.max_idf() * len(unknown)
        if idf_of and mass > 0:
            columns = np.array([index.vocabulary[t] for t in idf_of], dtype=np.int64)
            weights = np.array(list(idf_of.values()))
            gathered, lengths = corpus.sequences.gather(rows)
            owner = np.repeat(np.arange(len(rows)), lengths)
            order = np.argsort(columns)
            ordered = columns[order]
            pos = np.searchsorted(ordered, gathered)
            hit = (pos < len(columns)) & (ordered[np.minimum(pos, len(columns) - 1)] == gathered)
            # Per unit and topic term: held anywhere in the statement.
            held = np.zeros((n_units, len(columns)), dtype=bool)
            held[unit[owner[hit]], order[pos[hit]]] = True
            share = (held * weights).sum(axis=1) / mass
            # The article's title counts half: a statement in an article about the topic.
            share = np.minimum(1.0, share + 0.5 * _title_share(corpus, heads, columns, weights, mass))
            row_hits = np.bincount(owner[hit], weights=weights[order[pos[hit]]], minlength=len(rows))
            # The row of each statement that holds most of the topic.
            by_unit = np.lexsort((-row_hits, unit))
            first_of_unit = np.r_[True, unit[by_unit][1:] != unit[by_unit][:-1]]
            best = rows[by_unit[first_of_unit]]
    flags = statements.flags[heads]
    last = statements.last[heads].astype(np.int64)
    words = _word_counts(corpus, heads, last)
    articles = corpus.table.article[heads]
    per_article = np.bincount(articles, minlength=int(articles.max()) + 1)[articles]
    quality = (
        1.0 * ((flags & SUBSTANTIVE) != 0)
        + 0.2 * ((flags & DIRECT) != 0)
        + 0.15 * ((flags & NAMED) != 0)
        - 0.3 * ((flags & TRANSCRIPT) != 0)  # a debate transcript's lines after reported statements
        + 0.3 * np.minimum(words, 30) / 30
        + 0.1 * np.log1p(np.minimum(per_article, 6))  # an article that quotes the person at some length
    )
    index = corpus.index
    named = [index.vocabulary[t] for t in name_terms if t in index.vocabulary]
    if named:
        quality += 0.2 * (_title_share(corpus, heads, np.array(named), np.ones(len(named)), len(named)) >= 1.0)
    score = 2.0 * share + quality
    dates = days[articles] if days is not None else np.zeros(len(articles), dtype=np.int32)
    order = np.lexsort((heads, -dates, -np.round(score, 1)))
    return [
        RankedStatement(int(heads[i]), int(last[i]), int(best[i]), float(score[i]), float(share[i])) for i in order
    ]


def _title_share(
    corpus: CorpusIndex,
    heads: NDArray[np.int64],
    columns: NDArray[np.int64],
    weights: NDArray[np.float64],
    mass: float,
) -> NDArray[np.float64]:
    """Per statement: the share of the topic's idf its article's title holds."""
    titles = corpus.titles
    articles = corpus.table.article[heads]
    share = np.zeros(len(heads))
    for column, weight in zip(columns.tolist(), weights.tolist(), strict=True):
        if column + 1 >= len(titles.indptr):
            continue
        holding = titles.articles[titles.indptr[column] : titles.indptr[column + 1]]
        share += weight * np.isin(articles, holding)
    return share / mass


def _word_counts(corpus: CorpusIndex, heads: NDArray[np.int64], last: NDArray[np.int64]) -> NDArray[np.float64]:
    """About how many words each statement has in its first six sentences (characters / 6)."""
    table = corpus.table
    chars = np.zeros(len(heads))
    for k in range(6):
        rows = heads + k
        inside = rows <= last
        rows = np.minimum(rows, last)
        chars += np.where(inside, table.end[rows] - table.start[rows], 0)
    return chars / 6.0


def _said_key(corpus: CorpusIndex, r: RankedStatement) -> str:
    """What a statement says, reduced for comparison: the start of its quoted content when that is
    long enough (the same quotation reported as "Pelosi told CNN" and "Pelosi told CNN on Sunday" is
    one), else of its best sentence."""
    st = corpus.statements
    text = corpus.table.text(r.first)
    end = int(st.quote_end[r.first]) if r.first == r.last else len(text)
    content = text[int(st.quote_start[r.first]) : end]
    if len(content.split()) < 6:
        content = corpus.table.text(r.best)
    # Its first dozen words: a reprint may end the sentence otherwise ("... Tapper Sunday morning.").
    return " ".join((sentence_key(content) or content).split()[:12])


def diversified(
    ranked: Sequence[RankedStatement], corpus: CorpusIndex, top: int
) -> list[tuple[RankedStatement, list[int]]]:
    """The first ``top`` statements in rank order, each with the rows of other articles that print
    the same words (``dedup.sentence_key``: shown once), at most one per article while others remain."""
    chosen: list[RankedStatement] = []
    reprints: dict[str, list[int]] = {}
    seen_articles: set[int] = set()
    keys: dict[int, str] = {}
    for relaxed in (False, True):
        for r in ranked:
            if len(chosen) >= top and relaxed:
                break
            if r in chosen:
                continue
            article = int(corpus.table.article[r.first])
            key = _said_key(corpus, r)
            if key in reprints:
                owner_rows = reprints[key]
                if article not in {int(corpus.table.article[x]) for x in owner_rows} and not relaxed:
                    owner_rows.append(r.best)
                continue
            if len(chosen) >= top or (article in seen_articles and not relaxed):
                continue
            seen_articles.add(article)
            reprints[key] = [r.best]
            keys[id(r)] = key
            chosen.append(r)
    chosen.sort(key=ranked.index)
    return [(r, reprints[keys[id(r)]][1:]) for r in chosen]
