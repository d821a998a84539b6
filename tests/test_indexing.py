import numpy as np
import pytest

from bot.indexing import index_articles
from bot.ingest.documents import ingest
from bot.models import Article, ArticleMeta
from bot.retrieval.store import CorpusIndex

TOPICS = ["ferry", "kiln", "orchard", "bridge", "library", "glacier", "market"]


def _articles(n: int) -> list[Article]:
    out = []
    for i in range(n):
        a, b = TOPICS[i % len(TOPICS)], TOPICS[(i * 3 + 1) % len(TOPICS)]
        text = (
            f"The {a} opened on day {i}. Officials said the {b} would follow.\n\n"
            f"The {a} opened on day {i}. Visitors counted {i * 7} boats near the {b}."
        )
        out.append(Article(ArticleMeta(id=f"a{i:02d}", title=f"{a.title()} story {i}"), text))
    return out


@pytest.mark.parametrize("workers", [1, 2])
def test_chunked_build_equals_the_one_piece_build(tokenizer, workers):
    articles = _articles(23)
    reference = CorpusIndex.build(
        [ingest(a) for a in articles], tokenizer, fingerprint="f", tokenizer=tokenizer.describe()
    )
    built = index_articles(
        articles, tokenizer, fingerprint="f", tokenizer=tokenizer.describe(), workers=workers, chunk_articles=4
    )
    assert built.articles == reference.articles
    rows = range(len(reference.table))
    assert [built.sentence(r) for r in rows] == [reference.sentence(r) for r in rows]
    assert np.array_equal(built.first_row, reference.first_row)
    # Same terms and weights, whatever the column order.
    for term, col in reference.index.vocabulary.items():
        other = built.index.vocabulary[term]
        assert built.index.idf[other] == pytest.approx(reference.index.idf[col])
        assert np.allclose(built.index.matrix[:, other].toarray(), reference.index.matrix[:, col].toarray())


def test_progress_counts_articles(tokenizer):
    seen = []
    index_articles(
        _articles(9), tokenizer, fingerprint="f", tokenizer={}, workers=1, chunk_articles=4,
        progress=lambda stage, done, total: seen.append((stage, done, total)),
    )
    assert seen == [("index", 0, 9), ("index", 4, 9), ("index", 8, 9), ("index", 9, 9)]


@pytest.mark.parametrize("workers", [1, 2])
def test_the_index_keeps_the_words_it_stemmed(tokenizer, tmp_path, workers):
    built = index_articles(
        _articles(12), tokenizer, fingerprint="f", tokenizer=tokenizer.describe(), workers=workers, chunk_articles=4
    )
    assert built.words["opened"] == "open" and built.words["glacier"] == "glacier"
    assert "story" in built.words  # from a title
    built.save(tmp_path)
    assert CorpusIndex.load(tmp_path).words == built.words


def test_a_rebuild_reuses_the_saved_stems(tiny_corpus, tmp_path):
    from bot.retrieval.tokenize import Tokenizer
    from bot.service import open_corpus

    calls = []

    def stem(word):
        calls.append(word)
        return word.rstrip("s")

    first = Tokenizer(stemmer=stem)
    open_corpus(tiny_corpus, tmp_path / "index", first, workers=1)
    assert calls
    calls.clear()
    again = Tokenizer(stemmer=stem)
    opened = open_corpus(tiny_corpus, tmp_path / "index", again, rebuild=True, workers=1)
    assert opened.rebuilt and calls == []
