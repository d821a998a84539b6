"""Question -> Answer: parse, retrieve sentences (or a speaker's statements), add context, cite, or abstain."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from bot.models import Answer, Citation, Excerpt, RelativeDate
from bot.retrieval.dedup import sentence_key
from bot.retrieval.question import MAX_QUESTION_CHARS, Question, QuestionKind, clean_question, parse_question
from bot.retrieval.rank import AnswerParams, Ranker, Ranking
from bot.retrieval.recency import date_order
from bot.retrieval.relative_dates import resolve_shown
from bot.retrieval.speakers import diversified, mentions, rank_statements
from bot.retrieval.statements import STATEMENT
from bot.retrieval.store import CorpusIndex
from bot.retrieval.tokenize import Tokenizer

__all__ = [
    "MAX_QUESTION_CHARS", "AnswerParams", "Ranker", "answer", "citation", "clean_question", "context_rows",
]  # fmt: skip

_ANAPHORIC_START = frozenset(
    ["he", "she", "they", "it", "his", "her", "their", "its", "this", "that", "these", "those", "but", "and", "however", "meanwhile", "also", "still", "yet", "nevertheless", "instead", "so", "then", "there", "such", "both", "the", "latter", "former", "him", "them"]  # noqa: E501
)
_DOUBLE_QUOTES = "\"“”"
_STATEMENT_ROWS = 6  # at most this many sentences of one statement are shown


def answer(
    question: str | Question,
    corpus: CorpusIndex,
    tokenizer: Tokenizer,
    *,
    top: int = 3,
    params: AnswerParams | None = None,
    ranker: Ranker | None = None,
    visible: NDArray[np.bool_] | None = None,
    days: NDArray[np.int32] | None = None,
    recent: bool = False,
    leeway: float = 0.0,
) -> Answer:
    """Answer ``question`` from ``corpus`` with up to ``top`` excerpts, or abstain with a reason.

    "What did X say (about T)?" is answered with X's statements (``speaker_answer``); any other
    question with the best sentences of ``Ranker.rank`` that pass the abstention rule. When X is
    mentioned but never quoted and the question names a T, it may not ask for a quotation at all
    ("What did Watt add to the engine?", "What does Warszawa mean in Polish?"): the ranked sentences
    answer it if the best passes the abstention rule and holds T, else X's reason stands. Pass the
    ``ranker`` of ``corpus`` when answering many questions (it caches what it derives from the
    corpus); its params then apply. ``visible`` (one flag per article) limits the answer to those
    articles. ``days`` (per article, ``date.toordinal()``, 0 when undated) puts newer articles first
    among near-equal scores, and first of all the good ones when ``recent`` (``recency.date_order``).
    A sentence shown once stands for every article that prints it (``Excerpt.also``). ``leeway``
    lowers the abstention cut (a follow-up searched within the article it follows up).
    """
    ranker = ranker or Ranker(corpus, tokenizer, params)
    q = question if isinstance(question, Question) else parse_question(question, tokenizer)
    recent = recent or q.recent
    said = None
    if q.kind is QuestionKind.WHAT_SAID and q.speaker:
        said = speaker_answer(q, corpus, ranker, top=top, visible=visible, days=days)
        if said is not None and not (said.abstained and said.speaker is None and q.topic_terms):
            return said
    ranked = ranked_answer(q, corpus, ranker, top=top, visible=visible, days=days, recent=recent, leeway=leeway)
    if said is None or (not ranked.abstained and _about(q, ranker, visible)):
        return ranked
    return said


def _about(q: Question, ranker: Ranker, visible: NDArray[np.bool_] | None) -> bool:
    """Whether the best sentence for ``q`` holds at least ``min_coverage`` of the idf mass of its
    topic (the share a statement needs to be about the topic in ``speaker_answer``)."""
    best = ranker.rank(q, visible=visible, depth=1)
    query = ranker.corpus.query_vector(list(q.topic_terms), visible)
    if len(best) == 0 or query.idf_mass <= 0:
        return False
    columns, _ = ranker.corpus.sequences.gather(best.rows[:1])
    held = float(query.idf[np.isin(query.columns, columns)].sum())
    return held / query.idf_mass >= ranker.params.min_coverage


def supported(ranking: Ranking, params: AnswerParams) -> NDArray[np.bool_]:
    """Which candidates of ``ranking`` are strong enough to be an answer: the one abstention rule
    (``params.abstention``, a logistic score over the candidate's window and title coverage of the
    question, cosine, score and lead over the others; README "Answering")."""
    return params.abstention.scores(ranking) >= 0.0


def abstains(ranking: Ranking, i: int, params: AnswerParams) -> str | None:
    """Why candidate ``i`` of ``ranking`` is too weak to be an answer (``supported``), or ``None``."""
    if supported(ranking, params)[i]:
        return None
    support, cosine = float(ranking.window[i]), float(ranking.cosine[i])
    return (
        f"the closest passage matches only {support:.0%} of the question (sentence similarity "
        f"{cosine:.2f}), too little to be an answer"
    )


def ranked_answer(
    q: Question,
    corpus: CorpusIndex,
    ranker: Ranker,
    *,
    top: int,
    visible: NDArray[np.bool_] | None,
    days: NDArray[np.int32] | None = None,
    recent: bool = False,
    leeway: float = 0.0,
) -> Answer:
    """The best sentences of the ranking, with context and citations, or an abstention (its cut
    lowered by ``leeway``)."""
    params = ranker.params
    if leeway:
        params = dataclasses.replace(
            params, abstention=dataclasses.replace(params.abstention, bias=params.abstention.bias + leeway)
        )
    depth = min(params.candidates, max(params.candidates_min, params.depth_per_excerpt * top))
    if recent:
        depth = params.candidates  # newer articles may rank below the best few
    whole_statements = q.kind is QuestionKind.WHO_SAID
    while True:
        ranking = ranker.rank(q, visible=visible, depth=depth)
        if len(ranking) == 0:
            return Answer(q.text, (), abstained=True, reason="none of the question's words occur in the articles")
        reason = abstains(ranking, 0, params)
        if reason is not None:
            return Answer(q.text, (), abstained=True, reason=reason)
        eligible = supported(ranking, params)
        order = np.arange(len(ranking))
        if days is not None:
            row_days = days[corpus.table.article[ranking.rows]]
            order = date_order(ranking.final, row_days, eligible, recent=recent)
        excerpts = _excerpts(corpus, ranking, order, eligible, top, whole_statements=whole_statements)
        # Reprints of one statement may fill the ranking: when they took the places of excerpts
        # (more eligible sentences than excerpts, yet too few excerpts), look deeper once.
        skipped = int(eligible.sum()) > len(excerpts)
        if len(excerpts) >= top or not skipped or len(ranking) < depth or depth >= params.candidates:
            return Answer(q.text, excerpts, abstained=False)
        depth = params.candidates


def _excerpts(
    corpus: CorpusIndex,
    ranking: Ranking,
    order: NDArray[np.int64],
    eligible: NDArray[np.bool_],
    top: int,
    *,
    whole_statements: bool = False,
) -> tuple[Excerpt, ...]:
    """Up to ``top`` excerpts in ``order``: each sentence shown once, with the other articles that
    print it (or nearly: ``dedup.sentence_key``) in ``also``; no excerpt repeats a sentence that
    another shows, as its matched sentence or as context. With ``whole_statements`` ("who said
    ...?") a sentence of a statement is shown with the whole statement."""
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
        if whole_statements and corpus.statements.flags[row] & STATEMENT:
            before, after = statement_rows(corpus, row)
        else:
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
        excerpt_at(corpus, row, before, after, score, also=more)
        for (row, score, before, after), more in zip(picked, also, strict=True)
    )


def speaker_answer(
    q: Question,
    corpus: CorpusIndex,
    ranker: Ranker,
    *,
    top: int,
    visible: NDArray[np.bool_] | None,
    days: NDArray[np.int32] | None = None,
) -> Answer | None:
    """X's statements for "what did X say (about T)?"; ``None`` when the corpus has no speaker of
    that name and never mentions it (then the question is ranked like any other)."""
    assert q.speaker is not None
    directory = ranker.speakers()
    choices = directory.choose(q.speaker, visible)
    if not choices:
        if not any(ch.isupper() for ch in q.speaker):
            return None  # "what do the fake notices say?": not a name, so answered like any question
        seen = mentions(corpus, q.speaker_terms, visible) if q.speaker_terms else 0
        if seen == 0:
            return None
        where = "1 article but never quoted in it" if seen == 1 else f"{seen:,} articles but never quoted in them"
        return Answer(q.text, (), abstained=True, reason=f"{q.speaker} is mentioned in {where}")
    chosen = choices[0]
    number = directory.number(chosen.name)
    assert number is not None
    ranked = rank_statements(corpus, [number], q.topic_terms, visible, name_terms=q.speaker_terms[-1:], days=days)
    if q.topic_terms:
        about = [r for r in ranked if r.topic_share >= ranker.params.min_coverage]
        if not about:
            quoted = f"{chosen.name} is quoted {_times(chosen.statements)} in the articles"
            return Answer(
                q.text, (), abstained=True, reason=f"{quoted}, but never about {q.topic}",
                speaker=chosen.name, speakers=tuple(choices),
            )  # fmt: skip
        ranked = about
    excerpts = []
    for r, reprints in diversified(ranked, corpus, top):
        before, after = statement_rows(corpus, r.best)
        excerpts.append(excerpt_at(corpus, r.best, before, after, r.score, also=reprints))
    return Answer(q.text, tuple(excerpts), abstained=False, speaker=chosen.name, speakers=tuple(choices))


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n:,} times"


def excerpt_at(
    corpus: CorpusIndex, row: int, before: list[int], after: list[int], score: float, *, also: Sequence[int] = ()
) -> Excerpt:
    """The excerpt of the sentence at ``row`` with the context rows ``before`` and ``after``, cited."""
    speaker, quote = statement_of(corpus, row)
    return Excerpt(
        sentence=corpus.table.text(row),
        before=tuple(corpus.table.text(r) for r in before),
        after=tuple(corpus.table.text(r) for r in after),
        citation=citation(corpus, row),
        score=round(score, 4),
        speaker=speaker,
        quote=quote,
        also=tuple(citation(corpus, r) for r in also),
        dates=shown_dates(corpus, (*before, row, *after)),
    )


def shown_dates(corpus: CorpusIndex, rows: tuple[int, ...]) -> tuple[RelativeDate, ...]:
    """The relative dates ("on Sunday", "last week") of the sentences at ``rows`` (one article's),
    resolved against the article's date; none when it has no date."""
    published = corpus.articles[int(corpus.table.article[rows[0]])].published
    return resolve_shown((corpus.table.text(r) for r in rows), published.date if published else None)


def statement_of(corpus: CorpusIndex, row: int) -> tuple[str | None, str | None]:
    """The speaker of the statement ``row`` belongs to and the statement's content, or ``(None, None)``."""
    st = corpus.statements
    number = int(st.speaker[row])
    if number < 0:
        return None, None
    first, last = int(st.first[row]), int(st.last[row])
    last = min(last, first + _STATEMENT_ROWS - 1)
    texts = [corpus.table.text(r) for r in range(first, last + 1)]
    if len(texts) == 1:
        quote = texts[0][int(st.quote_start[row]) : int(st.quote_end[row])]
    else:
        end = int(st.quote_end[row]) if last == int(st.last[row]) else len(texts[-1])
        quote = " ".join([texts[0][int(st.quote_start[row]) :], *texts[1:-1], texts[-1][:end]])
    return st.names[number], quote.strip() or None


def statement_rows(corpus: CorpusIndex, row: int) -> tuple[list[int], list[int]]:
    """The other rows of the statement ``row`` belongs to (before it, after it), at most
    ``_STATEMENT_ROWS`` in all: a quotation is shown whole."""
    st = corpus.statements
    first, last = int(st.first[row]), int(st.last[row])
    first = max(first, row - _STATEMENT_ROWS + 1)
    last = min(last, first + _STATEMENT_ROWS - 1)
    return list(range(first, row)), list(range(row + 1, last + 1))


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
