"""``bot.evaluate``: parsing test files, ranking the expected phrase, scores, and ``python -m bot eval``."""

from __future__ import annotations

import io
import json

import pytest

from bot.cli import main
from bot.errors import InvalidQuestion
from bot.evaluate import EvalCase, EvalFileError, evaluate, parse_cases, rank_of, render_report, report_json
from bot.models import Answer, Citation, Excerpt


def excerpt(sentence: str, before: tuple[str, ...] = ()) -> Excerpt:
    cite = Citation("a", "A title", None, None, position=1, paragraph=1, sentence_count=3)
    return Excerpt(sentence=sentence, before=before, after=(), citation=cite, score=1.0)


def reply(*sentences: str) -> Answer:
    return Answer("q", tuple(excerpt(s) for s in sentences), abstained=False)


def test_parse_cases_skips_blank_lines():
    lines = ['{"question": "Who built Pip?", "expected": "students"}', "", '  {"question": "q2", "expected": "x"}']
    assert parse_cases(lines) == [EvalCase("Who built Pip?", "students"), EvalCase("q2", "x")]


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("not json", "line 1 is not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"question": "q"}', '"expected"'),
        ('{"question": "", "expected": "x"}', '"question"'),
        ('{"question": "q", "expected": 5}', '"expected"'),
    ],
)
def test_parse_cases_names_the_bad_line(line, needle):
    with pytest.raises(EvalFileError, match=needle):
        parse_cases([line])


def test_rank_of_ignores_case_and_spacing_and_reads_the_context():
    answer = Answer("q", (excerpt("Nothing here."), excerpt("Pip was built.", before=("The  ROBOT  reads.",))), False)
    assert rank_of(answer, "the robot reads") == 2
    assert rank_of(answer, "absent") is None


def test_scores_over_hits_misses_abstentions_and_errors():
    answers = {
        "first": reply("The answer is 42."),
        "third": reply("no", "still no", "the answer is 42"),
        "never": reply("no"),
        "abstain": Answer("abstain", (), abstained=True, reason="not covered"),
    }

    def ask(question: str) -> Answer:
        if question == "bad":
            raise InvalidQuestion("the question has no words to search for")
        return answers[question]

    cases = [EvalCase(q, "42") for q in ("first", "third", "never", "abstain", "bad")]
    report = evaluate(cases, ask)
    assert [r.rank for r in report.results] == [1, 3, None, None, None]
    assert report.p_at_1 == pytest.approx(1 / 5)
    assert report.r_at_5 == pytest.approx(2 / 5)
    assert report.mrr == pytest.approx((1 + 1 / 3) / 5)
    assert report.abstained == 1
    assert [r.case.question for r in report.misses] == ["third", "never", "abstain", "bad"]
    text = render_report(report)
    assert text.splitlines()[0].startswith("questions 5   P@1 0.200   R@5 0.400   MRR 0.267")
    assert "found at 3" in text and "the bot abstained" in text and "error: the question has no words" in text
    data = report_json(report)
    assert data["questions"] == 5 and len(data["misses"]) == 4


def test_empty_file_scores_zero():
    report = evaluate([], lambda q: reply())
    assert (report.p_at_1, report.r_at_5, report.mrr) == (0.0, 0.0, 0.0)
    assert render_report(report).startswith("questions 0")


def run(argv, settings):
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdin=io.StringIO(""), stdout=out, stderr=err, settings=settings)
    return code, out.getvalue(), err.getvalue()


def test_eval_command_on_the_tiny_corpus(settings, tiny_corpus, tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        "\n".join(
            json.dumps(c)
            for c in (
                {"question": "Who built the reading robot?", "expected": "students at the technical college"},
                {"question": "By how much would the apple harvest fall?", "expected": "60 percent"},
                {"question": "What is the capital of Australia?", "expected": "Canberra"},
            )
        ),
        encoding="utf-8",
    )
    code, out, _ = run(["eval", str(cases), "--corpus", str(tiny_corpus), "--json"], settings)
    assert code == 0
    data = json.loads(out)
    assert data["questions"] == 3
    assert data["p_at_1"] == pytest.approx(2 / 3, abs=1e-3)
    assert [m["question"] for m in data["misses"]] == ["What is the capital of Australia?"]
    code, out, _ = run(["eval", str(cases), "--corpus", str(tiny_corpus)], settings)
    assert code == 0 and out.startswith("questions 3   P@1 0.667") and "misses (1):" in out


def test_eval_command_reports_a_missing_or_bad_file(settings, tiny_corpus, tmp_path):
    code, _, err = run(["eval", str(tmp_path / "nope.jsonl"), "--corpus", str(tiny_corpus)], settings)
    assert code == 1 and "cannot read" in err and err.count("\n") == 1
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "q"}\n', encoding="utf-8")
    code, _, err = run(["eval", str(bad), "--corpus", str(tiny_corpus)], settings)
    assert code == 1 and "line 1" in err
