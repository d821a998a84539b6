"""The ranking behind every answer (``bot.retrieval.rank``), on short articles written here."""

from __future__ import annotations

import numpy as np
import pytest

from bot.errors import InvalidQuestion
from bot.ingest.documents import ingest
from bot.models import Article, ArticleMeta
from bot.retrieval import kernels
from bot.retrieval.question import question_terms
from bot.retrieval.rank import AnswerParams, Ranker, RankWeights, _term_bits, rank
from bot.retrieval.store import CorpusIndex

ARTICLES = {
    "Quillfield bridge opens": (
        "The Quillfield bridge over the river Sarn was opened on Monday by mayor Ada Crane.\n\n"
        "Crane thanked the engineers who designed the Quillfield bridge. It cost 4 million crowns, "
        "twice the first estimate.\n\n"
        "Traffic on the old ferry is expected to fall. The ferry company plans to sell two boats."
    ),
    "Harbour festival returns": (
        "The harbour festival returns this summer after a pause. The festival was first held in 1964 "
        "on the old quay.\n\n"
        "The festival committee said tickets cost less than last year. Boats from the ferry company "
        "will carry visitors across the river."
    ),
    "Orchard growers count losses": (
        "Growers in the Vell valley lost most of their apple blossom to a late frost. "
        "The loss will cost the valley dearly, growers said."
    ),
}


@pytest.fixture(scope="module")
def ranker(tokenizer):
    documents = [
        ingest(Article(ArticleMeta(id=f"a{i}", title=title), text)) for i, (title, text) in enumerate(ARTICLES.items())
    ]
    corpus = CorpusIndex.build(documents, tokenizer, fingerprint="test", tokenizer=tokenizer.describe())
    return Ranker(corpus, tokenizer)


def top_text(ranker, question):
    ranking = ranker.rank(question)
    return ranker.corpus.table.text(int(ranking.rows[0]))


def test_neighbour_evidence_finds_the_sentence_after_the_one_naming_the_subject(ranker):
    # "It cost 4 million crowns" never names the bridge; the sentence before it does.
    assert top_text(ranker, "How much did the Quillfield bridge cost?").startswith("It cost 4 million crowns")


def test_answer_type_prefers_a_sentence_with_a_year(ranker):
    assert "1964" in top_text(ranker, "When was the harbour festival first held?")


def test_title_words_count_for_the_whole_article(ranker):
    # The festival article's title carries "harbour"; its tickets sentence does not.
    assert top_text(ranker, "How much do tickets to the harbour festival cost?").startswith(
        "The festival committee said tickets"
    )


def test_ranking_is_best_first_with_aligned_arrays(ranker):
    ranking = ranker.rank("Who opened the bridge over the river Sarn?")
    n = len(ranking)
    assert n > 0
    assert all(len(a) == n for a in (ranking.final, ranking.cosine, ranking.coverage, ranking.window))
    assert np.all(np.diff(ranking.final) <= 1e-12)
    assert len(set(ranking.rows.tolist())) == n
    assert np.all(ranking.window >= ranking.coverage - 1e-9)
    assert np.all((ranking.window >= 0) & (ranking.window <= 1 + 1e-9))
    assert "Ada Crane" in ranker.corpus.table.text(int(ranking.rows[0]))


def test_candidates_caps_the_ranking(ranker):
    small = Ranker(ranker.corpus, ranker.tokenizer, AnswerParams(candidates=2))
    assert len(small.rank("ferry river boats festival bridge")) == 2


def test_words_the_corpus_never_uses_give_an_empty_ranking(ranker):
    ranking = ranker.rank("What is the capital of Australia?")
    assert len(ranking) == 0
    assert ranking.terms


def test_question_without_search_words_is_invalid(ranker, tokenizer):
    with pytest.raises(InvalidQuestion):
        question_terms("What is it?", tokenizer)
    with pytest.raises(InvalidQuestion):
        ranker.rank("Who is he?")


def test_answer_type_phrases_are_not_searched(tokenizer):
    assert question_terms("What kind of engines did it have?", tokenizer) == [tokenizer.term("engines")]
    assert question_terms("How many boats were sold?", tokenizer) == [tokenizer.term("boats"), tokenizer.term("sold")]


def test_answer_type_words_are_kept_when_nothing_else_is_left(tokenizer):
    assert question_terms("What kind?", tokenizer) == [tokenizer.term("kind")]
    with pytest.raises(InvalidQuestion):
        question_terms("How many?", tokenizer)


def test_rank_function_equals_the_ranker(ranker):
    question = "How much did the Quillfield bridge cost?"
    a = ranker.rank(question)
    b = rank(question, ranker.corpus, ranker.tokenizer)
    assert a.rows.tolist() == b.rows.tolist()
    assert np.allclose(a.final, b.final)


def test_zero_weights_fall_back_to_the_sentence_alone(ranker):
    weights = RankWeights(window=0, paragraph=0, title=0, local=0, previous=0, answer_type=0, name_type=0, bigram=0)
    plain = Ranker(ranker.corpus, ranker.tokenizer, AnswerParams(weights=weights))
    # Without neighbour evidence the sentence that repeats "Quillfield bridge" wins.
    assert "Quillfield bridge" in top_text(plain, "How much did the Quillfield bridge cost?")


def test_visible_articles_limit_the_ranking(ranker):
    table = ranker.corpus.table
    everything = ranker.rank("ferry company boats river")
    assert {int(table.article[r]) for r in everything.rows} >= {0, 1}
    only_festival = np.array([False, True, False])
    limited = ranker.rank("ferry company boats river", visible=only_festival)
    assert len(limited) and {int(table.article[r]) for r in limited.rows} == {1}
    assert len(ranker.rank("Quillfield", visible=only_festival)) == 0


def test_prepare_is_idempotent(ranker):
    ranker.prepare()
    ranker.prepare()
    assert "1964" in top_text(ranker, "When was the harbour festival first held?")


def test_term_bits_and_mask_mass():
    idf = np.linspace(1.0, 8.0, 70)
    bits = _term_bits(idf)
    assert np.count_nonzero(bits) == 62 and len(set(bits[bits != 0].tolist())) == 62
    assert np.all(bits[-62:] != 0)  # the rarest terms get the bits
    masks = [0, bits[-1], bits[-1] | bits[-2], np.bitwise_or.reduce(bits)]
    masses = [kernels._mass(int(m), bits, idf) for m in masks]
    assert np.allclose(masses, [0.0, idf[-1], idf[-1] + idf[-2], idf[-62:].sum()])


def test_a_large_pool_scores_every_sentence_sharing_a_term(ranker):
    wide = Ranker(ranker.corpus, ranker.tokenizer, AnswerParams(candidates=10**6, weights=RankWeights(pool=10**6)))
    question = "ferry company boats"
    ranking = wide.rank(question)
    query = ranker.corpus.index.query_vector(list(ranking.terms))
    assert set(ranker.corpus.index.score(query).rows.tolist()) <= set(ranking.rows.tolist())


def test_a_small_pool_keeps_the_best_sentence(ranker):
    narrow = Ranker(ranker.corpus, ranker.tokenizer, AnswerParams(weights=RankWeights(pool=2)))
    # The answer is the pool's best row's neighbour, found through the paragraph evidence.
    assert top_text(narrow, "How much did the Quillfield bridge cost?").startswith("It cost 4 million crowns")


def test_hidden_best_rows_are_searched_past(ranker):
    # With a pool of one, the best row is the bridge article's; hidden, it must not be returned and
    # the visible article is searched instead.
    narrow = Ranker(ranker.corpus, ranker.tokenizer, AnswerParams(weights=RankWeights(pool=1)))
    only_orchard = np.array([False, False, True])
    ranking = narrow.rank("Quillfield bridge cost", visible=only_orchard)
    assert len(ranking)
    assert {int(ranker.corpus.table.article[r]) for r in ranking.rows} == {2}


def test_extended_ranker_equals_a_fresh_one(ranker, tokenizer):
    ranker.prepare()
    text = (
        "The Sarn ferry company sold its last boat.\n\nThe buyer, a museum, will restore it. Visitors can board in May."
    )
    document = ingest(Article(ArticleMeta(id="a9", title="Ferry company sells last boat"), text))
    corpus = ranker.corpus.with_document(document, tokenizer)
    grown = ranker.extended(corpus)
    fresh = Ranker(corpus, tokenizer)
    fresh.prepare()
    assert all(np.array_equal(a, b) for a, b in zip(grown._paragraphs(), fresh._paragraphs(), strict=True))
    for question in ("Who will restore the last ferry boat?", "ferry company boats", "Quillfield bridge cost"):
        a, b = grown.rank(question), fresh.rank(question)
        assert a.rows.tolist() == b.rows.tolist()
        assert np.allclose(a.final, b.final)
    assert ranker.corpus is not corpus and len(ranker._paragraphs()[0]) < len(grown._paragraphs()[0])


def test_extended_needs_added_articles(ranker):
    with pytest.raises(ValueError, match="articles added"):
        ranker.extended(ranker.corpus)


def test_a_ranker_extended_by_several_articles_at_once_equals_a_fresh_one(ranker, tokenizer):
    ranker.prepare()
    documents = [
        ingest(Article(ArticleMeta(id="a9", title="Ferry company sells last boat"),
                       "The Sarn ferry company sold its last boat.\n\nThe buyer, a museum, will restore it.")),
        ingest(Article(ArticleMeta(id="a10", title="Museum opens boat shed"),
                       "The museum opened a boat shed. It said the ferry would sail again in May.")),
    ]  # fmt: skip
    corpus = ranker.corpus.with_documents(documents, tokenizer)
    one_by_one = ranker.corpus.with_document(documents[0], tokenizer).with_document(documents[1], tokenizer)
    assert corpus.table.article.tolist() == one_by_one.table.article.tolist()
    assert corpus.first_row.tolist() == one_by_one.first_row.tolist()
    assert corpus.titles.indptr.tolist() == one_by_one.titles.indptr.tolist()
    assert corpus.titles.articles.tolist() == one_by_one.titles.articles.tolist()
    assert (corpus.index.matrix != one_by_one.index.matrix).nnz == 0
    assert corpus.statements.rows.tolist() == one_by_one.statements.rows.tolist()
    grown = ranker.extended(corpus)
    fresh = Ranker(corpus, tokenizer)
    fresh.prepare()
    assert all(np.array_equal(a, b) for a, b in zip(grown._paragraphs(), fresh._paragraphs(), strict=True))
    for question in ("When will the ferry sail again?", "Who will restore the last ferry boat?"):
        a, b = grown.rank(question), fresh.rank(question)
        assert a.rows.tolist() == b.rows.tolist()
        assert np.allclose(a.final, b.final)


def test_sentences_of_the_best_titled_articles_are_candidates(ranker):
    def ranked_rows(title_pool):
        weights = RankWeights(pool=1, title_pool=title_pool)
        return set(Ranker(ranker.corpus, ranker.tokenizer, AnswerParams(weights=weights)).rank(question).rows.tolist())

    question = "Did the harbour festival committee sell boats?"
    festival = [r for r in ranker.corpus.article_rows(1) if "festival" in ranker.corpus.table.text(r).lower()]
    assert not set(festival) <= ranked_rows(0)
    assert set(festival) <= ranked_rows(1)


def test_the_bonus_ceiling_drops_only_rows_that_cannot_be_returned(ranker):
    question = "When was the harbour festival first held on the old quay?"
    full = Ranker(ranker.corpus, ranker.tokenizer, AnswerParams(candidates=1000)).rank(question)
    for n in (1, 2, 3):
        cut = Ranker(ranker.corpus, ranker.tokenizer, AnswerParams(candidates=n)).rank(question)
        assert cut.rows.tolist() == full.rows[:n].tolist()
        assert np.allclose(cut.final, full.final[:n])


@pytest.mark.parametrize("question", ["ferry river boats festival bridge", "Who opened the Quillfield bridge?", "cost"])
@pytest.mark.parametrize("depth", [1, 2, 5])
def test_a_shallow_ranking_is_the_head_of_the_full_one(ranker, question, depth):
    full, shallow = ranker.rank(question), ranker.rank(question, depth=depth)
    assert shallow.rows.tolist() == full.rows[:depth].tolist()
    assert np.allclose(shallow.final, full.final[:depth])


def test_title_coverage_is_the_share_of_the_question_idf_mass_in_the_candidates_title(ranker):
    ranking = ranker.rank("When was the harbour festival first held?")
    corpus = ranker.corpus
    idf = dict(zip(ranking.terms, corpus.query_vector(list(ranking.terms)).idf.tolist(), strict=True))
    mass = sum(idf.values())
    titled = idf["harbour"] + idf["festiv"]  # the title "Harbour festival returns" holds these two
    for i, row in enumerate(ranking.rows.tolist()):
        in_festival_article = corpus.articles[int(corpus.table.article[row])].id == "a1"
        assert ranking.title[i] == pytest.approx(titled / mass if in_festival_article else 0.0)
