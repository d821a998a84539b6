"""Answer-type phrases and answer types of questions (``bot.retrieval.question``)."""

from __future__ import annotations

import pytest

from bot.retrieval.question import AnswerType, parse_question, question_words, search_text


@pytest.mark.parametrize(
    ("question", "kept", "dropped"),
    [
        ("What kind of engines did the glider have?", "engines did the glider have", "kind"),
        ("In what year did the ferry sink?", "did the ferry sink", "year"),
        ("How many drones did Russia launch?", "drones did Russia launch", "many"),
        ("What is the name of the ship?", "the ship", "name"),
        ("Approximately how much did the dam cost?", "did the dam cost", "much"),
    ],
)
def test_search_text_drops_only_the_answer_type_phrase(question, kept, dropped):
    text = search_text(question)
    assert " ".join(text.split()).rstrip("?").endswith(kept)
    assert dropped not in text.lower()


def test_search_text_keeps_ordinary_words():
    assert search_text("Who named the comet?") == "Who named the comet?"
    assert search_text("How long is the tunnel?").split()[-2:] == ["the", "tunnel?"]


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When did the mill close?", AnswerType.TIME),
        ("In which year was the school built?", AnswerType.TIME),
        ("How many pupils attend?", AnswerType.NUMBER),
        ("What percentage voted yes?", AnswerType.NUMBER),
        ("Who founded the choir?", AnswerType.PERSON),
        ("To whom did she sell the farm?", AnswerType.PERSON),
        ("Where was the treaty signed?", AnswerType.PLACE),
        ("Why did the mill close?", None),
        ("What did Vance say?", None),
    ],
)
def test_answer_type_of(question, kind):
    assert AnswerType.of(question) is kind


def test_matches_time_and_number():
    assert AnswerType.TIME.matches("The mill closed in 1987.", frozenset())
    assert AnswerType.TIME.matches("It closed in March.", frozenset())
    assert not AnswerType.TIME.matches("The mill closed after a long strike.", frozenset())
    assert AnswerType.NUMBER.matches("Some forty pupils attend.", frozenset())
    assert AnswerType.NUMBER.matches("About 40 pupils attend.", frozenset())
    assert not AnswerType.NUMBER.matches("Few pupils attend.", frozenset())


def test_matches_names_not_in_the_question():
    words = question_words("Who founded the Vell choir?")
    assert words == frozenset({"who", "founded", "the", "vell", "choir"})
    assert AnswerType.PERSON.matches("The choir was founded by Ida Marsh in the valley.", words)
    # The only capitalised words are the sentence's first word and one the question names.
    assert not AnswerType.PERSON.matches("The choir sings in Vell every week.", words)


def test_an_adverb_after_the_verb_is_not_a_topic():
    for question in ("What did Vance say afterwards?", "What did Vance say exactly?", "What did Vance say then?"):
        parsed = parse_question(question, lambda s: s.lower().split())
        assert parsed.speaker == "Vance" and parsed.topic is None
    assert parse_question("What did Vance say about the war?", lambda s: s.lower().split()).topic == "the war"
