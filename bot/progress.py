"""A dependency-free progress bar with an ETA, for the command line."""

from __future__ import annotations

import time
from typing import TextIO


class ProgressBar:
    """Draws ``stage [#####.....] 50% 1,000/2,000 ETA 12s`` on one terminal line.

    Redraws at most every ``interval`` seconds. Call it as a ``bot.service.Progress`` callback.
    When the stream is not a terminal (a file, a pipe, a log), no ``\\r`` frames are written: only
    one final line per stage, when it completes.
    """

    def __init__(self, stream: TextIO, *, width: int = 30, interval: float = 0.2, live: bool | None = None) -> None:
        self._stream = stream
        self._width = width
        self._interval = interval
        self._live = stream.isatty() if live is None else live
        self._started = time.monotonic()
        self._last = 0.0
        self._stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage != self._stage:
            self._stage, self._started = stage, now
        if done < total and (not self._live or now - self._last < self._interval):
            return
        self._last = now
        share = done / total if total else 1.0
        filled = int(self._width * share)
        elapsed = now - self._started
        eta = f" ETA {elapsed / share - elapsed:.0f}s" if 0 < share < 1 else f" {elapsed:.1f}s"
        bar = "#" * filled + "." * (self._width - filled)
        line = f"{stage:<7} [{bar}] {share:4.0%} {done:,}/{total:,}{eta}"
        self._stream.write(f"\r{line}   " if self._live else line)
        if done >= total:
            self._stream.write("\n")
        self._stream.flush()
