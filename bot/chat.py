"""The console chat: the same answers as the Discord bot, rendered as text, one question a line."""

from __future__ import annotations

import datetime as dt
from typing import TextIO

from bot import __version__
from bot.errors import NewsBotError
from bot.insights import plural
from bot.render_text import render_answer, render_articles, render_summary, render_topic
from bot.service import NewsService

CHAT_HELP = """Ask a question about the articles, e.g. "what did Vance say?".
Commands: /summary TITLE  - key sentences of an article
          /topic TOPIC    - what the articles say about a topic, each sentence cited
          /articles       - list the articles
          /about          - this bot's version and articles
          /help           - this text
          quit            - leave (also exit, q, /quit or Ctrl-D)"""

QUIT_WORDS = frozenset({"quit", "exit", "q", "/quit", "/exit", "/q"})


def chat_reply(service: NewsService, text: str, *, mark: tuple[str, str] = ("", ""), guild_id: int | None = None,
               today: dt.date | None = None) -> str:  # fmt: skip
    """What the chat prints for one line (a command or a question); errors are one line."""
    command, _, rest = text.partition(" ")
    try:
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
        return render_answer(service.ask(text, today=today or dt.date.today(), guild_id=guild_id), mark=mark)
    except NewsBotError as exc:
        return f"error: {exc}"


def run_chat(
    service: NewsService, stdin: TextIO, stdout: TextIO, *, mark: tuple[str, str] = ("", ""),
    guild_id: int | None = None,
) -> int:  # fmt: skip
    """Read lines until ``quit``/``exit``/``q`` or the end of input (Ctrl-D); returns exit status 0."""
    interactive = stdin.isatty()
    articles = len(service.articles(guild_id=guild_id))
    stdout.write(f"newsbot: {plural(articles, 'article')}, {plural(service.sentence_count, 'sentence')}. "
                 "Type /help for commands, quit to leave.\n")  # fmt: skip
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
        stdout.write(chat_reply(service, text, mark=mark, guild_id=guild_id) + "\n\n")
        stdout.flush()
