"""Who says what, row by row: the attributions of the corpus laid out beside the sentence table.

Every sentence row that is part of a statement (the content of an attribution, or the sentence of
its cue) knows the statement's speaker, its first and last row (a quotation may run over several
sentences) and where the quoted content starts in the first row and ends in the last. Speakers are
numbered over the whole corpus (one number per canonical name, compared case-folded and without
dots); ``speaker_rows`` lists each speaker's rows, so a question about a speaker reads only them.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from bot.attribution.extract import Attribution, extract_attributions
from bot.attribution.names import key

# Flags of a statement row.
STATEMENT = 1  # the row is part of a statement
DIRECT = 2  # a direct quotation
SUBSTANTIVE = 4  # says something ("declined to comment" and "She said that." do not)
NAMED = 8  # the source names the speaker in this sentence (not a pronoun)
FIRST = 16  # the statement's first row
TRANSCRIPT = 32  # a line of a transcript ("JOE BIDEN: ...")

_ENDS = frozenset(".!?\"'”’)…")
_ARRAYS = ("speaker", "first", "last", "flags", "quote_start", "quote_end")


@dataclass(frozen=True, slots=True)
class ChunkStatements:
    """The statements of consecutive articles, as a build worker hands them back: row-aligned
    arrays over the chunk's rows (``first``/``last`` are chunk rows) and the chunk's own speaker
    names (``speaker`` indexes them)."""

    speaker: NDArray[np.int32]
    first: NDArray[np.int32]
    last: NDArray[np.int32]
    flags: NDArray[np.uint8]
    quote_start: NDArray[np.int32]
    quote_end: NDArray[np.int32]
    names: tuple[str, ...]


def chunk_statements(documents: Sequence[tuple[str, Sequence[tuple[int, int, int]]]]) -> ChunkStatements:
    """Extract the attributions of each ``(normalised text, sentence spans)`` and lay them out by row."""
    n = sum(len(spans) for _, spans in documents)
    speaker = np.full(n, -1, dtype=np.int32)
    first = np.zeros(n, dtype=np.int32)
    last = np.zeros(n, dtype=np.int32)
    flags = np.zeros(n, dtype=np.uint8)
    quote_start = np.zeros(n, dtype=np.int32)
    quote_end = np.zeros(n, dtype=np.int32)
    names: dict[str, int] = {}
    base = 0
    for text, spans in documents:
        starts = [s for s, _, _ in spans]
        for a in extract_attributions(text, spans):
            _lay_out(a, text, spans, starts, base, names, speaker, first, last, flags, quote_start, quote_end)
        _run_on_paragraphs(text, spans, base, speaker, first, last, flags, quote_start, quote_end)
        base += len(spans)
    return ChunkStatements(speaker, first, last, flags, quote_start, quote_end, tuple(names))


def _lay_out(
    a: Attribution,
    text: str,
    spans: Sequence[tuple[int, int, int]],
    starts: list[int],
    base: int,
    names: dict[str, int],
    speaker: NDArray[np.int32],
    first: NDArray[np.int32],
    last: NDArray[np.int32],
    flags: NDArray[np.uint8],
    quote_start: NDArray[np.int32],
    quote_end: NDArray[np.int32],
) -> None:
    """Mark the rows of one attribution (rows already taken by a named, substantive statement stay)."""
    if a.speaker is None:
        return
    lo = max(0, bisect.bisect_right(starts, a.content.start) - 1)
    hi = max(lo, bisect.bisect_right(starts, max(a.content.start, a.content.end - 1)) - 1)
    cue_row = max(0, bisect.bisect_right(starts, a.cue.start) - 1)
    lo, hi = min(lo, cue_row), max(hi, cue_row)
    named = a.source is not None and a.source.end - a.source.start > 3
    # A line with no closing punctuation is a caption or a summary bullet, not a reported statement.
    ending = spans[hi][1] - 1
    captioned = ending >= 0 and text[ending] not in _ENDS
    substantive = a.substantive and not captioned
    flag = STATEMENT | (DIRECT if a.direct else 0) | (SUBSTANTIVE if substantive else 0) | (NAMED if named else 0)
    flag |= TRANSCRIPT if a.transcript else 0
    rows = range(base + lo, base + hi + 1)
    current = flags[base + lo : base + hi + 1]
    if (current & (SUBSTANTIVE | STATEMENT) == (SUBSTANTIVE | STATEMENT)).any() and not substantive:
        return
    number = names.setdefault(a.speaker, len(names))
    content_start = max(a.content.start, spans[lo][0])
    content_end = min(a.content.end, spans[hi][1])
    for r in rows:
        speaker[r] = number
        first[r] = base + lo
        last[r] = base + hi
        flags[r] = flag | (FIRST if r == base + lo else 0)
        quote_start[r] = content_start - spans[lo][0]
        quote_end[r] = content_end - spans[hi][0]


def _run_on_paragraphs(
    text: str,
    spans: Sequence[tuple[int, int, int]],
    base: int,
    speaker: NDArray[np.int32],
    first: NDArray[np.int32],
    last: NDArray[np.int32],
    flags: NDArray[np.uint8],
    quote_start: NDArray[np.int32],
    quote_end: NDArray[np.int32],
) -> None:
    """A paragraph that is only a quotation, with no cue, right after a paragraph that ends with
    someone's direct quotation, goes on with that person's words (interviews printed as quotes)."""
    i = 0
    while i < len(spans):
        j = i
        while j + 1 < len(spans) and spans[j + 1][2] == spans[i][2]:
            j += 1
        lo, hi = base + i, base + j
        opens = text[spans[i][0] : spans[i][0] + 1] in ("“", '"')
        if i > 0 and opens and (speaker[lo : hi + 1] < 0).all():
            prev = lo - 1
            if speaker[prev] >= 0 and flags[prev] & DIRECT:
                words = sum(len(text[a:b].split()) for a, b, _ in spans[i : j + 1])
                speaker[lo : hi + 1] = speaker[prev]
                first[lo : hi + 1] = lo
                last[lo : hi + 1] = hi
                flags[lo : hi + 1] = STATEMENT | DIRECT | (SUBSTANTIVE if words >= 5 else 0)
                flags[lo] |= FIRST
                quote_start[lo : hi + 1] = 0
                quote_end[lo : hi + 1] = spans[j][1] - spans[j][0]
        i = j + 1


@dataclass(frozen=True, slots=True)
class Statements:
    """Row-aligned statement arrays of a whole corpus, the speakers' names and their posting lists.

    ``speaker[r]`` is the speaker number of row ``r`` (-1: no statement); ``first``/``last`` the
    statement's rows; ``flags`` the bits above; ``quote_start``/``quote_end`` the content's offsets
    in the first and last row's text. ``names[s]`` is speaker ``s``'s display name; the rows of
    speaker ``s`` are ``rows[indptr[s]:indptr[s + 1]]``, ascending.
    """

    speaker: NDArray[np.int32]
    first: NDArray[np.int32]
    last: NDArray[np.int32]
    flags: NDArray[np.uint8]
    quote_start: NDArray[np.int32]
    quote_end: NDArray[np.int32]
    names: tuple[str, ...]
    indptr: NDArray[np.int64]
    rows: NDArray[np.int64]
    # key(name) -> speaker number (``numbers()``): made on first use, not at load, and handed on.
    _numbers: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.speaker)

    @classmethod
    def join(cls, chunks: Sequence[ChunkStatements], row_bases: Sequence[int]) -> Statements:
        """One corpus-wide value from chunks in corpus order (``row_bases``: each chunk's first row)."""
        numbers: dict[str, int] = {}
        names: list[str] = []
        parts: dict[str, list[NDArray[np.generic]]] = {name: [] for name in _ARRAYS}
        for chunk, base in zip(chunks, row_bases, strict=True):
            mapping = np.empty(len(chunk.names) + 1, dtype=np.int32)
            mapping[-1] = -1
            for i, name in enumerate(chunk.names):
                k = key(name)
                if k not in numbers:
                    numbers[k] = len(names)
                    names.append(name)
                mapping[i] = numbers[k]
            parts["speaker"].append(mapping[chunk.speaker])
            parts["first"].append(chunk.first + np.int32(base))
            parts["last"].append(chunk.last + np.int32(base))
            for name in ("flags", "quote_start", "quote_end"):
                parts[name].append(getattr(chunk, name))
        dtypes = {"speaker": np.int32, "first": np.int32, "last": np.int32, "flags": np.uint8,
                  "quote_start": np.int32, "quote_end": np.int32}  # fmt: skip
        arrays = {
            name: np.concatenate([np.zeros(0, dtype=dtypes[name]), *parts[name]]).astype(dtypes[name], copy=False)
            for name in _ARRAYS
        }
        indptr, rows = _postings(arrays["speaker"], len(names))  # type: ignore[arg-type]
        return cls(**arrays, names=tuple(names), indptr=indptr, rows=rows)  # type: ignore[arg-type]

    def appended(self, chunk: ChunkStatements, base: int) -> Statements:
        """This value with one more chunk's rows (an added article) at the end, rows from ``base``.

        Only the chunk's names are looked up and only its rows are placed in the speakers'
        posting lists (their rows come after every built one); nothing built is sorted again.
        """
        numbers, names = dict(self.numbers()), list(self.names)
        mapping = np.full(len(chunk.names) + 1, -1, dtype=np.int32)
        for i, name in enumerate(chunk.names):
            mapping[i] = numbers.setdefault(key(name), len(names))
            if mapping[i] == len(names):
                names.append(name)
        speaker = mapping[chunk.speaker]
        new_rows = np.flatnonzero(speaker >= 0)
        order = new_rows[np.argsort(speaker[new_rows], kind="stable")]
        old_ends = np.concatenate([self.indptr, np.full(len(names) - len(self.names), self.indptr[-1])])[1:]
        counts = np.bincount(speaker[new_rows], minlength=len(names))
        indptr = np.zeros(len(names) + 1, dtype=np.int64)
        np.cumsum(np.diff(np.r_[0, old_ends]) + counts, out=indptr[1:])
        rows = np.insert(self.rows, old_ends[speaker[order]], order + base)
        shift = np.int32(base)
        return Statements(
            speaker=np.concatenate([self.speaker, speaker]),
            first=np.concatenate([self.first, chunk.first + shift]),
            last=np.concatenate([self.last, chunk.last + shift]),
            flags=np.concatenate([self.flags, chunk.flags]),
            quote_start=np.concatenate([self.quote_start, chunk.quote_start]),
            quote_end=np.concatenate([self.quote_end, chunk.quote_end]),
            names=tuple(names),
            indptr=indptr,
            rows=rows.astype(np.int64, copy=False),
            _numbers=numbers,
        )

    def numbers(self) -> dict[str, int]:
        """Speaker numbers by ``key(name)`` (made on first use, then kept; read-only for callers)."""
        if not self._numbers and self.names:
            self._numbers.update((key(name), number) for number, name in enumerate(self.names))
        return self._numbers

    def speaker_rows(self, number: int) -> NDArray[np.int64]:
        """The rows of speaker ``number``, ascending."""
        return self.rows[self.indptr[number] : self.indptr[number + 1]]

    def arrays(self) -> dict[str, NDArray[np.generic]]:
        """What is saved (``names`` goes to JSON)."""
        out: dict[str, NDArray[np.generic]] = {f"statement_{name}": getattr(self, name) for name in _ARRAYS}
        out["speaker_indptr"] = self.indptr
        out["speaker_rows"] = self.rows
        return out

    @staticmethod
    def saved_arrays() -> tuple[str, ...]:
        """Names of the arrays ``arrays()`` returns."""
        return (*(f"statement_{name}" for name in _ARRAYS), "speaker_indptr", "speaker_rows")

    @classmethod
    def from_arrays(cls, arrays: dict[str, NDArray[np.generic]], names: Sequence[str]) -> Statements:
        """The value ``arrays()`` and ``names`` describe; raises ``ValueError`` when they disagree."""
        values = {name: arrays[f"statement_{name}"] for name in _ARRAYS}
        n = len(values["speaker"])
        if any(len(v) != n for v in values.values()) or len(arrays["speaker_indptr"]) != len(names) + 1:
            raise ValueError("statement arrays of different lengths")
        return cls(**values, names=tuple(names), indptr=arrays["speaker_indptr"],  # type: ignore[arg-type]
                   rows=arrays["speaker_rows"])  # type: ignore[arg-type]  # fmt: skip


def _postings(speaker: NDArray[np.int32], n_speakers: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Each speaker's rows, ascending, as CSR ``(indptr, rows)``."""
    rows = np.flatnonzero(speaker >= 0)
    order = np.argsort(speaker[rows], kind="stable")
    counts = np.bincount(speaker[rows], minlength=n_speakers)
    indptr = np.zeros(n_speakers + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return indptr, rows[order].astype(np.int64)
