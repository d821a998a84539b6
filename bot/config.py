"""Typed settings, read from the environment and an optional ``.env`` file by ``load_settings``.

Nothing is read at import time; the composition root (``bot.cli``) calls ``load_settings()`` once
and passes the values on. Every setting is listed, with a comment, in ``.env.example``.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import NewsBotError
from bot.shards import plan_from_text
from bot.storage.postgres import is_postgres_url

NUMBA_MODES = ("auto", "off")


class SettingsError(NewsBotError):
    """A setting has a value that cannot be used."""


@dataclass(frozen=True, slots=True)
class Settings:
    """All settings of the bot. Secrets have no default."""

    home: Path = Path(".")  # NEWSBOT_HOME: the data folder the relative paths below are in
    numba: str = "auto"  # NEWSBOT_NUMBA: auto (numba when installed), off (the numpy loops)
    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path(".newsbot/index")
    data_dir: Path = Path(".newsbot/data")
    # NEWSBOT_DATABASE_URL: PostgreSQL for every process (its password: no repr); unset: SQLite in data_dir
    database_url: str | None = field(default=None, repr=False)
    discord_token: str | None = field(default=None, repr=False)  # a secret: never in a repr or a log
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    discord_dev_guild_id: int | None = None
    discord_message_content: bool = False
    log_level: str = "INFO"
    ask_cooldown_s: float = 3.0
    corpus_cooldown_s: float = 30.0
    fetch_allow_private: bool = False
    fetch_timeout_s: float = 10.0
    insights_days: int = 30
    invite_url: str | None = None
    support_url: str | None = None
    feed_interval_min: int = 15
    feed_announce_max: int = 5
    feed_max_failures: int = 8
    feed_max_age_days: int | None = None
    sync_interval_s: float = 2.0
    compact_share: float = 0.10
    compact_min_articles: int = 50
    shard_count: int | None = None  # NEWSBOT_SHARD_COUNT: shards of the whole bot (None: Discord's recommendation)
    shards: tuple[int, ...] | None = None  # NEWSBOT_SHARDS: the shards this process runs (None: all)
    identify_interval_s: float = 5.0  # NEWSBOT_IDENTIFY_INTERVAL_S: seconds between two IDENTIFYs of one key


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
ENV_FILE = Path(".env")  # relative: inside the data folder (NEWSBOT_HOME)


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines of a ``.env`` file, read by python-dotenv (quotes, ``# comments``,
    ``export``, multi-line quoted values); a missing file -> {}. A line it cannot read -> one error."""
    from dotenv.parser import parse_stream  # imported on use: nothing is read at import time

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"cannot read {path}: {exc}") from exc
    values: dict[str, str] = {}
    for binding in parse_stream(io.StringIO(text)):
        if binding.error or (binding.key is not None and binding.value is None):
            line = binding.original.string.strip().splitlines()[0][:40] if binding.original.string.strip() else ""
            raise SettingsError(f"{path}:{binding.original.line}: expected KEY=VALUE, got {line!r}")
        if binding.key is not None and binding.value is not None:
            values[binding.key] = binding.value
    return values


def data_folder(environ: Mapping[str, str] | None = None) -> Path:
    """The data folder: ``NEWSBOT_HOME`` (from the environment, not from ``.env``, which lives in
    it), default the working folder. It must be an existing folder."""
    environ = os.environ if environ is None else environ
    value = environ.get("NEWSBOT_HOME", "").strip()
    if not value:
        return Path(".")
    home = Path(value).expanduser()
    if not home.is_dir():
        raise SettingsError(
            f"NEWSBOT_HOME={value} is not a folder; set NEWSBOT_HOME to the folder that holds .env, "
            "corpus/ and .newsbot/ (or unset it to use the working folder)"
        )
    return home


def index_dir_for(settings: Settings, corpus_dir: Path) -> Path:
    """The saved index of ``corpus_dir``: one per corpus folder, so switching folders never
    clobbers another corpus's index."""
    key = hashlib.sha256(str(corpus_dir.resolve()).encode()).hexdigest()[:12]
    return settings.index_dir / key


def home_description(settings: Settings) -> str:
    """Where the data folder's relative paths start, for messages."""
    return f"NEWSBOT_HOME={settings.home}" if settings.home != Path(".") else f"the working folder {Path.cwd()}"


def missing_corpus_message(corpus_dir: Path, settings: Settings) -> str:
    """One line for a corpus folder that does not exist: where it was looked for and how to point elsewhere."""
    where = home_description(settings)
    return (
        f"corpus folder {corpus_dir.absolute()} does not exist (looked in {where}); run from the folder that "
        "holds corpus/, set NEWSBOT_HOME to it, or set NEWSBOT_CORPUS_DIR / pass --corpus DIR"
    )


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = ENV_FILE) -> Settings:
    """Settings from ``environ`` (default ``os.environ``) over the values of ``env_file``.

    A relative ``env_file`` and relative folders are taken inside the data folder ``NEWSBOT_HOME``
    (default: the working folder). A bad value raises ``SettingsError`` naming the setting and what
    it accepts.
    """
    environ = os.environ if environ is None else environ
    home = data_folder(environ)
    values = read_env_file(home / env_file) if env_file is not None else {}
    values.update(environ)

    def text(key: str) -> str | None:
        value = (values.get(key) or "").strip()
        return value or None

    def path(key: str, default: Path) -> Path:
        value = text(key)
        return home / (Path(value).expanduser() if value else default)

    def flag(key: str) -> bool:
        value = (text(key) or "false").lower()
        if value not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
            raise SettingsError(f"{key} must be true or false, got {value!r}")
        return value in {"1", "true", "yes", "on"}

    def number(key: str, default: float, high: float, what: str, note: str = "") -> float:
        value = text(key)
        if value is None:
            return default
        try:
            found = float(value)
        except ValueError:
            found = -1.0
        if not 0 <= found <= high:
            raise SettingsError(f"{key} must be {what} between 0 and {high:g}{note}, got {value!r}")
        return found

    def seconds(key: str, default: float) -> float:
        return number(key, default, 86_400, "a number of seconds")

    def share(key: str, default: float) -> float:
        return number(key, default, 1, "a share", " (0.1 = 10%)")

    def whole(key: str, default: int, low: int, high: int, what: str = "a whole number", note: str = "") -> int:
        value = text(key)
        if value is None:
            return default
        if not (value.isascii() and value.isdigit() and low <= int(value) <= high):
            raise SettingsError(f"{key} must be {what} between {low} and {high}{note}, got {value!r}")
        return int(value)

    def days(key: str, default: int) -> int:
        return whole(key, default, 0, 3650, "a number of days", " (0 = off)")

    def count(key: str, default: int) -> int:
        return whole(key, default, 0, 10_000_000)

    def link(key: str) -> str | None:
        value = text(key)
        if value is not None and not value.startswith(("https://", "http://")):
            raise SettingsError(f"{key} must be an http(s) link, got {value[:60]!r}")
        return value

    def choice(key: str, allowed: tuple[str, ...], default: str, *, case: Callable[[str], str] = str.upper) -> str:
        value = case(text(key) or default)
        if value not in allowed:
            raise SettingsError(f"{key} must be one of {', '.join(allowed)}, got {text(key)!r}")
        return value

    def database(key: str) -> str | None:
        value = text(key)
        if value is not None and not is_postgres_url(value):
            scheme = value.split("://", 1)[0] if "://" in value else value[:12]  # never echo a password
            raise SettingsError(
                f"{key} must be a postgresql:// URL (or unset for SQLite in the data folder), got {scheme!r}..."
            )
        return value

    def numba_mode(key: str) -> str:
        return choice(key, NUMBA_MODES, "auto", case=str.lower)

    def shard_settings() -> tuple[int | None, tuple[int, ...] | None]:
        names = ("NEWSBOT_SHARD_COUNT", "NEWSBOT_SHARDS")
        try:
            plan = plan_from_text(text(names[0]), text(names[1]), names=names)
        except ValueError as exc:
            raise SettingsError(str(exc)) from exc
        return plan.count, plan.ids

    guild = text("DISCORD_DEV_GUILD_ID")
    if guild is not None and not guild.isdigit():
        raise SettingsError(f"DISCORD_DEV_GUILD_ID must be a number (a server id), got {guild!r}")
    defaults = Settings()
    shard_count, shards = shard_settings()
    return Settings(
        home=home,
        numba=numba_mode("NEWSBOT_NUMBA"),
        corpus_dir=path("NEWSBOT_CORPUS_DIR", defaults.corpus_dir),
        index_dir=path("NEWSBOT_INDEX_DIR", defaults.index_dir),
        data_dir=path("NEWSBOT_DATA_DIR", defaults.data_dir),
        database_url=database("NEWSBOT_DATABASE_URL"),
        discord_token=text("DISCORD_TOKEN"),
        discord_api_base=text("DISCORD_API_BASE"),
        discord_gateway_url=text("DISCORD_GATEWAY_URL"),
        discord_dev_guild_id=int(guild) if guild else None,
        discord_message_content=flag("DISCORD_MESSAGE_CONTENT"),
        log_level=choice("NEWSBOT_LOG_LEVEL", LOG_LEVELS, "INFO"),
        ask_cooldown_s=seconds("NEWSBOT_ASK_COOLDOWN_S", defaults.ask_cooldown_s),
        corpus_cooldown_s=seconds("NEWSBOT_CORPUS_COOLDOWN_S", defaults.corpus_cooldown_s),
        fetch_allow_private=flag("NEWSBOT_FETCH_ALLOW_PRIVATE"),
        fetch_timeout_s=seconds("NEWSBOT_FETCH_TIMEOUT_S", defaults.fetch_timeout_s),
        insights_days=days("NEWSBOT_INSIGHTS_DAYS", defaults.insights_days),
        invite_url=link("NEWSBOT_INVITE_URL"),
        support_url=link("NEWSBOT_SUPPORT_URL"),
        feed_interval_min=whole("NEWSBOT_FEED_INTERVAL_MIN", defaults.feed_interval_min, 5, 10_080),
        feed_announce_max=whole("NEWSBOT_FEED_ANNOUNCE_MAX", defaults.feed_announce_max, 0, 10),
        feed_max_failures=whole("NEWSBOT_FEED_MAX_FAILURES", defaults.feed_max_failures, 1, 1000),
        feed_max_age_days=None if text("NEWSBOT_FEED_MAX_AGE_DAYS") is None else whole(
            "NEWSBOT_FEED_MAX_AGE_DAYS", 0, 1, 100_000
        ),
        sync_interval_s=max(0.1, seconds("NEWSBOT_SYNC_INTERVAL_S", defaults.sync_interval_s)),
        compact_share=share("NEWSBOT_COMPACT_SHARE", defaults.compact_share),
        compact_min_articles=count("NEWSBOT_COMPACT_MIN_ARTICLES", defaults.compact_min_articles),
        shard_count=shard_count,
        shards=shards,
        identify_interval_s=number(
            "NEWSBOT_IDENTIFY_INTERVAL_S", defaults.identify_interval_s, 60, "a number of seconds",
            " (Discord allows one IDENTIFY per 5 s per key: lower it only against a local double)",
        ),
    )
