"""Publication dates as the sources write them, read once into ``Published``."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.dates import parse_published, read_published
from bot.models import Published


@pytest.mark.parametrize(
    ("raw", "day", "time"),
    [
        ("2025-05-19", dt.date(2025, 5, 19), None),  # front matter, PolNeAR metadata.tsv, trafilatura
        ("2020-09-08-22-18-34", dt.date(2020, 9, 8), dt.time(22, 18, 34)),  # news_corpus finescoop "date"
        ("April 29, 2010  1:01 PM", dt.date(2010, 4, 29), dt.time(13, 1)),  # gothamist, two spaces
        ("July  8, 2012  4:45 PM", dt.date(2012, 7, 8), dt.time(16, 45)),
        ("Aug 31, 2010 4:52 pm", dt.date(2010, 8, 31), dt.time(16, 52)),
        ("Sep 11, 2013 10:34 AM", dt.date(2013, 9, 11), dt.time(10, 34)),
        ("19 May 2025", dt.date(2025, 5, 19), None),
        ("2026-03-14T10:00:00", dt.date(2026, 3, 14), dt.time(10, 0)),
    ],
)
def test_each_source_format_is_read(raw, day, time):
    published = parse_published(raw)
    assert published.date == day
    assert (published.time.replace(tzinfo=None) if published.time else None) == time
    assert str(published) == f"{day.day} {day.strftime('%B')} {day.year}"


def test_a_utc_offset_is_kept_and_round_trips_through_iso():
    published = parse_published("2026-03-14T10:00:00+02:00")
    assert published.iso() == "2026-03-14T10:00:00+02:00"
    assert Published.from_iso(published.iso()) == published
    assert Published.from_iso("2025-05-19") == Published(dt.date(2025, 5, 19))


def test_shown_as_day_month_year_and_written_as_iso():
    published = parse_published("April 29, 2010  1:01 PM")
    assert str(published) == "29 April 2010"
    assert published.iso() == "2010-04-29T13:01:00"


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "not a date", "May 2025", "2020", "2025-13-45", "February 30, 2020", "0999-01-01", "x" * 200,
     "yesterday at noon"],
)
def test_unreadable_dates_raise_a_value_error(raw):
    with pytest.raises(ValueError):
        parse_published(raw)


def test_read_published_warns_with_the_article_name_and_never_raises():
    warnings: list[str] = []
    assert read_published("sometime last spring", article="local/bakery", warnings=warnings) is None
    assert len(warnings) == 1 and "local/bakery" in warnings[0] and "sometime last spring" in warnings[0]
    assert read_published(None, article="a", warnings=warnings) is None
    assert read_published("", article="a", warnings=warnings) is None
    assert len(warnings) == 1  # nothing given is not a problem
