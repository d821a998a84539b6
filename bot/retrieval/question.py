"""What a question asks for: the words that only name the kind of answer, and that kind.

"In what year did the bridge reopen?" is about the bridge reopening; "what year" says the answer
is a date. The sentence that answers it reads "The bridge reopened in 1932", without the word
"year". So the answer-type phrase is dropped from the search terms (``search_text``) and, instead,
sentences that hold an answer of the wanted kind (a year, a number, a name) get a small bonus
(``AnswerType.matches``). Pure functions over strings; no index needed.
"""

from __future__ import annotations

import re
from enum import Enum

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
_WORD = re.compile(r"[\w'’\-]+")


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
    return frozenset(w.lower() for w in _WORD.findall(question))
