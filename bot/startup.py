"""Running as a service: logging, the search loops' choice and cache, the start line, and SIGTERM.

Used by the composition root (``bot.cli``) only; everything is passed in.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from bot.config import Settings
from bot.retrieval import kernels

log = logging.getLogger("bot")

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class Stopped(BaseException):  # a stop request, not an error (BaseException, like Ctrl-C)
    """The process was asked to stop (SIGTERM) while it ran the console chat."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name


def numba_cache_dir(settings: Settings) -> Path:
    """Where numba keeps the search loops' machine code: in the data folder, not the installed package."""
    return settings.data_dir / "numba-cache"


def choose_search_loops(settings: Settings, environ: MutableMapping[str, str] | None = None) -> kernels.LoopChoice:
    """Select the search loops (``NEWSBOT_NUMBA``) and their cache folder before numba is imported
    (numba reads ``NUMBA_CACHE_DIR`` at import; one set by the user wins)."""
    environ = os.environ if environ is None else environ
    if "numba" not in sys.modules:  # once imported, numba keeps the folder it read
        environ.setdefault("NUMBA_CACHE_DIR", str(numba_cache_dir(settings).absolute()))
    cache = environ.get("NUMBA_CACHE_DIR")
    choice = kernels.LoopChoice(use_numba=settings.numba != "off", cache_dir=Path(cache) if cache else None)
    kernels.choose(choice)
    return choice


def setup_logging(level: str, *, discord: bool, environ: Mapping[str, str] | None = None) -> None:
    """Log to standard error at ``level``: discord.py's own setup when the bot connects to Discord
    (colours only on a terminal and without ``NO_COLOR``: discord.py would colour a container's
    logs too), else the plain format. The voice warnings discord.py prints at every start are
    switched off: this bot has no voice."""
    environ = os.environ if environ is None else environ
    if not discord:
        logging.basicConfig(level=level, format=LOG_FORMAT)
        return
    import discord as discord_py  # imported only for the Discord front end

    for flag in ("warn_nacl", "warn_dave"):  # warn_dave: discord.py 2.7+
        if hasattr(discord_py.VoiceClient, flag):
            setattr(discord_py.VoiceClient, flag, False)
    colour = sys.stderr.isatty() and not environ.get("NO_COLOR")
    plain = logging.Formatter(LOG_FORMAT)
    if colour:
        discord_py.utils.setup_logging(level=logging.getLevelName(level), root=True)
    else:
        discord_py.utils.setup_logging(level=logging.getLevelName(level), root=True, formatter=plain)


def prepare_search(warm_up: Callable[[], None], choice: kernels.LoopChoice) -> str:
    """Load (or compile, the first time, saying so) the search loops by calling ``warm_up``, then
    log which loops are used; returns their description for the start line."""
    if kernels.needs_compiling(choice):
        log.info("preparing search (first start only)…")
    warm_up()
    loops = kernels.describe()
    log.info("search loops: %s", loops)
    return loops


def start_line(
    *, version: str, articles: int, sentences: int, servers: int | None, loops: str, shards: str | None = None
) -> str:
    """The one line logged when the bot is up; ``shards`` names the Discord shards this process runs."""
    where = "console chat" if servers is None else f"{servers} server{'s' if servers != 1 else ''}"
    if shards:
        where += f", {shards}"
    return (
        f"newsbot {version} started: {articles:,} article{'s' if articles != 1 else ''}, "
        f"{sentences:,} sentences, {where}, search loops {loops}"
    )


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """While inside, SIGTERM raises ``Stopped`` in the main thread (the console chat ends at once;
    it writes nothing). The previous handler is restored on exit."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise Stopped(signal.Signals(signum).name)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
