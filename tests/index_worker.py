"""Child process for tests/test_indexing.py: an indexing build over two forked workers that never
finish their first chunk (each writes a file named after its pid, then waits).

Usage: python -m tests.index_worker FOLDER [--no-prctl]   (--no-prctl: as on a system without
PR_SET_PDEATHSIG, so only the pipe the workers watch can end them)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from bot import indexing
from bot.indexing import index_articles
from bot.models import Article, ArticleMeta

WAIT_S = 120.0  # how long a worker waits: far longer than the test, but never forever


class StuckTokenizer:
    """Stands in for the tokenizer: the first text a worker tokenises blocks it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __call__(self, text: str) -> list[str]:
        (self.folder / f"worker-{os.getpid()}").touch()
        time.sleep(WAIT_S)
        return text.split()

    def known_terms(self) -> dict[str, str]:
        return {}


class NoPrctl:
    """Stands in for ``ctypes`` in ``bot.indexing``: a C library without ``prctl``."""

    def CDLL(self, *args: object, **kwargs: object) -> object:
        raise OSError("no prctl here")


def main(argv: list[str]) -> int:
    folder = Path(argv[0])
    if "--no-prctl" in argv:
        indexing.ctypes = NoPrctl()  # type: ignore[assignment]
    articles = [Article(ArticleMeta(id=f"a{i}", title=f"Story {i}"), f"Sentence number {i}.") for i in range(8)]
    index_articles(articles, StuckTokenizer(folder), fingerprint="f", tokenizer={}, workers=2, chunk_articles=1)  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
