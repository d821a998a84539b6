"""Article -> Document: normalise, repair glued sentences, split, de-duplicate, keep positions."""

from __future__ import annotations

import re

from bot.ingest.sentences import split_spans
from bot.ingest.text import normalise, repair_glued
from bot.models import Article, Document, Sentence

_SPACE_RE = re.compile(r"\s+")


def ingest(article: Article) -> Document:
    """Turn a raw article into a document of unique sentences.

    The text is Unicode-normalised and glued sentences are repaired; each sentence keeps its
    paragraph number and character offsets into the normalised text. A sentence that repeats an
    earlier one exactly (ignoring case and spacing) is dropped, so a paragraph printed twice is
    indexed and quoted once; positions number the sentences that remain.
    """
    text = repair_glued(normalise(article.text))
    sentences: list[Sentence] = []
    seen: set[str] = set()
    paragraph = 1
    last_end = 0
    for start, end in split_spans(text):
        paragraph += text.count("\n\n", last_end, start)
        last_end = start
        sentence = text[start:end]
        key = _SPACE_RE.sub(" ", sentence).casefold()
        if key in seen:
            continue
        seen.add(key)
        sentences.append(
            Sentence(
                article_id=article.meta.id,
                position=len(sentences) + 1,
                paragraph=paragraph,
                start=start,
                end=end,
                text=sentence,
            )
        )
    return Document(meta=article.meta, text=text, sentences=tuple(sentences))
