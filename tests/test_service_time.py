"""Answers in time: periods, newer articles first, and one copy of each statement."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.render_text import answer_json, render_answer
from bot.retrieval.dedup import sentence_key
from bot.service import NewsService, build_service

TODAY = dt.date(2025, 5, 21)

ARTICLES = {
    # The same statement in three articles: other quotation marks, a missing final stop.
    "wire-a": ("Kestrel approves a sea wall", "2025-05-01",
               'The Kestrel council approved a new sea wall on Tuesday. "We will rebuild the sea wall before '
               'winter," said mayor Ana Ruiz.\n\nThe work starts in June.'),
    "wire-b": ("Sea wall for Kestrel", "2025-05-02",
               "Storms damaged the old harbour last year.\n\n\u201cWe will rebuild the sea wall before "
               "winter,\u201d said mayor Ana Ruiz."),
    "wire-c": ("Mayor promises a sea wall", "2025-05-03",
               "Fishermen welcomed the news.\n\n'We will rebuild the sea wall before winter' said mayor Ana Ruiz"),
    "ferry-old": ("Island ferry cuts sailings", "2024-03-01",
                  "The island ferry timetable was cut to two sailings a day.\n\nPassengers complained."),
    "ferry-new": ("Island ferry adds sailings", "2025-05-10",
                  "The island ferry timetable now lists four sailings a day.\n\nPassengers were pleased."),
    "undated": ("A note on sea walls", None,
                "Ana Ruiz said the sea wall would cost four million crowns.\n\nThe council agreed."),
}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> NewsService:
    root: Path = tmp_path_factory.mktemp("time")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, (title, published, body) in ARTICLES.items():
        date_line = f"published: {published}\n" if published else ""
        (corpus / f"{name}.md").write_text(f"---\ntitle: {title}\n{date_line}---\n\n{body}\n", encoding="utf-8")
    return build_service(corpus, root / "index")


def test_the_same_sentence_in_three_articles_is_shown_once_with_also_in_2_articles(service):
    answer = service.ask("What did Ana Ruiz say about rebuilding the sea wall?", top=3, today=TODAY)
    keys = [sentence_key(e.sentence) for e in answer.excerpts]
    statement = sentence_key("We will rebuild the sea wall before winter, said mayor Ana Ruiz.")
    assert keys.count(statement) == 1
    shown = answer.excerpts[keys.index(statement)]
    assert {shown.citation.article_id, *(c.article_id for c in shown.also)} == {"wire-a", "wire-b", "wire-c"}
    assert len(shown.also) == 2
    assert "also in 2 articles" in render_answer(answer)
    also = answer_json(answer)["answers"][keys.index(statement)]["also"]
    assert len(also) == 2 and {a["published"] for a in also} <= {"2025-05-01", "2025-05-02", "2025-05-03"}


def test_no_excerpt_repeats_a_sentence_another_excerpt_shows(service):
    answer = service.ask("sea wall Ana Ruiz council", top=5, today=TODAY)
    seen = [sentence_key(s) for e in answer.excerpts for s in (*e.before, e.sentence, *e.after)]
    assert len(seen) == len(set(seen))


def test_a_period_in_the_question_limits_the_articles_and_is_named(service):
    answer = service.ask("What did Ana Ruiz say about the sea wall in May 2025?", top=5, today=TODAY)
    assert not answer.abstained
    assert answer.period is not None and answer.period.label == "1–31 May 2025"
    assert "Searched articles from 1–31 May 2025." in render_answer(answer)
    cited = {c.article_id for e in answer.excerpts for c in (e.citation, *e.also)}
    assert "undated" not in cited and cited <= {"wire-a", "wire-b", "wire-c", "ferry-new"}
    assert answer_json(answer)["period"] == {"start": "2025-05-01", "end": "2025-05-31", "label": "1–31 May 2025"}


def test_nothing_in_the_period_is_said_plainly(service):
    answer = service.ask("What did Ana Ruiz say about the sea wall in 2019?", today=TODAY)
    assert answer.abstained and answer.period is not None
    assert answer.reason == "no article I have was published from 1 January – 31 December 2019"
    assert render_answer(answer).startswith("Searched articles from 1 January – 31 December 2019.")


def test_since_and_until_options(service):
    answer = service.ask("What did Ana Ruiz say about rebuilding the sea wall?", since=dt.date(2025, 5, 2),
                         until=dt.date(2025, 5, 3), today=TODAY)
    cited = {c.article_id for e in answer.excerpts for c in (e.citation, *e.also)}
    assert cited == {"wire-b", "wire-c"}
    assert answer.period is not None and answer.period.label == "2–3 May 2025"


def test_latest_puts_the_newer_article_first(service):
    plain = service.ask("island ferry timetable was cut", top=2, today=TODAY)
    assert plain.excerpts[0].citation.article_id == "ferry-old"  # the better match wins without "latest"
    latest = service.ask("What is the latest island ferry timetable that was cut?", top=2, today=TODAY)
    assert latest.excerpts[0].citation.article_id == "ferry-new"
    assert latest.period is None


def test_near_equal_scores_put_the_newer_first(service):
    answer = service.ask("island ferry timetable sailings a day", top=2, today=TODAY)
    assert [e.citation.article_id for e in answer.excerpts] == ["ferry-new", "ferry-old"]


def test_read_bounds_gives_one_line_errors():
    assert NewsService.read_bounds("May 2025", "2025", today=TODAY) == (dt.date(2025, 5, 1), dt.date(2025, 12, 31))
    with pytest.raises(Exception, match="since: cannot read 'whenever' as a date"):
        NewsService.read_bounds("whenever", None, today=TODAY)
    with pytest.raises(Exception, match="is after until"):
        NewsService.read_bounds("2026", "2025", today=TODAY)
