"""Question -> Answer: validate, retrieve sentences, re-rank, add context, cite, or abstain."""

from __future__ import annotations

import unicodedata

import numpy as np
from numpy.typing import NDArray

from bot.errors import InvalidQuestion
from bot.models import Answer, Citation, Excerpt
from bot.retrieval.dedup import sentence_key
from bot.retrieval.rank import AnswerParams, Ranker, Ranking
from bot.retrieval.recency import date_order
from bot.retrieval.store import CorpusIndex
from bot.retrieval.tokenize import Tokenizer

__all__ = ["AnswerParams", "Ranker", "answer", "citation", "clean_question", "context_rows"]

MAX_QUESTION_CHARS = 500

_ANAPHORIC_START = frozenset(
    ["he", "she", "they", "it", "his", "her", "their", "its", "this", "that", "these", "those", "but", "and", "however", "meanwhile", "also", "still", "yet", "nevertheless", "instead", "so", "then", "there", "such", "both", "the", "latter", "former", "him", "them"]  # noqa: E501
)
_DOUBLE_QUOTES = "\"“”"


def clean_question(question: str) -> str:
    """Normalise a question and check it; raises ``InvalidQuestion`` with a one-line reason."""
    text = unicodedata.normalize("NFKC", question)
    text = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in text)
    text = " ".join(text.split())
    if not text:
        raise InvalidQuestion("the question is empty: type a question, e.g. 'what did Vance say?'")
    if len(text) > MAX_QUESTION_CHARS:
        raise InvalidQuestion(
            f"the question is {len(text):,} characters long; the limit is {MAX_QUESTION_CHARS}"
        )
    return text


def answer(
    question: str,
    corpus: CorpusIndex,
    tokenizer: Tokenizer,
    *,
    top: int = 3,
    params: AnswerParams | None = None,
    ranker: Ranker | None = None,
    visible: NDArray[np.bool_] | None = None,
    days: NDArray[np.int32] | None = None,
    recent: bool = False,
) -> Answer:
    """Answer ``question`` from ``corpus`` with up to ``top`` excerpts, or abstain with a reason.

    The excerpts are the best sentences of ``Ranker.rank`` that pass the abstention rule. Pass the
    ``ranker`` of ``corpus`` when answering many questions (it caches what it derives from the
    corpus); its params then apply. ``visible`` (one flag per article) limits the answer to those
    articles. ``days`` (per article, ``date.toordinal()``, 0 when undated) puts newer articles first
    among near-equal scores, and first of all the good ones when ``recent`` (``recency.date_order``).
    A sentence shown once stands for every article that prints it (``Excerpt.also``).
    """
    ranker = ranker or Ranker(corpus, tokenizer, params)
    params = ranker.params
    text = clean_question(question)
    depth = min(params.candidates, max(params.candidates_min, params.depth_per_excerpt * top))
    if recent:
        depth = params.candidates  # newer articles may rank below the best few
    while True:
        ranking = ranker.rank(text, visible=visible, depth=depth)
        if len(ranking) == 0:
            return Answer(text, (), abstained=True, reason="none of the question's words occur in the articles")
        # Support: the question's idf mass found in the sentence and its neighbours (README "Answering").
        support, cosine = ranking.window, ranking.cosine
        if support[0] < params.min_coverage or cosine[0] < params.min_score:
            return Answer(
                text,
                (),
                abstained=True,
                reason=(
                    f"the closest passage matches only {support[0]:.0%} of the question "
                    f"(at least {params.min_coverage:.0%} is needed)"
                    if support[0] < params.min_coverage
                    else "the closest sentence is long and shares too little with the question "
                    f"(similarity {cosine[0]:.2f}, at least {params.min_score:.2f} is needed)"
                ),
            )
        eligible = (support >= params.min_coverage) & (cosine >= params.min_score)
        order = np.arange(len(ranking))
        if days is not None:
            row_days = days[corpus.table.article[ranking.rows]]
            order = date_order(ranking.final, row_days, eligible, recent=recent)
        excerpts = _excerpts(corpus, ranking, order, eligible, top)
        # Reprints of one statement may fill the ranking: when they took the places of excerpts
        # (more eligible sentences than excerpts, yet too few excerpts), look deeper once.
        skipped = int(eligible.sum()) > len(excerpts)
        if len(excerpts) >= top or not skipped or len(ranking) < depth or depth >= params.candidates:
            return Answer(text, excerpts, abstained=False)
        depth = params.candidates


def _excerpts(
    corpus: CorpusIndex, ranking: Ranking, order: NDArray[np.int64], eligible: NDArray[np.bool_], top: int
) -> tuple[Excerpt, ...]:
    """Up to ``top`` excerpts in ``order``: each sentence shown once, with the other articles that
    print it (or nearly: ``dedup.sentence_key``) in ``also``; no excerpt repeats a sentence that
    another shows, as its matched sentence or as context."""
    picked: list[tuple[int, float, list[int], list[int]]] = []  # row, score, before, after
    also: list[list[int]] = []
    owner: dict[str, int] = {}  # key of a shown matched sentence -> its excerpt
    shown: set[str] = set()  # keys of every sentence shown, context included
    shown_rows: set[int] = set()
    for i in order.tolist():
        row = int(ranking.rows[i])
        if row in shown_rows:
            continue
        text = corpus.table.text(row)
        key = sentence_key(text) or text
        if key in owner:  # the same statement in another article
            first = owner[key]
            articles = {int(corpus.table.article[r]) for r in (picked[first][0], *also[first])}
            if int(corpus.table.article[row]) not in articles:
                also[first].append(row)
            continue
        if len(picked) >= top or not eligible[i] or key in shown:
            continue
        before, after = context_rows(corpus, row)
        context = [sentence_key(corpus.table.text(r)) for r in (*before, *after)]
        if any(k in shown for k in context) or shown_rows.intersection((*before, *after)):
            continue  # its context would repeat what another excerpt shows
        owner[key] = len(picked)
        shown.update((key, *context))
        shown_rows.update((*before, row, *after))
        picked.append((row, float(ranking.final[i]), before, after))
        also.append([])
    return tuple(
        Excerpt(
            sentence=corpus.table.text(row),
            before=tuple(corpus.table.text(r) for r in before),
            after=tuple(corpus.table.text(r) for r in after),
            citation=citation(corpus, row),
            score=round(score, 4),
            also=tuple(citation(corpus, r) for r in more),
        )
        for (row, score, before, after), more in zip(picked, also, strict=True)
    )


def citation(corpus: CorpusIndex, row: int) -> Citation:
    """The citation of the sentence at ``row``."""
    article = int(corpus.table.article[row])
    meta = corpus.articles[article]
    return Citation(
        article_id=meta.id,
        title=meta.title,
        url=meta.url,
        published=meta.published,
        position=int(corpus.table.position[row]),
        paragraph=int(corpus.table.paragraph[row]),
        sentence_count=len(corpus.article_rows(article)),
    )


def context_rows(corpus: CorpusIndex, row: int, *, limit: int = 2) -> tuple[list[int], list[int]]:
    """Neighbouring rows a sentence needs to be understood.

    Before: the previous sentence when this one opens with a pronoun or connective ("He further
    wrote, ...") or lower case, and the sentences back to the opening quotation mark when it sits
    inside a quotation that began earlier. After: the next sentence when this one ends with a colon.
    """
    rows = corpus.article_rows(int(corpus.table.article[row]))
    text = corpus.table.text(row)
    before: list[int] = []
    first_word = text.lstrip(_DOUBLE_QUOTES + "'‘ (").split(" ", 1)[0].strip(",;:").lower()
    needs_previous = first_word in _ANAPHORIC_START or (text[:1].islower())
    prev = row - 1
    if prev >= rows.start:
        if _inside_open_quote(corpus, rows.start, row):
            # Show the quotation back to its opening (where the speaker is named) if it is close.
            back = [r for r in range(prev, max(rows.start, row - limit) - 1, -1)]
            opener = next((r for r in back if _opens_quote(corpus.table.text(r))), None)
            if opener is not None:
                before = list(range(opener, row))
        elif needs_previous:
            before.append(prev)
    after: list[int] = []
    if text.rstrip().endswith(":") and row + 1 < rows.stop:
        after.append(row + 1)
    return before, after


def _quote_balance(text: str) -> int:
    return sum(text.count(q) for q in _DOUBLE_QUOTES)


def _opens_quote(text: str) -> bool:
    return _quote_balance(text) % 2 == 1


def _inside_open_quote(corpus: CorpusIndex, first: int, row: int) -> bool:
    """True when an odd number of quotation marks precede ``row`` in its paragraph."""
    paragraph = int(corpus.table.paragraph[row])
    count = 0
    r = row - 1
    while r >= first and int(corpus.table.paragraph[r]) == paragraph:
        count += _quote_balance(corpus.table.text(r))
        r -= 1
    return count % 2 == 1
