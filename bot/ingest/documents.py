"""Article -> Document: normalise, repair glued sentences, split, de-duplicate, keep positions."""

from __future__ import annotations

import re

from bot.ingest.sentences import split_spans
from bot.ingest.text import normalise, repair_glued
from bot.models import Article, Document, Sentence


def ingest(article: Article) -> Document:
    """Turn a raw article into a document of unique sentences.

    The text is Unicode-normalised and glued sentences are repaired; each sentence keeps its
    paragraph number and character offsets into the normalised text. A sentence that repeats an
    earlier one exactly (ignoring case and spacing) is dropped, so a paragraph printed twice is
    indexed and quoted once; positions number the sentences that remain.
    """
    text, spans = sentence_spans(article.text)
    article_id = article.meta.id
    sentences = tuple(
        Sentence(
            article_id=article_id,
            position=position,
            paragraph=paragraph,
            start=start,
            end=end,
            text=text[start:end],
        )
        for position, (start, end, paragraph) in enumerate(spans, start=1)
    )
    return Document(meta=article.meta, text=text, sentences=sentences)


# A wire dateline opening the text: an optional place, the source in brackets, then a dash or
# the story glued on ("LONDON, England (CNN) -- The...", "(EW.com) -- ...", "(CNN)The...").
_DATELINE = re.compile(
    r"(?:[A-Z][\w.'\u2019-]*(?:,?[ ][A-Z][\w.'\u2019-]*){0,5},?[ ])?"
    r"\([A-Z][\w.&'\u2019 -]{0,30}\)(?:[ ]*(?:--|\u2014|\u2013|-)[ ]*)?(?=[A-Z0-9\"\u201c])"
)


def dateline_end(sentence: str) -> int:
    """Length of the wire dateline that opens ``sentence`` (0 when there is none or nothing follows it)."""
    match = _DATELINE.match(sentence)
    if match is None or len(sentence[match.end() :].split()) < 3:
        return 0
    return match.end()


def sentence_spans(raw_text: str) -> tuple[str, list[tuple[int, int, int]]]:
    """The normalised text and its unique sentences as ``(start, end, paragraph)``, in order.

    The same rules as ``ingest`` without building ``Sentence`` values, for bulk indexing. The
    first sentence starts after a wire dateline ("WASHINGTON (AP) -- "), which is boilerplate.
    """
    text = repair_glued(normalise(raw_text))
    spans: list[tuple[int, int, int]] = []
    seen: set[str] = set()
    paragraph = 1
    last_end = 0
    for start, end in split_spans(text):
        paragraph += text.count("\n\n", last_end, start)
        last_end = start
        if not spans:
            start += dateline_end(text[start:end])
        key = " ".join(text[start:end].split()).casefold()
        if key in seen:
            continue
        seen.add(key)
        spans.append((start, end, paragraph))
    return text, spans
