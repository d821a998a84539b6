"""speakers.py is pure: people in, autocomplete choices, notes, menu options and questions out,
always within Discord's limits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.discord_adapter import render
from bot.discord_adapter.speakers import (
    NOTE_LIMIT,
    count_label,
    is_ambiguous,
    others,
    reask_question,
    speaker_choices,
    speaker_note,
    speaker_options,
)
from bot.discord_adapter.views import answered_for, needs_view
from bot.models import Answer, Citation, Excerpt, SpeakerCount

ANNA, TOM = SpeakerCount("Anna Marsh", 3), SpeakerCount("Tom Marsh", 1)


def said(text: str, speaker: str) -> Excerpt:
    cite = Citation("a", "Canal", "https://news.example/c", "2026-05-08", 2, 1, 6)
    return Excerpt(text, (), (), cite, 1.0, speaker=speaker, quote=text)


def answer_for(*people: SpeakerCount, question: str = "What did Marsh say?", abstained: bool = False) -> Answer:
    excerpts = () if abstained else (said("The walls were worse than expected.", people[0].name),)
    return Answer(question, excerpts, abstained=abstained, speaker=people[0].name, speakers=people)


def test_choices_label_with_the_count_and_send_the_name() -> None:
    choices = speaker_choices([SpeakerCount("Boris Johnson", 412), TOM])
    assert [(c.name, c.value) for c in choices] == [
        ("Boris Johnson (412)", "Boris Johnson"),
        ("Tom Marsh (1)", "Tom Marsh"),
    ]
    assert count_label(SpeakerCount("A Big Name", 12_345)) == "A Big Name (12,345)"


def test_choices_stay_within_autocomplete_limits() -> None:
    people = [SpeakerCount(f"Person {n} " + "x" * 90, 10_000 - n) for n in range(40)]
    people.insert(3, SpeakerCount("y" * 101, 5))  # could not be sent back as a value: left out
    people.insert(0, SpeakerCount("  ", 7))
    choices = speaker_choices(people)
    assert len(choices) == 25
    assert all(1 <= len(c.name) <= 100 and 1 <= len(c.value) <= 100 for c in choices)
    assert choices[0].name.endswith("(10,000)") and choices[0].name.startswith("Person 0 x")
    assert all("y" * 100 not in c.value for c in choices)


def test_one_person_is_not_ambiguous() -> None:
    single = answer_for(TOM)
    assert not is_ambiguous(single) and speaker_note(single) is None and others(single) == []
    assert not is_ambiguous(Answer("q", (), True))
    assert not needs_view(Answer("q", (), True)) and needs_view(single)


def test_note_names_the_most_quoted_and_the_others() -> None:
    assert speaker_note(answer_for(ANNA, TOM)) == "Quotes of Anna Marsh, the most quoted Marsh; also: Tom Marsh (1)."
    assert speaker_note(answer_for(TOM, ANNA)) == "Quotes of Tom Marsh; also: Anna Marsh (3)."
    mixed = answer_for(SpeakerCount("J. Smith", 4), SpeakerCount("Jo Smithers", 1))
    assert speaker_note(mixed) == "Quotes of J. Smith, the most quoted of that name; also: Jo Smithers (1)."
    assert needs_view(answer_for(ANNA, TOM, abstained=True))  # nothing about the topic, yet others to offer


def test_note_escapes_names_and_stays_short() -> None:
    odd = answer_for(SpeakerCount("**Bold** Marsh", 9), SpeakerCount("@everyone Marsh", 2))
    expected = "Quotes of \\*\\*Bold\\*\\* Marsh, the most quoted Marsh; also: @\u200beveryone Marsh (2)."
    assert speaker_note(odd) == expected
    crowd = answer_for(SpeakerCount("Boris Johnson", 412), *(SpeakerCount(f"Person{n} Johnson", 3) for n in range(60)))
    note = speaker_note(crowd)
    assert note is not None and len(note) <= NOTE_LIMIT
    assert note.startswith("Quotes of Boris Johnson, the most quoted Johnson; also: Person0 Johnson (3), ")
    assert note.endswith(" more.")


def test_menu_options_are_the_others_within_limits() -> None:
    crowd = answer_for(SpeakerCount("Boris Johnson", 412), *(SpeakerCount(f"P{n} " + "j" * 120, 3) for n in range(40)))
    options = speaker_options(crowd)
    assert len(options) == 25
    assert [o.value for o in options] == [str(n) for n in range(25)]
    assert all(1 <= len(o.label) <= 100 and len(o.description or "") <= 100 for o in options)
    assert options[0].label.endswith(" (3)") and options[0].label.startswith("P0 jjj")
    assert [o.label for o in speaker_options(answer_for(ANNA, TOM))] == ["Tom Marsh (1)"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What did Marsh say?", "What did Tom Marsh say?"),
        ("What did Ms Marsh say about the lock?", "What did Tom Marsh say about the lock?"),
        ("What did Anna Marsh tell reporters?", "What did Tom Marsh tell reporters?"),
        ("What did A. Marsh say?", "What did Tom Marsh say?"),
        ("How did Health Secretary Marsh describe the repairs?", "How did Tom Marsh describe the repairs?"),
        ("What Did Marsh Say About Marsh Lane?", "What Did Tom Marsh Say About Marsh Lane?"),
        ("what did marsh say", "what did Tom Marsh say"),
        ("Quotes from Marsh about the lock", "Quotes from Tom Marsh about the lock"),
        ("What did the engineer say?", "What did Tom Marsh say?"),  # name not found: asked plainly
    ],
)
def test_reask_replaces_the_name_as_written(question: str, expected: str) -> None:
    assert reask_question(question, "Anna Marsh", "Tom Marsh") == expected


def test_the_answer_for_another_person_still_offers_everyone() -> None:
    first = answer_for(ANNA, TOM, SpeakerCount("Ed Marsh", 1))
    excerpts = (said("Bookings doubled.", "Tom Marsh"),)
    new = Answer("What did Tom Marsh say?", excerpts, abstained=False, speaker="Tom Marsh", speakers=(TOM,))
    merged = answered_for(new, TOM, first)
    assert merged.speakers == (TOM, ANNA, SpeakerCount("Ed Marsh", 1))
    assert merged.excerpts == new.excerpts and merged.question == new.question
    lost = Answer("What did Tom Marsh say?", (), True, reason="not quoted")
    assert answered_for(lost, TOM, first) is lost  # not answered for him: shown as it is


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(st.text(min_size=1, max_size=150), min_size=2, max_size=40, unique=True),
    counts=st.lists(st.integers(1, 10**7), min_size=40, max_size=40),
)
def test_any_people_render_within_discord_limits(names: list[str], counts: list[int]) -> None:
    people = tuple(SpeakerCount(n, c) for n, c in zip(names, counts, strict=False))
    answer = answer_for(*people)
    for choice in speaker_choices(people):
        assert 1 <= len(choice.name) <= 100 and 1 <= len(choice.value) <= 100
    options = speaker_options(answer)
    assert len(options) <= 25 and len({o.value for o in options}) == len(options)
    assert all(1 <= len(o.label) <= 100 and len(o.description or "") <= 100 for o in options)
    note = speaker_note(answer)
    assert note is None or len(note) <= NOTE_LIMIT
    render.check_embed(render.render_answer(answer, note=note))
    render.check_embed(render.render_answer(answer_for(*people, abstained=True), note=note))
