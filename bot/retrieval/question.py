"""What a question asks for, parsed once into a ``Question``: its search terms, the kind of answer
it wants, and for "what did X say (about T)?" the speaker and the topic.

"In what year did the bridge reopen?" is about the bridge reopening; "what year" says the answer
is a date. The sentence that answers it reads "The bridge reopened in 1932", without the word
"year". So the answer-type phrase is dropped from the search terms (``search_text``) and, instead,
sentences that hold an answer of the wanted kind (a year, a number, a name) get a small bonus
(``AnswerType.matches``). Pure functions over strings; no index needed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from bot.errors import InvalidQuestion
from bot.models import MAX_QUESTION_CHARS, Period

_WH = r"(?:what|which|whose)"
# Phrases that name the kind of answer wanted. They are removed from the question before it is
# tokenised ("what kind of engines" searches "engines"; "how many drones" searches "drones").
_ANSWER_TYPE_PHRASE = re.compile(
    r"\b(?:"
    + _WH
    + r"\s+(?:kinds?|types?|sorts?|forms?|categor(?:y|ies))\s+of"
    r"|" + _WH + r"\s+(?:years?|century|centuries|decades?|months?|dates?|days?|percentages?|percent|proportion"
    r"|amount|number)\b"
    r"|how\s+(?:many|much|long|old|far|often|large|big)"
    r"|approximately|roughly|besides|else"
    r"|the\s+name\s+of"
    r")\b",
    re.IGNORECASE,
)

_TIME_QUESTION = re.compile(
    r"^\W*(?:when\b|how\s+long\s+ago\b)|\b" + _WH + r"\s+(?:year|century|decade|date|month|day|time)\b",
    re.IGNORECASE,
)
_NUMBER_QUESTION = re.compile(
    r"\bhow\s+(?:many|much|old|long|far|large|big|tall|high|deep|wide|fast|heavy|often)\b|\b"
    + _WH
    + r"\s+(?:percentage|percent|proportion|number|amount|size|population|temperature|speed|distance|length|height"
    r"|age|rate|cost|price|score)\b",
    re.IGNORECASE,
)
_PERSON_QUESTION = re.compile(r"^\W*(?:who|whom|whose)\b|\b(?:by|to|for|with|from)\s+whom\b", re.IGNORECASE)
_PLACE_QUESTION = re.compile(r"^\W*where\b", re.IGNORECASE)

_MONTH = (
    r"January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec"
)
_TIME_ANSWER = re.compile(
    r"\b(?:1\d{3}|20\d{2}|\d{1,4}s|\d+(?:st|nd|rd|th))\b|\b(?:" + _MONTH + r")\b"
    r"|\b(?:century|centuries|decade|BC|AD|BCE|CE|yesterday|today|tomorrow"
    r"|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b",
    re.IGNORECASE,
)
_NUMBER_ANSWER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|sixty"
    r"|seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?|trillions?|dozens?|half|quarter|twice"
    r"|once|single|double)\b",
    re.IGNORECASE,
)
# A capitalised word that does not open the sentence (a name, a place, an organisation).
_NAME = re.compile(r"(?<=[\w,;:)]\s)[A-Z][\w'’\-]*")
WORD = re.compile(r"[\w'’\-]+")


class AnswerType(Enum):
    """The kind of answer a question wants, when its wording says so."""

    TIME = "time"
    NUMBER = "number"
    PERSON = "person"
    PLACE = "place"

    @classmethod
    def of(cls, question: str) -> AnswerType | None:
        """The answer type of ``question`` ("when ..." -> TIME, "how many ..." -> NUMBER, ...), or ``None``."""
        if _TIME_QUESTION.search(question):
            return cls.TIME
        if _NUMBER_QUESTION.search(question):
            return cls.NUMBER
        if _PERSON_QUESTION.search(question):
            return cls.PERSON
        if _PLACE_QUESTION.search(question):
            return cls.PLACE
        return None

    def matches(self, sentence: str, question_words: frozenset[str]) -> bool:
        """Whether ``sentence`` holds an answer of this kind.

        TIME: a year, decade, ordinal, month, weekday or century. NUMBER: a digit or a number word.
        PERSON and PLACE: a capitalised word, not at the sentence's start, that the question does
        not already contain (``question_words`` are the question's lower-cased words).
        """
        if self is AnswerType.TIME:
            return _TIME_ANSWER.search(sentence) is not None
        if self is AnswerType.NUMBER:
            return _NUMBER_ANSWER.search(sentence) is not None
        return any(m.group().lower() not in question_words for m in _NAME.finditer(sentence))


def search_text(question: str) -> str:
    """``question`` without the phrases that only name the kind of answer wanted."""
    return _ANSWER_TYPE_PHRASE.sub(" ", question)


def question_words(question: str) -> frozenset[str]:
    """The question's words, lower-cased (for ``AnswerType.matches``)."""
    return frozenset(w.lower() for w in WORD.findall(question))


# ---------------------------------------------------------------------------------------- Question

# Dropped from questions only: they say what kind of answer is wanted, not what it is about.
QUESTION_ONLY_STOPWORDS = frozenset({"many", "much"})

_SAYING = (
    r"say|said|saying|tell|told|telling|write|wrote|written|state|stated|describe|described|call|called|claim"
    r"|claimed|announce|announced|add|added|warn|warned|tweet|tweeted|post|posted|think|thought|believe|reply"
    r"|replied|respond|responded|argue|argued|explain|explained|promise|promised|suggest|suggested|comment"
    r"|commented|mean|meant|predict|predicted|admit|admitted|deny|denied|insist|insisted"
)
# "What did X say (about T)?", "What has X said on T?", "How did X describe T?", "What is X saying?"
_WHAT_SAID = re.compile(
    r"^\W*(?:and\s+)?(?:so\s+)?(?:what|how)\s+(?:else\s+)?(?:did|does|do|has|have|had|is|was|were|will|would)\s+"
    r"(?P<who>.+?)\s+(?:(?:ever|really|actually|also|just|last|first|recently|previously|publicly)\s+)?"
    r"(?P<verb>" + _SAYING + r")\b(?P<rest>.*)$",
    re.IGNORECASE,
)
# "Quotes from X (about T)", "X quotes"
_QUOTES_FROM = re.compile(
    r"^\W*(?:quotes?|statements?)\s+(?:from|by|of)\s+(?P<who>.+?)(?:\s+(?:about|on)\s+(?P<topic>.+))?\W*$",
    re.IGNORECASE,
)
# "Who said T?", "Who called the conversation important?"
_WHO_SAID = re.compile(r"^\W*who\s+(?:has\s+|had\s+|have\s+)?(?P<verb>" + _SAYING + r")\b", re.IGNORECASE)
_TOPIC_LEAD = re.compile(
    r"^\s*(?:(?:to\s+)?(?:about|on|regarding|concerning|of|over|in\s+(?:response\s+to|reaction\s+to))\s+"
    r"|that\s+|,\s*)",
    re.IGNORECASE,
)
_QUESTION_NAME_JUNK = re.compile(r"^(?:the\s+)?", re.IGNORECASE)


class QuestionKind(Enum):
    """What sort of question it is, for answering."""

    PLAIN = "plain"
    WHAT_SAID = "what_said"  # "What did X say (about T)?": X's own statements
    WHO_SAID = "who_said"  # "Who said T?": the statement, and who made it


@dataclass(frozen=True, slots=True)
class Question:
    """A question parsed once, then passed down: everything answering needs to know of its text.

    ``terms`` are searched (answer-type phrases left out); ``words`` are its lower-cased words
    (for ``AnswerType.matches``); for ``WHAT_SAID``, ``speaker`` is the person as written ("JD
    Vance") and ``topic`` what the statements should be about (``topic_terms``; empty when any
    statement will do); ``verb`` is the question's verb of saying. ``period`` is the publication
    dates it asks about ("in May 2025", or the caller's since/until) and ``recent`` whether it wants
    the newest first ("latest", "still"): read by ``bot.retrieval.period`` from the words around.
    """

    text: str
    terms: tuple[str, ...]
    answer_type: AnswerType | None
    words: frozenset[str]
    kind: QuestionKind = QuestionKind.PLAIN
    speaker: str | None = None
    speaker_terms: tuple[str, ...] = ()
    topic: str | None = None
    topic_terms: tuple[str, ...] = ()
    verb: str | None = None
    period: Period | None = None
    recent: bool = False


def clean_question(question: str) -> str:
    """Normalise a question and check it; raises ``InvalidQuestion`` with a one-line reason."""
    text = unicodedata.normalize("NFKC", question)
    text = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in text)
    text = " ".join(text.split())
    if not text:
        raise InvalidQuestion("the question is empty: type a question, e.g. 'what did Vance say?'")
    if len(text) > MAX_QUESTION_CHARS:
        raise InvalidQuestion(f"the question is {len(text):,} characters long; the limit is {MAX_QUESTION_CHARS}")
    return text


def parse_question(question: str, tokenizer: Callable[[str], list[str]]) -> Question:
    """Clean ``question`` and work out what it asks; raises ``InvalidQuestion`` (empty, too long, or
    no word to search for)."""
    text = clean_question(question)
    kind, speaker, topic, verb = QuestionKind.PLAIN, None, None, None
    said = _WHAT_SAID.match(text)
    quotes = _QUOTES_FROM.match(text)
    if said and _is_name(said.group("who")):
        kind, speaker, verb = QuestionKind.WHAT_SAID, _clean_name(said.group("who")), said.group("verb").lower()
        topic = _topic(said.group("rest"))
    elif quotes and _is_name(quotes.group("who")):
        kind, speaker = QuestionKind.WHAT_SAID, _clean_name(quotes.group("who"))
        topic = _topic(quotes.group("topic") or "")
    elif (who := _WHO_SAID.match(text)) is not None:
        kind, verb = QuestionKind.WHO_SAID, who.group("verb").lower()
    terms = question_terms(text, tokenizer)
    speaker_terms = tuple(tokenizer(speaker)) if speaker else ()
    topic_terms = tuple(tokenizer(topic)) if topic else ()
    if kind is QuestionKind.WHO_SAID:
        # "Who said ...": any verb of saying will do, so the question's own is not required.
        cue = set(tokenizer(verb or ""))
        terms = [t for t in terms if t not in cue] or terms
    return Question(
        text=text,
        terms=tuple(terms),
        answer_type=AnswerType.of(text),
        words=question_words(text),
        kind=kind,
        speaker=speaker,
        speaker_terms=speaker_terms,
        topic=topic,
        topic_terms=topic_terms,
        verb=verb,
    )


def asks_who_said(text: str) -> bool:
    """Whether ``text`` is a "who said T?" question (what ``parse_question`` reads as ``WHO_SAID``)."""
    return _WHO_SAID.match(text) is not None


def what_said_parts(text: str) -> tuple[tuple[int, int], int] | None:
    """For "what did X say (about T)?": the span of X in ``text`` and where the verb ends; ``None``
    for any other question (or when X names nobody)."""
    said = _WHAT_SAID.match(text)
    if said is None or not _is_name(said.group("who")):
        return None
    return said.span("who"), said.end("verb")


def question_terms(question: str, tokenizer: Callable[[str], list[str]]) -> list[str]:
    """The terms a question is searched with; raises ``InvalidQuestion`` when there are none.

    Phrases that only name the kind of answer ("how many", "what year", "what kind of") are left
    out, unless nothing else is left.
    """
    dropped = {t for w in QUESTION_ONLY_STOPWORDS for t in tokenizer(w)} | set(QUESTION_ONLY_STOPWORDS)
    terms = [t for t in tokenizer(search_text(question)) if t not in dropped]
    if not terms:
        terms = [t for t in tokenizer(question) if t not in dropped]
    if not terms:
        raise InvalidQuestion("the question has no words to search for; ask about a person, place or event")
    return terms


_NOT_A_NAME = frozenset(
    "it this that they he she you we i people everyone anyone someone the article articles news report "
    "reports story government police officials".split()
)


def _is_name(who: str) -> bool:
    """Whether "X" in "what did X say" names someone (not "it", "the report", "they")."""
    cleaned = _clean_name(who)
    words = cleaned.split()
    if not words or len(words) > 6 or cleaned.lower() in _NOT_A_NAME:
        return False
    return any(w[:1].isupper() for w in words) or (len(words) <= 3 and cleaned.lower() not in _NOT_A_NAME)


def _clean_name(who: str) -> str:
    return _QUESTION_NAME_JUNK.sub("", who.strip(" ,?!.\"'“”")).strip()


_NOT_A_TOPIC = frozenset(
    "exactly afterwards afterward after then later next first before again too also there here today yesterday "
    "precisely really actually just so now recently".split()
)


def _topic(rest: str) -> str | None:
    """What the statements should be about: the rest of the question after the verb ("about the
    war?" -> "the war"); ``None`` when nothing is left."""
    rest = rest.strip().rstrip("?!. ")
    rest = _TOPIC_LEAD.sub("", rest, count=1).strip()
    if all(w.casefold() in _NOT_A_TOPIC for w in WORD.findall(rest)):
        return None  # "what did he say exactly / afterwards / then?": any statement
    return rest or None
