"""Nothing a Discord server sees depends on another server's private articles (issue 15, item 3)."""

import pytest

from bot.models import Article, ArticleMeta
from bot.service import NewsService

SERVER_A, SERVER_B = 1111, 2222

# Server A's private article: words only it holds ("quibbleton", "snarkwell"), words the shipped
# corpus holds ("bridge", "vehicles", "mayor") and one word server B's article holds too ("zorblax").
PRIVATE_A = Article(
    ArticleMeta(id="g1111/quibbleton", title="Quibbleton bridge zorblax vote"),
    "Mayor Snarkwell of Quibbleton said the zorblax bridge would carry 900 vehicles a day. "
    "The Quibbleton council approved the zorblax cables on Monday.\n\n"
    "Snarkwell told reporters the bridge vehicles would pay a toll.",
)
OWN_B = Article(
    ArticleMeta(id="g2222/zorblax", title="Zorblax festival opens"),
    "The zorblax festival opened in Kestrel on Friday with 40 stalls. Organisers said the zorblax parade "
    "drew 3,000 visitors to the harbour.",
)
QUESTIONS = [
    "How many vehicles will the bridge carry?",  # answered from the shipped corpus
    "What did the mayor say about the bridge vehicles?",
    "What did Snarkwell say?",  # a speaker only A's article names
    "Did the Quibbleton council approve the bridge cables?",  # abstains; the % must not move
    "How many quibbleton snarkwell visitors came to the zorblax festival?",
    "How many visitors did the zorblax parade draw?",  # B's own article, with a word A also added
    "quibbleton",  # only A's word
]


@pytest.fixture
def services(tiny_service, tokenizer):
    alone = NewsService(tiny_service.corpus, tokenizer)
    shared = NewsService(tiny_service.corpus, tokenizer)
    shared.add_article(PRIVATE_A, guild_id=SERVER_A)
    for service in (alone, shared):
        service.add_article(OWN_B, guild_id=SERVER_B)
    return alone, shared


@pytest.mark.parametrize("guild", [SERVER_B, None])
def test_answers_scores_and_messages_ignore_another_servers_private_articles(services, guild):
    alone, shared = services
    for question in QUESTIONS:
        expected = alone.ask(question, top=5, guild_id=guild)
        assert shared.ask(question, top=5, guild_id=guild) == expected, question
        assert shared.summarise_topic(question, guild_id=guild) == alone.summarise_topic(question, guild_id=guild)
    # The comparison covers answers, abstentions with a percentage, and A's own words.
    answers = [alone.ask(q, top=5, guild_id=guild) for q in QUESTIONS]
    assert any(not a.abstained for a in answers)
    assert any(a.abstained and "%" in (a.reason or "") for a in answers)


def test_server_a_still_finds_its_own_article(services):
    _, shared = services
    answer = shared.ask("What did Snarkwell say?", guild_id=SERVER_A)
    assert not answer.abstained
    assert answer.excerpts[0].citation.article_id == "g1111/quibbleton"
    assert "quibbleton" not in {t for t in shared.corpus.hidden_terms(["quibbleton"], None)}


def test_terms_only_invisible_articles_hold_count_as_unknown(services, tokenizer):
    _, shared = services
    visible_b = shared._live.visible(SERVER_B)
    terms = [tokenizer.term(w) for w in ("quibbleton", "zorblax", "bridge")]
    assert shared.corpus.hidden_terms(terms, visible_b) == {tokenizer.term("quibbleton")}
    assert shared.corpus.hidden_terms(terms, shared._live.visible(SERVER_A)) == frozenset()
    query = shared.corpus.query_vector(terms, visible_b)
    assert query.unknown == (tokenizer.term("quibbleton"),)


def test_long_posting_lists_of_added_terms_are_checked_too(tiny_service, tokenizer):
    service = NewsService(tiny_service.corpus, tokenizer)
    text = " ".join(f"The blorvak committee met for session number {i} in hall {i}." for i in range(20))
    service.add_article(Article(ArticleMeta(id="g1111/blorvak", title="Blorvak"), text), guild_id=SERVER_A)
    term = tokenizer.term("blorvak")
    column = service.corpus.index.vocabulary[term]
    matrix = service.corpus.index.matrix
    assert matrix.indptr[column + 1] - matrix.indptr[column] == 20
    assert service.corpus.hidden_terms([term], service._live.visible(SERVER_B)) == {term}
    assert service.corpus.hidden_terms([term], service._live.visible(SERVER_A)) == frozenset()
