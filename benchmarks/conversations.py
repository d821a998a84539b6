"""Conversations (issue 13): follow-up questions answered alone, resolved, and written out in full.

Data: ``benchmarks/data/conversations.jsonl``, one conversation a line (labels only, no article
text)::

    {"id": "...", "corpus": "shipped|polnear|archive", "turns": [
        {"question": "And Peskov?", "kind": "first|follow|standalone", "full": "What did Peskov say?",
         "shape": "pronoun|and-x|what-about|when|where|why|more|who-else|other",
         "expected": [{"article": "ID", "sentence": 21}, ...]}, ...]}

``full`` is the follow-up written out by hand as a stand-alone question (``null`` for first and
stand-alone turns); ``sentence`` is 1-based, as the bot's citations number sentences
(``Citation.position``); ``expected`` lists every sentence a reader would accept as the first
answer to the turn in its conversation ("what else did he say?": that person's other statements,
not the one the first turn expects).

Corpora: ``shipped`` is the shipped ``corpus/`` (one article); ``polnear`` the 84 PolNeAR dev
articles (``../shared/data/polnear/dev``, loaded by ``benchmarks/polnear.py`` and indexed as one
JSON Lines archive in a temporary folder, as ``benchmarks/attribution.py`` does); ``archive`` the
news archive (``../shared/data/news_corpus``, 71,503 articles) opened from the saved index given
by ``--archive-index`` as it is (whatever fingerprint it was saved under, e.g. by
``benchmarks/news_time.py``; never rebuilt here), skipped with a note without it.

How the labels were made: conversations were written by reading the articles' numbered sentences
(the index's own sentence split), choosing a first question a Discord user would ask, then the
follow-ups a person would type after reading the answer. Every expected sentence was chosen by
reading the sentences, never by copying the bot's answers; the bot was used only to find
candidate articles in the archive. For "what did X say" turns on PolNeAR, the annotators' gold
attributions (a content span whose resolved source is X, ``benchmarks/polnear.py``; sources it
leaves unresolved, such as "the mayor", followed by hand) decided which sentences are X's
statements; on the shipped article and the archive, statements were judged by reading (a
quotation or reported speech with X as its source, pronouns followed by hand).
"When/where/why" turns expect the sentences that give the time, place or reason of the previous
answer's event; "more" turns expect the sentences that continue the previous answer (its statement
or its story) and not the ones already shown. Stand-alone turns (a new topic in the middle of a
conversation) expect what the question asked alone should find. "What else did he say?" expects
the person's other statements in the conversation's story (its article), not every statement the
person made anywhere. On PolNeAR and the archive, other articles that answer a turn were looked
for (the hand-written questions asked alone, their top answers read) and the sentences that
answer it added; an archive answer from an article nobody read still counts as a miss, so the
archive figures are a lower bound.

Scoring: each turn's answer (``top=3``) is scored by P@1 and MRR over its excerpts: a hit is an
excerpt whose article is an expected article and whose shown span (``Citation.position`` with
the ``before``/``after`` sentences) includes an expected sentence of that article (an "also in"
citation, the same sentence printed by another article, counts as that article). An abstention
(or a question the bot refuses as unsearchable) is a miss. Each conversation is played in order
through ``NewsService.converse``, carrying the conversation as the bot itself resolved the earlier
turns (never the labels). Reported for the follow-up turns: (a) the raw follow-up asked alone
(``ask``), (b) the follow-up resolved in its conversation (``converse``), (c) the hand-written
full question asked alone (the ceiling), and b/c; per shape; and for the first and stand-alone
turns, ``converse`` against ``ask`` (resolution must not hurt them). Without ``converse`` (the
code before issue 13) every turn is asked alone, so (a) == (b).

Target (issue 13): resolved >= 0.9 x the hand-written ceiling, and no loss on stand-alone turns.
Published anchors (conversational passage search, TREC CAsT 2019, BM25, MRR): raw utterances
31.8, coreference-rewritten 52.0, T5 rewriter 64.5, manual rewrites 67.2 (DECAF reproducibility
guide), i.e. automatic rewriting reached 0.96 of the manual ceiling; historical query expansion
(HQE) NDCG@3 0.26 against T5's 0.30 (chatty-goose). Those are passage-ranking figures over
millions of passages, not ours: compare ratios, not values.

Run: ``python benchmarks/conversations.py [--archive-index DIR] [--corpus shipped,polnear,archive]
[--show]`` (``--show`` prints every turn: how it was understood and its marks). The last line
printed is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.service import NewsService

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data" / "conversations.jsonl"
ARCHIVE = ROOT.parent / "shared" / "data" / "news_corpus"
CORPORA = ("shipped", "polnear", "archive")
KINDS = ("first", "follow", "standalone")
SHAPES = ("pronoun", "and-x", "what-about", "when", "where", "why", "more", "who-else", "other")
TOP = 3
TODAY = dt.date(2026, 12, 1)  # a fixed clock: the same answers on every run


# --- the labels ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Turn:
    """One labelled turn: the question typed, its kind and shape, the full form, the accepted answers."""

    question: str
    kind: str
    full: str | None
    shape: str | None
    expected: tuple[tuple[str, int], ...]  # (article id, 1-based sentence)


@dataclass(frozen=True, slots=True)
class Dialogue:
    """One labelled conversation over one corpus."""

    id: str
    corpus: str
    turns: tuple[Turn, ...]


def parse_conversation(line: str, where: str) -> Dialogue:
    """One JSON line -> ``Dialogue``; a malformed line raises ``ValueError`` naming ``where``."""
    try:
        raw = json.loads(line)
        turns = []
        for i, t in enumerate(raw["turns"], start=1):
            kind, full, shape = t["kind"], t.get("full"), t.get("shape")
            if kind not in KINDS:
                raise ValueError(f"turn {i}: kind {kind!r} is not one of {', '.join(KINDS)}")
            if kind == "follow" and (not full or shape not in SHAPES):
                raise ValueError(f"turn {i}: a follow-up needs a full question and a shape of {', '.join(SHAPES)}")
            if (kind == "first") != (i == 1):
                raise ValueError(f"turn {i}: the first turn, and only it, is of kind 'first'")
            expected = tuple((str(e["article"]), int(e["sentence"])) for e in t["expected"])
            if not expected or any(s < 1 for _, s in expected):
                raise ValueError(f"turn {i}: expected needs at least one sentence, numbered from 1")
            turns.append(Turn(str(t["question"]), kind, full, shape, expected))
        dialogue = Dialogue(str(raw["id"]), str(raw["corpus"]), tuple(turns))
    except (KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{where}: not a conversation ({type(exc).__name__}: {exc})") from exc
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from exc
    if dialogue.corpus not in CORPORA:
        raise ValueError(f"{where}: corpus {dialogue.corpus!r} is not one of {', '.join(CORPORA)}")
    return dialogue


def load_conversations(path: Path) -> list[Dialogue]:
    """Every conversation of the labels file, in order; ids must be unique."""
    out: list[Dialogue] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            out.append(parse_conversation(line, f"{path.name} line {n}"))
    ids = [d.id for d in out]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path.name}: conversation ids repeat")
    return out


# --- scoring ------------------------------------------------------------------------------------


def marks(excerpts: Iterable[Any], expected: Sequence[tuple[str, int]], top: int = TOP) -> list[bool]:
    """Per returned excerpt (up to ``top``): does its shown span include an expected sentence?"""
    wanted: dict[str, set[int]] = defaultdict(set)
    for article, sentence in expected:
        wanted[article].add(sentence)
    out = []
    for ex in list(excerpts)[:top]:
        hit = False
        for c in (ex.citation, *ex.also):  # another article printing the same sentence counts too
            lo, hi = c.position - len(ex.before), c.position + len(ex.after)
            hit = hit or any(lo <= s <= hi for s in wanted.get(c.article_id, ()))
        out.append(hit)
    return out


def p_at_1(runs: Sequence[Sequence[bool]]) -> float:
    return round(sum(bool(m) and m[0] for m in runs) / len(runs), 4) if runs else 0.0


def mrr(runs: Sequence[Sequence[bool]]) -> float:
    if not runs:
        return 0.0
    return round(sum(next((1 / r for r, hit in enumerate(m, start=1) if hit), 0.0) for m in runs) / len(runs), 4)


def scores(runs: Sequence[Sequence[bool]]) -> dict[str, float]:
    return {"n": len(runs), "p_at_1": p_at_1(runs), "mrr": mrr(runs)}


# --- playing the conversations ------------------------------------------------------------------


@dataclass
class Played:
    """One turn's results: marks of each run, and how ``converse`` understood it."""

    dialogue: str
    corpus: str
    turn: int
    kind: str
    shape: str | None
    question: str
    alone: list[bool]
    resolved: list[bool]
    full: list[bool] | None
    understood: str | None


def _ask(service: NewsService, question: str) -> list[Any]:
    from bot.errors import InvalidQuestion

    try:
        answer = service.ask(question, top=TOP, today=TODAY)
    except InvalidQuestion:
        return []
    return list(answer.excerpts)


def play(service: NewsService, dialogue: Dialogue) -> list[Played]:
    """Play one conversation: each turn asked alone, through ``converse`` (the conversation as the
    bot carried it), and, for follow-ups, written out in full."""
    from bot.errors import InvalidQuestion

    converse: Callable[..., Any] | None = getattr(service, "converse", None)
    conversation = None
    if converse is not None:
        from bot.models import Conversation

        conversation = Conversation()
    out = []
    for n, turn in enumerate(dialogue.turns, start=1):
        alone = _ask(service, turn.question)
        understood = None
        if converse is None:
            resolved = alone
        else:
            try:
                exchange = converse(turn.question, conversation, top=TOP, today=TODAY)
            except InvalidQuestion:
                resolved = []
            else:
                conversation = exchange.conversation
                resolved = list(exchange.answer.excerpts)
                understood = exchange.answer.understood
        full = marks(_ask(service, turn.full), turn.expected) if turn.kind == "follow" and turn.full else None
        out.append(Played(dialogue.id, dialogue.corpus, n, turn.kind, turn.shape, turn.question,
                          marks(alone, turn.expected), marks(resolved, turn.expected), full, understood))
    return out


# --- the corpora --------------------------------------------------------------------------------


def check_labels(service: NewsService, dialogues: Sequence[Dialogue]) -> None:
    """Every expected article is in the corpus and every sentence number within the article."""
    corpus = service.corpus
    number = {m.id: i for i, m in enumerate(corpus.articles)}
    for d in dialogues:
        for n, t in enumerate(d.turns, start=1):
            for article, sentence in t.expected:
                if article not in number:
                    raise SystemExit(f"{d.id} turn {n}: no article {article!r} in the {d.corpus} corpus")
                count = len(corpus.article_rows(number[article]))
                if sentence > count:
                    raise SystemExit(f"{d.id} turn {n}: {article} has {count} sentences, not {sentence}")


def open_service(corpus: str, work: Path, archive_index: Path | None) -> NewsService:
    """The ``NewsService`` of one corpus (indexes of shipped and PolNeAR built under ``work``)."""
    from bot.service import build_service

    if corpus == "shipped":
        return build_service(ROOT / "corpus", work / "shipped-index")
    if corpus == "polnear":
        from attribution import write_corpus
        from polnear import DATA as POLNEAR
        from polnear import load_split

        folder = work / "polnear"
        folder.mkdir()
        write_corpus(load_split(POLNEAR, "dev"), folder)
        return build_service(folder, work / "polnear-index")
    # The archive: its saved index opened as it is (built by another benchmark, under its own
    # fingerprint), never rebuilt here (that takes many minutes).
    from bot.errors import IndexFormatError
    from bot.retrieval.store import CorpusIndex
    from bot.retrieval.tokenize import default_tokenizer
    from bot.service import NewsService

    if archive_index is None:
        raise ValueError("the archive needs --archive-index")
    tokenizer = default_tokenizer()
    try:
        params = CorpusIndex.read_params(archive_index)
        if not params or params.get("tokenizer") != tokenizer.describe():
            raise SystemExit(f"{archive_index} holds no saved index of this tokenizer")
        return NewsService(CorpusIndex.load(archive_index, mmap=True), tokenizer)
    except IndexFormatError as exc:
        raise SystemExit(f"cannot open the archive index {archive_index}: {exc}") from exc


# --- the report ---------------------------------------------------------------------------------


def _ratio(b: float, c: float) -> float | None:
    return round(b / c, 3) if c else None


def summarise(played: Sequence[Played]) -> dict[str, Any]:
    """The figures of the played turns (see the module notes)."""
    follows = [p for p in played if p.kind == "follow"]
    out: dict[str, Any] = {}

    def follow_block(rows: Sequence[Played]) -> dict[str, Any]:
        a = scores([p.alone for p in rows])
        b = scores([p.resolved for p in rows])
        c = scores([p.full or [] for p in rows])
        return {"n": len(rows), "raw": a, "resolved": b, "full": c,
                "ratio_p_at_1": _ratio(b["p_at_1"], c["p_at_1"]), "ratio_mrr": _ratio(b["mrr"], c["mrr"])}

    out["follow"] = follow_block(follows)
    out["follow_by_shape"] = {s: follow_block(rows) for s in SHAPES if (rows := [p for p in follows if p.shape == s])}
    out["follow_by_corpus"] = {
        c: follow_block(rows) for c in CORPORA if (rows := [p for p in follows if p.corpus == c])
    }
    for kind in ("first", "standalone"):
        rows = [p for p in played if p.kind == kind]
        out[kind] = {"n": len(rows), "alone": scores([p.alone for p in rows]),
                     "resolved": scores([p.resolved for p in rows])}
    out["understood_changed"] = sum(p.understood is not None for p in follows)
    return out


def _print_report(result: dict[str, Any]) -> None:
    def row(label: str, block: dict[str, Any]) -> None:
        a, b, c = block["raw"], block["resolved"], block["full"]
        ratio_p = "-" if block["ratio_p_at_1"] is None else f"{block['ratio_p_at_1']:.2f}"
        ratio_m = "-" if block["ratio_mrr"] is None else f"{block['ratio_mrr']:.2f}"
        print(f"{label:<14} {block['n']:>4}  {a['p_at_1']:>6.3f} {a['mrr']:>6.3f}  {b['p_at_1']:>6.3f} {b['mrr']:>6.3f}"
              f"  {c['p_at_1']:>6.3f} {c['mrr']:>6.3f}  {ratio_p:>6} {ratio_m:>6}")

    print(f"\nfollow-up turns (top {TOP}; P@1 / MRR)")
    print(f"{'':<14} {'n':>4}  {'raw (a)':^13}  {'resolved (b)':^13}  {'full (c)':^13}  {'b/c P@1':>6} {'MRR':>6}")
    row("all", result["follow"])
    for shape, block in result["follow_by_shape"].items():
        row(f"  {shape}", block)
    for corpus, block in result["follow_by_corpus"].items():
        row(f"  [{corpus}]", block)
    print(f"\n{'turns':<14} {'n':>4}  {'ask alone':^13}  {'converse':^13}")
    for kind in ("first", "standalone"):
        block = result[kind]
        a, b = block["alone"], block["resolved"]
        print(f"{kind:<14} {block['n']:>4}  {a['p_at_1']:>6.3f} {a['mrr']:>6.3f}  {b['p_at_1']:>6.3f} {b['mrr']:>6.3f}")


def _show(played: Sequence[Played]) -> None:
    def m(x: Sequence[bool] | None) -> str:
        return "-" if x is None else ("".join("x" if h else "." for h in x) or "abst")

    for p in played:
        line = f"{p.dialogue} {p.turn} {p.kind:<10} {p.shape or '':<10} alone {m(p.alone):<4} conv {m(p.resolved):<4}"
        line += f" full {m(p.full):<4} | {p.question}"
        print(line + (f"  (understood as: {p.understood})" if p.understood else ""))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark: the tables, then one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--archive-index", type=Path, help="the news archive's saved index (else it is skipped)")
    parser.add_argument("--corpus", default=",".join(CORPORA), help="which corpora, comma-separated")
    parser.add_argument("--data", type=Path, default=DATA, help="the conversations file")
    parser.add_argument("--show", action="store_true", help="print every turn with its marks")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    wanted = [c.strip() for c in args.corpus.split(",") if c.strip()]
    if unknown := [c for c in wanted if c not in CORPORA]:
        parser.error(f"unknown corpus {', '.join(unknown)} (choose from {', '.join(CORPORA)})")
    try:
        dialogues = load_conversations(args.data)
    except (OSError, ValueError) as exc:
        print(f"cannot read the conversations: {exc}", file=sys.stderr)
        return 1
    notes = []
    if "archive" in wanted and args.archive_index is None:
        wanted.remove("archive")
        notes.append("archive skipped: give --archive-index DIR")
        print(notes[-1])

    played: list[Played] = []
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="conversations-") as tmp:
        for corpus in wanted:
            mine = [d for d in dialogues if d.corpus == corpus]
            if not mine:
                continue
            t0 = time.perf_counter()
            service = open_service(corpus, Path(tmp), args.archive_index)
            check_labels(service, mine)
            t1 = time.perf_counter()
            for d in mine:
                played.extend(play(service, d))
            seconds[corpus] = round(time.perf_counter() - t1, 1)
            turns = sum(len(d.turns) for d in mine)
            print(f"{corpus}: {len(mine)} conversations, {turns} turns (opened in {t1 - t0:.1f} s, "
                  f"played in {seconds[corpus]:.1f} s)")
    has_converse = bool(played) and _has_converse()
    if not has_converse:
        notes.append("NewsService.converse is missing: every turn asked alone (raw == resolved)")
        print(notes[-1])
    if args.show:
        _show(played)
    result = {"benchmark": "conversations", "converse": has_converse, "corpora": wanted,
              "conversations": len({p.dialogue for p in played}), "turns": len(played), **summarise(played),
              "seconds": seconds, "notes": notes}
    _print_report(result)
    print(json.dumps(result))
    return 0


def _has_converse() -> bool:
    from bot.service import NewsService

    return hasattr(NewsService, "converse")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main())
