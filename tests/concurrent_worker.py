"""Child process for the tests of processes running at the same time; each waits for START (a
``time.time()`` value) so that they all begin together.

Usage: python -m tests.concurrent_worker store PATH NUMBER START
       python -m tests.concurrent_worker index CORPUS INDEX_DIR BUILDS START
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start_together(commands: Sequence[Sequence[str]], *, delay: float) -> list[tuple[int, str, str]]:
    """Run each command of this module as a process, all beginning ``delay`` seconds from now (once
    their imports are done); returns each one's exit status, output and error output."""
    start = time.time() + delay
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.concurrent_worker", *command, str(start)],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]
    return [(p.returncode, out, err) for p in procs for out, err in [p.communicate(timeout=120)]]


def wait_until(start: float) -> None:
    while time.time() < start:
        time.sleep(0.001)


def main(argv: list[str]) -> int:
    mode, *args = argv
    if mode == "store":
        from bot.models import ArticleMeta
        from bot.storage.base import StoredArticle
        from bot.storage.sqlite import SqliteArticleStore
    else:
        from bot.retrieval.tokenize import default_tokenizer
        from bot.service import build_service

        tokenizer = default_tokenizer()
        tokenizer("imports the stemmer now")
    wait_until(float(args[-1]))
    if mode == "store":  # open a (perhaps new) store and add one article
        n = int(args[1])
        store = SqliteArticleStore(Path(args[0]))
        store.add_article(
            StoredArticle(meta=ArticleMeta(id=f"added/{n}", title=f"Article {n}"), text="Body.", guild_id=None,
                          sha256=f"sha-{n}")
        )
        store.close()
    else:  # rebuild the index of one corpus several times
        for _ in range(int(args[2])):
            build_service(Path(args[0]), Path(args[1]), tokenizer=tokenizer, rebuild=True)
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
