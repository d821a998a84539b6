"""The fake Discord's sharding rules: which shard carries a server, whether an IDENTIFY's shard is
accepted, and whether IDENTIFYs kept Discord's pace (one per interval per key ``shard % max_concurrency``)."""

from __future__ import annotations

from dataclasses import dataclass

INVALID_SHARD = 4010  # "You sent an invalid shard when identifying."
SHARDING_REQUIRED = 4011  # "The session would have handled too many guilds - you are required to shard."
REASONS = {INVALID_SHARD: b"Invalid shard.", SHARDING_REQUIRED: b"Sharding required."}


@dataclass(frozen=True)
class Identify:
    """One IDENTIFY the fake received: when (``time.monotonic()``), for which shard, and its answer."""

    at: float
    shard: int
    count: int
    close_code: int | None = None  # None: accepted


def on_shard(guild_id: int, shard: int, count: int) -> bool:
    """Whether ``guild_id``'s events go to shard ``shard`` of ``count`` (Discord's rule)."""
    return (guild_id >> 22) % count == shard


def snowflake_on_shard(millis: int, increment: int, shard: int, count: int) -> int:
    """A snowflake near ``millis`` (ms since the Discord epoch, not after it) whose server would be on
    ``shard`` of ``count``."""
    millis -= (millis - shard) % count
    return (millis << 22) | (increment & 0x3FFFFF)


def refusal(shard: int, count: int, counts_in_use: set[int], min_shards: int) -> int | None:
    """The close code Discord answers an IDENTIFY for ``[shard, count]`` with, or None to accept it:
    a shard outside the count, or a count other than the connected sessions', is invalid; fewer
    shards than the bot's servers need is refused as "sharding required"."""
    if not 0 <= shard < count or (counts_in_use and counts_in_use != {count}):
        return INVALID_SHARD
    if count < min_shards:
        return SHARDING_REQUIRED
    return None


def pacing_problems(
    identifies: list[Identify], *, max_concurrency: int, interval_s: float, slack_s: float = 0.0
) -> list[str]:
    """Pairs of IDENTIFYs of one key (``shard % max_concurrency``) less than ``interval_s - slack_s`` apart
    (``slack_s``: how late a process's IDENTIFY may arrive after its turn on a busy test machine)."""
    problems: list[str] = []
    last: dict[int, Identify] = {}
    for identify in sorted(identifies, key=lambda i: i.at):
        key = identify.shard % max_concurrency
        before = last.get(key)
        if before is not None and identify.at - before.at < interval_s - slack_s:
            problems.append(
                f"shard {identify.shard} identified {identify.at - before.at:.3f} s after shard {before.shard} "
                f"(key {key}, interval {interval_s} s)"
            )
        last[key] = identify
    return problems
