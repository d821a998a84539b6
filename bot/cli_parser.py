"""The command line's arguments: every command with its options, help text and examples.

``build_parser(prog)`` is pure; ``program_name`` turns ``sys.argv[0]`` into the name the user typed.
Errors in the arguments raise ``UsageError`` (exit status 2) instead of exiting, so the caller
can report them the way the command asked (``--json`` or a line on standard error).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import NoReturn

from bot import __version__
from bot.cli_feeds import add_feeds_parser
from bot.errors import NewsBotError


class UsageError(NewsBotError):
    """Bad arguments or option values (exit status 2)."""


class Parser(argparse.ArgumentParser):
    """An argument parser that raises ``UsageError`` instead of printing and exiting."""

    def error(self, message: str) -> NoReturn:
        """Raise instead of exiting; the message names the command."""
        raise UsageError(f"{self.prog}: {message}")


def program_name(argv0: str) -> str:
    """``python -m bot`` when run as a module, else the script's own name (``newsbot``)."""
    name = os.path.basename(argv0 or "")
    return "python -m bot" if name in {"", "__main__.py", "-c"} else name


# Examples shown by each command's --help; "{prog}" is the program name.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "ask": (
        '{prog} ask "what did Vance say?"',
        '{prog} ask "how many drones did Russia launch?" --top 1 --json',
        '{prog} ask "what happened to the bridge?" --since 2025-05-01 --until "May 2025"',
        "printf 'q1\\nq2\\n' | {prog} ask --json",
        '{prog} ask "when does the ferry run?" --guild 1234',
    ),
    "quotes": ('{prog} quotes "Boris Johnson"', '{prog} quotes Johnson "the curbs" --top 5 --json'),
    "index": ("{prog} index", "{prog} index --corpus ~/news --json"),
    "chat": ("{prog} chat", "{prog} chat --guild 1234"),
    "run": (
        "{prog} run",
        "DISCORD_TOKEN=... {prog} run",
        "{prog} run --shard-count 4 --shards 0,1   # and in a second process: --shard-count 4 --shards 2,3",
    ),
    "summary": (
        '{prog} summary "trump and putin" --sentences 3',
        '{prog} summary --about "prisoner swap" --json',
    ),
    "sync": ("{prog} sync --guild 1234", "{prog} sync --global --json"),
    "store": ("{prog} store copy   # into NEWSBOT_DATABASE_URL", "{prog} store copy --to postgresql://newsbot@db:5432/newsbot"),
    "corpus": (
        "{prog} corpus add article.html",
        "{prog} corpus add https://example.org/story --guild 1234",
        '{prog} corpus remove "Harbour bridge"',
        "{prog} corpus list --json",
    ),
    "articles": ("{prog} articles", "{prog} articles --guild 1234 --json"),
    "eval": (
        "{prog} eval questions.jsonl",
        "{prog} eval questions.jsonl --json",
        'questions.jsonl: {{"question": "who reopened the bridge?", "expected": "Mayor Varga"}}',
        '                 {{"question": "what is the capital of Australia?", "expected": null}}  (must abstain)',
    ),
    "insights": ("{prog} insights", "{prog} insights --guild 1234 --days 7 --json"),
    "doctor": ("{prog} doctor", "{prog} doctor --offline --json"),
}


def _examples(prog: str, name: str) -> str:
    return "examples:\n" + "\n".join(f"  {line.format(prog=prog)}" for line in EXAMPLES[name])


def build_parser(prog: str = "python -m bot") -> Parser:
    """The argument parser (every command and option has help text, every command examples)."""
    parser = Parser(
        prog=prog,
        description="Answer questions about news articles with cited, verbatim sentences.",
        epilog=f'run "{prog} COMMAND --help" for a command\'s options and examples',
    )
    parser.add_argument("--version", action="version", version=f"newsbot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", help=f'run "{prog} COMMAND --help"')

    def command(name: str, help_text: str, *, corpus: bool = True, json: bool = False) -> Parser:
        p = sub.add_parser(
            name, help=help_text, description=help_text, epilog=_examples(prog, name),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )  # fmt: skip
        if corpus:
            p.add_argument(
                "--corpus", type=Path, metavar="DIR", help="folder of articles (default: NEWSBOT_CORPUS_DIR or corpus/)"
            )
            p.add_argument(
                "--index-dir", type=Path, metavar="DIR", help="where the index is saved (default: NEWSBOT_INDEX_DIR)"
            )
        if json:
            p.add_argument("--json", action="store_true", help="print JSON (errors too: {\"error\": ...})")
        return p

    def guild(p: argparse.ArgumentParser, text: str = "answer as this Discord server sees the articles") -> None:
        p.add_argument("--guild", type=int, metavar="ID", help=f"server id: {text}")

    ask = command(
        "ask", "Answer a question (or one question per line from standard input) with cited excerpts.", json=True
    )
    ask.add_argument("question", nargs="?", help="the question; omit it to read questions from standard input")
    ask.add_argument("--top", type=int, default=3, metavar="K", help="number of excerpts (1-20, default 3)")
    ask.add_argument(
        "--since", metavar="DATE", help="only articles published on or after DATE (2025-05-01, May 2025, 2020, ...)"
    )
    ask.add_argument("--until", metavar="DATE", help="only articles published on or before DATE (forms as --since)")
    guild(ask)

    quotes = command(
        "quotes", "What a person said (about a topic): their statements, quoted whole and cited.", json=True
    )
    quotes.add_argument("name", help='the person, as news writes them: "JD Vance", "Vance", "Mr Johnson"')
    quotes.add_argument("topic", nargs="?", help="only statements about this topic")
    quotes.add_argument("--top", type=int, default=3, metavar="K", help="number of statements (1-20, default 3)")
    guild(quotes)

    command("index", "Build and save the search index of the corpus (with a progress bar).", json=True)
    guild(command("chat", "Console chat: ask questions and read cited answers in the terminal."))
    run = command("run", "Start the Discord bot if DISCORD_TOKEN is set, otherwise the console chat.")
    run.add_argument(
        "--shard-count", metavar="N",
        help="shards of the whole bot, the same in every process (default: NEWSBOT_SHARD_COUNT, else Discord's "
        "recommendation)",
    )  # fmt: skip
    run.add_argument(
        "--shards", metavar="IDS",
        help="the shards this process runs, e.g. 0,1 or 0-3 (default: NEWSBOT_SHARDS, else all; needs --shard-count)",
    )  # fmt: skip

    summary = command(
        "summary",
        "Extractive summary of one article (its key sentences, verbatim and in order), or with --about, "
        "of what the articles say about a topic (each sentence cited).",
        json=True,
    )
    summary.add_argument("article", nargs="?", help="article id or title (a unique prefix is enough)")
    summary.add_argument("--about", metavar="TOPIC", help="summarise a topic across articles instead of one article")
    summary.add_argument("--sentences", type=int, default=3, metavar="N", help="number of sentences (1-20, default 3)")
    guild(summary)

    sync = command(
        "sync", "Push the slash commands to Discord: to one server (immediate) or to all (up to an hour).", json=True
    )
    sync.add_argument(
        "--guild", type=int, metavar="ID", help="server id (default: DISCORD_DEV_GUILD_ID; none = global)"
    )
    sync.add_argument("--global", dest="all_guilds", action="store_true", help="sync globally even if a guild is set")

    corpus = command(
        "corpus", "Add, remove or list articles added at run time (per server with --guild, else for all servers).",
        corpus=False,
    )  # fmt: skip
    corpus_sub = corpus.add_subparsers(
        dest="corpus_command", metavar="ACTION", required=True, help="add, remove or list"
    )
    for action, text in (
        ("add", "Add an article from a .txt, .md or .html file or from a news page URL."),
        ("remove", "Remove an added article by id or title."),
        ("list", "List the added articles."),
    ):
        p = corpus_sub.add_parser(
            action, help=text, description=text, epilog=_examples(prog, "corpus"),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )  # fmt: skip
        if action == "add":
            p.add_argument("source", help="path of a .txt/.md/.html file, or an http(s) URL")
        if action == "remove":
            p.add_argument("article", help="id or title of an added article")
        p.add_argument(
            "--guild", type=int, metavar="ID", help="the server's id (default: the corpus every server sees)"
        )
        p.add_argument("--corpus", type=Path, metavar="DIR", help="folder of shipped articles (default: corpus/)")
        p.add_argument("--index-dir", type=Path, metavar="DIR", help="where the index is saved")
        p.add_argument("--json", action="store_true", help="print JSON (errors too: {\"error\": ...})")

    guild(command("articles", "List the articles of the corpus.", json=True), "list what this Discord server sees")

    evaluate = command(
        "eval",
        'Score the answers on a JSON Lines file of {"question", "expected"}: P@1, R@5, MRR, misses. '
        '"expected": null means the bot should abstain.',
        json=True,
    )
    evaluate.add_argument("file", type=Path, help="JSON Lines; 'expected' is a phrase the right excerpt contains")

    insights = command(
        "insights",
        "How the Discord bot is used: questions per day (answered or not), votes, the most asked questions and "
        "the coverage gaps (unanswered questions grouped by their main words).",
        corpus=False,
        json=True,
    )
    insights.add_argument("--guild", type=int, metavar="ID", help="one server only (default: every server)")
    insights.add_argument(
        "--days", type=int, default=30, metavar="N", help="days back, today included (1-3650, default 30)"
    )
    add_feeds_parser(sub)

    store = sub.add_parser(
        "store", help="Move the stored state (articles added, feeds, settings, votes) into PostgreSQL.",
        description="Copy the SQLite store of the data folder into an empty PostgreSQL database, once, "
        "checked by counts; then set NEWSBOT_DATABASE_URL to it.",
        epilog=_examples(prog, "store"), formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    store_actions = store.add_subparsers(dest="store_command", metavar="ACTION", required=True, help="copy")
    copy = store_actions.add_parser("copy", help="Copy the SQLite store into PostgreSQL.",
                                    description="Copy the SQLite store into an empty PostgreSQL database.")  # fmt: skip
    copy.add_argument(
        "--to", metavar="URL",
        help="postgresql://user:password@host:5432/dbname (default: NEWSBOT_DATABASE_URL, which keeps the password "
        "out of the shell's history)",
    )  # fmt: skip
    copy.add_argument("--json", action="store_true", help="print JSON (errors too: {\"error\": ...})")

    doctor = sub.add_parser(
        "doctor", help="Check settings, token, data folder, corpus, index, store and Discord's reachability.",
        description="Check what the bot needs, one line each with ✓ or ✗ and what to do; exit status 1 if any fails.",
        epilog=_examples(prog, "doctor"), formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    doctor.add_argument("--offline", action="store_true", help="skip the Discord reachability checks")
    doctor.add_argument("--json", action="store_true", help="print a JSON object")
    return parser
