"""Property tests: random and hostile input through the core and the renderers."""

from __future__ import annotations

import discord
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.discord_adapter import render
from bot.errors import CorpusError, InvalidQuestion
from bot.ingest.documents import ingest
from bot.ingest.sources import article_from_upload
from bot.models import (
    Answer,
    Article,
    ArticleMeta,
    Citation,
    Excerpt,
    Period,
    Published,
    RelativeDate,
    Summary,
    SummarySentence,
    TopicSentence,
    TopicSummary,
)
from bot.render_text import render_answer as render_answer_text

HOSTILE = st.sampled_from(
    ["@everyone", "@here", "<@123>", "<@&456>", "**", "`", "```", "||", "> ", "\u202e", "\u200b", "\x00", "\x1b[31m",
     "e\u0301", "🙂", "\ufeff", "\n\n", "\r", "\t", "...", "U.S.", "“", "”", "\"", "Mr.", "\\", "~~", "_", "#"]
)
TEXT = st.lists(st.one_of(st.text(max_size=40), HOSTILE), max_size=30).map("".join)
# Long strings built by repetition, so that hypothesis need not draw every character.
LONG = st.tuples(st.one_of(HOSTILE, st.text(min_size=1, max_size=5)), st.integers(50, 2500)).map(lambda t: t[0] * t[1])
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def embed_ok(embed: discord.Embed) -> None:
    render.check_embed(embed)
    assert len(embed) <= 6000
    assert len(embed.description or "") <= 4096
    assert len(embed.title or "") <= 256
    assert len(embed.fields) <= 25


@FUZZ
@given(question=st.one_of(TEXT, LONG))
def test_any_question_answers_or_explains(tiny_service, question):
    try:
        answer = tiny_service.ask(question)
    except InvalidQuestion as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert isinstance(render_answer_text(answer), str)
    embed_ok(render.render_answer(answer))
    for e in answer.excerpts:
        assert e.sentence in e.text


@FUZZ
@given(text=TEXT)
def test_ingest_keeps_offsets_for_any_text(text):
    doc = ingest(Article(ArticleMeta(id="x", title="X"), text))
    for s in doc.sentences:
        assert s.text and doc.text[s.start : s.end] == s.text
    assert [s.position for s in doc.sentences] == list(range(1, len(doc.sentences) + 1))


@FUZZ
@given(name=st.sampled_from(["a.txt", "b.md", "c.html", "d.bin", "../../etc/passwd", "e.TXT"]),
       data=st.one_of(st.binary(max_size=2000), TEXT.map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_any_upload_is_accepted_or_refused_clearly(name, data):
    try:
        article = article_from_upload(name, data, id_prefix="g1")
    except CorpusError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert article.meta.id.startswith("g1/") and ".." not in article.meta.id


SENTENCE = st.one_of(TEXT, LONG).filter(bool)


@st.composite
def answers(draw: st.DrawFn) -> Answer:
    excerpts = []
    for _ in range(draw(st.integers(0, 8))):
        citation = Citation(
            article_id=draw(TEXT) or "a", title=draw(st.one_of(TEXT, LONG)) or "t",
            url=draw(st.one_of(st.none(), LONG.map(lambda t: "https://example.org/" + t), TEXT)),
            published=draw(st.one_of(st.none(), st.dates().map(Published))), position=draw(st.integers(1, 10**6)),
            paragraph=1, sentence_count=draw(st.integers(1, 10**6)),
        )
        also = (citation,) * draw(st.sampled_from((0, 0, 1, 30)))  # reprints ("also in N articles")
        days = draw(st.lists(st.dates(), max_size=4))  # relative dates ("Sunday → 18 May 2025")
        dates = tuple(RelativeDate(draw(st.one_of(TEXT, LONG)), day, day) for day in days)
        excerpts.append(Excerpt(draw(SENTENCE), tuple(draw(st.lists(SENTENCE, max_size=2))),
                                tuple(draw(st.lists(SENTENCE, max_size=2))), citation, 0.5, also=also, dates=dates))
    period = draw(st.one_of(st.none(), st.tuples(st.dates(), st.dates()).map(
        lambda d: Period(min(d), max(d), f"{min(d)} – {max(d)}"))))
    return Answer(draw(st.one_of(TEXT, LONG)) or "q", tuple(excerpts),
                  abstained=not excerpts, reason=draw(st.one_of(st.none(), TEXT)), period=period)


@FUZZ
@given(answer=answers())
def test_rendered_answers_respect_discord_limits(answer):
    pages = max(1, -(-len(answer.excerpts) // 3))
    for page in range(pages):
        embed_ok(render.render_answer(answer, page=page))
    embed_ok(render.render_sources(answer.excerpts[:3]))


@FUZZ
@given(title=TEXT, sentences=st.lists(SENTENCE, max_size=10))
def test_rendered_summaries_respect_discord_limits(title, sentences):
    summary = Summary(ArticleMeta(id="x", title=title or "t"),
                      tuple(SummarySentence(s, i + 1) for i, s in enumerate(sentences)), len(sentences))
    embed_ok(render.render_summary(summary))


@FUZZ
@given(about=TEXT, n=st.integers(0, 10), long_text=LONG, title=st.one_of(TEXT, LONG))
def test_rendered_topic_summaries_respect_discord_limits(about, n, long_text, title):
    citation = Citation("a", title or "t", "https://example.org/" + long_text[:3000], None, 3, 1, 9)
    topic = TopicSummary(about or "x", tuple(TopicSentence(long_text, citation, 0.5) for _ in range(n)),
                         reason=None if n else "nothing")
    embed_ok(render.render_topic(topic))
