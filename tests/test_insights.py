"""Insights: per-day counts, the most asked questions and the coverage gaps, from plain records."""

from __future__ import annotations

from bot.insights import AskedQuestion, Vote, build_insights, insights_json, main_words, plural, render_insights


def q(text: str | None, *, day: str = "2026-12-01", answered: bool = True) -> AskedQuestion:
    return AskedQuestion(guild_id=1, day=day, question=text, answered=answered)


def test_days_count_questions_outcomes_and_votes() -> None:
    found = build_insights(
        [q("a?", day="2026-12-02"), q("b?", answered=False), q(None), q("c?", day="2026-12-02", answered=False)],
        [Vote("2026-12-01", True), Vote("2026-12-02", False), Vote("2026-12-02", False)],
    )
    assert [(d.day, d.asked, d.answered, d.abstained, d.helpful, d.not_helpful) for d in found.days] == [
        ("2026-12-01", 2, 1, 1, 1, 0),
        ("2026-12-02", 2, 1, 1, 0, 2),
    ]
    total = found.total
    assert (total.asked, total.answered, total.abstained, total.helpful, total.not_helpful) == (4, 2, 2, 1, 2)


def test_most_asked_ignores_case_spacing_and_the_question_mark() -> None:
    found = build_insights(
        [q("When does the ferry run?"), q("when does the  ferry run"), q("Who is the mayor?"), q(None)], []
    )
    assert [(a.question, a.count) for a in found.most_asked] == [
        ("When does the ferry run?", 2),
        ("Who is the mayor?", 1),
    ]


def test_coverage_gaps_group_unanswered_questions_by_their_main_words() -> None:
    unanswered = [
        "What is the volcano doing?",
        "Is the volcano in Iceland erupting?",
        "Did the volcano erupt again in Iceland?",
        "Who won the chess final?",
        "When does the ferry run?",
    ]
    found = build_insights([q(t, answered=False) for t in unanswered] + [q("volcano answered?")], [])
    assert found.gaps[0].words[0] == "volcano" and found.gaps[0].count == 3
    assert found.gaps[0].questions == tuple(unanswered[:3])
    assert {g.words[0] for g in found.gaps[1:]} == {"chess", "ferry"}  # one question each; answered ones left out
    assert main_words("What did the Mayor say about the new ferry?") == ["mayor", "new", "ferry"]


def test_json_and_text_show_the_same_figures() -> None:
    found = build_insights([q("Who won the chess final?", answered=False)], [Vote("2026-12-01", True)])
    data = insights_json(found)
    assert data["total"] == {"asked": 1, "answered": 0, "abstained": 1, "helpful": 1, "not_helpful": 0}
    assert data["gaps"] == [{"words": ["chess", "final", "won"], "count": 1, "questions": ["Who won the chess final?"]}]
    text = render_insights(found)
    assert "2026-12-01" in text and "Coverage gaps" in text and "chess, final, won: 1 question" in text
    assert render_insights(build_insights([], [])) == "Questions: nothing asked yet."


def test_plural() -> None:
    assert [plural(1, "article"), plural(2, "article"), plural(0, "day"), plural(1_200, "entry", "entries")] == [
        "1 article", "2 articles", "0 days", "1,200 entries"
    ]
