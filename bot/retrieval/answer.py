"""Question -> Answer: validate, retrieve sentences, re-rank, add context, cite, or abstain."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from bot.errors import InvalidQuestion
from bot.models import Answer, Citation, Excerpt
from bot.retrieval.store import CorpusIndex
from bot.retrieval.tokenize import Tokenizer

MAX_QUESTION_CHARS = 500

# Dropped from questions only: they say what kind of answer is wanted, not what it is about.
QUESTION_ONLY_STOPWORDS = frozenset({"many", "much"})

SPEECH_VERBS = frozenset(
    """say said says saying tell told tells telling write wrote writes written writing state stated
    states describe described describes call called calls claim claimed claims announce announced
    announces add added adds warn warned warns insist insisted argue argued argues explain explained
    tweet tweeted post posted posts declare declared note noted suggest suggested urge urged
    promise promised vow vowed deny denied admit admitted reply replied respond responded
    comment commented accuse accused describe think thought believe believed""".split()
)

_SPEAKER_QUESTION_RE = re.compile(
    r"\b(?:what|how)\s+(?:did|does|do|has|have|had|is|was|will)\s+(?P<who>.+?)\s+"
    r"(?:say|said|tell|told|write|wrote|state|describe|call|claim|announce|add|warn|tweet|post|"
    r"think|believe|reply|respond|argue|explain|promise|suggest|comment)\b",
    re.IGNORECASE,
)
_ANAPHORIC_START = frozenset(
    """he she they it his her their its this that these those but and however meanwhile also still
    yet nevertheless instead so then there such both the latter former him them""".split()
)
_DOUBLE_QUOTES = "\"“”"
_INVERTING = frozenset({"say", "write", "add"})  # stems of verbs that may precede their speaker


@dataclass(frozen=True, slots=True)
class AnswerParams:
    """Knobs of answering, with the defaults the bot uses.

    ``min_coverage``: share of the question's idf mass (unknown words counted at the highest idf)
    the best sentence must match, else the bot abstains. ``min_score``: minimum cosine.
    """

    candidates: int = 50
    min_coverage: float = 0.5
    min_score: float = 0.1
    speaker_bonus: float = 0.5


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


def speaker_terms(question: str, tokenizer: Tokenizer) -> tuple[str, ...]:
    """Terms naming the speaker in "what did X say/tell/write" questions (empty otherwise)."""
    match = _SPEAKER_QUESTION_RE.search(question)
    if not match:
        return ()
    return tuple(tokenizer(match.group("who")))


def answer(
    question: str,
    corpus: CorpusIndex,
    tokenizer: Tokenizer,
    *,
    top: int = 3,
    params: AnswerParams | None = None,
) -> Answer:
    """Answer ``question`` from ``corpus`` with up to ``top`` excerpts, or abstain with a reason."""
    params = params or AnswerParams()
    text = clean_question(question)
    terms = [t for t in tokenizer(text) if t not in QUESTION_ONLY_STOPWORDS]
    if not terms:
        raise InvalidQuestion("the question has no words to search for; ask about a person, place or event")
    speaker = speaker_terms(text, tokenizer)
    speech = frozenset(tokenizer.term(v) for v in SPEECH_VERBS)
    if speaker:
        # "What did X say?": any speech verb will do, so the question's own verb is not required.
        terms = [t for t in terms if t not in speech] or terms
    query = corpus.index.query_vector(terms)
    best = corpus.index.top(corpus.index.score(query), params.candidates)
    if len(best.rows) == 0:
        return Answer(text, (), abstained=True, reason="none of the question's words occur in the articles")
    coverage = best.coverage.copy()
    bonus = np.zeros(len(best.rows))
    if speaker:
        vocab, in_query = corpus.index.vocabulary, set(terms)
        known = [corpus.index.idf[vocab[t]] for t in set(speaker) if t in vocab and t in in_query]
        speaker_share = float(sum(known)) / query.idf_mass if query.idf_mass else 0.0
        for i, row in enumerate(best.rows.tolist()):
            how = _speaker_speaks(corpus, tokenizer, row, speaker, speech)
            if how:
                bonus[i] = params.speaker_bonus
            if how == "pronoun":  # "He also told ...": the name is in the previous sentence
                coverage[i] = min(1.0, coverage[i] + speaker_share)
    final = best.scores * (0.5 + 0.5 * coverage) + bonus
    order = np.lexsort((best.rows, -final))
    lead = int(order[0])
    if coverage[lead] < params.min_coverage or best.scores[lead] < params.min_score:
        return Answer(
            text,
            (),
            abstained=True,
            reason=(
                f"the closest sentence matches only {coverage[lead]:.0%} of the question "
                f"(at least {params.min_coverage:.0%} is needed)"
            ),
        )

    excerpts: list[Excerpt] = []
    shown_rows: set[int] = set()
    shown_texts: set[str] = set()
    for i in order.tolist():
        if len(excerpts) >= top:
            break
        if coverage[i] < params.min_coverage or best.scores[i] < params.min_score:
            continue
        row = int(best.rows[i])
        sentence = corpus.table.text(row)
        key = " ".join(sentence.split()).casefold()
        if row in shown_rows or key in shown_texts:
            continue
        before, after = context_rows(corpus, row)
        rows = [*before, row, *after]
        shown_rows.update(rows)
        shown_texts.add(key)
        excerpts.append(
            Excerpt(
                sentence=sentence,
                before=tuple(corpus.table.text(r) for r in before),
                after=tuple(corpus.table.text(r) for r in after),
                citation=citation(corpus, row),
                score=round(float(final[i]), 4),
            )
        )
    return Answer(text, tuple(excerpts), abstained=False)


def _speaker_speaks(
    corpus: CorpusIndex, tokenizer: Tokenizer, row: int, speaker: tuple[str, ...], speech: frozenset[str]
) -> str | None:
    """How the speaker is the subject of a speech verb in the sentence at ``row``.

    "Vance said", "said Vance" and "Vance, the vice president, told" count (the name at most three
    terms before the verb or two after); so does a sentence opening with "He"/"She" and a speech
    verb right after a sentence that names the speaker. "Trump said Putin ..." does not count for Putin.
    """
    text = corpus.table.text(row)
    seq = tokenizer(text)
    verbs = [i for i, t in enumerate(seq) if t in speech]
    if not verbs:
        return None
    name = speaker[-1]
    names = [i for i, t in enumerate(seq) if t == name]
    inverted = [i for i in verbs if seq[i] in _INVERTING]  # "..., said Vance"
    if any(0 < v - n <= 3 for v in verbs for n in names) or any(0 < n - v <= 2 for v in inverted for n in names):
        return "named"
    first = text.split(" ", 1)[0].lower()
    prev = row - 1
    if first in {"he", "she", "they"} and verbs[0] <= 1 and prev >= corpus.first_row[int(corpus.table.article[row])]:
        return "pronoun" if name in set(tokenizer(corpus.table.text(prev))) else None
    return None


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
