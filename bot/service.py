"""The one facade that front ends (CLI, console, Discord) receive, and the function that builds it."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot import locks
from bot.errors import AmbiguousArticle, ArticleNotFound, CorpusError, IndexFormatError, InvalidQuestion
from bot.indexing import index_articles
from bot.ingest.documents import ingest
from bot.ingest.loaders import load_corpus, scan_corpus
from bot.live import GLOBAL, REMOVED, Growth, Live, Swapped, owner_key
from bot.models import (
    Answer,
    Article,
    ArticleMeta,
    Conversation,
    Excerpt,
    Exchange,
    Sentence,
    Shape,
    Shown,
    SpeakerCount,
    Summary,
    SummarySentence,
    TopicSentence,
    TopicSummary,
)
from bot.retrieval.answer import AnswerParams, answer, citation, supported
from bot.retrieval.conversation import (
    NEAR_SHAPES,
    FollowUp,
    NoEarlierAnswer,
    conversation_started_by,
    new_names,
    resolve,
    turn_of,
)
from bot.retrieval.follow_up import continuation, missing_reason, near_excerpts, row_of
from bot.retrieval.period import period_words, read_bounds, read_time
from bot.retrieval.question import clean_question, parse_question
from bot.retrieval.rank import Ranker, Ranking
from bot.retrieval.store import LOCK, CorpusIndex
from bot.retrieval.tokenize import Tokenizer, default_tokenizer
from bot.summarise.extractive import DEFAULT_SENTENCES, select_sentences, sentence_importance
from bot.summarise.topic import select_topic_sentences

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)`` while a corpus is indexed."""


class NewsService:
    """Answers questions and summarises articles over one ingested, indexed corpus.

    Front ends call only these methods; CPU-bound ones (``ask``, ``summarise``) should be run off
    an event loop (``asyncio.to_thread``).
    """

    def __init__(
        self,
        corpus: CorpusIndex,
        tokenizer: Tokenizer,
        *,
        params: AnswerParams | None = None,
        warnings: tuple[str, ...] = (),
    ) -> None:
        self._tokenizer = tokenizer
        self._params = params or AnswerParams()
        self.warnings = warnings
        if corpus.words and corpus.tokenizer == tokenizer.describe():
            tokenizer.learn(corpus.words)  # the build's stems: most questions need no stemmer
        # Everything derived from the corpus, replaced as one reference when an article is added:
        # a reader that takes ``self._live`` once sees one consistent corpus.
        by_id = {m.id: i for i, m in enumerate(corpus.articles)}
        owners = np.zeros(len(corpus.articles), dtype=np.int64)
        self._live = Live(corpus, Ranker(corpus, tokenizer, self._params), by_id, owners)
        self._adding = threading.Lock()

    @property
    def _corpus(self) -> CorpusIndex:
        return self._live.corpus

    @property
    def _ranker(self) -> Ranker:
        return self._live.ranker

    @property
    def _by_id(self) -> dict[str, int]:
        return self._live.by_id

    @property
    def tokenizer(self) -> Tokenizer:
        """The tokenizer questions and added articles go through (a full build must use the same)."""
        return self._tokenizer

    @property
    def corpus(self) -> CorpusIndex:
        """The indexed corpus (read-only)."""
        return self._corpus

    @property
    def sentence_count(self) -> int:
        """Number of indexed sentences."""
        return len(self._corpus.table)

    def warm_up(self) -> None:
        """Do now what the first question or the first added article would otherwise pay for: the
        ranking's per-corpus tables and the stemmer's import (about a second of holding the GIL,
        which would stall questions answered meanwhile). Long-running front ends call it at start."""
        self._live.ranker.prepare()
        self._tokenizer.stemmer("warm")

    def ask(
        self,
        question: str,
        *,
        top: int = 3,
        guild_id: int | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        today: dt.date | None = None,
    ) -> Answer:
        """Answer ``question`` with up to ``top`` cited excerpts, or abstain.

        ``guild_id`` is the Discord server asking: it sees the shipped corpus, the articles added
        for every server and its own; ``None`` sees the first two. A period named in the question
        ("in May 2025", "last week", relative to ``today``, default the system date) and the
        ``since`` / ``until`` days (both included) limit the answer to articles published then
        (undated articles are left out); ``Answer.period`` says which. "latest", "still", "now"
        put newer articles first. Raises ``bot.errors.InvalidQuestion`` for an empty, too long or
        unsearchable question.
        """
        return self._ask(question, top=top, guild_id=guild_id, since=since, until=until, today=today)

    def _ask(
        self,
        question: str,
        *,
        top: int,
        guild_id: int | None,
        since: dt.date | None,
        until: dt.date | None,
        today: dt.date | None,
        within: tuple[str, ...] = (),
    ) -> Answer:
        """``ask``; with ``within`` (article ids), only those articles are searched."""
        live = self._live
        text = clean_question(question)
        wanted = read_time(text, today or dt.date.today(), since=since, until=until, dated=live.dated)
        visible, period = live.visible(guild_id), wanted.period
        if within:
            chosen = np.zeros(len(live.corpus.articles), dtype=np.bool_)
            chosen[[live.by_id[a] for a in within if a in live.by_id]] = True
            visible = chosen if visible is None else visible & chosen
        if period is not None:
            if period.start > period.end:
                reason = "the period in the question and the since/until dates have no day in common"
                return Answer(text, (), abstained=True, reason=reason, period=period)
            in_period = (live.days >= period.start.toordinal()) & (live.days <= period.end.toordinal())
            visible = in_period if visible is None else visible & in_period
            if not visible.any():
                reason = f"no article I have was published {period_words(period)}"
                return Answer(text, (), abstained=True, reason=reason, period=period)
        # The question parsed once: its words without the time phrase, what it asks, and when.
        parsed = dataclasses.replace(
            parse_question(wanted.search, self._tokenizer), period=period, recent=wanted.recent
        )
        reply = answer(
            parsed, live.corpus, self._tokenizer, top=top, ranker=live.ranker, visible=visible,
            days=live.days if live.dated else None, leeway=FOCUS_LEEWAY if within else 0.0,
        )  # fmt: skip
        return dataclasses.replace(reply, question=text, period=period)

    def converse(
        self,
        question: str,
        conversation: Conversation | None = None,
        *,
        top: int = 3,
        guild_id: int | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        today: dt.date | None = None,
        now: float | None = None,
    ) -> Exchange:
        """Answer ``question`` as the next turn of ``conversation`` (``None`` or empty: a first
        question); returns the answer and the conversation to pass with the next question.

        A follow-up ("And Peskov?", "What else did he say?", "When was that?", "more") is read
        against the earlier turns (``bot.retrieval.conversation``) and ``Answer.understood`` says
        how; a question that stands alone is answered as ``ask`` would. A conversation idle for 30
        minutes (by ``now``, seconds since the epoch) starts over. ``since``/``until`` limit the
        searched articles as in ``ask``. Raises ``InvalidQuestion`` like ``ask``, and for a
        follow-up with no earlier answer.
        """
        at = time.time() if now is None else now
        conv = (conversation or Conversation()).current(at)
        text = clean_question(question)
        live = self._live
        visible = live.visible(guild_id)

        def is_speaker(name: str) -> bool:
            return bool(live.ranker.speakers().choose(name, visible))

        try:
            follow = resolve(text, conv, is_speaker=is_speaker)
        except NoEarlierAnswer as exc:
            raise InvalidQuestion(str(exc)) from exc
        when = (since, until, today)
        if follow.shape in NEAR_SHAPES:
            reply = self._near(follow, top=top, guild_id=guild_id)
        elif follow.shape is Shape.MORE:
            reply = self._more(follow, top=top, guild_id=guild_id, when=when)
        else:
            reply, follow = self._followed(follow, text, top=top, guild_id=guild_id, when=when)
        understood = None if follow.understood == text else follow.understood
        reply = dataclasses.replace(reply, question=text, understood=understood)
        return Exchange(reply, conv.with_turn(turn_of(text, follow, reply, at=at)))

    def _followed(
        self,
        follow: FollowUp,
        text: str,
        *,
        top: int,
        guild_id: int | None,
        when: tuple[dt.date | None, dt.date | None, dt.date | None],
    ) -> tuple[Answer, FollowUp]:
        """A follow-up (or a question asked in a conversation) answered from the articles of the
        answer it follows first, then from all; a question naming something those articles never
        mention stands alone. Returns the answer and the follow-up as it was finally understood."""
        live = self._live
        people = follow.others_than
        tries = [follow.text] + ([text] if follow.shape is Shape.EXPANDED else [])
        for context in (self._visible_ids(follow.context, guild_id), self._visible_ids(follow.earlier, guild_id)):
            if not context:
                continue
            if follow.shape is Shape.ALONE:
                def known(context: tuple[str, ...] = context) -> str:
                    rows = (r for a in context for r in live.corpus.article_rows(live.by_id[a]))
                    return " ".join(live.corpus.table.text(r) for r in rows)

                if new_names(text, known):
                    continue  # a name these articles never mention: not about them
            for question in tries:
                reply = self._excluding(
                    question, follow.exclude, top=top, guild_id=guild_id, when=when, people=people, within=context
                )
                if not reply.abstained and reply.excerpts:
                    if follow.shape is Shape.ALONE and _same_first(reply, self._excluding(
                        text, (), top=top, guild_id=guild_id, when=when
                    )):  # fmt: skip
                        return reply, follow  # what the question finds anyway: taken as asked
                    title = live.corpus.articles[live.by_id[context[0]]].title
                    where = f'in "{title}"' if len(context) == 1 else "in the articles of the conversation"
                    label = f"{follow.understood.rstrip('?')}? ({where})"
                    return reply, dataclasses.replace(follow, text=question, label=label)
        if follow.shape is Shape.EXPANDED:
            tries = [text, follow.text]  # everywhere: the question alone first, expanded only if that fails
        if follow.fallback:
            tries.append(follow.fallback)
        if text not in tries:
            tries.append(text)  # the question as asked, should the reading of it find nothing
        first = Answer(text, (), abstained=True)
        for n, question in enumerate(tries):
            reply = self._excluding(question, follow.exclude, top=top, guild_id=guild_id, when=when, people=people)
            if not reply.abstained and reply.excerpts:
                if question != follow.text:
                    shape = Shape.ALONE if question == text else follow.shape
                    follow = dataclasses.replace(follow, text=question, shape=shape, label=None)
                return reply, follow
            if n == 0:
                first = reply
        return first, follow

    def _visible_ids(self, articles: tuple[str, ...], guild_id: int | None) -> tuple[str, ...]:
        """Those of ``articles`` still indexed and visible to ``guild_id``."""
        live = self._live
        return tuple(a for a in articles if a in live.by_id and live.may_see(live.by_id[a], guild_id))

    def _more(
        self,
        follow: FollowUp,
        *,
        top: int,
        guild_id: int | None,
        when: tuple[dt.date | None, dt.date | None, dt.date | None],
    ) -> Answer:
        """ "more": the next answers to the previous question (else what follows the last sentence
        shown); "tell me more": what follows the answer first."""
        live = self._live
        following: tuple[Excerpt, ...] = ()
        article = live.by_id.get(follow.near.article) if follow.near is not None else None
        if follow.near is not None and article is not None and live.may_see(article, guild_id):
            row = row_of(live.corpus, live.by_id, follow.near, last=True)
            following = continuation(live.corpus, row) if row is not None else ()
        if follow.continues and following:
            return Answer(follow.text, following, abstained=False)
        context = self._visible_ids(follow.context, guild_id)
        if context:  # the next answers in the article followed up first
            reply = self._excluding(follow.text, follow.exclude, top=top, guild_id=guild_id, when=when, within=context)
            if reply.excerpts:
                return reply
        reply = self._excluding(follow.text, follow.exclude, top=top, guild_id=guild_id, when=when)
        if not reply.excerpts and following:
            return Answer(follow.text, following, abstained=False)
        return reply

    @staticmethod
    def conversation_after(answer: Answer, *, at: float) -> Conversation:
        """A conversation whose only turn is ``answer``: to follow up an answer whose conversation
        was lost (a restart)."""
        return conversation_started_by(answer, at=at)

    def _excluding(
        self,
        question: str,
        exclude: tuple[Shown, ...],
        *,
        top: int,
        guild_id: int | None,
        when: tuple[dt.date | None, dt.date | None, dt.date | None],
        people: tuple[str, ...] = (),
        within: tuple[str, ...] = (),
    ) -> Answer:
        """``ask`` (``when``: since, until, today; ``within`` these articles only), leaving out the
        excerpts that show a sentence already shown (``exclude``) or a statement of one of ``people``."""
        since, until, today = when
        wanted = min(top + len(exclude) + 3 * len(people), _MAX_EXCLUDED_TOP) if exclude or people else top
        reply = self._ask(
            question, top=wanted, guild_id=guild_id, since=since, until=until, today=today, within=within
        )
        if not exclude and not people:
            return reply
        fresh = tuple(
            e for e in reply.excerpts
            if not any(s.covers(e.citation.article_id, e.citation.position) for s in exclude)
            and (e.speaker is None or e.speaker not in people)
        )[:top]  # fmt: skip
        if reply.excerpts and not fresh:
            return dataclasses.replace(
                reply, excerpts=(), abstained=True, reason="there is no other answer than those already shown"
            )
        return dataclasses.replace(reply, excerpts=fresh)

    def _near(self, follow: FollowUp, *, top: int, guild_id: int | None) -> Answer:
        """A when/where/why follow-up, answered from the earlier answer's articles."""
        live = self._live
        assert follow.near is not None
        anchor = row_of(live.corpus, live.by_id, follow.near)
        if anchor is None or not live.may_see(live.by_id[follow.near.article], guild_id):
            return Answer(follow.text, (), abstained=True, reason="the article of the earlier answer is gone")
        excerpts = near_excerpts(live.corpus, self._tokenizer, anchor, follow.shape, follow.text, top=top)
        if not excerpts:
            return Answer(follow.text, (), abstained=True, reason=missing_reason(live.corpus, anchor, follow.shape))
        return Answer(follow.text, excerpts, abstained=False)

    @staticmethod
    def read_bounds(since: str | None, until: str | None, *, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
        """The ``since`` / ``until`` options as days: "2025-05-01", "1 May 2025", "May 2025" (its first
        or last day), "2020", "last week". Raises ``InvalidQuestion`` with a one-line reason."""
        try:
            return read_bounds(since, until, today)
        except ValueError as exc:
            raise InvalidQuestion(str(exc)) from exc

    def quotes(self, speaker: str, topic: str | None = None, *, top: int = 3, guild_id: int | None = None) -> Answer:
        """What ``speaker`` said (about ``topic``): the answer to "what did SPEAKER say about TOPIC?".

        Raises ``InvalidQuestion`` for an empty or over-long name or topic.
        """
        name = clean_question(speaker)
        question = f"What did {name} say about {clean_question(topic)}?" if topic else f"What did {name} say?"
        return self.ask(question, top=top, guild_id=guild_id)

    def speakers(self, prefix: str = "", *, guild_id: int | None = None, limit: int = 25) -> list[SpeakerCount]:
        """People the visible articles quote whose name or surname starts with ``prefix``, most
        quoted first (for autocomplete), with their statement counts."""
        live = self._live
        return live.ranker.speakers().complete(prefix, live.visible(guild_id), limit=limit)

    def add_article(self, article: Article, *, guild_id: int | None = None) -> AddedArticle:
        """Index one more article; questions asked meanwhile are answered from the corpus as it was.

        The new corpus is built beside the live one and swapped in as one reference, so readers
        never wait. Its sentences are weighted with the current idf (exact weights return at the
        next full build). Adds are serialised. Raises ``CorpusError`` if the id is already indexed
        or the article has no sentence.
        """
        batch = self.add_articles([(article, guild_id)])
        if batch.skipped:
            raise CorpusError(batch.skipped[0][1])
        return batch.added[0]

    def add_articles(self, articles: Sequence[tuple[Article, int | None]]) -> AddedBatch:
        """``add_article`` for many ``(article, guild_id)`` at once (start-up, another process's
        additions): one swap, and the index copied once instead of once per article. An article
        whose id is already indexed (or repeated) or that has no sentence is skipped, with why."""
        with self._adding:
            live = self._live
            taken = set(live.by_id)
            documents, owners, added, skipped = [], [], [], []
            for article, guild_id in articles:
                meta = article.meta
                if meta.id in taken:
                    skipped.append((meta.id, f"an article with id {meta.id!r} is already indexed"))
                    continue
                document = ingest(article)
                if not document.sentences:
                    skipped.append((meta.id, f"article {meta.id!r} has no text to index"))
                    continue
                taken.add(meta.id)
                documents.append(document)
                owners.append(owner_key(guild_id))
                added.append(AddedArticle(meta=meta, sentences=len(document.sentences)))
            self._live = live.with_documents(documents, owners, self._tokenizer)
        return AddedBatch(added=tuple(added), skipped=tuple(skipped))

    def remove_article(self, article_id: str) -> None:
        """Hide an article from every answer, list and summary at once (its rows leave the index at
        the next full build). Raises ``ArticleNotFound``."""
        with self._adding:
            live = self._live
            if article_id not in live.by_id:
                raise ArticleNotFound(f"no article with id {article_id!r}")
            owners = live.owners.copy()
            owners[live.by_id[article_id]] = REMOVED
            by_id = {k: v for k, v in live.by_id.items() if k != article_id}
            self._live = Live(live.corpus, live.ranker, by_id, owners, live.title_order, live.days, live.built)

    def growth(self) -> Growth:
        """How far the live corpus has grown from its last full build (what compaction would fold in)."""
        live = self._live
        added = live.owners[live.built :]
        return Growth(
            built=live.built,
            added_global=int(np.count_nonzero(added == GLOBAL)),
            added_servers=int(np.count_nonzero(added > 0)),
            removed=int(np.count_nonzero(live.owners == REMOVED)),
        )

    def swap_corpus(self, corpus: CorpusIndex, texts: Callable[[Sequence[str]], Mapping[str, Article]]) -> Swapped:
        """Answer from ``corpus`` from now on: a full build of the shipped articles and those added
        for every server (exact idf), made while this service answered from the old one.

        What readers see does not change: an article of ``corpus`` removed meanwhile stays hidden,
        and the live articles it lacks (added for one server, or added meanwhile) are indexed again
        from ``texts(ids)`` on top of it (one missing from ``texts`` is dropped, as removed). The
        slow part (the new ranker's tables) is done before adds are held; the new corpus is then
        swapped in as one reference.
        """
        ranker = Ranker(corpus, self._tokenizer, self._params)
        ranker.prepare()
        base = Live(corpus, ranker, {m.id: i for i, m in enumerate(corpus.articles)},
                     np.zeros(len(corpus.articles), dtype=np.int64))  # fmt: skip
        with self._adding:
            live = self._live
            owners = base.owners.copy()
            for article_id, number in base.by_id.items():
                now = live.by_id.get(article_id)
                if now is None or live.owners[now] != GLOBAL:  # removed while the build ran
                    owners[number] = REMOVED
            by_id = {k: v for k, v in base.by_id.items() if owners[v] != REMOVED}
            new = Live(corpus, ranker, by_id, owners, base.title_order, base.days)
            missing = sorted((k for k in live.by_id if k not in by_id), key=live.by_id.__getitem__)
            found = texts(missing) if missing else {}
            documents, their_owners = [], []
            for article_id in missing:
                article = found.get(article_id)
                document = ingest(article) if article is not None else None
                if document is not None and document.sentences:
                    documents.append(document)
                    their_owners.append(int(live.owners[live.by_id[article_id]]))
            self._live = new.with_documents(documents, their_owners, self._tokenizer)
            replayed = len(documents)
        return Swapped(articles=len(corpus.articles), replayed=replayed, dropped=len(missing) - replayed)

    def rank(self, question: str) -> Ranking:
        """The full ranking ``ask`` cuts and cites (no abstention, no context): for evaluation.

        Raises ``InvalidQuestion`` like ``ask``.
        """
        return self._live.ranker.rank(parse_question(question, self._tokenizer))

    def summarise(self, article: str, *, sentences: int = DEFAULT_SENTENCES, guild_id: int | None = None) -> Summary:
        """Extractive summary of the article given by id, title or unique title prefix.

        Raises ``ArticleNotFound`` or ``AmbiguousArticle``.
        """
        live = self._live
        corpus = live.corpus
        index = live.by_id[self.resolve_article(article, guild_id=guild_id).id]
        meta = corpus.articles[index]
        rows = corpus.article_rows(index)
        texts = [corpus.table.text(r) for r in rows]
        paragraphs = [int(corpus.table.paragraph[r]) for r in rows]
        chosen = select_sentences(texts, self._tokenizer, n=sentences, paragraphs=paragraphs, title=meta.title)
        picked = tuple(SummarySentence(text=texts[i], position=int(corpus.table.position[rows[i]])) for i in chosen)
        return Summary(article=meta, sentences=picked, sentence_count=len(rows))

    def summarise_topic(
        self, about: str, *, sentences: int = DEFAULT_SENTENCES, guild_id: int | None = None
    ) -> TopicSummary:
        """What the corpus says about a topic: up to ``sentences`` verbatim sentences across articles.

        Candidates are the sentences the question ranking finds for ``about`` that hold enough of
        its words (the same rule as ``ask``'s abstention); each is weighed by its relevance and by
        how summary-worthy it is within its own article, and none repeats another. Sentences are
        grouped by article (most relevant first), in article order, each cited. An empty summary
        carries the reason. Raises ``InvalidQuestion`` for an empty or unsearchable topic.
        """
        live = self._live
        corpus = live.corpus
        text = clean_question(about)
        if sentences <= 0:
            return TopicSummary(about=text, sentences=())
        ranking = live.ranker.rank(parse_question(text, self._tokenizer), visible=live.visible(guild_id))
        params = self._params
        eligible = supported(ranking, params)
        rows = ranking.rows[eligible]
        if len(rows) == 0:
            return TopicSummary(about=text, sentences=(), reason="no sentence in the articles is about this")
        relevance = ranking.final[eligible] * (0.5 + 0.5 * ranking.coverage[eligible])
        table = corpus.table
        articles = table.article[rows].astype(np.int64)
        importance = np.zeros(len(rows))
        for article in np.unique(articles).tolist():
            span = corpus.article_rows(article)
            ranks = sentence_importance(
                [table.text(r) for r in span],
                self._tokenizer,
                paragraphs=[int(table.paragraph[r]) for r in span],
                title=corpus.articles[article].title,
            )
            mask = articles == article
            importance[mask] = ranks[rows[mask] - span.start]
        vectors = corpus.index.matrix[rows]
        similarity = np.asarray((vectors @ vectors.T).todense(), dtype=np.float64)
        texts = [table.text(int(r)) for r in rows]
        chosen = select_topic_sentences(relevance, importance, articles, similarity, texts, n=sentences)
        first_seen = {int(a): k for k, a in reversed(list(enumerate(articles[chosen].tolist())))}
        chosen.sort(key=lambda i: (first_seen[int(articles[i])], int(rows[i])))
        picked = tuple(
            TopicSentence(text=texts[i], citation=citation(corpus, int(rows[i])), score=round(float(relevance[i]), 4))
            for i in chosen
        )
        return TopicSummary(about=text, sentences=picked)

    def articles(self, *, guild_id: int | None = None) -> tuple[ArticleMeta, ...]:
        """Every article ``guild_id`` can see (see ``ask``), sorted by title."""
        live = self._live
        visible = live.visible(guild_id)
        metas = live.corpus.articles
        return tuple(metas[i] for i in live.title_order if visible is None or visible[i])

    def find_articles(self, text: str, *, limit: int = 25, guild_id: int | None = None) -> list[ArticleMeta]:
        """Articles whose title or id contains ``text`` (case-insensitive), title prefixes first."""
        needle = " ".join(text.split()).casefold()
        hits = [
            m for m in self.articles(guild_id=guild_id) if needle in m.title.casefold() or needle in m.id.casefold()
        ]
        hits.sort(key=lambda m: not m.title.casefold().startswith(needle))
        return hits[:limit]

    def resolve_article(self, ref: str, *, guild_id: int | None = None) -> ArticleMeta:
        """The article named by ``ref``: an exact id or title, else a unique id or title prefix."""
        key = " ".join(ref.split()).casefold()
        if not key:
            raise ArticleNotFound("no article named: give an article id or title")
        metas = self.articles(guild_id=guild_id)
        for match in (
            [m for m in metas if m.id.casefold() == key],
            [m for m in metas if m.title.casefold() == key],
            [m for m in metas if m.id.casefold().startswith(key) or m.title.casefold().startswith(key)],
        ):
            if len(match) == 1:
                return match[0]
            if len(match) > 1:
                raise AmbiguousArticle(ref, sorted(f"{m.title} ({m.id})" for m in match))
        raise ArticleNotFound(f"no article matches {ref!r}; list them with 'python -m bot articles'")

    def context(
        self, article_id: str, position: int, *, radius: int = 2, guild_id: int | None = None
    ) -> tuple[Sentence, ...]:
        """The sentences within ``radius`` of sentence ``position`` (1-based) of an article."""
        live = self._live
        index = live.by_id.get(article_id)
        visible = live.visible(guild_id)
        if index is None or (visible is not None and not visible[index]):
            raise ArticleNotFound(f"no article with id {article_id!r}")
        rows = live.corpus.article_rows(index)
        centre = rows.start + position - 1
        lo, hi = max(rows.start, centre - radius), min(rows.stop, centre + radius + 1)
        return tuple(live.corpus.sentence(r) for r in range(lo, hi))


_MAX_EXCLUDED_TOP = 20  # answers looked at when some must be left out as already shown
FOCUS_LEEWAY = 6.0  # the abstention cut lowered for a follow-up searched within the articles it follows


def _same_first(a: Answer, b: Answer) -> bool:
    """Whether two answers start with the same sentence."""
    if not a.excerpts or not b.excerpts:
        return False
    x, y = a.excerpts[0].citation, b.excerpts[0].citation
    return (x.article_id, x.position) == (y.article_id, y.position)


@dataclass(frozen=True, slots=True)
class AddedArticle:
    """An article added to a running service, and how many sentences of it were indexed."""

    meta: ArticleMeta
    sentences: int


@dataclass(frozen=True, slots=True)
class AddedBatch:
    """What ``add_articles`` indexed, and the ``(id, reason)`` of each article it skipped."""

    added: tuple[AddedArticle, ...]
    skipped: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class OpenedCorpus:
    """An indexed corpus, whether it was rebuilt, the files that were skipped, and why a rebuilt
    index could not be saved (``None``: it was, or needed no saving)."""

    corpus: CorpusIndex
    rebuilt: bool
    warnings: tuple[str, ...]
    unsaved: str | None = None


def open_corpus(
    corpus_dir: Path,
    index_dir: Path,
    tokenizer: Tokenizer,
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
    workers: int | None = None,
) -> OpenedCorpus:
    """Load the saved index of ``corpus_dir``, rebuilding and saving it when the corpus changed.

    The saved index is used only if its fingerprint (file names, sizes, times) and tokenizer
    settings match; otherwise every article is re-read and the index written anew, over ``workers``
    processes (default: one per CPU; 1 builds in this process). A saved index that is damaged (any
    file failing its checksum or bounds checks) is rebuilt too, with one warning that says why.
    Builds of one ``index_dir`` by several processes take turns (a file lock). The folder is
    scanned once: a file that vanishes meanwhile, or a link out of the folder, is a warning. An
    index that cannot be saved (a read-only folder) is used from memory, with a warning (and the
    reason in ``unsaved``).
    """
    scan = scan_corpus(corpus_dir)
    fingerprint = scan.fingerprint
    if not rebuild:
        saved, _ = _saved_corpus(index_dir, fingerprint, tokenizer)
        if saved is not None:
            return OpenedCorpus(saved, rebuilt=False, warnings=scan.warnings)
    # One build at a time per index folder: a save removes the other builds it finds.
    with contextlib.suppress(OSError):  # a folder that cannot be made cannot be saved to: said by the save
        index_dir.mkdir(parents=True, exist_ok=True)
    with locks.exclusive(index_dir / LOCK):  # held: False in a read-only folder, where nobody saves
        problem = None
        if not rebuild:  # again: another process may have built it while this one waited
            saved, problem = _saved_corpus(index_dir, fingerprint, tokenizer)
            if saved is not None:
                return OpenedCorpus(saved, rebuilt=False, warnings=scan.warnings)
        report = load_corpus(corpus_dir, scan=scan)
        tokenizer.learn(CorpusIndex.read_words(index_dir, tokenizer.describe()))  # stem only new words
        corpus = index_articles(
            report.articles,
            tokenizer,
            fingerprint=fingerprint,
            tokenizer=tokenizer.describe(),
            workers=workers,
            progress=progress,
        )
        notes = (f"the saved index cannot be used ({problem}); rebuilt it",) if problem else ()
        if progress is not None:
            progress("save", 0, 1)
        try:
            corpus.save(index_dir)
        except OSError as exc:
            reason = f"the index cannot be saved in {index_dir} ({exc.strerror or exc})"
            warnings = (*notes, *report.warnings, f"{reason}: answering from memory")
            return OpenedCorpus(corpus, rebuilt=True, warnings=warnings, unsaved=reason)
        if progress is not None:
            progress("save", 1, 1)
    return OpenedCorpus(corpus, rebuilt=True, warnings=notes + report.warnings)


def _saved_corpus(index_dir: Path, fingerprint: str, tokenizer: Tokenizer) -> tuple[CorpusIndex | None, str | None]:
    """The saved index if it is of this corpus and tokenizer and intact, else why not when it is
    damaged (``None`` when there is none or it is of another corpus: no problem, just a build)."""
    try:
        params = CorpusIndex.read_params(index_dir)
        if not params or params.get("fingerprint") != fingerprint or params.get("tokenizer") != tokenizer.describe():
            return None, None
        return CorpusIndex.load(index_dir, mmap=True), None
    except IndexFormatError as exc:
        return None, str(exc)


def build_service(
    corpus_dir: Path,
    index_dir: Path,
    *,
    tokenizer: Tokenizer | None = None,
    rebuild: bool = False,
    progress: Progress | None = None,
    must_save: bool = False,
) -> NewsService:
    """Open (or build) the index of ``corpus_dir`` and wrap it in a ``NewsService``.

    With ``must_save`` (the ``index`` command), an index that cannot be saved raises
    ``IndexFormatError`` instead of being used from memory.
    """
    tokenizer = tokenizer or default_tokenizer()
    opened = open_corpus(corpus_dir, index_dir, tokenizer, rebuild=rebuild, progress=progress)
    if must_save and opened.unsaved:
        raise IndexFormatError(opened.unsaved)
    return NewsService(opened.corpus, tokenizer, warnings=opened.warnings)
