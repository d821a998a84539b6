"""Typed settings, read from the environment and an optional ``.env`` file by ``load_settings``.

Nothing is read at import time; the composition root (``bot.cli``) calls ``load_settings()`` once
and passes the values on. Every setting is listed, with a comment, in ``.env.example``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.errors import NewsBotError


class SettingsError(NewsBotError):
    """A setting has a value that cannot be used."""


@dataclass(frozen=True, slots=True)
class Settings:
    """All settings of the bot. Secrets have no default."""

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path(".newsbot/index")
    data_dir: Path = Path(".newsbot/data")
    discord_token: str | None = None
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    discord_dev_guild_id: int | None = None
    discord_message_content: bool = False
    log_level: str = "INFO"
    ask_cooldown_s: float = 3.0
    corpus_cooldown_s: float = 30.0
    fetch_allow_private: bool = False
    fetch_timeout_s: float = 10.0
    sync_interval_s: float = 2.0
    compact_share: float = 0.10
    compact_min_articles: int = 50


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines of a ``.env`` file (``#`` comments, optional quotes); missing file -> {}."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"cannot read {path}: {exc}") from exc
    values: dict[str, str] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise SettingsError(f"{path}:{number}: expected KEY=VALUE, got {raw.strip()[:40]!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key.strip()] = value
    return values


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> Settings:
    """Settings from ``environ`` (default ``os.environ``) over the values of ``env_file``."""
    values = read_env_file(env_file) if env_file is not None else {}
    values.update(os.environ if environ is None else environ)

    def text(key: str) -> str | None:
        value = values.get(key, "").strip()
        return value or None

    def path(key: str, default: Path) -> Path:
        value = text(key)
        return Path(value).expanduser() if value else default

    def flag(key: str) -> bool:
        value = (text(key) or "false").lower()
        if value not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
            raise SettingsError(f"{key} must be true or false, got {value!r}")
        return value in {"1", "true", "yes", "on"}

    def seconds(key: str, default: float) -> float:
        value = text(key)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            number = -1.0
        if not 0 <= number <= 86_400:
            raise SettingsError(f"{key} must be a number of seconds between 0 and 86400, got {value!r}")
        return number

    def share(key: str, default: float) -> float:
        value = text(key)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            number = -1.0
        if not 0 <= number <= 1:
            raise SettingsError(f"{key} must be a share between 0 and 1 (0.1 = 10%), got {value!r}")
        return number

    def count(key: str, default: int) -> int:
        value = text(key)
        if value is None:
            return default
        if not value.isdigit() or int(value) > 10_000_000:
            raise SettingsError(f"{key} must be a whole number between 0 and 10000000, got {value!r}")
        return int(value)

    guild = text("DISCORD_DEV_GUILD_ID")
    if guild is not None and not guild.isdigit():
        raise SettingsError(f"DISCORD_DEV_GUILD_ID must be a number (a server id), got {guild!r}")
    defaults = Settings()
    return Settings(
        corpus_dir=path("NEWSBOT_CORPUS_DIR", defaults.corpus_dir),
        index_dir=path("NEWSBOT_INDEX_DIR", defaults.index_dir),
        data_dir=path("NEWSBOT_DATA_DIR", defaults.data_dir),
        discord_token=text("DISCORD_TOKEN"),
        discord_api_base=text("DISCORD_API_BASE"),
        discord_gateway_url=text("DISCORD_GATEWAY_URL"),
        discord_dev_guild_id=int(guild) if guild else None,
        discord_message_content=flag("DISCORD_MESSAGE_CONTENT"),
        log_level=(text("NEWSBOT_LOG_LEVEL") or "INFO").upper(),
        ask_cooldown_s=seconds("NEWSBOT_ASK_COOLDOWN_S", defaults.ask_cooldown_s),
        corpus_cooldown_s=seconds("NEWSBOT_CORPUS_COOLDOWN_S", defaults.corpus_cooldown_s),
        fetch_allow_private=flag("NEWSBOT_FETCH_ALLOW_PRIVATE"),
        fetch_timeout_s=seconds("NEWSBOT_FETCH_TIMEOUT_S", defaults.fetch_timeout_s),
        sync_interval_s=max(0.1, seconds("NEWSBOT_SYNC_INTERVAL_S", defaults.sync_interval_s)),
        compact_share=share("NEWSBOT_COMPACT_SHARE", defaults.compact_share),
        compact_min_articles=count("NEWSBOT_COMPACT_MIN_ARTICLES", defaults.compact_min_articles),
    )
