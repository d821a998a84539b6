"""Tests for bot.ingest.sentences (every text here was written for these tests)."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ingest.sentences import split_sentences, split_spans
from bot.ingest.text import normalise, repair_glued


def pipeline(text: str) -> list[str]:
    return split_sentences(repair_glued(normalise(text)))


def check_spans(text: str) -> list[tuple[int, int]]:
    """split_spans plus the invariants every result must satisfy."""
    spans = split_spans(text)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        piece = text[start:end]
        assert piece == piece.strip()
        previous_end = end
    assert split_sentences(text) == [text[s:e] for s, e in spans]
    return spans


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # golden-rule style cases, with our own wording
        ("The bus was late. Nobody minded.", ["The bus was late.", "Nobody minded."]),
        ("Where is the key? It is here.", ["Where is the key?", "It is here."]),
        ("We won! Drinks are on me.", ["We won!", "Drinks are on me."]),
        ("Ask for Maria T. Lopez at the desk.", ["Ask for Maria T. Lopez at the desk."]),
        ("See the chart on p. 12 for details.", ["See the chart on p. 12 for details."]),
        ("Did Tom and co. come to dinner?", ["Did Tom and co. come to dinner?"]),
        ("We signed with Hale, Gray & Co. on Monday.", ["We signed with Hale, Gray & Co. on Monday."]),
        ("Ask Tom and co. They were there.", ["Ask Tom and co.", "They were there."]),
        ("We signed with Hale & Co. It was quick.", ["We signed with Hale & Co.", "It was quick."]),
        ("The view of Mt. Blanc was clear.", ["The view of Mt. Blanc was clear."]),
        ("She moved to the U.K. last spring.", ["She moved to the U.K. last spring."]),
        ("They moved to the U.K. What a change!", ["They moved to the U.K.", "What a change!"]),
        ("He works for the U.S. Treasury now.", ["He works for the U.S. Treasury now."]),
        ("It costs $250.00 today.", ["It costs $250.00 today."]),
        ("It costs $250.00. That is fair.", ["It costs $250.00.", "That is fair."]),
        ("Mail tom.baker@example.org. He answers fast.", ["Mail tom.baker@example.org.", "He answers fast."]),
        ("Go to https://example.org/a/b.html. Then log in.", ["Go to https://example.org/a/b.html.", "Then log in."]),
        ("Wow!! That was close.", ["Wow!!", "That was close."]),
        ("Really?! You did that?", ["Really?!", "You did that?"]),
        ("She works at Yahoo! in sales.", ["She works at Yahoo! in sales."]),
        ("It was him and I. Did you see Carl I. Berg?", ["It was him and I.", "Did you see Carl I. Berg?"]),
        ("He paused (he was tired.) and went on.", ["He paused (he was tired.) and went on."]),
        ("I meant it.... She had gone.", ["I meant it....", "She had gone."]),
        ("Well ... maybe . . . I suppose so.", ["Well ... maybe . . . I suppose so."]),
    ],
)
def test_golden_style_cases(text, expected):
    assert pipeline(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1. Buy milk 2. Feed the cat", ["1. Buy milk", "2. Feed the cat"]),
        ("1. Buy milk. 2. Feed the cat.", ["1. Buy milk.", "2. Feed the cat."]),
        ("1) Buy milk 2) Feed the cat", ["1) Buy milk", "2) Feed the cat"]),
        ("1.) Buy milk 2.) Feed the cat", ["1.) Buy milk", "2.) Feed the cat"]),
        ("a. Buy milk b. Feed the cat c. Sleep", ["a. Buy milk", "b. Feed the cat", "c. Sleep"]),
        ("\u2022 Buy milk \u2022 Feed the cat", ["\u2022 Buy milk", "\u2022 Feed the cat"]),
        ("\u2022 3. Buy milk \u2022 4. Feed the cat", ["\u2022 3. Buy milk", "\u2022 4. Feed the cat"]),
        ("Menu:\n- soup\n- bread", ["Menu:", "- soup", "- bread"]),
    ],
)
def test_lists(text, expected):
    assert pipeline(text) == expected


def test_numbers_mid_sentence_are_not_list_items():
    assert pipeline("He came 2nd. The race took 3 hours and he was 1 of 2 winners.") == [
        "He came 2nd.",
        "The race took 3 hours and he was 1 of 2 winners.",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"It was a good call," he said.', ['"It was a good call," he said.']),
        ('She said, "It was good." Then she left.', ['She said, "It was good."', "Then she left."]),
        ('"Is it?" he asked.', ['"Is it?" he asked.']),
        ('"Stop!" she shouted.', ['"Stop!" she shouted.']),
        ("\u201cIt was a good call,\u201d he said.", ["\u201cIt was a good call,\u201d he said."]),
        (
            "She said, \u201cIt was good.\u201d Then she left.",
            ["She said, \u201cIt was good.\u201d", "Then she left."],
        ),
        ("\u2018Is it?\u2019 he asked.", ["\u2018Is it?\u2019 he asked."]),
        (
            'The mayor wrote, "Just finished the meeting. I think it went well. Talks resume Monday."',
            [
                'The mayor wrote, "Just finished the meeting.',
                "I think it went well.",
                'Talks resume Monday."',
            ],
        ),
        (
            "\u201cWe lost. We will be back,\u201d the coach said.",
            ["\u201cWe lost.", "We will be back,\u201d the coach said."],
        ),
        ('He said: "Enough." "No," she replied.', ['He said: "Enough."', '"No," she replied.']),
        ('"Why not?" Ms Reed asked. She left.', ['"Why not?" Ms Reed asked.', "She left."]),
        ("\u201cWhat?!\u201d Dr. Ames asked.", ["\u201cWhat?!\u201d Dr. Ames asked."]),
        ('"Go!" Coach Lee shouted at them.', ['"Go!" Coach Lee shouted at them.']),
        ('"Why?" Mr Lee said he would go.', ['"Why?"', "Mr Lee said he would go."]),
        ('"Why?" He said: "Because."', ['"Why?"', 'He said: "Because."']),
        ('"Why not?" I asked. She left.', ['"Why not?" I asked.', "She left."]),
        ('"Why?" Ann Fox told reporters. Then she left.', ['"Why?" Ann Fox told reporters.', "Then she left."]),
    ],
)
def test_quotations_stay_with_speaker(text, expected):
    assert pipeline(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Mr. Jones met Mrs. Jones and Ms. Lee at noon.",
        "Dr. Patel and Prof. Kim spoke after Gen. Ortiz.",
        "Sen. Cole, Rep. Diaz and Gov. Hart agreed.",
        "Lt. Col. Reed thanked Capt. Moss and Sgt. Ray.",
        "The parade on St. Mark's Place was loud.",
        "Hal Stone Jr. and Hal Stone Sr. Both spoke.",
        "Acme Inc. Chief Executive Dana Wu resigned.",
        "Shares of Widget Corp. and Gadget Ltd. fell.",
        "It was Smith vs. Jones in the final.",
        "The No. 10 seed won on Jan. 5 and Sept. 12.",
        "The U.S. President met U.N. officials and E.U. diplomats.",
        "The talks began at 9 a.m. and ended at 5 p.m. in Oslo.",
        "President George W. Bush spoke first.",
        "Profit was $1.5bn, up 3.5% on the year.",
        "They met in Washington, D.C. Friday morning.",
    ],
)
def test_abbreviations_do_not_split(text):
    if text.startswith("Hal Stone"):  # "Both" opens a sentence after the ambiguous "Sr."
        assert pipeline(text) == ["Hal Stone Jr. and Hal Stone Sr.", "Both spoke."]
    else:
        assert pipeline(text) == [text]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("He lives in the U.S. He likes it.", ["He lives in the U.S.", "He likes it."]),
        ("The talks ended at 5 p.m. The mood was calm.", ["The talks ended at 5 p.m.", "The mood was calm."]),
        ("He said no. The vote failed.", ["He said no.", "The vote failed."]),
        ("We sold pens, pads, etc. The rest went unsold.", ["We sold pens, pads, etc.", "The rest went unsold."]),
        ("It was 2019. 2020 was worse.", ["It was 2019.", "2020 was worse."]),
        ("Sales fell. iPhone demand was weak.", ["Sales fell.", "iPhone demand was weak."]),
        ('They loved Block C." Then it closed.', ['They loved Block C."', "Then it closed."]),
    ],
)
def test_abbreviation_like_endings_do_split(text, expected):
    assert pipeline(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "He wore a hat (a red one? ) and left.",
        'The note read "Back soon. " and nothing else.',
        "It was late \u2018very late. \u2019 he said.",
    ],
)
def test_closing_mark_after_a_space_does_not_open_a_sentence(text):
    assert pipeline(text) == [text]


def test_paragraph_breaks_always_end_a_sentence():
    text = "First paragraph without a stop\n\nSecond one, Mr.\n\nThird."
    assert split_sentences(text) == ["First paragraph without a stop", "Second one, Mr.", "Third."]


def test_glued_sentences_split_after_repair():
    assert pipeline("Hello there.Today is Monday.Mr. Lee bought 2,000.That is many.") == [
        "Hello there.",
        "Today is Monday.",
        "Mr. Lee bought 2,000.",
        "That is many.",
    ]


def test_offsets_point_into_the_text():
    text = 'Mr. Ray left. "Why?" she asked. He smiled.\n\n\u2022 One item \u2022 Two items'
    spans = check_spans(text)
    assert [text[s:e] for s, e in spans] == [
        "Mr. Ray left.",
        '"Why?" she asked.',
        "He smiled.",
        "\u2022 One item",
        "\u2022 Two items",
    ]


def test_spans_are_stripped_even_on_unnormalised_text():
    text = "  One here.   Two  there.\t \n \n  Three.  "
    assert split_sentences(text) == ["One here.", "Two  there.", "Three."]
    check_spans(text)


@pytest.mark.parametrize("text", ["", " ", "\n\n", " \t\n "])
def test_empty_or_whitespace_input(text):
    assert split_spans(text) == []
    assert split_sentences(text) == []


def test_text_of_only_punctuation():
    assert split_sentences(". . .") == [". . ."]
    assert split_sentences("?!") == ["?!"]
    check_spans("... !! ?? ..")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Zero\u200bwidth stays. Next one.", ["Zero\u200bwidth stays.", "Next one."]),
        ("\u05e9\u05dc\u05d5\u05dd\u200f. Then left.", ["\u05e9\u05dc\u05d5\u05dd\u200f.", "Then left."]),
        ("Great news \U0001f389. We won.", ["Great news \U0001f389.", "We won."]),
        ("We met \u00c9mile. \u00c9lise came too.", ["We met \u00c9mile.", "\u00c9lise came too."]),
        ("Cafe\u0301 opened. Crowds came.", ["Cafe\u0301 opened.", "Crowds came."]),
        ("Done\u2026 Then more.", ["Done\u2026", "Then more."]),
    ],
)
def test_odd_unicode(text, expected):
    assert split_sentences(text) == expected
    check_spans(text)


def test_odd_unicode_through_pipeline():
    assert pipeline("\ufeffZero\u200bwidth\u00a0here.\u200f Next\u00a0one.") == ["Zerowidth here.", "Next one."]


def test_all_offsets_cover_every_sentence_in_a_mixed_text():
    text = normalise(
        "Dr. Vale arrived at 9 a.m. She met the U.N. team. \u201cWe are ready,\u201d she said.\n\n"
        "1. Check the gear 2. Load the van\n\nIt cost $4.5m. Nobody objected!"
    )
    spans = check_spans(text)
    assert len(spans) == 7


@pytest.mark.parametrize("unit", ["a", "a. ", "a.", ". ", "\u2026", "1) ", "\u2022 ", "\n", "Mr. ", "U.S. "])
def test_long_input_is_linear(unit):
    text = unit * (1_000_000 // len(unit))
    started = time.perf_counter()
    spans = split_spans(text)
    assert time.perf_counter() - started < 10
    assert all(s < e for s, e in spans)


def test_long_text_of_real_sentences_is_fast():
    text = "The council met on Tuesday. It voted to fund the new library, officials said. " * 20_000
    started = time.perf_counter()
    spans = split_spans(text)
    assert len(spans) == 40_000
    assert time.perf_counter() - started < 5


_PIECES = [
    *"aZ .!?\u2026\"'\u201c\u201d\u2018\u2019()[]\n\t12\u2022\u2043-,:;\u00e9\u0301\u200b\u200f\U0001f600",
    *["Mr. ", "U.S. ", "1. ", "2) ", "a. ", "b. ", " . . . ", "The ", "Co. ", "It "],
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=80).map("".join))
def test_spans_cover_every_visible_character(text):
    spans = check_spans(text)
    outside = []
    previous_end = 0
    for start, end in spans:
        outside.append(text[previous_end:start])
        previous_end = end
    outside.append(text[previous_end:])
    assert "".join(outside).strip() == ""


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_pipeline_on_arbitrary_unicode(text):
    clean = repair_glued(normalise(text))
    check_spans(clean)
    assert normalise(clean) == clean
