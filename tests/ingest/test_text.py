"""Tests for bot.ingest.text: normalise and repair_glued (texts written for these tests)."""

from __future__ import annotations

import time
import unicodedata

import pytest

from bot.ingest.text import normalise, repair_glued


@pytest.mark.parametrize("text", ["", " ", "\n\n\t \r\n", "\u200b\ufeff\u00a0"])
def test_normalise_blank_input_gives_empty_string(text):
    assert normalise(text) == ""


def test_normalise_keeps_clean_text_unchanged():
    text = "The vote was close.\n\nCounting went on until dawn, officials said."
    assert normalise(text) == text


def test_normalise_unifies_line_endings_and_paragraph_breaks():
    text = "First paragraph here.\r\n\r\n\r\nSecond paragraph here.\rThird line, joined."
    assert normalise(text) == "First paragraph here.\n\nSecond paragraph here. Third line, joined."


def test_normalise_collapses_spaces_and_tabs_and_strips():
    assert normalise("  A  lot\tof \t space .  ") == "A lot of space ."


def test_normalise_replaces_odd_spaces():
    assert normalise("10\u00a0km and 5\u202fkg\u2003away\u3000now") == "10 km and 5 kg away now"


def test_normalise_removes_controls_and_invisible_marks():
    text = "Bel\u200bl\u00adboy\x00 said\u200f \u202ahello\u202c\x07 to \ufeffall."
    assert normalise(text) == "Bellboy said hello to all."


def test_normalise_keeps_zero_width_joiner_in_emoji():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert normalise(f"A family {family} walked by.") == f"A family {family} walked by."


def test_normalise_maps_windows_1252_controls():
    assert normalise("\x93Quoted\x94 \x96 it\x92s fine\x85") == "\u201cQuoted\u201d \u2013 it\u2019s fine\u2026"


def test_normalise_composes_combining_accents():
    decomposed = "Cafe\u0301 cre\u0300me"
    result = normalise(decomposed)
    assert result == "Caf\u00e9 cr\u00e8me"
    assert unicodedata.is_normalized("NFC", result)


def test_normalise_keeps_curly_quotes_and_ellipsis():
    text = "\u201cWell\u2026\u201d she said, \u2018maybe\u2019."
    assert normalise(text) == text


def test_normalise_keeps_rtl_text_and_emoji():
    text = "She wrote \u0645\u0631\u062d\u0628\u0627 and \U0001f600 to us."
    assert normalise(text) == text


def test_normalise_joins_errant_newline_inside_sentence():
    assert normalise("This line was\ncut in two by a converter.") == "This line was cut in two by a converter."
    assert normalise("It rained all \nnight long.") == "It rained all night long."


def test_normalise_joins_word_hyphenated_across_lines():
    assert normalise("It is a well-\nknown fact that the long lines wrap here.") == (
        "It is a well-known fact that the long lines wrap here."
    )


def test_normalise_keeps_lines_of_a_short_list():
    assert normalise("apples\nfresh pears\nplums, cherries\n") == "apples\nfresh pears\nplums, cherries"


def test_normalise_keeps_bullet_lines_apart():
    text = "Things to bring to the picnic on Saturday afternoon:\n- a blanket\n- some sandwiches"
    assert normalise(text) == text


def test_normalise_keeps_heading_line():
    text = "Weather warning\nHeavy snow is expected across the region tonight."
    assert normalise(text) == text


def test_normalise_paragraph_break_is_one_blank_line():
    assert normalise("One.\n \n\n  \nTwo.") == "One.\n\nTwo."


def test_normalise_is_idempotent():
    text = " A\u00a0b\r\n\r\nc \u200b d\ncut line here.\n\n\n e\u0301 "
    once = normalise(text)
    assert normalise(once) == once


def test_normalise_long_input_is_fast():
    text = ("word " * 200_000 + "\n") * 5
    started = time.perf_counter()
    normalise(text)
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    ("glued", "fixed"),
    [
        ("as soon as possible.Ahead of the call", "as soon as possible. Ahead of the call"),
        ("Hello world.Today is Tuesday.", "Hello world. Today is Tuesday."),
        ("he bought 1,000.That is a lot.", "he bought 1,000. That is a lot."),
        ('"It is over," he said."Next week we start again."', '"It is over," he said." Next week we start again."'),
        ("it ended.\u201cNow we rest,\u201d she said.", "it ended. \u201cNow we rest,\u201d she said."),
        ("Was it worth it?Maybe not.", "Was it worth it? Maybe not."),
        ("She called NASA.The agency declined.", "She called NASA. The agency declined."),
        ("Prices rose 3.5%.Traders were calm.", "Prices rose 3.5%. Traders were calm."),
    ],
)
def test_repair_glued_inserts_missing_space(glued, fixed):
    assert repair_glued(glued) == fixed


@pytest.mark.parametrize(
    "text",
    [
        "The U.S. and the U.K. met; e.g. trade and i.e. tariffs.",
        "Visit example.com or www.bbc.co.uk/news for more.",
        "Write to Jane.Doe@Example.org today.",
        "See https://Example.Org/Page for details.",
        "Growth was 3.5 percent and the file report.pdf was sent.",
        "She read J.R.R.Tolkien and served in the U.S.Army.",
        "He called System.Console.WriteLine in the demo.",
        "Shares of Amazon.Com rose.",
        "Nothing glued here. All fine.",
        "",
    ],
)
def test_repair_glued_leaves_non_sentences_alone(text):
    assert repair_glued(text) == text


def test_repair_glued_spaces_abbreviation_glued_to_name():
    assert repair_glued("It was Tuesday.Mr. Smith left.") == "It was Tuesday. Mr. Smith left."


def test_repair_glued_long_input_is_fast():
    text = "a." * 500_000 + "Done"
    started = time.perf_counter()
    repair_glued(text)
    assert time.perf_counter() - started < 5
