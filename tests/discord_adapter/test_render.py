"""render.py is pure: values in, embeds out, always within Discord's limits."""

from __future__ import annotations

import dataclasses
from datetime import date

import discord
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.discord_adapter import render
from bot.models import (
    Answer,
    ArticleMeta,
    Citation,
    Excerpt,
    Published,
    RelativeDate,
    Sentence,
    Summary,
    SummarySentence,
)


def excerpt(
    sentence: str,
    *,
    before: tuple[str, ...] = (),
    after: tuple[str, ...] = (),
    position: int = 2,
    url: str | None = "https://news.example/a",
    title: str = "A title",
) -> Excerpt:
    cite = Citation(
        article_id="a", title=title, url=url, published=Published(date(2026, 1, 2)), position=position, paragraph=1,
        sentence_count=9,
    )
    return Excerpt(sentence=sentence, before=before, after=after, citation=cite, score=1.0)


def present(value: str | None) -> str:
    assert value is not None
    return value


def test_escape_neutralises_mentions_and_markdown() -> None:
    text = render.escape("@everyone read **this** `now` <@123456789012345678> @here ||x||")
    assert "@everyone" not in text and "@here" not in text
    assert "\\*\\*this\\*\\*" in text and "\\`now\\`" in text and "\\|\\|x\\|\\|" in text
    assert "<@\u200b123456789012345678>" in text


@pytest.mark.parametrize("limit", [1, 5, 50, 300])
def test_quote_text_fits_and_never_ends_in_a_dangling_escape(limit: int) -> None:
    text = "*_`" * 400
    out = render.quote_text(text, limit)
    assert len(out) <= limit
    assert not out.rstrip("\u2026").endswith("\\") or out.rstrip("\u2026").endswith("\\\\")


def test_link_escapes_title_and_drops_unsafe_urls() -> None:
    assert render.link("A [b] c", "https://x.example/p(1)", 200) == "[A \\[b\\] c](https://x.example/p%281%29)"
    assert render.link("A", "javascript:alert(1)", 200) == "A"
    assert render.link("A", None, 200) == "A"


def test_answer_marks_the_matched_sentence_and_cites_it() -> None:
    answer = Answer(question="who?", excerpts=(excerpt("B said so.", before=("A.",), after=("C.",)),), abstained=False)
    embed = render.render_answer(answer)
    cite = "\u2014 [A title](https://news.example/a) \u00b7 2 January 2026 \u00b7 sentence 2 of 9"
    assert present(embed.description) == f"**[1]** A. **B said so.** C.\n{cite}"
    assert present(embed.footer.text).endswith("page 1/1")


def test_abstention_says_not_in_the_articles() -> None:
    embed = render.render_answer(Answer(question="q", excerpts=(), abstained=True, reason="no **match**"))
    assert embed.title == render.NOT_FOUND_TITLE
    assert "no \\*\\*match\\*\\*" in present(embed.description)


def test_huge_answers_fit_every_limit() -> None:
    long = "word " * 3000
    answer = Answer(
        question="?" * 1000,
        excerpts=tuple(
            excerpt(long, before=(long,), after=(long,), title="T" * 500, url="https://x.example/" + "p" * 900)
            for _ in range(15)
        ),
        abstained=False,
    )
    for page in range(3):
        embed = render.render_answer(answer, page=page, per_page=5)
        render.check_embed(embed)
        assert present(embed.description).count("**[") == 5
        assert f"page {page + 1}/3" in present(embed.footer.text)


def test_summary_and_context_fit() -> None:
    meta = ArticleMeta(
        id="a", title="T" * 400, url="https://x.example", published=Published(date(2026, 12, 31)), source="S"
    )
    summary = Summary(
        article=meta, sentences=tuple(SummarySentence("s " * 2000, i) for i in range(10)), sentence_count=40
    )
    render.check_embed(render.render_summary(summary))
    sentences = tuple(Sentence("a", i, 1, 0, 1, "x " * 1500) for i in range(1, 6))
    render.check_embed(render.render_context([(excerpt("x " * 1500, position=3), sentences)] * 5))


def test_articles_pages() -> None:
    metas = [ArticleMeta(id=f"id{i}", title=f"Title {i}") for i in range(23)]
    first, last = render.render_articles(metas), render.render_articles(metas, page=2)
    assert present(first.description).splitlines()[0] == "1. Title 0"
    assert present(last.description).splitlines() == ["21. Title 20", "22. Title 21", "23. Title 22"]
    assert "page 3/3" in present(last.footer.text)


def test_autocomplete_choices_respect_limits() -> None:
    metas = [ArticleMeta(id=f"id{i}", title="T" * 150) for i in range(40)]
    metas.insert(0, ArticleMeta(id="x" * 150, title="Short"))
    choices = render.autocomplete_choices(metas)
    assert len(choices) == 25
    assert all(1 <= len(c.name) <= 100 and len(c.value) <= 100 for c in choices)
    assert choices[0].value == "Short"  # an id too long for Discord falls back to the title


def test_check_embed_refuses_oversized() -> None:
    with pytest.raises(ValueError, match="description"):
        render.check_embed(discord.Embed(description="x" * 4097))


def test_corpus_confirmations_quote_the_title_and_code_the_id() -> None:
    meta = ArticleMeta(id="g1/a-`b`-c", title="**Big** @everyone news", url="https://news.example/x")
    added = render.added_text(meta)
    assert added.startswith("Added [\\*\\*Big\\*\\* @\u200beveryone news](https://news.example/x) (`g1/a-'b'-c`)")
    removed = render.removed_text(ArticleMeta(id="g1/x", title="T" * 5000, url=None))
    assert removed.startswith("Removed TTT") and len(removed) <= 1000


def test_articles_listing_with_another_heading_and_empty_text() -> None:
    embed = render.render_articles([], heading="Added to this server", empty="Nothing yet.")
    assert embed.title == "Added to this server (0)" and embed.description == "Nothing yet."


@settings(max_examples=150, deadline=None)
@given(
    title=st.text(min_size=1, max_size=3000),
    article_id=st.text(min_size=1, max_size=200),
    url=st.one_of(st.none(), st.text(max_size=300), st.just("https://news.example/[a](b)")),
)
def test_corpus_texts_and_listings_stay_within_limits_for_any_title(
    title: str, article_id: str, url: str | None
) -> None:
    meta = ArticleMeta(id=article_id, title=title, url=url)
    for text in (render.added_text(meta), render.removed_text(meta)):
        assert 0 < len(text) <= 1000 and "@everyone" not in text and "@here" not in text
    embed = render.render_articles([meta] * 12, page=1, per_page=10, heading=title)
    render.check_embed(embed)
    choices = render.autocomplete_choices([meta] * 30)
    assert len(choices) == 25 and all(1 <= len(c.name) <= 100 and 1 <= len(c.value) <= 100 for c in choices)


def test_a_sentence_printed_by_several_articles_says_so_and_lists_them_under_sources() -> None:
    others = tuple(
        Citation(article_id=f"o{i}", title=f"Reprint {i}", url=None, published=Published(date(2026, 1, 3 + i)),
                 position=1, paragraph=1, sentence_count=3)
        for i in range(2)
    )
    shared = excerpt("The bridge reopens on Monday.")
    shared = Excerpt(shared.sentence, (), (), shared.citation, 1.0, also=others)
    block = render.excerpt_block(1, shared, 1000)
    assert "also in 2 articles" in block
    sources = present(render.render_sources([shared]).description)
    assert "A title" in sources and "Reprint 0" in sources and "Reprint 1" in sources and "4 January 2026" in sources


def test_relative_dates_are_shown_beside_the_citation_and_left_out_when_room_is_short() -> None:
    dated = dataclasses.replace(
        excerpt("On Sunday Russia launched 273 drones."),
        dates=(RelativeDate("Sunday", date(2026, 1, 1), date(2026, 1, 1)),),
    )
    block = render.excerpt_block(1, dated, 1000)
    assert block.splitlines()[-1].endswith("sentence 2 of 9 \u00b7 Sunday \u2192 1 January 2026")
    assert len(render.citation_line(dated, 40)) <= 40  # too little room: the citation keeps it
    many = dataclasses.replace(dated, dates=(RelativeDate("x" * 500, date(2026, 1, 1), date(2026, 1, 1)),) * 5)
    render.check_embed(render.render_answer(Answer("q", (many,) * 3, abstained=False)))
