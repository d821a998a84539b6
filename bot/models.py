"""Small immutable values shared by the core and the front ends.

Nothing here imports anything else from ``bot``; every other module may import this one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

MAX_QUESTION_CHARS = 500
"""The longest question accepted, in characters after normalisation (every front end's limit too)."""

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def day_text(day: dt.date) -> str:
    """``19 May 2025``: how every date is shown to a reader (month names in English, whatever the locale)."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def span_text(start: dt.date, end: dt.date) -> str:
    """``19 May 2025``, ``12–18 May 2025``, ``28 April – 4 May 2025``, ``29 December 2024 – 4 January 2025``."""
    if start == end:
        return day_text(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{day_text(end)}"
    if start.year == end.year:
        return f"{day_text(start).rsplit(' ', 1)[0]} – {day_text(end)}"
    return f"{day_text(start)} – {day_text(end)}"


@dataclass(frozen=True, slots=True)
class Published:
    """When an article was published: a date, plus the time of day when the source gave one.

    Read once at ingest (``bot.dates.parse_published``); shown as ``19 May 2025`` (``str()``) and
    written as ISO 8601 (``iso()``) in JSON, the saved index and the article store.
    """

    date: dt.date
    time: dt.time | None = None

    def iso(self) -> str:
        """``2025-05-19`` or ``2025-05-19T13:01:00`` (with the source's UTC offset when it gave one)."""
        if self.time is None:
            return self.date.isoformat()
        return dt.datetime.combine(self.date, self.time).isoformat()

    def __str__(self) -> str:
        return day_text(self.date)

    @classmethod
    def from_iso(cls, text: str) -> Published:
        """The value ``iso()`` wrote; raises ``ValueError`` for anything else."""
        if "T" in text:
            moment = dt.datetime.fromisoformat(text)
            return cls(moment.date(), moment.timetz())
        return cls(dt.date.fromisoformat(text))


@dataclass(frozen=True, slots=True)
class Period:
    """A span of publication dates, both ends included; ``dt.date.min`` / ``dt.date.max`` leave an end open.

    ``label`` is how it is shown ("1–31 May 2025", "since 1 March 2025"); ``searched`` is the
    sentence an answer carries ("Searched articles from 1–31 May 2025").
    """

    start: dt.date
    end: dt.date
    label: str

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    @property
    def searched(self) -> str:
        """``Searched articles from 1–31 May 2025`` (or ``... since 1 March 2025``, ``... until 2009``)."""
        if self.start == dt.date.min or self.end == dt.date.max:
            return f"Searched articles {self.label}"
        return f"Searched articles {'of' if self.start == self.end else 'from'} {self.label}"


@dataclass(frozen=True, slots=True)
class ArticleMeta:
    """What a citation needs to know about an article."""

    id: str
    title: str
    url: str | None = None
    published: Published | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """A raw article as read from the corpus: metadata plus its (unnormalised) text."""

    meta: ArticleMeta
    text: str


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of an article, with where it sits.

    ``position`` and ``paragraph`` are 1-based; ``start``/``end`` are character offsets into the
    article's normalised text (``Document.text``).
    """

    article_id: str
    position: int
    paragraph: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Document:
    """An ingested article: normalised text split into de-duplicated sentences."""

    meta: ArticleMeta
    text: str
    sentences: tuple[Sentence, ...]


@dataclass(frozen=True, slots=True)
class Hit:
    """A retrieval result: a row of the index and its score (text is fetched by row)."""

    row: int
    score: float


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a quoted sentence comes from."""

    article_id: str
    title: str
    url: str | None
    published: Published | None
    position: int
    paragraph: int
    sentence_count: int


@dataclass(frozen=True, slots=True)
class RelativeDate:
    """A relative date in an article's sentence ("on Sunday", "last week") and the days it means,
    worked out from the article's publication date (``bot.retrieval.relative_dates``).

    ``phrase`` is as the sentence writes it ("Sunday", "last week"); ``start`` and ``end`` are the
    first and last day meant, both included. ``str()``: ``Sunday → 18 May 2025``.
    """

    phrase: str
    start: dt.date
    end: dt.date

    def __str__(self) -> str:
        return f"{self.phrase} \u2192 {span_text(self.start, self.end)}"


@dataclass(frozen=True, slots=True)
class Excerpt:
    """One answer: the matched sentence, the context shown with it, and its citation.

    When the sentence is part of someone's statement, ``speaker`` names them (canonical name) and
    ``quote`` is what they said (the statement's content, which may run over several sentences).

    ``before`` and ``after`` are the neighbouring sentences included as context (possibly empty);
    ``text`` is the excerpt exactly as shown, i.e. ``before + (sentence,) + after`` joined by spaces.
    ``also``: the other articles that print the same sentence (or nearly: other quotation marks,
    spacing or final stop), which are not shown as excerpts of their own.
    ``dates``: the relative dates of the shown text ("on Sunday", "yesterday") resolved against the
    article's publication date, where that is certain (none when the article has no date).
    """

    sentence: str
    before: tuple[str, ...]
    after: tuple[str, ...]
    citation: Citation
    score: float
    speaker: str | None = None
    quote: str | None = None
    also: tuple[Citation, ...] = ()
    dates: tuple[RelativeDate, ...] = ()

    @property
    def text(self) -> str:
        """The excerpt as shown: context and matched sentence, joined by single spaces."""
        return " ".join((*self.before, self.sentence, *self.after))


@dataclass(frozen=True, slots=True)
class SpeakerCount:
    """A speaker the corpus quotes, with the number of statements by them a server can see."""

    name: str
    statements: int


@dataclass(frozen=True, slots=True)
class Answer:
    """The reply to a question: excerpts best first, or an abstention with the reason.

    For "what did X say?": ``speaker`` is the person answered for, and ``speakers`` every person
    the name could mean (the one answered for first, then by statements), for offering the others.

    ``period``: the publication dates searched, when the question or the caller named some.
    ``understood``: a follow-up question as it was read against its conversation ("what else did
    JD Vance say?" for "what else did he say?"), when that differs from ``question``.
    """

    question: str
    excerpts: tuple[Excerpt, ...]
    abstained: bool
    reason: str | None = None
    speaker: str | None = None
    speakers: tuple[SpeakerCount, ...] = ()
    period: Period | None = None
    understood: str | None = None


@dataclass(frozen=True, slots=True)
class SummarySentence:
    """A sentence of a summary, verbatim, with its 1-based position in the article."""

    text: str
    position: int


@dataclass(frozen=True, slots=True)
class Summary:
    """An extractive summary of an article: sentences in article order."""

    article: ArticleMeta
    sentences: tuple[SummarySentence, ...]
    sentence_count: int


@dataclass(frozen=True, slots=True)
class TopicSentence:
    """A sentence of a topic summary, verbatim, with the article it is quoted from."""

    text: str
    citation: Citation
    score: float


@dataclass(frozen=True, slots=True)
class TopicSummary:
    """What the corpus says about a topic: sentences from one or more articles, each cited.

    Sentences are grouped by article (the most relevant article first) and in article order
    within one article. Empty, with ``reason`` set, when no sentence is about the topic.
    """

    about: str
    sentences: tuple[TopicSentence, ...]
    reason: str | None = None

    @property
    def articles(self) -> tuple[str, ...]:
        """Ids of the cited articles, in the order they appear."""
        return tuple(dict.fromkeys(s.citation.article_id for s in self.sentences))


# ------------------------------------------------------------------------------------ conversations

MAX_TURNS = 5
IDLE_SECONDS = 30 * 60


class Shape(Enum):
    """How a question follows on from the conversation."""

    ALONE = "alone"  # stands alone
    PRONOUN = "pronoun"  # "What did he say about Ukraine?": a person or topic of an earlier turn
    ELSE = "else"  # "What else did he say?": another answer than those shown
    NEW_SUBJECT = "new-subject"  # "And Peskov?", "What about the Kremlin?": the same question of another subject
    WHEN = "when"  # "When was that?": about the previous answer
    WHERE = "where"
    WHY = "why"
    MORE = "more"  # "more", "tell me more": the next answers, or what follows the last one
    WHO_ELSE = "who-else"  # "Who else commented?": others on the same topic
    EXPANDED = "expanded"  # a short, elliptic question with the previous turn's words added


@dataclass(frozen=True, slots=True)
class Shown:
    """One excerpt shown in an answer: its article and sentence numbers (1-based)."""

    article: str
    position: int  # the matched sentence
    first: int  # first sentence shown (context included)
    last: int

    def covers(self, article: str, position: int) -> bool:
        return article == self.article and self.first <= position <= self.last


@dataclass(frozen=True, slots=True)
class Turn:
    """One question of a conversation, as asked and as understood, and what its answer showed."""

    question: str
    understood: str
    shape: Shape
    person: str | None  # whom the question or its answer was about (canonical when the answer said)
    topic: str | None  # what it was about, in the question's words
    shown: tuple[Shown, ...]
    at: float
    speakers: tuple[str, ...] = ()  # whose statements the answer showed


@dataclass(frozen=True, slots=True)
class Conversation:
    """The last ``MAX_TURNS`` turns of one person in one place; stale after ``IDLE_SECONDS`` idle."""

    turns: tuple[Turn, ...] = ()

    @property
    def last(self) -> Turn | None:
        return self.turns[-1] if self.turns else None

    def current(self, now: float) -> Conversation:
        """This conversation, or an empty one when it has been idle for ``IDLE_SECONDS``."""
        if self.turns and now - self.turns[-1].at > IDLE_SECONDS:
            return Conversation()
        return self

    def with_turn(self, turn: Turn) -> Conversation:
        """This conversation with ``turn`` added (the oldest dropped past ``MAX_TURNS``)."""
        return Conversation((*self.turns, turn)[-MAX_TURNS:])

    def shown(self) -> tuple[Shown, ...]:
        return tuple(s for t in self.turns for s in t.shown)


@dataclass(frozen=True, slots=True)
class Exchange:
    """A question's answer and the conversation to pass with the next question."""

    answer: Answer
    conversation: Conversation
