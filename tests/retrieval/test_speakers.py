"""'What did X say?' and 'Who said ...?' through NewsService.ask, on short articles written for the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.service import NewsService, build_service

ARTICLES = {
    "ferry-returns": (
        "Ferry service returns to Quillfield",
        "2024-03-02",
        "The harbour authority confirmed the ferry will run again in April.\n\n"
        "“The ferry is the town's lifeline, and we have missed it every single day,” said Anna Marsh, "
        "the harbour master. Marsh added that tickets would cost less than before.\n\n"
        "Tom Marsh, a fisherman, declined to comment.\n\n"
        "Officials said the new boat was built in Norway.",
    ),
    "bridge-fee": (
        "Bridge fee row continues",
        "2024-05-10",
        "The council met Anna Marsh on Monday to discuss the bridge fee.\n\n"
        "Anna Marsh said the bridge fee was unfair to families who cross the river every day. "
        "“We will fight this fee in every meeting until it is gone,” she said.\n\n"
        "Councillor Ravi Patel's office said the fee would stay for another year. "
        "Patel talked with Marsh after the meeting.\n\n"
        "Tom Marsh said the fishing fleet would also pay the bridge fee twice a week.",
    ),
    "museum-opens": (
        "Harbour museum opens its doors",
        "2024-06-01",
        "The new harbour museum opened on Saturday with an exhibition about old ferries.\n\n"
        "Visitors praised the model boats. Greta Lind, a visitor from Vell, called the museum "
        "a wonderful place for children to learn about the sea.\n\n"
        "A plaque thanks Ida Okafor, who paid for the building.",
    ),
}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> NewsService:
    corpus = tmp_path_factory.mktemp("speakers-corpus")
    for name, (title, date, body) in ARTICLES.items():
        (corpus / f"{name}.md").write_text(f"---\ntitle: {title}\npublished: {date}\n---\n{body}\n", encoding="utf-8")
    return build_service(Path(corpus), tmp_path_factory.mktemp("speakers-index"))


def test_what_did_x_say_answers_with_x_statements_only(service):
    answer = service.ask("What did Anna Marsh say?")
    assert not answer.abstained and answer.speaker == "Anna Marsh"
    assert answer.excerpts and all(e.speaker == "Anna Marsh" for e in answer.excerpts)
    texts = " ".join(e.text for e in answer.excerpts)
    assert "talked with Marsh" not in texts  # a mention, not a statement


def test_a_surname_shared_by_two_people_answers_for_the_most_quoted_and_offers_the_other(service):
    answer = service.ask("What did Marsh say?")
    assert [s.name for s in answer.speakers][:2] == ["Anna Marsh", "Tom Marsh"]
    assert answer.speakers[0].statements > answer.speakers[1].statements
    assert all(e.speaker == "Anna Marsh" for e in answer.excerpts)
    other = service.quotes("Tom Marsh")
    assert other.speaker == "Tom Marsh" and all(e.speaker == "Tom Marsh" for e in other.excerpts)


def test_declined_to_comment_ranks_after_a_substantive_statement(service):
    answer = service.ask("What did Tom Marsh say?")
    assert "fishing fleet" in answer.excerpts[0].sentence
    assert "declined to comment" in answer.excerpts[-1].sentence


def test_topic_limits_the_statements(service):
    answer = service.ask("What did Anna Marsh say about the bridge fee?")
    assert not answer.abstained and "fee" in answer.excerpts[0].text
    never = service.ask("What did Anna Marsh say about Norway?")
    assert never.abstained and "never about Norway" in (never.reason or "")


def test_a_statement_is_shown_whole_with_its_quote(service):
    answer = service.ask("What did Anna Marsh say about the lifeline?")
    first = answer.excerpts[0]
    assert first.quote is not None and first.quote.startswith("“The ferry is the town's lifeline")
    assert first.citation.title == "Ferry service returns to Quillfield"


def test_a_person_mentioned_but_never_quoted_is_said_so(service):
    answer = service.ask("What did Ida Okafor say?")
    assert answer.abstained and answer.reason == "Ida Okafor is mentioned in 1 article but never quoted in it"


def test_a_possessive_is_not_the_person_speaking(service):
    answer = service.ask("What did Ravi Patel say?")
    assert answer.abstained and "never quoted" in (answer.reason or "")


def test_who_said_names_the_speaker(service):
    answer = service.ask("Who called the museum a wonderful place for children?")
    assert answer.excerpts[0].speaker == "Greta Lind"


def test_speakers_for_autocomplete_are_the_most_quoted_first(service):
    assert [s.name for s in service.speakers("mar")] == ["Anna Marsh", "Tom Marsh"]
    assert [s.name for s in service.speakers("gre")] == ["Greta Lind"]


def test_a_question_that_is_not_about_a_person_is_answered_as_before(service):
    answer = service.ask("What did the officials say about the new boat?")
    assert answer.speaker is None and "Norway" in answer.excerpts[0].text


def test_seed_article_speakers(shipped_service):
    vance = shipped_service.ask("What did Vance say?")
    assert vance.excerpts[0].speaker == "JD Vance"
    assert "more than open to walking away" in vance.excerpts[0].sentence
    peskov = shipped_service.ask("What did Peskov say?")
    assert peskov.excerpts[0].speaker == "Dmitry Peskov" and "conversation important" in peskov.excerpts[0].sentence
    leavitt = shipped_service.ask("What did Leavitt say?")
    assert {e.speaker for e in leavitt.excerpts} == {"Karoline Leavitt"}
    assert any("grown weary" in e.text for e in leavitt.excerpts)
    assert any(e.text.startswith("She added") for e in leavitt.excerpts)  # the pronoun source
    who = shipped_service.ask("Who said the tone and spirit of the conversation were excellent?")
    assert who.excerpts[0].speaker == "Donald Trump"
    assert "The tone and spirit of the conversation were excellent." in who.excerpts[0].text


def test_a_what_did_x_question_about_a_deed_is_answered_from_the_articles(service):
    # "add" is a verb of saying, but this asks what Ida Okafor (never quoted) gave the building.
    answer = service.ask("What did Ida Okafor add to the building?")
    assert not answer.abstained and "Ida Okafor" in answer.excerpts[0].sentence
    # Without a topic the question is read as asking for her words.
    assert service.ask("What did Ida Okafor say?").abstained


def test_a_speaker_of_an_added_article_is_found_like_a_built_one(service):
    from bot.models import Article, ArticleMeta
    from bot.service import NewsService

    grown = NewsService(service.corpus, service._tokenizer)
    grown.warm_up()  # the speaker tables exist before the add, so the add extends them
    text = "“The harbour will get a second crane,” said Olga Marsh, the port engineer. Officials agreed."
    grown.add_article(Article(ArticleMeta(id="crane", title="A second crane"), text))
    assert [s.name for s in grown.speakers("mars")] == ["Anna Marsh", "Tom Marsh", "Olga Marsh"]
    assert grown.ask("What did Olga Marsh say?").excerpts[0].speaker == "Olga Marsh"
    assert [s.name for s in grown.ask("What did Marsh say?").speakers] == ["Anna Marsh", "Tom Marsh", "Olga Marsh"]
