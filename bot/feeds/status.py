"""Plain-text descriptions of a feed's state, for the command line and the Discord list."""

from __future__ import annotations

from bot.feeds.models import Feed


def when(stamp: float | None, now: float) -> str:
    """``stamp`` relative to ``now``: "in 12 min", "3 h ago", "never"."""
    if stamp is None:
        return "never"
    delta = stamp - now
    span = abs(delta)
    if span < 60:
        return "now" if delta >= 0 else "just now"
    if span < 3600:
        amount = f"{span / 60:.0f} min"
    elif span < 172_800:
        amount = f"{span / 3600:.0f} h"
    else:
        amount = f"{span / 86400:.0f} days"
    return f"in {amount}" if delta > 0 else f"{amount} ago"


def status_parts(feed: Feed, now: float) -> list[str]:
    """The pieces of a feed's state: schedule, last success, articles taken, filters, last error."""
    parts = [f"every {feed.interval_s // 60} min"]
    if feed.disabled:
        parts.append("disabled (follow it again to switch it back on)")
    else:
        parts.append("next poll now" if feed.next_poll <= now else f"next poll {when(feed.next_poll, now)}")
    parts.append(f"last success {when(feed.last_success, now)}")
    parts.append(f"{feed.taken} article{'s' * (feed.taken != 1)} taken")
    if feed.filters.include:
        parts.append("only " + ", ".join(feed.filters.include))
    if feed.filters.exclude:
        parts.append("not " + ", ".join(feed.filters.exclude))
    if feed.last_error:
        parts.append(f"last error: {feed.last_error}")
    return parts


def status_line(feed: Feed, now: float) -> str:
    """One line: ``#3 Harbour Gazette <url>: every 15 min; next poll in 4 min; ...``."""
    return f"#{feed.id} {feed.title} <{feed.url}>: " + "; ".join(status_parts(feed, now))

