"""Follow-up questions read against the conversation they belong to.

After "What did Vance say?", people ask "And Peskov?", "What else did he say?", "When was that?",
"Why?", "Who else commented?" or "more". ``resolve`` turns such a question into a ``FollowUp``: the
question to search, written out ("what else did JD Vance say?"), its shape, the sentences already
shown (not to be shown again) and the earlier answer it is about. Rules cover the common shapes;
a short question with an unresolved "it"/"there"/"that" is expanded with the previous turn's main
words (history expansion), which the service uses only when the question alone finds nothing. A
question that stands alone is answered alone.

A ``Conversation`` is an immutable value of the last few turns: front ends keep one per person and
place and pass it back; nothing of it is written anywhere. Pure functions over strings and values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from bot.attribution.names import pronoun_may_mean, surname
from bot.models import Answer
from bot.retrieval.question import QuestionKind, search_text, what_said_parts
from bot.retrieval.stopwords import STOPWORDS

MAX_TURNS = 5
IDLE_SECONDS = 30 * 60

IsSpeaker = Callable[[str], bool]
"""Whether the articles quote someone of this name."""


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


NEAR_SHAPES = frozenset({Shape.WHEN, Shape.WHERE, Shape.WHY})


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
        return Conversation((*self.turns, turn)[-MAX_TURNS:])

    def shown(self) -> tuple[Shown, ...]:
        return tuple(s for t in self.turns for s in t.shown)


@dataclass(frozen=True, slots=True)
class FollowUp:
    """What to search for a question, read against its conversation.

    ``text`` is the question written out (equal to the question when it stands alone); ``exclude``
    the sentences not to show again; ``near`` the previous answer's first excerpt (for when/where/
    why and "more"); ``alone`` the question as asked, tried first for ``Shape.EXPANDED``.
    """

    text: str
    shape: Shape
    exclude: tuple[Shown, ...] = ()
    near: Shown | None = None
    person: str | None = None
    topic: str | None = None
    label: str | None = None  # how it was understood, when that is not ``text`` itself

    @property
    def understood(self) -> str:
        return self.label or self.text


@dataclass(frozen=True, slots=True)
class Exchange:
    """A question's answer and the conversation to pass with the next question."""

    answer: Answer
    conversation: Conversation


class NoEarlierAnswer(ValueError):
    """A follow-up ("when was that?", "more") with nothing before it to follow."""


# ------------------------------------------------------------------------------------------ shapes

_MORE = re.compile(
    r"^(?:and\s+)?(?:(?:tell|show|give)\s+me\s+)?(?:some\s+|any\s*)?(?:more|else|next|others?)"
    r"(?:\s+(?:please|results|answers|quotes|of\s+that|about\s+(?:it|that|this)))?"
    r"|(?:go\s+on|continue|keep\s+going|anything\s+else|what\s+else|and\s+then|then\s+what|next\s+one|and)"
    r"(?:\s+please)?$",
    re.IGNORECASE,
)
_NEAR = re.compile(r"^(?:and\s+|but\s+|so\s+)?(?P<wh>when|where|why|how\s+come)\b(?P<rest>.*)$", re.IGNORECASE)
# Words a "when/where/why" follow-up may hold besides its question word and still ask about the
# previous answer ("when was that?", "why did he say that?", "where did it happen?").
_NEAR_FILLER = frozenset(
    "was is were did does do has had have that this it he she they them him her so exactly then all "
    "happen happened happening say said says tell told write wrote think do done the again really "
    "take took place made make decide decided".split()
)
_NEW_SUBJECT = re.compile(
    r"^(?:and|(?:and\s+)?(?:what|how)\s+about|what\s+of|and\s+what\s+of|same\s+for|and\s+for)\s+(?P<x>.+?)$",
    re.IGNORECASE,
)
_WHO_ELSE = re.compile(r"^who\s+else\b(?P<rest>.*)$", re.IGNORECASE)
_PERSON_PRONOUN = re.compile(r"\b(?P<p>he|she|him|his|her|hers)\b", re.IGNORECASE)
_TOPIC_PRONOUN = re.compile(r"\b(?P<lead>about|on|regarding|over|of)\s+(?P<p>it|that|this|them|those)\b", re.IGNORECASE)
_ELSE = re.compile(r"\b(?:else|other|another|again|also|too)\b", re.IGNORECASE)
_ELLIPTIC = re.compile(r"\b(?:it|that|this|there|they|them|those|these|then|also|too|else)\b", re.IGNORECASE)
_WORD = re.compile(r"[\w'’\-]+")
_QUESTION_WORDS = frozenset("what who whom whose which when where why how did does do is are was were has have".split())
_SAYING = frozenset(
    "say said says tell told write wrote comment commented respond responded react reacted think thought".split()
)


def resolve(question: str, conversation: Conversation, *, is_speaker: IsSpeaker | None = None) -> FollowUp:
    """Read ``question`` (already cleaned) against ``conversation``.

    ``is_speaker(name)`` says whether the articles quote someone of that name (so "And Peskov?"
    changes the speaker, "And the budget?" the topic). Raises ``NoEarlierAnswer`` for a bare
    follow-up ("more", "when was that?") with no earlier turn.
    """
    text = question.strip()
    bare = text.rstrip("?!. ").strip()
    last = conversation.last
    if last is None:
        if _MORE.fullmatch(bare) or _near_shape(bare) is not None:
            raise NoEarlierAnswer(
                f"{question!r} follows on from an earlier answer, and there is none yet: ask a whole question first"
            )
        return FollowUp(text, Shape.ALONE)
    ref = _reference(conversation)
    if _MORE.fullmatch(bare):
        base = ref or last
        after = last if last.shape is Shape.MORE and last.shown else base
        near = after.shown[-1] if after.shown else None
        label = f"more answers to: {base.understood}"
        return FollowUp(base.understood, Shape.MORE, conversation.shown(), near, base.person, base.topic, label)
    if (shape := _near_shape(bare)) is not None:
        if ref is None:
            raise NoEarlierAnswer(f"{question!r} asks about an earlier answer, and none showed a sentence")
        text = f"{bare.lower()}? ({ref.understood.rstrip('?')})"
        return FollowUp(text, shape, (), ref.shown[0], ref.person, ref.topic)
    if (m := _NEW_SUBJECT.fullmatch(bare)) is not None and _short(m.group("x")):
        return _new_subject(m.group("x").strip(), last, is_speaker)
    if (m := _WHO_ELSE.fullmatch(bare)) is not None:
        return _who_else(m.group("rest"), last, conversation)
    rewritten, person, topic = _pronouns(text, conversation)
    if rewritten != text:
        shape = Shape.ELSE if _ELSE.search(text) else Shape.PRONOUN
        exclude = conversation.shown() if shape is Shape.ELSE else ()
        return FollowUp(rewritten, shape, exclude, None, person, topic)
    if _ELLIPTIC.search(text) and len(_content_words(text)) <= 3:
        extra = _content_words(last.understood)
        mine = set(w.casefold() for w in _content_words(text))
        added = [w for w in extra if w.casefold() not in mine]
        if added:
            expanded = f"{text.rstrip('?')} ({' '.join(added)})?"
            return FollowUp(expanded, Shape.EXPANDED, (), None, last.person, last.topic)
    return FollowUp(text, Shape.ALONE)


def _reference(conversation: Conversation) -> Turn | None:
    """The latest turn whose answer showed sentences and was not itself a when/where/why reply:
    what "when was that?" and "more" are about."""
    return next((t for t in reversed(conversation.turns) if t.shown and t.shape not in NEAR_SHAPES), None)


def _near_shape(bare: str) -> Shape | None:
    m = _NEAR.fullmatch(bare)
    if m is None:
        return None
    rest = [w.casefold() for w in _WORD.findall(m.group("rest"))]
    if any(w not in _NEAR_FILLER for w in rest):
        return None
    wh = m.group("wh").casefold()
    return Shape.WHEN if wh == "when" else Shape.WHERE if wh == "where" else Shape.WHY


def _short(x: str) -> bool:
    words = _WORD.findall(x)
    return 0 < len(words) <= 6 and words[0].casefold() not in _QUESTION_WORDS


def _new_subject(x: str, last: Turn, is_speaker: IsSpeaker | None) -> FollowUp:
    """The previous question asked of ``x``: its speaker or its topic replaced, or its name."""
    x = x.strip(" ,")
    parts = what_said_parts(last.understood)
    if parts is not None:
        (who_start, who_end), verb_end = parts
        head, tail = last.understood[:who_start], last.understood[who_end:verb_end]
        named = any(w[:1].isupper() for w in x.split())
        if named and (is_speaker is None or is_speaker(x)):
            text = f"{head}{x}{last.understood[who_end:]}"
            return FollowUp(_drop_else(text), Shape.NEW_SUBJECT, (), None, x, last.topic)
        who = last.understood[who_start:who_end]
        text = f"{head}{who}{tail} about {x}?"
        return FollowUp(_drop_else(text), Shape.NEW_SUBJECT, (), None, last.person, x)
    names = _names(last.understood)
    if names and any(w[:1].isupper() for w in x.split()):
        start, end = names[-1]
        text = f"{last.understood[:start]}{x}{last.understood[end:]}"
    else:
        text = f"{last.understood.rstrip('?')}: {x}?"
    return FollowUp(text, Shape.NEW_SUBJECT, (), None, None, x)


def _drop_else(text: str) -> str:
    return re.sub(r"\s+else\b", "", text, count=1, flags=re.IGNORECASE)


def _who_else(rest: str, last: Turn, conversation: Conversation) -> FollowUp:
    """ "Who else said so / commented?": who said something about the previous topic, not the
    people already quoted."""
    rest = rest.strip()
    words = [w for w in _WORD.findall(rest) if w.casefold() not in _NEAR_FILLER | _SAYING]
    topic = " ".join(words) if words else (last.topic or " ".join(_content_words(last.understood)))
    verb = next((w for w in _WORD.findall(rest) if w.casefold() in _SAYING), "said")
    if verb.casefold() in {"say", "tell", "write", "comment", "respond", "react", "think"}:
        verb = {"say": "said", "tell": "told", "write": "wrote", "comment": "commented",
                "respond": "responded", "react": "reacted", "think": "thought"}[verb.casefold()]  # fmt: skip
    text = f"Who else {verb} something about {topic}?" if topic else f"Who else {verb} something?"
    return FollowUp(text, Shape.WHO_ELSE, conversation.shown(), None, last.person, topic or None)


def _pronouns(text: str, conversation: Conversation) -> tuple[str, str | None, str | None]:
    """``text`` with "he/she/his/her" replaced by the conversation's person they fit and "about
    it/that" by its topic; the person and topic used (or ``None``)."""
    person: str | None = None
    topic: str | None = None

    def person_for(pronoun: str) -> str | None:
        gendered = "she" if pronoun in {"she", "her", "hers"} else "he"
        for turn in reversed(conversation.turns):
            if turn.person and pronoun_may_mean(turn.person, gendered):
                return turn.person
        return None

    def sub_person(m: re.Match[str]) -> str:
        nonlocal person
        p = m.group("p").casefold()
        who = person_for(p)
        if who is None:
            return m.group()
        person = who
        if p in {"his", "hers"}:
            return f"{who}'s"
        if p == "her":
            after = text[m.end() :].split(None, 1)
            nxt = after[0].strip("?,.!").casefold() if after else ""
            if nxt and nxt not in STOPWORDS and nxt not in _SAYING:
                return f"{who}'s"
        return who

    def sub_topic(m: re.Match[str]) -> str:
        nonlocal topic
        last = conversation.last
        found = last.topic if last and last.topic else None
        if found is None:
            return m.group()
        topic = found
        return f"{m.group('lead')} {found}"

    rewritten = _PERSON_PRONOUN.sub(sub_person, text)
    rewritten = _TOPIC_PRONOUN.sub(sub_topic, rewritten)
    return rewritten, person, topic


def _content_words(text: str) -> list[str]:
    skipped = STOPWORDS | _QUESTION_WORDS
    words = [w for w in _WORD.findall(search_text(text)) if w.casefold() not in skipped]
    return list(dict.fromkeys(w for w in words if w.casefold() not in {"else", "say", "said", "more"}))


_NAME = re.compile(r"(?<=\s)[A-Z][\w'’\-]*(?:\s+[A-Z][\w'’\-]*)*")


def _names(text: str) -> list[tuple[int, int]]:
    """Spans of capitalised words that do not open the question (names, places, bodies)."""
    return [m.span() for m in _NAME.finditer(text)]


# ------------------------------------------------------------------------------------------- turns


def turn_of(question: str, follow: FollowUp, answer: Answer, *, kind: QuestionKind | None, at: float) -> Turn:
    """The turn to remember of ``question``, read as ``follow``, answered with ``answer``."""
    shown = tuple(
        Shown(
            e.citation.article_id,
            e.citation.position,
            e.citation.position - len(e.before),
            e.citation.position + len(e.after),
        )
        for e in answer.excerpts
    )
    person = answer.speaker or follow.person
    if person is None and kind is QuestionKind.WHO_SAID and answer.excerpts:
        person = answer.excerpts[0].speaker
    if person is None:
        parts = what_said_parts(follow.text)
        if parts is not None:
            (start, end), _ = parts
            person = follow.text[start:end]
    topic = follow.topic
    if topic is None and follow.shape is not Shape.MORE:
        topic = _topic_of(follow.text, person)
    return Turn(question, follow.text, follow.shape, person, topic, shown, at)


def _topic_of(text: str, person: str | None) -> str | None:
    """What a question is about: its "about T" part, else its main words without the person's."""
    parts = what_said_parts(text)
    if parts is not None:
        rest = text[parts[1] :].strip(" ?")
        m = re.match(r"^(?:about|on|regarding|of|over)\s+(?P<t>.+)$", rest, re.IGNORECASE)
        return m.group("t").strip(" ?") if m else None
    skip = {w.casefold() for w in _WORD.findall(person or "")} | {surname(person).casefold() if person else ""}
    words = [w for w in _content_words(text) if w.casefold() not in skip]
    return " ".join(words) or None


def understood_line(answer_question: str, understood: str | None) -> str | None:
    """The one line saying how a follow-up was understood, or ``None`` when it was taken as asked."""
    if understood is None or understood.strip() == answer_question.strip():
        return None
    return f"(understood as: {understood})"
