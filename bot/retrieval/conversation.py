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

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.attribution.names import pronoun_may_mean, surname
from bot.models import Answer, Conversation, Shape, Shown, Turn
from bot.retrieval.question import WORD, asks_who_said, search_text, what_said_parts
from bot.retrieval.stopwords import STOPWORDS

IsSpeaker = Callable[[str], bool]
"""Whether the articles quote someone of this name."""

NEAR_SHAPES = frozenset({Shape.WHEN, Shape.WHERE, Shape.WHY})


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
    others_than: tuple[str, ...] = ()  # people whose statements are not wanted ("who else ...?")
    context: tuple[str, ...] = ()  # the articles of the answer followed up, first excerpt's first
    earlier: tuple[str, ...] = ()  # the articles of the conversation's other answers, newest first
    continues: bool = False  # "tell me more", "go on": what follows the answer, before further answers
    fallback: str | None = None  # asked when ``text`` finds nothing ("What did X say?" without the topic)

    @property
    def understood(self) -> str:
        return self.label or self.text


class NoEarlierAnswer(ValueError):
    """A follow-up ("when was that?", "more") with nothing before it to follow."""


# ------------------------------------------------------------------------------------------ shapes

# "go on": what follows in the article; every such request is also a "more".
_GO_ON = (
    r"go\s+on|continue|keep\s+going|and\s+then|then\s+what|what\s+happened\s+(?:next|then|after\s+that)"
    r"|what\s+next"
)
_MORE = re.compile(
    r"^(?:and\s+)?(?:(?:tell|show|give)\s+me\s+)?(?:some\s+|any\s*)?(?:more|else|next|others?)"
    r"(?:\s+(?:please|results|answers|quotes|of\s+that|about\s+(?:it|that|this)))?"
    r"|(?:" + _GO_ON + r"|anything\s+else|what\s+else|next\s+one|and)"
    r"(?:\s+please)?$",
    re.IGNORECASE,
)
_CONTINUE = re.compile(r"^(?:and\s+)?(?:" + _GO_ON + r")(?:\s+please)?$", re.IGNORECASE)
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
_QUESTION_WORDS = frozenset("what who whom whose which when where why how did does do is are was were has have".split())
_SAYING = frozenset(
    "say said says tell told write wrote comment commented respond responded react reacted think thought talk "
    "talked spoke speak mention mentioned".split()
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
    follow = _follow(text, bare, conversation, last, ref, is_speaker)
    context = tuple(dict.fromkeys(s.article for s in ref.shown)) if ref is not None else ()
    earlier = tuple(
        dict.fromkeys(s.article for t in reversed(conversation.turns) for s in t.shown if s.article not in context)
    )
    return dataclasses.replace(follow, context=context, earlier=earlier)


def _follow(
    text: str, bare: str, conversation: Conversation, last: Turn, ref: Turn | None, is_speaker: IsSpeaker | None
) -> FollowUp:
    if _MORE.fullmatch(bare):
        base = ref or last
        after = last if last.shape is Shape.MORE and last.shown else base
        near = after.shown[-1] if after.shown else None
        label = f"more answers to: {base.understood}"
        return FollowUp(
            base.understood, Shape.MORE, conversation.shown(), near, base.person, base.topic, label,
            continues=_CONTINUE.fullmatch(bare) is not None,
        )  # fmt: skip
    if (shape := _near_shape(bare)) is not None:
        if ref is None:
            raise NoEarlierAnswer(f"{text!r} asks about an earlier answer, and none showed a sentence")
        about = f"{bare.lower()}? ({ref.understood.rstrip('?')})"
        return FollowUp(about, shape, (), ref.shown[0], ref.person, ref.topic)
    if (m := _NEW_SUBJECT.fullmatch(bare)) is not None and _short(m.group("x")):
        frame = next(
            (t for t in reversed(conversation.turns) if t.shape not in NEAR_SHAPES | {Shape.MORE, Shape.EXPANDED}),
            last,
        )
        return _new_subject(m.group("x").strip(), frame, is_speaker)
    if (m := _WHO_ELSE.fullmatch(bare)) is not None:
        return _who_else(m.group("rest"), ref or last, conversation)
    rewritten, person, topic = _pronouns(text, conversation)
    if rewritten != text:
        shape = Shape.ELSE if _ELSE.search(text) else Shape.PRONOUN
        exclude = conversation.shown() if shape is Shape.ELSE else ()
        return FollowUp(rewritten, shape, exclude, None, person, topic)
    if _ELLIPTIC.search(text) and len(_content_words(text)) <= 3:
        extra = _content_words((ref or last).understood)
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
    rest = [w.casefold() for w in WORD.findall(m.group("rest"))]
    if any(w not in _NEAR_FILLER for w in rest):
        return None
    wh = m.group("wh").casefold()
    return Shape.WHEN if wh == "when" else Shape.WHERE if wh == "where" else Shape.WHY


def _short(x: str) -> bool:
    words = WORD.findall(x)
    return 0 < len(words) <= 6 and words[0].casefold() not in _QUESTION_WORDS


def _new_subject(x: str, last: Turn, is_speaker: IsSpeaker | None) -> FollowUp:
    """The previous question asked of ``x``: its speaker or its topic replaced, or its name."""
    x = x.strip(" ,")
    parts = what_said_parts(last.understood)
    if parts is not None:
        (who_start, who_end), verb_end = parts
        head, tail = last.understood[:who_start], last.understood[who_end:verb_end]
        named = any(w[:1].isupper() for w in x.split())
        person = re.sub(r"^(?:the|a|an)\s+", "", x, flags=re.IGNORECASE)
        if named and (is_speaker is None or is_speaker(person)):
            text = f"{head}{person}{last.understood[who_end:]}"
            alone = f"{head}{person}{tail}?"  # without the topic, should that find nothing
            return FollowUp(
                _drop_else(text), Shape.NEW_SUBJECT, (), None, person, last.topic, fallback=_drop_else(alone)
            )
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
    """ "Who else said so / commented?": who spoke about the previous topic; "Who else criticized
    the plan?": who did that. Either way leaving out the statements shown and the people quoted."""
    quoted = tuple(dict.fromkeys(t.person for t in conversation.turns if t.person))
    words = WORD.findall(rest)
    if words and words[0].casefold() not in _SAYING and words[0].casefold() not in _NEAR_FILLER:
        action = " ".join(rest.split())
        return FollowUp(
            f"Who {action}?", Shape.WHO_ELSE, conversation.shown(), None, last.person, last.topic,
            label=f"who else {action}?", others_than=quoted,
        )  # fmt: skip
    own = [w for w in _content_words(rest) if w.casefold() not in _SAYING]
    topic = " ".join(own) if own else (last.topic or " ".join(_content_words(last.understood)))
    verb = next((w.casefold() for w in words if w.casefold() in _SAYING), "said")
    verb = _PAST.get(verb, verb)
    about = f" about {topic}" if topic else ""
    return FollowUp(
        f"Who {verb} something{about}?", Shape.WHO_ELSE, conversation.shown(), None, last.person, topic or None,
        label=f"who else {verb} something{about}?", others_than=quoted,
    )  # fmt: skip


_PAST = {"say": "said", "tell": "told", "write": "wrote", "comment": "commented", "respond": "responded",
         "react": "reacted", "think": "thought", "talk": "said", "talked": "said", "speak": "said", "spoke": "said",
         "mention": "said", "mentioned": "said"}  # fmt: skip


def _pronouns(text: str, conversation: Conversation) -> tuple[str, str | None, str | None]:
    """``text`` with "he/she/his/her" replaced by the conversation's person they fit and "about
    it/that" by its topic; the person and topic used (or ``None``)."""
    person: str | None = None
    topic: str | None = None

    def person_for(pronoun: str) -> str | None:
        gendered = "she" if pronoun in {"she", "her", "hers"} else "he"
        for turn in reversed(conversation.turns):  # whom a turn was about, whom its answer quoted, whom it named
            named = [turn.understood[a:b] for a, b in _names(turn.understood) if " " in turn.understood[a:b]]
            for who in (turn.person, *turn.speakers, *named):
                if who and pronoun_may_mean(who, gendered):
                    return who
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


_NOT_CONTENT = STOPWORDS | _QUESTION_WORDS | {"else", "say", "said", "more"}


def _content_words(text: str) -> list[str]:
    return list(dict.fromkeys(w for w in WORD.findall(search_text(text)) if w.casefold() not in _NOT_CONTENT))


_NAME = re.compile(r"(?<=\s)[A-Z][\w'’\-]*(?:\s+[A-Z][\w'’\-]*)*")


def new_names(question: str, known: Callable[[], str]) -> list[str]:
    """Names in ``question`` (capitalised words not opening it) that ``known()`` never mentions: a
    question naming someone or something new starts a new topic. ``known`` is called only when the
    question names anything (it may join whole articles)."""
    spans = _names(question)
    if not spans:
        return []
    seen = known().casefold()
    return [question[a:b] for a, b in spans if question[a:b].casefold().strip("'’s") not in seen]


def _names(text: str) -> list[tuple[int, int]]:
    """Spans of capitalised words that do not open the question (names, places, bodies)."""
    return [m.span() for m in _NAME.finditer(text)]


# ------------------------------------------------------------------------------------------- turns


def turn_of(question: str, follow: FollowUp, answer: Answer, *, at: float) -> Turn:
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
    if person is None and answer.excerpts and asks_who_said(follow.text):
        person = answer.excerpts[0].speaker
    parts = what_said_parts(follow.text)
    if person is None and parts is not None:
        (start, end), _ = parts
        person = follow.text[start:end]
    topic = follow.topic
    if topic is None and follow.shape is not Shape.MORE:
        topic = _topic_of(follow.text, person, parts)
    speakers = tuple(dict.fromkeys(e.speaker for e in answer.excerpts if e.speaker))
    return Turn(question, follow.text, follow.shape, person, topic, shown, at, speakers)


def _topic_of(text: str, person: str | None, parts: tuple[tuple[int, int], int] | None) -> str | None:
    """What a question is about (``parts``: its ``what_said_parts``): its "about T" part, else its
    main words without the person's."""
    if parts is not None:
        rest = text[parts[1] :].strip(" ?")
        m = re.match(r"^(?:about|on|regarding|of|over)\s+(?P<t>.+)$", rest, re.IGNORECASE)
        return m.group("t").strip(" ?") if m else None
    skip = {w.casefold() for w in WORD.findall(person or "")} | {surname(person).casefold() if person else ""}
    words = [w for w in _content_words(text) if w.casefold() not in skip]
    return " ".join(words) or None


def conversation_started_by(answer: Answer, *, at: float) -> Conversation:
    """A conversation whose only turn is ``answer`` (to follow up an answer given before a restart)."""
    question = answer.understood or answer.question
    return Conversation().with_turn(turn_of(question, FollowUp(question, Shape.ALONE), answer, at=at))
