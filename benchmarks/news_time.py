"""News in time over the news archive: dates read, periods kept, one copy of each statement.

Data (read by path, never copied): ``../shared/data/news_corpus`` (the archive; its SOURCE.md) and
``../shared/data/polnear/metadata.tsv`` (PolNeAR's ``publication_date`` column).

* dates: every archive record that has a ``date`` field and every PolNeAR ``publication_date``
  through ``bot.dates.parse_published`` (what the loaders use): share parsed, and the unparsed
  ones counted by shape (digits as 9, letters as A);
* periods: the questions in ``period_questions`` (written for this archive: New York local news
  2004-2017 from Gothamist, Daily Mail news of Aug-Oct 2020), each with a period in its words or
  as ``since``/``until``, asked with a fixed clock (``TODAY``), ``top=5``. Reported: the share of
  returned excerpts (and their "also in" citations) published inside the period (target 100%),
  and, among the questions whose period holds an answer, the share answered. A period "holds
  an answer" when the same question without its period, asked with ``top=20``, returns an
  excerpt from an article of that period;
* duplicates: ``--titles`` article titles (fixed seed) as questions, ``top=5``: the share of
  answers with two excerpts whose matched sentences are the same after normalising quotation
  marks, whitespace and final punctuation (``near_key``, written here, independent of
  ``bot.retrieval.dedup``), and of answers where one excerpt's context repeats another's matched
  sentence; "before" is the same run with the excerpt picking of the code before this change
  (``_excerpts_before``: only exact repeats and rows already shown are skipped);
* cost: ``ask`` p50 over the same titles with the default ``top=3`` (as ``benchmarks/scale.py``
  asks), this process, one core, the picking of excerpts of now and of before alternating
  question by question (``benchmarks/scale.py`` is the reference figure).

The full-archive index is built once (about a minute on 2 cores) and kept in ``--cache``
(default: ``newsbot-bench/news_time`` under the system temporary folder, outside the repository);
later runs load it. Run: ``python benchmarks/news_time.py``. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import gzip
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bot.dates import parse_published  # noqa: E402
from bot.errors import NewsBotError  # noqa: E402
from bot.models import Answer, Citation, Excerpt  # noqa: E402
from bot.retrieval import answer as answer_module  # noqa: E402
from bot.retrieval.answer import citation, context_rows  # noqa: E402
from bot.retrieval.period import parse_period  # noqa: E402
from bot.retrieval.rank import Ranking  # noqa: E402
from bot.retrieval.store import FORMAT_VERSION, CorpusIndex  # noqa: E402
from bot.retrieval.tokenize import default_tokenizer  # noqa: E402
from bot.service import NewsService  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
ARCHIVE = DATA / "news_corpus"
POLNEAR = DATA / "polnear" / "metadata.tsv"
TODAY = dt.date(2020, 10, 20)  # the clock of the period questions: the archive's newest news is Oct 2020
FINGERPRINT = f"news_time-full-v{FORMAT_VERSION}"

# ----------------------------------------------------------------------------- dates


def archive_dates() -> Iterator[tuple[str, str]]:
    """``(source, raw date)`` of every archive record with a date field."""
    for path in sorted(ARCHIVE.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                record = json.loads(line)
                for field in ("date", "published"):
                    if record.get(field):
                        yield str(record.get("source")), str(record[field])


def polnear_dates() -> Iterator[tuple[str, str]]:
    with POLNEAR.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            yield "polnear", row["publication_date"]


def shape(raw: str) -> str:
    return re.sub(r"[A-Za-z]+", "A", re.sub(r"\d", "9", raw))


def measure_dates() -> dict[str, Any]:
    per_source: dict[str, list[int]] = {}
    unparsed: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], str] = {}
    for source, raw in [*archive_dates(), *polnear_dates()]:
        counts = per_source.setdefault(source, [0, 0])
        counts[1] += 1
        try:
            parse_published(raw)
            counts[0] += 1
        except ValueError:
            key = (source, shape(raw))
            unparsed[key] += 1
            examples.setdefault(key, raw)
    parsed = sum(c[0] for c in per_source.values())
    total = sum(c[1] for c in per_source.values())
    return {
        "per_source": per_source,
        "parsed": parsed,
        "total": total,
        "share": parsed / total if total else 0.0,
        "unparsed": [(s, f, n, examples[(s, f)]) for (s, f), n in unparsed.most_common()],
    }


# ----------------------------------------------------------------------------- the index


def open_archive(cache: Path, workers: int) -> NewsService:
    """The full archive's service: the saved index in ``cache`` when it is this format, else built."""
    from bot.indexing import index_articles
    from bot.ingest.loaders import load_corpus

    tokenizer = default_tokenizer()
    params = CorpusIndex.read_params(cache)
    if params and params.get("fingerprint") == FINGERPRINT and params.get("tokenizer") == tokenizer.describe():
        with contextlib.suppress(NewsBotError):
            corpus = CorpusIndex.load(cache, mmap=True)
            log(f"loaded the index from {cache}")
            return NewsService(corpus, tokenizer)
    log(f"building the full-archive index into {cache} ...")
    start = time.perf_counter()
    report = load_corpus(ARCHIVE)
    articles = [a for a in report.articles if a.meta.id != "SOURCE"]
    corpus = index_articles(
        articles, tokenizer, fingerprint=FINGERPRINT, tokenizer=tokenizer.describe(), workers=workers
    )
    corpus.save(cache)
    took = time.perf_counter() - start
    log(f"built {len(corpus.articles):,} articles, {len(corpus.table):,} sentences in {took:.0f} s")
    return NewsService(CorpusIndex.load(cache, mmap=True), tokenizer)


# ----------------------------------------------------------------------------- periods

NYC_TOPICS = (
    "the subway fare increase", "Mayor Bloomberg", "Mayor de Blasio", "Governor Cuomo", "the snow storm",
    "Citi Bike", "the NYPD", "rent in Brooklyn", "the Yankees", "the Mets", "Occupy Wall Street",
    "Hurricane Sandy", "the L train", "Times Square", "Central Park", "the Staten Island ferry", "bed bugs",
    "the High Line", "the World Trade Center", "bike lanes", "the MTA budget", "Coney Island",
)
NYC_PERIODS = (
    "in 2008", "in 2010", "in 2012", "in 2014", "in 2016", "between 2005 and 2007", "between 2009 and 2011",
    "between 2013 and 2015", "since 2015", "before 2008", "after 2012", "in October 2012", "in June 2011",
)
UK_TOPICS = (
    "the coronavirus vaccine", "the lockdown", "Boris Johnson", "Donald Trump", "Joe Biden", "face masks",
    "Prince Harry", "Meghan Markle", "the Premier League", "the election debate", "Brexit talks",
    "the furlough scheme", "schools reopening", "Matt Hancock", "the test and trace system", "Kim Kardashian",
)
UK_PERIODS = ("in September 2020", "in October 2020", "in August 2020", "last month", "since September",
              "last week", "this month")
ASKS = ("What happened with {t} {p}?", "What was said about {t} {p}?", "News about {t} {p}")
OPTION_QUESTIONS = (  # (question, since, until)
    ("What did Boris Johnson announce?", dt.date(2020, 9, 1), dt.date(2020, 9, 30)),
    ("What did Donald Trump say about the election?", dt.date(2020, 10, 1), None),
    ("What happened to the subway?", dt.date(2010, 1, 1), dt.date(2010, 12, 31)),
    ("What did Mayor Bloomberg say?", None, dt.date(2008, 12, 31)),
    ("What is the latest on the coronavirus vaccine?", dt.date(2020, 9, 15), None),
    ("Who won the Premier League match?", dt.date(2020, 9, 12), dt.date(2020, 10, 4)),
    ("What did the police say about the shooting?", dt.date(2013, 1, 1), dt.date(2013, 6, 30)),
    ("What happened at Coney Island?", dt.date(2011, 1, 1), None),
    ("What did Governor Cuomo say about the MTA?", dt.date(2011, 1, 1), dt.date(2014, 12, 31)),
    ("What did Prince Harry and Meghan Markle do?", dt.date(2020, 8, 1), dt.date(2020, 8, 31)),
    ("What is happening with the lockdown now?", dt.date(2020, 10, 1), None),
    ("How much does a MetroCard cost?", dt.date(2009, 1, 1), dt.date(2012, 12, 31)),
)


def period_questions() -> list[tuple[str, dt.date | None, dt.date | None]]:
    """The period questions: topics x periods in the words, plus some with since/until options."""
    rng = random.Random(7)
    questions: list[tuple[str, dt.date | None, dt.date | None]] = []
    for topics, periods in ((NYC_TOPICS, NYC_PERIODS), (UK_TOPICS, UK_PERIODS)):
        for i, topic in enumerate(topics):
            for p in rng.sample(periods, 3):
                questions.append((ASKS[i % len(ASKS)].format(t=topic, p=p), None, None))
    questions.extend(OPTION_QUESTIONS)
    return questions


def in_period(c: Citation, start: dt.date, end: dt.date) -> bool:
    return c.published is not None and start <= c.published.date <= end


def measure_periods(service: NewsService) -> dict[str, Any]:
    questions = period_questions()
    excerpts_total = excerpts_inside = 0
    holds = answered_when_holds = answered = 0
    no_period: list[str] = []
    outside: list[str] = []
    for question, since, until in questions:
        reply = service.ask(question, top=5, since=since, until=until, today=TODAY)
        if reply.period is None:
            no_period.append(question)
            continue
        start, end = reply.period.start, reply.period.end
        for e in reply.excerpts:
            for c in (e.citation, *e.also):
                excerpts_total += 1
                if in_period(c, start, end):
                    excerpts_inside += 1
                else:
                    outside.append(f"{question} -> {c.article_id} {c.published}")
        answered += not reply.abstained
        _, bare = parse_period(question, TODAY)
        wide = service.ask(bare, top=20, today=TODAY)
        if any(in_period(e.citation, start, end) for e in wide.excerpts):
            holds += 1
            answered_when_holds += not reply.abstained
    return {
        "questions": len(questions),
        "with_period": len(questions) - len(no_period),
        "no_period": no_period,
        "excerpts": excerpts_total,
        "inside_share": excerpts_inside / excerpts_total if excerpts_total else 1.0,
        "outside": outside[:10],
        "answered": answered,
        "holds": holds,
        "answered_when_holds": answered_when_holds,
        "answered_when_holds_share": answered_when_holds / holds if holds else 0.0,
    }


# ----------------------------------------------------------------------------- duplicates

_QUOTES = str.maketrans(
    {c: '"' for c in "\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033"} | {c: "'" for c in "\u2018\u2019\u201a\u201b\u2032`"}
)


def near_key(sentence: str) -> str:
    """Quotation marks made plain, whitespace collapsed, final punctuation and quotes dropped."""
    text = " ".join(sentence.translate(_QUOTES).split())
    return text.rstrip(" .!?\u2026,;:\"'").replace('"', "'")


def duplicate_pairs(reply: Answer) -> tuple[bool, bool]:
    """(two excerpts' matched sentences are near-duplicates, a context repeats a matched sentence)."""
    keys = [near_key(e.sentence) for e in reply.excerpts]
    twice = len(keys) != len(set(keys))
    context = any(
        near_key(s) in keys[:i] + keys[i + 1 :] for i, e in enumerate(reply.excerpts) for s in (*e.before, *e.after)
    )
    return twice, context


def _excerpts_before(
    corpus: CorpusIndex,
    ranking: Ranking,
    order: np.ndarray,
    eligible: np.ndarray,
    top: int,
    *,
    whole_statements: bool = False,
) -> tuple[Excerpt, ...]:
    """Excerpt picking as it was before this change: skip rows already shown and exact repeats."""
    excerpts: list[Excerpt] = []
    shown_rows: set[int] = set()
    shown_texts: set[str] = set()
    for i in order.tolist():
        if len(excerpts) >= top:
            break
        if not eligible[i]:
            continue
        row = int(ranking.rows[i])
        sentence = corpus.table.text(row)
        key = " ".join(sentence.split()).casefold()
        if row in shown_rows or key in shown_texts:
            continue
        before, after = context_rows(corpus, row)
        shown_rows.update([*before, row, *after])
        shown_texts.add(key)
        excerpts.append(Excerpt(
            sentence=sentence, before=tuple(corpus.table.text(r) for r in before),
            after=tuple(corpus.table.text(r) for r in after), citation=citation(corpus, row),
            score=round(float(ranking.final[i]), 4),
        ))  # fmt: skip
    return tuple(excerpts)


def measure_cost(service: NewsService, titles: Sequence[str]) -> dict[str, float]:
    """p50 of ``ask`` (top=3) with the excerpt picking of now and of before, alternating."""
    now = answer_module._excerpts
    times: dict[str, list[float]] = {"now": [], "before": []}
    try:
        for title in titles:
            for name, pick in (("now", now), ("before", _excerpts_before)):
                answer_module._excerpts = pick  # type: ignore[assignment]
                start = time.perf_counter()
                with contextlib.suppress(NewsBotError):
                    service.ask(title, today=TODAY)
                times[name].append(time.perf_counter() - start)
    finally:
        answer_module._excerpts = now
    return {name: statistics.median(values) * 1000 for name, values in times.items()}


def measure_duplicates(service: NewsService, titles: Sequence[str], *, before: bool) -> dict[str, Any]:
    now = answer_module._excerpts
    if before:
        answer_module._excerpts = _excerpts_before  # type: ignore[assignment]
    try:
        twice = context = answered = 0
        times: list[float] = []
        examples: list[str] = []
        for title in titles:
            start = time.perf_counter()
            try:
                reply = service.ask(title, top=5, today=TODAY)
            except NewsBotError:
                continue
            finally:
                times.append(time.perf_counter() - start)
            answered += not reply.abstained
            pair, ctx = duplicate_pairs(reply)
            twice += pair
            context += ctx
            if pair and len(examples) < 3:
                examples.append(title)
    finally:
        answer_module._excerpts = now
    return {
        "questions": len(titles),
        "answered": answered,
        "with_duplicate": twice,
        "with_context_repeat": context,
        "p50_ms": statistics.median(times) * 1000,
        "examples": examples,
    }


# ----------------------------------------------------------------------------- report


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "newsbot-bench" / "news_time")
    parser.add_argument("--titles", type=int, default=1000, help="article titles asked in the duplicates part")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not ARCHIVE.is_dir() or not POLNEAR.is_file():
        parser.error(f"{ARCHIVE} or {POLNEAR} is missing")

    dates = measure_dates()
    log(f"dates: {dates['parsed']:,}/{dates['total']:,} parsed")
    service = open_archive(args.cache, args.workers)
    service.warm_up()
    periods = measure_periods(service)
    log(f"periods: {periods}")
    titles = [m.title for m in service.corpus.articles]
    titles = random.Random(args.seed).sample(titles, min(args.titles, len(titles)))
    for title in titles:  # touch the pages of the memory-mapped index the questions need
        with contextlib.suppress(NewsBotError):
            service.ask(title, top=5, today=TODAY)
    after = measure_duplicates(service, titles, before=False)
    before = measure_duplicates(service, titles, before=True)
    cost = measure_cost(service, titles)

    print("dates (share read by bot.dates.parse_published)")
    print("| source | parsed | of |\n| --- | --- | --- |")
    for source, (ok, n) in sorted(dates["per_source"].items()):
        print(f"| {source} | {ok:,} | {n:,} |")
    print(f"| all | {dates['parsed']:,} ({dates['share']:.2%}) | {dates['total']:,} |")
    for source, form, n, example in dates["unparsed"]:
        print(f"unparsed {source} {form!r} x{n} (e.g. {example!r})")
    print(f"\nperiods: {periods['questions']} questions, {periods['with_period']} with a period read "
          f"(clock {TODAY.isoformat()})")
    for question in periods["no_period"]:
        print(f"  no period read: {question}")
    print("| excerpts returned | inside the period | answered | period holds an answer | answered of those |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| {periods['excerpts']} | {periods['inside_share']:.1%} | {periods['answered']} | {periods['holds']} "
          f"| {periods['answered_when_holds']} ({periods['answered_when_holds_share']:.1%}) |")
    for line in periods["outside"]:
        print(f"  outside: {line}")
    print(f"\nduplicates: {len(titles)} article titles as questions, top=5")
    print("| | answered | two excerpts, one sentence | context repeats another excerpt | ask p50 ms (top=5) |")
    print("| --- | --- | --- | --- | --- |")
    for name, row in (("before", before), ("after", after)):
        print(f"| {name} | {row['answered']} | {row['with_duplicate']} | {row['with_context_repeat']} "
              f"| {row['p50_ms']:.2f} |")
    print(f"\ncost: ask p50 (top=3, alternating) {cost['now']:.2f} ms now, {cost['before']:.2f} ms with the "
          "excerpt picking of before")
    print(json.dumps({
        "benchmark": "news_time",
        "dates_parsed": dates["parsed"], "dates_total": dates["total"], "dates_share": round(dates["share"], 5),
        "period_questions": periods["questions"], "period_excerpts": periods["excerpts"],
        "period_inside_share": round(periods["inside_share"], 4), "period_holds": periods["holds"],
        "period_answered_when_holds_share": round(periods["answered_when_holds_share"], 4),
        "dup_questions": len(titles), "dup_before": before["with_duplicate"], "dup_after": after["with_duplicate"],
        "context_repeat_before": before["with_context_repeat"], "context_repeat_after": after["with_context_repeat"],
        "ask_p50_ms": round(cost["now"], 3), "ask_p50_ms_before_picking": round(cost["before"], 3),
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
