"""Pure rendering of feeds: announcement embeds, the ``/feeds list`` embed, confirmations.

Built on ``render``'s helpers: every text from a feed is escaped (markdown and mentions) and cut
to Discord's limits; messages are also sent with mentions disabled.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.discord_adapter.render import (
    ANSWER_COLOUR,
    CHOICE_COUNT_LIMIT,
    CHOICE_TEXT_LIMIT,
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELD_COUNT_LIMIT,
    FIELD_NAME_LIMIT,
    FIELD_VALUE_LIMIT,
    FOOTER_LIMIT,
    TITLE_LIMIT,
    check_embed,
    clip,
    link,
    quote_text,
    safe_url,
)
from bot.feeds.models import Announcement, Feed
from bot.feeds.status import status_parts

SUMMARY_LIMIT = 1000  # characters of an announcement's summary: a preview, not the article
FEED_COLOUR = discord.Colour.teal()
EMBEDS_PER_MESSAGE = 10


def render_announcement(item: Announcement, *, feed_title: str) -> discord.Embed:
    """A new article from a feed: title linking the article, its first sentences, source and date."""
    meta = item.meta
    summary = " ".join(item.sentences)
    embed = discord.Embed(
        title=clip(" ".join(meta.title.split()), TITLE_LIMIT),
        url=safe_url(meta.url),
        description=quote_text(summary, SUMMARY_LIMIT) if summary else None,
        colour=FEED_COLOUR,
    )
    footer = " · ".join(p for p in (" ".join(feed_title.split()), str(meta.published) if meta.published else "") if p)
    embed.set_footer(text=clip(footer, FOOTER_LIMIT))
    check_embed(embed)
    return embed


def announcement_messages(
    items: Sequence[Announcement], *, more: int, feed_title: str
) -> list[tuple[str | None, list[discord.Embed]]]:
    """(content, embeds) of the messages that post ``items``: at most 10 embeds a message, and an
    "and N more" line when ``more`` new articles are not shown."""
    embeds = [render_announcement(item, feed_title=feed_title) for item in items]
    messages: list[tuple[str | None, list[discord.Embed]]] = [
        (None, embeds[i : i + EMBEDS_PER_MESSAGE]) for i in range(0, len(embeds), EMBEDS_PER_MESSAGE)
    ]
    if more > 0:
        line = clip(f"… and {more} more new article{'s' * (more != 1)} from {quote_text(feed_title, 300)}.", 500)
        if messages:
            messages[-1] = (line, messages[-1][1])
        else:
            messages.append((line, []))
    return messages


def disabled_text(feed: Feed) -> str:
    """The one notice that a feed was switched off, and why."""
    reason = quote_text(" ".join((feed.last_error or "it kept failing").split()), 300)
    return clip(
        f"I stopped following {quote_text(feed.title, 200)} after {feed.failures} failed polls in a row "
        f"(last: {reason}). Use /feeds add with its URL to follow it again.",
        1000,
    )


def render_feeds(feeds: Sequence[Feed], *, now: float) -> discord.Embed:
    """``/feeds list``: each feed with its state (next poll, last success, articles taken, last error)."""
    embed = discord.Embed(title=clip(f"Feeds followed here ({len(feeds)})", TITLE_LIMIT), colour=ANSWER_COLOUR)
    if not feeds:
        embed.description = "No feeds followed yet: use /feeds add with a feed's or a news site's URL."
    shown = feeds[:FIELD_COUNT_LIMIT]
    each = min(FIELD_VALUE_LIMIT + 100, (EMBED_TOTAL_LIMIT - 300) // max(1, len(shown)))  # name and value of one
    for feed in shown:
        name = clip(f"#{feed.id} {' '.join(feed.title.split())}", min(FIELD_NAME_LIMIT, 80))
        room = min(FIELD_VALUE_LIMIT, each - len(name))
        channel = f" → <#{feed.channel_id}>" if feed.channel_id else ""
        head = link(feed.url, feed.url, room // 2) + channel
        value = head + "\n" + quote_text("; ".join(status_parts(feed, now)), room - len(head) - 1)
        embed.add_field(name=name, value=value, inline=False)
    if len(feeds) > len(shown):
        embed.description = clip(f"Showing the first {len(shown)}.", DESCRIPTION_LIMIT)
    check_embed(embed)
    return embed


def followed_text(feed: Feed, *, again: bool) -> str:
    """The confirmation after ``/feeds add``."""
    where = f" New articles will be posted in <#{feed.channel_id}>." if feed.channel_id else ""
    verb = "Following again" if again else "Following"
    return clip(
        f"{verb} {link(feed.title, feed.url, 300)} (#{feed.id}), every {feed.interval_s // 60} minutes. "
        f"Its current items become searchable after the first poll, without being posted.{where}",
        1000,
    )


def unfollowed_text(feed: Feed) -> str:
    """The confirmation after ``/feeds remove``."""
    return clip(f"No longer following {quote_text(feed.title, 300)} (#{feed.id}); its articles stay.", 1000)


def feed_choices(feeds: Sequence[Feed], current: str) -> list[discord.app_commands.Choice[str]]:
    """Autocomplete for ``/feeds remove``: feeds whose number, title or URL holds what was typed."""
    needle = " ".join(current.split()).casefold().lstrip("#")
    choices = []
    for feed in feeds:
        label = f"#{feed.id} {' '.join(feed.title.split())}"
        if needle in label.casefold() or needle in feed.url.casefold():
            choices.append(discord.app_commands.Choice(name=clip(label, CHOICE_TEXT_LIMIT), value=str(feed.id)))
        if len(choices) == CHOICE_COUNT_LIMIT:
            break
    return choices
