"""'What did X say?' on the news archive, scored from hand labels (part 4 of benchmarks/attribution.py).

The people are the archive's most quoted (``benchmarks/data/attribution_archive_people.json``), each
asked by full name and by surname. Every answer a person reading it judged is a row of
``benchmarks/data/attribution_archive_labels.jsonl``: question, article id, sentence number, rank
when labelled, and whether the excerpt is a statement by that person. The labels hold no article
text. Scoring asks the questions again through ``NewsService.ask`` (abstention and de-duplication in
effect) and looks each returned excerpt up in the labels; an excerpt nobody labelled is reported
as unlabelled (and counted as a miss in the strict figures).

    python benchmarks/attribution_archive.py --index-dir DIR                 # score
    python benchmarks/attribution_archive.py --index-dir DIR --write FILE    # answers to label (with text;
                                                                              # keep FILE out of the repo)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.service import NewsService, build_service  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "news_corpus"
PEOPLE = ROOT / "benchmarks" / "data" / "attribution_archive_people.json"
LABELS = ROOT / "benchmarks" / "data" / "attribution_archive_labels.jsonl"
TOP = 3


def questions() -> list[tuple[str, str]]:
    """(question, person) for every person, by full name then by surname. The people are listed most
    quoted first; a surname two of them share (Daniel and David Cameron) is asked once, for the more
    quoted, whom the bot answers for (offering the other)."""
    people = json.loads(PEOPLE.read_text(encoding="utf-8"))
    out = []
    asked: set[str] = set()
    for person in people:
        out.append((f"What did {person['name']} say?", person["name"]))
        if person["surname"].casefold() not in asked:
            asked.add(person["surname"].casefold())
            out.append((f"What did {person['surname']} say?", person["name"]))
    return out


def load_labels() -> dict[tuple[str, str, int], bool]:
    """(question, article, position) -> is a statement by the person asked about."""
    labels: dict[tuple[str, str, int], bool] = {}
    if LABELS.exists():
        for line in LABELS.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                labels[(row["question"], row["article"], int(row["position"]))] = bool(row["is_statement_by_x"])
    return labels


def score(service: NewsService) -> dict[str, Any]:
    """P@1 and P@3 of the current answers against the labels (labelled excerpts only, and strict)."""
    labels = load_labels()
    if not labels:
        return {"labels": 0, "note": "no labels"}
    asked = questions()
    first: list[bool | None] = []
    top: list[bool | None] = []
    started = time.perf_counter()
    for question, _ in asked:
        answer = service.ask(question, top=TOP)
        marks = [labels.get((question, e.citation.article_id, e.citation.position)) for e in answer.excerpts]
        marks += [False] * (TOP - len(marks))  # an abstention or a short answer is a miss
        first.append(marks[0])
        top.extend(marks)
    seconds = time.perf_counter() - started

    def share(values: list[bool | None], *, strict: bool) -> float:
        kept = [v for v in values if v is not None] if not strict else [bool(v) for v in values]
        return round(sum(kept) / max(1, len(kept)), 4)

    return {
        "labels": len(labels),
        "people": len({person for _, person in asked}),
        "questions": len(asked),
        "p_at_1": share(first, strict=False),
        "p_at_3": share(top, strict=False),
        "p_at_1_strict": share(first, strict=True),
        "p_at_3_strict": share(top, strict=True),
        "unlabelled_excerpts": sum(v is None for v in top),
        "seconds": round(seconds, 1),
    }


def write_answers(service: NewsService, target: Path) -> int:
    """Write every question's answers, with their text, for labelling; returns how many."""
    rows = 0
    with target.open("w", encoding="utf-8") as fh:
        for question, person in questions():
            answer = service.ask(question, top=TOP)
            for rank, e in enumerate(answer.excerpts, start=1):
                fh.write(json.dumps({
                    "question": question, "person": person, "rank": rank, "article": e.citation.article_id,
                    "position": e.citation.position, "speaker": e.speaker, "title": e.citation.title,
                    "sentence": e.sentence, "text": e.text,
                }, ensure_ascii=False) + "\n")  # fmt: skip
                rows += 1
            if answer.abstained:
                fh.write(json.dumps({"question": question, "person": person, "abstained": answer.reason}) + "\n")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--index-dir", type=Path, required=True, help="the archive's saved index (built if missing)")
    parser.add_argument("--write", type=Path, help="write the answers to label to this file instead of scoring")
    args = parser.parse_args()
    service = build_service(DATA, args.index_dir)
    if args.write:
        print(f"{write_answers(service, args.write)} excerpts written to {args.write}")
        return 0
    result = score(service)
    print(json.dumps({"benchmark": "attribution_archive", **result}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
