"""Relative dates in an answer's sentences, resolved against the article's date: service and CLI."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from bot.models import RelativeDate
from bot.service import NewsService, build_service

QUESTION = "When did Russia launch 273 drones?"
ARTICLES = {
    "drones": ("Drone assault on Kyiv", "2025-05-19",  # a Monday
               "Air raid sirens sounded across Ukraine.\n\nOn Sunday Russia launched 273 drones.\n\n"
               "Officials counted the damage."),
    "undated": ("Drone notes", None, "Every year Russia launched more drones, and yesterday more again."),
    "ferry": ("Ferry timetable", "2025-05-10", "The island ferry timetable lists four sailings a day."),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reldates") / "corpus"
    root.mkdir()
    for name, (title, published, body) in ARTICLES.items():
        date_line = f"published: {published}\n" if published else ""
        (root / f"{name}.md").write_text(f"---\ntitle: {title}\n{date_line}---\n\n{body}\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def service(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> NewsService:
    return build_service(corpus, tmp_path_factory.mktemp("reldates-index"))


def test_a_weekday_in_the_answer_is_resolved_against_the_article_date(service):
    answer = service.ask(QUESTION, top=3)
    first = answer.excerpts[0]
    assert first.sentence == "On Sunday Russia launched 273 drones."
    assert first.dates == (RelativeDate("Sunday", dt.date(2025, 5, 18), dt.date(2025, 5, 18)),)
    undated = [e for e in answer.excerpts if e.citation.article_id == "undated"]
    assert all(e.dates == () for e in undated)  # no article date, nothing to count from


def test_the_cli_shows_the_date_beside_the_citation_and_in_json(corpus, tmp_path):
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", data_dir=tmp_path / "data")
    out = io.StringIO()
    assert main(["ask", QUESTION, "--top", "1"], stdin=io.StringIO(), stdout=out, stderr=io.StringIO(),
                settings=settings) == 0  # fmt: skip
    text = out.getvalue()
    assert "On Sunday Russia launched 273 drones." in text
    cite = "-- Drone assault on Kyiv (19 May 2025), sentence 2 of 3, paragraph 2"
    assert f"{cite} \u00b7 Sunday \u2192 18 May 2025" in text
    out = io.StringIO()
    assert main(["ask", QUESTION, "--top", "1", "--json"], stdin=io.StringIO(), stdout=out, stderr=io.StringIO(),
                settings=settings) == 0  # fmt: skip
    dates = json.loads(out.getvalue())["answers"][0]["dates"]
    assert dates == [{"phrase": "Sunday", "start": "2025-05-18", "end": "2025-05-18"}]
