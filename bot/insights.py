"""How the bot is used: questions per day, votes, the most asked questions and the coverage gaps.

Pure: ``build_insights`` takes the recorded questions and votes (read by a front end from its
store) and returns one immutable ``Insights``; ``insights_json`` and ``render_insights`` show it.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from bot.retrieval.stopwords import STOPWORDS

_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")
# Words that say how something is asked, not what about (on top of the stop words).
_ASKING = frozenset(
    "what who whom whose when where why how which did does do said say says tell told know about is are was were "
    "will would could can should has have had any there".split()
)


@dataclass(frozen=True, slots=True)
class AskedQuestion:
    """One question asked: its server, day (ISO), text (None when texts are not kept) and outcome."""

    guild_id: int | None
    day: str
    question: str | None
    answered: bool


@dataclass(frozen=True, slots=True)
class Vote:
    """One helpful / not-helpful verdict and its day (ISO)."""

    day: str
    helpful: bool


@dataclass(frozen=True, slots=True)
class DayCounts:
    """One day's questions and votes."""

    day: str
    asked: int = 0
    answered: int = 0
    abstained: int = 0
    helpful: int = 0
    not_helpful: int = 0


@dataclass(frozen=True, slots=True)
class Asked:
    """A question and how often it was asked (case, spacing and a final ``?`` ignored)."""

    question: str
    count: int


@dataclass(frozen=True, slots=True)
class Gap:
    """Unanswered questions sharing their main word(s): what people ask that the articles lack."""

    words: tuple[str, ...]
    count: int
    questions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Insights:
    """Per-day counts (oldest first), totals, the most asked questions and the coverage gaps."""

    days: tuple[DayCounts, ...]
    most_asked: tuple[Asked, ...]
    gaps: tuple[Gap, ...]

    @property
    def total(self) -> DayCounts:
        """Every day added up (``day`` is "total")."""
        return DayCounts(
            day="total",
            asked=sum(d.asked for d in self.days),
            answered=sum(d.answered for d in self.days),
            abstained=sum(d.abstained for d in self.days),
            helpful=sum(d.helpful for d in self.days),
            not_helpful=sum(d.not_helpful for d in self.days),
        )


def main_words(question: str) -> list[str]:
    """The question's words that say what it is about, lower-cased, in order, each once."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(question.casefold()):
        if len(word) > 1 and word not in STOPWORDS and word not in _ASKING and not word.isdigit():
            seen.setdefault(word, None)
    return list(seen)


def _key(question: str) -> str:
    return " ".join(question.casefold().split()).rstrip("?!. ")


def build_insights(
    asked: Iterable[AskedQuestion], votes: Iterable[Vote], *, most: int = 5, gaps: int = 5, examples: int = 3
) -> Insights:
    """Count questions and votes per day, and find the most asked and the unanswered themes.

    A coverage gap is a main word of unanswered questions: each unanswered question is filed under
    its word that the most unanswered questions share (ties: the longer word, which is more often
    the subject than a verb is, then the first),
    then a group lists the words all of its questions share, and up to ``examples`` of them.
    """
    per_day: dict[str, Counter[str]] = defaultdict(Counter)
    texts: dict[str, str] = {}
    asked_counts: Counter[str] = Counter()
    unanswered: list[str] = []
    for item in asked:
        counts = per_day[item.day]
        counts["asked"] += 1
        counts["answered" if item.answered else "abstained"] += 1
        if item.question:
            key = _key(item.question)
            texts.setdefault(key, " ".join(item.question.split()))
            asked_counts[key] += 1
            if not item.answered:
                unanswered.append(texts[key])
    for vote in votes:
        per_day[vote.day]["helpful" if vote.helpful else "not_helpful"] += 1
    days = tuple(
        DayCounts(
            day=day, asked=c["asked"], answered=c["answered"], abstained=c["abstained"], helpful=c["helpful"],
            not_helpful=c["not_helpful"],
        )
        for day, c in sorted(per_day.items())
    )
    top = tuple(
        Asked(question=texts[key], count=n)
        for key, n in sorted(asked_counts.items(), key=lambda kv: (-kv[1], kv[0]))[:most]
    )
    return Insights(days=days, most_asked=top, gaps=_gaps(unanswered, limit=gaps, examples=examples))


def _gaps(questions: list[str], *, limit: int, examples: int) -> tuple[Gap, ...]:
    words_of = [main_words(q) for q in questions]
    share: Counter[str] = Counter(w for words in words_of for w in words)
    groups: dict[str, list[int]] = defaultdict(list)
    for i, words in enumerate(words_of):
        if words:
            best = max(words, key=lambda w: (share[w], len(w), -words.index(w)))
            groups[best].append(i)
    found = []
    for word, members in groups.items():
        common = [w for w in words_of[members[0]] if all(w in words_of[m] for m in members)]
        common.sort(key=lambda w: (w != word, -share[w], -len(w)))
        distinct = list(dict.fromkeys(questions[m] for m in members))
        found.append(Gap(words=tuple(common[:3]), count=len(members), questions=tuple(distinct[:examples])))
    found.sort(key=lambda g: (-g.count, g.words))
    return tuple(found[:limit])


def insights_json(insights: Insights) -> dict[str, object]:
    """The insights as a JSON-ready dict."""

    def day(d: DayCounts) -> dict[str, object]:
        return {"day": d.day, "asked": d.asked, "answered": d.answered, "abstained": d.abstained,
                "helpful": d.helpful, "not_helpful": d.not_helpful}  # fmt: skip

    total = day(insights.total)
    total.pop("day")
    return {
        "days": [day(d) for d in insights.days],
        "total": total,
        "most_asked": [{"question": a.question, "count": a.count} for a in insights.most_asked],
        "gaps": [{"words": list(g.words), "count": g.count, "questions": list(g.questions)} for g in insights.gaps],
    }


def plural(count: int, word: str, words: str | None = None) -> str:
    """``1 article``, ``2 articles`` (``words`` for an irregular plural)."""
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def render_insights(insights: Insights, *, heading: str = "Questions") -> str:
    """Plain text: a table of days, then the most asked questions and the coverage gaps."""
    if not insights.days:
        return f"{heading}: nothing asked yet."
    lines = [heading, f"{'day':<10}  {'asked':>5}  {'answered':>8}  {'abstained':>9}  {'helpful':>7}  {'not':>4}"]
    for d in (*insights.days, insights.total):
        lines.append(
            f"{d.day:<10}  {d.asked:>5}  {d.answered:>8}  {d.abstained:>9}  {d.helpful:>7}  {d.not_helpful:>4}"
        )
    if insights.most_asked:
        lines += ["", "Most asked:"]
        lines += [f"  {a.count:>3}x  {a.question}" for a in insights.most_asked]
    if insights.gaps:
        lines += ["", "Coverage gaps (unanswered, by main words):"]
        for gap in insights.gaps:
            lines.append(f"  {', '.join(gap.words)}: {plural(gap.count, 'question')}")
            lines += [f"      {q}" for q in gap.questions]
    return "\n".join(lines)
