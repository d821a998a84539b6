"""Sentence splitter benchmark: the English Golden Rules and speed on real news text.

Runs the product's pipeline (``normalise`` -> ``repair_glued`` -> ``split_sentences``) on
each of the 52 Golden Rules and scores exact matches of the stripped segments against the
expected sentences, as "N/48 (pySBD subset)" and "N/52 (all)". Then measures sentences per
second on the first ``--docs`` articles of the news corpus (CPU time of one core, best of
``--repeat`` runs). The same run scores and times pySBD when it is installed (``pip install pysbd``);
pySBD gets the raw rule text with ``clean=False``, as in its own golden-rule tests.

Usage::

    python benchmarks/golden_rules.py [--docs 20000] [--peer-docs 300] [--repeat 3]

(Not ``python -m benchmarks.golden_rules``: the pysbd wheel installs a top-level package
named ``benchmarks`` that shadows this folder.)

The last line printed is one JSON object with the results.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import itertools
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.ingest.sentences import split_sentences, split_spans
from bot.ingest.text import normalise, repair_glued

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
GOLDEN = DATA / "golden_rules" / "english.json"
NEWS = DATA / "news_corpus" / "news_000.jsonl.gz"


def ours(text: str) -> list[str]:
    """The product's pipeline on one raw text."""
    return split_sentences(repair_glued(normalise(text)))


def score(cases: list[dict], segment: Callable[[str], list[str]], label: str) -> dict:
    """Score ``segment`` on the golden rules; print the failures."""
    passed: list[int] = []
    collapsed: list[int] = []
    for case in cases:
        got = [s.strip() for s in segment(case["text"]) if s.strip()]
        if got == case["expected"]:
            passed.append(case["rule"])
        elif [" ".join(s.split()) for s in got] == [" ".join(s.split()) for s in case["expected"]]:
            passed.append(case["rule"])
            collapsed.append(case["rule"])
        else:
            print(f"[{label}] FAIL rule {case['rule']:2d} {case['name']}")
            print(f"    expected: {case['expected']}")
            print(f"    got:      {got}")
    subset = {c["rule"] for c in cases if c["in_pysbd_golden_rules"]}
    score_48 = sum(1 for rule in passed if rule in subset)
    print(f"[{label}] golden rules: {score_48}/{len(subset)} (pySBD subset), {len(passed)}/{len(cases)} (all)")
    if collapsed:
        print(f"[{label}] rules passing only with whitespace collapsed on both sides: {collapsed}")
    return {"score_52": len(passed), "score_48": score_48, "whitespace_collapsed": collapsed}


def load_news(limit: int) -> list[str]:
    """The ``text`` field of the first ``limit`` articles of the first news shard."""
    with gzip.open(NEWS, "rt", encoding="utf-8") as lines:
        return [json.loads(line)["text"] for line in itertools.islice(lines, limit)]


def speed(docs: list[str], repeat: int) -> dict:
    """Sentences per second of our splitter alone and of the whole pipeline.

    Time is the process's CPU time (one core; the code is single-threaded), which other jobs
    on a shared machine disturb far less than wall-clock time; wall-clock is reported too.
    """
    start = time.process_time()
    clean = [repair_glued(normalise(doc)) for doc in docs]
    prepare = time.process_time() - start
    best = best_wall = float("inf")
    count = 0
    for _ in range(repeat):
        start, start_wall = time.process_time(), time.perf_counter()
        count = sum(len(split_spans(doc)) for doc in clean)
        best = min(best, time.process_time() - start)
        best_wall = min(best_wall, time.perf_counter() - start_wall)
    chars = sum(len(doc) for doc in docs)
    result = {
        "docs": len(docs),
        "chars": chars,
        "sentences": count,
        "split_cpu_seconds": round(best, 3),
        "split_wall_seconds": round(best_wall, 3),
        "normalise_repair_cpu_seconds": round(prepare, 3),
        "sentences_per_s": round(count / best),
        "pipeline_sentences_per_s": round(count / (best + prepare)),
    }
    print(
        f"[ours] {len(docs)} docs, {chars / 1e6:.1f} M chars, {count} sentences: split {best:.2f} s CPU "
        f"({best_wall:.2f} s wall) = {count / best:,.0f} sentences/s; normalise+repair {prepare:.2f} s; "
        f"whole pipeline {count / (best + prepare):,.0f} sentences/s"
    )
    return result


def peer(cases: list[dict], docs: list[str]) -> dict:
    """Golden-rule score and speed of pySBD, or a note that it is not installed."""
    if importlib.util.find_spec("pysbd") is None:
        print("[pysbd] not installed; skipped (pip install pysbd)")
        return {"name": "pysbd", "installed": False}
    import pysbd  # optional peer, imported only when present

    segmenter = pysbd.Segmenter(language="en", clean=False)
    result: dict = {"name": "pysbd", "installed": True, "version": getattr(pysbd, "__version__", "?")}
    result.update(score(cases, segmenter.segment, "pysbd"))
    start = time.process_time()
    count = sum(len(segmenter.segment(doc)) for doc in docs)
    seconds = time.process_time() - start
    result.update({"docs": len(docs), "sentences": count, "sentences_per_s": round(count / seconds)})
    print(f"[pysbd] {len(docs)} docs, {count} sentences in {seconds:.2f} s CPU = {count / seconds:,.0f} sentences/s")
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one JSON line last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000, help="news articles for our speed test")
    parser.add_argument("--peer-docs", type=int, default=300, help="news articles for the (slow) peer's speed test")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of our splitter; the best counts")
    parser.add_argument("--no-peer", action="store_true", help="skip pySBD even when installed")
    args = parser.parse_args(argv)

    cases = json.loads(GOLDEN.read_text(encoding="utf-8"))
    print("pipeline: normalise -> repair_glued -> split_sentences; segments compared stripped")
    result: dict = {"benchmark": "golden_rules"}
    result.update(score(cases, ours, "ours"))
    docs = load_news(max(args.docs, args.peer_docs))
    measured = speed(docs[: args.docs], args.repeat)
    result["sentences_per_s"] = measured.pop("sentences_per_s")
    result["speed"] = measured
    result["peer"] = {"name": "pysbd", "skipped": True} if args.no_peer else peer(cases, docs[: args.peer_docs])
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
