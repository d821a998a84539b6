"""Pure rendering: core values -> Discord embeds and texts, escaped and within Discord's limits.

Nothing here talks to Discord; every function can be called from a test with plain values.
Text quoted from articles is escaped (markdown and mentions) so that ``**bold**`` or ``@everyone``
in a corpus sentence shows literally; messages are also sent with ``AllowedMentions.none()``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import discord

from bot.models import Answer, ArticleMeta, Citation, Excerpt, Sentence, Summary, TopicSummary

# Discord's documented limits (resources/message, interactions/receiving-and-responding).
CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_COUNT_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
CHOICE_COUNT_LIMIT = 25
CHOICE_TEXT_LIMIT = 100

ELLIPSIS = "\u2026"
DATES_LIMIT = 160  # the relative dates shown beside one citation, in characters
_UNESCAPED_BRACKET = re.compile(r"(?<!\\)([\[\]])")  # brackets would end a masked link's label
ANSWER_COLOUR = discord.Colour.blurple()
ABSTAIN_COLOUR = discord.Colour.light_grey()
NOT_FOUND_TITLE = "Not in the articles I have"


def escape(text: str) -> str:
    """Quote ``text`` literally: neutralise mentions, then markdown."""
    return discord.utils.escape_markdown(discord.utils.escape_mentions(text))


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in an ellipsis when cut."""
    if len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    return text[: limit - 1].rstrip() + ELLIPSIS


def quote_text(text: str, limit: int) -> str:
    """``text`` escaped, cut (before escaping, so no escape is split) to fit ``limit``."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    keep = min(len(text), limit)
    while keep > 0:
        candidate = escape(text[:keep].rstrip()) + ELLIPSIS
        if len(candidate) <= limit:
            return candidate
        keep -= max(1, len(candidate) - limit)
    return ELLIPSIS if limit >= 1 else ""


def safe_url(url: str | None) -> str | None:
    """An http(s) url usable inside a markdown link, or None."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return quote(url.strip(), safe=":/?#[]@!$&'*+,;=%~-._")


def link(title: str, url: str | None, limit: int) -> str:
    """``[title](url)`` with the title escaped, or the escaped title alone; at most ``limit`` chars."""
    target = safe_url(url)
    if target is None or len(target) + 4 >= limit:
        return quote_text(title, limit)
    label = _UNESCAPED_BRACKET.sub(r"\\\1", quote_text(title, limit - len(target) - 4))
    if len(label) + len(target) + 4 > limit:  # bracket escapes may have grown it
        label = quote_text(clip(title, max(1, (limit - len(target) - 4) // 2)), limit)
    return f"[{label}]({target})"


def embed_length(embed: discord.Embed) -> int:
    """Characters Discord counts toward the 6,000 total of one embed."""
    return len(embed)


def check_embed(embed: discord.Embed) -> None:
    """Raise ``ValueError`` if ``embed`` breaks one of Discord's limits (a guard for renderers)."""
    problems = []
    if embed.title and len(embed.title) > TITLE_LIMIT:
        problems.append("title")
    if embed.description and len(embed.description) > DESCRIPTION_LIMIT:
        problems.append("description")
    if len(embed.fields) > FIELD_COUNT_LIMIT:
        problems.append("field count")
    for field in embed.fields:
        if len(field.name or "") > FIELD_NAME_LIMIT or len(field.value or "") > FIELD_VALUE_LIMIT:
            problems.append("field")
    if embed.footer.text and len(embed.footer.text) > FOOTER_LIMIT:
        problems.append("footer")
    if len(embed) > EMBED_TOTAL_LIMIT:
        problems.append("total")
    if problems:
        raise ValueError(f"embed over Discord limits: {', '.join(problems)}")


@dataclass(frozen=True, slots=True)
class Page:
    """Which slice of a list is shown."""

    index: int
    size: int
    total: int

    @property
    def count(self) -> int:
        """How many pages there are (at least one)."""
        return max(1, math.ceil(self.total / self.size))

    @property
    def start(self) -> int:
        """Index of the first item on this page."""
        return self.index * self.size

    @property
    def has_next(self) -> bool:
        """Whether a later page exists."""
        return self.index + 1 < self.count

    @property
    def has_previous(self) -> bool:
        """Whether an earlier page exists."""
        return self.index > 0

    def label(self) -> str:
        """``page 2/3``."""
        return f"page {self.index + 1}/{self.count}"


def citation_line(excerpt: Excerpt, limit: int) -> str:
    """``— [Title](url) · 19 May 2025 · sentence 4 of 20`` within ``limit`` characters (``— JD
    Vance, in [Title](url) · ...`` for a statement), then the days its relative dates mean
    (``· Sunday → 18 May 2025``), then ``· also in 2 articles`` when other articles print the same
    sentence; the dates are left out when they would crowd out the citation."""
    more = ""
    if excerpt.also:
        count = len(excerpt.also)
        more = f" \u00b7 also in {count} article{'s' * (count != 1)}"
    if excerpt.dates:
        dates = " \u00b7 " + escape(clip("; ".join(str(d) for d in excerpt.dates), DATES_LIMIT))
        if len(dates) + len(more) <= limit // 2:
            more = dates + more
    if not more:
        return cite_line(excerpt.citation, limit, speaker=excerpt.speaker)
    return cite_line(excerpt.citation, max(limit - len(more), 20), speaker=excerpt.speaker) + more


def cite_line(cite: Citation, limit: int, *, speaker: str | None = None) -> str:
    """``— [Title](url) · 19 May 2025 · sentence 4 of 20`` within ``limit`` characters (``— Name,
    in [Title](url) · ...`` with a speaker)."""
    tail = f"sentence {cite.position} of {cite.sentence_count}"
    if cite.published:
        tail = f"{escape(str(cite.published))} \u00b7 {tail}"
    head = "\u2014 " + (f"{escape(clip(speaker, 80))}, in " if speaker else "")
    room = limit - len(head) - len(tail) - 3
    return f"{head}{link(cite.title, cite.url, max(room, 8))} \u00b7 {tail}"[:limit]


def excerpt_block(number: int, excerpt: Excerpt, limit: int) -> str:
    """One numbered excerpt, matched sentence in bold, with its citation; at most ``limit`` chars.

    When space is short the context sentences go first, then the matched sentence is cut.
    """
    cite = citation_line(excerpt, min(limit // 2, 600))
    prefix = f"**[{number}]** "
    room = limit - len(prefix) - len(cite) - 1
    before = " ".join(excerpt.before)
    after = " ".join(excerpt.after)
    sentence = escape(excerpt.sentence)
    full = " ".join(part for part in (escape(before), f"**{sentence}**", escape(after)) if part)
    if len(full) <= room:
        body = full
    elif excerpt.speaker and not before and len(f"**{sentence}**") < room - 8:
        # A statement is shown from its start, cut at the end with an ellipsis.
        body = f"**{sentence}** {quote_text(after, room - len(sentence) - 5)}"
    else:
        marked = f"**{quote_text(excerpt.sentence, max(room - 4, 1))}**"
        lead = ELLIPSIS + " " if before else ""
        trail = " " + ELLIPSIS if after else ""
        body = f"{lead}{marked}{trail}" if len(lead) + len(marked) + len(trail) <= room else marked
    return f"{prefix}{body}\n{cite}"


def render_answer(answer: Answer, *, page: int = 0, per_page: int = 3, note: str | None = None) -> discord.Embed:
    """The embed for one page of an answer (or the abstention).

    ``note`` (already escaped, at most a few hundred characters) is a line shown above the
    excerpts, such as whom a "what did X say?" answer is for when the name means several people.
    """
    title = quote_text(answer.question, TITLE_LIMIT)
    searched = f"{answer.period.searched} \u00b7 " if answer.period is not None else ""
    understood = f"(understood as: {answer.understood})" if answer.understood else None
    leads = [quote_text(understood, 400)] if understood else []
    if note:
        leads.append(clip(note, 1000))
    lead = "\n".join(leads) + "\n\n" if leads else ""
    if answer.abstained or not answer.excerpts:
        reason = answer.reason or "Nothing in the corpus answers this closely enough."
        description = f"{lead}{quote_text(reason, 1500)}\n\nTry other words, or see what I have with `/articles`."
        if answer.period is not None:
            description = f"{answer.period.searched}.\n\n{description}"
        embed = discord.Embed(title=NOT_FOUND_TITLE, description=description, colour=ABSTAIN_COLOUR)
        embed.set_footer(text=clip(f"Question: {answer.question}", 300))
        check_embed(embed)
        return embed
    view = Page(index=page, size=per_page, total=len(answer.excerpts))
    shown = answer.excerpts[view.start : view.start + per_page]
    footer = f"{searched}Verbatim sentences from the articles \u00b7 {view.label()}"
    budget = min(DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - len(title) - len(footer)) - len(lead) - 2 * len(shown)
    each = budget // max(1, len(shown))
    blocks = [excerpt_block(view.start + i + 1, ex, each) for i, ex in enumerate(shown)]
    embed = discord.Embed(title=title, description=lead + "\n\n".join(blocks), colour=ANSWER_COLOUR)
    embed.set_footer(text=footer)
    check_embed(embed)
    return embed


def render_summary(summary: Summary) -> discord.Embed:
    """The embed for an extractive summary: sentences in article order, each with its position."""
    meta = summary.article
    title = quote_text(meta.title, TITLE_LIMIT)
    footer_bits = [f"{len(summary.sentences)} of {summary.sentence_count} sentences, verbatim"]
    if meta.published:
        footer_bits.insert(0, str(meta.published))
    if meta.source:
        footer_bits.insert(0, clip(meta.source, 80))
    footer = " \u00b7 ".join(footer_bits)
    count = max(1, len(summary.sentences))
    budget = min(DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - len(title) - len(footer)) - 2 * count
    each = budget // count
    lines = []
    for item in summary.sentences:
        tag = f" `[{item.position}]`"
        lines.append(quote_text(item.text, each - len(tag)) + tag)
    description = "\n\n".join(lines) if lines else "This article has no sentences to summarise."
    embed = discord.Embed(title=title, description=description, colour=ANSWER_COLOUR, url=safe_url(meta.url))
    embed.set_footer(text=footer)
    check_embed(embed)
    return embed


def render_topic(topic: TopicSummary) -> discord.Embed:
    """The embed for a topic summary: numbered verbatim sentences, each with its citation."""
    title = quote_text(f"About: {topic.about}", TITLE_LIMIT)
    if not topic.sentences:
        reason = topic.reason or "Nothing in the articles is about this topic."
        embed = discord.Embed(title=NOT_FOUND_TITLE, description=quote_text(reason, 1500), colour=ABSTAIN_COLOUR)
        embed.set_footer(text=clip(f"Topic: {topic.about}", 300))
        check_embed(embed)
        return embed
    count = len(topic.articles)
    footer = f"Verbatim sentences from {count} article{'s' * (count != 1)}"
    n = len(topic.sentences)
    budget = min(DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - len(title) - len(footer)) - 2 * n
    each = budget // n
    blocks = []
    for number, item in enumerate(topic.sentences, start=1):
        prefix = f"**{number}.** "
        cite = cite_line(item.citation, min(300, each // 2))
        blocks.append(f"{prefix}{quote_text(item.text, max(each - len(prefix) - len(cite) - 1, 1))}\n{cite}")
    embed = discord.Embed(title=title, description="\n\n".join(blocks), colour=ANSWER_COLOUR)
    embed.set_footer(text=footer)
    check_embed(embed)
    return embed


def render_sources(excerpts: Sequence[Excerpt], *, first_number: int = 1) -> discord.Embed:
    """Every article that prints each shown excerpt's sentence: its own citation, then the others."""
    count = max(1, len(excerpts))
    budget = min(DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - 200) - 2 * count
    each = budget // count
    blocks = []
    for number, excerpt in enumerate(excerpts, start=first_number):
        cites = (excerpt.citation, *excerpt.also)
        head = f"**[{number}]** {quote_text(excerpt.sentence, min(200, each // 3))}"
        per = max(40, (each - len(head)) // len(cites) - 1)
        lines = [cite_line(c, per) for c in cites]
        while lines and len(head) + sum(len(line) + 1 for line in lines) > each:
            lines.pop()  # too many reprints for the space: the first ones are listed
        blocks.append("\n".join([head, *lines]))
    embed = discord.Embed(title="Sources", description="\n\n".join(blocks) or "No sources.", colour=ANSWER_COLOUR)
    check_embed(embed)
    return embed


def render_context(excerpts: Sequence[tuple[Excerpt, Sequence[Sentence]]]) -> discord.Embed:
    """Surrounding sentences of each shown excerpt, the matched sentence in bold."""
    count = max(1, len(excerpts))
    title = "Context"
    budget = min(DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - 200) - 2 * count
    each = budget // count
    blocks = []
    for excerpt, sentences in excerpts:
        cite = excerpt.citation
        head = link(cite.title, cite.url, min(300, each // 3))
        if sentences:
            span = f"sentences {sentences[0].position}\u2013{sentences[-1].position} of {cite.sentence_count}"
        else:
            span = f"sentence {cite.position} of {cite.sentence_count}"
        header = f"{head} \u00b7 {span}\n"
        room = each - len(header)
        texts = [(s.text, s.position == cite.position) for s in sentences] or [(excerpt.sentence, True)]
        per = max(20, room // len(texts) - 5)
        parts = [f"**{quote_text(t, per - 4)}**" if hit else quote_text(t, per) for t, hit in texts]
        body = " ".join(parts)
        blocks.append(header + clip(body, room) if len(body) > room else header + body)
    embed = discord.Embed(title=title, description="\n\n".join(blocks) or "No context.", colour=ANSWER_COLOUR)
    check_embed(embed)
    return embed


def render_articles(
    articles: Sequence[ArticleMeta],
    *,
    page: int = 0,
    per_page: int = 10,
    heading: str = "Articles",
    empty: str = "The corpus is empty.",
) -> discord.Embed:
    """One page of the corpus listing (or of a server's own additions, with another heading)."""
    view = Page(index=page, size=per_page, total=len(articles))
    shown = articles[view.start : view.start + per_page]
    each = (DESCRIPTION_LIMIT - 2 * per_page) // max(1, per_page)
    lines = []
    for number, meta in enumerate(shown, start=view.start + 1):
        date = f" \u00b7 {escape(str(meta.published))}" if meta.published else ""
        prefix = f"{number}. "
        lines.append(prefix + link(meta.title, meta.url, each - len(prefix) - len(date)) + date)
    description = "\n".join(lines) if lines else empty
    title = clip(f"{heading} ({len(articles)})", TITLE_LIMIT)
    embed = discord.Embed(title=title, description=description, colour=ANSWER_COLOUR)
    embed.set_footer(text=f"{view.label()} \u00b7 /summary gives a short summary of one")
    check_embed(embed)
    return embed


HELP_TEXT: tuple[tuple[str, str], ...] = (
    ("/ask question [results] [private]", "Answers with sentences quoted verbatim from the articles, each cited."),
    ("/quotes speaker [topic] [results]", "What one person said (about a topic), quoted; start typing a name."),
    ("/summary article [sentences] [private]", "A short extractive summary of one article (start typing its title)."),
    ("/topic topic [sentences] [private]", "What the articles say about a topic, in their own sentences, each cited."),
    ("/about", "This bot: version, articles, servers, uptime, latency and links."),
    ("/articles", "Lists the articles I can quote from."),
    ("@mention me", "Mention me with a question in any channel, or write to me in a DM; I answer as a reply."),
    ("/config ask-channel", "Admins (Manage Server): every message in an ask-channel is taken as a question."),
    ("/corpus add | remove | list", "Admins (Manage Server): add this server's own articles (a file or a URL)."),
    ("/insights [days]", "Admins (Manage Server): questions asked, answered and unanswered, votes, coverage gaps."),
    ("/feeds add | list | remove", "Admins (Manage Server): follow news feeds; new items become articles."),
    ("/help", "This message."),
)


def render_help(*, message_content_intent: bool) -> discord.Embed:
    """What the bot can do."""
    embed = discord.Embed(
        title="What I can do",
        description=(
            "I answer only with sentences copied word for word from my news articles, and I say so "
            "when the articles do not cover a question."
        ),
        colour=ANSWER_COLOUR,
    )
    for name, value in HELP_TEXT:
        embed.add_field(name=name, value=value, inline=False)
    if not message_content_intent:
        embed.set_footer(text=clip(INTENT_HINT, FOOTER_LIMIT))
    check_embed(embed)
    return embed


INTENT_HINT = (
    "I cannot read ordinary messages: the Message Content intent is off. Mention me or use /ask; "
    "to use ask-channels, enable Message Content in the Developer Portal (Bot > Privileged "
    "Gateway Intents) and set DISCORD_MESSAGE_CONTENT=true."
)


def autocomplete_choices(articles: Sequence[ArticleMeta]) -> list[discord.app_commands.Choice[str]]:
    """At most 25 choices, names and values of 1-100 characters (value: the id, else a title prefix)."""
    choices: list[discord.app_commands.Choice[str]] = []
    for meta in articles:
        name = clip(" ".join(meta.title.split()) or meta.id, CHOICE_TEXT_LIMIT)
        value = meta.id if 0 < len(meta.id) <= CHOICE_TEXT_LIMIT else meta.title[:CHOICE_TEXT_LIMIT]
        if name and value:
            choices.append(discord.app_commands.Choice(name=name, value=value))
        if len(choices) == CHOICE_COUNT_LIMIT:
            break
    return choices


def error_text(text: str) -> str:
    """A short user-facing error line, escaped and within the content limit."""
    return quote_text(" ".join(text.split()), 300)


def code(text: str) -> str:
    """``text`` safe inside an inline code span (which shows everything literally but backticks)."""
    return clip(text.replace("`", "'"), 120)


def added_text(meta: ArticleMeta) -> str:
    """The confirmation after ``/corpus add``."""
    title = link(meta.title, meta.url, 400)
    return clip(f"Added {title} (`{code(meta.id)}`) to this server's articles; I can quote it right away.", 1000)


def removed_text(meta: ArticleMeta) -> str:
    """The confirmation after ``/corpus remove``."""
    return clip(f"Removed {quote_text(meta.title, 400)} (`{code(meta.id)}`) from this server's articles.", 1000)
