"""Pure rendering for quoted people: autocomplete choices, the "whom this answers for" note, the
select menu's options, and the question re-asked for another person.

A name such as "Marsh" may mean several people the articles quote; the core answers for the most
quoted and lists every candidate in ``Answer.speakers`` (the one answered for first). These
functions turn that list into Discord text and components, within Discord's limits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import discord

from bot.discord_adapter.render import CHOICE_COUNT_LIMIT, CHOICE_TEXT_LIMIT, clip, escape
from bot.models import Answer, SpeakerCount

OPTION_LIMIT = 25  # options in one select menu
OPTION_TEXT_LIMIT = 100  # label, value and description of one option
PLACEHOLDER_LIMIT = 150
NOTE_LIMIT = 400
PLACEHOLDER = "Someone else of that name?"
# A capitalised word (title, first name, initial) written just before a surname: "Ms ", "Anna ", "J. ".
_NAME_WORD = re.compile(r"[A-Z][\w'\u2019.\-]*\s+$")
# Words that start a question even when it is written in title case ("What Did Marsh Say?").
_QUESTION_WORDS = frozenset(
    "what how did does do has have had is was were will would and so else quotes quote statements from by of".split()
)


def count_label(person: SpeakerCount, limit: int = CHOICE_TEXT_LIMIT) -> str:
    """``Boris Johnson (412)``, the name cut so that the whole fits ``limit`` characters."""
    tail = f" ({person.statements:,})"
    return clip(" ".join(person.name.split()), limit - len(tail)) + tail


def speaker_choices(people: Sequence[SpeakerCount]) -> list[discord.app_commands.Choice[str]]:
    """Autocomplete choices for a speaker: at most 25, label ``Name (statements)``, value the name.

    A name longer than a choice value may be (100 characters) is left out: it could not be sent back.
    """
    choices: list[discord.app_commands.Choice[str]] = []
    for person in people:
        name = " ".join(person.name.split())
        if not 0 < len(name) <= CHOICE_TEXT_LIMIT:
            continue
        choices.append(discord.app_commands.Choice(name=count_label(person), value=name))
        if len(choices) == CHOICE_COUNT_LIMIT:
            break
    return choices


def is_ambiguous(answer: Answer) -> bool:
    """Whether the name asked about could mean someone else too (then the others are offered)."""
    return answer.speaker is not None and any(p.name != answer.speaker for p in answer.speakers)


def others(answer: Answer) -> list[SpeakerCount]:
    """The people the name could also mean, most quoted first, at most one select menu's worth."""
    return [p for p in answer.speakers if p.name != answer.speaker][:OPTION_LIMIT]


def _surname(name: str) -> str:
    words = name.split()
    return words[-1] if words else name


def speaker_note(answer: Answer, *, limit: int = NOTE_LIMIT) -> str | None:
    """"Quotes of Anna Marsh, the most quoted Marsh; also: Tom Marsh (1)." (escaped, at most
    ``limit`` characters), or ``None`` when the name means one person only."""
    if not is_ambiguous(answer) or answer.speaker is None:
        return None
    chosen = next((p for p in answer.speakers if p.name == answer.speaker), None)
    rest = [p for p in answer.speakers if p.name != answer.speaker]
    head = f"Quotes of {escape(clip(answer.speaker, 100))}"
    if chosen is not None and all(chosen.statements >= p.statements for p in rest):
        family = _surname(answer.speaker)
        same = all(_surname(p.name).casefold() == family.casefold() for p in rest)
        head += f", the most quoted {escape(clip(family, 60))}" if same else ", the most quoted of that name"
    head += "; also: "
    shown: list[str] = []
    for number, person in enumerate(rest):
        item = escape(count_label(person))
        left = len(rest) - number - 1
        more = f" and {left:,} more" if left else ""
        if len(head) + len(", ".join([*shown, item])) + len(more) + 1 > limit:
            more = f" and {len(rest) - number:,} more"
            break
        shown.append(item)
    else:
        more = ""
    if not shown:
        return clip(f"{head.removesuffix('; also: ')}; {len(rest):,} others of that name.", limit)
    return f"{head}{', '.join(shown)}{more}."


def speaker_options(answer: Answer) -> list[discord.SelectOption]:
    """Select menu options for the other people (value: their position in ``others(answer)``)."""
    return [
        discord.SelectOption(
            label=count_label(person, OPTION_TEXT_LIMIT),
            value=str(number),
            description=clip(f"Quotes of {person.name}", OPTION_TEXT_LIMIT),
        )
        for number, person in enumerate(others(answer))
    ]


def reask_question(question: str, answered_for: str, other: str) -> str:
    """``question`` asked about ``other`` instead of the person it was answered for.

    The name as the question wrote it ("Marsh", "Ms Marsh", "A. Marsh", "Anna Marsh") is found by
    the surname of ``answered_for`` and replaced with ``other``'s full name, so the verb and the
    topic stay ("What did Marsh say about the lock?" -> "What did Tom Marsh say about the lock?").
    When the name cannot be found, the question is simply "What did OTHER say?".
    """
    family = _surname(answered_for)
    pattern = rf"(?<![\w'\u2019]){re.escape(family)}(?![\w'\u2019])"
    found = re.search(pattern, question, re.IGNORECASE) if family else None
    if found is None:
        return f"What did {other} say?"
    start = found.start()
    while (lead := _NAME_WORD.search(question[:start])) is not None:
        if lead.group().strip().casefold() in _QUESTION_WORDS:
            break
        start = lead.start()
    return question[:start] + other + question[found.end() :]
