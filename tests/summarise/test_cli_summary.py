"""``python -m bot summary`` in-process, over the short test articles."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings


@pytest.fixture
def settings(summary_corpus: Path, tmp_path: Path) -> Settings:
    return Settings(corpus_dir=summary_corpus, index_dir=tmp_path / "index", data_dir=tmp_path / "data")


def run(argv: list[str], settings: Settings) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdin=io.StringIO(""), stdout=out, stderr=err, settings=settings)
    return code, out.getvalue(), err.getvalue()


def test_summary_json_shape(settings):
    code, out, _ = run(["summary", "ferry-strike", "--sentences", "2", "--json"], settings)
    assert code == 0
    data = json.loads(out)
    assert {"article", "title", "url", "sentences"} <= set(data)
    assert data["article"] == "ferry-strike"
    assert len(data["sentences"]) == 2
    assert all(set(s) == {"text", "position"} for s in data["sentences"])


def test_summary_text_shows_positions(settings):
    code, out, _ = run(["summary", "Ferry crews"], settings)
    assert code == 0
    assert out.startswith("Ferry crews strike over rotas")
    assert "[1/" in out


def test_ambiguous_article_lists_candidates_and_fails(settings):
    code, out, err = run(["summary", "valley"], settings)
    assert code != 0 and out == ""
    assert "matches 2 articles" in err
    assert "(orchard-cider)" in err and "(orchard-frost)" in err


def test_unknown_article_fails(settings):
    code, _, err = run(["summary", "nothing like it"], settings)
    assert code == 1 and "no article matches" in err


def test_topic_summary_text_and_json(settings):
    code, out, _ = run(["summary", "--about", "cider press"], settings)
    assert code == 0
    assert out.startswith("About 'cider press':")
    assert "-- Valley orchard" in out
    code, out, _ = run(["summary", "--about", "cider press", "--json", "--sentences", "2"], settings)
    data = json.loads(out)
    assert data["about"] == "cider press"
    assert 1 <= len(data["sentences"]) <= 2
    assert {"text", "article", "title", "position", "paragraph"} <= set(data["sentences"][0])


def test_topic_not_in_the_articles(settings):
    code, out, _ = run(["summary", "--about", "volcano eruption"], settings)
    assert code == 0
    assert "Not in the articles I have" in out


@pytest.mark.parametrize(
    "argv",
    [["summary"], ["summary", "ferry", "--about", "strike"], ["summary", "ferry", "--sentences", "0"]],
)
def test_usage_errors(settings, argv):
    code, _, err = run(argv, settings)
    assert code == 2 and err.startswith("error:")
