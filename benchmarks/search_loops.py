"""The search loops with numba and without (NEWSBOT_NUMBA=off: the numpy loops), on one news archive.

    python benchmarks/search_loops.py [--archive ../shared/data/news_corpus/news_003.jsonl.gz] [--questions 200]

The archive is hard-linked (or copied) into a temporary corpus folder outside the repository and
indexed once; its first article titles are asked as questions, once per loop kind after one
warm-up question, and the answers must be the same. Prints p50/p95 per question and, as the last line, a JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.render_text import answer_json  # noqa: E402
from bot.retrieval import kernels  # noqa: E402
from bot.service import build_service  # noqa: E402

DEFAULT_ARCHIVE = ROOT.parent / "shared" / "data" / "news_corpus" / "news_003.jsonl.gz"


def _time(service: object, questions: list[str]) -> tuple[list[float], list[object]]:
    service.ask(questions[0])  # type: ignore[attr-defined]  # compiled or not, the first call loads
    times, answers = [], []
    for question in questions:
        start = time.perf_counter()
        answer = service.ask(question)  # type: ignore[attr-defined]
        times.append((time.perf_counter() - start) * 1000)
        answers.append(answer_json(answer))
    return times, answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, default=DEFAULT_ARCHIVE)
    parser.add_argument("--questions", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        try:  # the corpus refuses links that leave its folder: a hard link, else a temporary copy
            os.link(args.archive, corpus / args.archive.name)
        except OSError:
            shutil.copyfile(args.archive, corpus / args.archive.name)
        service = build_service(corpus, Path(tmp) / "index")
        questions = [m.title for m in service.articles()[: args.questions]]
        rows = {}
        results = {}
        for name, use_numba in (("numba", True), ("numpy", False)):
            kernels.choose(kernels.LoopChoice(use_numba=use_numba))
            times, answers = _time(service, questions)
            results[name] = answers
            rows[name] = {"p50_ms": statistics.median(times), "p95_ms": sorted(times)[int(0.95 * (len(times) - 1))]}
        same = results["numba"] == results["numpy"]
    print(f"{len(questions)} questions, {len(service.corpus.articles):,} articles, "
          f"{service.sentence_count:,} sentences; same answers: {same}")
    print("| loops | p50 ms | p95 ms |\n| --- | --- | --- |")
    for name, row in rows.items():
        print(f"| {name} | {row['p50_ms']:.2f} | {row['p95_ms']:.2f} |")
    print(json.dumps({"questions": len(questions), "articles": len(service.corpus.articles),
                      "sentences": service.sentence_count, "same_answers": same, **rows}))


if __name__ == "__main__":
    main()
