"""Command line and composition root: ``python -m bot ask|index|chat|run|summary|articles|sync``.

This is the only module that reads settings and builds objects; it hands the finished
``NewsService`` to a front end (terminal output, the console chat or the Discord bot).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import json
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot import __version__
from bot.compaction import CompactionPolicy, Compactor
from bot.config import Settings, load_settings
from bot.errors import AmbiguousArticle, CorpusError, NewsBotError
from bot.ingest.fetch import FetchPolicy
from bot.ingest.files import read_limited
from bot.ingest.sources import MAX_UPLOAD_BYTES
from bot.library import Library
from bot.models import Answer
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
from bot.service import NewsService, build_service
from bot.storage.sqlite import SqliteArticleStore
from bot.upkeep import Upkeep, full_build

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
BOLD = ("\033[1m", "\033[0m")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (every command and option has help text)."""
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Answer questions about news articles with cited, verbatim sentences."
    )
    parser.add_argument("--version", action="version", version=f"newsbot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", help="run \"python -m bot COMMAND --help\"")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument(
            "--corpus", type=Path, metavar="DIR", help="folder of articles (default: NEWSBOT_CORPUS_DIR or corpus/)"
        )
        p.add_argument(
            "--index-dir", type=Path, metavar="DIR", help="where the index is saved (default: NEWSBOT_INDEX_DIR)"
        )
        return p

    ask = add("ask", "Answer a question (or one question per line from standard input) with cited excerpts.")
    ask.add_argument("question", nargs="?", help="the question; omit it to read questions from standard input")
    ask.add_argument("--top", type=int, default=3, metavar="K", help="number of excerpts (1-20, default 3)")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument(
        "--since", metavar="DATE", help="only articles published on or after DATE (2025-05-01, May 2025, 2020, ...)"
    )
    ask.add_argument("--until", metavar="DATE", help="only articles published on or before DATE (forms as --since)")

    quotes = add("quotes", "What a person said (about a topic): their statements, quoted whole and cited.")
    quotes.add_argument("name", help='the person, as news writes them: "JD Vance", "Vance", "Mr Johnson"')
    quotes.add_argument("topic", nargs="?", help="only statements about this topic")
    quotes.add_argument("--top", type=int, default=3, metavar="K", help="number of statements (1-20, default 3)")
    quotes.add_argument("--json", action="store_true", help="print a JSON object (as ask --json)")

    add("index", "Build and save the search index of the corpus (with a progress bar).")
    add("chat", "Console chat: ask questions and read cited answers in the terminal.")
    add("run", "Start the Discord bot if DISCORD_TOKEN is set, otherwise the console chat.")

    summary = add(
        "summary",
        "Extractive summary of one article (its key sentences, verbatim and in order), or with --about, "
        "of what the articles say about a topic (each sentence cited).",
    )
    summary.add_argument("article", nargs="?", help="article id or title (a unique prefix is enough)")
    summary.add_argument("--about", metavar="TOPIC", help="summarise a topic across articles instead of one article")
    summary.add_argument("--sentences", type=int, default=3, metavar="N", help="number of sentences (1-20, default 3)")
    summary.add_argument("--json", action="store_true", help="print a JSON object")

    sync = add("sync", "Push the slash commands to Discord: to one server (immediate) or to all (up to an hour).")
    sync.add_argument(
        "--guild", type=int, metavar="ID", help="server id (default: DISCORD_DEV_GUILD_ID; none = global)"
    )
    sync.add_argument("--global", dest="all_guilds", action="store_true", help="sync globally even if a guild is set")

    corpus = sub.add_parser(
        "corpus", help="Add, remove or list articles added at run time (per server or for all).",
        description="Add, remove or list articles added at run time (per server with --guild, else for all servers).",
    )
    corpus_sub = corpus.add_subparsers(
        dest="corpus_command", metavar="ACTION", required=True, help="add, remove or list"
    )
    for action, text in (
        ("add", "Add an article from a .txt, .md or .html file or from a news page URL."),
        ("remove", "Remove an added article by id or title."),
        ("list", "List the added articles."),
    ):
        p = corpus_sub.add_parser(action, help=text, description=text)
        if action == "add":
            p.add_argument("source", help="path of a .txt/.md/.html file, or an http(s) URL")
        if action == "remove":
            p.add_argument("article", help="id or title of an added article")
        p.add_argument(
            "--guild", type=int, metavar="ID", help="the server's id (default: the corpus every server sees)"
        )
        p.add_argument("--corpus", type=Path, metavar="DIR", help="folder of shipped articles (default: corpus/)")
        p.add_argument("--index-dir", type=Path, metavar="DIR", help="where the index is saved")

    articles = add("articles", "List the articles of the corpus.")
    articles.add_argument("--json", action="store_true", help="print a JSON list")

    evaluate = add("eval", 'Score the answers on a JSON Lines file of {"question", "expected"}: P@1, R@5, MRR, misses.')
    evaluate.add_argument("file", type=Path, help="JSON Lines; 'expected' is a phrase the right excerpt contains")
    evaluate.add_argument("--json", action="store_true", help="print a JSON object (scores and every miss)")
    return parser


def main(argv: Sequence[str] | None = None, *, stdin: TextIO | None = None, stdout: TextIO | None = None,
         stderr: TextIO | None = None, settings: Settings | None = None) -> int:
    """Run one command; returns the process exit code. Streams and settings can be passed in for tests."""
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["run", *(argv or [])])
    try:
        settings = settings or load_settings()
        logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        return _dispatch(args, settings, stdin, stdout, stderr)
    except NewsBotError as exc:
        stderr.write(f"error: {exc}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        stderr.write("\ninterrupted\n")
        return 130


def _service(args: argparse.Namespace, settings: Settings, stderr: TextIO, *, rebuild: bool = False) -> NewsService:
    return _open(args, settings, stderr, rebuild=rebuild)[0]


def store_path(settings: Settings) -> Path:
    """The SQLite file of articles added at run time."""
    return settings.data_dir / "articles.sqlite3"


def _open(
    args: argparse.Namespace, settings: Settings, stderr: TextIO, *, rebuild: bool = False, need_library: bool = False
) -> tuple[NewsService, Library | None]:
    """The service over the shipped corpus plus every article added at run time (and the library)."""
    service = _shipped_service(args, settings, stderr, rebuild=rebuild)
    if not (need_library or store_path(settings).exists()):
        return service, None
    # Commands that only read open the store read-only: they work in a folder they cannot write.
    store = SqliteArticleStore(store_path(settings), read_only=not need_library)
    policy = FetchPolicy(timeout=settings.fetch_timeout_s, allow_private=settings.fetch_allow_private)
    library = Library(service, store, fetch_policy=policy)
    library.load_stored(warn=lambda text: stderr.write(f"warning: {text}\n"))
    return service, library


def _shipped_service(args: argparse.Namespace, settings: Settings, stderr: TextIO, *, rebuild: bool) -> NewsService:
    corpus = args.corpus or settings.corpus_dir
    # One index per corpus folder, so switching --corpus never clobbers another corpus's index.
    key = hashlib.sha256(str(corpus.resolve()).encode()).hexdigest()[:12]
    index_dir = args.index_dir or settings.index_dir / key
    progress = ProgressBar(stderr) if (rebuild or stderr.isatty()) else None
    service = build_service(corpus, index_dir, rebuild=rebuild, progress=progress, must_save=rebuild)
    for warning in service.warnings:
        stderr.write(f"warning: {warning}\n")
    return service


def _dispatch(args: argparse.Namespace, settings: Settings, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    command = args.command
    if command == "index":
        service = _service(args, settings, stderr, rebuild=True)
        stdout.write(f"indexed {len(service.corpus.articles):,} articles, {service.sentence_count:,} sentences\n")
        return EXIT_OK
    if command == "ask":
        if not 1 <= args.top <= 20:
            stderr.write("error: --top must be between 1 and 20\n")
            return EXIT_USAGE
        today = dt.date.today()  # the clock the question's "last week" or "in May" is read against
        try:
            since, until = NewsService.read_bounds(args.since, args.until, today=today)
        except NewsBotError as exc:
            stderr.write(f"error: {exc}\n")
            return EXIT_USAGE
        service = _service(args, settings, stderr)
        when = _When(since, until, today)
        if args.question is not None:
            return _ask_one(service, args.question, top=args.top, as_json=args.json, stdout=stdout, stderr=stderr,
                            when=when)  # fmt: skip
        status = EXIT_OK
        for line in stdin:
            if line.strip():
                code = _ask_one(service, line, top=args.top, as_json=args.json, stdout=stdout, stderr=stderr, when=when)
                status = max(status, code)
        return status
    if command == "quotes":
        if not 1 <= args.top <= 20:
            stderr.write("error: --top must be between 1 and 20\n")
            return EXIT_USAGE
        service = _service(args, settings, stderr)
        return _answer_out(
            lambda: service.quotes(args.name, args.topic, top=args.top), args.name, as_json=args.json,
            stdout=stdout, stderr=stderr,
        )  # fmt: skip
    if command == "summary":
        return _summary(args, settings, stdout, stderr)
    if command == "articles":
        metas = _service(args, settings, stderr).articles()
        if args.json:
            rows = [{"id": m.id, "title": m.title, "url": m.url, "published": iso(m.published)} for m in metas]
            stdout.write(json.dumps(rows, ensure_ascii=False) + "\n")
        else:
            stdout.write(render_articles(metas) + "\n")
        return EXIT_OK
    if command == "corpus":
        return _corpus(args, settings, stdout, stderr)
    if command == "sync":
        if not settings.discord_token:
            stderr.write("error: DISCORD_TOKEN is not set; sync needs the bot's token (see .env.example)\n")
            return EXIT_ERROR
        guild = None if args.all_guilds else (args.guild or settings.discord_dev_guild_id)
        names = _sync_discord(_service(args, settings, stderr), settings, guild)
        where = f"server {guild}" if guild else "all servers (may take up to an hour to appear)"
        stdout.write(f"synced {len(names)} commands to {where}: {', '.join(names)}\n")
        return EXIT_OK
    if command == "eval":
        from bot.evaluate import DEFAULT_DEPTH, EvalFileError, evaluate, parse_cases, render_report, report_json

        try:
            cases = parse_cases(args.file.read_text(encoding="utf-8").splitlines())
        except (OSError, UnicodeDecodeError) as exc:
            raise EvalFileError(f"cannot read {args.file}: {exc}") from exc
        service = _service(args, settings, stderr)
        report = evaluate(cases, lambda q: service.ask(q, top=DEFAULT_DEPTH))
        out = json.dumps(report_json(report), ensure_ascii=False) if args.json else render_report(report)
        stdout.write(out + "\n")
        return EXIT_OK
    if command in {"chat", "run"}:
        discord = command == "run" and bool(settings.discord_token)
        service, library = _open(args, settings, stderr, need_library=discord)
        upkeep = _upkeep(args, settings, service, library, stderr)
        if command == "run":
            service.warm_up()
            # The corpus lives as long as the process: keep it out of the collector's full passes,
            # each of which would otherwise walk it holding the interpreter (a stall of questions).
            gc.freeze()
        if discord:
            return _run_discord(service, settings, library, upkeep)
        if command == "run":
            stderr.write("DISCORD_TOKEN is not set: starting the console chat instead (see .env.example).\n")
        return _chat(service, stdin, stdout, upkeep=upkeep)
    raise AssertionError(f"unhandled command {command}")


def _summary(args: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO) -> int:
    """``summary ARTICLE`` or ``summary --about TOPIC``; an ambiguous ARTICLE lists the candidates."""
    if not 1 <= args.sentences <= 20:
        stderr.write("error: --sentences must be between 1 and 20\n")
        return EXIT_USAGE
    if (args.article is None) == (args.about is None):
        stderr.write("error: give an ARTICLE (id or title) or --about TOPIC, not both\n")
        return EXIT_USAGE
    service = _service(args, settings, stderr)
    if args.about is not None:
        topic = service.summarise_topic(args.about, sentences=args.sentences)
        text = json.dumps(topic_json(topic), ensure_ascii=False) if args.json else render_topic(topic)
        stdout.write(text + "\n")
        return EXIT_OK
    try:
        summary = service.summarise(args.article, sentences=args.sentences)
    except AmbiguousArticle as exc:
        count = len(exc.candidates)
        stderr.write(f"error: {args.article!r} matches {count} articles; give the id or more of the title:\n")
        stderr.writelines(f"  {candidate}\n" for candidate in exc.candidates)
        return EXIT_ERROR
    text = json.dumps(summary_json(summary), ensure_ascii=False) if args.json else render_summary(summary)
    stdout.write(text + "\n")
    return EXIT_OK


@dataclass(frozen=True, slots=True)
class _When:
    since: dt.date | None
    until: dt.date | None
    today: dt.date


def _ask_one(
    service: NewsService, question: str, *, top: int, as_json: bool, stdout: TextIO, stderr: TextIO, when: _When
) -> int:
    return _answer_out(
        lambda: service.ask(question, top=top, since=when.since, until=when.until, today=when.today),
        question, as_json=as_json, stdout=stdout, stderr=stderr,
    )  # fmt: skip


def _answer_out(
    get: Callable[[], Answer], question: str, *, as_json: bool, stdout: TextIO, stderr: TextIO
) -> int:
    """Print the answer ``get`` makes (JSON or text), or its error in one line."""
    try:
        answer = get()
    except NewsBotError as exc:
        if as_json:
            stdout.write(json.dumps({"question": question.strip()[:200], "error": str(exc)}, ensure_ascii=False) + "\n")
        stderr.write(f"error: {exc}\n")
        return EXIT_ERROR
    if as_json:
        stdout.write(json.dumps(answer_json(answer), ensure_ascii=False) + "\n")
    else:
        stdout.write(render_answer(answer, mark=BOLD if stdout.isatty() else ("", "")) + "\n")
    stdout.flush()
    return EXIT_OK


CHAT_HELP = """Ask a question about the articles, e.g. "what did Vance say?".
Commands: /summary TITLE  - key sentences of an article
          /about TOPIC    - what the articles say about a topic, each sentence cited
          /articles       - list the articles
          /help           - this text
          /quit           - leave (or Ctrl-D)"""


def _upkeep(
    args: argparse.Namespace, settings: Settings, service: NewsService, library: Library | None, stderr: TextIO
) -> Upkeep:
    """What a running bot or chat does between questions: take in the articles other processes
    added to the store (or removed), and compact the index in the background when it is due."""
    path = store_path(settings)
    policy = FetchPolicy(timeout=settings.fetch_timeout_s, allow_private=settings.fetch_allow_private)

    def open_library() -> Library | None:  # the store made by another process after this one started
        if not path.exists():
            return None
        return Library(service, SqliteArticleStore(path, read_only=True), fetch_policy=policy)

    upkeep = Upkeep(library, open_library=open_library, warn=lambda text: stderr.write(f"warning: {text}\n"))
    corpus_dir = args.corpus or settings.corpus_dir
    build = full_build(corpus_dir, path, service.tokenizer, fingerprint=service.corpus.fingerprint)
    upkeep.compactor = Compactor(
        service,
        build=build,
        texts=lambda ids: upkeep.library.stored_articles(ids) if upkeep.library is not None else {},
        policy=CompactionPolicy(share=settings.compact_share, min_articles=settings.compact_min_articles),
    )
    return upkeep


def _chat(service: NewsService, stdin: TextIO, stdout: TextIO, *, upkeep: Callable[[], None] | None = None) -> int:
    """The console chat: the same answers as the Discord bot, rendered as text. ``upkeep`` runs
    before each question (articles another process added are searchable from the next one)."""
    interactive = stdin.isatty()
    stdout.write(f"newsbot: {len(service.corpus.articles)} articles, {service.sentence_count:,} sentences. "
                 "Type /help for commands.\n")
    mark = BOLD if stdout.isatty() else ("", "")
    while True:
        if interactive:
            stdout.write("? ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            return EXIT_OK
        text = line.strip()
        if not text:
            continue
        if upkeep is not None:
            upkeep()
        command, _, rest = text.partition(" ")
        try:
            if command in {"/quit", "/exit"}:
                return EXIT_OK
            if command == "/help":
                out = CHAT_HELP
            elif command == "/articles":
                out = render_articles(service.articles())
            elif command == "/about":
                out = render_topic(service.summarise_topic(rest)) if rest.strip() else "usage: /about TOPIC"
            elif command == "/summary":
                out = render_summary(service.summarise(rest)) if rest.strip() else "usage: /summary TITLE"
            else:
                out = render_answer(service.ask(text, today=dt.date.today()), mark=mark)
        except NewsBotError as exc:
            out = f"error: {exc}"
        stdout.write(out + "\n\n")
        stdout.flush()


def _read_upload(path: Path) -> bytes:
    """The bytes of a file to add, read only up to the upload limit (``/dev/zero`` is refused at once)."""
    try:
        return read_limited(path, limit=MAX_UPLOAD_BYTES)
    except OSError as exc:
        raise CorpusError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except CorpusError as exc:
        raise CorpusError(f"{path}: {exc}") from exc


def _corpus(args: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO) -> int:
    source: str = getattr(args, "source", "")
    is_file = args.corpus_command == "add" and not source.startswith(("http://", "https://"))
    data = _read_upload(Path(source)) if is_file else b""  # before the index is opened: a bad file fails fast
    _, library = _open(args, settings, stderr, need_library=True)
    assert library is not None
    where = f"server {args.guild}" if args.guild else "every server"
    if args.corpus_command == "add":
        if is_file:
            meta = library.add_file(Path(source).name, data, guild_id=args.guild)
        else:
            meta = library.add_url(source, guild_id=args.guild)
        stdout.write(f"added {meta.id}: {meta.title} (for {where})\n")
    elif args.corpus_command == "remove":
        meta = library.remove(args.article, guild_id=args.guild)
        stdout.write(f"removed {meta.id}: {meta.title}\n")
    else:
        metas = library.list(guild_id=args.guild)
        stdout.write((render_articles(metas) if metas else f"no articles added for {where}") + "\n")
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


def _run_discord(service: NewsService, settings: Settings, library: Library | None, upkeep: Upkeep) -> int:
    import asyncio

    from bot.discord_adapter.runner import run_discord  # Discord is imported only when it is used

    assert settings.discord_token is not None
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
            upkeep=upkeep,
            upkeep_interval_s=settings.sync_interval_s,
        )
    )
    return EXIT_OK
