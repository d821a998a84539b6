"""Follow-up questions read against their conversation (pure: no index)."""

import pytest

from bot.models import IDLE_SECONDS, MAX_TURNS, Answer, Citation, Conversation, Excerpt, Shape
from bot.retrieval.conversation import NoEarlierAnswer, resolve, turn_of


def _excerpt(position: int, speaker: str | None = None, article: str = "a1") -> Excerpt:
    cite = Citation(article, "Title", None, None, position, 1, 40)
    return Excerpt(sentence=f"sentence {position}", before=(), after=(), citation=cite, score=1.0, speaker=speaker)


def _after(question: str, *excerpts: Excerpt, speaker: str | None = None, at: float = 0.0, conv=None) -> Conversation:
    conv = conv or Conversation()
    follow = resolve(question, conv)
    answer = Answer(question, excerpts, abstained=not excerpts, speaker=speaker)
    return conv.with_turn(turn_of(question, follow, answer, at=at))


def test_a_first_question_stands_alone():
    follow = resolve("How many drones did Russia launch?", Conversation())
    assert follow.shape is Shape.ALONE and follow.text == "How many drones did Russia launch?"


def test_a_bare_follow_up_without_an_earlier_answer_is_refused():
    for question in ("more", "When was that?", "why?"):
        with pytest.raises(NoEarlierAnswer):
            resolve(question, Conversation())


def test_and_x_replaces_the_speaker_when_the_articles_quote_x():
    conv = _after("What did Vance say about Ukraine?", _excerpt(20, "JD Vance"), speaker="JD Vance")
    follow = resolve("And Peskov?", conv, is_speaker=lambda name: name == "Peskov")
    assert follow.shape is Shape.NEW_SUBJECT
    assert follow.text == "What did Peskov say about Ukraine?"


def test_what_about_a_topic_replaces_the_topic_when_nobody_of_that_name_is_quoted():
    conv = _after("What did Vance say about Ukraine?", _excerpt(20, "JD Vance"), speaker="JD Vance")
    follow = resolve("What about the Kremlin?", conv, is_speaker=lambda name: False)
    assert follow.text == "What did Vance say about the Kremlin?"


def test_and_x_after_a_plain_question_replaces_its_name():
    conv = _after("How many drones did Russia launch?", _excerpt(33))
    assert resolve("And Ukraine?", conv).text == "How many drones did Ukraine launch?"


def test_what_else_did_he_say_names_the_speaker_and_leaves_out_what_was_shown():
    conv = _after("What did Trump write after the call?", _excerpt(1, "Donald Trump"), speaker="Donald Trump")
    follow = resolve("What else did he write?", conv)
    assert follow.shape is Shape.ELSE
    assert follow.text == "What else did Donald Trump write?"
    assert [s.position for s in follow.exclude] == [1]


def test_she_skips_a_man_for_the_woman_quoted_before():
    conv = _after("What did Leavitt say?", _excerpt(24, "Karoline Leavitt"), speaker="Karoline Leavitt")
    conv = _after("What did Trump write?", _excerpt(1, "Donald Trump"), speaker="Donald Trump", conv=conv)
    assert resolve("What did she say about the talks?", conv).text == "What did Karoline Leavitt say about the talks?"
    assert resolve("What did he say about the talks?", conv).text == "What did Donald Trump say about the talks?"


def test_about_it_takes_the_previous_topic():
    conv = _after("What did Vance say about the ceasefire?", _excerpt(20, "JD Vance"), speaker="JD Vance")
    assert resolve("What did Zelensky say about it?", conv).text == "What did Zelensky say about the ceasefire?"


def test_when_where_why_are_about_the_previous_answer():
    conv = _after("How many drones did Russia launch?", _excerpt(33), _excerpt(29))
    for question, shape in (("When was that?", Shape.WHEN), ("Where?", Shape.WHERE), ("Why did it happen?", Shape.WHY)):
        follow = resolve(question, conv)
        assert follow.shape is shape
        assert follow.near is not None and follow.near.position == 33
        assert "How many drones did Russia launch" in follow.text


def test_a_when_question_with_its_own_subject_stands_alone():
    conv = _after("How many drones did Russia launch?", _excerpt(33))
    assert resolve("When did the prisoner swap take place?", conv).shape is Shape.ALONE


def test_more_repeats_the_question_without_what_was_shown():
    conv = _after("What did Vance say?", _excerpt(20, "JD Vance"), speaker="JD Vance")
    for question in ("more", "Tell me more", "go on", "more please"):
        follow = resolve(question, conv)
        assert follow.shape is Shape.MORE and follow.text == "What did Vance say?"
        assert [s.position for s in follow.exclude] == [20]


def test_who_else_asks_about_the_same_topic_leaving_out_those_shown():
    conv = _after("What did Vance say about the ceasefire?", _excerpt(20, "JD Vance"), speaker="JD Vance")
    follow = resolve("Who else commented?", conv)
    assert follow.shape is Shape.WHO_ELSE
    assert "ceasefire" in follow.text and [s.position for s in follow.exclude] == [20]


def test_a_new_topic_is_not_dragged_back():
    conv = _after("What did Vance say?", _excerpt(20, "JD Vance"), speaker="JD Vance")
    for question in ("How many drones did Russia launch?", "What did Marta Lind write about the bridge?"):
        follow = resolve(question, conv)
        assert follow.shape is Shape.ALONE and follow.text == question


def test_an_elliptic_short_question_is_expanded_with_the_previous_words():
    conv = _after("How many drones did Russia launch?", _excerpt(33))
    follow = resolve("what happened there?", conv)
    assert follow.shape is Shape.EXPANDED and "drones" in follow.text and "happened" in follow.text
    follow = resolve("And missiles?", conv)
    assert follow.shape is Shape.NEW_SUBJECT and "drones" in follow.text and "missiles" in follow.text


def test_a_conversation_expires_after_idle_minutes_and_keeps_the_last_turns():
    conv = _after("What did Vance say?", _excerpt(20, "JD Vance"), speaker="JD Vance", at=1000.0)
    assert conv.current(1000.0 + IDLE_SECONDS - 1) is conv
    assert conv.current(1000.0 + IDLE_SECONDS + 1).turns == ()
    for i in range(MAX_TURNS + 2):
        conv = _after(f"What did Vance say about {i}?", _excerpt(i + 1, "JD Vance"), speaker="JD Vance", conv=conv)
    assert len(conv.turns) == MAX_TURNS


def test_where_a_statement_was_made_counts_as_a_place():
    from bot.retrieval.follow_up import holds

    assert holds(Shape.WHERE, "He wrote in a post on Truth Social that the talks went well.")
    assert holds(Shape.WHERE, "The ferry will dock in Millside.")
    assert not holds(Shape.WHERE, "the talks went well, he said.")
    assert holds(Shape.WHEN, "The bridge reopened on Sunday.") and not holds(Shape.WHEN, "The bridge reopened.")
    assert holds(Shape.WHY, "It closed because the walls were cracked.") and not holds(Shape.WHY, "It closed.")
