import threading
import time

import pytest

from bot.errors import CorpusError
from bot.models import Article, ArticleMeta
from bot.service import NewsService

KILN = Article(
    ArticleMeta(id="news/kiln", title="Village kiln relit after forty years"),
    "Potters in Ashby relit the village kiln on Saturday. The kiln had been cold for forty years.\n\n"
    "Mara Quell, who led the restoration, said the first firing produced 212 bowls.",
)


@pytest.fixture
def service(tiny_service, tokenizer):
    # A fresh service over the shared (read-only) corpus, so adding here changes no other test.
    return NewsService(tiny_service.corpus, tokenizer)


def test_added_article_is_answered_summarised_and_cited(service):
    before = service.sentence_count
    added = service.add_article(KILN)
    assert added.meta.id == "news/kiln" and added.sentences == 3
    assert service.sentence_count == before + 3
    answer = service.ask("How many bowls did the first firing produce?")
    assert not answer.abstained
    assert "212 bowls" in answer.excerpts[0].sentence
    assert answer.excerpts[0].citation.article_id == "news/kiln"
    assert answer.excerpts[0].citation.position == 3
    assert service.resolve_article("Village kiln").id == "news/kiln"
    assert service.summarise("news/kiln", sentences=1).sentence_count == 3
    assert [s.position for s in service.context("news/kiln", 2, radius=1)] == [1, 2, 3]


def test_old_answers_are_unchanged_by_an_add(service):
    question = "How many vehicles will the bridge carry?"
    first = service.ask(question).excerpts[0]
    service.add_article(KILN)
    assert service.ask(question).excerpts[0].sentence == first.sentence


def test_duplicate_and_empty_articles_are_refused(service):
    service.add_article(KILN)
    with pytest.raises(CorpusError, match="already indexed"):
        service.add_article(KILN)
    with pytest.raises(CorpusError, match="no text"):
        service.add_article(Article(ArticleMeta(id="blank", title="Blank"), "   \n\n  "))


def test_questions_keep_being_answered_while_articles_are_added(service):
    stop = threading.Event()
    errors: list[BaseException] = []
    answered = [0]

    def ask_forever():
        while not stop.is_set():
            try:
                service.ask("When will the harbour bridge reopen?")
                answered[0] += 1
            except BaseException as exc:  # collected and asserted below
                errors.append(exc)
                return

    reader = threading.Thread(target=ask_forever)
    reader.start()
    try:
        for i in range(5):
            text = f"The ferry number {i} crossed the firth at dawn. Its skipper waved to the quay."
            service.add_article(Article(ArticleMeta(id=f"ferry-{i}", title=f"Ferry {i} crosses"), text))
            time.sleep(0.01)
    finally:
        stop.set()
        reader.join()
    assert not errors and answered[0] > 0
    assert service.ask("Which ferry number crossed the firth?").excerpts[0].citation.article_id.startswith("ferry-")


def test_a_batch_is_added_in_one_swap_and_skips_what_cannot_be_indexed(service):
    pier = Article(ArticleMeta(id="news/pier", title="Pier reopens"), "The old pier reopened with 40 new lamps.")
    blank = Article(ArticleMeta(id="blank", title="Blank"), "   \n\n  ")
    batch = service.add_articles([(KILN, None), (blank, None), (pier, 9), (KILN, None)])
    assert [a.meta.id for a in batch.added] == ["news/kiln", "news/pier"]
    assert [article_id for article_id, _ in batch.skipped] == ["blank", "news/kiln"]
    assert "no text" in batch.skipped[0][1] and "already indexed" in batch.skipped[1][1]
    assert "212 bowls" in service.ask("How many bowls did the first firing produce?").excerpts[0].sentence
    assert "40 new lamps" in service.ask("How many lamps does the pier have?", guild_id=9).excerpts[0].sentence
    assert service.ask("How many lamps does the pier have?", guild_id=8).abstained
    titles = [m.title for m in service.articles(guild_id=9)]
    assert titles == sorted(titles, key=str.casefold)
