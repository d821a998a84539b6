"""Articles -> CorpusIndex: ingest and tokenise in worker processes, join the pieces in order.

The articles are cut into chunks of consecutive articles. Each worker (a forked process, so the
articles and the tokenizer are inherited, not copied through files) normalises, splits and
tokenises whole chunks and sends back compact arrays (``IndexedChunk``); the parent maps each
chunk's terms into one vocabulary in corpus order and weights the matrix once at the end. The
result is the same index a single process builds.

Workers never outlive the build: on Linux the kernel kills them when their parent dies
(``PR_SET_PDEATHSIG``), and everywhere each one watches a pipe whose only writer is the parent
and exits when it closes, so a parent killed by SIGKILL or SIGTERM leaves no process behind.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import queue
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.queues import Queue, SimpleQueue

from bot.ingest.documents import sentence_spans
from bot.models import Article
from bot.retrieval.store import CorpusBuilder, CorpusIndex, IndexedChunk, index_chunk
from bot.retrieval.tokenize import Tokenizer

Progress = Callable[[str, int, int], None]
Message = tuple[int, IndexedChunk | dict[str, str] | None, str | None]
_WORDS = -1  # message number of a worker's word -> term pairs, sent after its last chunk
CHUNK_ARTICLES = 200
_POLL_SECONDS = 1.0


def default_workers() -> int:
    """Worker processes for a build: the CPUs this process may use (at most 8)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(8, cpus))


def ingest_chunk(articles: Sequence[Article], analyse: Tokenizer) -> IndexedChunk:
    """Normalise, split and tokenise consecutive articles (the work of one chunk).

    Titles are tokenised too (for the title postings), so their words are among the tokenizer's
    known terms.
    """
    return index_chunk([sentence_spans(a.text) for a in articles], analyse, [a.meta.title for a in articles])


def index_articles(
    articles: Sequence[Article],
    analyse: Tokenizer,
    *,
    fingerprint: str,
    tokenizer: dict[str, object],
    workers: int | None = None,
    chunk_articles: int = CHUNK_ARTICLES,
    progress: Progress | None = None,
) -> CorpusIndex:
    """Index ``articles`` (in their order) over ``workers`` processes; 1 runs everything here.

    ``progress("index", articles_done, total)`` is called as chunks of ``chunk_articles`` complete.
    The index keeps the word -> term pairs the tokenizers worked out (``CorpusIndex.words``).
    """
    total = len(articles)
    bounds = [(lo, min(lo + chunk_articles, total)) for lo in range(0, total, chunk_articles)]
    workers = default_workers() if workers is None else workers
    parallel = workers > 1 and len(bounds) > 1 and "fork" in multiprocessing.get_all_start_methods()
    words: dict[str, str] = {}
    chunks = (
        _forked_chunks(articles, analyse, bounds, workers, words)
        if parallel
        else _serial_chunks(articles, analyse, bounds, words)
    )
    builder = CorpusBuilder()
    if progress is not None:
        progress("index", 0, total)  # starts the clock of an ETA
    for (lo, hi), chunk in zip(bounds, chunks, strict=True):
        builder.add([a.meta for a in articles[lo:hi]], chunk)
        if progress is not None:
            progress("index", hi, total)
    return builder.finish(fingerprint=fingerprint, tokenizer=tokenizer, words=words)


def _serial_chunks(
    articles: Sequence[Article], analyse: Tokenizer, bounds: list[tuple[int, int]], words: dict[str, str]
) -> Iterator[IndexedChunk]:
    for lo, hi in bounds:
        yield ingest_chunk(articles[lo:hi], analyse)
    words.update(analyse.known_terms())


def _forked_chunks(
    articles: Sequence[Article],
    analyse: Tokenizer,
    bounds: list[tuple[int, int]],
    workers: int,
    words: dict[str, str],
) -> Iterator[IndexedChunk]:
    """Chunks in order, made by ``workers`` forked processes that take chunk numbers from a queue.

    After the last chunk, ``words`` receives every worker's word -> term pairs.
    """
    context = multiprocessing.get_context("fork")
    tasks: SimpleQueue[int | None] = context.SimpleQueue()
    results: Queue[Message] = context.Queue()
    for number in range(len(bounds)):
        tasks.put(number)
    for _ in range(workers):
        tasks.put(None)
    lifeline = os.pipe()  # the parent holds the write end: it closes when the parent dies
    processes = [
        context.Process(
            target=_work,
            args=(articles, analyse, bounds, tasks, results, lifeline, os.getpid()),
            daemon=True,
            name=f"index-{i}",
        )
        for i in range(workers)
    ]
    try:
        for process in processes:
            process.start()
    except BaseException:
        os.close(lifeline[1])  # the workers already started end with the pipe
        raise
    finally:
        os.close(lifeline[0])
    try:
        pending: dict[int, IndexedChunk] = {}
        word_lists = 0
        for wanted in range(len(bounds)):
            while wanted not in pending:
                number, payload = _receive(results, processes)
                if number == _WORDS:
                    words.update(payload)  # type: ignore[arg-type]
                    word_lists += 1
                else:
                    pending[number] = payload  # type: ignore[assignment]
            yield pending.pop(wanted)
        while word_lists < workers:
            number, payload = _receive(results, processes)
            if number == _WORDS:
                words.update(payload)  # type: ignore[arg-type]
                word_lists += 1
    finally:
        for process in processes:
            if process.is_alive() and process.exitcode is None:
                process.join(timeout=_POLL_SECONDS)
            if process.is_alive():
                process.terminate()
                process.join()
        results.close()
        os.close(lifeline[1])


def _receive(
    results: Queue[Message], processes: list[multiprocessing.process.BaseProcess]
) -> tuple[int, IndexedChunk | dict[str, str]]:
    while True:
        try:
            number, payload, error = results.get(timeout=_POLL_SECONDS)
        except queue.Empty:
            if any(p.exitcode not in (None, 0) for p in processes):
                raise RuntimeError("an indexing worker process died; try again with one worker") from None
            continue
        if error is not None or payload is None:
            raise RuntimeError(f"indexing failed in a worker process:\n{error}")
        return number, payload


def die_with_parent(parent: int, lifeline: tuple[int, int]) -> None:
    """Make this (forked) process end when ``parent`` does.

    ``lifeline`` is a pipe whose write end only the parent keeps: this process closes its inherited
    copy and a thread waits for the end of the pipe, which comes when the parent exits however it
    dies. On Linux the kernel also sends SIGKILL at once (``PR_SET_PDEATHSIG``).
    """
    read_end, write_end = lifeline
    os.close(write_end)
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl in this C library: the pipe is enough
            pass
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)

    def watch() -> None:
        while True:
            try:
                if not os.read(read_end, 1):
                    break
            except InterruptedError:
                continue
            except OSError:
                break
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _work(
    articles: Sequence[Article],
    analyse: Tokenizer,
    bounds: list[tuple[int, int]],
    tasks: SimpleQueue[int | None],
    results: Queue[Message],
    lifeline: tuple[int, int],
    parent: int,
) -> None:
    die_with_parent(parent, lifeline)
    while (number := tasks.get()) is not None:
        lo, hi = bounds[number]
        try:
            results.put((number, ingest_chunk(articles[lo:hi], analyse), None))
        except Exception:  # reported to the parent, which raises it
            results.put((number, None, traceback.format_exc()))
            return
    results.put((_WORDS, analyse.known_terms(), None))
