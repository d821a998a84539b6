"""An indexed corpus: article metadata, a sentence table and the TF-IDF index, saved as plain files.

On disk (``index_dir``)::

    CURRENT                  name of the live build folder (replaced atomically)
    build-<id>/params.json   format version, package version, corpus fingerprint, sizes
    build-<id>/articles.json article metadata and each article's row range
    build-<id>/terms.json    vocabulary in column order
    build-<id>/*.npy         sentence table, sparse matrix, term sequences and title postings
                             (loaded with allow_pickle=False)
    build-<id>/texts.bin     all sentence texts, UTF-8, concatenated (sliced by texts_offsets.npy)
    build-<id>/verified.json which files were checked against their checksums, and when

A save writes a new build folder, fsyncs it, then swaps ``CURRENT``; a crash at any point leaves
the previous build in place (or no build, which makes the caller rebuild from the corpus).
``params.json`` lists every other file with its size and checksum and is checksummed itself
(``integrity.py``), so a damaged build is refused with ``IndexFormatError``, never half used.
Saves into one folder must not overlap (the cleanup removes other builds): callers that may run
at the same time as another process hold ``locks.exclusive(index_dir / LOCK)``.
"""

from __future__ import annotations

import json
import mmap
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from bot import __version__
from bot.errors import IndexFormatError
from bot.models import ArticleMeta, Document, Published, Sentence
from bot.retrieval import integrity
from bot.retrieval.index import QueryVector, SentenceIndex, term_counts
from bot.retrieval.statements import ChunkStatements, Statements, chunk_statements

FORMAT = "newsbot-index"
# 2: term sequences of the rows and title postings; 3: statements (who said what), file checksums and
# dates as ISO 8601
FORMAT_VERSION = 3
LOCK = "lock"  # the file in ``index_dir`` whose lock serialises builds
_LOAD_TRIES = 3  # a load racing another process's save retries on the build it swapped in
_TABLE_FIELDS = ("article", "position", "paragraph", "start", "end")


@dataclass(frozen=True, slots=True)
class SentenceTable:
    """Row-aligned arrays describing every indexed sentence; texts are sliced from one UTF-8 blob.

    ``texts`` is ``bytes`` or a read-only ``mmap`` of ``texts.bin``; sentences added after the build
    (``appended``) are kept in ``added`` instead, so adding one never copies the blob.
    """

    article: NDArray[np.int32]
    position: NDArray[np.int32]
    paragraph: NDArray[np.int32]
    start: NDArray[np.int64]
    end: NDArray[np.int64]
    texts_offsets: NDArray[np.int64]
    texts: bytes | mmap.mmap
    added: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.article)

    def text(self, row: int) -> str:
        """The sentence text of ``row``."""
        packed = len(self.texts_offsets) - 1
        if row >= packed:
            return self.added[row - packed]
        return self.texts[int(self.texts_offsets[row]) : int(self.texts_offsets[row + 1])].decode("utf-8")

    def appended(self, article: int | Sequence[int], sentences: Sequence[Sentence]) -> SentenceTable:
        """A new table with ``sentences`` added as rows, of article number ``article`` (or one
        article number per sentence)."""

        def grow(values: NDArray[np.generic], extra: Sequence[int]) -> NDArray[np.generic]:
            return np.concatenate([values, np.asarray(extra, dtype=values.dtype)])

        articles = [article] * len(sentences) if isinstance(article, int) else article
        return SentenceTable(
            article=grow(self.article, articles),  # type: ignore[arg-type]
            position=grow(self.position, [s.position for s in sentences]),  # type: ignore[arg-type]
            paragraph=grow(self.paragraph, [s.paragraph for s in sentences]),  # type: ignore[arg-type]
            start=grow(self.start, [s.start for s in sentences]),  # type: ignore[arg-type]
            end=grow(self.end, [s.end for s in sentences]),  # type: ignore[arg-type]
            texts_offsets=self.texts_offsets,
            texts=self.texts,
            added=self.added + tuple(s.text for s in sentences),
        )

    def packed(self) -> tuple[NDArray[np.int64], bytes]:
        """Offsets and UTF-8 blob of every row's text, added rows included (what is saved)."""
        if not self.added:
            return self.texts_offsets, bytes(self.texts[:])
        encoded = [t.encode("utf-8") for t in self.added]
        tail = np.cumsum([len(b) for b in encoded], dtype=np.int64) + self.texts_offsets[-1]
        return np.concatenate([self.texts_offsets, tail]), bytes(self.texts[:]) + b"".join(encoded)

    @classmethod
    def from_documents(cls, documents: Sequence[Document]) -> SentenceTable:
        """Lay the documents' sentences out row by row, in document order."""
        sentences = [s for d in documents for s in d.sentences]
        article = np.repeat(
            np.arange(len(documents), dtype=np.int32), [len(d.sentences) for d in documents]
        )
        encoded = [s.text.encode("utf-8") for s in sentences]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
        return cls(
            article=article,
            position=np.array([s.position for s in sentences], dtype=np.int32),
            paragraph=np.array([s.paragraph for s in sentences], dtype=np.int32),
            start=np.array([s.start for s in sentences], dtype=np.int64),
            end=np.array([s.end for s in sentences], dtype=np.int64),
            texts_offsets=offsets,
            texts=b"".join(encoded),
        )


def ranges(starts: NDArray[np.integer], lengths: NDArray[np.integer]) -> NDArray[np.int64]:
    """``starts[0] .. starts[0] + lengths[0] - 1``, then the next range, and so on, as one array."""
    shift = np.repeat(starts - np.cumsum(np.r_[0, lengths[:-1]]), lengths)
    return (shift + np.arange(int(lengths.sum()))).astype(np.int64)


@dataclass(frozen=True, slots=True)
class TermSequences:
    """Each row's term columns in text order, stop words left out (what the tokenizer gave for its
    sentence): built row ``r`` is ``columns[indptr[r]:indptr[r + 1]]``. Rows added after the build
    (``appended``) are kept apart in ``added_indptr`` / ``added_columns``, so adding an article
    never copies the built arrays."""

    indptr: NDArray[np.int64]
    columns: NDArray[np.int32]
    added_indptr: NDArray[np.int64] = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    added_columns: NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, dtype=np.int32))

    def __len__(self) -> int:
        return len(self.indptr) - 1 + len(self.added_indptr) - 1

    def appended(self, rows: Sequence[Sequence[int]]) -> TermSequences:
        """A new value with ``rows`` (each a list of term columns) added at the end."""
        lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        added = np.fromiter((c for row in rows for c in row), dtype=np.int32, count=int(lengths.sum()))
        return TermSequences(
            self.indptr,
            self.columns,
            np.concatenate([self.added_indptr, self.added_indptr[-1] + np.cumsum(lengths)]),
            np.concatenate([self.added_columns, added]),
        )

    def gather(self, rows: NDArray[np.int64]) -> tuple[NDArray[np.int32], NDArray[np.int64]]:
        """The columns of ``rows`` (ascending) laid end to end, and each row's count of them."""
        built = len(self.indptr) - 1
        split = int(np.searchsorted(rows, built))
        parts, counts = [], []
        for indptr, columns, at in (
            (self.indptr, self.columns, rows[:split]),
            (self.added_indptr, self.added_columns, rows[split:] - built),
        ):
            lo, lengths = indptr[at], indptr[at + 1] - indptr[at]
            parts.append(columns[ranges(lo, lengths)])
            counts.append(lengths)
        return np.concatenate(parts), np.concatenate(counts)

    def packed(self) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
        """One ``(indptr, columns)`` pair for every row, added rows included (what is saved)."""
        if len(self.added_indptr) == 1:
            return self.indptr, self.columns
        return (
            np.concatenate([self.indptr, self.indptr[-1] + self.added_indptr[1:]]),
            np.concatenate([self.columns, self.added_columns]),
        )


@dataclass(frozen=True, slots=True)
class TitlePostings:
    """For each term column ``c``, the articles whose title holds it, ascending:
    ``articles[indptr[c]:indptr[c + 1]]``. Title words that no sentence holds have no column."""

    indptr: NDArray[np.int32]
    articles: NDArray[np.int32]

    @classmethod
    def build(cls, titles: Sequence[Sequence[str]], vocabulary: dict[str, int]) -> TitlePostings:
        """From each article's title terms, in article order."""
        pairs = [(vocabulary[t], a) for a, terms in enumerate(titles) for t in set(terms) if t in vocabulary]
        cols = np.fromiter((c for c, _ in pairs), dtype=np.int64, count=len(pairs))
        arts = np.fromiter((a for _, a in pairs), dtype=np.int32, count=len(pairs))
        order = np.argsort(cols, kind="stable")  # articles stay ascending within a column
        indptr = np.zeros(len(vocabulary) + 1, dtype=np.int32)  # int32 as the matrix's (one compiled loop)
        np.cumsum(np.bincount(cols, minlength=len(vocabulary)), out=indptr[1:])
        return cls(indptr, arts[order])

    def with_article(self, title: Sequence[str], article: int, vocabulary: dict[str, int]) -> TitlePostings:
        """A new value with the title terms of ``article`` (numbered after every article so far) added,
        over ``vocabulary`` (this one's columns plus any new ones at the end)."""
        return self.with_articles([title], article, vocabulary)

    def with_articles(self, titles: Sequence[Sequence[str]], first: int, vocabulary: dict[str, int]) -> TitlePostings:
        """``with_article`` for several articles at once, numbered ``first``, ``first + 1``, ...
        (the arrays are copied once, not once per article)."""
        pairs = sorted({(vocabulary[t], first + i) for i, title in enumerate(titles) for t in title if t in vocabulary})
        cols = np.fromiter((c for c, _ in pairs), dtype=np.int64, count=len(pairs))
        arts = np.fromiter((a for _, a in pairs), dtype=np.int32, count=len(pairs))
        grown = np.concatenate([self.indptr, np.full(len(vocabulary) + 1 - len(self.indptr), self.indptr[-1])])
        added = np.zeros(len(vocabulary) + 1, dtype=np.int64)
        np.add.at(added, cols + 1, 1)
        # Each new article goes at the end of its column (after every older one), in article order.
        indptr = (grown + np.cumsum(added)).astype(np.int32)
        return TitlePostings(indptr, np.insert(self.articles, grown[cols + 1], arts))


Spans = Sequence[tuple[int, int, int]]
"""An article's unique sentences as ``(start, end, paragraph)`` offsets into its normalised text."""


@dataclass(frozen=True, slots=True)
class IndexedChunk:
    """Consecutive articles, split and tokenised: the unit a build worker hands back.

    Row-aligned sentence fields as in ``SentenceTable``; ``texts`` holds the sentences' UTF-8
    bytes end to end (``text_lengths`` each); ``counts`` is a ``rows x len(terms)`` count matrix
    over the chunk's own vocabulary ``terms``; ``sequence`` holds every row's terms in order as
    positions in ``terms`` (``term_lengths`` each); ``titles`` the articles' title terms.
    """

    sentences: NDArray[np.int64]
    position: NDArray[np.int32]
    paragraph: NDArray[np.int32]
    start: NDArray[np.int64]
    end: NDArray[np.int64]
    text_lengths: NDArray[np.int64]
    texts: bytes
    terms: tuple[str, ...]
    counts: sparse.csr_matrix
    sequence: NDArray[np.int32]
    term_lengths: NDArray[np.int64]
    titles: tuple[tuple[str, ...], ...]
    statements: ChunkStatements


def index_chunk(
    documents: Sequence[tuple[str, Spans]], analyse: Callable[[str], list[str]], titles: Sequence[str]
) -> IndexedChunk:
    """Cut each ``(normalised text, spans)`` into sentences and tokenise them and the articles'
    ``titles`` with ``analyse``."""
    vocabulary: dict[str, int] = {}
    intern = vocabulary.setdefault
    ids: list[int] = []
    lengths: list[int] = []
    encoded: list[bytes] = []
    position: list[int] = []
    paragraph: list[int] = []
    start: list[int] = []
    end: list[int] = []
    for text, spans in documents:
        for i, (lo, hi, para) in enumerate(spans, start=1):
            sentence = text[lo:hi]
            terms = analyse(sentence)
            ids += [intern(t, len(vocabulary)) for t in terms]
            lengths.append(len(terms))
            encoded.append(sentence.encode("utf-8"))
            position.append(i)
            paragraph.append(para)
            start.append(lo)
            end.append(hi)
    sequence = np.asarray(ids, dtype=np.int32)
    term_lengths = np.asarray(lengths, dtype=np.int64)
    counts = term_counts(sequence.astype(np.int64), term_lengths, len(vocabulary))
    return IndexedChunk(
        sentences=np.asarray([len(spans) for _, spans in documents], dtype=np.int64),
        position=np.asarray(position, dtype=np.int32),
        paragraph=np.asarray(paragraph, dtype=np.int32),
        start=np.asarray(start, dtype=np.int64),
        end=np.asarray(end, dtype=np.int64),
        text_lengths=np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)),
        texts=b"".join(encoded),
        terms=tuple(vocabulary),
        counts=counts,
        sequence=sequence,
        term_lengths=term_lengths,
        titles=tuple(tuple(analyse(t)) for t in titles),
        statements=chunk_statements(documents),
    )


class CorpusBuilder:
    """Joins ``IndexedChunk`` values, in corpus order, into one ``CorpusIndex``.

    Each chunk's terms are mapped into one growing vocabulary as it arrives, so chunks can be made
    in parallel and only their arrays are kept until ``finish``.
    """

    def __init__(self) -> None:
        self._articles: list[ArticleMeta] = []
        self._chunks: list[IndexedChunk] = []
        self._columns: list[NDArray[np.int32]] = []
        self._sequences: list[NDArray[np.int32]] = []
        self._vocabulary: dict[str, int] = {}

    def add(self, articles: Sequence[ArticleMeta], chunk: IndexedChunk) -> None:
        """Append the articles of one chunk (their metadata in the chunk's order)."""
        if len(articles) != len(chunk.sentences):
            raise ValueError(f"{len(articles)} articles for a chunk of {len(chunk.sentences)}")
        intern, vocabulary = self._vocabulary.setdefault, self._vocabulary
        mapping = np.fromiter((intern(t, len(vocabulary)) for t in chunk.terms), dtype=np.int32, count=len(chunk.terms))
        self._columns.append(mapping[chunk.counts.indices] if len(mapping) else np.zeros(0, dtype=np.int32))
        self._sequences.append(mapping[chunk.sequence] if len(mapping) else np.zeros(0, dtype=np.int32))
        self._articles.extend(articles)
        self._chunks.append(chunk)

    def finish(
        self, *, fingerprint: str, tokenizer: dict[str, object], words: dict[str, str] | None = None
    ) -> CorpusIndex:
        """The corpus index of everything added (the builder should not be used afterwards)."""
        chunks, self._chunks = self._chunks, []

        def joined(name: str, dtype: type) -> NDArray[np.generic]:
            parts = [np.zeros(0, dtype=dtype), *(getattr(c, name) for c in chunks)]
            return np.concatenate(parts).astype(dtype, copy=False)

        lengths = joined("text_lengths", np.int64)
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        sentences = joined("sentences", np.int64)
        first = np.zeros(len(sentences) + 1, dtype=np.int64)
        np.cumsum(sentences, out=first[1:])
        indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(np.concatenate([np.zeros(0, np.int64), *(np.diff(c.counts.indptr) for c in chunks)]), out=indptr[1:])
        counts = sparse.csr_matrix(
            (
                np.concatenate([np.zeros(0, np.int32), *(c.counts.data for c in chunks)]),
                np.concatenate([np.zeros(0, np.int32), *self._columns]),
                indptr,
            ),
            shape=(len(lengths), len(self._vocabulary)),
        )
        self._columns = []
        term_lengths = joined("term_lengths", np.int64)
        sequence_indptr = np.zeros(len(term_lengths) + 1, dtype=np.int64)
        np.cumsum(term_lengths, out=sequence_indptr[1:])
        sequences = TermSequences(sequence_indptr, np.concatenate([np.zeros(0, np.int32), *self._sequences]))
        self._sequences = []
        table = SentenceTable(
            article=np.repeat(np.arange(len(sentences), dtype=np.int32), sentences),
            position=joined("position", np.int32),  # type: ignore[arg-type]
            paragraph=joined("paragraph", np.int32),  # type: ignore[arg-type]
            start=joined("start", np.int64),  # type: ignore[arg-type]
            end=joined("end", np.int64),  # type: ignore[arg-type]
            texts_offsets=offsets,
            texts=b"".join(c.texts for c in chunks),
        )
        row_bases = np.cumsum([0] + [len(c.text_lengths) for c in chunks[:-1]]).tolist() if chunks else []
        statements = Statements.join([c.statements for c in chunks], row_bases)
        return CorpusIndex(
            articles=tuple(self._articles),
            first_row=first,
            table=table,
            index=SentenceIndex.from_counts(counts, self._vocabulary),
            sequences=sequences,
            titles=TitlePostings.build([t for c in chunks for t in c.titles], self._vocabulary),
            statements=statements,
            fingerprint=fingerprint,
            tokenizer=tokenizer,
            words=words or {},
        )


@dataclass(frozen=True, slots=True)
class CorpusIndex:
    """Everything needed to answer from a corpus without re-reading it.

    ``words`` maps words seen while building to their terms (``Tokenizer.learn`` takes it), so a
    loaded index can answer without loading the stemmer. ``sequences`` and ``titles`` are made by
    the build so that a question never re-tokenises sentences or titles.
    """

    articles: tuple[ArticleMeta, ...]
    first_row: NDArray[np.int64]
    table: SentenceTable
    index: SentenceIndex
    sequences: TermSequences
    titles: TitlePostings
    statements: Statements
    fingerprint: str
    tokenizer: dict[str, object]
    words: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def build(
        cls,
        documents: Sequence[Document],
        analyse: Callable[[str], list[str]],
        *,
        fingerprint: str,
        tokenizer: dict[str, object],
    ) -> CorpusIndex:
        """Tokenise every sentence with ``analyse`` and index it."""
        spans = [(d.text, [(s.start, s.end, s.paragraph) for s in d.sentences]) for d in documents]
        builder = CorpusBuilder()
        builder.add([d.meta for d in documents], index_chunk(spans, analyse, [d.meta.title for d in documents]))
        return builder.finish(fingerprint=fingerprint, tokenizer=tokenizer)

    def with_document(self, document: Document, analyse: Callable[[str], list[str]]) -> CorpusIndex:
        """A new corpus index with ``document`` added as the last article; this one is unchanged.

        The built arrays are shared, not copied (see ``SentenceIndex.extended``), so this takes
        milliseconds on a large corpus; a full build later recomputes every weight.
        """
        return self.with_documents([document], analyse)

    def with_documents(self, documents: Sequence[Document], analyse: Callable[[str], list[str]]) -> CorpusIndex:
        """``with_document`` for several documents at once, in order: the index's arrays are copied
        once for all of them (adding thousands one by one would copy them thousands of times)."""
        sentences = [s for d in documents for s in d.sentences]
        term_lists = [analyse(s.text) for s in sentences]
        index = self.index.extended(term_lists)
        vocabulary = index.vocabulary
        first = len(self.articles)
        lengths = np.array([len(d.sentences) for d in documents], dtype=np.int64)
        return CorpusIndex(
            articles=(*self.articles, *(d.meta for d in documents)),
            first_row=np.concatenate([self.first_row, self.first_row[-1] + np.cumsum(lengths)]).astype(np.int64),
            table=self.table.appended(np.repeat(np.arange(first, first + len(documents)), lengths).tolist(), sentences),
            index=index,
            sequences=self.sequences.appended([[vocabulary[t] for t in terms] for terms in term_lists]),
            titles=self.titles.with_articles([analyse(d.meta.title) for d in documents], first, vocabulary),
            statements=self.statements.appended(
                chunk_statements([(d.text, [(s.start, s.end, s.paragraph) for s in d.sentences]) for d in documents]),
                len(self.table),
            ),
            fingerprint=self.fingerprint,
            tokenizer=self.tokenizer,
            words=self.words,
        )

    def query_vector(self, terms: Sequence[str], visible: NDArray[np.bool_] | None = None) -> QueryVector:
        """``index.query_vector(terms)`` as a reader seeing only the ``visible`` articles (one flag
        per article; ``None``: all) would have it: a term that only invisible articles hold counts
        as unknown, exactly as if they had never been added."""
        return self.index.query_vector(terms, hidden=self.hidden_terms(terms, visible))

    def hidden_terms(self, terms: Iterable[str], visible: NDArray[np.bool_] | None) -> frozenset[str]:
        """The ``terms`` that no ``visible`` article holds in a sentence, among those added after the
        build (every term of the build is in a shipped article, which every reader sees). Their
        posting lists hold only added rows, usually a handful, read until a visible one."""
        index = self.index
        if visible is None or len(index.vocabulary) == index.built_terms:
            return frozenset()
        vocabulary, first = index.vocabulary, index.built_terms
        indptr, indices, article = index.matrix.indptr, index.matrix.indices, self.table.article
        hidden = set()
        for term in set(terms):
            column = vocabulary.get(term, -1)
            if column < first:
                continue
            rows = indices[int(indptr[column]) : int(indptr[column + 1])]
            if len(rows) > 16:
                held = bool(visible[article[rows]].any())
            else:  # a few scalar reads beat three small array operations
                held = any(visible[article[r]] for r in rows.tolist())
            if not held:
                hidden.add(term)
        return frozenset(hidden)

    def article_rows(self, article: int) -> range:
        """Rows of one article (its sentences in order)."""
        return range(int(self.first_row[article]), int(self.first_row[article + 1]))

    def sentence(self, row: int) -> Sentence:
        """The full sentence value of ``row``."""
        t = self.table
        meta = self.articles[int(t.article[row])]
        return Sentence(
            article_id=meta.id,
            position=int(t.position[row]),
            paragraph=int(t.paragraph[row]),
            start=int(t.start[row]),
            end=int(t.end[row]),
            text=t.text(row),
        )

    # ----------------------------------------------------------------- persistence

    def save(self, index_dir: Path) -> Path:
        """Write a new build under ``index_dir`` and make it current atomically; returns its folder."""
        index_dir.mkdir(parents=True, exist_ok=True)
        tmp = index_dir / f"tmp-{uuid.uuid4().hex}"
        tmp.mkdir()
        try:
            arrays = dict(self.index.arrays())
            for name in _TABLE_FIELDS:
                arrays[f"table_{name}"] = getattr(self.table, name)
            offsets, blob = self.table.packed()
            arrays["texts_offsets"] = offsets
            arrays["first_row"] = self.first_row
            arrays["sequence_indptr"], arrays["sequence_columns"] = self.sequences.packed()
            arrays["title_indptr"] = self.titles.indptr
            arrays["title_articles"] = self.titles.articles
            arrays.update(self.statements.arrays())
            for name, array in arrays.items():
                with open(tmp / f"{name}.npy", "wb") as fh:
                    np.save(fh, np.ascontiguousarray(array), allow_pickle=False)
                    _sync(fh)
            _write_bytes(tmp / "texts.bin", blob)
            _write_json(tmp / "terms.json", self.index.terms())
            _write_json(tmp / "articles.json", _metas_to_json(self.articles))
            _write_json(tmp / "words.json", self.words)
            _write_json(tmp / "speakers.json", list(self.statements.names))
            files = integrity.manifest(tmp)
            params = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "bot_version": __version__,
                "fingerprint": self.fingerprint,
                "tokenizer": self.tokenizer,
                "rows": len(self.table),
                "terms": len(self.index.vocabulary),
                "articles": len(self.articles),
                "files": files,
            }
            _write_json(tmp / integrity.PARAMS, integrity.seal(params))
            integrity.record(tmp, integrity.file_stats(tmp, files))  # just written: no need to read them back
            final = index_dir / f"build-{uuid.uuid4().hex}"
            os.replace(tmp, final)
            _fsync_dir(index_dir)
            _write_text_atomic(index_dir / "CURRENT", final.name)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _remove_stale(index_dir, keep=final.name)
        return final

    @classmethod
    def read_params(cls, index_dir: Path) -> dict[str, object] | None:
        """The current build's params, or ``None`` when ``index_dir`` holds no build at all.

        Raises ``IndexFormatError`` when there is a build but its params are unreadable or damaged.
        """
        return _current(index_dir)[1]

    @classmethod
    def read_words(cls, index_dir: Path, tokenizer: dict[str, object]) -> dict[str, str]:
        """The current build's word -> term pairs if it was made with ``tokenizer`` settings and is
        intact, else ``{}``.

        A rebuild can teach them to its tokenizer first, so it stems only words new since then.
        """
        try:
            build, params = _current(index_dir)
            if not params or params.get("tokenizer") != tokenizer:
                return {}
            integrity.verify(build, params.get("files"), ["words.json"])
            words = json.loads((build / "words.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, IndexFormatError):
            return {}
        return words if isinstance(words, dict) else {}

    @classmethod
    def load(cls, index_dir: Path, *, mmap: bool = False, words: bool = True) -> CorpusIndex:
        """Load the current build; raises ``IndexFormatError`` if it is missing, damaged or foreign.

        ``words=False`` leaves ``words`` empty (for a tokenizer that already knows them: reading
        them holds the interpreter for a quarter of a second on the news archive)."""
        for attempt in range(_LOAD_TRIES):
            build, params = _current(index_dir)
            if params is None:
                raise IndexFormatError(f"no usable index in {index_dir}")
            try:
                return cls._load_build(build, params, mmap=mmap, words=words)
            except IndexFormatError:
                # Another process may have swapped in a new build and removed this one meanwhile.
                if attempt + 1 == _LOAD_TRIES or _current_name(index_dir) == build.name:
                    raise
        raise AssertionError("unreachable")

    @classmethod
    def _load_build(
        cls, build: Path, params: dict[str, object], *, mmap: bool, words: bool = True
    ) -> CorpusIndex:
        if params.get("format") != FORMAT or params.get("format_version") != FORMAT_VERSION:
            raise IndexFormatError(
                f"index in {build} has format {params.get('format')!r} version "
                f"{params.get('format_version')!r}; this program reads version {FORMAT_VERSION}"
            )
        checked = integrity.verify(build, params.get("files"))
        try:
            # Copy-on-write maps: read lazily like read-only ones, but typed like arrays built in
            # memory, so the compiled search loops need one machine-code version for both.
            mode = "c" if mmap else None

            def arr(name: str) -> NDArray[np.generic]:
                # A plain view of the map: indexing an np.memmap goes through a Python-level
                # __getitem__ (tens of microseconds a call).
                return np.asarray(np.load(build / f"{name}.npy", allow_pickle=False, mmap_mode=mode))

            rows = int(params["rows"])  # type: ignore[call-overload]
            terms = json.loads((build / "terms.json").read_text(encoding="utf-8"))
            index = SentenceIndex.from_arrays(
                {k: arr(k) for k in ("matrix_data", "matrix_indices", "matrix_indptr", "idf")}, terms, rows
            )
            table = SentenceTable(
                **{name: arr(f"table_{name}") for name in _TABLE_FIELDS},  # type: ignore[arg-type]
                texts_offsets=arr("texts_offsets"),  # type: ignore[arg-type]
                texts=_map_bytes(build / "texts.bin") if mmap else (build / "texts.bin").read_bytes(),
            )
            articles = _metas_from_json(json.loads((build / "articles.json").read_text("utf-8")))
            known = json.loads((build / "words.json").read_text("utf-8")) if words else {}
            first_row = np.asarray(arr("first_row"), dtype=np.int64)
            sequences = TermSequences(arr("sequence_indptr"), arr("sequence_columns"))  # type: ignore[arg-type]
            titles = TitlePostings(arr("title_indptr"), arr("title_articles"))  # type: ignore[arg-type]
            statements = Statements.from_arrays(
                {name: arr(name) for name in Statements.saved_arrays()},
                json.loads((build / "speakers.json").read_text("utf-8")),
            )
            if (
                not isinstance(known, dict)
                or len(statements) != rows
                or any(len(getattr(table, name)) != rows for name in _TABLE_FIELDS)
                or len(table.texts_offsets) != rows + 1
                or int(table.texts_offsets[-1]) != len(table.texts)
                or len(first_row) != len(articles) + 1
                or len(sequences) != rows
                or int(sequences.indptr[-1]) != len(sequences.columns)
                or len(titles.indptr) != len(terms) + 1
                or int(titles.indptr[-1]) != len(titles.articles)
            ):
                raise IndexFormatError(f"index in {build} is inconsistent; rebuild it")
            corpus = cls(
                articles, first_row, table, index, sequences, titles, statements,
                str(params["fingerprint"]), dict(params["tokenizer"]), known,  # type: ignore[call-overload]
            )  # fmt: skip
        except (OSError, EOFError, ValueError, KeyError, TypeError, IndexError) as exc:
            raise IndexFormatError(f"index in {build} is damaged: {exc}") from exc
        if checked.read:  # files read again (first load of a copy, or changed since): check their values
            integrity.check_corpus(corpus)
            integrity.record(build, checked.stats)
        return corpus


def _current_name(index_dir: Path) -> str | None:
    try:
        return (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    except (OSError, ValueError):
        return None


def _current(index_dir: Path) -> tuple[Path, dict[str, object] | None]:
    """The current build folder and its checked params; ``None`` params when there is no build.

    Raises ``IndexFormatError`` when a build exists but ``CURRENT`` or its params are damaged.
    """
    pointer = index_dir / "CURRENT"
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        if index_dir.is_dir() and any(p.name.startswith("build-") for p in index_dir.iterdir()):
            raise IndexFormatError(f"{pointer} is missing") from None
        return index_dir, None
    except (OSError, ValueError) as exc:
        raise IndexFormatError(f"{pointer} is unreadable: {exc}") from exc
    build = index_dir / name
    if not name.startswith("build-") or Path(name).name != name:
        raise IndexFormatError(f"{pointer} does not name a build")
    try:
        params = json.loads((build / integrity.PARAMS).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexFormatError(f"no usable index in {index_dir}: {exc}") from exc
    if not isinstance(params, dict):
        raise IndexFormatError(f"{build / integrity.PARAMS} holds no object")
    if params.get("format") == FORMAT and params.get("format_version") == FORMAT_VERSION:
        integrity.check_seal(params, build)  # other versions are refused by the loader, by name
    return build, params


_META_FIELDS = ("id", "title", "url", "published", "source")


def _metas_to_json(metas: Sequence[ArticleMeta]) -> dict[str, list[str | None]]:
    """Article metadata as one list per field (loads several times faster than one object each);
    dates as ISO 8601."""
    columns = {name: [getattr(m, name) for m in metas] for name in _META_FIELDS}
    columns["published"] = [p.iso() if p is not None else None for p in columns["published"]]
    return columns


def _published(value: object) -> Published | None:
    """A saved date; one that is not ISO 8601 (a build older than dates) is dropped, not fatal."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return Published.from_iso(value)
    except ValueError:
        return None


def _metas_from_json(data: object) -> tuple[ArticleMeta, ...]:
    if isinstance(data, list):  # one object per article, as first written
        return tuple(_meta_from_json(m) for m in data)
    if not isinstance(data, dict):
        raise ValueError("articles.json holds neither a list nor a dict")
    columns = [data[name] for name in _META_FIELDS]
    columns[_META_FIELDS.index("published")] = [_published(v) for v in columns[_META_FIELDS.index("published")]]
    if len({len(c) for c in columns}) > 1:
        raise ValueError("articles.json fields differ in length")
    return tuple(map(ArticleMeta, *columns))


def _meta_from_json(data: dict[str, str | None]) -> ArticleMeta:
    return ArticleMeta(
        id=str(data["id"]),
        title=str(data["title"]),
        url=data.get("url"),
        published=_published(data.get("published")),
        source=data.get("source"),
    )


def _map_bytes(path: Path) -> bytes | mmap.mmap:
    """A read-only memory map of ``path`` (sliced like ``bytes``); an empty file is just ``b""``."""
    with open(path, "rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            return b""
        return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)


def _sync(fh: object) -> None:
    fh.flush()  # type: ignore[attr-defined]
    os.fsync(fh.fileno())  # type: ignore[attr-defined]


def _write_bytes(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        _sync(fh)


def _write_json(path: Path, data: object) -> None:
    _write_bytes(path, json.dumps(data, ensure_ascii=False).encode("utf-8"))


def _write_text_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    _write_bytes(tmp, text.encode("utf-8"))
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_stale(index_dir: Path, *, keep: str) -> None:
    for child in index_dir.iterdir():
        if child.is_dir() and child.name != keep and child.name.startswith(("build-", "tmp-")):
            shutil.rmtree(child, ignore_errors=True)
