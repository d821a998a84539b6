"""The console chat: the same answers as the Discord bot, rendered as text, one question a line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TextIO

from bot import __version__
from bot.errors import NewsBotError
from bot.insights import plural
from bot.models import Conversation
from bot.render_text import render_answer, render_articles, render_summary, render_topic
from bot.service import NewsService

CHAT_HELP = """Ask a question about the articles, e.g. "what did Vance say?".
Commands: /summary TITLE  - key sentences of an article
          /topic TOPIC    - what the articles say about a topic, each sentence cited
          /articles       - list the articles
          /about          - this bot's version and articles
          /new            - start a new conversation (follow-ups such as "and Peskov?" read the last turns)
          /help           - this text
          quit            - leave (also exit, q, /quit or Ctrl-D)"""

QUIT_WORDS = frozenset({"quit", "exit", "q", "/quit", "/exit", "/q"})


def chat_reply(
    service: NewsService,
    text: str,
    conversation: Conversation,
    *,
    mark: tuple[str, str] = ("", ""),
    guild_id: int | None = None,
    today: dt.date | None = None,
) -> tuple[str, Conversation]:
    """What the chat prints for one line (a command or a question; errors are one line), and the
    conversation after it (a question is read as following the earlier ones; ``/new`` starts over)."""
    command, _, rest = text.partition(" ")
    try:
        if command == "/new":
            return "(a new conversation)", Conversation()
        if command.startswith("/"):
            return _command(service, command, rest, guild_id=guild_id), conversation
        exchange = service.converse(text, conversation, guild_id=guild_id, today=today or dt.date.today())
        return render_answer(exchange.answer, mark=mark), exchange.conversation
    except NewsBotError as exc:
        return f"error: {exc}", conversation


def _command(service: NewsService, command: str, rest: str, *, guild_id: int | None) -> str:
    """What a chat command prints; raises ``NewsBotError`` for a bad argument."""
    if command == "/help":
        return CHAT_HELP
    if command == "/articles":
        return render_articles(service.articles(guild_id=guild_id))
    if command == "/about" and not rest.strip():
        return f"newsbot {__version__}: {plural(len(service.articles(guild_id=guild_id)), 'article')}"
    if command in {"/topic", "/about"}:
        if not rest.strip():
            return "usage: /topic TOPIC"
        return render_topic(service.summarise_topic(rest, guild_id=guild_id))
    if command == "/summary":
        if not rest.strip():
            return "usage: /summary TITLE"
        return render_summary(service.summarise(rest, guild_id=guild_id))
    return f"unknown command {command}: type /help for the commands"


def run_chat(
    service: NewsService, stdin: TextIO, stdout: TextIO, *, mark: tuple[str, str] = ("", ""),
    guild_id: int | None = None, upkeep: Callable[[], None] | None = None,
) -> int:  # fmt: skip
    """Read lines until ``quit``/``exit``/``q`` or the end of input (Ctrl-D); returns exit status 0."""
    interactive = stdin.isatty()
    articles = len(service.articles(guild_id=guild_id))
    stdout.write(f"newsbot: {plural(articles, 'article')}, {plural(service.sentence_count, 'sentence')}. "
                 "Type /help for commands, quit to leave.\n")  # fmt: skip
    conversation = Conversation()
    while True:
        if interactive:
            stdout.write("? ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            if interactive:
                stdout.write("\n")
            return 0
        text = line.strip()
        if not text:
            continue
        if text.casefold() in QUIT_WORDS:
            return 0
        if upkeep is not None:
            upkeep()  # articles another process added or removed count from this question on
        out, conversation = chat_reply(service, text, conversation, mark=mark, guild_id=guild_id)
        stdout.write(out + "\n\n")
        stdout.flush()
