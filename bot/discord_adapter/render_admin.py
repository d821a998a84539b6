"""Pure rendering of the bot's own information (``/about``) and of ``/insights`` as embeds."""

from __future__ import annotations

import math
from dataclasses import dataclass

import discord

from bot.discord_adapter.render import ANSWER_COLOUR, FIELD_VALUE_LIMIT, check_embed, clip, escape, safe_url
from bot.insights import Insights, plural


@dataclass(frozen=True, slots=True)
class AboutInfo:
    """What ``/about`` shows."""

    version: str
    articles: int
    servers: int
    uptime_s: float
    latency_s: float | None
    invite_url: str | None = None
    support_url: str | None = None
    shard: int | None = None  # the shard that carries this server (None in a DM)
    shard_count: int | None = None
    process_shards: str | None = None  # the shards this process runs, e.g. "0,1"


def duration(seconds: float) -> str:
    """``3 d 4 h``, ``2 h 5 min``, ``4 min``, ``12 s``: the two largest units."""
    total = max(0, int(seconds))
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def render_about(info: AboutInfo) -> discord.Embed:
    """The bot's version, corpus size, servers, uptime and gateway latency, and its links."""
    embed = discord.Embed(
        title=f"newsbot {info.version}",
        description="I answer questions with sentences quoted word for word from news articles, each cited.",
        colour=ANSWER_COLOUR,
    )
    embed.add_field(name="Articles", value=plural(info.articles, "article"))
    embed.add_field(name="Servers", value=f"{info.servers:,}")
    embed.add_field(name="Uptime", value=duration(info.uptime_s))
    known = info.latency_s is not None and math.isfinite(info.latency_s)
    latency = f"{info.latency_s * 1000:.0f} ms" if known and info.latency_s is not None else "unknown"
    embed.add_field(name="Latency", value=latency)
    if info.shard_count is not None and info.shard_count > 1:  # a bot of one shard has nothing to say
        here = f"{info.shard} of {info.shard_count}" if info.shard is not None else f"{info.shard_count} in all"
        embed.add_field(name="Shard", value=f"{here} (this process: {info.process_shards or 'all'})")
    links = [
        f"[{name}]({url})"
        for name, url in (("Invite me", safe_url(info.invite_url)), ("Support", safe_url(info.support_url)))
        if url
    ]
    if links:
        embed.add_field(name="Links", value=" \u00b7 ".join(links), inline=False)
    check_embed(embed)
    return embed


def render_insights_embed(insights: Insights, *, days: int) -> discord.Embed:
    """``/insights``: totals and the last days, then the most asked questions and the coverage gaps."""
    total = insights.total
    embed = discord.Embed(title=f"Insights: the last {plural(days, 'day')}", colour=ANSWER_COLOUR)
    if not insights.days:
        embed.description = "Nothing asked yet."
        check_embed(embed)
        return embed
    embed.description = (
        f"{plural(total.asked, 'question')}: {total.answered:,} answered, {total.abstained:,} not in the articles. "
        f"Votes: {total.helpful:,} helpful, {total.not_helpful:,} not helpful."
    )
    rows = [
        f"`{d.day}` {d.asked} asked \u00b7 {d.answered} answered \u00b7 {d.abstained} not \u00b7 "
        f"\N{THUMBS UP SIGN} {d.helpful} \N{THUMBS DOWN SIGN} {d.not_helpful}"
        for d in reversed(insights.days[-10:])
    ]
    embed.add_field(name="Per day (latest first)", value=_lines(rows), inline=False)
    if insights.most_asked:
        asked = [f"{a.count}\u00d7 {escape(a.question)}" for a in insights.most_asked]
        embed.add_field(name="Most asked", value=_lines(asked), inline=False)
    if insights.gaps:
        gaps = [
            f"**{escape(', '.join(g.words))}** ({plural(g.count, 'question')}): "
            + "; ".join(escape(q) for q in g.questions)
            for g in insights.gaps
        ]
        embed.add_field(name="Coverage gaps (unanswered)", value=_lines(gaps), inline=False)
    check_embed(embed)
    return embed


def _lines(lines: list[str]) -> str:
    kept: list[str] = []
    for line in lines:
        line = clip(line, 300)
        if len("\n".join([*kept, line])) > FIELD_VALUE_LIMIT:
            break
        kept.append(line)
    return "\n".join(kept) or "\u2014"
