"""Start the bot (``run_discord``) or push its slash commands (``sync_commands``).

Called lazily by the command line; everything is passed in, nothing is read from the environment.
"""

from __future__ import annotations

import logging
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
from bot.discord_adapter.store import BotStore
from bot.library import Library
from bot.service import NewsService

log = logging.getLogger(__name__)


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
    **options: Any,  # noqa: ANN401 - NewsBot / discord.Client options
) -> NewsBot:
    """The bot with its store opened in ``data_dir``."""
    return NewsBot(
        service=service,
        store=BotStore.open(data_dir),
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
    upkeep: Callable[[], object] | None = None,
    upkeep_interval_s: float = 2.0,
) -> None:
    """Connect and serve until cancelled or disconnected for good.

    ``library`` enables ``/corpus`` (the same ``service`` must be the one it adds articles to).
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
            upkeep=upkeep,
            upkeep_interval_s=upkeep_interval_s,
        )
        try:
            async with bot:
                await bot.start(token)
        except discord.LoginFailure as exc:
            raise DiscordStartupError("Discord rejected the token (check DISCORD_TOKEN).") from exc
        except discord.PrivilegedIntentsRequired as exc:
            raise DiscordStartupError(
                "Discord refused the Message Content intent: enable it in the Developer Portal "
                "(Bot > Privileged Gateway Intents) or set DISCORD_MESSAGE_CONTENT=false."
            ) from exc


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
