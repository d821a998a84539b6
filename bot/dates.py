"""Publication dates as sources write them -> ``Published`` (read once, at ingest).

The sources seen so far write "2025-05-19", "2026-03-14T10:00:00+00:00", "April 29, 2010  1:01 PM",
"Aug 31, 2010 4:52 pm" and "2020-09-08-22-18-34" (date and time joined by hyphens). The last one
is read by a pattern of its own; everything else goes to python-dateutil's parser, strictly (no
fuzzy skipping of words), and is kept only when it names a year, a month and a day. Used by the
loaders, uploads and web pages, and by the article store's migration; pure functions.
"""

from __future__ import annotations

import datetime as dt
import re

from dateutil import parser as dateutil_parser

from bot.models import Published

_HYPHENATED = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})-(\d{1,2})-(\d{1,2})(?:-(\d{1,2}))?$")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Two defaults that differ in every field: a field that comes out differently was not in the text.
_DEFAULT_A = dt.datetime(2001, 1, 1, 0, 0, 0)  # filler values, not moments
_DEFAULT_B = dt.datetime(2002, 2, 2, 1, 1, 1)
MIN_YEAR, MAX_YEAR = 1800, 2200
MAX_CHARS = 80


def parse_published(text: str) -> Published:
    """The date (and time, when given) in ``text``; raises ``ValueError`` saying why it cannot be read.

    A value without a day ("May 2025", "2020") is refused: a publication date is a day.
    """
    raw = " ".join(str(text).split())
    if not raw:
        raise ValueError("the date is empty")
    if len(raw) > MAX_CHARS:
        raise ValueError(f"{len(raw)} characters is too long for a date")
    if _ISO_DAY.match(raw):
        return _checked(dt.date.fromisoformat(raw), None)
    hyphenated = _HYPHENATED.match(raw)
    if hyphenated:
        y, mo, d, h, mi, s = (int(g) if g else 0 for g in hyphenated.groups())
        return _checked(dt.date(y, mo, d), dt.time(h, mi, s))
    try:
        a = dateutil_parser.parse(raw, default=_DEFAULT_A)
        b = dateutil_parser.parse(raw, default=_DEFAULT_B)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"not a date ({exc})") from exc
    if (a.year, a.month, a.day) != (b.year, b.month, b.day):
        raise ValueError("it names no full day (year, month and day are needed)")
    timed = (a.hour, a.minute) == (b.hour, b.minute)
    return _checked(a.date(), a.timetz() if timed else None)


def read_published(value: object, *, article: str, warnings: list[str] | None = None) -> Published | None:
    """``parse_published`` for a loader: nothing given -> ``None``; unreadable -> ``None`` plus a
    warning naming the article in ``warnings`` (the article is kept, without a date)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, Published):
        return value
    try:
        return parse_published(str(value))
    except ValueError as exc:
        if warnings is not None:
            shown = str(value)[:MAX_CHARS]
            warnings.append(f"article {article!r}: cannot read its date {shown!r} ({exc}); kept without a date")
        return None


def _checked(day: dt.date, time: dt.time | None) -> Published:
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValueError(f"the year {day.year} is outside {MIN_YEAR}-{MAX_YEAR}")
    return Published(day, time)
