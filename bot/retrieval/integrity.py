"""Checksums and bounds checks of a saved index build: a damaged file means a rebuild, never a crash.

A build's ``params.json`` lists every other file of its folder with its size and CRC-32 (``files``,
made by ``manifest`` from the folder's listing, so a new file is covered without code) and holds a
CRC-32 of its own other fields (``checksum``). ``verify`` checks the size of every listed file at
each load (one ``stat`` each) and reads a file to check its CRC only when ``verified.json`` has no
matching record of it: the record holds each file's device, inode, size, modification and change
times when it was last checked (at save, or by the load that checked it), and is trusted only for
files whose change time is older than the record itself. Any write to a file moves its change time,
which no user can set back, so a damaged file is always read again; an intact one is read once.

``check_corpus`` checks the contents of a loaded index (every posting, pointer and offset in range,
texts valid UTF-8) whenever its files were read; together with the checksums, no value that could
index out of range reaches the search loops.
"""

from __future__ import annotations

import codecs
import json
import os
import uuid
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from bot.errors import IndexFormatError

if TYPE_CHECKING:
    from bot.retrieval.store import CorpusIndex

PARAMS = "params.json"
STAMP = "verified.json"
_PIECE = 1 << 24  # bytes read (and CRC'd) at a time
Stats = dict[str, list[int]]


def crc32_of(path: Path) -> int:
    """CRC-32 of a file's bytes (zlib's, which runs at about a gigabyte a second here)."""
    crc = 0
    with open(path, "rb", buffering=0) as fh:
        while piece := fh.read(_PIECE):
            crc = zlib.crc32(piece, crc)
    return crc


def manifest(folder: Path) -> dict[str, list[int]]:
    """``[size, crc32]`` of every file in ``folder`` but the params and the record of checks."""
    return {
        p.name: [p.stat().st_size, crc32_of(p)]
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name not in (PARAMS, STAMP) and not p.name.startswith(".")
    }


def seal(params: Mapping[str, object]) -> dict[str, object]:
    """``params`` with the checksum of its other fields added."""
    return {**params, "checksum": _params_crc(params)}


def check_seal(params: Mapping[str, object], build: Path) -> None:
    """Raise ``IndexFormatError`` unless ``params`` holds the checksum of its other fields."""
    if params.get("checksum") != _params_crc(params):
        raise IndexFormatError(f"{build / PARAMS} fails its checksum")


def _params_crc(params: Mapping[str, object]) -> int:
    body = {k: v for k, v in params.items() if k != "checksum"}
    return zlib.crc32(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8"))


@dataclass(frozen=True, slots=True)
class Checked:
    """What ``verify`` did: the files it read and checked, and every checked file's ``stat`` record."""

    read: tuple[str, ...]
    stats: Stats


def verify(build: Path, files: object, names: Iterable[str] | None = None) -> Checked:
    """Check the files of ``build`` listed in ``files`` (its ``params["files"]``), or only ``names``.

    Raises ``IndexFormatError`` naming the first missing, resized or changed file.
    """
    listed = _listing(files, build)
    wanted = list(listed) if names is None else list(names)
    known, recorded_at = _read_stamp(build)
    stats: Stats = {}
    unchecked = []
    for name in wanted:
        if name not in listed:
            raise IndexFormatError(f"{build} does not list {name}")
        size, crc = listed[name]
        try:
            st = os.stat(build / name)
        except OSError as exc:
            raise IndexFormatError(f"{build / name} is unreadable: {exc.strerror or exc}") from exc
        if st.st_size != size:
            raise IndexFormatError(f"{build / name} has {st.st_size} bytes instead of {size}")
        stats[name] = _stamp(st)
        if known.get(name) != stats[name] or st.st_ctime_ns >= recorded_at:
            unchecked.append(name)
    for name in unchecked:  # the stat was taken first: a write from now on moves the change time
        try:
            crc = crc32_of(build / name)
        except OSError as exc:
            raise IndexFormatError(f"{build / name} is unreadable: {exc.strerror or exc}") from exc
        if crc != listed[name][1]:
            raise IndexFormatError(f"{build / name} fails its checksum")
    return Checked(tuple(unchecked), stats)


def file_stats(build: Path, names: Iterable[str]) -> Stats:
    """The ``stat`` record of each of ``names`` in ``build`` (as ``verify`` keeps it)."""
    return {name: _stamp(os.stat(build / name)) for name in names}


def record(build: Path, stats: Stats) -> None:
    """Keep ``stats`` (files just checked) beside the older records; best effort (a read-only folder
    just means checking again next time)."""
    if not stats:
        return
    known, _ = _read_stamp(build)
    tmp = build / f".{STAMP}.{uuid.uuid4().hex}.tmp"
    try:
        tmp.write_text(json.dumps({"files": {**known, **stats}}), encoding="utf-8")
        os.replace(tmp, build / STAMP)
    except OSError:
        tmp.unlink(missing_ok=True)


def _stamp(st: os.stat_result) -> list[int]:
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def _read_stamp(build: Path) -> tuple[Stats, int]:
    """The recorded stats and when they were written; nothing when the record is absent or damaged."""
    path = build / STAMP
    try:
        written = os.stat(path).st_mtime_ns
        data = json.loads(path.read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}, 0
    return (data, written) if isinstance(data, dict) else ({}, 0)


def _listing(files: object, build: Path) -> dict[str, tuple[int, int]]:
    if not isinstance(files, dict) or not files:
        raise IndexFormatError(f"{build / PARAMS} lists no files")
    listed = {}
    for name, entry in files.items():
        if (
            not isinstance(name, str)
            or Path(name).name != name
            or name in (PARAMS, STAMP, "", ".", "..")
            or not isinstance(entry, list)
            or len(entry) != 2
            or not all(isinstance(v, int) and v >= 0 for v in entry)
        ):
            raise IndexFormatError(f"{build / PARAMS} has a bad file entry {name!r}")
        listed[name] = (entry[0], entry[1])
    return listed


# ----------------------------------------------------------------------------- contents


def check_corpus(corpus: CorpusIndex) -> None:
    """Raise ``IndexFormatError`` unless every stored pointer, posting and offset of ``corpus`` is in
    range, the numbers are finite and each sentence text is valid UTF-8."""
    rows, terms, articles = len(corpus.table), len(corpus.index.vocabulary), len(corpus.articles)
    matrix, table = corpus.index.matrix, corpus.table
    _pointers("matrix_indptr", matrix.indptr, terms, len(matrix.indices))
    _within("matrix_indices", matrix.indices, rows)
    _finite("matrix_data", matrix.data)
    _finite("idf", corpus.index.idf, length=terms)
    _pointers("first_row", corpus.first_row, articles, rows)
    for name in ("article", "position", "paragraph", "start", "end"):
        _integers(f"table_{name}", getattr(table, name), length=rows)
    expected = np.repeat(np.arange(articles, dtype=np.int64), np.diff(corpus.first_row))
    if not np.array_equal(table.article, expected):
        raise IndexFormatError("table_article disagrees with first_row")
    if len(table.start) and (table.start.min() < 0 or np.any(table.end < table.start)):
        raise IndexFormatError("table_start/table_end hold a bad span")
    packed = len(table.texts_offsets) - 1
    _pointers("texts_offsets", table.texts_offsets, packed, len(table.texts))
    _utf8(table.texts, table.texts_offsets)
    sequences = corpus.sequences
    _pointers("sequence_indptr", sequences.indptr, len(sequences.indptr) - 1, len(sequences.columns))
    _within("sequence_columns", sequences.columns, terms)
    _pointers("title_indptr", corpus.titles.indptr, terms, len(corpus.titles.articles))
    _within("title_articles", corpus.titles.articles, articles)
    st = corpus.statements
    speakers = len(st.names)
    for name in ("speaker", "first", "last", "quote_start", "quote_end"):
        _integers(f"statement_{name}", getattr(st, name), length=rows)
    if len(st.speaker) and (st.speaker.min() < -1 or st.speaker.max() >= max(speakers, 0)):
        raise IndexFormatError("statement_speaker holds a speaker out of range")
    _within("statement_first", st.first, rows)
    _within("statement_last", st.last, rows)
    if np.any(st.last < st.first) or np.any(st.quote_start < 0) or np.any(st.quote_end < 0):
        raise IndexFormatError("statement rows or quote offsets hold a bad span")
    _pointers("speaker_indptr", st.indptr, speakers, len(st.rows))
    _within("speaker_rows", st.rows, rows)


def _integers(name: str, values: NDArray[np.generic], *, length: int | None = None) -> None:
    if values.dtype.kind not in "iu" or values.ndim != 1:
        raise IndexFormatError(f"{name} holds {values.dtype} values in {values.ndim} dimensions")
    if length is not None and len(values) != length:
        raise IndexFormatError(f"{name} has {len(values)} values instead of {length}")


def _pointers(name: str, values: NDArray[np.generic], count: int, total: int) -> None:
    """``values`` are ``count + 1`` ascending offsets from 0 to ``total``."""
    _integers(name, values, length=count + 1)
    if values[0] != 0 or values[-1] != total or np.any(values[1:] < values[:-1]):
        raise IndexFormatError(f"{name} is not an ascending list of offsets from 0 to {total}")


def _within(name: str, values: NDArray[np.generic], limit: int) -> None:
    _integers(name, values)
    if len(values) and (values.min() < 0 or values.max() >= limit):
        raise IndexFormatError(f"{name} holds values outside 0..{limit - 1}")


def _finite(name: str, values: NDArray[np.generic], *, length: int | None = None) -> None:
    if values.dtype.kind != "f" or (length is not None and len(values) != length):
        raise IndexFormatError(f"{name} has the wrong type or length")
    if not np.isfinite(values).all():
        raise IndexFormatError(f"{name} holds values that are not finite")


def _utf8(texts: object, offsets: NDArray[np.generic]) -> None:
    """Every sentence of ``texts`` (cut at ``offsets``) decodes as UTF-8: the whole blob decodes and
    no offset falls inside a character."""
    blob = np.frombuffer(texts, dtype=np.uint8) if len(texts) else np.zeros(0, np.uint8)  # type: ignore[arg-type]
    inner = offsets[(offsets > 0) & (offsets < len(blob))]
    if np.any((blob[inner] & 0xC0) == 0x80):
        raise IndexFormatError("texts_offsets cuts a character of texts.bin")
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for lo in range(0, len(blob), _PIECE):
            decoder.decode(blob[lo : lo + _PIECE].tobytes())
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise IndexFormatError(f"texts.bin is not valid UTF-8: {exc.reason}") from exc
