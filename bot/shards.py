"""Which Discord shards a process runs: parsing and checking ``--shard-count N --shards 0,1``.

Pure: values in, a small immutable ``ShardPlan`` (or a ``ValueError`` with a one-line message) out.
Discord splits servers over ``count`` shards by ``(guild_id >> 22) % count``; each process connects
the shards of its plan, and together the processes must cover ``0 .. count - 1`` once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

MAX_SHARDS = 100_000  # far above what any bot needs (Discord asks for one shard per 1,000-2,500 servers)


@dataclass(frozen=True, slots=True)
class ShardPlan:
    """``count`` shards in all (None: as many as Discord recommends) and the ``ids`` this process
    runs (None: every one)."""

    count: int | None = None
    ids: tuple[int, ...] | None = None

    def describe(self, count: int | None = None) -> str:
        """``shards 0,1 of 2``, ``shard 1 of 4``, ``shards 0-3 of 4``; ``count`` is the number of shards
        in use when the plan left it to Discord (``shards automatic`` before that is known)."""
        total = self.count if self.count is not None else count
        if total is None:
            return "shards automatic"
        ids = self.ids if self.ids is not None else tuple(range(total))
        return f"shard{'s' if len(ids) != 1 else ''} {spans(ids)} of {total}"


def spans(ids: tuple[int, ...]) -> str:
    """``0-3,7,9`` for (0, 1, 2, 3, 7, 9) (the form ``--shards`` takes): runs of three or more as a range."""
    parts: list[str] = []
    ordered = sorted(ids)
    start = 0
    for i in range(1, len(ordered) + 1):
        if i == len(ordered) or ordered[i] != ordered[i - 1] + 1:
            run = ordered[start:i]
            parts += [f"{run[0]}-{run[-1]}"] if len(run) >= 3 else [str(n) for n in run]
            start = i
    return ",".join(parts)


def parse_count(text: str, name: str) -> int:
    """A shard count: a whole number from 1 to ``MAX_SHARDS``; ``name`` is the option or setting named
    in the error."""
    value = text.strip()
    if not (value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_SHARDS):
        raise ValueError(f"{name} must be a whole number between 1 and {MAX_SHARDS:,}, got {text!r}")
    return int(value)


def parse_ids(text: str, name: str) -> tuple[int, ...]:
    """Shard ids as ``0,1``, ``2`` or ``0-3`` (ranges inclusive, commas between), in the order given."""
    ids: list[int] = []
    for part in text.split(","):
        low, dash, high = part.strip().partition("-")
        bounds = (low.strip(), high.strip()) if dash else (low.strip(), low.strip())
        if not all(b.isascii() and b.isdigit() for b in bounds) or int(bounds[0]) > int(bounds[1]):
            raise ValueError(f"{name} must be shard ids such as 0,1 or 0-3, got {text!r}")
        if int(bounds[1]) - int(bounds[0]) >= MAX_SHARDS:
            raise ValueError(f"{name} names more than {MAX_SHARDS:,} shards: {text!r}")
        ids += range(int(bounds[0]), int(bounds[1]) + 1)
    return tuple(ids)


def shard_plan(count: int | None, ids: tuple[int, ...] | None, *, names: tuple[str, str]) -> ShardPlan:
    """The checked plan: ``ids`` need a ``count``, lie in ``0 .. count - 1`` and appear once each.
    ``names`` are the (count, ids) option or setting names used in the error."""
    count_name, ids_name = names
    if ids is None:
        return ShardPlan(count, None)
    if count is None:
        raise ValueError(f"{ids_name} needs {count_name} (the number of shards of the whole bot)")
    if not ids:
        raise ValueError(f"{ids_name} names no shard")
    outside = sorted({n for n in ids if n >= count})
    if outside:
        raise ValueError(
            f"{ids_name} must be between 0 and {count - 1} with {count_name} {count}, got {spans(tuple(outside))}"
        )
    twice = sorted(n for n, times in Counter(ids).items() if times > 1)
    if twice:
        raise ValueError(f"{ids_name} names shard {spans(tuple(twice))} more than once")
    return ShardPlan(count, tuple(sorted(ids)))


def plan_from_text(
    count_text: str | None, ids_text: str | None, *, names: tuple[str, str], default: ShardPlan | None = None
) -> ShardPlan:
    """The checked plan from an option's or a setting's text (``None``: not given, ``default``'s
    value); raises ``ValueError`` naming ``names``."""
    count = parse_count(count_text, names[0]) if count_text is not None else default.count if default else None
    ids = parse_ids(ids_text, names[1]) if ids_text is not None else default.ids if default else None
    return shard_plan(count, ids, names=names)


def shard_of(guild_id: int, count: int) -> int:
    """The shard that carries a server's events: ``(guild_id >> 22) % count`` (Discord's rule)."""
    return (guild_id >> 22) % count
