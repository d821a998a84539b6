import math

import numpy as np
import pytest

from bot.ingest.documents import ingest
from bot.ingest.loaders import load_corpus
from bot.models import Article, ArticleMeta
from bot.retrieval import index as index_module
from bot.retrieval.index import SentenceIndex
from bot.retrieval.store import CorpusIndex
from tests.conftest import TINY_CORPUS

ROWS = [["bridg", "reopen"], ["bridg", "cabl", "corros"], ["robot", "read"], ["appl", "frost"]]


@pytest.mark.parametrize("piece", [1 << 20, 2])
def test_extended_appends_rows_weighted_with_the_build_idf(monkeypatch, piece):
    monkeypatch.setattr(index_module, "_COPY_PIECE", piece)  # 2: copy the old arrays in many pieces
    base = SentenceIndex.build(ROWS)
    before = base.matrix.toarray().copy()
    ext = base.extended([["bridg", "ferri", "ferri"], ["kiln"]])
    assert ext.n_rows == 6 and base.n_rows == 4
    assert np.array_equal(base.matrix.toarray(), before)  # the original is untouched
    dense = ext.matrix.toarray()
    assert np.array_equal(dense[:4, : before.shape[1]], before)
    assert not dense[:4, before.shape[1] :].any()
    ferri, bridg = ext.vocabulary["ferri"], ext.vocabulary["bridg"]
    # A term new since the build weighs as a term in no built row, however many added rows hold it.
    assert ext.idf[ferri] == math.log(5) + 1 == base.max_idf() == ext.max_idf() and ext.idf[bridg] == base.idf[bridg]
    expected = np.array([base.idf[bridg], (1 + math.log(2)) * ext.idf[ferri]])
    expected /= np.linalg.norm(expected)
    assert np.allclose(dense[4, [bridg, ferri]], expected)
    ext.matrix.check_format(full_check=True)
    assert ext.matrix.has_sorted_indices


def test_added_rows_are_found_by_search_and_score():
    ext = SentenceIndex.build(ROWS).extended([["kiln", "fire"], ["bridg"]])
    assert ext.search(ext.query_vector(["kiln"]), 5).rows.tolist() == [4]
    assert sorted(ext.score(ext.query_vector(["bridg"])).rows.tolist()) == [0, 1, 5]
    twice = ext.extended([["kiln"]])
    assert sorted(twice.search(twice.query_vector(["kiln"]), 5).rows.tolist()) == [4, 6]


def test_with_document_then_save_and_load(tokenizer, tmp_path):
    documents = [ingest(a) for a in load_corpus(TINY_CORPUS).articles]
    corpus = CorpusIndex.build(documents, tokenizer, fingerprint="f", tokenizer=tokenizer.describe())
    extra = ingest(Article(ArticleMeta(id="kiln", title="Kiln fired"), "The potters fired the kiln. It glowed."))
    grown = corpus.with_document(extra, tokenizer)
    assert len(corpus.articles) + 1 == len(grown.articles)
    assert list(grown.article_rows(len(corpus.articles))) == [len(corpus.table), len(corpus.table) + 1]
    assert grown.sentence(len(corpus.table) + 1).text == "It glowed."
    grown.save(tmp_path)
    for mmap in (False, True):
        loaded = CorpusIndex.load(tmp_path, mmap=mmap)
        assert [loaded.sentence(r) for r in range(len(grown.table))] == [
            grown.sentence(r) for r in range(len(grown.table))
        ]
        assert np.allclose(loaded.index.matrix.toarray(), grown.index.matrix.toarray())
        packed = zip(loaded.sequences.packed(), grown.sequences.packed(), strict=True)
        assert all(np.array_equal(a, b) for a, b in packed)
        assert np.array_equal(loaded.titles.articles, grown.titles.articles)


def test_with_document_keeps_term_sequences_and_title_postings_as_a_full_build_makes_them(tokenizer):
    documents = [ingest(a) for a in load_corpus(TINY_CORPUS).articles]
    extra = ingest(
        Article(ArticleMeta(id="kiln", title="Kiln fired by the potters"), "The potters fired the kiln. It glowed.")
    )
    build = CorpusIndex.build
    grown = build(documents, tokenizer, fingerprint="f", tokenizer={}).with_document(extra, tokenizer)
    fresh = build([*documents, extra], tokenizer, fingerprint="f", tokenizer={})
    assert grown.index.vocabulary == fresh.index.vocabulary
    assert all(np.array_equal(a, b) for a, b in zip(grown.sequences.packed(), fresh.sequences.packed(), strict=True))
    everything = np.arange(len(fresh.table))
    assert all(
        np.array_equal(a, b)
        for a, b in zip(grown.sequences.gather(everything), fresh.sequences.gather(everything), strict=True)
    )
    assert len(grown.sequences) == len(fresh.table)
    for name in ("indptr", "articles"):
        assert np.array_equal(getattr(grown.titles, name), getattr(fresh.titles, name))
    # The sequences are the sentences' terms, in order.
    terms = fresh.index.terms()
    for row in range(len(fresh.table)):
        columns = fresh.sequences.columns[fresh.sequences.indptr[row] : fresh.sequences.indptr[row + 1]]
        assert [terms[c] for c in columns] == tokenizer(fresh.table.text(row))
    kiln = fresh.index.vocabulary[tokenizer.term("kiln")]
    assert fresh.titles.articles[fresh.titles.indptr[kiln] : fresh.titles.indptr[kiln + 1]].tolist() == [len(documents)]
