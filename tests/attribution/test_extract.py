"""Attribution rules on short sentences written for the tests."""

from __future__ import annotations

import pytest

from bot.attribution.extract import Attribution, extract_attributions
from bot.ingest.documents import sentence_spans


def extract(text: str) -> tuple[str, list[Attribution]]:
    normal, spans = sentence_spans(text)
    return normal, list(extract_attributions(normal, spans))


def described(text: str) -> list[tuple[str | None, str, str | None, str]]:
    """(source, cue, speaker, content) of every attribution in ``text``."""
    normal, found = extract(text)
    return [
        (
            normal[a.source.start : a.source.end] if a.source else None,
            normal[a.cue.start : a.cue.end],
            a.speaker,
            normal[a.content.start : a.content.end],
        )
        for a in found
    ]


def speakers(text: str) -> list[str | None]:
    return [a.speaker for a in extract(text)[1]]


def test_quotation_before_the_verb():
    ((source, cue, speaker, content),) = described("“The bridge will open in May,” Mayor Ida Marsh said.")
    assert (source, cue, speaker) == ("Mayor Ida Marsh", "said", "Ida Marsh")
    assert content == "“The bridge will open in May,”"


def test_inverted_verb_after_the_quotation():
    ((source, cue, speaker, content),) = described("“We will rebuild it,” said Tom Okafor, the harbour master.")
    assert cue == "said" and speaker == "Tom Okafor" and source.startswith("Tom Okafor")
    assert content == "“We will rebuild it,”"


def test_reported_speech_after_the_verb_keeps_that():
    ((source, cue, speaker, content),) = described(
        "Harbour master Tom Okafor said that the ferry would return next spring."
    )
    assert (source, cue, speaker) == ("Harbour master Tom Okafor", "said", "Tom Okafor")
    assert content == "that the ferry would return next spring"


def test_clause_before_the_source():
    ((_, cue, speaker, content),) = described("The ferry will return next spring, Tom Okafor said.")
    assert (cue, speaker, content) == ("said", "Tom Okafor", "The ferry will return next spring")


def test_according_to_either_way_round():
    ((_, cue, speaker, content),) = described("According to Ida Marsh, the repairs cost four million crowns.")
    assert cue == "According to" and speaker == "Ida Marsh" and content == "the repairs cost four million crowns"
    ((_, cue, speaker, content),) = described("The repairs cost four million crowns, according to Ida Marsh.")
    assert cue == "according to" and speaker == "Ida Marsh" and content == "The repairs cost four million crowns"


def test_colon_before_a_quotation():
    ((_, _, speaker, content),) = described("Ida Marsh put it simply: “Nobody will pay the new fee.”")
    assert speaker == "Ida Marsh" and content == "“Nobody will pay the new fee.”"


def test_colon_and_the_quotation_as_the_next_paragraph():
    ((_, cue, speaker, content),) = described("Ida Marsh continued:\n\n“Nobody will pay the new fee. Nobody.”")
    assert cue == "continued" and speaker == "Ida Marsh"
    assert content == "“Nobody will pay the new fee. Nobody.”"


def test_a_quotation_over_several_sentences_is_one_statement():
    ((_, _, speaker, content),) = described(
        "Ida Marsh said: “The bridge will open in May. The fee will stay. Nobody should worry.” Then she left."
    )
    assert speaker == "Ida Marsh"
    assert content == "“The bridge will open in May. The fee will stay. Nobody should worry.”"


def test_a_quotation_resumed_after_the_cue_and_running_on():
    ((_, _, speaker, content),) = described(
        "“It was late,” Ida Marsh said, “and the river was high. We waited.” “Then we crossed.”"
    )
    assert speaker == "Ida Marsh"
    assert content.startswith("“It was late,”") and content.endswith("“Then we crossed.”")


def test_pronoun_sources_are_the_person_last_quoted():
    text = (
        "Mayor Ida Marsh spoke first. “The bridge will open in May,” Marsh said. "
        "She added that the fee would stay. She further wrote, “The river is high.”"
    )
    assert speakers(text) == ["Ida Marsh", "Ida Marsh", "Ida Marsh"]


def test_a_pronoun_is_not_the_person_named_inside_the_quotation():
    text = (
        "Tom Okafor spoke to Ida Marsh on Monday. Ida Marsh said the talks went well. "
        "“The arrogance of that Marsh is unbelievable,” he said."
    )
    # "he" is not Marsh, whose name is inside the quotation: the person named before her.
    assert speakers(text)[-1] == "Tom Okafor"


def test_surname_and_title_resolve_to_the_full_name_in_the_article():
    text = "Ida Marsh runs the harbour. “We are ready,” Mrs Marsh said. Marsh told reporters that the fee would stay."
    assert speakers(text) == ["Ida Marsh", "Ida Marsh"]


@pytest.mark.parametrize(
    "text",
    [
        "Tom Okafor said he had not talked with Marsh about the fee.",  # an object
        "Marsh's office said the fee would stay.",  # a possessive
        "A report commissioned by Ida Marsh said the fee would stay.",  # a name inside another phrase
        "Tom Okafor told Marsh that the fee would stay.",  # the one told
    ],
)
def test_possessives_objects_and_names_in_other_phrases_are_not_sources(text):
    assert all(s is None or "Marsh" not in s for s in speakers(text))


def test_negation_is_not_a_statement():
    assert speakers("Ida Marsh did not say when the bridge would open.") == []


def test_declined_to_comment_is_a_statement_that_says_nothing():
    _, found = extract("Tom Okafor declined to comment on the fee.")
    assert [(a.speaker, a.substantive) for a in found] == [("Tom Okafor", False)]


def test_verbs_in_capitals_and_nouns_are_not_cues():
    assert speakers("The United States sent a ferry. His repeated claims were ignored.") == []


def test_transcript_lines_name_the_speaker():
    _, found = extract("IDA MARSH: The bridge will open in May and the fee will stay.\n\nTOM OKAFOR: Fine.")
    assert [(a.speaker, a.substantive) for a in found] == [("Ida Marsh", True), ("Tom Okafor", False)]


def test_a_preview_of_what_someone_will_say_ranks_as_saying_nothing_yet():
    _, found = extract("Ida Marsh will tell the council on Monday that the bridge fee must go for good.")
    assert [(a.speaker, a.substantive) for a in found] == [("Ida Marsh", False)]


def test_she_is_not_given_to_a_man_nor_he_to_a_woman():
    text = "Ida Marsh opened the meeting. Tom Okafor spoke next. “We will build it,” she said. “Not yet,” he said."
    assert speakers(text) == ["Ida Marsh", "Tom Okafor"]
