"""Time in a question: "in May 2025", "last week", "since March", "between 2004 and 2006" -> ``Period``.

Pure functions of the question text and a clock passed in (``today``), so tests fix the date.
``parse_period`` finds the first time phrase, returns the period it names and the question without
it (the phrase says which articles to search, not what to search them for); ``recency_wanted``
tells whether the question asks for the newest news ("latest", "still", "now"). ``parse_bound``
reads the ``since`` / ``until`` options of the front ends. English only.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.models import Period, day_text, span_text

__all__ = [
    "Period",
    "TimeQuery",
    "between",
    "intersect",
    "parse_bound",
    "parse_period",
    "period_words",
    "read_bounds",
    "read_time",
    "recency_wanted",
    "without_recency_words",
]

# Month names and their common abbreviations -> month number (also read by ``relative_dates``).
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
            ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
            ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr" \
    r"|jun|jul|aug|sept|sep|oct|nov|dec)"
_YEAR = r"(?:1[89]\d\d|2[01]\d\d)"
# One point in time, as a span: a day ("19 May 2025", "May 19, 2025", "2025-05-19"), a month
# ("May 2025", "May"), a year ("2020") or a word ("yesterday", "last week").
_WHEN = (
    r"(?:\d{4}-\d{2}-\d{2}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\.?,?\s+{_YEAR}"
    rf"|{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+{_YEAR}"
    rf"|{_MONTH}\.?\s+{_YEAR}|{_MONTH}|{_YEAR}"
    r"|today|yesterday|(?:this|last|past|previous)\s+(?:week|month|year))"
)
_RANGE = re.compile(
    rf"\b(?:between\s+(?P<a>{_WHEN})\s+and|from\s+(?P<b>{_WHEN})\s+(?:to|until|till))\s+(?P<c>{_WHEN})\b", re.I
)
_OPEN = re.compile(rf"\b(?P<op>since|after|before|until|till)\s+(?P<w>{_WHEN})\b", re.I)
_DAYS = re.compile(r"\b(?:in\s+|over\s+|during\s+)?(?:the\s+)?(?:last|past)\s+(?P<n>\d{1,3})\s+days\b", re.I)
_RELATIVE = re.compile(
    r"\b(?:(?:in|during|from|over)\s+)?(?P<w>today|yesterday|(?:this|last|past|previous)\s+(?:week|month|year))\b", re.I
)
# "in 2020", "in May 2025", "in May", "during 2004", "on 19 May 2025", "from 2010": a preposition is
# needed, so "the 2020 election" or "Theresa May said" name no period.
_POINT = re.compile(rf"\b(?:in|during|on|from)\s+(?:the\s+year\s+)?(?P<w>{_WHEN})\b", re.I)
_BARE_DAY = re.compile(r"^\s*(?P<w>" + _WHEN + r")\s*$", re.I)

_RECENT = re.compile(r"\b(?:latest|recent|recently|newest|most\s+recent|lately|now|current|currently|still)\b", re.I)


@dataclass(frozen=True, slots=True)
class TimeQuery:
    """What time asks of one question: the period to search (or none), the text to search with,
    and whether newer articles should come first."""

    period: Period | None
    search: str
    recent: bool


def parse_period(question: str, today: dt.date) -> tuple[Period | None, str]:
    """The period the question names and the question without that phrase; ``(None, question)`` if none.

    "in 2020", "in May 2025", "in May" (the last May up to today), "last week" (Monday to Sunday),
    "this week/month/year" (up to today), "last month/year", "yesterday", "today", "the past 30 days",
    "since March", "after 2015" (open end), "before 2010" / "until 2010" (open start),
    "between 2004 and 2006", "from May to July 2020", "on 19 May 2025".
    """
    for pattern in (_RANGE, _OPEN, _DAYS, _RELATIVE, _POINT):
        match = pattern.search(question)
        if match is None:
            continue
        period = _period_of(match, pattern, today)
        if period is not None:
            rest = question[: match.start()] + " " + question[match.end() :]
            return period, _tidy(rest)
    return None, question


def parse_bound(text: str, today: dt.date, *, end: bool) -> dt.date:
    """A ``since`` (``end=False``: the first day) or ``until`` (``end=True``: the last day) option:
    "2025-05-01", "1 May 2025", "May 2025", "2020", "March", "last week", "yesterday".
    Raises ``ValueError`` with a one-line reason."""
    match = _BARE_DAY.match(" ".join(text.split()))
    span = _span(match.group("w"), today) if match else None
    if span is None:
        shown = text.strip()[:40]
        raise ValueError(f"cannot read {shown!r} as a date; write e.g. 2025-05-01, 1 May 2025, May 2025 or 2020")
    return span[1] if end else span[0]


def read_bounds(since: str | None, until: str | None, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The ``since`` / ``until`` options as days (``parse_bound``; blank: none). Raises ``ValueError``
    naming the option ("since: cannot read ...") or saying that since is after until."""
    try:
        first = parse_bound(since, today, end=False) if since and since.strip() else None
    except ValueError as exc:
        raise ValueError(f"since: {exc}") from exc
    try:
        last = parse_bound(until, today, end=True) if until and until.strip() else None
    except ValueError as exc:
        raise ValueError(f"until: {exc}") from exc
    if first is not None and last is not None and first > last:
        raise ValueError(f"since ({first.isoformat()}) is after until ({last.isoformat()})")
    return first, last


def period_words(period: Period) -> str:
    """"from 1–31 May 2025", "on 19 May 2025", "since 1 March 2025", "until 31 December 2009"."""
    if period.start == dt.date.min or period.end == dt.date.max:
        return period.label
    return f"on {period.label}" if period.start == period.end else f"from {period.label}"


def between(since: dt.date | None, until: dt.date | None) -> Period | None:
    """The period of the ``since`` / ``until`` options (either may be missing); ``None`` if both are."""
    if since is None and until is None:
        return None
    return _make(since or dt.date.min, until or dt.date.max)


def intersect(a: Period | None, b: Period | None) -> Period | None:
    """Dates in both periods (``None`` stands for no limit). An empty overlap is a period whose
    start is after its end: nothing is in it."""
    if a is None or b is None:
        return a or b
    return _make(max(a.start, b.start), min(a.end, b.end))


def recency_wanted(question: str) -> bool:
    """Whether the question asks for the newest news: "latest", "recent", "newest", "now", "current", "still"."""
    return _RECENT.search(question) is not None


def without_recency_words(question: str) -> str:
    """The question without the words that ask for recency (they say when, not what)."""
    return _tidy(_RECENT.sub(" ", question))


def read_time(
    question: str, today: dt.date, *, since: dt.date | None = None, until: dt.date | None = None, dated: bool = True
) -> TimeQuery:
    """Everything time asks of ``question``: the period of the question and of the options together,
    the text to search, and whether newer articles come first.

    With ``dated=False`` (no article has a date) the question's own time words stay search words,
    since no period or recency could apply: "what happened in 1893?" over an undated
    encyclopaedia searches for 1893.
    """
    options = between(since, until)
    if not dated:
        return TimeQuery(options, question, recent=False)
    period, search = parse_period(question, today)
    recent = recency_wanted(search)
    if recent:
        search = without_recency_words(search) or search
    return TimeQuery(intersect(period, options), search or question, recent)


# ----------------------------------------------------------------------------- reading spans


def _period_of(match: re.Match[str], pattern: re.Pattern[str], today: dt.date) -> Period | None:
    groups = match.groupdict()
    if pattern is _RANGE:
        first = _span(groups["a"] or groups["b"], today, anchor=groups["c"])
        last = _span(groups["c"], today)
        return _make(first[0], last[1]) if first and last else None
    if pattern is _DAYS:
        days = int(groups["n"])
        return _make(today - dt.timedelta(days=max(days, 1) - 1), today) if days else None
    span = _span(groups["w"], today)
    if span is None:
        return None
    if pattern is _OPEN:
        op = groups["op"].lower()
        if op == "since":
            return _make(span[0], dt.date.max)
        if op == "after":
            return _make(span[1] + dt.timedelta(days=1), dt.date.max)
        if op == "before":
            return _make(dt.date.min, span[0] - dt.timedelta(days=1))
        return _make(dt.date.min, span[1])  # until / till: the named span included
    return _make(*span)


def _span(when: str, today: dt.date, *, anchor: str | None = None) -> tuple[dt.date, dt.date] | None:
    """First and last day of one point in time. A month without a year is the last such month up
    to today, or, with ``anchor`` ("from May to July 2020"), that month in the anchor's year."""
    text = " ".join(when.lower().replace(",", " ").replace(".", " ").split())
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = dt.date.fromisoformat(text)
            return day, day
        if text in ("today", "yesterday"):
            day = today - dt.timedelta(days=text == "yesterday")
            return day, day
        words = text.split()
        if words[0] in ("this", "last", "past", "previous"):
            return _relative(words[0], words[1], today)
        digits = [w.rstrip("stndrh") for w in words if w[0].isdigit()]
        month = next((MONTHS[w] for w in words if w in MONTHS), None)
        year = next((int(d) for d in digits if len(d) == 4), None)
        day_number = next((int(d) for d in digits if len(d) <= 2), None)
        if year is None and month is None:
            return None
        if year is None:
            assert month is not None
            anchored = _span(anchor, today) if anchor else None
            year = anchored[1].year if anchored else (today.year if month <= today.month else today.year - 1)
        if month is None:
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        if day_number is not None:
            day = dt.date(year, month, day_number)
            return day, day
        return dt.date(year, month, 1), _month_end(year, month)
    except ValueError:  # "31 February 2020"
        return None


def _relative(which: str, unit: str, today: dt.date) -> tuple[dt.date, dt.date]:
    if unit == "week":
        monday = today - dt.timedelta(days=today.weekday())
        if which == "this":
            return monday, today
        return monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)
    if unit == "month":
        if which == "this":
            return today.replace(day=1), today
        last = today.replace(day=1) - dt.timedelta(days=1)
        return last.replace(day=1), last
    if which == "this":
        return dt.date(today.year, 1, 1), today
    return dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def _make(start: dt.date, end: dt.date) -> Period:
    return Period(start, end, _label(start, end))


def _label(start: dt.date, end: dt.date) -> str:
    """"19 May 2025", "1–31 May 2025", "3 March – 19 May 2025", "1 January 2004 – 31 December 2006",
    "since 1 March 2025", "until 31 December 2009"."""
    if start == dt.date.min and end == dt.date.max:
        return "of any date"
    if start == dt.date.min:
        return f"until {day_text(end)}"
    if end == dt.date.max:
        return f"since {day_text(start)}"
    if start > end:
        return f"{day_text(start)} – {day_text(end)} (no day is in both)"
    return span_text(start, end)


def _tidy(text: str) -> str:
    """Spaces collapsed and none left before punctuation ("what happened ?" -> "what happened?")."""
    return re.sub(r"\s+([?.!,;:])", r"\1", " ".join(text.split())).strip()
