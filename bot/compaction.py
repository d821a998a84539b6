"""Background compaction: a fresh full index of the corpus, built in a forked process while the
service keeps answering, then swapped in as one reference.

An article added at run time is indexed beside the last full build with that build's idf, and a
removed one only hidden. Once they reach a share of the corpus (``CompactionPolicy``), ``Compactor``
forks a process that builds and saves a full index of the shipped articles and those added for
every server (``Build``; the build forks its own workers), loads it memory-mapped, and hands it to
``NewsService.swap_corpus``, which re-indexes on top of it what the build lacks (articles added
meanwhile, and those of one server, kept out of the shared idf) and keeps hidden what was removed
meanwhile. The asking threads never wait for the build: only for the interpreter, shared with the
loading and swapping thread.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import shutil
import signal
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.errors import NewsBotError
from bot.indexing import die_with_parent
from bot.models import Article
from bot.retrieval.store import CorpusIndex
from bot.service import Growth, NewsService

Build = Callable[[Path], None]
"""Writes a full index (``CorpusIndex.save``) of the shipped and global added articles into the
folder. Runs in a forked process: it must open its own files and connections."""
Texts = Callable[[Sequence[str]], Mapping[str, Article]]
"""The stored articles with these ids (``Library.stored_articles``)."""

_BUILD_NICENESS = 10  # added to the build process's nice value: answers come first on a busy machine
_FAILURE = "failure.txt"  # written by a failed build: the reason, shown in one line
_log = logging.getLogger(__name__)


class CompactionError(NewsBotError):
    """The background build failed; the service keeps answering from the corpus it had."""


@dataclass(frozen=True, slots=True)
class CompactionPolicy:
    """When a compaction is due: the articles added for every server since the last full build,
    plus those removed, reach ``share`` of the built ones and at least ``min_articles``.
    ``share`` 0 never compacts on its own (``Compactor.start`` still does on request)."""

    share: float = 0.10
    min_articles: int = 50

    def due(self, growth: Growth) -> bool:
        """Whether ``growth`` calls for a compaction."""
        if self.share <= 0:
            return False
        pending = growth.added_global + growth.removed
        return pending >= max(1, self.min_articles) and pending >= self.share * growth.built


@dataclass(frozen=True, slots=True)
class Compacted:
    """One finished compaction: articles in the new build, articles indexed again on top of it
    (added meanwhile or for one server), and the seconds it took (build, load and swap)."""

    articles: int
    replayed: int
    seconds: float


class Compactor:
    """Runs at most one compaction at a time, on a thread of its own, for one service."""

    def __init__(
        self,
        service: NewsService,
        *,
        build: Build,
        texts: Texts,
        policy: CompactionPolicy | None = None,
        scratch_dir: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_done: Callable[[Compacted | Exception], None] | None = None,
    ) -> None:
        self._service = service
        self._build = build
        self._texts = texts
        self.policy = policy or CompactionPolicy()
        self._scratch_dir = scratch_dir
        self._clock = clock
        self._on_done = on_done or _log_outcome
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    @property
    def running(self) -> bool:
        """Whether a compaction is under way."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    def start_if_due(self) -> bool:
        """Start a compaction in the background if the policy says so and none runs; returns
        whether one was started (cheap: front ends call it after changes or every few seconds)."""
        if self.running or not self.policy.due(self._service.growth()):
            return False
        return self.start()

    def start(self) -> bool:
        """Start a compaction in the background now (on request) unless one runs."""
        with self._starting:
            if self.running:
                return False
            self._thread = threading.Thread(target=self._background, name="newsbot-compaction", daemon=True)
            self._thread.start()
            return True

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the running compaction (if any); returns whether none runs any more."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.running

    def run(self) -> Compacted:
        """Compact now, on this thread: build in a forked process, load, swap. Raises
        ``CompactionError`` when the build fails (the service is left as it was)."""
        began = self._clock()
        folder = Path(tempfile.mkdtemp(prefix="newsbot-compaction-", dir=self._scratch_dir))
        try:
            _build_in_child(self._build, folder)
            with _no_full_collections():
                # The service's tokenizer already knows every word: the build's word list is not read.
                corpus = CorpusIndex.load(folder, mmap=True, words=False)
                swapped = self._service.swap_corpus(corpus, self._texts)
        finally:
            # The loaded arrays are memory maps: the files stay readable until they are dropped.
            shutil.rmtree(folder, ignore_errors=True)
        return Compacted(articles=swapped.articles, replayed=swapped.replayed, seconds=self._clock() - began)

    def _background(self) -> None:
        try:
            outcome: Compacted | Exception = self.run()
        except Exception as exc:  # reported, never raised on a thread nobody joins
            outcome = exc
        self._on_done(outcome)


@contextlib.contextmanager
def _no_full_collections() -> Iterator[None]:
    """No garbage collection while the new corpus is loaded and swapped in, then every object
    alive moved out of the collector's sight (``gc.freeze``).

    Loading a corpus makes hundreds of thousands of objects; each full collection that triggers
    walks every object of the process (the old corpus's too) holding the interpreter, about 0.2 s
    on the news archive, which would stall the threads answering questions. The long-lived corpus
    objects need no cycle collection (reference counting frees them when the corpus is replaced).
    The collector's state is process-wide: it is restored as found.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.enable()


def _log_outcome(outcome: Compacted | Exception) -> None:
    if isinstance(outcome, Exception):
        _log.warning("compaction failed, answering from the index as it was: %s", outcome)
    else:
        _log.info(
            "compacted: %d articles in a fresh index, %d added on top, in %.1f s",
            outcome.articles, outcome.replayed, outcome.seconds,
        )  # fmt: skip


def _build_in_child(build: Build, folder: Path) -> None:
    """Run ``build(folder)`` in a forked process and wait for it; raises ``CompactionError``.

    A plain fork, not a ``multiprocessing`` process: those are daemonic or joined at exit, and the
    build forks workers of its own, which a daemonic process may not, while a joined one would hold
    up the exit of a bot stopped mid-compaction.
    """
    lifeline = os.pipe()  # the child ends with this process, however it ends (see die_with_parent)
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 1
        try:
            die_with_parent(parent, lifeline)
            with contextlib.suppress(OSError):  # the build (and its workers) yield the CPU to questions
                os.nice(_BUILD_NICENESS)
            build(folder)
            status = 0
        except BaseException:
            with contextlib.suppress(OSError):
                (folder / _FAILURE).write_text(traceback.format_exc(), "utf-8")
        finally:
            os._exit(status)
    os.close(lifeline[0])
    try:
        _, status = os.waitpid(pid, 0)
    except BaseException:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        raise
    finally:
        os.close(lifeline[1])
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        failure = folder / _FAILURE
        reason = failure.read_text("utf-8").strip().splitlines()[-1] if failure.is_file() else None
        raise CompactionError(f"the index build failed ({reason or f'exit status {code}'})")
