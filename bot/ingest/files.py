"""Finding and opening article files safely: what a corpus folder holds, and reads with a size limit.

A corpus folder is scanned once (``scan_corpus``): the files it lists are the ones fingerprinted
and read, so a file that vanishes in between is a warning, never a crash. Symbolic links are
followed only to files inside the corpus folder. Every read (``read_limited``, ``archive_lines``)
stops at its byte limit: nothing is read whole before its size is known.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.errors import CorpusError

SUFFIXES = frozenset({".md", ".txt"})
ARCHIVE_SUFFIXES = (".jsonl", ".jsonl.gz")
_SKIP_CHUNK = 1 << 20  # bytes read at a time past an over-long archive line


@dataclass(frozen=True, slots=True)
class CorpusFile:
    """An article file of a corpus: ``path`` names it (its id comes from it), ``real`` is what is
    opened (the link's target, inside the corpus folder, for a symbolic link)."""

    path: Path
    real: Path
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class CorpusScan:
    """The article files of a corpus folder at one moment, their fingerprint, and one warning per
    entry left out (a link out of the folder, a file gone or unreadable while scanned)."""

    root: Path
    files: tuple[CorpusFile, ...]
    warnings: tuple[str, ...]

    @property
    def fingerprint(self) -> str:
        """A digest of the files' names, sizes and modification times (changes when a file does)."""
        digest = hashlib.sha256()
        for f in self.files:
            digest.update(f"{f.path.relative_to(self.root).as_posix()}\0{f.size}\0{f.mtime_ns}\n".encode())
        return digest.hexdigest()


def is_article_file(name: str) -> bool:
    """True for a name the corpus reads: ``.md``, ``.txt``, ``.jsonl`` or ``.jsonl.gz``."""
    lower = name.lower()
    return os.path.splitext(lower)[1] in SUFFIXES or lower.endswith(ARCHIVE_SUFFIXES)


def scan_corpus(corpus_dir: Path) -> CorpusScan:
    """The article files under ``corpus_dir`` (recursively, hidden names skipped), sorted.

    Symbolic links to folders are not entered; a link to a file counts only if its target is inside
    ``corpus_dir``. Raises ``CorpusError`` if the folder is missing.
    """
    if not corpus_dir.exists():
        raise CorpusError(f"corpus folder {corpus_dir} does not exist")
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus path {corpus_dir} is not a folder")
    root = corpus_dir.resolve()
    names: list[Path] = []
    for folder, dirs, files in os.walk(corpus_dir, followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        names.extend(Path(folder, f) for f in files if not f.startswith(".") and is_article_file(f))
    found: list[CorpusFile] = []
    warnings: list[str] = []
    for path in sorted(names):
        try:
            real = path
            if path.is_symlink():
                real = Path(os.path.realpath(path, strict=True))
                if not real.is_relative_to(root):
                    warnings.append(f"skipped {path}: it is a link to a file outside the corpus folder")
                    continue
            info = os.stat(real)
        except FileNotFoundError:
            warnings.append(f"skipped {path}: it disappeared while the corpus was read (or is a broken link)")
            continue
        except OSError as exc:
            warnings.append(f"skipped {path}: cannot read it ({exc.strerror or exc})")
            continue
        if not stat.S_ISREG(info.st_mode):
            if not stat.S_ISDIR(info.st_mode):
                warnings.append(f"skipped {path}: not a regular file")
            continue
        found.append(CorpusFile(path, real, info.st_size, info.st_mtime_ns))
    return CorpusScan(corpus_dir, tuple(found), tuple(warnings))


def _open_regular(path: Path, *, follow_links: bool) -> int:
    """A file descriptor of ``path`` if it is a regular file (never blocks on a FIFO or device)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags if follow_links else flags | getattr(os, "O_NOFOLLOW", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise CorpusError("not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_limited(path: Path, *, limit: int, follow_links: bool = True) -> bytes:
    """The bytes of the regular file ``path``; raises ``CorpusError`` if it is over ``limit`` bytes
    (known from its size, or found while reading: at most ``limit + 1`` bytes are ever read) or not a
    regular file (a device such as ``/dev/zero``, a FIFO), and ``OSError`` if it cannot be opened
    (with ``follow_links=False``, also when it has become a symbolic link)."""
    with open(_open_regular(path, follow_links=follow_links), "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > limit:
            raise CorpusError(f"{size:,} bytes is over the {limit:,}-byte limit")
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise CorpusError(f"more than {limit:,} bytes is over the {limit:,}-byte limit")
    return data


@dataclass(frozen=True, slots=True)
class ArchiveLine:
    """One line of an archive: its number, and its bytes, or ``None`` when it was over the limit."""

    number: int
    data: bytes | None


def archive_lines(path: Path, *, line_limit: int, total_limit: int) -> Iterator[ArchiveLine]:
    """The lines of a ``.jsonl`` or ``.jsonl.gz`` file (decompressed), each read ``line_limit``
    bytes at most: a longer line is skipped in pieces and given as ``data=None``.

    Raises ``CorpusError`` once more than ``total_limit`` decompressed bytes are read, ``OSError``
    or ``EOFError`` for an unreadable or damaged file.
    """
    with open(_open_regular(path, follow_links=False), "rb") as raw:
        compressed = path.name.lower().endswith(".gz")
        with gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw as fh:
            total = number = 0
            while line := fh.readline(line_limit + 1):
                number += 1
                total += len(line)
                too_long = len(line) > line_limit and not line.endswith(b"\n")
                while too_long and (rest := fh.readline(_SKIP_CHUNK)):
                    total += len(rest)
                    _check_total(total, total_limit)
                    if rest.endswith(b"\n"):
                        break
                _check_total(total, total_limit)
                yield ArchiveLine(number, None if too_long else line)


def _check_total(total: int, limit: int) -> None:
    if total > limit:
        raise CorpusError(f"it is over {limit:,} bytes uncompressed, the limit of one archive")
