"""Relative dates in a sentence, resolved against a fixed article date."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.models import RelativeDate
from bot.retrieval.relative_dates import resolve_relative, resolve_shown

MONDAY = dt.date(2025, 5, 19)  # the article's date in most tests
WEDNESDAY = dt.date(2025, 5, 21)


def shown(sentence: str, published: dt.date = MONDAY) -> list[str]:
    return [str(r) for r in resolve_relative(sentence, published)]


def test_a_past_weekday_is_the_most_recent_one_on_or_before_the_article_date():
    assert resolve_relative("On Sunday Russia launched 273 drones.", MONDAY) == (
        RelativeDate("Sunday", dt.date(2025, 5, 18), dt.date(2025, 5, 18)),
    )
    assert shown("The mayor resigned on Friday, officials said.") == ["Friday → 16 May 2025"]
    assert shown("On Monday the council voted to close the pier.") == ["Monday → 19 May 2025"]


def test_a_future_weekday_is_the_next_one_after_the_article_date():
    assert shown("The leaders will meet on Friday in Istanbul.") == ["Friday → 23 May 2025"]
    assert shown("Talks are due to resume on Sunday.", WEDNESDAY) == ["Sunday → 25 May 2025"]
    assert shown("This coming Tuesday the port reopens.") == ["This coming Tuesday → 20 May 2025"]


def test_a_date_written_beside_the_weekday_settles_it():
    sentence = "The air force, reporting on Sunday (May 18) that Russia launched 273 drones, comes first."
    assert shown(sentence) == ["Sunday → 18 May 2025"]
    assert shown("The vote on Thursday, May 15 passed.") == ["Thursday → 15 May 2025"]
    assert shown("The vote on Thursday, May 16 passed.") == []  # 16 May 2025 was a Friday


def test_days_counted_from_the_article_date():
    assert shown("The bridge closed yesterday and reopens tomorrow.") == [
        "yesterday → 18 May 2025", "tomorrow → 20 May 2025",
    ]  # fmt: skip
    assert shown("Shops stayed shut today after storms last night.") == [
        "today → 19 May 2025", "last night → 18 May 2025",
    ]  # fmt: skip


def test_weeks_months_and_years_are_calendar_spans():
    assert resolve_relative("Prices rose last week.", WEDNESDAY) == (
        RelativeDate("last week", dt.date(2025, 5, 12), dt.date(2025, 5, 18)),
    )
    assert shown("Prices rose last month and earlier this year.", WEDNESDAY) == [
        "last month → 1–30 April 2025", "earlier this year → 1 January – 20 May 2025",
    ]  # fmt: skip
    assert shown("Rain fell last year.", dt.date(2025, 1, 3)) == ["last year → 1 January – 31 December 2024"]
    assert shown("The ferry ran last weekend.", WEDNESDAY) == ["last weekend → 17–18 May 2025"]


@pytest.mark.parametrize(
    "sentence",
    [
        "He said the talks will resume on Friday.",  # past and future in one clause: which?
        "The talks on Thursday.",  # no tense at all
        "The council meets next Friday.",  # this week's Friday or the week after's?
        "The mayor said the ferry would sail on Saturday.",  # said (past), would (future)
        "The ferry sailed on the first Saturday of May, and every Sunday.",  # some Saturday, not one near
        "The ferry will sail on Monday.",  # said on a Monday: today, or in a week?
        "Sales grew over the last week and the next month.",  # days counted back, not calendar spans
        "The Sunday Times reported it; crowds gathered on Palm Sunday.",  # names
        "The host mocked him on Saturday Night Live.",
        "Service may be restored on Wednesday.",  # a hedge: no tense to go by
        "\u201cWe were attacked yesterday,\u201d the minister told reporters.",  # the speaker's yesterday
    ],
)
def test_unclear_cases_are_left_alone(sentence):
    assert resolve_relative(sentence, MONDAY) == ()


def test_the_shown_sentences_give_each_date_once_and_none_without_an_article_date():
    sentences = ["Russia launched drones on Sunday.", "On Sunday Kyiv was hit.", "The bridge shut yesterday."]
    assert [str(r) for r in resolve_shown(sentences, MONDAY)] == ["Sunday → 18 May 2025", "yesterday → 18 May 2025"]
    assert resolve_shown(sentences, None) == ()
