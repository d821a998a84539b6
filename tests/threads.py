"""Running one function on several threads at once, for tests of concurrent callers."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


def run_in_threads(work: Callable[[T], object], items: Iterable[T], *, timeout: float = 60.0) -> None:
    """``work(item)`` for each item, each on its own thread, all started before any is waited for."""
    threads = [threading.Thread(target=work, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
