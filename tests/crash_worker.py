"""Child process for tests/test_crash.py: adds articles (or rebuilds the index) until it is killed.

Usage: python -m tests.crash_worker add|index CORPUS INDEX_DIR STORE START
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.library import Library
from bot.service import build_service
from bot.storage.sqlite import SqliteArticleStore


def article_text(n: int) -> bytes:
    """The n-th test article: its own unmistakable word, several sentences and paragraphs."""
    body = "\n\n".join(f"Paragraph {p} of report {n} mentions the glimmerfish{n} survey." for p in range(1, 6))
    return f"---\ntitle: Survey report {n}\n---\n{body}\n".encode()


def main(argv: list[str]) -> int:
    mode, corpus, index_dir, store_path, start = argv
    service = build_service(Path(corpus), Path(index_dir))
    if mode == "index":
        print("ready", flush=True)
        while True:
            build_service(Path(corpus), Path(index_dir), rebuild=True)
    library = Library(service, SqliteArticleStore(Path(store_path)))
    library.load_stored()
    print("ready", flush=True)
    n = int(start)
    while True:
        library.add_file(f"report-{n}.md", article_text(n), guild_id=7 if n % 2 else None)
        print(f"added {n}", flush=True)
        n += 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
