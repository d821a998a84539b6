"""Command line and composition root: ``python -m bot ask|index|chat|run|summary|articles|sync``.

This is the only module that reads settings and builds objects; it hands the finished
``NewsService`` to a front end (terminal output, the console chat or the Discord bot).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot import __version__, startup
from bot.chat import run_chat
from bot.cli_feeds import build_feeds, run_feeds
from bot.cli_parser import UsageError, build_parser, program_name
from bot.compaction import CompactionPolicy, Compactor
from bot.config import Settings, index_dir_for, load_settings, missing_corpus_message
from bot.errors import AmbiguousArticle, CorpusError, NewsBotError
from bot.feeds.follow import Feeds
from bot.ingest.fetch import FetchPolicy
from bot.ingest.files import read_limited
from bot.ingest.sources import MAX_UPLOAD_BYTES
from bot.insights import build_insights, insights_json, plural, render_insights
from bot.library import Library
from bot.models import Answer, ArticleMeta, Conversation
from bot.progress import ProgressBar
from bot.render_text import (
    answer_json,
    iso,
    render_answer,
    render_articles,
    render_summary,
    render_topic,
    summary_json,
    topic_json,
)
from bot.retrieval import kernels
from bot.service import NewsService, build_service
from bot.shards import ShardPlan, plan_from_text
from bot.storage.articles import SqlArticleStore
from bot.storage.location import StoreLocation
from bot.upkeep import Upkeep, full_build

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
BOLD = ("\033[1m", "\033[0m")


def main(argv: Sequence[str] | None = None, *, stdin: TextIO | None = None, stdout: TextIO | None = None,
         stderr: TextIO | None = None, settings: Settings | None = None, environ: Mapping[str, str] | None = None,
         prog: str | None = None) -> int:
    """Run one command; returns the process exit code. Streams, settings, the environment (for
    ``NO_COLOR``) and the program name can be passed in for tests.

    A command given ``--json`` reports every error as ``{"error": ...}`` on standard output too,
    with the same non-zero exit status (1, or 2 for bad arguments).
    """
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    environ = os.environ if environ is None else environ
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(prog or program_name(sys.argv[0]))
    as_json = "--json" in argv
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            args = parser.parse_args(["run", *argv])
        if args.command == "doctor":  # before the settings are loaded: it reports bad ones
            from bot import doctor

            return doctor.run(offline=args.offline, as_json=args.json, write=stdout.write, settings=settings)
        settings = settings or load_settings()
        startup.setup_logging(settings.log_level, discord=args.command == "run" and bool(settings.discord_token))
        loops = startup.choose_search_loops(settings)
        color = not environ.get("NO_COLOR") and stdout.isatty()
        return _dispatch(args, settings, _Io(stdin, stdout, stderr, mark=BOLD if color else ("", "")), loops)
    except UsageError as exc:
        return _fail(str(exc), EXIT_USAGE, as_json=as_json, stdout=stdout, stderr=stderr)
    except NewsBotError as exc:
        return _fail(str(exc), EXIT_ERROR, as_json=as_json, stdout=stdout, stderr=stderr)
    except KeyboardInterrupt:
        stderr.write("\ninterrupted\n")
        return 130


def _fail(message: str, code: int, *, as_json: bool, stdout: TextIO, stderr: TextIO, **context: object) -> int:
    """One line on standard error, and with ``--json`` the same as ``{"error": ...}`` on standard output."""
    if as_json:
        _json_out(stdout, {**context, "error": message})
    stderr.write(f"error: {message}\n")
    return code


@dataclass(frozen=True, slots=True)
class _Io:
    """The streams a command reads and writes, and how it marks the matched sentence (bold or not)."""

    stdin: TextIO
    stdout: TextIO
    stderr: TextIO
    mark: tuple[str, str]


def _service(args: argparse.Namespace, settings: Settings, stderr: TextIO, *, rebuild: bool = False) -> NewsService:
    return _open(args, settings, stderr, rebuild=rebuild)[0]


def store_location(settings: Settings) -> StoreLocation:
    """Where the state added at run time is: SQLite files in the data folder, or PostgreSQL."""
    return StoreLocation(settings.data_dir, settings.database_url)


def _open(
    args: argparse.Namespace, settings: Settings, stderr: TextIO, *, rebuild: bool = False, need_library: bool = False
) -> tuple[NewsService, Library | None]:
    """The service over the shipped corpus plus every article added at run time (and the library)."""
    service = _shipped_service(args, settings, stderr, rebuild=rebuild)
    location = store_location(settings)
    if not (need_library or location.has_articles()):
        return service, None
    # Commands that only read open the store read-only: they work in a folder they cannot write.
    store = location.open_articles(read_only=not need_library)
    policy = FetchPolicy(timeout=settings.fetch_timeout_s, allow_private=settings.fetch_allow_private)
    library = Library(service, store, fetch_policy=policy)
    library.load_stored(warn=lambda text: stderr.write(f"warning: {text}\n"))
    return service, library


def _shipped_service(args: argparse.Namespace, settings: Settings, stderr: TextIO, *, rebuild: bool) -> NewsService:
    corpus = args.corpus or settings.corpus_dir
    if not corpus.exists():
        raise CorpusError(missing_corpus_message(corpus, settings))
    index_dir = args.index_dir or index_dir_for(settings, corpus)
    progress = ProgressBar(stderr) if (rebuild or stderr.isatty()) else None
    service = build_service(corpus, index_dir, rebuild=rebuild, progress=progress, must_save=rebuild)
    for warning in service.warnings:
        stderr.write(f"warning: {warning}\n")
    return service


def _dispatch(args: argparse.Namespace, settings: Settings, io: _Io, loops: kernels.LoopChoice) -> int:
    command, stdout, stderr = args.command, io.stdout, io.stderr
    as_json = bool(getattr(args, "json", False))
    guild = getattr(args, "guild", None)
    if command == "index":
        service = _service(args, settings, stderr, rebuild=True)
        articles, sentences = len(service.corpus.articles), service.sentence_count
        if as_json:
            _json_out(stdout, {"articles": articles, "sentences": sentences})
        else:
            stdout.write(f"indexed {plural(articles, 'article')}, {plural(sentences, 'sentence')}\n")
        return EXIT_OK
    if command == "ask":
        _check_range("--top", args.top, 1, 20)
        today = dt.date.today()  # the clock the question's "last week" or "in May" is read against
        try:
            since, until = NewsService.read_bounds(args.since, args.until, today=today)
        except NewsBotError as exc:
            raise UsageError(str(exc)) from exc
        service = _service(args, settings, stderr)
        when = _When(since, until, today)

        conversations: dict[str, Conversation] = {}  # JSON lines {"conversation": ID, "question": ...}

        def ask(question: str) -> int:
            if question.lstrip().startswith("{"):
                return _ask_in_conversation(service, question, conversations, top=args.top, guild=guild, when=when,
                                            as_json=as_json, io=io)  # fmt: skip
            return _answer_out(
                lambda: service.ask(question, top=args.top, since=when.since, until=when.until, today=when.today,
                                    guild_id=guild),
                question, as_json=as_json, io=io,
            )  # fmt: skip

        if args.question is not None:
            return ask(args.question)
        return max((ask(line) for line in io.stdin if line.strip()), default=EXIT_OK)
    if command == "quotes":
        _check_range("--top", args.top, 1, 20)
        service = _service(args, settings, stderr)
        return _answer_out(
            lambda: service.quotes(args.name, args.topic, top=args.top, guild_id=guild), args.name, as_json=as_json,
            io=io,
        )  # fmt: skip
    if command == "summary":
        return _summary(args, settings, io)
    if command == "articles":
        metas = _service(args, settings, stderr).articles(guild_id=guild)
        if as_json:
            _json_out(stdout, [article_json(m) for m in metas])
        else:
            stdout.write(render_articles(metas) + "\n")
        return EXIT_OK
    if command == "corpus":
        return _corpus(args, settings, io)
    if command == "insights":
        return _insights(args, settings, io)
    if command == "store":
        return _copy_store(args, settings, io)
    if command == "feeds":
        return run_feeds(
            args, settings, io.stdout, location=store_location(settings),
            open_library=lambda: _open(args, settings, io.stderr, need_library=True),
        )  # fmt: skip
    if command == "sync":
        if not settings.discord_token:
            raise NewsBotError("DISCORD_TOKEN is not set; sync needs the bot's token (see .env.example)")
        target = None if args.all_guilds else (args.guild or settings.discord_dev_guild_id)
        names = _sync_discord(_service(args, settings, stderr), settings, target)
        if as_json:
            _json_out(stdout, {"guild": target, "commands": names})
        else:
            where = f"server {target}" if target else "all servers (may take up to an hour to appear)"
            stdout.write(f"synced {plural(len(names), 'command')} to {where}: {', '.join(names)}\n")
        return EXIT_OK
    if command == "eval":
        from bot.evaluate import DEFAULT_DEPTH, EvalFileError, evaluate, parse_cases, render_report, report_json

        try:
            cases = parse_cases(args.file.read_text(encoding="utf-8").splitlines())
        except (OSError, UnicodeDecodeError) as exc:
            raise EvalFileError(f"cannot read {args.file}: {exc}") from exc
        service = _service(args, settings, stderr)
        report = evaluate(cases, lambda q: service.ask(q, top=DEFAULT_DEPTH))
        out = json.dumps(report_json(report), ensure_ascii=False) if as_json else render_report(report)
        stdout.write(out + "\n")
        return EXIT_OK
    if command == "chat":
        service, library = _open(args, settings, stderr, need_library=False)
        upkeep = _upkeep(args, settings, service, library, stderr)
        return run_chat(service, io.stdin, stdout, mark=io.mark, guild_id=guild, upkeep=upkeep)
    if command == "run":
        try:
            with startup.sigterm_raises():  # while starting and in the chat; the Discord loop has its own
                return _run(args, settings, io, loops)
        except startup.Stopped as stop:
            startup.log.info("received %s: stopped", stop.signal_name)
            return EXIT_OK
    raise AssertionError(f"unhandled command {command}")


def _run(args: argparse.Namespace, settings: Settings, io: _Io, loops: kernels.LoopChoice) -> int:
    """``run``: the Discord bot when a token is set, else the console chat; one start line."""
    plan = _shard_plan(args, settings)
    service, library = _open(args, settings, io.stderr, need_library=bool(settings.discord_token))
    upkeep = _upkeep(args, settings, service, library, io.stderr)
    described = startup.prepare_search(service.warm_up, loops)
    # The corpus lives as long as the process: keep it out of the collector's full passes, each of
    # which would otherwise walk it holding the interpreter (a stall of questions).
    gc.freeze()
    articles, sentences = len(service.corpus.articles), service.sentence_count

    def start_info(servers: int | None, shards: str | None = None) -> str:
        return startup.start_line(version=__version__, articles=articles, sentences=sentences, servers=servers,
                                  loops=described, shards=shards)  # fmt: skip

    if settings.discord_token:
        _run_discord(service, settings, library, start_info, upkeep, plan)
        startup.log.info("stopped")
        return EXIT_OK
    io.stderr.write("DISCORD_TOKEN is not set: starting the console chat instead (see .env.example).\n")
    startup.log.info(start_info(None))
    return run_chat(service, io.stdin, io.stdout, mark=io.mark, upkeep=upkeep)


def _shard_plan(args: argparse.Namespace, settings: Settings) -> ShardPlan:
    """``--shard-count`` / ``--shards`` over ``NEWSBOT_SHARD_COUNT`` / ``NEWSBOT_SHARDS``, checked together."""
    try:
        return plan_from_text(
            args.shard_count, args.shards, names=("--shard-count", "--shards"),
            default=ShardPlan(settings.shard_count, settings.shards),
        )  # fmt: skip
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def _check_range(option: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise UsageError(f"{option} must be between {low} and {high}")


def _json_out(stdout: TextIO, value: object) -> None:
    stdout.write(json.dumps(value, ensure_ascii=False) + "\n")
    stdout.flush()


def article_json(meta: ArticleMeta) -> dict[str, object]:
    """An article in listings: ``{"article", "title", "url", "published"}`` (``article`` is its id, as everywhere)."""
    return {"article": meta.id, "title": meta.title, "url": meta.url, "published": iso(meta.published)}


def _summary(args: argparse.Namespace, settings: Settings, io: _Io) -> int:
    """``summary ARTICLE`` or ``summary --about TOPIC``; an ambiguous ARTICLE lists the candidates."""
    _check_range("--sentences", args.sentences, 1, 20)
    if (args.article is None) == (args.about is None):
        raise UsageError("give an ARTICLE (id or title) or --about TOPIC, not both")
    service = _service(args, settings, io.stderr)
    if args.about is not None:
        topic = service.summarise_topic(args.about, sentences=args.sentences, guild_id=args.guild)
        text = json.dumps(topic_json(topic), ensure_ascii=False) if args.json else render_topic(topic)
        io.stdout.write(text + "\n")
        return EXIT_OK
    try:
        summary = service.summarise(args.article, sentences=args.sentences, guild_id=args.guild)
    except AmbiguousArticle as exc:
        count = len(exc.candidates)
        message = f"{args.article!r} matches {count} articles; give the id or more of the title"
        if args.json:
            _json_out(io.stdout, {"error": message, "candidates": list(exc.candidates)})
        io.stderr.write(f"error: {message}:\n")
        io.stderr.writelines(f"  {candidate}\n" for candidate in exc.candidates)
        return EXIT_ERROR
    text = json.dumps(summary_json(summary), ensure_ascii=False) if args.json else render_summary(summary)
    io.stdout.write(text + "\n")
    return EXIT_OK


@dataclass(frozen=True, slots=True)
class _When:
    since: dt.date | None
    until: dt.date | None
    today: dt.date


def _ask_in_conversation(
    service: NewsService,
    line: str,
    conversations: dict[str, Conversation],
    *,
    top: int,
    guild: int | None,
    when: _When,
    as_json: bool,
    io: _Io,
) -> int:
    """One JSON line ``{"conversation": ID, "question": ...}``: the question as the next turn of
    conversation ID (questions of one ID in order form one conversation)."""
    try:
        item = json.loads(line)
    except json.JSONDecodeError:
        item = None
    if not isinstance(item, dict) or not isinstance(item.get("question"), str):
        error = 'a JSON line must be an object {"conversation": "ID", "question": "..."}'
        return _fail(
            error, EXIT_ERROR, as_json=as_json, stdout=io.stdout, stderr=io.stderr, question=line.strip()[:200]
        )
    key = None if item.get("conversation") is None else str(item["conversation"])

    def get() -> Answer:
        exchange = service.converse(
            item["question"], conversations.get(key) if key is not None else None, top=top, guild_id=guild,
            since=when.since, until=when.until, today=when.today,
        )  # fmt: skip
        if key is not None:
            conversations[key] = exchange.conversation
        return exchange.answer

    return _answer_out(get, item["question"], as_json=as_json, io=io, extra={"conversation": key})


def _answer_out(
    get: Callable[[], Answer], question: str, *, as_json: bool, io: _Io, extra: dict[str, object] | None = None
) -> int:
    """Print the answer ``get`` makes (JSON, with the ``extra`` keys, or text), or its error in one line."""
    try:
        answer = get()
    except NewsBotError as exc:
        return _fail(str(exc), EXIT_ERROR, as_json=as_json, stdout=io.stdout, stderr=io.stderr,
                     question=question.strip()[:200], **(extra or {}))  # fmt: skip
    if as_json:
        _json_out(io.stdout, {**answer_json(answer), **(extra or {})})
    else:
        io.stdout.write(render_answer(answer, mark=io.mark) + "\n")
        io.stdout.flush()
    return EXIT_OK


def _upkeep(
    args: argparse.Namespace, settings: Settings, service: NewsService, library: Library | None, stderr: TextIO
) -> Upkeep:
    """What a running bot or chat does between questions: take in the articles other processes
    added to the store (or removed), and compact the index in the background when it is due."""
    location = store_location(settings)
    policy = FetchPolicy(timeout=settings.fetch_timeout_s, allow_private=settings.fetch_allow_private)

    def open_library() -> Library | None:  # the store made by another process after this one started
        if not location.has_articles():
            return None
        return Library(service, location.open_articles(read_only=True), fetch_policy=policy)

    upkeep = Upkeep(library, open_library=open_library, warn=lambda text: stderr.write(f"warning: {text}\n"))
    corpus_dir = args.corpus or settings.corpus_dir
    build = full_build(corpus_dir, location, service.tokenizer, fingerprint=service.corpus.fingerprint)
    upkeep.compactor = Compactor(
        service,
        build=build,
        texts=lambda ids: upkeep.library.stored_articles(ids) if upkeep.library is not None else {},
        policy=CompactionPolicy(share=settings.compact_share, min_articles=settings.compact_min_articles),
    )
    return upkeep


def _read_upload(path: Path) -> bytes:
    """The bytes of a file to add, read only up to the upload limit (``/dev/zero`` is refused at once)."""
    try:
        return read_limited(path, limit=MAX_UPLOAD_BYTES)
    except OSError as exc:
        raise CorpusError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except CorpusError as exc:
        raise CorpusError(f"{path}: {exc}") from exc


def _corpus(args: argparse.Namespace, settings: Settings, io: _Io) -> int:
    source: str = getattr(args, "source", "")
    is_file = args.corpus_command == "add" and not source.startswith(("http://", "https://"))
    data = _read_upload(Path(source)) if is_file else b""  # before the index is opened: a bad file fails fast
    _, library = _open(args, settings, io.stderr, need_library=True)
    assert library is not None
    where = f"server {args.guild}" if args.guild else "every server"
    if args.corpus_command == "list":
        metas = library.list(guild_id=args.guild)
        if args.json:
            _json_out(io.stdout, [{**article_json(m), "guild": args.guild} for m in metas])
        else:
            io.stdout.write((render_articles(metas) if metas else f"no articles added for {where}") + "\n")
        return EXIT_OK
    if args.corpus_command == "add":
        meta = library.add_file(Path(source).name, data, guild_id=args.guild) if is_file else library.add_url(
            source, guild_id=args.guild
        )
        text = f"added {meta.id}: {meta.title} (for {where})"
    else:
        meta = library.remove(args.article, guild_id=args.guild)
        text = f"removed {meta.id}: {meta.title}"
    if args.json:
        _json_out(io.stdout, {"action": args.corpus_command, **article_json(meta), "guild": args.guild})
    else:
        io.stdout.write(text + "\n")
    return EXIT_OK


def _copy_store(args: argparse.Namespace, settings: Settings, io: _Io) -> int:
    """``store copy --to URL``: the SQLite store of the data folder into an empty PostgreSQL database."""
    from bot.storage.copy import copy_store
    from bot.storage.postgres import PostgresDatabase, is_postgres_url

    if args.to is not None and not is_postgres_url(args.to):  # the setting was checked when it was read
        raise NewsBotError("--to must be a postgresql:// URL")
    url = args.to or settings.database_url  # the setting keeps the password off the command line
    if url is None:
        raise NewsBotError("give --to URL or set NEWSBOT_DATABASE_URL (postgresql://...)")
    target = PostgresDatabase(url)
    try:
        copied = copy_store(settings.data_dir, target, progress=lambda line: io.stderr.write(f"copied {line}\n"))
    finally:
        target.close()
    if args.json:
        _json_out(io.stdout, {"target": copied.target, "rows": copied.counts})
    else:
        total = sum(copied.counts.values())
        io.stdout.write(
            f"copied {plural(total, 'row')} into {copied.target}, each table's count checked; "
            "now set NEWSBOT_DATABASE_URL to it\n"
        )
    return EXIT_OK


def _insights(args: argparse.Namespace, settings: Settings, io: _Io) -> int:
    """What the Discord bot recorded in the data folder (nothing recorded yet: empty figures)."""
    _check_range("--days", args.days, 1, 3650)
    today = dt.date.today()
    location = store_location(settings)
    if location.has_bot_store():  # opened without importing discord.py
        found = location.open_bot_store().insights(guild_id=args.guild, days=args.days, today=today)
    else:
        found = build_insights([], [])
    if args.json:
        since = today - dt.timedelta(days=args.days - 1)
        _json_out(io.stdout, {"guild": args.guild, "since": since.isoformat(), **insights_json(found)})
    else:
        where = f"server {args.guild}" if args.guild else "every server"
        io.stdout.write(render_insights(found, heading=f"Questions in {where}, last {plural(args.days, 'day')}") + "\n")
    return EXIT_OK


def _sync_discord(service: NewsService, settings: Settings, guild: int | None) -> list[str]:
    import asyncio

    from bot.discord_adapter.runner import sync_commands  # Discord is imported only when it is used

    assert settings.discord_token is not None
    return asyncio.run(
        sync_commands(
            service,
            token=settings.discord_token,
            api_base=settings.discord_api_base,
            guild_id=guild,
            data_dir=settings.data_dir,
        )
    )


def _run_discord(
    service: NewsService,
    settings: Settings,
    library: Library | None,
    start_info: Callable[[int, str], str],
    upkeep: Upkeep,
    plan: ShardPlan,
) -> int:
    import asyncio

    from bot.discord_adapter.identify import FILE_NAME, FileIdentifyGate
    from bot.discord_adapter.runner import run_discord  # Discord is imported only when it is used

    assert settings.discord_token is not None
    location = store_location(settings)
    bot_store = location.open_bot_store()
    asyncio.run(
        run_discord(
            service,
            token=settings.discord_token,
            api_base=settings.discord_api_base,
            gateway_url=settings.discord_gateway_url,
            dev_guild_id=settings.discord_dev_guild_id,
            data_dir=settings.data_dir,
            message_content_intent=settings.discord_message_content,
            library=library,
            ask_cooldown_s=settings.ask_cooldown_s,
            corpus_cooldown_s=settings.corpus_cooldown_s,
            insights_days=settings.insights_days,
            invite_url=settings.invite_url,
            support_url=settings.support_url,
            feeds=_feeds_for(service, settings, library),
            bot_store=bot_store,
            start_info=start_info,
            upkeep=upkeep,
            upkeep_interval_s=settings.sync_interval_s,
            shard_count=plan.count,
            shard_ids=plan.ids,
            # IDENTIFY turns shared by every process: in the database when it is shared (several
            # machines), else in a file of the data folder (processes of one machine).
            identify_gate=bot_store if location.shared else FileIdentifyGate(settings.data_dir / FILE_NAME),
            identify_interval_s=settings.identify_interval_s,
        )
    )
    return EXIT_OK


def _feeds_for(service: NewsService, settings: Settings, library: Library | None) -> Feeds | None:
    """Feeds polled by the running bot, over the store of ``library`` (none without one)."""
    if library is None or not isinstance(library.store, SqlArticleStore):
        return None
    return build_feeds(service, library.store, settings)
