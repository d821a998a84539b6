"""A dependency-free progress bar with an ETA, for the command line."""

from __future__ import annotations

import time
from typing import TextIO


class ProgressBar:
    """Draws ``stage [#####.....] 50% 1,000/2,000 ETA 12s`` on one terminal line.

    Redraws at most every ``interval`` seconds. Call it as a ``bot.service.Progress`` callback.
    """

    def __init__(self, stream: TextIO, *, width: int = 30, interval: float = 0.2) -> None:
        self._stream = stream
        self._width = width
        self._interval = interval
        self._started = time.monotonic()
        self._last = 0.0
        self._stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage != self._stage:
            self._stage, self._started = stage, now
        if done < total and now - self._last < self._interval:
            return
        self._last = now
        share = done / total if total else 1.0
        filled = int(self._width * share)
        elapsed = now - self._started
        eta = f" ETA {elapsed / share - elapsed:.0f}s" if 0 < share < 1 else f" {elapsed:.1f}s"
        bar = "#" * filled + "." * (self._width - filled)
        self._stream.write(f"\r{stage:<7} [{bar}] {share:4.0%} {done:,}/{total:,}{eta}   ")
        if done >= total:
            self._stream.write("\n")
        self._stream.flush()
