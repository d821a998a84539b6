"""Time words in questions, read against a fixed clock (Wednesday 21 May 2025)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.retrieval.period import between, intersect, parse_bound, parse_period, read_time, recency_wanted

TODAY = dt.date(2025, 5, 21)  # a Wednesday
D = dt.date
OPEN_START, OPEN_END = dt.date.min, dt.date.max


@pytest.mark.parametrize(
    ("question", "start", "end", "label", "rest"),
    [
        ("What happened in 2020?", D(2020, 1, 1), D(2020, 12, 31), "1 January – 31 December 2020", "What happened?"),
        ("Who won in May 2025?", D(2025, 5, 1), D(2025, 5, 31), "1–31 May 2025", "Who won?"),
        ("What did the council say last week?", D(2025, 5, 12), D(2025, 5, 18), "12–18 May 2025",
         "What did the council say?"),
        ("What happened yesterday?", D(2025, 5, 20), D(2025, 5, 20), "20 May 2025", "What happened?"),
        ("What happened today?", D(2025, 5, 21), D(2025, 5, 21), "21 May 2025", "What happened?"),
        ("What has the mayor done this year?", D(2025, 1, 1), TODAY, "1 January – 21 May 2025",
         "What has the mayor done?"),
        ("What did Patel say last month?", D(2025, 4, 1), D(2025, 4, 30), "1–30 April 2025", "What did Patel say?"),
        ("What has changed since March?", D(2025, 3, 1), OPEN_END, "since 1 March 2025", "What has changed?"),
        ("What happened in July?", D(2024, 7, 1), D(2024, 7, 31), "1–31 July 2024", "What happened?"),
        ("Who led the club before 2010?", OPEN_START, D(2009, 12, 31), "until 31 December 2009",
         "Who led the club?"),
        ("Who led the club after 2015?", D(2016, 1, 1), OPEN_END, "since 1 January 2016", "Who led the club?"),
        ("Who won between 2004 and 2006?", D(2004, 1, 1), D(2006, 12, 31), "1 January 2004 – 31 December 2006",
         "Who won?"),
        ("What was reported on 19 May 2025?", D(2025, 5, 19), D(2025, 5, 19), "19 May 2025", "What was reported?"),
        ("floods in the last 10 days", D(2025, 5, 12), TODAY, "12–21 May 2025", "floods"),
        ("What happened last year?", D(2024, 1, 1), D(2024, 12, 31), "1 January – 31 December 2024",
         "What happened?"),
    ],
)
def test_period_words_against_a_fixed_clock(question, start, end, label, rest):
    period, text = parse_period(question, TODAY)
    assert period is not None
    assert (period.start, period.end, period.label, text) == (start, end, label, rest)


@pytest.mark.parametrize(
    "question", ["What did Theresa May say?", "Who won the 2020 election?", "What may happen next?", "How old is he?"]
)
def test_no_period_without_a_time_phrase(question):
    assert parse_period(question, TODAY) == (None, question)


def test_the_answer_sentence_names_the_period():
    period, _ = parse_period("What happened in May 2025?", TODAY)
    assert period is not None and period.searched == "Searched articles from 1–31 May 2025"
    assert parse_period("since March", TODAY)[0].searched == "Searched articles since 1 March 2025"


@pytest.mark.parametrize(
    ("question", "wanted"),
    [("What is the latest on the vaccine?", True), ("recent floods", True), ("Is he still mayor?", True),
     ("Who is the current mayor?", True), ("What is happening now?", True), ("the newest robot", True),
     ("Who won the cup?", False), ("Did the stillness last?", False)],
)
def test_recency_words(question, wanted):
    assert recency_wanted(question) is wanted


def test_read_time_drops_the_time_words_from_the_search_only_when_articles_are_dated():
    asked = read_time("What is the latest on the ferry in 2026?", TODAY)
    assert asked.recent and asked.search == "What is the on the ferry?"
    assert asked.period is not None and asked.period.start == D(2026, 1, 1)
    undated = read_time("What happened in 1893?", TODAY, dated=False)
    assert undated.period is None and undated.search == "What happened in 1893?" and not undated.recent


def test_since_until_options_and_the_question_period_combine():
    assert parse_bound("May 2025", TODAY, end=False) == D(2025, 5, 1)
    assert parse_bound("May 2025", TODAY, end=True) == D(2025, 5, 31)
    assert parse_bound("2020", TODAY, end=True) == D(2020, 12, 31)
    assert parse_bound("2025-05-03", TODAY, end=False) == D(2025, 5, 3)
    assert parse_bound("last week", TODAY, end=False) == D(2025, 5, 12)
    with pytest.raises(ValueError, match="cannot read 'soon' as a date"):
        parse_bound("soon", TODAY, end=False)
    options = between(D(2025, 5, 10), None)
    assert options is not None and options.label == "since 10 May 2025"
    both = read_time("What happened in May 2025?", TODAY, since=D(2025, 5, 10), until=None)
    assert both.period is not None and (both.period.start, both.period.end) == (D(2025, 5, 10), D(2025, 5, 31))
    apart = intersect(between(D(2020, 1, 1), D(2020, 12, 31)), between(D(2021, 1, 1), None))
    assert apart is not None and apart.start > apart.end
