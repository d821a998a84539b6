"""``python -m bot doctor``: checks what the bot needs to run, one line each with ✓ or ✗ and what to do.

Settings, the token's form, the data folder's permissions, the corpus, the saved index, the store of
added articles, and whether Discord's REST API and gateway answer. The network is reached only
through ``probe`` (injected; tests pass one that talks to 127.0.0.1 or refuses), and the checks
return plain values that ``render`` prints.
"""

from __future__ import annotations

import json
import os
import re
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.config import Settings, SettingsError, home_description, index_dir_for, load_settings, missing_corpus_message
from bot.errors import NewsBotError

DISCORD_API = "https://discord.com/api/v10"
DISCORD_GATEWAY = "wss://gateway.discord.gg"
# A bot token: the bot's id in base64, a timestamp, an HMAC; three base64url parts joined by dots.
TOKEN_FORM = re.compile(r"[A-Za-z0-9_-]{18,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}")


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the report: what was checked, whether it passed, what was found or what to do."""

    name: str
    ok: bool
    detail: str


Probe = Callable[[str, float], str]  # (url, timeout) -> a short description; raises OSError when unreachable


def http_probe(url: str, timeout: float) -> str:
    """GET ``url`` (an http(s) URL) and describe the answer; a ws(s) URL is a TCP (+TLS) connect to its host.
    Raises ``OSError`` when the endpoint cannot be reached."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in {"ws", "wss"}:
        port = parts.port or (443 if parts.scheme == "wss" else 80)
        with socket.create_connection((parts.hostname or "", port), timeout=timeout) as sock:
            if parts.scheme == "wss":
                with ssl.create_default_context().wrap_socket(sock, server_hostname=parts.hostname):
                    pass
        return f"connected to {parts.hostname}:{port}"
    if parts.scheme not in {"http", "https"}:
        raise OSError(f"not an http(s) or ws(s) URL: {url}")
    request = urllib.request.Request(url, headers={"User-Agent": "newsbot-doctor"})  # noqa: S310 - scheme checked
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked
            return f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:  # an answer, so reachable
        return f"HTTP {exc.code}"
    except urllib.error.URLError as exc:
        raise OSError(str(exc.reason)) from exc


def check_settings(environ: Mapping[str, str] | None = None) -> tuple[Check, Settings | None]:
    """Whether the settings (environment and ``.env``) can be read."""
    try:
        settings = load_settings(environ)
    except SettingsError as exc:
        return Check("settings", False, f"{exc}"), None
    return Check("settings", True, f"read (data folder: {home_description(settings)})"), settings


def check_token(settings: Settings) -> Check:
    """The token's form (not whether Discord accepts it: that needs a login)."""
    token = settings.discord_token
    if token is None:
        return Check("token", True, "DISCORD_TOKEN is not set: `run` starts the console chat")
    if token[0] in "\"'" or token[-1] in "\"'":
        return Check("token", False, "DISCORD_TOKEN has quotes in its value: remove them")
    if token.lower().startswith("bot "):
        return Check("token", False, 'DISCORD_TOKEN starts with "Bot ": give the token alone')
    if not TOKEN_FORM.fullmatch(token):
        return Check(
            "token", False, "DISCORD_TOKEN does not look like a bot token (three parts joined by dots): "
            "copy it again from the Developer Portal (Bot > Reset Token)",
        )  # fmt: skip
    return Check("token", True, "DISCORD_TOKEN has the form of a bot token")


def check_folders(settings: Settings) -> Check:
    """The data and index folders exist or can be made, and can be written."""
    problems = []
    for label, folder in (("NEWSBOT_DATA_DIR", settings.data_dir), ("NEWSBOT_INDEX_DIR", settings.index_dir)):
        existing = folder
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not existing.is_dir():
            problems.append(f"{label} {folder} is not inside a folder")
        elif not os.access(existing, os.W_OK | os.X_OK):
            problems.append(f"{label} {folder.absolute()} cannot be written ({existing.absolute()} is read-only)")
    if problems:
        return Check(
            "data folder", False,
            "; ".join(problems) + ": give the user running the bot write access, or point NEWSBOT_HOME elsewhere",
        )  # fmt: skip
    return Check("data folder", True, f"{settings.data_dir.absolute()} and {settings.index_dir.absolute()} writable")


def check_corpus(settings: Settings) -> Check:
    """The corpus folder exists and holds article files."""
    from bot.ingest.files import is_article_file  # imported on use, like the rest of the engine

    corpus = settings.corpus_dir
    if not corpus.exists():
        return Check("corpus", False, missing_corpus_message(corpus, settings))
    if not corpus.is_dir():
        return Check("corpus", False, f"{corpus.absolute()} is not a folder: set NEWSBOT_CORPUS_DIR to a folder")
    count = sum(1 for path in corpus.rglob("*") if path.is_file() and is_article_file(path.name))
    if count == 0:
        return Check("corpus", False, f"{corpus.absolute()} holds no .md, .txt or .jsonl(.gz) file: add articles")
    return Check("corpus", True, f"{count:,} article file{'s' if count != 1 else ''} in {corpus.absolute()}")


def check_index(settings: Settings) -> Check:
    """A saved index of the corpus, of this program's format, and whether it is current."""
    from bot.ingest.loaders import corpus_fingerprint
    from bot.retrieval.store import CorpusIndex

    if not settings.corpus_dir.is_dir():
        return Check("index", False, "no corpus to index (see above)")
    index_dir = index_dir_for(settings, settings.corpus_dir)
    try:
        params = CorpusIndex.read_params(index_dir)
    except NewsBotError as exc:
        return Check("index", False, f"{exc}: run `python -m bot index` to rebuild it")
    if params is None:
        return Check("index", True, "not built yet: built at the first start (or run `python -m bot index`)")
    try:
        current = params.get("fingerprint") == corpus_fingerprint(settings.corpus_dir)
    except NewsBotError as exc:
        return Check("index", False, f"{exc}")
    if not current:
        return Check("index", True, "saved, but the corpus changed since: rebuilt at the next start")
    return Check("index", True, f"saved and current ({index_dir.absolute()})")


def check_store(settings: Settings) -> Check:
    """The store of articles added at run time opens, at this program's schema: the SQLite file in
    the data folder, or the PostgreSQL database of ``NEWSBOT_DATABASE_URL``."""
    from bot.storage.location import StoreLocation

    location = StoreLocation(settings.data_dir, settings.database_url)
    where = location.describe() if location.shared else str(location.articles_path.absolute())
    if not location.has_articles():
        return Check("store", True, "no articles added yet (the file is made at the first /corpus add)")
    try:
        store = location.open_articles(read_only=True)
        try:
            count = len(store.article_keys())
        finally:
            store.close()
    except NewsBotError as exc:
        return Check("store", False, f"{where}: {exc}")
    except Exception as exc:  # a damaged file: report it, whatever the driver raises
        return Check("store", False, f"{where} cannot be read ({exc}): restore it from a backup")
    return Check("store", True, f"{count:,} added article{'s' if count != 1 else ''} in {where}")


def check_discord(settings: Settings, probe: Probe, *, timeout: float = 5.0) -> list[Check]:
    """Whether Discord's REST API (``/gateway``, which needs no token) and gateway can be reached."""
    api = (settings.discord_api_base or DISCORD_API).rstrip("/") + "/gateway"
    gateway = settings.discord_gateway_url or DISCORD_GATEWAY
    checks = []
    endpoints = (("Discord API", api, "DISCORD_API_BASE"), ("Discord gateway", gateway, "DISCORD_GATEWAY_URL"))
    for name, url, setting in endpoints:
        try:
            checks.append(Check(name, True, f"{url}: {probe(url, timeout)}"))
        except OSError as exc:
            checks.append(Check(
                name, False, f"{url} cannot be reached ({exc}): check the network, firewall or proxy"
                f"{f', or {setting}' if getattr(settings, setting.lower()) else ''}",
            ))  # fmt: skip
    return checks


def diagnose(
    environ: Mapping[str, str] | None = None, *, probe: Probe | None = http_probe, settings: Settings | None = None
) -> list[Check]:
    """Every check, in order (``probe=None`` skips the network)."""
    if settings is None:
        first, settings = check_settings(environ)
        if settings is None:
            return [first]
    else:
        first = Check("settings", True, "given")
    checks = [first, check_token(settings), check_folders(settings), check_corpus(settings)]
    checks += [check_index(settings), check_store(settings)]
    if probe is not None:
        checks += check_discord(settings, probe)
    return checks


def render(checks: list[Check], *, as_json: bool = False) -> str:
    """One line a check (✓ / ✗, the name, what was found or what to do), or a JSON object."""
    if as_json:
        rows = [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in checks]
        return json.dumps({"ok": all(c.ok for c in checks), "checks": rows}, ensure_ascii=False)
    return "\n".join(f"{'✓' if c.ok else '✗'} {c.name}: {c.detail}" for c in checks)


def run(*, offline: bool, as_json: bool, write: Callable[[str], object], settings: Settings | None = None,
        probe: Probe = http_probe) -> int:  # fmt: skip
    """The ``doctor`` command: print the report; exit status 0 when every check passes, else 1."""
    checks = diagnose(probe=None if offline else probe, settings=settings)
    write(render(checks, as_json=as_json) + "\n")
    return 0 if all(c.ok for c in checks) else 1
