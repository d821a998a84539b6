"""Measure the bot on your own questions: P@1, R@5 and MRR of the answers it shows.

A test file is JSON Lines, one ``{"question": ..., "expected": ...}`` object per line, where
``expected`` is a short phrase that the right excerpt contains (a name, a number, a few words of
the sentence). Each question is asked exactly as a user would ask it; the rank of a question is
the position of the first excerpt whose text contains ``expected`` (case and spacing ignored).
An abstention, an invalid question or an answer without the phrase is a miss. ``"expected": null``
says the articles hold no answer: the bot is right (rank 1) when it abstains, and misses when it
answers.

Everything here is pure: ``evaluate`` takes the ask function, so tests need no index.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.errors import NewsBotError
from bot.models import Answer

DEFAULT_DEPTH = 20
"""Excerpts asked for per question (the most ``python -m bot ask --top`` allows)."""


class EvalFileError(NewsBotError):
    """A line of the test file is not a ``{"question", "expected"}`` object."""


@dataclass(frozen=True, slots=True)
class EvalCase:
    """One question and a phrase the right excerpt contains (``None``: the bot should abstain)."""

    question: str
    expected: str | None


@dataclass(frozen=True, slots=True)
class EvalResult:
    """How one question went: the 1-based rank of the first right excerpt (``None``: a miss)."""

    case: EvalCase
    rank: int | None
    first: str | None
    abstained: bool
    error: str | None = None


@dataclass(frozen=True, slots=True)
class EvalReport:
    """Results of every question, with P@1, R@5 and MRR over all of them."""

    results: tuple[EvalResult, ...]

    @property
    def questions(self) -> int:
        """Number of questions asked."""
        return len(self.results)

    @property
    def p_at_1(self) -> float:
        """Share of questions whose first excerpt is right."""
        return self._share(lambda r: r == 1)

    @property
    def r_at_5(self) -> float:
        """Share of questions with a right excerpt among the first five."""
        return self._share(lambda r: r <= 5)

    @property
    def mrr(self) -> float:
        """Mean of 1/rank of the first right excerpt (0 for a miss)."""
        if not self.results:
            return 0.0
        return sum(1.0 / r.rank for r in self.results if r.rank) / len(self.results)

    @property
    def abstained(self) -> int:
        """Number of questions the bot declined to answer."""
        return sum(r.abstained for r in self.results)

    @property
    def expected_abstentions(self) -> int:
        """Number of questions the bot should decline (``"expected": null``)."""
        return sum(r.case.expected is None for r in self.results)

    @property
    def misses(self) -> tuple[EvalResult, ...]:
        """Questions whose first excerpt is not right (rank above 1 or no right excerpt)."""
        return tuple(r for r in self.results if r.rank != 1)

    def _share(self, good: Callable[[int], bool]) -> float:
        if not self.results:
            return 0.0
        return sum(1 for r in self.results if r.rank is not None and good(r.rank)) / len(self.results)


def parse_cases(lines: Iterable[str]) -> list[EvalCase]:
    """Read JSON Lines test cases; blank lines are skipped.

    Raises ``EvalFileError`` naming the line when a line is not JSON or lacks a non-empty string
    ``question``, or an ``expected`` that is neither a non-empty string nor null.
    """
    cases: list[EvalCase] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise EvalFileError(f"line {number} is not JSON: {exc}") from exc
        if not isinstance(item, dict):
            raise EvalFileError(f"line {number} is not a JSON object")
        question, expected = item.get("question"), item.get("expected", "")
        if not isinstance(question, str) or not question.strip():
            raise EvalFileError(f'line {number} needs a non-empty string "question"')
        if expected is not None and (not isinstance(expected, str) or not expected.strip()):
            raise EvalFileError(f'line {number} needs "expected": a non-empty string, or null for no answer')
        cases.append(EvalCase(question=question, expected=expected))
    return cases


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def rank_of(answer: Answer, expected: str | None) -> int | None:
    """1-based position of the first excerpt of ``answer`` that contains ``expected``; for
    ``expected=None`` 1 when the bot abstained (the right reply), else None."""
    if expected is None:
        return 1 if answer.abstained else None
    needle = _folded(expected)
    for i, excerpt in enumerate(answer.excerpts, start=1):
        if needle in _folded(excerpt.text):
            return i
    return None


def evaluate(cases: Sequence[EvalCase], ask: Callable[[str], Answer]) -> EvalReport:
    """Ask every case's question through ``ask`` and find where the expected phrase first appears.

    ``ask`` is normally ``lambda q: service.ask(q, top=DEFAULT_DEPTH)``; a ``NewsBotError`` it
    raises (an invalid question) is recorded as a miss with its message.
    """
    results: list[EvalResult] = []
    for case in cases:
        try:
            answer = ask(case.question)
        except NewsBotError as exc:
            results.append(EvalResult(case, None, None, abstained=False, error=str(exc)))
            continue
        first = answer.excerpts[0].text if answer.excerpts else None
        results.append(EvalResult(case, rank_of(answer, case.expected), first, abstained=answer.abstained))
    return EvalReport(tuple(results))


def render_report(report: EvalReport, *, max_misses: int = 50, width: int = 160) -> str:
    """The scores, then each miss: question, expected phrase, and what came first instead."""
    lines = [
        f"questions {report.questions}   P@1 {report.p_at_1:.3f}   R@5 {report.r_at_5:.3f}   "
        f"MRR {report.mrr:.3f}   abstained {report.abstained}"
        + (f" ({report.expected_abstentions} expected)" if report.expected_abstentions else "")
    ]
    misses = report.misses
    if misses:
        lines.append("")
        lines.append(f"misses ({len(misses)}):")
    for r in misses[:max_misses]:
        if r.case.expected is None:
            lines.append(f"- {r.case.question}  [expected no answer, answered]")
        else:
            where = f"found at {r.rank}" if r.rank else "not found"
            lines.append(f"- {r.case.question}  [expected {r.case.expected!r}, {where}]")
        if r.error:
            lines.append(f"    error: {r.error}")
        elif r.abstained:
            lines.append("    the bot abstained")
        elif r.first is not None:
            shown = r.first if len(r.first) <= width else r.first[: width - 1] + "…"
            lines.append(f"    first: {shown}")
    if len(misses) > max_misses:
        lines.append(f"... and {len(misses) - max_misses} more")
    return "\n".join(lines)


def report_json(report: EvalReport) -> dict[str, object]:
    """The report as a JSON-ready dict (scores rounded to 4 places, every miss listed)."""
    return {
        "questions": report.questions,
        "p_at_1": round(report.p_at_1, 4),
        "r_at_5": round(report.r_at_5, 4),
        "mrr": round(report.mrr, 4),
        "abstained": report.abstained,
        "expected_abstentions": report.expected_abstentions,
        "misses": [
            {
                "question": r.case.question,
                "expected": r.case.expected,
                "rank": r.rank,
                "abstained": r.abstained,
                "first": r.first,
                "error": r.error,
            }
            for r in report.misses
        ],
    }
