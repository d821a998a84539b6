"""One translator from errors to short user messages: the command tree's ``on_error``.

Known errors (the core's ``NewsBotError`` family, permission and argument problems) become a short
ephemeral line; anything else is logged with its traceback and the user gets an apology. The bot
keeps running either way.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.discord_adapter.render import error_text
from bot.errors import NewsBotError

log = logging.getLogger(__name__)

UNEXPECTED = "Sorry, something went wrong on my side. It has been logged; please try again later."
NO_MENTIONS = discord.AllowedMentions.none()


class DiscordStartupError(NewsBotError):
    """The bot could not connect to Discord (bad token, refused intent, unreachable endpoint)."""


def describe(error: BaseException) -> tuple[str, bool]:
    """The user-facing text for ``error`` and whether it was expected (no traceback needed)."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, NewsBotError):
        return error_text(str(error)), True
    if isinstance(error, app_commands.MissingPermissions):
        return "You need the Manage Server permission for this.", True
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This only works in a server.", True
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} s.", True
    if isinstance(error, app_commands.TransformerError | app_commands.CheckFailure):
        return error_text(str(error)) or "That input is not valid here.", True
    return UNEXPECTED, False


async def send_ephemeral(interaction: discord.Interaction, text: str) -> None:
    """Tell only the invoking user ``text``, whatever state the interaction response is in.

    After a public ``defer()`` the first follow-up would replace the public "thinking" message and
    could not be ephemeral, so that placeholder is deleted first.
    """
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        if interaction.response.type is discord.InteractionResponseType.deferred_channel_message:
            try:
                await interaction.delete_original_response()
            except discord.HTTPException:
                log.debug("could not delete the deferred response", exc_info=True)
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException:
        log.warning("could not report an error to the user", exc_info=True)


class NewsTree(app_commands.CommandTree):
    """The command tree, with the one error handler for every slash command."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """Log, then answer the user with a short ephemeral message."""
        text, expected = describe(error)
        command = interaction.command.qualified_name if interaction.command else "?"
        if expected:
            log.info("/%s refused: %s", command, text)
        else:
            original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
            log.error("/%s failed", command, exc_info=original)
        await send_ephemeral(interaction, text)
