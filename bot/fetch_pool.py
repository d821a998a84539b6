"""Threads of their own for work that waits on remote servers (adding an article from a URL).

Questions run on the event loop's default executor (``asyncio.to_thread``). A page fetch can
wait for up to its deadline, so fetches never use that executor: ``FetchPool`` has its own
bounded set of threads. At most ``workers`` fetches run at once and at most ``per_server`` for
one Discord server; a fetch over either limit is refused at once with ``FetchBusy`` (a one-line
message), never queued, so however many adds are asked for, a question never waits behind them
and every add that runs ends within its own deadline.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from bot.errors import NewsBotError

P = ParamSpec("P")
T = TypeVar("T")


class FetchBusy(NewsBotError):
    """Too many pages are being fetched already (for this server or for the whole bot)."""


class FetchPool:
    """A bounded executor for fetches with a limit per server (``None``: additions for every server)."""

    def __init__(self, *, workers: int = 8, per_server: int = 2) -> None:
        if workers < 1 or per_server < 1:
            raise ValueError("a fetch pool needs at least one worker and one fetch per server")
        self.workers = workers
        self.per_server = per_server
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="newsbot-fetch")
        self._lock = threading.Lock()  # the counts are released from the worker threads
        self._running: dict[int | None, int] = {}
        self._closed = False

    def running(self, server: int | None = None) -> int:
        """Fetches running for ``server`` (all of them if ``server`` is omitted)."""
        with self._lock:
            return self._running.get(server, 0)

    @property
    def total(self) -> int:
        """Fetches running for every server together."""
        with self._lock:
            return sum(self._running.values())

    def check(self, server: int | None) -> None:
        """Raise ``FetchBusy`` if a fetch for ``server`` would be refused now (called before any work
        is charged to the user, such as a cooldown)."""
        with self._lock:
            self._refusal(server)

    async def run(self, server: int | None, func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``func(*args, **kwargs)`` on the pool's threads, counted against ``server``'s limit.

        Raises ``FetchBusy`` at once when a limit is reached. The slot is freed when ``func``
        returns, not when the caller stops waiting, so the limits count threads really in use.
        """
        with self._lock:
            self._refusal(server)
            self._running[server] = self._running.get(server, 0) + 1
        try:
            future: Future[T] = self._executor.submit(func, *args, **kwargs)
        except RuntimeError as exc:  # shut down meanwhile
            self._release(server)
            raise FetchBusy("The bot is shutting down; try again when it is back.") from exc
        future.add_done_callback(lambda _: self._release(server))
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        """Refuse new fetches and drop queued ones; running fetches end by their own deadline."""
        with self._lock:
            self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _refusal(self, server: int | None) -> None:
        if self._closed:
            raise FetchBusy("The bot is shutting down; try again when it is back.")
        if self._running.get(server, 0) >= self.per_server:
            raise FetchBusy(
                f"This server is already fetching {self.per_server} page{'s' * (self.per_server > 1)}; "
                "try again when one of them has been added."
            )
        if sum(self._running.values()) >= self.workers:
            raise FetchBusy("The bot is fetching as many pages as it can right now; try again in a minute.")

    def _release(self, server: int | None) -> None:
        with self._lock:
            left = self._running.get(server, 0) - 1
            if left > 0:
                self._running[server] = left
            else:
                self._running.pop(server, None)
