"""Every extension has setup(); slash commands have unique names, help text and Discord-valid shapes."""

from __future__ import annotations

import importlib
import inspect
import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_adapter.client import EXTENSIONS
from bot.discord_adapter.errors import NewsTree

NAME = re.compile(r"^[-_a-z0-9]{1,32}$")


def test_every_extension_ends_with_setup() -> None:
    for name in EXTENSIONS:
        module = importlib.import_module(name)
        assert inspect.iscoroutinefunction(module.setup), name
        source = inspect.getsource(module).rstrip()
        assert source.splitlines()[-1].strip().startswith("await bot.add_cog("), name


def test_commands_are_unique_and_described() -> None:
    tree = NewsTree(discord.Client(intents=discord.Intents.none()))
    for name in EXTENSIONS:
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == name and issubclass(cls, commands.Cog):
                cog = cls.__new__(cls)  # no bot needed to read the declared commands
                roots = {id(c.root_parent or c): c.root_parent or c for c in cog.__cog_app_commands__}
                for command in roots.values():  # a GroupCog's subcommands share one root
                    tree.add_command(command)  # raises on a duplicate name
    names = []
    for command in tree.walk_commands():
        names.append(command.qualified_name)
        assert NAME.match(command.name) and 1 <= len(command.description) <= 100
        if isinstance(command, app_commands.Command):
            for param in command.parameters:
                assert 1 <= len(param.description) <= 100 and param.description != "…", (command.name, param.name)
    assert sorted(names) == [
        "about",
        "articles",
        "ask",
        "config",
        "config ask-channel",
        "corpus",
        "corpus add",
        "corpus list",
        "corpus remove",
        "feeds",
        "feeds add",
        "feeds list",
        "feeds remove",
        "help",
        "insights",
        "quotes",
        "summary",
        "topic",
    ]
