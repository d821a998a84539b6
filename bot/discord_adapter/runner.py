"""Start the bot (``run_discord``) or push its slash commands (``sync_commands``).

Called lazily by the command line; everything is passed in, nothing is read from the environment.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.discord_adapter.client import NewsBot
from bot.discord_adapter.errors import DiscordStartupError
from bot.discord_adapter.identify import IdentifyGate
from bot.discord_adapter.store import BotStore
from bot.feeds.follow import Feeds
from bot.library import Library
from bot.service import NewsService

log = logging.getLogger(__name__)

SHARD_REFUSALS = {
    4010: "Discord refused the shard ({plan}): every process must be given the same --shard-count "
    "(NEWSBOT_SHARD_COUNT), and its --shards must lie below it.",
    4011: "Discord requires more shards than {plan}: raise --shard-count (NEWSBOT_SHARD_COUNT), or leave it "
    "unset for Discord's recommended count.",
}  # gateway close codes that no reconnect can fix


@contextmanager
def discord_endpoints(api_base: str | None, gateway_url: str | None) -> Iterator[None]:
    """Point discord.py at another REST base / gateway (a local double or a proxy) while inside.

    discord.py reads both from class attributes at request/connect time, so this is process-wide;
    the previous values are restored on exit.
    """
    old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    try:
        if api_base:
            Route.BASE = api_base.rstrip("/")
        if gateway_url:
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway


def create_bot(
    service: NewsService,
    *,
    data_dir: Path,
    dev_guild_id: int | None,
    message_content_intent: bool,
    bot_store: BotStore | None = None,
    **options: Any,  # noqa: ANN401 - NewsBot / discord.Client options
) -> NewsBot:
    """The bot with ``bot_store``, or its store opened in ``data_dir``."""
    return NewsBot(
        service=service,
        store=bot_store or BotStore.open(data_dir),
        dev_guild_id=dev_guild_id,
        message_content_intent=message_content_intent,
        **options,
    )


async def run_discord(
    service: NewsService,
    *,
    token: str,
    api_base: str | None,
    gateway_url: str | None,
    dev_guild_id: int | None,
    data_dir: Path,
    message_content_intent: bool,
    library: Library | None = None,
    ask_cooldown_s: float = 3.0,
    corpus_cooldown_s: float = 30.0,
    feeds: Feeds | None = None,
    start_info: Callable[[int, str], str] | None = None,
    stop_signals: tuple[signal.Signals, ...] = (signal.SIGTERM,),
    upkeep: Callable[[], object] | None = None,
    upkeep_interval_s: float = 2.0,
    shard_count: int | None = None,
    shard_ids: tuple[int, ...] | None = None,
    identify_gate: IdentifyGate | None = None,
    identify_interval_s: float = 5.0,
    **options: Any,  # noqa: ANN401 - further NewsBot options (insights_days, invite_url, support_url)
) -> None:
    """Connect and serve until cancelled, disconnected for good, or sent one of ``stop_signals``
    (what Docker and systemd send to stop a service): then the Discord connection is closed, page
    fetches are stopped, running work ends (each store change is one transaction) and this returns.
    ``start_info(servers, shards)`` is the line logged once the bot is ready.
    ``shard_count`` / ``shard_ids`` choose the shards this process runs (default: as many as Discord
    recommends, all here); ``identify_gate`` paces their IDENTIFYs with the other processes'.

    ``library`` enables ``/corpus`` (the same ``service`` must be the one it adds articles to);
    ``feeds`` enables ``/feeds`` and the poll loop (indexing into the same ``service``).
    ``upkeep`` runs on a thread every ``upkeep_interval_s`` seconds (see ``NewsBot``).
    Dropped gateway connections are resumed (or re-identified) and REST 429s waited out by
    discord.py. Raises ``DiscordStartupError`` with a readable message when Discord refuses the
    token or the Message Content intent.
    """
    with discord_endpoints(api_base, gateway_url):
        bot = create_bot(
            service,
            data_dir=data_dir,
            dev_guild_id=dev_guild_id,
            message_content_intent=message_content_intent,
            library=library,
            ask_cooldown_s=ask_cooldown_s,
            corpus_cooldown_s=corpus_cooldown_s,
            feeds=feeds,
            start_info=start_info,
            upkeep=upkeep,
            upkeep_interval_s=upkeep_interval_s,
            shard_count=shard_count,
            shard_ids=shard_ids,
            identify_gate=identify_gate,
            identify_interval_s=identify_interval_s,
            **options,
        )
        try:
            async with bot:
                with _closing_on(stop_signals, bot):
                    await bot.start(token)
        except discord.LoginFailure as exc:
            raise DiscordStartupError("Discord rejected the token (check DISCORD_TOKEN).") from exc
        except discord.PrivilegedIntentsRequired as exc:
            raise DiscordStartupError(
                "Discord refused the Message Content intent: enable it in the Developer Portal "
                "(Bot > Privileged Gateway Intents) or set DISCORD_MESSAGE_CONTENT=false."
            ) from exc
        except discord.ConnectionClosed as exc:
            message = SHARD_REFUSALS.get(exc.code)
            if message is None:
                raise
            raise DiscordStartupError(message.format(plan=bot.shards_text())) from exc


@contextmanager
def _closing_on(signals: tuple[signal.Signals, ...], bot: NewsBot) -> Iterator[None]:
    """While inside, each of ``signals`` logs one line and closes ``bot`` (so ``bot.start`` returns)."""
    loop = asyncio.get_running_loop()
    closing: list[asyncio.Task[None]] = []  # a reference keeps the task alive

    def stop(sig: signal.Signals) -> None:
        log.info("received %s: closing the Discord connection", sig.name)
        if not closing:
            closing.append(loop.create_task(bot.close()))

    for sig in signals:
        loop.add_signal_handler(sig, stop, sig)
    try:
        yield
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


async def sync_commands(
    service: NewsService,
    *,
    token: str,
    api_base: str | None,
    guild_id: int | None,
    data_dir: Path,
) -> list[str]:
    """Push the slash commands to one guild (immediate) or globally (``guild_id=None``).

    Logs in over REST only (no gateway) and returns the synced command names.
    """
    with discord_endpoints(api_base, None):
        bot = create_bot(service, data_dir=data_dir, dev_guild_id=None, message_content_intent=False)
        try:
            async with bot:
                await bot.login(token)
                if guild_id is None:
                    synced = await bot.tree.sync()
                else:
                    guild = discord.Object(id=guild_id)
                    bot.tree.copy_global_to(guild=guild)
                    synced = await bot.tree.sync(guild=guild)
        except discord.LoginFailure as exc:
            raise DiscordStartupError("Discord rejected the token (check DISCORD_TOKEN).") from exc
    names = sorted(command.name for command in synced)
    log.info("synced %s to %s", ", ".join(names), f"guild {guild_id}" if guild_id else "all guilds")
    return names
