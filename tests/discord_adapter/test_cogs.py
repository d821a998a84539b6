"""Every extension has setup(); slash commands have unique names, help text and Discord-valid shapes."""

from __future__ import annotations

import importlib
import inspect
import re

from discord import app_commands

from bot.discord_adapter.client import EXTENSIONS

NAME = re.compile(r"^[-_a-z0-9]{1,32}$")


def commands_of(module_name: str) -> list[app_commands.Command | app_commands.Group]:
    module = importlib.import_module(module_name)
    found = []
    for _, cls in inspect.getmembers(module, inspect.isclass):
        if cls.__module__ == module_name and hasattr(cls, "__cog_app_commands__"):
            if getattr(cls, "__cog_is_app_commands_group__", False):
                found.append(cls.__cog_group_name__)
            found.extend(cls.__cog_app_commands__)
    return found


def test_every_extension_ends_with_setup() -> None:
    for name in EXTENSIONS:
        module = importlib.import_module(name)
        assert inspect.iscoroutinefunction(module.setup), name
        source = inspect.getsource(module).rstrip()
        assert source.splitlines()[-1].strip().startswith("await bot.add_cog("), name


def test_commands_are_unique_and_described() -> None:
    names = []
    for name in EXTENSIONS:
        for command in commands_of(name):
            if isinstance(command, str):
                names.append(command)
                continue
            names.append(command.name)
            assert NAME.match(command.name)
            assert 1 <= len(command.description) <= 100
            for param in command.parameters:
                assert 1 <= len(param.description) <= 100 and param.description != "…", (command.name, param.name)
    assert sorted(names) == ["articles", "ask", "ask-channel", "config", "help", "summary"]
