"""Answers about an earlier answer: when, where or why it happened, and what follows it.

"When was that?" after "How many drones did Russia launch?" is asked of the article the answer
came from: its sentences that hold a time (a place, a reason), nearest the answer and sharing the
most words with the earlier question first. "more", once the ranking has nothing new, continues
the article after the last sentence shown.
"""

from __future__ import annotations

import re

from bot.models import Excerpt, Shape, Shown
from bot.retrieval.answer import context_rows, excerpt_at
from bot.retrieval.question import AnswerType
from bot.retrieval.store import CorpusIndex
from bot.retrieval.tokenize import Tokenizer

_PLACE = re.compile(
    r"\b(?:in|at|near|outside|inside|from|across|into|on)\s+(?:the\s+)?[A-Z][\w'’\-]+"
    r"|\b(?:on|in|at|to|during)\s+(?:a|an|the|his|her|their)?\s*(?:\w+\s+)?(?:post|statement|interview|press\s+conference"
    r"|speech|tweet|briefing|hearing|rally|podcast|programme|program|show|broadcast|letter|video|meeting|summit)\b"
    r"|\b(?:told|said\s+(?:on|to))\s+(?:the\s+)?[A-Z][\w'’\-]+",
)
_REASON = re.compile(
    r"\b(?:because|since|as\s+a\s+result|due\s+to|after|following|in\s+response|amid|so\s+that|in\s+order\s+to"
    r"|reasons?|aim(?:s|ed)?\s+(?:at|to)|intended|seeking|sought|to\s+(?:avoid|prevent|ensure|stop|end|protect"
    r"|secure|help|push|pressure)|over\s+(?:concerns?|fears?)|so\s+as\s+to|in\s+a\s+bid)\b",
    re.IGNORECASE,
)
_WORDS = {Shape.WHEN: "when", Shape.WHERE: "where", Shape.WHY: "why"}
_CONTINUED = 3  # sentences shown when "more" continues an article


def holds(shape: Shape, sentence: str) -> bool:
    """Whether ``sentence`` can answer a when (a time), where (a place) or why (a reason) follow-up."""
    if shape is Shape.WHEN:
        return AnswerType.TIME.matches(sentence, frozenset())
    if shape is Shape.WHERE:
        return _PLACE.search(sentence) is not None
    return _REASON.search(sentence) is not None


def near_excerpts(
    corpus: CorpusIndex,
    tokenizer: Tokenizer,
    anchor: int,
    shape: Shape,
    earlier: str,
    *,
    top: int,
) -> tuple[Excerpt, ...]:
    """Up to ``top`` sentences of the anchor's article (the row of the earlier answer's first
    excerpt) that answer a ``shape`` follow-up, best first: nearest the anchor and sharing the most
    words of ``earlier`` (the earlier question and answer)."""
    wanted = set(tokenizer(earlier))
    scored: list[tuple[float, int]] = []
    for row in corpus.article_rows(int(corpus.table.article[anchor])):
        text = corpus.table.text(row)
        if not holds(shape, text):
            continue
        overlap = len(set(tokenizer(text)) & wanted) / max(1, len(wanted))
        distance = min(abs(row - anchor), 8)
        scored.append((overlap - 0.12 * distance + (0.3 if row == anchor else 0.0), row))
    scored.sort(key=lambda sr: (-sr[0], sr[1]))
    out = []
    for score, row in scored[:top]:
        before, after = context_rows(corpus, row)
        out.append(excerpt_at(corpus, row, before, after, score))
    return tuple(out)


def missing_reason(corpus: CorpusIndex, anchor: int, shape: Shape) -> str:
    """Why a when/where/why follow-up has no answer: the article does not say (and its date)."""
    meta = corpus.articles[int(corpus.table.article[anchor])]
    said = f'"{meta.title}" does not say {_WORDS[shape]}'
    if shape is Shape.WHEN and meta.published is not None:
        return f"{said}; it was published on {meta.published.date.strftime('%-d %B %Y')}"
    return said


def continuation(corpus: CorpusIndex, last: int) -> tuple[Excerpt, ...]:
    """The sentences of the article after row ``last`` (the end of what was shown), as one excerpt."""
    rows = corpus.article_rows(int(corpus.table.article[last]))
    following = [r for r in range(last + 1, min(last + 1 + _CONTINUED, rows.stop))]
    if not following:
        return ()
    return (excerpt_at(corpus, following[0], [], following[1:], 0.0),)


def row_of(corpus: CorpusIndex, by_id: dict[str, int], shown: Shown, *, last: bool = False) -> int | None:
    """The row of a shown excerpt's matched sentence (its last sentence with ``last``), or ``None``
    when its article is no longer indexed."""
    article = by_id.get(shown.article)
    if article is None:
        return None
    rows = corpus.article_rows(article)
    row = rows.start + (shown.last if last else shown.position) - 1
    return row if rows.start <= row < rows.stop else None
