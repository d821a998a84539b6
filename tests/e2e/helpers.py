"""Small readers over the payloads the fake Discord stored."""

from __future__ import annotations

import asyncio
import io
import os
from pathlib import Path
from typing import Any

from bot.cli import main
from bot.config import Settings
from tests.e2e.fake_discord import EPHEMERAL, FakeDiscord

ROOT = Path(__file__).resolve().parents[2]

SLASH_COMMANDS = [
    "about", "articles", "ask", "config", "corpus", "feeds", "help", "insights", "quotes", "summary", "topic",
]  # fmt: skip
"""Every slash command the bot registers, sorted."""


def embed(message: dict[str, Any]) -> dict[str, Any]:
    """The message's only embed."""
    assert len(message["embeds"]) == 1, message
    return message["embeds"][0]


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Buttons of a message by label."""
    return {b["label"]: b for row in message.get("components") or [] for b in row["components"] if b["type"] == 2}


def select_menu(message: dict[str, Any]) -> dict[str, Any] | None:
    """The message's (only) select menu, or None."""
    menus = [c for row in message.get("components") or [] for c in row["components"] if c["type"] == 3]
    assert len(menus) <= 1, menus
    return menus[0] if menus else None


def option_labels(message: dict[str, Any]) -> list[str]:
    """Labels of the select menu's options, in order ([] without a menu)."""
    menu = select_menu(message)
    return [o["label"] for o in menu["options"]] if menu else []


def is_ephemeral(message: dict[str, Any]) -> bool:
    """Whether only the invoker sees it."""
    return bool(message["flags"] & EPHEMERAL)


def assert_clean(fake: FakeDiscord) -> None:
    """Discord accepted everything, and nothing the bot sent could ping anyone."""
    assert fake.rejections == [], fake.rejections
    bodies = fake.bot_message_bodies()
    assert bodies, "the bot sent nothing"
    for body in bodies:
        allowed = body.get("allowed_mentions")
        assert allowed is not None and allowed.get("parse") == [], body
        assert not allowed.get("users") and not allowed.get("roles") and not allowed.get("replied_user"), body
    assert not any(m["mention_everyone"] for m in fake.messages.values())


async def settle(seconds: float = 0.15) -> None:
    """Give the bot a moment to (not) react, for assertions that something did not happen."""
    await asyncio.sleep(seconds)


INHERITED_SETTINGS = (
    "NEWSBOT_HOME", "DISCORD_DEV_GUILD_ID", "NEWSBOT_SHARD_COUNT", "NEWSBOT_SHARDS", "NEWSBOT_DATABASE_URL",
)  # fmt: skip
"""Settings a child bot process must not inherit from whoever runs the tests (unless given)."""


def bot_process_env(fake: FakeDiscord, settings: dict[str, str], *, drop: tuple[str, ...] = ()) -> dict[str, str]:
    """The environment of a ``python -m bot`` child process connecting to ``fake``: this process's,
    the project on ``PYTHONPATH``, the fake's token and addresses, then ``settings``; the inherited
    settings of ``INHERITED_SETTINGS`` and ``drop`` removed unless ``settings`` gives them."""
    env = {**os.environ}
    for key in (*INHERITED_SETTINGS, *drop):
        env.pop(key, None)
    return {
        **env, "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": fake.token, "DISCORD_API_BASE": fake.api_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url, **settings,
    }  # fmt: skip


def run_cli(settings: Settings, *argv: str) -> str:
    """``python -m bot ARGV`` in this process with ``settings`` (the corpus and index they name);
    its standard output. A failing command fails the test with its error output."""
    out, err = io.StringIO(), io.StringIO()
    code = main([*argv, "--corpus", str(settings.corpus_dir), "--index-dir", str(settings.index_dir)],
                stdout=out, stderr=err, settings=settings)  # fmt: skip
    assert code == 0, err.getvalue()
    return out.getvalue()
