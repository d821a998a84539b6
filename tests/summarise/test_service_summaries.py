"""NewsService.summarise and summarise_topic over the short test articles."""

from __future__ import annotations

import pytest

from bot.errors import AmbiguousArticle, ArticleNotFound, InvalidQuestion


def test_article_summary_is_verbatim_in_order_with_positions(summary_service):
    summary = summary_service.summarise("orchard-cider", sentences=3)
    assert summary.article.title == "Valley orchard opens a cider press"
    assert len(summary.sentences) == 3
    positions = [s.position for s in summary.sentences]
    assert positions == sorted(positions)
    for s in summary.sentences:
        assert summary_service.context("orchard-cider", s.position, radius=0)[0].text == s.text
    assert summary.sentences[0].position == 1


def test_short_article_is_returned_whole(summary_service):
    summary = summary_service.summarise("orchard-frost", sentences=10)
    assert [s.position for s in summary.sentences] == list(range(1, summary.sentence_count + 1))


def test_article_by_unique_title_prefix_and_ambiguous_prefix(summary_service):
    assert summary_service.summarise("ferry crews", sentences=1).article.id == "ferry-strike"
    with pytest.raises(AmbiguousArticle) as info:
        summary_service.summarise("valley orchard")
    assert len(info.value.candidates) == 2
    with pytest.raises(ArticleNotFound):
        summary_service.summarise("no such thing")


def test_topic_summary_cites_each_sentence(summary_service):
    topic = summary_service.summarise_topic("cider press", sentences=3)
    assert topic.reason is None
    assert 1 <= len(topic.sentences) <= 3
    for s in topic.sentences:
        assert "cider" in s.text.lower() or "press" in s.text.lower()
        quoted = summary_service.context(s.citation.article_id, s.citation.position, radius=0)[0]
        assert quoted.text == s.text
    assert set(topic.articles) <= {"orchard-cider", "orchard-frost"}
    texts = [s.text for s in topic.sentences]
    assert len(texts) == len(set(texts))


def test_topic_summary_groups_sentences_by_article_in_article_order(summary_service):
    topic = summary_service.summarise_topic("Ruth Adeyemi orchard", sentences=4)
    seen: list[str] = []
    for s in topic.sentences:
        if not seen or seen[-1] != s.citation.article_id:
            assert s.citation.article_id not in seen  # one block per article
            seen.append(s.citation.article_id)
    for article in seen:
        positions = [s.citation.position for s in topic.sentences if s.citation.article_id == article]
        assert positions == sorted(positions)


def test_topic_summary_of_an_unknown_topic_is_empty_with_a_reason(summary_service):
    topic = summary_service.summarise_topic("volcano eruption", sentences=3)
    assert topic.sentences == ()
    assert topic.reason


def test_topic_summary_rejects_empty_topics(summary_service):
    with pytest.raises(InvalidQuestion):
        summary_service.summarise_topic("   ")
