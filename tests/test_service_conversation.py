"""Conversations through ``NewsService.converse`` on the shipped article."""

import pytest

from bot.errors import InvalidQuestion
from bot.models import IDLE_SECONDS, Conversation


def _play(service, questions, *, now=1000.0):
    conv, answers = Conversation(), []
    for q in questions:
        exchange = service.converse(q, conv, now=now)
        conv = exchange.conversation
        answers.append(exchange.answer)
    return answers, conv


def test_and_peskov_repeats_the_question_for_peskov(shipped_service):
    first, second = _play(shipped_service, ["What did Vance say?", "And Peskov?"])[0]
    assert first.excerpts[0].speaker == "JD Vance" and first.understood is None
    assert second.understood.startswith("What did Peskov say? (in ")
    assert second.question == "And Peskov?"
    assert second.excerpts[0].speaker == "Dmitry Peskov"


def test_what_else_did_he_write_gives_another_statement_of_trump(shipped_service):
    first, second = _play(shipped_service, ["What did Trump write after the call?", "What else did he write?"])[0]
    assert first.excerpts[0].speaker == "Donald Trump"
    assert second.understood.startswith("What else did Donald Trump write? (in ")
    shown = {e.citation.position for e in first.excerpts}
    assert second.excerpts and all(e.speaker == "Donald Trump" for e in second.excerpts)
    assert not shown & {e.citation.position for e in second.excerpts}


def test_when_was_that_answers_from_the_drone_answers_article(shipped_service):
    first, when = _play(shipped_service, ["How many drones did Russia launch?", "When was that?"])[0]
    assert not when.abstained and when.understood.startswith("when was that?")
    best = when.excerpts[0]
    assert best.citation.article_id == first.excerpts[0].citation.article_id
    assert any(d.start.isoformat() == "2025-05-18" for d in best.dates)  # "on Sunday" of a 19 May article


def test_more_continues_with_answers_not_yet_shown(shipped_service):
    first, more = _play(shipped_service, ["What did Trump say?", "more"])[0]
    assert more.understood == "more answers to: What did Trump say?"
    before = {e.citation.position for e in first.excerpts}
    assert more.excerpts and not before & {e.citation.position for e in more.excerpts}


def test_a_new_topic_after_a_conversation_is_answered_as_if_alone(shipped_service):
    answers, _ = _play(shipped_service, ["What did Vance say?", "And Peskov?", "How many drones did Russia launch?"])
    alone = shipped_service.ask("How many drones did Russia launch?")
    assert answers[-1].understood is None
    assert [e.citation.position for e in answers[-1].excerpts] == [e.citation.position for e in alone.excerpts]


def test_an_idle_conversation_starts_over(shipped_service):
    _, conv = _play(shipped_service, ["What did Vance say?"], now=1000.0)
    later = shipped_service.converse("And Peskov?", conv, now=1000.0 + IDLE_SECONDS + 5)
    assert later.answer.understood is None
    assert len(later.conversation.turns) == 1


def test_a_follow_up_with_nothing_before_it_is_a_clear_error(shipped_service):
    with pytest.raises(InvalidQuestion, match="earlier answer"):
        shipped_service.converse("When was that?", None)


def test_who_else_gives_other_people_on_the_same_topic(shipped_service):
    first, others = _play(shipped_service, ["What did Peskov say about the call?", "Who else talked about it?"])[0]
    assert first.excerpts[0].speaker == "Dmitry Peskov"
    assert others.understood.startswith("who else said something about the call? (in ")
    speakers = {e.speaker for e in others.excerpts}
    assert len(others.excerpts) >= 2 and None not in speakers and "Dmitry Peskov" not in speakers


def test_a_reading_that_finds_nothing_falls_back_to_the_question_as_asked(shipped_service):
    first, pope = _play(shipped_service, ["What did Leavitt say?", "and the Pope?"])[0]
    assert first.excerpts[0].speaker == "Karoline Leavitt"
    assert not pope.abstained and pope.understood is None
    assert "Pope" in pope.excerpts[0].sentence
