"""A small fake Discord (REST + websocket gateway) for end-to-end tests of the real discord.py client.

It serves on 127.0.0.1 at a random port and enforces the parts of Discord's contract a bot can get
wrong: message and embed limits, autocomplete limits, the 3-second first-response deadline, the
one-response-per-interaction rule (40060), the 15-minute interaction token, registered commands
and their options, ``allowed_mentions`` (what would ping), and the Message Content intent (content
is blanked for bots without it, except in DMs, mentions of the bot and the bot's own messages;
asking for it when the "portal" has not enabled it closes the gateway with 4014).

Tests drive it with ``slash``, ``autocomplete``, ``click``, ``choose`` and ``post_message`` and read what the
bot did from ``requests``, ``messages``, ``interactions`` and ``rejections``.

Sharding (``shard_count`` > 1): ``GET /gateway/bot`` recommends ``shard_count`` shards with
``max_concurrency``; an IDENTIFY for ``[shard, count]`` gets READY and GUILD_CREATE for the servers
of that shard only, and each server's events go to the sessions of its shard only (DMs to shard 0).
A shard outside the count, or a count other than the connected sessions', is closed with 4010; a
count below ``min_shards`` with 4011. ``identifies`` records every IDENTIFY and
``pacing_problems()`` the pairs of one key that came sooner than ``identify_interval_s``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

from tests.e2e import fake_shards
from tests.e2e.fake_shards import Identify

DISCORD_EPOCH_MS = 1_420_070_400_000
MESSAGE_CONTENT = 1 << 15
PRIVILEGED = (1 << 1) | (1 << 8) | MESSAGE_CONTENT  # members, presences, message content
GUILD_MESSAGES = 1 << 9
DIRECT_MESSAGES = 1 << 12
EPHEMERAL = 1 << 6
LOADING = 1 << 7
PUBLIC_THREAD = 11
MANAGE_GUILD = 1 << 5
ALL_PERMISSIONS = (1 << 41) - 1
MEMBER_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 16) | (1 << 31)  # view, send, read history, use commands

Json = dict[str, Any]
BODY: web.RequestKey[Any] = web.RequestKey("body", object)  # the parsed JSON body of a request


@dataclass
class Recorded:
    """One REST request the bot made, and the status the fake answered."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int = 0


@dataclass
class Interaction:
    """An interaction the fake dispatched, and everything the bot did with it."""

    id: int
    token: str
    type: int
    payload: Json
    created: float
    callbacks: list[Json] = field(default_factory=list)
    callback_delays: list[float] = field(default_factory=list)
    original_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    choices: list[Json] | None = None
    modal: Json | None = None  # the form the bot answered with (response type 9)
    errors: list[tuple[int, int]] = field(default_factory=list)

    @property
    def responded(self) -> bool:
        """Whether an initial response was accepted."""
        return bool(self.callbacks)


@dataclass
class Session:
    """A gateway session: what it asked for, every event sent to it (for RESUME), its current socket."""

    intents: int
    events: list[tuple[int, str]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    alive: bool = True
    shard: tuple[int, int] = (0, 1)  # [shard id, shard count] of its IDENTIFY

    def carries(self, payload: Json) -> bool:
        """Whether an event with ``payload`` goes to this session: its server's shard (DMs: shard 0)."""
        guild = payload.get("guild_id") if isinstance(payload, dict) else None
        if guild is None:
            return self.shard[0] == 0
        return fake_shards.on_shard(int(guild), *self.shard)


class Rejected(Exception):
    """A request Discord would refuse: turned into an error response."""

    def __init__(self, status: int, code: int, message: str, errors: Any = None) -> None:
        super().__init__(f"{status} {code} {message}: {errors}")
        self.status, self.code, self.message, self.errors = status, code, message, errors


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _with_focused(options: dict[str, Any], focused: str, typed: str) -> dict[str, Any]:
    """``options`` with the typed text in the focused option (inside the subcommand, if one is given)."""
    subcommands = [key for key, value in options.items() if isinstance(value, dict)]
    if subcommands:
        (key,) = subcommands
        return {**options, key: _with_focused(options[key], focused, typed)}
    return {**options, focused: typed}


def embed_problems(embeds: list[Json]) -> list[str]:
    """Discord's embed limits (resources/message.mdx) that ``embeds`` break."""
    problems: list[str] = []
    if len(embeds) > 10:
        problems.append("more than 10 embeds")
    total = 0
    for number, embed in enumerate(embeds):
        title, description = embed.get("title") or "", embed.get("description") or ""
        footer = (embed.get("footer") or {}).get("text") or ""
        author = (embed.get("author") or {}).get("name") or ""
        fields = embed.get("fields") or []
        if len(title) > 256:
            problems.append(f"embeds.{number}.title > 256")
        if len(description) > 4096:
            problems.append(f"embeds.{number}.description > 4096")
        if len(footer) > 2048:
            problems.append(f"embeds.{number}.footer.text > 2048")
        if len(author) > 256:
            problems.append(f"embeds.{number}.author.name > 256")
        if len(fields) > 25:
            problems.append(f"embeds.{number}.fields > 25")
        for item in fields:
            name, value = item.get("name") or "", item.get("value") or ""
            if not 1 <= len(name) <= 256:
                problems.append(f"embeds.{number}.fields.name not 1-256")
            if not 1 <= len(value) <= 1024:
                problems.append(f"embeds.{number}.fields.value not 1-1024")
            total += len(name) + len(value)
        total += len(title) + len(description) + len(footer) + len(author)
    if total > 6000:
        problems.append(f"embeds total {total} > 6000")
    return problems


def component_problems(rows: list[Json]) -> list[str]:
    """Limits on action rows, buttons and string select menus (interactions/message-components.mdx)."""
    problems: list[str] = []
    if len(rows) > 5:
        problems.append("more than 5 action rows")
    for row in rows:
        items = row.get("components") or []
        if row.get("type") != 1 or not 1 <= len(items) <= 5:
            problems.append("bad action row")
        for item in items:
            if len(item.get("label") or "") > 80 or len(item.get("custom_id") or "") > 100:
                problems.append("button label > 80 or custom_id > 100")
            if item.get("type") == 3:
                problems += select_problems(item, alone=len(items) == 1)
    return problems


def select_problems(menu: Json, *, alone: bool) -> list[str]:
    """Limits on one string select menu."""
    problems: list[str] = []
    options = menu.get("options") or []
    if not alone:
        problems.append("a select menu shares its action row")
    if not menu.get("custom_id"):
        problems.append("select menu without custom_id")
    if len(menu.get("placeholder") or "") > 150:
        problems.append("select placeholder > 150")
    if not 1 <= len(options) <= 25:
        problems.append(f"select menu with {len(options)} options (1-25)")
    for option in options:
        label, value = option.get("label") or "", option.get("value") or ""
        if not 1 <= len(label) <= 100 or not 1 <= len(value) <= 100:
            problems.append("select option label or value not 1-100")
        if len(option.get("description") or "") > 100:
            problems.append("select option description > 100")
    if len({o.get("value") for o in options}) != len(options):
        problems.append("select option values not unique")
    low, high = menu.get("min_values", 1), menu.get("max_values", 1)
    if not 0 <= low <= high <= max(1, len(options)):
        problems.append("select min_values/max_values out of range")
    return problems


def modal_problems(data: Json) -> list[str]:
    """What Discord would reject in a form (modal): title <= 45, custom id, 1-5 rows of one text input."""
    problems = []
    if not 1 <= len(data.get("title") or "") <= 45:
        problems.append("modal title must be 1-45 characters")
    if not data.get("custom_id"):
        problems.append("modal without custom_id")
    rows = data.get("components") or []
    if not 1 <= len(rows) <= 5:
        problems.append(f"{len(rows)} rows in a modal")
    for row in rows:
        for item in row.get("components") or []:
            if item.get("type") != 4 or not 1 <= len(item.get("label") or "") <= 45:
                problems.append(f"bad text input {item!r}")
    return problems


def message_problems(body: Json, *, creating: bool) -> list[str]:
    """What Discord would refuse in a message create/edit body."""
    problems: list[str] = []
    content = body.get("content")
    if content is not None and len(content) > 2000:
        problems.append(f"content length {len(content)} > 2000")
    problems += embed_problems(body.get("embeds") or [])
    problems += component_problems(body.get("components") or [])
    if creating and not (content or body.get("embeds") or body.get("components") or body.get("attachments")):
        problems.append("empty message")
    return problems


def pings(body: Json) -> bool:
    """Whether this message would notify @everyone/@here (Discord parses everything by default)."""
    allowed = body.get("allowed_mentions")
    parse = ["everyone", "users", "roles"] if allowed is None else allowed.get("parse") or []
    content = body.get("content") or ""
    return "everyone" in parse and ("@everyone" in content or "@here" in content)


class FakeDiscord:
    """The fake server. ``await start()``, point discord.py at ``api_base``/``gateway_url``, ``await stop()``."""

    def __init__(
        self,
        *,
        portal_message_content: bool = True,
        response_deadline: float = 3.0,
        token: str = "fake-bot-token",
        shard_count: int = 1,
        max_concurrency: int = 1,
        identify_interval_s: float = 5.0,
    ) -> None:
        self.portal_message_content = portal_message_content
        self.response_deadline = response_deadline
        self.token_lifetime = 15 * 60.0
        self.token = token
        self.shard_count = shard_count  # what GET /gateway/bot recommends
        self.max_concurrency = max_concurrency
        self.identify_interval_s = identify_interval_s
        self.min_shards = 1  # fewer shards are refused with 4011 (sharding required)
        self.identifies: list[Identify] = []
        self.hello_barrier = 0  # > 1: hold HELLO until that many gateway sockets wait (they then IDENTIFY together)
        self._hello_waiting = 0
        self._hello_released = asyncio.Event()
        self._ids = itertools.count(1)
        self.app_id = self.snowflake()
        self.guild_id = self.snowflake_on_shard(0)  # with several shards: on shard 0 ...
        self.other_guild_id = self.snowflake_on_shard(1 % shard_count)  # ... and this one on shard 1
        self.guild_names = {self.guild_id: "Fake News Guild", self.other_guild_id: "Other Guild"}
        self.bot_user = self._user("NewsBot", bot=True)
        self.owner = self._user("owner")
        self.admin = self._user("admin")
        self.member = self._user("member")
        self.other_bot = self._user("otherbot", bot=True)
        self.permissions = {
            self.owner["id"]: ALL_PERMISSIONS,
            self.admin["id"]: MEMBER_PERMISSIONS | MANAGE_GUILD,
            self.member["id"]: MEMBER_PERMISSIONS,
            self.other_bot["id"]: MEMBER_PERMISSIONS,
        }
        layout = {self.guild_id: ("general", "ask", "random"), self.other_guild_id: ("other-general",)}
        self.channels: dict[str, Json] = {
            name: {
                "id": str(self.snowflake()),
                "type": 0,
                "name": name,
                "position": position,
                "guild_id": str(guild_id),
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": None,
                "rate_limit_per_user": 0,
            }
            for guild_id, names in layout.items()
            for position, name in enumerate(names)
        }
        # The member's direct-message channel with the bot (no guild).
        self.channels["dm"] = {
            "id": str(self.snowflake()),
            "type": 1,
            "recipients": [self.member],
            "last_message_id": None,
        }
        self.no_threads: set[str] = set()  # channel names where the bot may not create threads (403)
        self.on_message: Callable[[Json], None] | None = None  # told of each new message (load drivers)
        self.attachments: dict[str, tuple[Json, bytes]] = {}
        self.pages: dict[str, tuple[str, bytes]] = {}  # a news site on the same port: name -> (type, body)
        self.redirects: dict[str, str] = {}  # page name -> the page name it redirects to
        self.downloads: list[str] = []
        self.commands: dict[int | None, list[Json]] = {}
        self.requests: list[Recorded] = []
        self.rejections: list[Rejected] = []
        self.messages: dict[int, Json] = {}
        self.interactions: dict[int, Interaction] = {}
        self.identify_intents: list[int] = []
        self.close_codes: list[int] = []
        self.resumes: list[str] = []  # session ids resumed
        self.resumable = True  # False: a RESUME is answered with "invalid session" (the client IDENTIFYs again)
        self._sessions: dict[str, Session] = {}
        self._transports: dict[int, Any] = {}  # id(ws) -> its TCP transport, to cut it abruptly
        self._sockets: list[tuple[web.WebSocketResponse, int]] = []
        self._seq = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._rate_limits: list[list[Any]] = []
        self.rate_limited: list[str] = []
        self.gateway_send_limit = 120  # client -> gateway events per 60 s; more closes the socket with 4008
        self.port = 0

    # ----------------------------------------------------------------- ids and payloads
    def snowflake(self) -> int:
        """A fresh id whose timestamp is now (discord.py derives created_at from it)."""
        millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (millis << 22) | (next(self._ids) & 0x3FFFFF)

    def add_guild(self, name: str, shard: int, channels: tuple[str, ...]) -> int:
        """Another server (before the bot connects), on ``shard``, with text channels of these
        (unique) names; returns its id."""
        guild_id = self.snowflake_on_shard(shard)
        self.guild_names[guild_id] = name
        for position, channel in enumerate(channels):
            assert channel not in self.channels, channel
            self.channels[channel] = {
                "id": str(self.snowflake()), "type": 0, "name": channel, "position": position,
                "guild_id": str(guild_id), "permission_overwrites": [], "nsfw": False, "parent_id": None,
                "rate_limit_per_user": 0,
            }  # fmt: skip
        return guild_id

    def snowflake_on_shard(self, shard: int) -> int:
        """A fresh server id whose events Discord routes to ``shard`` (of ``shard_count``)."""
        millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return fake_shards.snowflake_on_shard(millis, next(self._ids), shard, self.shard_count)

    def pacing_problems(self, slack_s: float = 0.0) -> list[str]:
        """IDENTIFYs of one key (``shard % max_concurrency``) that came sooner than ``identify_interval_s``
        (less ``slack_s``) after the one before."""
        return fake_shards.pacing_problems(
            self.identifies, max_concurrency=self.max_concurrency, interval_s=self.identify_interval_s,
            slack_s=slack_s,
        )  # fmt: skip

    def _user(self, name: str, *, bot: bool = False) -> Json:
        return {
            "id": str(self.snowflake()),
            "username": name,
            "discriminator": "0",
            "avatar": None,
            "global_name": name,
            "bot": bot,
        }

    def _member(self, user: Json) -> Json:
        return {
            "user": user,
            "roles": [],
            "flags": 0,
            "joined_at": _now_iso(),
            "deaf": False,
            "mute": False,
            "nick": None,
            "avatar": None,
            "permissions": str(self.permissions.get(user["id"], 0)),
        }

    def channel_id(self, name: str) -> int:
        """Id of a text channel: "general", "ask", "random" (first guild) or "other-general" (second)."""
        return int(self.channels[name]["id"])

    def guild_of(self, channel: str) -> int | None:
        """The guild a channel belongs to (None for the DM channel)."""
        guild = self.channels[channel].get("guild_id")
        return int(guild) if guild else None

    def add_attachment(
        self, filename: str, data: bytes, *, size: int | None = None, content_type: str | None = "text/plain"
    ) -> str:
        """Upload a file as a user would; returns the key to pass as an attachment option's value.

        ``size`` is what Discord reports (default: the real length), so a test can make it lie.
        """
        aid = str(self.snowflake())
        url = f"http://127.0.0.1:{self.port}/attachments/{aid}/{filename}"
        payload: Json = {
            "id": aid,
            "filename": filename,
            "size": len(data) if size is None else size,
            "url": url,
            "proxy_url": url,
            **({"content_type": content_type} if content_type else {}),
        }
        self.attachments[aid] = (payload, data)
        return aid

    @property
    def api_base(self) -> str:
        """What ``discord.http.Route.BASE`` should be."""
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        """What ``DiscordWebSocket.DEFAULT_GATEWAY`` should be."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    # ----------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        """Serve on 127.0.0.1 at a free port."""
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{aid}/{filename}", self._attachment)
        app.router.add_get("/pages/{name}", self._page)
        api = "/api/v10"
        routes = [
            ("GET", "/users/@me", self._me),
            ("GET", "/oauth2/applications/@me", self._application),
            ("GET", "/gateway", self._gateway_info),
            ("GET", "/gateway/bot", self._gateway_info),
            ("PUT", "/applications/{app}/commands", self._put_commands),
            ("PUT", "/applications/{app}/guilds/{guild}/commands", self._put_commands),
            ("GET", "/applications/{app}/commands", self._get_commands),
            ("GET", "/applications/{app}/guilds/{guild}/commands", self._get_commands),
            ("POST", "/interactions/{iid}/{token}/callback", self._callback),
            ("POST", "/webhooks/{app}/{token}", self._followup),
            ("GET", "/webhooks/{app}/{token}/messages/{mid}", self._webhook_message),
            ("PATCH", "/webhooks/{app}/{token}/messages/{mid}", self._webhook_message),
            ("DELETE", "/webhooks/{app}/{token}/messages/{mid}", self._webhook_message),
            ("POST", "/channels/{channel}/messages", self._create_message),
            ("PATCH", "/channels/{channel}/messages/{mid}", self._edit_message),
            ("POST", "/channels/{channel}/typing", self._typing),
            ("POST", "/channels/{channel}/messages/{mid}/threads", self._create_thread),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, api + path, handler)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Close sockets and the server."""
        for ws, _ in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked after every change); return its value."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)
        return predicate()

    # ----------------------------------------------------------------- REST plumbing
    @web.middleware
    async def _middleware(self, request: web.Request, handler: Callable[..., Any]) -> web.StreamResponse:
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            body = json.loads(raw) if raw else None
        record = Recorded(request.method, request.path, dict(request.query), body)
        if request.path.startswith("/api/"):
            self.requests.append(record)
        try:
            needs_auth = (
                request.path.startswith("/api/")
                and "/webhooks/" not in request.path
                and "/interactions/" not in request.path
            )
            if needs_auth and request.headers.get("Authorization") != f"Bot {self.token}":
                raise Rejected(401, 0, "401: Unauthorized")
            request[BODY] = body
            limited = self._take_rate_limit(request.method, request.path)
            response = limited if limited is not None else await handler(request)
        except Rejected as exc:
            self.rejections.append(exc)
            response = self._json({"code": exc.code, "message": exc.message, "errors": exc.errors}, exc.status)
        record.status = response.status
        await self._notify()
        return response

    def rate_limit(
        self,
        method: str,
        path_suffix: str,
        *,
        times: int = 1,
        retry_after: float = 0.05,
        match: Callable[[str], bool] | None = None,
    ) -> None:
        """Answer the next ``times`` matching requests with 429, as Discord does when a bucket is empty.

        A request matches by method and path suffix, or by ``match(path)`` when that is given.
        """
        self._rate_limits.append([method, path_suffix, times, retry_after, match])

    def _take_rate_limit(self, method: str, path: str) -> web.Response | None:
        for rule in self._rate_limits:
            matched = rule[4](path) if rule[4] is not None else path.endswith(rule[1])
            if rule[0] == method and matched and rule[2] > 0:
                rule[2] -= 1
                self.rate_limited.append(f"{method} {path}")
                body = {"message": "You are being rate limited.", "retry_after": rule[3], "global": False}
                headers = {
                    "Content-Type": "application/json",
                    "Retry-After": str(rule[3]),
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset-After": str(rule[3]),
                    "X-RateLimit-Bucket": "fake",
                    "X-RateLimit-Scope": "user",
                    "Via": "1.1 google",  # without it discord.py takes a 429 for a Cloudflare ban
                }
                return web.Response(body=json.dumps(body).encode(), status=429, headers=headers)
        return None

    @staticmethod
    def _json(data: Any, status: int = 200) -> web.Response:
        # discord.py parses JSON only for exactly "application/json" (no charset).
        headers = {
            "Content-Type": "application/json",
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "4",
            "X-RateLimit-Reset-After": "1.0",
            "X-RateLimit-Bucket": "fake",
        }
        return web.Response(body=json.dumps(data).encode(), status=status, headers=headers)

    @staticmethod
    def _no_content() -> web.Response:
        return web.Response(status=204)

    async def _me(self, request: web.Request) -> web.Response:
        return self._json(self.bot_user)

    async def _application(self, request: web.Request) -> web.Response:
        return self._json(
            {
                "id": str(self.app_id),
                "name": "NewsBot",
                "description": "",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": self.owner,
                "verify_key": "00",
                "flags": 0,
            }
        )

    async def _gateway_info(self, request: web.Request) -> web.Response:
        return self._json(
            {
                "url": self.gateway_url,
                "shards": self.shard_count,
                "session_start_limit": {
                    "total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": self.max_concurrency,
                },
            }
        )

    # ----------------------------------------------------------------- commands
    async def _put_commands(self, request: web.Request) -> web.Response:
        guild = request.match_info.get("guild")
        guild_id = int(guild) if guild else None
        problems = []
        registered = []
        for command in request[BODY] or []:
            problems += self._command_problems(command)
            if command.get("default_member_permissions") is not None:  # Discord answers with a string
                command = {**command, "default_member_permissions": str(command["default_member_permissions"])}
            registered.append(
                {
                    **command,
                    "id": str(self.snowflake()),
                    "application_id": str(self.app_id),
                    "version": str(self.snowflake()),
                    **({"guild_id": str(guild_id)} if guild_id else {}),
                }
            )
        if len(registered) > 100:
            problems.append("more than 100 commands")
        if problems:
            raise Rejected(400, 50035, "Invalid Form Body", problems)
        self.commands[guild_id] = registered
        return self._json(registered)

    async def _get_commands(self, request: web.Request) -> web.Response:
        guild = request.match_info.get("guild")
        return self._json(self.commands.get(int(guild) if guild else None, []))

    def _command_problems(self, command: Json, *, depth: int = 0) -> list[str]:
        problems = []
        name, description = command.get("name", ""), command.get("description", "")
        if not (1 <= len(name) <= 32 and name == name.lower()):
            problems.append(f"command name {name!r}")
        if command.get("type", 1) == 1 and not 1 <= len(description) <= 100:
            problems.append(f"description of {name!r}")
        options = command.get("options") or []
        if len(options) > 25:
            problems.append(f"{name!r} has more than 25 options")
        for option in options:
            if option.get("type") in (1, 2):
                problems += self._command_problems(option, depth=depth + 1)
            else:
                problems += self._command_problems({**option, "options": []}, depth=depth + 1)
        return problems

    def find_command(self, name: str, guild_id: int | None = None) -> Json:
        """The registered command ``name`` (that guild's commands first); Discord would not offer others."""
        for scope in (guild_id or self.guild_id, None):
            for command in self.commands.get(scope, []):
                if command["name"] == name:
                    return command
        raise LookupError(f"/{name} is not registered with the fake Discord")

    # ----------------------------------------------------------------- dispatching interactions
    def _base_interaction(self, kind: int, user: Json, channel: str) -> Interaction:
        iid = self.snowflake()
        token = f"itoken-{iid}"
        channel_payload = self.channels[channel]
        guild_id = channel_payload.get("guild_id")
        if guild_id is None:  # a DM: no guild, no member, the user instead
            payload_dm: Json = {
                "id": str(iid),
                "application_id": str(self.app_id),
                "type": kind,
                "token": token,
                "version": 1,
                "channel_id": channel_payload["id"],
                "channel": channel_payload,
                "user": user,
                "app_permissions": str(ALL_PERMISSIONS),
                "locale": "en-US",
                "entitlements": [],
                "authorizing_integration_owners": {"1": user["id"]},
                "context": 1,
                "attachment_size_limit": 10_000_000,
            }
            record = Interaction(id=iid, token=token, type=kind, payload=payload_dm, created=time.monotonic())
            self.interactions[iid] = record
            return record
        payload: Json = {
            "id": str(iid),
            "application_id": str(self.app_id),
            "type": kind,
            "token": token,
            "version": 1,
            "guild_id": guild_id,
            "channel_id": channel_payload["id"],
            "channel": {**channel_payload, "permissions": str(self.permissions.get(user["id"], 0))},
            "member": self._member(user),
            "app_permissions": str(ALL_PERMISSIONS),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": guild_id},
            "context": 0,
            "attachment_size_limit": 10_000_000,
        }
        record = Interaction(id=iid, token=token, type=kind, payload=payload, created=time.monotonic())
        self.interactions[iid] = record
        return record

    def _command_data(
        self, name: str, options: dict[str, Any], user: Json, focused: str | None, guild_id: int | None
    ) -> Json:
        if guild_id is None:  # in DMs Discord offers global commands only, and not the guild-only ones
            command = next((c for c in self.commands.get(None, []) if c["name"] == name), None)
            if (
                command is None
                or command.get("dm_permission") is False
                or 1 not in (command.get("contexts") or [0, 1, 2])
            ):
                raise PermissionError(f"Discord does not offer /{name} in DMs")
        else:
            command = self.find_command(name, guild_id)
        required = command.get("default_member_permissions")
        if required is not None and self.permissions.get(user["id"], 0) & int(required) != int(required):
            raise PermissionError(f"Discord does not show /{name} to {user['username']}")
        schema_options = command.get("options") or []
        resolved: Json = {}
        option_payload = self._options(schema_options, options, resolved, focused)
        data: Json = {"id": command["id"], "name": command["name"], "type": 1, "options": option_payload}
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return data

    def _options(self, schema: list[Json], given: dict[str, Any], resolved: Json, focused: str | None) -> list[Json]:
        subcommands = [s for s in schema if s.get("type") in (1, 2)]
        if subcommands:
            ((sub_name, sub_given),) = given.items()
            sub = next((s for s in subcommands if s["name"] == sub_name), None)
            if sub is None:
                raise LookupError(f"no subcommand {sub_name!r}")
            return [
                {
                    "name": sub_name,
                    "type": sub["type"],
                    "options": self._options(sub.get("options") or [], sub_given, resolved, focused),
                }
            ]
        by_name = {s["name"]: s for s in schema}
        out = []
        for option in schema:
            if option.get("required") and option["name"] not in given and option["name"] != focused:
                raise ValueError(f"required option {option['name']!r} missing")
        for key, value in given.items():
            spec = by_name.get(key)
            if spec is None:
                raise LookupError(f"no option {key!r}")
            item: Json = {"name": key, "type": spec["type"], "value": value}
            kind = spec["type"]
            if key == focused:
                item["focused"] = True
                if not spec.get("autocomplete"):
                    raise ValueError(f"option {key!r} has no autocomplete")
            elif kind == 3:
                if not spec.get("min_length", 0) <= len(value) <= spec.get("max_length", 6000):
                    raise ValueError(f"{key!r} length outside the command's bounds")
            elif kind == 4:
                low, high = spec.get("min_value", -(2**53)), spec.get("max_value", 2**53)
                if not low <= value <= high:
                    raise ValueError(f"{key!r} outside {low}-{high}")
            elif kind == 7:
                channel = self.channels[value]
                item["value"] = channel["id"]
                resolved.setdefault("channels", {})[channel["id"]] = {**channel, "permissions": str(ALL_PERMISSIONS)}
            elif kind == 11:
                attachment, _ = self.attachments[value]
                resolved.setdefault("attachments", {})[value] = attachment
            out.append(item)
        return out

    async def _dispatch(self, event: str, data: Json, *, to: Callable[[int], Json | None] | None = None) -> None:
        """Send an event to every live session of its server's shard; a disconnected one gets it when it
        resumes, as on Discord."""
        for session in list(self._sessions.values()):
            payload = data if to is None else to(session.intents)
            if payload is None or not session.alive or not session.carries(payload):
                continue
            seq = next(self._seq)
            text = json.dumps({"op": 0, "t": event, "s": seq, "d": payload})
            session.events.append((seq, text))
            if session.ws is not None and not session.ws.closed:
                try:
                    await session.ws.send_str(text)
                except ConnectionResetError:  # cut under us: kept for the RESUME
                    session.ws = None

    async def slash(
        self, name: str, options: dict[str, Any] | None = None, *, user: Json | None = None, channel: str = "general"
    ) -> Interaction:
        """Invoke ``/name`` as ``user`` (default: member); options as {name: value} ({sub: {...}} for groups)."""
        user = user or self.member
        record = self._base_interaction(2, user, channel)
        record.payload["data"] = self._command_data(name, options or {}, user, None, self.guild_of(channel))
        await self._dispatch("INTERACTION_CREATE", record.payload)
        return record

    async def autocomplete(
        self,
        name: str,
        focused: str,
        typed: str,
        options: dict[str, Any] | None = None,
        *,
        user: Json | None = None,
        channel: str = "general",
    ) -> Interaction:
        """Type ``typed`` into option ``focused`` of ``/name`` (options as in ``slash``)."""
        user = user or self.member
        record = self._base_interaction(4, user, channel)
        given = _with_focused(options or {}, focused, typed)
        record.payload["data"] = self._command_data(name, given, user, focused, self.guild_of(channel))
        await self._dispatch("INTERACTION_CREATE", record.payload)
        return record

    async def click(self, message: Json, label: str, *, user: Json | None = None) -> Interaction:
        """Press the button labelled ``label`` on ``message``."""
        user = user or self.member
        current = self.messages[int(message["id"])]
        buttons = [c for row in current.get("components") or [] for c in row.get("components") or []]
        button = next((b for b in buttons if b.get("label") == label), None)
        if button is None:
            raise LookupError(f"no button {label!r} on message {message['id']}")
        if button.get("disabled"):
            raise ValueError(f"button {label!r} is disabled")
        channel = next(n for n, c in self.channels.items() if c["id"] == current["channel_id"])
        record = self._base_interaction(3, user, channel)
        record.payload["message"] = current
        record.payload["data"] = {"custom_id": button["custom_id"], "component_type": 2}
        await self._dispatch("INTERACTION_CREATE", record.payload)
        return record

    async def choose(self, message: Json, label: str, *, user: Json | None = None) -> Interaction:
        """Pick the option labelled ``label`` in the (first) select menu of ``message``."""
        user = user or self.member
        current = self.messages[int(message["id"])]
        items = [c for row in current.get("components") or [] for c in row.get("components") or []]
        menu = next((c for c in items if c.get("type") == 3), None)
        if menu is None:
            raise LookupError(f"no select menu on message {message['id']}")
        if menu.get("disabled"):
            raise ValueError("the select menu is disabled")
        option = next((o for o in menu.get("options") or [] if o.get("label") == label), None)
        if option is None:
            raise LookupError(f"no option {label!r} in the select menu of message {message['id']}")
        channel = next(n for n, c in self.channels.items() if c["id"] == current["channel_id"])
        record = self._base_interaction(3, user, channel)
        record.payload["message"] = current
        record.payload["data"] = {"custom_id": menu["custom_id"], "component_type": 3, "values": [option["value"]]}
        await self._dispatch("INTERACTION_CREATE", record.payload)
        return record

    # ----------------------------------------------------------------- interaction responses
    def _interaction_by_token(self, token: str) -> Interaction:
        for record in self.interactions.values():
            if record.token == token:
                if time.monotonic() - record.created > self.token_lifetime:
                    raise Rejected(401, 50027, "Invalid Webhook Token")
                return record
        raise Rejected(404, 10015, "Unknown Webhook")

    async def _callback(self, request: web.Request) -> web.Response:
        iid = int(request.match_info["iid"])
        record = self.interactions.get(iid)
        body = request[BODY] or {}
        if record is None or record.token != request.match_info["token"]:
            raise Rejected(404, 10062, "Unknown interaction")
        delay = time.monotonic() - record.created
        try:
            if delay > self.response_deadline:
                raise Rejected(404, 10062, "Unknown interaction")
            if record.responded:
                raise Rejected(400, 40060, "Interaction has already been acknowledged.")
            kind = body.get("type")
            data = body.get("data") or {}
            allowed = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}[record.type]
            if kind not in allowed:
                raise Rejected(
                    400, 50035, "Invalid Form Body", f"response type {kind} for interaction type {record.type}"
                )
            message: Json | None = None
            if kind == 8:
                choices = data.get("choices") or []
                bad = [
                    c for c in choices if not 1 <= len(c.get("name", "")) <= 100 or len(str(c.get("value", ""))) > 100
                ]
                if len(choices) > 25 or bad:
                    raise Rejected(400, 50035, "Invalid Form Body", f"{len(choices)} choices, {len(bad)} bad")
                record.choices = choices
            elif kind == 4:
                self._check_body(data, creating=True)
                message = self._new_message(
                    record.payload["channel_id"], data, flags=data.get("flags", 0), interaction=record
                )
                record.original_id = int(message["id"])
            elif kind == 5:
                flags = (data.get("flags") or 0) | LOADING
                message = self._new_message(
                    record.payload["channel_id"], {"content": ""}, flags=flags, interaction=record
                )
                record.original_id = int(message["id"])
            elif kind == 9:
                problems = modal_problems(data)
                if problems:
                    raise Rejected(400, 50035, "Invalid Form Body", problems)
                record.modal = data
            elif kind == 7:
                self._check_body(data, creating=False)
                message = self._edit(int(record.payload["message"]["id"]), data)
            if kind in (6, 7):  # for a component, the original response is the message it is on
                record.original_id = int(record.payload["message"]["id"])
        except Rejected as exc:
            record.errors.append((exc.status, exc.code))
            raise
        record.callbacks.append(body)
        record.callback_delays.append(delay)
        answer: Json = {
            "interaction": {
                "id": str(record.id),
                "type": record.type,
                "response_message_id": message["id"] if message else None,
                "response_message_loading": bool(message and message["flags"] & LOADING),
                "response_message_ephemeral": bool(message and message["flags"] & EPHEMERAL),
            },
            "resource": {"type": kind, **({"message": message} if message else {})},
        }
        return self._json(answer)

    def _check_body(self, body: Json, *, creating: bool) -> None:
        problems = message_problems(body, creating=creating)
        if problems:
            raise Rejected(400, 50035, "Invalid Form Body", problems)

    async def _followup(self, request: web.Request) -> web.Response:
        record = self._interaction_by_token(request.match_info["token"])
        if not record.responded:
            raise Rejected(404, 10015, "Unknown Webhook")
        body = request[BODY] or {}
        self._check_body(body, creating=True)
        original = self.messages.get(record.original_id or 0)
        if original is not None and original["flags"] & LOADING and not original.get("deleted"):
            # The first follow-up after a deferred response becomes that response; its flags stay.
            message = self._edit(int(original["id"]), body)
            message["flags"] &= ~LOADING
        else:
            message = self._new_message(
                record.payload["channel_id"], body, flags=body.get("flags", 0), interaction=record
            )
            record.followup_ids.append(int(message["id"]))
        if request.query.get("wait") in ("1", "true", "True"):
            return self._json(message)
        return self._no_content()

    async def _webhook_message(self, request: web.Request) -> web.Response:
        record = self._interaction_by_token(request.match_info["token"])
        mid = request.match_info["mid"]
        message_id = record.original_id if mid == "@original" else int(mid)
        message = self.messages.get(message_id or 0)
        if message is None or message.get("deleted"):
            raise Rejected(404, 10008, "Unknown Message")
        if request.method == "DELETE":
            message["deleted"] = True
            return self._no_content()
        if request.method == "PATCH":
            body = request[BODY] or {}
            self._check_body(body, creating=False)
            message = self._edit(int(message["id"]), body)
            message["flags"] &= ~LOADING
        return self._json(message)

    # ----------------------------------------------------------------- channel messages
    def _new_message(
        self,
        channel_id: str,
        body: Json,
        *,
        flags: int,
        interaction: Interaction | None = None,
        author: Json | None = None,
        reference: Json | None = None,
    ) -> Json:
        mid = self.snowflake()
        message: Json = {
            "id": str(mid),
            "channel_id": str(channel_id),
            **self._channel_guild(str(channel_id)),
            "type": 19 if reference else (20 if interaction else 0),
            "content": body.get("content") or "",
            "author": author or self.bot_user,
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "attachments": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": pings(body),
            "pinned": False,
            "tts": False,
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "flags": flags & (EPHEMERAL | LOADING),
            "allowed_mentions": body.get("allowed_mentions"),
        }
        if reference:
            message["message_reference"] = reference
        if interaction is not None:
            user = (
                interaction.payload["member"]["user"]
                if "member" in interaction.payload
                else interaction.payload["user"]
            )
            message["webhook_id"] = str(self.app_id)
            message["application_id"] = str(self.app_id)
            message["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": user,
                "authorizing_integration_owners": {},
            }
        self.messages[mid] = message
        if self.on_message is not None:
            self.on_message(message)
        return message

    def _channel_guild(self, channel_id: str) -> Json:
        channel = next((c for c in self.channels.values() if c["id"] == channel_id), None)
        if channel is None:
            return {"guild_id": str(self.guild_id)}
        return {"guild_id": channel["guild_id"]} if channel.get("guild_id") else {}

    def _edit(self, message_id: int, body: Json) -> Json:
        message = self.messages[message_id]
        for key in ("content", "embeds", "components", "allowed_mentions"):
            if key in body:
                message[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        message["mention_everyone"] = message["mention_everyone"] or pings(body)
        message["edited_timestamp"] = _now_iso()
        return message

    async def _create_message(self, request: web.Request) -> web.Response:
        channel_id = request.match_info["channel"]
        if channel_id not in {c["id"] for c in self.channels.values()}:
            raise Rejected(404, 10003, "Unknown Channel")
        body = request[BODY] or {}
        self._check_body(body, creating=True)
        reference = body.get("message_reference")
        if reference:
            target = self.messages.get(int(reference.get("message_id", 0)))
            if (target is None or target["channel_id"] != channel_id) and reference.get("fail_if_not_exists", True):
                raise Rejected(400, 50035, "Invalid Form Body", "message_reference: unknown message")
        if reference:  # Discord answers with string ids
            reference = {k: str(v) if k.endswith("_id") else v for k, v in reference.items()}
        message = self._new_message(channel_id, body, flags=body.get("flags", 0), reference=reference)
        response = self._json(message)
        task = asyncio.get_running_loop().create_task(self._echo(message))  # the bot's own message comes back
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return response

    async def _echo(self, message: Json) -> None:
        await self._dispatch("MESSAGE_CREATE", message)

    async def _edit_message(self, request: web.Request) -> web.Response:
        message = self.messages.get(int(request.match_info["mid"]))
        if message is None or message["channel_id"] != request.match_info["channel"]:
            raise Rejected(404, 10008, "Unknown Message")
        if message["author"]["id"] != self.bot_user["id"]:
            raise Rejected(403, 50005, "Cannot edit a message authored by another user")
        body = request[BODY] or {}
        self._check_body(body, creating=False)
        return self._json(self._edit(int(message["id"]), body))

    async def _typing(self, request: web.Request) -> web.Response:
        return self._no_content()

    def add_page(self, name: str, html: str, *, content_type: str = "text/html; charset=utf-8") -> str:
        """Serve a web page (a stand-in news site on 127.0.0.1); returns its URL."""
        self.pages[name] = (content_type, html.encode("utf-8"))
        return f"http://127.0.0.1:{self.port}/pages/{name}"

    async def _page(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name in self.redirects:
            return web.Response(status=302, headers={"Location": f"/pages/{self.redirects[name]}"})
        found = self.pages.get(name)
        if found is None:
            return web.Response(status=404, text="not found")
        return web.Response(body=found[1], headers={"Content-Type": found[0]})

    async def _attachment(self, request: web.Request) -> web.Response:
        """The CDN: the bytes of an uploaded file."""
        aid = request.match_info["aid"]
        self.downloads.append(aid)
        if aid not in self.attachments:
            return web.Response(status=404)
        payload, data = self.attachments[aid]
        return web.Response(
            body=data, headers={"Content-Type": payload.get("content_type") or "application/octet-stream"}
        )

    async def post_message(
        self,
        content: str,
        *,
        user: Json | None = None,
        channel: str = "general",
        mention_bot: bool = False,
        reply_to: Json | None = None,
    ) -> Json:
        """A user writes in a channel (replying to ``reply_to``, without pinging its author unless
        ``mention_bot``); gateway clients get MESSAGE_CREATE as their intents allow."""
        user = user or self.member
        text = f"<@{self.bot_user['id']}> {content}" if mention_bot else content
        reference = None
        if reply_to is not None:
            reference = {"message_id": reply_to["id"], "channel_id": reply_to["channel_id"]}
            if reply_to.get("guild_id"):
                reference["guild_id"] = reply_to["guild_id"]
        message = self._new_message(
            self.channels[channel]["id"], {"content": text}, flags=0, author=user, reference=reference
        )
        if reply_to is not None:
            message["referenced_message"] = self.messages[int(reply_to["id"])]
        direct = "guild_id" not in message
        if not direct:
            message["member"] = {k: v for k, v in self._member(user).items() if k != "user"}
        message["mentions"] = [self.bot_user] if mention_bot else []
        message["mention_everyone"] = False

        def visible(intents: int) -> Json | None:
            if not intents & (DIRECT_MESSAGES if direct else GUILD_MESSAGES):
                return None
            if intents & MESSAGE_CONTENT or direct or mention_bot or user["id"] == self.bot_user["id"]:
                return message
            return {**message, "content": "", "embeds": [], "attachments": [], "components": []}

        await self._dispatch("MESSAGE_CREATE", message, to=visible)
        return message

    async def _create_thread(self, request: web.Request) -> web.Response:
        """A thread started from a message (only in a guild text channel the bot may use for threads)."""
        channel_id, mid = request.match_info["channel"], int(request.match_info["mid"])
        name_of = {c["id"]: n for n, c in self.channels.items()}
        parent = self.channels.get(name_of.get(channel_id, ""))
        message = self.messages.get(mid)
        if parent is None or message is None or message["channel_id"] != channel_id:
            raise Rejected(404, 10008, "Unknown Message")
        if parent["type"] != 0 or name_of[channel_id] in self.no_threads:
            raise Rejected(403, 50013, "Missing Permissions")
        if message.get("thread"):
            raise Rejected(400, 160004, "A thread has already been created for this message")
        body = request[BODY] or {}
        name = str(body.get("name") or "")
        if not 1 <= len(name) <= 100:
            raise Rejected(400, 50035, "Invalid Form Body", f"thread name of {len(name)} characters")
        thread: Json = {
            "id": str(mid),  # Discord gives a thread started from a message the message's id
            "type": PUBLIC_THREAD,
            "guild_id": parent["guild_id"],
            "parent_id": channel_id,
            "owner_id": self.bot_user["id"],
            "name": name,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "message_count": 0,
            "member_count": 1,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": int(body.get("auto_archive_duration") or 1440),
                "archive_timestamp": _now_iso(),
                "locked": False,
            },
            "flags": 0,
        }
        self.channels[f"thread-{mid}"] = thread
        message["thread"] = thread
        await self._dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return self._json(thread)

    def thread_of(self, message: Json) -> str | None:
        """The name (for ``post_message(channel=...)``) of the thread started from ``message``."""
        name = f"thread-{message['id']}"
        return name if name in self.channels else None

    async def submit_modal(
        self, record: Interaction, values: dict[str, str], *, user: Json | None = None
    ) -> Interaction:
        """Fill in and submit the form the bot answered ``record`` with (text inputs by custom id, or
        the only one under the key "")."""
        if record.modal is None:
            raise LookupError("the bot answered with no form")
        inputs = [c for row in record.modal.get("components") or [] for c in row.get("components") or []]
        if "" in values and len(inputs) == 1:
            values = {inputs[0]["custom_id"]: values[""]}
        user = user or self.member
        channel = next(n for n, c in self.channels.items() if c["id"] == record.payload["channel_id"])
        submit = self._base_interaction(5, user, channel)
        if "message" in record.payload:
            submit.payload["message"] = record.payload["message"]
        submit.payload["data"] = {
            "custom_id": record.modal["custom_id"],
            "components": [
                {
                    "type": 1,
                    "components": [{"type": 4, "custom_id": i["custom_id"], "value": values.get(i["custom_id"], "")}],
                }
                for i in inputs
            ],
        }
        await self._dispatch("INTERACTION_CREATE", submit.payload)
        return submit

    # ----------------------------------------------------------------- queries for tests
    def replies_to(self, message: Json) -> list[Json]:
        """Messages the bot sent as replies to ``message``."""
        return [
            m for m in self.messages.values() if (m.get("message_reference") or {}).get("message_id") == message["id"]
        ]

    def interaction_messages(self, record: Interaction) -> list[Json]:
        """The original response and follow-ups of an interaction that still exist and are not loading."""
        ids = [record.original_id, *record.followup_ids] if record.original_id else record.followup_ids
        found = [self.messages[i] for i in ids if i in self.messages]
        return [m for m in found if not m.get("deleted") and not m["flags"] & LOADING]

    async def choices(self, record: Interaction, timeout: float = 5.0) -> list[Json]:
        """Wait for the choices the bot offered for an autocomplete interaction."""
        await self.wait_for(lambda: record.choices is not None, timeout)
        return record.choices or []

    async def reply(self, record: Interaction, timeout: float = 5.0) -> Json:
        """Wait for the interaction's visible answer (its last message)."""
        found = await self.wait_for(lambda: self.interaction_messages(record), timeout)
        return found[-1]

    def bot_message_bodies(self) -> list[Any]:
        """Every request body in which the bot sent or edited message content or embeds."""
        bodies = []
        for request in self.requests:
            body = request.body if isinstance(request.body, dict) else {}
            if request.path.endswith("/callback"):
                body = body.get("data") or {}
            if request.method in ("POST", "PATCH") and ("content" in body or "embeds" in body):
                bodies.append(body)
        return bodies

    # ----------------------------------------------------------------- gateway
    @property
    def connected(self) -> int:
        """How many gateway connections are identified or resumed and open."""
        return sum(1 for ws, _ in self._sockets if not ws.closed)

    async def drop_gateway(self, code: int | None = 4000) -> None:
        """Close every gateway connection with ``code`` (Discord uses 4000 for "unknown error, reconnect"),
        or with ``code=None`` cut the TCP connection without a close frame."""
        sockets, self._sockets = list(self._sockets), []
        for session in self._sessions.values():
            session.ws = None
        for ws, _ in sockets:
            if code is None:
                transport = self._transports.get(id(ws))
                if transport is not None:
                    transport.abort()
            else:
                self.close_codes.append(code)
                await ws.close(code=code, message=b"Dropped by the test.")
        await self._notify()

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._transports[id(ws)] = request.transport
        if self.hello_barrier > 1:  # the test wants these clients to IDENTIFY at the same moment
            self._hello_waiting += 1
            if self._hello_waiting >= self.hello_barrier:
                self.hello_barrier = 0
                self._hello_released.set()
            await self._hello_released.wait()
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None}))
        intents = 0
        try:
            sent: list[float] = []
            async for frame in ws:
                if frame.type != WSMsgType.TEXT:
                    continue
                now = time.monotonic()
                sent = [t for t in sent if now - t < 60.0] + [now]
                if len(sent) > self.gateway_send_limit:
                    self.close_codes.append(4008)
                    await ws.close(code=4008, message=b"Rate limited.")
                    break
                data = json.loads(frame.data)
                op = data.get("op")
                if op == 1:
                    await ws.send_str(json.dumps({"op": 11}))
                elif op == 2:
                    intents = int(data["d"].get("intents", 0))
                    self.identify_intents.append(intents)
                    if data["d"].get("token") != self.token:
                        self.close_codes.append(4004)
                        await ws.close(code=4004, message=b"Authentication failed.")
                        break
                    if intents & PRIVILEGED & ~(MESSAGE_CONTENT if self.portal_message_content else 0):
                        self.close_codes.append(4014)
                        await ws.close(code=4014, message=b"Disallowed intent(s).")
                        break
                    shard_id, shard_count = (int(n) for n in data["d"].get("shard") or (0, 1))
                    in_use = {
                        s.shard[1] for s in self._sessions.values() if s.alive and s.ws is not None and not s.ws.closed
                    }
                    refused = fake_shards.refusal(shard_id, shard_count, in_use, self.min_shards)
                    self.identifies.append(Identify(time.monotonic(), shard_id, shard_count, refused))
                    if refused is not None:
                        self.close_codes.append(refused)
                        await ws.close(code=refused, message=fake_shards.REASONS[refused])
                        break
                    session_id = f"fake-session-{len(self._sessions) + 1}"
                    session = Session(intents=intents, ws=ws, shard=(shard_id, shard_count))
                    self._sessions[session_id] = session
                    await self._ready(ws, session_id, session)
                    self._sockets.append((ws, intents))
                    await self._notify()
                elif op == 6:
                    resume = data.get("d") or {}
                    session_id = str(resume.get("session_id"))
                    if resume.get("token") != self.token:
                        self.close_codes.append(4004)
                        await ws.close(code=4004, message=b"Authentication failed.")
                        break
                    session = self._sessions.get(session_id)
                    if not self.resumable or session is None or not session.alive:
                        if session is not None:
                            session.alive = False
                        await ws.send_str(json.dumps({"op": 9, "d": False, "s": None, "t": None}))
                        continue
                    intents = session.intents
                    self.resumes.append(session_id)
                    session.ws = ws
                    last = int(resume.get("seq") or 0)
                    for seq, text in session.events:  # what the client missed while it was away
                        if seq > last:
                            await ws.send_str(text)
                    await ws.send_str(json.dumps({"op": 0, "t": "RESUMED", "s": next(self._seq), "d": {}}))
                    self._sockets.append((ws, intents))
                    await self._notify()
        finally:
            self._sockets = [(s, i) for s, i in self._sockets if s is not ws]
            self._transports.pop(id(ws), None)
            for session in self._sessions.values():
                if session.ws is ws:
                    session.ws = None
            await self._notify()
        return ws

    async def _ready(self, ws: web.WebSocketResponse, session_id: str, session: Session) -> None:
        guilds = [guild_id for guild_id in self.guild_names if fake_shards.on_shard(guild_id, *session.shard)]
        ready = {
            "v": 10,
            "user": self.bot_user,
            "guilds": [{"id": str(guild_id), "unavailable": True} for guild_id in guilds],
            "session_id": session_id,
            "resume_gateway_url": self.gateway_url,
            "shard": list(session.shard),
            "application": {"id": str(self.app_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        await ws.send_str(json.dumps({"op": 0, "t": "READY", "s": next(self._seq), "d": ready}))
        for guild_id in guilds:
            await ws.send_str(
                json.dumps({"op": 0, "t": "GUILD_CREATE", "s": next(self._seq), "d": self._guild(guild_id)})
            )

    def _guild(self, guild_id: int) -> Json:
        return {
            "id": str(guild_id),
            "name": self.guild_names[guild_id],
            "unavailable": False,
            "owner_id": self.owner["id"],
            "channels": [
                c for c in self.channels.values() if c.get("guild_id") == str(guild_id) and c["type"] != PUBLIC_THREAD
            ],
            "threads": [],
            "voice_states": [],
            "presences": [],
            "roles": [
                {
                    "id": str(guild_id),
                    "name": "@everyone",
                    "permissions": str(MEMBER_PERMISSIONS),
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                }
            ],
            "members": [self._member(self.bot_user)],
            "member_count": 5,
            "large": False,
            "features": [],
            "emojis": [],
            "stickers": [],
            "joined_at": _now_iso(),
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "system_channel_flags": 0,
        }
