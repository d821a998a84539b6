"""Plain-text rendering of answers and summaries for the terminal (pure functions)."""

from __future__ import annotations

import datetime as dt
import textwrap

from bot.models import Answer, ArticleMeta, Citation, Excerpt, Period, Published, Summary, TopicSummary

NOT_FOUND = "Not in the articles I have"


def iso(published: Published | None) -> str | None:
    """A date as JSON gives it: ISO 8601, or ``None``."""
    return published.iso() if published is not None else None


def cite(c: Citation, speaker: str | None = None) -> str:
    """``Title (19 May 2025), sentence 5 of 30, paragraph 2 <url>``; with a speaker,
    ``JD Vance, in "Title" (19 May 2025), sentence 5 of 30, ...``."""
    parts = [f'{speaker}, in "{c.title}"' if speaker else c.title]
    if c.published:
        parts[0] += f" ({c.published})"
    parts.append(f"sentence {c.position} of {c.sentence_count}, paragraph {c.paragraph}")
    text = ", ".join(parts)
    return f"{text} <{c.url}>" if c.url else text


def speakers_line(answer: Answer) -> str | None:
    """"Quotes of Boris Johnson (412 statements); also: Manuel Johnson (3)" when a name fits
    several people, ``None`` otherwise."""
    if len(answer.speakers) < 2:
        return None
    first, *others = answer.speakers
    also = ", ".join(f"{s.name} ({s.statements})" for s in others[:5])
    more = f" and {len(others) - 5} more" if len(others) > 5 else ""
    return f"Quotes of {first.name} ({first.statements} statements); the name also fits: {also}{more}"


def excerpt_text(e: Excerpt, *, mark: tuple[str, str] = ("", "")) -> str:
    """The excerpt with the matched sentence wrapped in ``mark`` (e.g. ANSI bold)."""
    return " ".join((*e.before, f"{mark[0]}{e.sentence}{mark[1]}", *e.after))


def also_text(e: Excerpt) -> str:
    """``also in 2 articles`` (empty when the sentence is in no other article)."""
    count = len(e.also)
    return f"also in {count} article{'s' * (count != 1)}" if count else ""


def dates_text(e: Excerpt) -> str:
    """``Sunday → 18 May 2025; last week → 12–18 May 2025``: the excerpt's relative dates (or empty)."""
    return "; ".join(str(d) for d in e.dates)


def render_answer(answer: Answer, *, width: int = 100, mark: tuple[str, str] = ("", "")) -> str:
    """Numbered excerpts, each followed by its citation (with the days its relative dates mean, and
    the other articles printing the same sentence); or the abstention message. A searched period comes first."""
    head = f"{answer.period.searched}.\n\n" if answer.period is not None else ""
    understood = f"(understood as: {answer.understood})" if answer.understood else None
    if understood:
        head = f"{understood}\n{head}"
    if answer.abstained or not answer.excerpts:
        reason = f" ({answer.reason})" if answer.reason else ""
        return f"{head}{NOT_FOUND}: no sentence answers this question{reason}."
    blocks = []
    who = speakers_line(answer)
    if who:
        blocks.append(who)
    for number, e in enumerate(answer.excerpts, start=1):
        body = textwrap.fill(
            excerpt_text(e, mark=mark), width=width, initial_indent=f"[{number}] ", subsequent_indent="    "
        )
        block = f"{body}\n    -- {cite(e.citation, e.speaker)}"
        if e.dates:
            block += f" \u00b7 {dates_text(e)}"
        if e.also:
            block += f"\n    -- {also_text(e)}: " + "; ".join(cite(c) for c in e.also)
        blocks.append(block)
    return head + "\n\n".join(blocks)


def render_summary(summary: Summary, *, width: int = 100) -> str:
    """Title line, then each summary sentence with its position."""
    meta = summary.article
    head = meta.title + (f" ({meta.published})" if meta.published else "")
    if meta.url:
        head += f" <{meta.url}>"
    lines = [head]
    for s in summary.sentences:
        lines.append(
            textwrap.fill(
                s.text,
                width=width,
                initial_indent=f"[{s.position}/{summary.sentence_count}] ",
                subsequent_indent="    ",
            )
        )
    return "\n".join(lines)


def render_articles(articles: tuple[ArticleMeta, ...] | list[ArticleMeta]) -> str:
    """One line per article: id, title, date."""
    return "\n".join(f"{m.id}\t{m.title}" + (f"\t{m.published}" if m.published else "") for m in articles)


def citation_json(c: Citation) -> dict[str, object]:
    """A citation in JSON (dates in ISO 8601)."""
    return {
        "article": c.article_id,
        "title": c.title,
        "url": c.url,
        "published": iso(c.published),
        "position": c.position,
        "paragraph": c.paragraph,
    }


def period_json(period: Period | None) -> dict[str, object] | None:
    """``{"start", "end", "label"}`` in ISO 8601; an open end is ``null``."""
    if period is None:
        return None
    return {
        "start": None if period.start == dt.date.min else period.start.isoformat(),
        "end": None if period.end == dt.date.max else period.end.isoformat(),
        "label": period.label,
    }


def answer_json(answer: Answer) -> dict[str, object]:
    """The stable JSON shape of ``python -m bot ask --json``."""
    return {
        "question": answer.question,
        "resolved_question": answer.understood or answer.question,
        "abstained": answer.abstained,
        "reason": answer.reason,
        "speaker": answer.speaker,
        "speakers": [{"name": s.name, "statements": s.statements} for s in answer.speakers],
        "period": period_json(answer.period),
        "answers": [
            {
                "text": e.text,
                "sentence": e.sentence,
                "article": e.citation.article_id,
                "title": e.citation.title,
                "url": e.citation.url,
                "published": iso(e.citation.published),
                "position": e.citation.position,
                "paragraph": e.citation.paragraph,
                "score": e.score,
                "speaker": e.speaker,
                "quote": e.quote,
                "also": [citation_json(c) for c in e.also],
                "dates": [
                    {"phrase": d.phrase, "start": d.start.isoformat(), "end": d.end.isoformat()} for d in e.dates
                ],
            }
            for e in answer.excerpts
        ],
    }


def summary_json(summary: Summary) -> dict[str, object]:
    """The stable JSON shape of ``python -m bot summary --json``."""
    return {
        "article": summary.article.id,
        "title": summary.article.title,
        "url": summary.article.url,
        "published": iso(summary.article.published),
        "sentences": [{"text": s.text, "position": s.position} for s in summary.sentences],
    }


def render_topic(topic: TopicSummary, *, width: int = 100) -> str:
    """Numbered sentences of a topic summary, each followed by its citation."""
    if not topic.sentences:
        return f"{NOT_FOUND}: {topic.reason or 'nothing about this topic'}."
    count, found = len(topic.articles), len(topic.sentences)
    blocks = [
        f"About {topic.about!r}: {found} sentence{'s' * (found != 1)} from {count} article{'s' * (count != 1)}"
    ]
    for number, s in enumerate(topic.sentences, start=1):
        body = textwrap.fill(s.text, width=width, initial_indent=f"[{number}] ", subsequent_indent="    ")
        blocks.append(f"{body}\n    -- {cite(s.citation)}")
    return "\n\n".join(blocks)


def topic_json(topic: TopicSummary) -> dict[str, object]:
    """The JSON shape of ``summary --about TOPIC --json``."""
    return {
        "about": topic.about,
        "reason": topic.reason,
        "articles": list(topic.articles),
        "sentences": [
            {
                "text": s.text,
                "article": s.citation.article_id,
                "title": s.citation.title,
                "url": s.citation.url,
                "published": iso(s.citation.published),
                "position": s.citation.position,
                "paragraph": s.citation.paragraph,
                "score": s.score,
            }
            for s in topic.sentences
        ],
    }
