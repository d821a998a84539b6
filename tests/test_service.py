import pytest

from bot.errors import AmbiguousArticle, ArticleNotFound, InvalidQuestion


def test_ask_cites_title_url_date_and_position(tiny_service):
    answer = tiny_service.ask("How many vehicles will the bridge carry?")
    assert not answer.abstained
    first = answer.excerpts[0]
    assert "30,000 vehicles" in first.sentence
    assert first.citation.title == "Harbour bridge reopens after two years of repairs"
    assert first.citation.url == "https://example.org/news/harbour-bridge"
    assert str(first.citation.published) == "14 March 2026"
    assert first.citation.position == 3
    assert first.citation.paragraph == 2


def test_pronoun_sentence_gets_its_antecedent_as_context(tiny_service):
    answer = tiny_service.ask("how many families are on the waiting list?")
    first = answer.excerpts[0]
    assert first.sentence.startswith("He said the waiting list")
    assert first.before and "Tom Okafor told reporters" in first.before[-1]
    assert first.text.endswith(first.sentence)


def test_what_did_x_say_prefers_the_speaker(tiny_service):
    answer = tiny_service.ask("What did Marta Lind write?")
    assert "Marta Lind wrote" in answer.excerpts[0].sentence


def test_abstains_on_unknown_topics(tiny_service):
    answer = tiny_service.ask("Who won the football world cup?")
    assert answer.abstained and answer.excerpts == ()
    assert answer.reason


def test_excerpts_are_not_repeated(tiny_service):
    answer = tiny_service.ask("bridge", top=5)
    rows = [(e.citation.article_id, e.citation.position) for e in answer.excerpts]
    assert len(rows) == len(set(rows))


def test_invalid_questions(tiny_service):
    for bad in ["", "   ", "x" * 1000, "the of and"]:
        with pytest.raises(InvalidQuestion):
            tiny_service.ask(bad)


def test_article_resolution(tiny_service):
    assert tiny_service.resolve_article("chess-final").title == "Teenager wins the national chess final"
    assert tiny_service.resolve_article("teenager wins").id == "chess-final"
    with pytest.raises(ArticleNotFound):
        tiny_service.resolve_article("nothing like this")
    with pytest.raises(AmbiguousArticle) as info:
        tiny_service.resolve_article("c")
    assert len(info.value.candidates) >= 2


def test_find_articles_for_autocomplete(tiny_service):
    titles = [m.title for m in tiny_service.find_articles("bri")]
    assert titles == ["Harbour bridge reopens after two years of repairs"]
    assert len(tiny_service.find_articles("", limit=3)) == 3


def test_context_window(tiny_service):
    sentences = tiny_service.context("harbour-bridge-reopens", 3, radius=1)
    assert [s.position for s in sentences] == [2, 3, 4]
    assert [s.position for s in tiny_service.context("harbour-bridge-reopens", 1, radius=1)] == [1, 2]


def test_summary_keeps_article_order_and_short_articles_whole(tiny_service):
    summary = tiny_service.summarise("library-robot", sentences=10)
    assert [s.position for s in summary.sentences] == list(range(1, summary.sentence_count + 1))
    summary = tiny_service.summarise("harbour", sentences=2)
    assert len(summary.sentences) == 2
    assert [s.position for s in summary.sentences] == sorted(s.position for s in summary.sentences)


def test_warm_up_loads_the_stemmer_and_keeps_answers(tiny_service):
    before = tiny_service.ask("How many vehicles will the bridge carry?")
    tiny_service.warm_up()
    assert tiny_service._tokenizer.stemmer("bridges") == "bridg"
    assert tiny_service.ask("How many vehicles will the bridge carry?") == before


def test_added_articles_take_their_place_in_the_title_order(tmp_path):
    from bot.models import Article, ArticleMeta
    from bot.service import build_service
    from tests.conftest import TINY_CORPUS

    service = build_service(TINY_CORPUS, tmp_path / "index")
    for id_, title in [("z1", "Aardvarks return to the valley"), ("z2", "zebra crossing repainted"), ("z3", "Lamps")]:
        service.add_article(Article(ArticleMeta(id=id_, title=title), f"{title}. The town council said so on Monday."))
    listed = service.articles()
    assert [m.title.casefold() for m in listed] == sorted(m.title.casefold() for m in listed)
    assert {"z1", "z2", "z3"} <= {m.id for m in listed}
