"""Who said what, on PolNeAR: attribution extraction, "What did X say?" and "Who said ...?".

Data (read by path, never copied): ``../shared/data/polnear`` (see its SOURCE.md), loaded by
``benchmarks/polnear.py`` (annotators' attributions, pronoun sources resolved to people). Develop on
``train``, report on ``dev``.

Parts (``--part``, default all):

* extraction: ``bot.attribution.extract.extract_attributions`` on every article (its normalised
  text and sentence spans, as the index sees them; predicted offsets are mapped back to the raw
  text). Precision, recall and F1 of source, cue and content spans, against each annotator's file
  separately; an article with n annotators weighs 1/n per file. *Exact*: the same span after
  stripping surrounding whitespace and punctuation (quotation marks included) on both sides; a
  discontinuous gold span is compared by its covering start..end. *Overlap* (Citron's): a predicted
  span is correct if it overlaps a gold span of the same type (any piece); a gold span is found if
  a predicted span overlaps it.
* what: corpus = the split's articles, indexed by the product (``bot.service.build_service`` over a
  temporary folder holding one JSON Lines archive). Every person with >= 3 annotated statements
  (first annotator's file) is asked "What did <full name> say?" and, when the person is the most
  quoted of that surname, "What did <surname> say?". An excerpt is a hit when its matched sentence
  overlaps an annotated content span (any annotator) whose resolved source is that person. P@1,
  P@3 (hits among the top 3, an abstention or a missing excerpt counts as a miss) and hit@3.
* who: for each annotated direct quotation (content opens with a quotation mark) of >= 8 words by
  a resolved person, "Who said <its first 8 words, quotation marks stripped>?". Correct when the
  first excerpt's ``speaker`` names the person (surname, case-insensitive). The baseline has no
  speaker: its reference figure is whether the first excerpt's sentence contains the surname.
  ``found`` is whether the first excerpt's sentence overlaps the quotation itself.
* archive (with ``--archive-index DIR``): the news archive's most quoted people asked again through
  ``NewsService.ask``, each excerpt looked up in the hand labels of
  ``benchmarks/data/attribution_archive_labels.jsonl`` (``attribution_archive.py``).

Baseline: today's ranking, the code at commit 7189cc8, checked out once with
``git worktree add --detach /tmp/newsbot-baseline 7189cc8`` and run in a child process (this
script with ``--child``, the same Python, ``PYTHONPATH=/tmp/newsbot-baseline``) that builds its
own index of the same articles and answers the same questions (JSON lines in, JSON lines out).

Run: ``python benchmarks/attribution.py --split dev`` (``--part what``, ``--limit N`` articles,
``--no-baseline``, ``--examples N`` prints N misses per part). The last line printed is one JSON
object.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from polnear import DATA, PolArticle, Span, align, load_split

ROOT = Path(__file__).resolve().parents[1]
BASELINE_COMMIT = "7189cc8"
BASELINE_DIR = Path("/tmp/newsbot-baseline")
TOP = 3
MIN_STATEMENTS = 3
QUOTE_WORDS = 8
_OPEN_QUOTES = "\"\u201c\u201e\u00ab'\u2018"
_DOUBLE_QUOTES = re.compile("[\"\u201c\u201d\u201e\u00ab\u00bb]")
_EDGE_SINGLE = re.compile("^['\u2018\u2019]+|['\u2018\u2019]+$")

# One answer excerpt: article id, 1-based position, raw (start, end) of the sentence, sentence,
# speaker (new code only) and quote.
Row = dict[str, Any]


# --- answering (used by this process with the new code and by the child with the baseline) ----


def write_corpus(articles: Sequence[PolArticle], folder: Path) -> None:
    """The articles as one JSON Lines archive (a temporary folder; removed after the run)."""
    with (folder / "polnear.jsonl").open("w", encoding="utf-8") as fh:
        for a in articles:
            record = {"id": a.name, "title": a.title, "text": a.text, "published": a.published, "source": a.publisher}
            fh.write(json.dumps(record) + "\n")


class Answerer:
    """Asks a ``NewsService`` and locates each excerpt's sentence in the raw article text."""

    def __init__(self, corpus_dir: Path, index_dir: Path) -> None:
        from bot.ingest.documents import sentence_spans
        from bot.service import build_service

        self.service = build_service(corpus_dir, index_dir, rebuild=True)
        self.service.warm_up()
        self._raw = {}
        with (corpus_dir / "polnear.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                record = json.loads(line)
                self._raw[record["id"]] = record["text"]
        self._spans = sentence_spans
        self._located: dict[str, list[tuple[int, int]]] = {}

    def _sentences(self, article: str) -> list[tuple[int, int]]:
        if article not in self._located:
            raw = self._raw[article]
            norm, spans = self._spans(raw)
            where = align(raw, norm)
            self._located[article] = [(where[s], where[max(e - 1, s)] + 1) for s, e, _ in spans]
        return self._located[article]

    def ask(self, question: str) -> list[Row]:
        from bot.errors import InvalidQuestion

        try:
            answer = self.service.ask(question, top=TOP)
        except InvalidQuestion:
            return []
        rows = []
        for ex in answer.excerpts:
            c = ex.citation
            start, end = self._sentences(c.article_id)[c.position - 1]
            rows.append({"article": c.article_id, "position": c.position, "start": start, "end": end,
                         "sentence": ex.sentence, "speaker": getattr(ex, "speaker", None),
                         "quote": getattr(ex, "quote", None)})
        return rows


def child(corpus_dir: Path, index_dir: Path) -> int:
    """The baseline side: questions as JSON lines on stdin, one answer line each on stdout."""
    import bot

    if os.environ.get("PYTHONPATH") and not Path(bot.__file__).resolve().is_relative_to(BASELINE_DIR.resolve()):
        print(f"the baseline child imported bot from {bot.__file__}, not {BASELINE_DIR}", file=sys.stderr)
        return 2
    answerer = Answerer(corpus_dir, index_dir)
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(answerer.ask(json.loads(line)["q"])), flush=True)
    return 0


def baseline_answers(corpus_dir: Path, work: Path, questions: Sequence[str]) -> list[list[Row]]:
    """Answers of the baseline code, from a child process over its own git worktree."""
    if not (BASELINE_DIR / "bot").is_dir():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(BASELINE_DIR), BASELINE_COMMIT],
                       check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(BASELINE_DIR)}
    index_dir = work / "baseline-index"
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", "--corpus", str(corpus_dir),
         "--index", str(index_dir)],
        input="".join(json.dumps({"q": q}) + "\n" for q in questions), capture_output=True, text=True, env=env,
        timeout=1800, check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"baseline child failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    out = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    if len(out) != len(questions):
        raise SystemExit(f"baseline child answered {len(out)} of {len(questions)} questions")
    return out


# --- extraction ----------------------------------------------------------------------------------

_KINDS = ("source", "cue", "content")


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    """``start..end`` without surrounding whitespace and punctuation."""
    def trim(ch: str) -> bool:
        return ch.isspace() or unicodedata.category(ch).startswith("P")

    while start < end and trim(text[start]):
        start += 1
    while end > start and trim(text[end - 1]):
        end -= 1
    return start, end


def _overlaps(a: tuple[int, int], pieces: Sequence[tuple[int, int]]) -> bool:
    return any(a[0] < e and s < a[1] for s, e in pieces)


@dataclass
class Counts:
    """Weighted counts of one span type: predicted, gold, and the matches each way."""

    pred: float = 0.0
    gold: float = 0.0
    exact: float = 0.0
    pred_overlap: float = 0.0
    gold_overlap: float = 0.0

    def scores(self) -> dict[str, float]:
        def prf(tp_p: float, tp_r: float) -> dict[str, float]:
            p = tp_p / self.pred if self.pred else 0.0
            r = tp_r / self.gold if self.gold else 0.0
            return {"p": round(p, 4), "r": round(r, 4), "f1": round(2 * p * r / (p + r) if p + r else 0.0, 4)}

        return {"exact": prf(self.exact, self.exact), "overlap": prf(self.pred_overlap, self.gold_overlap)}


def extraction(articles: Sequence[PolArticle], extract: Callable[..., Any]) -> dict[str, Any]:
    """Span P/R/F1 of the extractor against every annotator's file."""
    from bot.ingest.documents import sentence_spans

    counts = {k: Counts() for k in _KINDS}
    for article in articles:
        raw = article.text
        norm, spans = sentence_spans(raw)
        where = align(raw, norm)
        predicted: dict[str, set[tuple[int, int]]] = {k: set() for k in _KINDS}
        for att in extract(norm, spans):
            for kind in _KINDS:
                span = getattr(att, kind)
                if span is not None and span.end > span.start:
                    s, e = _strip(raw, where[span.start], where[span.end - 1] + 1)
                    if e > s:
                        predicted[kind].add((s, e))
        weight = 1.0 / max(len(article.annotations), 1)
        for ann in article.annotations:
            gold: dict[str, list[Span]] = {k: [] for k in _KINDS}
            for att in ann.attributions:
                gold["source"] += [att.source] if att.source else []
                gold["cue"] += [att.cue] if att.cue else []
                gold["content"] += list(att.contents)
            for kind in _KINDS:
                spans_g = list({g.pieces: g for g in gold[kind]}.values())
                exact_g = {_strip(raw, g.start, g.end) for g in spans_g}
                pred = predicted[kind]
                c = counts[kind]
                c.pred += weight * len(pred)
                c.gold += weight * len(spans_g)
                c.exact += weight * len(pred & exact_g)
                c.pred_overlap += weight * sum(any(_overlaps(p, g.pieces) for g in spans_g) for p in pred)
                c.gold_overlap += weight * sum(any(_overlaps(p, g.pieces) for p in pred) for g in spans_g)
    return {kind: counts[kind].scores() for kind in _KINDS}


# --- "What did X say?" and "Who said ...?" -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Person:
    """A quoted person of the split: corpus key, display name, surname, statement count."""

    key: str
    name: str
    surname: str
    statements: int


def people(articles: Sequence[PolArticle]) -> list[Person]:
    """People with >= MIN_STATEMENTS statements (first annotator), most quoted first."""
    count: Counter[str] = Counter()
    shown: dict[str, Counter[str]] = defaultdict(Counter)
    for a in articles:
        if a.annotations:
            count.update(att.speaker for att in a.annotations[0].attributions if att.speaker and att.contents)
        for key, name in a.names.items():
            shown[key][name] += 1
    out = []
    for key, n in count.most_common():
        if n < MIN_STATEMENTS:
            break
        name = shown[key].most_common(1)[0][0] if shown[key] else key.title()
        out.append(Person(key, name, name.split()[-1], n))
    return out


def statements(articles: Sequence[PolArticle]) -> dict[str, dict[str, list[tuple[int, int]]]]:
    """Person key -> article -> content pieces of that person's statements (every annotator)."""
    out: dict[str, dict[str, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    for a in articles:
        for ann in a.annotations:
            for att in ann.attributions:
                if att.speaker:
                    for c in att.contents:
                        out[att.speaker][a.name].extend(c.pieces)
    return out


def what_questions(persons: Sequence[Person]) -> list[tuple[str, str, str]]:
    """(question, person key, form) for each person: full name, and surname for the most quoted."""
    out = []
    seen_surnames: set[str] = set()
    for p in persons:
        if " " in p.name:
            out.append((f"What did {p.name} say?", p.key, "full name"))
        if p.surname.lower() not in seen_surnames:
            seen_surnames.add(p.surname.lower())
            out.append((f"What did {p.surname} say?", p.key, "surname"))
    return out


def is_hit(row: Row, gold: dict[str, list[tuple[int, int]]]) -> bool:
    return _overlaps((row["start"], row["end"]), gold.get(row["article"], ()))


def ranking_scores(answers: Sequence[Sequence[Row]], golds: Sequence[dict[str, list[tuple[int, int]]]]) -> dict:
    n = max(len(answers), 1)
    hits = [[is_hit(r, g) for r in rows[:TOP]] for rows, g in zip(answers, golds, strict=True)]
    return {
        "questions": len(answers),
        "p_at_1": round(sum(bool(h) and h[0] for h in hits) / n, 4),
        "p_at_3": round(sum(sum(h) for h in hits) / (TOP * n), 4),
        "hit_at_3": round(sum(any(h) for h in hits) / n, 4),
        "abstained": round(sum(not h for h in hits) / n, 4),
    }


def quote_words(text: str) -> list[str]:
    words = [_EDGE_SINGLE.sub("", w) for w in _DOUBLE_QUOTES.sub(" ", text).split()]
    return [w for w in words if w]


def who_questions(articles: Sequence[PolArticle], persons_by_key: dict[str, str]) -> list[dict[str, Any]]:
    """One question per distinct direct quotation of >= QUOTE_WORDS words by a resolved person."""
    out = []
    seen: set[str] = set()
    for a in articles:
        for ann in a.annotations:
            for att in ann.attributions:
                if not att.speaker or not att.contents:
                    continue
                content = att.contents[0]
                text = content.text(a.text).strip()
                words = quote_words(text)
                if not text or text[0] not in _OPEN_QUOTES or len(words) < QUOTE_WORDS:
                    continue
                q = f"Who said {' '.join(words[:QUOTE_WORDS])}?"
                if q in seen:
                    continue
                seen.add(q)
                surname = persons_by_key.get(att.speaker) or att.speaker.split()[-1]
                out.append({"q": q, "surname": surname.split()[-1], "article": a.name,
                            "pieces": [p for c in att.contents for p in c.pieces]})
    return out


def _names(surname: str, text: str | None) -> bool:
    return bool(text) and re.search(rf"(?<![\w-]){re.escape(surname)}(?![\w-])", text or "", re.IGNORECASE) is not None


def who_scores(questions: Sequence[dict[str, Any]], answers: Sequence[Sequence[Row]]) -> dict[str, Any]:
    n = max(len(questions), 1)
    first = [rows[0] if rows else None for rows in answers]
    return {
        "questions": len(questions),
        "speaker_correct": round(sum(bool(r) and _names(q["surname"], r["speaker"])
                                     for q, r in zip(questions, first, strict=True)) / n, 4),
        "sentence_names_speaker": round(sum(bool(r) and _names(q["surname"], r["sentence"])
                                            for q, r in zip(questions, first, strict=True)) / n, 4),
        "found": round(sum(bool(r) and r["article"] == q["article"] and _overlaps((r["start"], r["end"]), q["pieces"])
                           for q, r in zip(questions, first, strict=True)) / n, 4),
    }


def archive(index_dir: Path | None) -> dict[str, Any]:
    """The news archive part: the archive's most quoted people asked again through
    ``NewsService.ask`` and each excerpt looked up in the hand labels (``attribution_archive.py``);
    without ``index_dir`` (the archive's saved index, built there if missing: minutes), skipped."""
    if index_dir is None:
        return {"note": "skipped: give --archive-index DIR"}
    import attribution_archive

    from bot.service import build_service

    return attribution_archive.score(build_service(attribution_archive.DATA, index_dir))


# --- the run ---------------------------------------------------------------------------------


def _extractor() -> Callable[..., Any] | None:
    try:
        from bot.attribution.extract import extract_attributions
    except ImportError:
        return None
    return extract_attributions


def _print_prf(title: str, result: dict[str, Any]) -> None:
    print(f"\n{title}")
    print(f"{'span':<8} {'exact P':>8} {'R':>6} {'F1':>6}   {'overlap P':>9} {'R':>6} {'F1':>6}")
    for kind, m in result.items():
        e, o = m["exact"], m["overlap"]
        print(f"{kind:<8} {e['p']:>8.3f} {e['r']:>6.3f} {e['f1']:>6.3f}   "
              f"{o['p']:>9.3f} {o['r']:>6.3f} {o['f1']:>6.3f}")


def _print_examples(label: str, questions: Sequence[str], answers: Sequence[Sequence[Row]],
                    ok: Sequence[bool], count: int) -> None:
    shown = 0
    for q, rows, good in zip(questions, answers, ok, strict=True):
        if good or shown >= count:
            continue
        shown += 1
        top = rows[0] if rows else None
        print(f"  miss ({label}): {q} -> " + (f"[{top['speaker']}] {top['sentence'][:160]}" if top else "(abstained)"))


def _report_what(whats: Sequence[tuple[str, str, str]], gold: dict[str, dict[str, list[tuple[int, int]]]],
                 n_people: int, runs: dict[str, list[list[Row]] | None], examples: int) -> dict[str, Any]:
    golds = [gold[key] for _, key, _ in whats]
    out: dict[str, Any] = {"people": n_people, "questions": len(whats)}
    print(f"\nWhat did X say? {n_people} people with >= {MIN_STATEMENTS} statements, {len(whats)} questions")
    print(f"{'run':<10} {'form':<10} {'n':>4} {'P@1':>6} {'P@3':>6} {'hit@3':>6} {'abst.':>6}")
    for run, answers in runs.items():
        if answers is None:
            continue
        part = answers[: len(whats)]
        out[run] = ranking_scores(part, golds)
        for form in ("full name", "surname"):
            idx = [i for i, (_, _, f) in enumerate(whats) if f == form]
            out[run][form.replace(" ", "_")] = ranking_scores([part[i] for i in idx], [golds[i] for i in idx])
        for form, m in (("all", out[run]), ("full name", out[run]["full_name"]), ("surname", out[run]["surname"])):
            print(f"{run:<10} {form:<10} {m['questions']:>4} {m['p_at_1']:>6.3f} {m['p_at_3']:>6.3f} "
                  f"{m['hit_at_3']:>6.3f} {m['abstained']:>6.3f}")
        if examples:
            ok = [bool(rows) and is_hit(rows[0], g) for rows, g in zip(part, golds, strict=True)]
            _print_examples(run, [q for q, _, _ in whats], part, ok, examples)
    return out


def _report_who(whos: Sequence[dict[str, Any]], runs: dict[str, list[list[Row]] | None], skip: int,
                examples: int) -> dict[str, Any]:
    out: dict[str, Any] = {"questions": len(whos)}
    print(f"\nWho said ...? {len(whos)} direct quotations of >= {QUOTE_WORDS} words by a resolved person")
    print(f"{'run':<10} {'n':>4} {'speaker':>8} {'sentence names':>15} {'found':>6}")
    for run, answers in runs.items():
        if answers is None:
            continue
        part = answers[skip:]
        m = out[run] = who_scores(whos, part)
        print(f"{run:<10} {m['questions']:>4} {m['speaker_correct']:>8.3f} "
              f"{m['sentence_names_speaker']:>15.3f} {m['found']:>6.3f}")
        if examples:
            field = "speaker" if run == "engine" else "sentence"
            ok = [bool(rows) and _names(w["surname"], rows[0][field]) for w, rows in zip(whos, part, strict=True)]
            _print_examples(run, [w["q"] + f" [{w['surname']}]" for w in whos], part, ok, examples)
    print("(speaker: the first excerpt's speaker names the person, new code only; sentence names: its "
          "sentence contains the surname; found: it overlaps the quotation)")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the tables, then one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--split", choices=("dev", "train"), default="dev")
    parser.add_argument("--part", choices=("extraction", "what", "who", "all"), default="all")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N articles of the split")
    parser.add_argument("--data", type=Path, default=DATA, help="the PolNeAR folder")
    parser.add_argument("--no-baseline", action="store_true", help="skip the baseline child process")
    parser.add_argument("--examples", type=int, default=0, help="print N misses per question type")
    parser.add_argument("--archive-index", type=Path, help="the news archive's saved index, for part 4")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--index", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.corpus, args.index)
    sys.path.insert(0, str(ROOT))

    t0 = time.perf_counter()
    articles = load_split(args.data, args.split, limit=args.limit)
    n_files = sum(len(a.annotations) for a in articles)
    print(f"PolNeAR {args.split}: {len(articles)} articles, {n_files} annotation files "
          f"(loaded and resolved in {time.perf_counter() - t0:.1f} s)")
    result: dict[str, Any] = {"benchmark": "attribution", "split": args.split, "articles": len(articles),
                              "extraction": None, "what_did_x_say": None, "who_said": None,
                              "archive": archive(args.archive_index)}
    parts = {"extraction", "what", "who"} if args.part == "all" else {args.part}

    if "extraction" in parts:
        extract = _extractor()
        if extract is None:
            print("\nextraction: bot.attribution.extract is not available yet")
        else:
            t0 = time.perf_counter()
            result["extraction"] = extraction(articles, extract)
            _print_prf(f"extraction ({time.perf_counter() - t0:.1f} s; exact = stripped covering span, "
                       "overlap = any shared character)", result["extraction"])

    if parts & {"what", "who"}:
        persons = people(articles)
        gold = statements(articles)
        whats = what_questions(persons) if "what" in parts else []
        whos = who_questions(articles, {p.key: p.surname for p in persons}) if "who" in parts else []
        asked = [q for q, _, _ in whats] + [w["q"] for w in whos]
        with tempfile.TemporaryDirectory(prefix="polnear-") as tmp:
            work = Path(tmp)
            (work / "corpus").mkdir()
            write_corpus(articles, work / "corpus")
            t0 = time.perf_counter()
            answerer = Answerer(work / "corpus", work / "index")
            t_build = time.perf_counter() - t0
            t0 = time.perf_counter()
            ours = [answerer.ask(q) for q in asked]
            t_ask = time.perf_counter() - t0
            theirs = None if args.no_baseline else baseline_answers(work / "corpus", work, asked)
        print(f"\nindex of {len(articles)} articles built in {t_build:.1f} s; {len(asked)} questions in {t_ask:.1f} s")
        runs = {"engine": ours, "baseline": theirs}

        if whats:
            result["what_did_x_say"] = _report_what(whats, gold, len(persons), runs, args.examples)
        if whos:
            result["who_said"] = _report_who(whos, runs, len(whats), args.examples)

    arch = result["archive"]
    print("\narchive: " + (arch.get("note", "no labels") if not arch.get("questions") else
                           f"{arch['people']} people, {arch['questions']} questions through NewsService.ask: "
                           f"P@1 {arch['p_at_1']:.3f}, P@3 {arch['p_at_3']:.3f} over labelled excerpts; "
                           f"counting the {arch['unlabelled_excerpts']} unlabelled as misses "
                           f"{arch['p_at_1_strict']:.3f} / {arch['p_at_3_strict']:.3f}"))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
