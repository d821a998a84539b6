"""ReQA sentence retrieval on SQuAD v1.1 dev: the bot's own ranking against bm25s, in one run.

Data (read by path, never copied): ``../shared/data/squad/dev-v1.1.json.gz`` (see its SOURCE.md).

Protocol (after ReQA, Ahmad et al. 2019):

* Each SQuAD article becomes one article of the bot: title = the SQuAD title with underscores as
  spaces, text = its paragraphs joined by blank lines. It goes through the product's own
  ``bot.ingest.documents.ingest`` (normalise, glue repair, sentence splitter, de-duplication) and
  is indexed by ``CorpusIndex.build`` with the product tokenizer, wrapped in a ``NewsService``:
  the same path and settings as ``python -m bot index``.
* Candidates are the unique sentences of all articles (equal text counted once). The gold
  sentence of a question is the one that contains the start of its first answer.
* "engine": every question is ranked by ``NewsService.rank`` (after ``clean_question``), the
  very ranking ``NewsService.ask`` cuts and cites, with the bot's default ``AnswerParams``;
  the abstention cut is not applied (it is measured separately, see ``--abstention``). Its
  ranked list holds the top ``AnswerParams.candidates`` (50); a gold sentence outside it counts
  as a miss.
* "bm25s": ``bm25s`` (Lucene BM25, k1=1.5, b=0.75) over the same unique sentences, PyStemmer's
  Snowball English stemmer, no stop words, top 100.

Metrics: P@1, R@5 (gold in the first five) and MRR (reciprocal rank of the gold sentence, 0 when
it is not returned).

``--ablation`` re-ranks with each setting of ``RankWeights`` switched off in turn.

``--abstention`` also measures the abstention rule, through ``NewsService.ask`` (an abstention
counts as a miss): P@1 over every question against the whole corpus; then the articles are split
into two halves (even and odd positions), each half is indexed on its own, and every question is
asked against the index of its own half (answerable: P@1) and of the other half (unanswerable: the
share abstained on). The rule used before the abstention model (the best sentence's window
coverage >= 0.55 and cosine >= 0.1) is scored on the same rankings for comparison.
``benchmarks/fit_abstention.py`` fitted the model on this split (on half of its questions).

Run: ``python benchmarks/reqa_squad.py`` (about a minute on 2 cores; ``--abstention`` adds about
a minute, ``--ablation`` about ten; ``--limit N`` asks only the first N questions). The last line
printed is one JSON object.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.errors import InvalidQuestion  # noqa: E402
from bot.ingest.documents import ingest  # noqa: E402
from bot.ingest.sentences import split_spans  # noqa: E402
from bot.models import Article, ArticleMeta, Document  # noqa: E402
from bot.retrieval.answer import clean_question  # noqa: E402
from bot.retrieval.rank import AnswerParams, Ranking, RankWeights  # noqa: E402
from bot.retrieval.store import CorpusIndex  # noqa: E402
from bot.retrieval.tokenize import Tokenizer, default_tokenizer  # noqa: E402
from bot.service import NewsService  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "squad" / "dev-v1.1.json.gz"
BM25_DEPTH = 100
OLD_MIN_COVERAGE = 0.55  # the abstention rule before the abstention model, for comparison
# Each evidence weight of RankWeights and the value that switches it off.
ABLATIONS = {
    "window": 0.0, "paragraph": 0.0, "title": 0.0, "local": 0.0, "previous": 0.0, "title_term_share": 1.0,
    "idf_power": 1.0, "answer_type": 0.0, "name_type": 0.0, "bigram": 0.0,
}
_SPACE_RE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Question:
    """One SQuAD question with the article it belongs to and the unique id of its gold sentence."""

    text: str
    article: int
    gold: int
    answer: str


@dataclass(frozen=True, slots=True)
class Dataset:
    """Ingested articles, the unique sentence texts, each row's unique id, and the questions."""

    documents: list[Document]
    unique_texts: list[str]
    row_key: np.ndarray
    questions: list[Question]


def key_of(text: str) -> str:
    """Equal sentences (ignoring case and spacing) share one key, as in the product's de-duplication."""
    return _SPACE_RE.sub(" ", text).casefold()


def _nonspace_positions(text: str) -> np.ndarray:
    """Positions of the non-whitespace characters of ``text``."""
    return np.fromiter((i for i, ch in enumerate(text) if not ch.isspace()), dtype=np.int64)


def load(path: Path) -> Dataset:
    """Read SQuAD, ingest every article through the product and locate each question's gold sentence.

    The ingest normalises whitespace, so an answer's raw offset is carried over by counting the
    non-whitespace characters before it (the text's other characters are unchanged by ingest).
    """
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        data = json.load(fh)["data"]
    documents: list[Document] = []
    questions: list[Question] = []
    keys: dict[str, int] = {}
    unique_texts: list[str] = []
    row_key: list[int] = []
    for a, entry in enumerate(data):
        contexts = [p["context"] for p in entry["paragraphs"]]
        raw = "\n\n".join(contexts)
        meta = ArticleMeta(id=f"squad-{a:02d}", title=entry["title"].replace("_", " "))
        doc = ingest(Article(meta=meta, text=raw))
        documents.append(doc)
        for s in doc.sentences:
            k = key_of(s.text)
            if k not in keys:
                keys[k] = len(unique_texts)
                unique_texts.append(s.text)
            row_key.append(keys[k])
        # Map a raw offset to the normalised text through the count of non-space characters.
        raw_ns = _nonspace_positions(raw)
        norm_ns = _nonspace_positions(doc.text)
        # Every sentence the splitter made, repeats included: a repeat's key is its first copy's.
        spans = split_spans(doc.text)
        starts = np.array([start for start, _ in spans], dtype=np.int64)
        offset = 0
        for p in entry["paragraphs"]:
            for qa in p["qas"]:
                first = qa["answers"][0]
                pos = offset + int(first["answer_start"])
                nth = int(np.searchsorted(raw_ns, pos))  # non-space characters before the answer
                norm_pos = int(norm_ns[min(nth, len(norm_ns) - 1)])
                i = max(int(np.searchsorted(starts, norm_pos, side="right")) - 1, 0)
                gold = keys[key_of(doc.text[spans[i][0] : spans[i][1]])]
                questions.append(Question(qa["question"], a, gold, first["text"]))
            offset += len(p["context"]) + 2
    return Dataset(documents, unique_texts, np.asarray(row_key, dtype=np.int64), questions)


def build_service(documents: Sequence[Document], tokenizer: Tokenizer) -> NewsService:
    """Index the documents exactly as ``bot.service.open_corpus`` does, and wrap them in the service."""
    corpus = CorpusIndex.build(documents, tokenizer, fingerprint="reqa-squad", tokenizer=tokenizer.describe())
    return NewsService(corpus, tokenizer)


def engine_ranks(service: NewsService, row_key: np.ndarray, questions: Sequence[Question]) -> list[int | None]:
    """1-based rank of each question's gold sentence in the bot's ranking (``None`` when absent)."""
    out: list[int | None] = []
    for q in questions:
        try:
            ranking = service.rank(clean_question(q.text))
        except InvalidQuestion:
            out.append(None)
            continue
        out.append(_rank_of(row_key[ranking.rows].tolist(), q.gold))
    return out


def _rank_of(keys: Sequence[int], gold: int) -> int | None:
    seen: set[int] = set()
    for k in keys:
        if k in seen:
            continue
        seen.add(k)
        if k == gold:
            return len(seen)
    return None


def bm25s_ranks(unique_texts: Sequence[str], questions: Sequence[Question]) -> list[int | None]:
    """1-based rank of each gold sentence under bm25s (Snowball stemmer, no stop words)."""
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(list(unique_texts), stopwords=None, stemmer=stemmer, show_progress=False),
                    show_progress=False)
    tokens = bm25s.tokenize([q.text for q in questions], stopwords=None, stemmer=stemmer, show_progress=False)
    docs, _ = retriever.retrieve(tokens, k=min(BM25_DEPTH, len(unique_texts)), show_progress=False)
    return [_rank_of(docs[i].tolist(), q.gold) for i, q in enumerate(questions)]


def metrics(ranks: Sequence[int | None]) -> dict[str, float]:
    """P@1, R@5 and MRR of gold ranks."""
    n = max(len(ranks), 1)
    return {
        "p_at_1": round(sum(r == 1 for r in ranks) / n, 4),
        "r_at_5": round(sum(r is not None and r <= 5 for r in ranks) / n, 4),
        "mrr": round(sum(1.0 / r for r in ranks if r is not None) / n, 4),
    }


def half_split(data: Dataset, tokenizer: Tokenizer) -> tuple[list[NewsService], list[np.ndarray]]:
    """The articles at even and at odd positions, each indexed on its own, and each half's
    unique sentence id per row."""
    halves = [[a for a in range(len(data.documents)) if a % 2 == h] for h in (0, 1)]
    services = [build_service([data.documents[a] for a in half], tokenizer) for half in halves]
    keys = [np.concatenate([data.row_key[_doc_rows(data, a)] for a in half]) for half in halves]
    return services, keys


def _old_rule(ranking: Ranking) -> bool:
    """The abstention rule before the abstention model: window coverage >= 0.55 and cosine >= 0.1."""
    return bool(len(ranking)) and float(ranking.window[0]) >= OLD_MIN_COVERAGE and float(ranking.cosine[0]) >= 0.1


def abstention(
    data: Dataset, tokenizer: Tokenizer, questions: Sequence[Question], full: NewsService
) -> dict[str, float]:
    """P@1 of ``NewsService.ask`` (an abstention is a miss) over the whole corpus and over each
    question's own half, and the share of questions abstained on against the other half; the same
    for the old rule (window >= 0.55 and cosine >= 0.1) on the ranking ``ask`` cuts."""
    services, keys = half_split(data, tokenizer)
    ids = {key_of(t): i for i, t in enumerate(data.unique_texts)}

    def asked(service: NewsService, row_key: np.ndarray, q: Question) -> tuple[bool, bool, bool, bool]:
        """(ask answered, ask's first excerpt is gold, old rule answered, ranking's best is gold)."""
        try:
            reply = service.ask(q.text)
            ranking = service.rank(clean_question(q.text))
        except InvalidQuestion:
            return False, False, False, False
        hit = not reply.abstained and ids.get(key_of(reply.excerpts[0].sentence)) == q.gold
        top = bool(len(ranking)) and int(row_key[ranking.rows[0]]) == q.gold
        return not reply.abstained, hit, _old_rule(ranking), top

    full_rows = [asked(full, data.row_key, q) for q in questions]
    own_rows = [asked(services[q.article % 2], keys[q.article % 2], q) for q in questions]
    other_rows = [asked(services[1 - q.article % 2], keys[1 - q.article % 2], q) for q in questions]
    n = max(len(questions), 1)

    def share(values: Sequence[bool]) -> float:
        return round(sum(values) / n, 4)

    return {
        "p_at_1": share([hit for _, hit, _, _ in full_rows]),
        "old_p_at_1": share([old and top for _, _, old, top in full_rows]),
        "rank_p_at_1": share([top for _, _, _, top in full_rows]),
        "own_p_at_1": share([hit for _, hit, _, _ in own_rows]),
        "old_own_p_at_1": share([old and top for _, _, old, top in own_rows]),
        "unanswerable_abstained": share([not answered for answered, _, _, _ in other_rows]),
        "old_unanswerable_abstained": share([not old for _, _, old, _ in other_rows]),
    }


def _doc_rows(data: Dataset, article: int) -> slice:
    start = sum(len(d.sentences) for d in data.documents[:article])
    return slice(start, start + len(data.documents[article].sentences))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table, then one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=DATA, help="SQuAD v1.1 dev JSON (gzip)")
    parser.add_argument("--limit", type=int, default=None, help="ask only the first N questions")
    parser.add_argument("--abstention", action="store_true", help="also calibrate the abstention threshold")
    parser.add_argument("--no-bm25s", action="store_true", help="skip bm25s (quick engine-only runs)")
    parser.add_argument("--ablation", action="store_true", help="also rank with each evidence weight set to 0")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    tokenizer = default_tokenizer()
    data = load(args.data)
    questions = data.questions[: args.limit] if args.limit else data.questions
    service = build_service(data.documents, tokenizer)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    ours = metrics(engine_ranks(service, data.row_key, questions))
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    theirs = None if args.no_bm25s else metrics(bm25s_ranks(data.unique_texts, questions))
    t_bm25 = time.perf_counter() - t0

    print(f"SQuAD v1.1 dev ReQA: {len(questions):,} questions, {len(data.unique_texts):,} candidate sentences, "
          f"{len(data.documents)} articles (ingest+index {t_build:.1f} s)")
    print(f"{'method':<10} {'P@1':>7} {'R@5':>7} {'MRR':>7} {'time':>8}")
    for name, m, secs in (("engine", ours, t_ours), ("bm25s", theirs, t_bm25)):
        if m is not None:
            print(f"{name:<10} {m['p_at_1']:>7.3f} {m['r_at_5']:>7.3f} {m['mrr']:>7.3f} {secs:>7.1f}s")
    if args.ablation:
        print("\nablation (engine with one setting of RankWeights switched off):")
        print(f"{'switched off':<24} {'P@1':>7} {'R@5':>7} {'MRR':>7}")
        for name, off in ABLATIONS.items():
            params = AnswerParams(weights=replace(RankWeights(), **{name: off}))
            m = metrics(engine_ranks(NewsService(service.corpus, tokenizer, params=params), data.row_key, questions))
            label = f"{name}={off:g}"
            print(f"{label:<24} {m['p_at_1']:>7.3f} {m['r_at_5']:>7.3f} {m['mrr']:>7.3f}", flush=True)
    abstained = None
    if args.abstention:
        abstained = abstention(data, tokenizer, questions, service)
        a = abstained
        print("\nabstention, through NewsService.ask (an abstention counts as a miss):")
        print(f"{'rule':<28} {'P@1 all':>8} {'P@1 own half':>13} {'unans. abstained':>17}")
        print(f"{'ranking alone (never abstains)':<28} {a['rank_p_at_1']:>8.3f} {'':>13} {0.0:>17.3f}")
        print(f"{'old: window>=0.55, cos>=0.1':<28} {a['old_p_at_1']:>8.3f} {a['old_own_p_at_1']:>13.3f} "
              f"{a['old_unanswerable_abstained']:>17.3f}")
        print(f"{'abstention model (ask)':<28} {a['p_at_1']:>8.3f} {a['own_p_at_1']:>13.3f} "
              f"{a['unanswerable_abstained']:>17.3f}")
    result = {
        "benchmark": "reqa_squad",
        "questions": len(questions),
        "candidates": len(data.unique_texts),
        "engine": ours,
        "bm25s": theirs,
        "abstention": abstained,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
