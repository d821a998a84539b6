"""Summary benchmark: the bot's summariser against LEAD-3, TextRank and LexRank, in one run.

Data (read by path, never copied): ``../shared/data/news_summ/`` (see its SOURCE.md).

* BBC News Summary: every record (2,225; or the first ``--limit`` in file order), title passed
  to the summariser as the article's title; references are extractive (about 40% of the article).
* CNN sample: the stories with ids ``cnn_sample0`` .. ``cnn_sample999`` (fixed; ``--limit`` takes
  fewer); no titles; references are the human highlights, one per line.

Every method picks from the same sentences: the product's own ``bot.ingest.documents.ingest``
(normalise, glue repair, splitter, de-duplication). "ours" is measured through
``NewsService.summarise`` over an index of the data set, i.e. exactly the code path of
``/summary`` and ``python -m bot summary``. Three sentences per summary, in article order.

Scores: ROUGE-1, ROUGE-2 and ROUGE-Lsum F1 (percent) from Google's ``rouge-score`` package with
the Porter stemmer on; summary and reference sentences are separated by newlines for Lsum.
``words`` is the mean number of whitespace-separated words per summary.

Baselines (written here, after the papers):

* LEAD-3: the first three sentences.
* TextRank (Mihalcea & Tarau 2004): sentence graph weighted by word overlap normalised by
  ``log|Si| + log|Sj|``, PageRank with damping 0.85, top three by score.
* LexRank (Erkan & Radev 2004), continuous variant: TF-IDF cosine graph (idf over the data set's
  articles), edges below 0.1 dropped, row-normalised, PageRank with damping 0.85, top three.

Both graph methods use the product tokenizer's terms (stop words removed, Snowball stems).

The summariser's model (``bot/summarise/sentence_model.npz`` and the combination weights in
``bot/summarise/extractive.py``) was fitted by ``benchmarks/fit_summariser.py`` on CNN stories
``cnn_sample1000`` .. ``cnn_sample7053`` and the BBC records at even positions (0-based file order)
only; its settings were chosen on a split of those same records. The CNN stories scored here were
never used; ``--bbc held-out`` scores only the BBC records at odd positions, which were not used
either.

Run: ``python benchmarks/summaries.py`` (about 3 minutes on 2 cores), ``--limit 200`` for a quick
look. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.ingest.documents import ingest  # noqa: E402
from bot.ingest.sentences import split_sentences  # noqa: E402
from bot.models import Article, ArticleMeta, Document  # noqa: E402
from bot.retrieval.store import CorpusIndex  # noqa: E402
from bot.retrieval.tokenize import Tokenizer, default_tokenizer  # noqa: E402
from bot.service import NewsService  # noqa: E402
from bot.summarise.features import pagerank_scores  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "news_summ"
N_SENTENCES = 3
CNN_IDS = 1000
METHODS = ("ours", "lead3", "textrank", "lexrank")


@dataclass(frozen=True, slots=True)
class Item:
    """One benchmark article and its reference summary (reference sentences joined by newlines)."""

    id: str
    title: str
    text: str
    reference: str


def load_bbc(limit: int | None, *, held_out: bool = False) -> list[Item]:
    """BBC News Summary records in file order (only those at odd positions if ``held_out``);
    references re-split into sentences."""
    items = []
    with gzip.open(DATA / "bbc_news_summary.jsonl.gz", "rt", encoding="utf-8") as fh:
        for number, line in enumerate(fh):
            if held_out and number % 2 == 0:
                continue
            row = json.loads(line)
            reference = "\n".join(split_sentences(row["summary"]))
            items.append(Item(row["id"], row["title"], row["article"], reference))
            if limit is not None and len(items) >= limit:
                break
    return items


def load_cnn(limit: int | None) -> list[Item]:
    """CNN stories ``cnn_sample0`` .. ``cnn_sample{n-1}`` (n = 1,000 or ``limit``), without titles."""
    wanted = {f"cnn_sample{i}" for i in range(min(CNN_IDS, limit or CNN_IDS))}
    items = []
    with gzip.open(DATA / "cnn_stories_sample7k.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row["id"] in wanted:
                items.append(Item(row["id"], "", row["article"], "\n".join(row["highlights"])))
    items.sort(key=lambda it: int(it.id.removeprefix("cnn_sample")))
    return items


# ------------------------------------------------------------------------------------------ baselines


def lead3(terms: Sequence[list[str]], n: int) -> list[int]:
    """The first ``n`` sentences."""
    return list(range(min(n, len(terms))))


def _top(scores: np.ndarray, n: int) -> list[int]:
    return sorted(np.argsort(-scores, kind="stable")[:n].tolist())


def textrank(terms: Sequence[list[str]], n: int) -> list[int]:
    """TextRank: word-overlap similarity / (log|Si| + log|Sj|), PageRank, top ``n``."""
    size = len(terms)
    if size <= n:
        return list(range(size))
    sets = [set(t) for t in terms]
    weights = np.zeros((size, size))
    for i in range(size):
        for j in range(i + 1, size):
            if len(terms[i]) < 2 or len(terms[j]) < 2:
                continue
            overlap = len(sets[i] & sets[j])
            if overlap:
                weights[i, j] = weights[j, i] = overlap / (math.log(len(terms[i])) + math.log(len(terms[j])))
    return _top(pagerank_scores(weights, iterations=100, tolerance=1e-8), n)


def lexrank(terms: Sequence[list[str]], n: int, idf: dict[str, float], default_idf: float) -> list[int]:
    """Continuous LexRank: TF-IDF cosine graph, threshold 0.1, PageRank, top ``n``."""
    size = len(terms)
    if size <= n:
        return list(range(size))
    vocab: dict[str, int] = {}
    for ts in terms:
        for t in ts:
            vocab.setdefault(t, len(vocab))
    matrix = np.zeros((size, max(1, len(vocab))))
    for i, ts in enumerate(terms):
        for t, c in Counter(ts).items():
            matrix[i, vocab[t]] = c * idf.get(t, default_idf)
    norms = np.linalg.norm(matrix, axis=1)
    matrix /= np.where(norms > 0, norms, 1.0)[:, None]
    cosine = matrix @ matrix.T
    cosine[cosine < 0.1] = 0.0
    return _top(pagerank_scores(cosine, iterations=100, tolerance=1e-8), n)


def document_idf(term_lists: Sequence[Sequence[list[str]]]) -> tuple[dict[str, float], float]:
    """Smoothed idf over articles (each article = the union of its sentences' terms)."""
    df: Counter[str] = Counter()
    for doc in term_lists:
        df.update({t for ts in doc for t in ts})
    total = len(term_lists)
    return {t: math.log((1 + total) / (1 + c)) + 1 for t, c in df.items()}, math.log(1 + total) + 1


# ------------------------------------------------------------------------------------------ run


def ingest_items(items: Sequence[Item]) -> list[Document]:
    """The product's ingest of each benchmark article."""
    return [ingest(Article(meta=ArticleMeta(id=it.id, title=it.title), text=it.text)) for it in items]


def our_service(documents: Sequence[Document], tokenizer: Tokenizer) -> NewsService:
    """A ``NewsService`` over an in-memory index of the benchmark articles."""
    corpus = CorpusIndex.build(documents, tokenizer, fingerprint="benchmark", tokenizer=tokenizer.describe())
    return NewsService(corpus, tokenizer)


def summaries(
    items: Sequence[Item], documents: Sequence[Document], tokenizer: Tokenizer
) -> dict[str, list[list[str]]]:
    """Each method's summary sentences for each article."""
    service = our_service(documents, tokenizer)
    terms = [[tokenizer(s.text) for s in d.sentences] for d in documents]
    idf, default_idf = document_idf(terms)
    picks: dict[str, Callable[[int], list[int]]] = {
        "lead3": lambda k: lead3(terms[k], N_SENTENCES),
        "textrank": lambda k: textrank(terms[k], N_SENTENCES),
        "lexrank": lambda k: lexrank(terms[k], N_SENTENCES, idf, default_idf),
    }
    out: dict[str, list[list[str]]] = {m: [] for m in METHODS}
    for k, (item, doc) in enumerate(zip(items, documents, strict=True)):
        out["ours"].append([s.text for s in service.summarise(item.id, sentences=N_SENTENCES).sentences])
        for name, pick in picks.items():
            out[name].append([doc.sentences[i].text for i in pick(k)])
    return out


def score(references: Sequence[str], outputs: Sequence[list[str]]) -> dict[str, float]:
    """Mean ROUGE-1/2/Lsum F1 (percent) and mean words per summary."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
    totals = Counter[str]()
    for reference, sentences in zip(references, outputs, strict=True):
        result = scorer.score(reference, "\n".join(sentences))
        for key, value in result.items():
            totals[key] += value.fmeasure
        totals["words"] += sum(len(s.split()) for s in sentences)
    n = max(1, len(references))
    return {
        "rouge1": round(100 * totals["rouge1"] / n, 2),
        "rouge2": round(100 * totals["rouge2"] / n, 2),
        "rougeLsum": round(100 * totals["rougeLsum"] / n, 2),
        "words": round(totals["words"] / n, 1),
    }


def run_dataset(name: str, items: Sequence[Item], tokenizer: Tokenizer) -> dict[str, object]:
    """Summarise and score one data set with every method."""
    started = time.perf_counter()
    documents = ingest_items(items)
    outputs = summaries(items, documents, tokenizer)
    references = [it.reference for it in items]
    result: dict[str, object] = {"articles": len(items)}
    for method in METHODS:
        result[method] = score(references, outputs[method])
    print(f"{name}: {len(items)} articles in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return result


def table(results: dict[str, dict[str, object]]) -> str:
    """The results as a plain-text table."""
    lines = [f"{'set':<5} {'method':<9} {'R-1':>6} {'R-2':>6} {'R-Lsum':>7} {'words':>6}"]
    for name, result in results.items():
        for method in METHODS:
            s = result[method]
            assert isinstance(s, dict)
            row = f"{s['rouge1']:>6.2f} {s['rouge2']:>6.2f} {s['rougeLsum']:>7.2f} {s['words']:>6.1f}"
            lines.append(f"{name:<5} {method:<9} {row}")
        lines.append(f"{name:<5} ({result['articles']} articles)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print the table, then the JSON object on the last line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="articles per data set (default: 1,000 CNN, all BBC)")
    parser.add_argument(
        "--bbc",
        choices=("all", "held-out"),
        default="all",
        help="all BBC records, or only those not used to fit the summariser (odd positions)",
    )
    args = parser.parse_args(argv)
    tokenizer = default_tokenizer()
    results = {
        "cnn": run_dataset("cnn", load_cnn(args.limit), tokenizer),
        "bbc": run_dataset("bbc", load_bbc(args.limit, held_out=args.bbc == "held-out"), tokenizer),
    }
    print(table(results))
    print(json.dumps({"benchmark": "summaries", **results}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
