"""Pacing of gateway IDENTIFYs across processes: one per ``interval_s`` for each rate-limit key.

Discord lets a bot start one session per 5 seconds for each key ``shard_id % max_concurrency``
(``max_concurrency`` comes with ``GET /gateway/bot``'s ``session_start_limit``); an IDENTIFY sent
sooner is refused. discord.py paces the shards of one process only, so several processes ask a
shared ``IdentifyGate`` for a turn. ``FileIdentifyGate`` serves processes on one machine (a JSON
file in the data folder under a file lock); a gate over a database serves several machines with
the same protocol.

No discord.py here: the bot's ``before_identify_hook`` calls ``wait_turn``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

from bot import locks

log = logging.getLogger(__name__)

FORMAT = "newsbot-identify-gate"
FORMAT_VERSION = 1
FILE_NAME = "identify-gate.json"
MAX_AHEAD_S = 3600.0  # a stored turn further ahead than this comes from a clock set back: forgotten


class IdentifyGate(Protocol):
    """Hands out IDENTIFY turns shared by every process of the bot."""

    def reserve(self, key: int, interval_s: float, now: float) -> float:
        """Atomically take the next turn of ``key``: ``max(now, last + interval_s)``, stored as its last
        turn, and returned (a wall-clock time, ``time.time()``'s scale: the caller sleeps until then)."""
        ...


def identify_key(shard_id: int | None, max_concurrency: int) -> int:
    """The rate-limit key of a shard's IDENTIFY: ``shard_id % max_concurrency`` (shard 0 without sharding)."""
    return (shard_id or 0) % max(1, max_concurrency)


def next_turn(last: float | None, interval_s: float, now: float) -> float:
    """The turn after ``last``: at ``now`` at the earliest. A ``last`` over ``MAX_AHEAD_S`` ahead of
    ``now`` (the clock went back) is ignored."""
    if last is None or last - now > MAX_AHEAD_S:
        return now
    return max(now, last + interval_s)


class MemoryIdentifyGate:
    """Turns for the threads of one process (tests, and a bot whose data folder cannot be written)."""

    def __init__(self) -> None:
        self._last: dict[int, float] = {}
        self._lock = threading.Lock()

    def reserve(self, key: int, interval_s: float, now: float) -> float:
        """See ``IdentifyGate.reserve``."""
        with self._lock:
            turn = next_turn(self._last.get(key), interval_s, now)
            self._last[key] = turn
            return turn


class FileIdentifyGate:
    """Turns for the processes of one machine: ``{"format", "format_version", "last": {key: time}}`` in
    ``path``, read and replaced (atomically) under an exclusive lock on ``path`` + ``.lock``.

    A file that cannot be read (damaged, another version) is logged once per reading and replaced by
    a clean one. Where nothing can be written (a read-only folder), turns fall back to this process
    alone, with one warning.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fallback: MemoryIdentifyGate | None = None

    def reserve(self, key: int, interval_s: float, now: float) -> float:
        """See ``IdentifyGate.reserve``."""
        if self._fallback is not None:
            return self._fallback.reserve(key, interval_s, now)
        try:
            with locks.exclusive(self.path.with_name(self.path.name + ".lock")):
                last = self._read()
                turn = next_turn(last.get(key), interval_s, now)
                last[key] = turn
                self._write(last)
                return turn
        except OSError as exc:
            log.warning("cannot keep IDENTIFY turns in %s (%s): pacing this process's shards only", self.path, exc)
            self._fallback = MemoryIdentifyGate()
            return self._fallback.reserve(key, interval_s, now)

    def _read(self) -> dict[int, float]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT or data.get("format_version") != FORMAT_VERSION:
                raise ValueError(f"format {data.get('format')!r} version {data.get('format_version')!r}")
            return {int(k): float(v) for k, v in data["last"].items()}
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("IDENTIFY turns file %s is unreadable (%s): starting clean", self.path, exc)
            return {}

    def _write(self, last: dict[int, float]) -> None:
        turns = {str(k): v for k, v in sorted(last.items())}
        data = {"format": FORMAT, "format_version": FORMAT_VERSION, "last": turns}
        tmp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex}.tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(data, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)


async def wait_turn(
    gate: IdentifyGate,
    key: int,
    interval_s: float,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> float:
    """Take a turn of ``key`` from ``gate`` (on a thread: a file gate waits for its lock) and sleep
    until it comes; returns the seconds waited."""
    turn = await asyncio.to_thread(gate.reserve, key, interval_s, clock())
    delay = turn - clock()
    if delay > 0:
        await sleep(delay)
    return max(0.0, delay)
