"""``/corpus add|remove|list``: a server's own articles, managed by its admins (Manage Server).

The work is the core's (``bot.library.Library``): this cog checks who asks and what was given,
downloads an attachment within limits, runs the change off the event loop (a URL on the bot's
fetch pool, within its per-server limit) and says what happened.
Every reply is private to the admin.
"""

from __future__ import annotations

import asyncio
from pathlib import PurePosixPath

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_adapter.client import NewsBot
from bot.discord_adapter.downloads import read_limited, too_big
from bot.discord_adapter.errors import NO_MENTIONS
from bot.discord_adapter.render import CHOICE_COUNT_LIMIT, added_text, autocomplete_choices, removed_text
from bot.discord_adapter.views import ArticlesView, listed_message
from bot.errors import NewsBotError
from bot.library import Library

UPLOAD_LIMIT_BYTES = 2_000_000  # the core refuses bigger uploads too; checked here before downloading
UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm")
DOWNLOAD_TIMEOUT_S = 20.0
URL_MAX = 2000
PER_PAGE = 10


class CorpusInputError(NewsBotError):
    """What was given to ``/corpus`` cannot be used (said in one line)."""


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Corpus(commands.GroupCog, group_name="corpus", group_description="This server's own articles (Manage Server)."):
    """The ``/corpus`` group."""

    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        self._session: aiohttp.ClientSession | None = None
        super().__init__()

    async def cog_unload(self) -> None:
        """Close the download session."""
        if self._session is not None:
            await self._session.close()

    def _library(self) -> Library:
        if self.bot.library is None:
            raise CorpusInputError("Adding articles is not enabled on this bot.")
        return self.bot.library

    @app_commands.command(name="add", description="Add an article: attach a .txt, .md or .html file, or give a URL.")
    @app_commands.describe(file="A .txt, .md or .html file with the article", url="The address of a news page")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def add(
        self,
        interaction: discord.Interaction,
        file: discord.Attachment | None = None,
        url: app_commands.Range[str, 1, URL_MAX] | None = None,
    ) -> None:
        """Check the input, then add the article for this server; it is searchable as soon as this answers."""
        guild_id = _guild_id(interaction)
        library = self._library()
        if (file is None) == (url is None):
            raise CorpusInputError("Give one article: attach a file or give a url (not both).")
        if file is not None:
            check_attachment(file.filename, file.size)
        else:
            self.bot.fetches.check(guild_id)  # refused before the cooldown is charged
        self.bot.corpus_cooldown.hit(interaction.user.id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        if file is not None:
            data = await read_limited(self._http(), file.url, limit=UPLOAD_LIMIT_BYTES, timeout=DOWNLOAD_TIMEOUT_S)
            meta = await asyncio.to_thread(
                library.add_file, file.filename, data, guild_id=guild_id, user_id=interaction.user.id
            )
        else:
            assert url is not None
            # On the fetch pool's own threads: a slow page never holds a thread that answers questions.
            meta = await self.bot.fetches.run(
                guild_id, library.add_url, url.strip(), guild_id=guild_id, user_id=interaction.user.id
            )
        await interaction.followup.send(added_text(meta), ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="remove", description="Remove an article this server added.")
    @app_commands.describe(article="Start typing its title")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def remove(self, interaction: discord.Interaction, article: app_commands.Range[str, 1, 100]) -> None:
        """Remove one of this server's added articles (the shipped ones cannot be removed)."""
        guild_id = _guild_id(interaction)
        library = self._library()
        self.bot.corpus_cooldown.hit(interaction.user.id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        meta = await asyncio.to_thread(library.remove, article, guild_id=guild_id, user_id=interaction.user.id)
        await interaction.followup.send(removed_text(meta), ephemeral=True, allowed_mentions=NO_MENTIONS)

    @remove.autocomplete("article")
    async def remove_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """This server's added articles whose title or id contains what was typed (admins only)."""
        if self.bot.library is None or interaction.guild_id is None or not interaction.permissions.manage_guild:
            return []
        added = await asyncio.to_thread(self.bot.library.list, guild_id=interaction.guild_id)
        needle = " ".join(current.split()).casefold()
        found = [m for m in added if needle in m.title.casefold() or needle in m.id.casefold()]
        return autocomplete_choices(found[:CHOICE_COUNT_LIMIT])

    @app_commands.command(name="list", description="List the articles this server added.")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def list_added(self, interaction: discord.Interaction) -> None:
        """Reply (only to the caller) with this server's additions, page by page."""
        guild_id = _guild_id(interaction)
        library = self._library()
        added = await asyncio.to_thread(library.list, guild_id=guild_id)
        view = ArticlesView(
            added,
            owner_id=interaction.user.id,
            per_page=PER_PAGE,
            timeout=self.bot.view_timeout,
            heading="Added to this server",
            empty="No articles added yet: use /corpus add with a file or a url.",
        )
        callback = await interaction.response.send_message(
            embed=view.embed(), view=view, ephemeral=True, allowed_mentions=NO_MENTIONS
        )
        view.message = await listed_message(interaction, callback)

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session


def _guild_id(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage
    return interaction.guild_id


def check_attachment(filename: str, size: int) -> None:
    """Refuse, before downloading, a file of the wrong kind or over the size limit."""
    suffix = PurePosixPath(filename).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise CorpusInputError(f"{filename}: only {', '.join(UPLOAD_SUFFIXES)} files can be added")
    if size > UPLOAD_LIMIT_BYTES:
        raise CorpusInputError(f"{filename}: {too_big(size, UPLOAD_LIMIT_BYTES)}")
    if size == 0:
        raise CorpusInputError(f"{filename} is empty")


async def setup(bot: NewsBot) -> None:
    """Register the cog."""
    await bot.add_cog(Corpus(bot))
