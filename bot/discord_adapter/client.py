"""The Discord client: receives its collaborators by keyword, loads the cogs, syncs only on request."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any

import discord
from discord.ext import commands

from bot.discord_adapter.answers import DYNAMIC_ITEMS, AnswerBook, embed_for
from bot.discord_adapter.conversations import ConversationBook
from bot.discord_adapter.cooldown import Cooldown
from bot.discord_adapter.errors import NewsTree
from bot.discord_adapter.identify import IdentifyGate, MemoryIdentifyGate, identify_key, wait_turn
from bot.discord_adapter.render import Page, render_answer
from bot.discord_adapter.store import AnswerState, BotStore
from bot.discord_adapter.views import needs_view
from bot.feeds.follow import Feeds
from bot.fetch_pool import FetchPool
from bot.library import Library
from bot.models import Answer
from bot.service import NewsService
from bot.shards import ShardPlan

log = logging.getLogger(__name__)

EXTENSIONS: tuple[str, ...] = tuple(
    f"bot.discord_adapter.cogs.{name}"
    for name in (
        "ask", "quotes", "summary", "topic", "about", "articles", "help", "config", "corpus", "insights", "mentions",
        "feeds",
    )
)


class NewsBot(commands.AutoShardedBot):
    """Slash commands, mentions and ask-channels over one ``NewsService``.

    Always discord.py's sharded client: ``shard_count`` shards in all (None: as many as Discord's
    ``GET /gateway/bot`` recommends, one for a bot in fewer than 2,500 servers) of which this process
    runs ``shard_ids`` (None: all). Before each IDENTIFY it waits for a turn from ``identify_gate``
    (one per ``identify_interval_s`` per key ``shard_id % max_concurrency``), shared by every process
    of the bot; the default gate paces this process only.

    There are no prefix commands: ``on_message`` is handled by the mentions cog only, so a message
    such as "@Bot question" never goes through the prefix-command machinery.

    ``library`` (optional) enables ``/corpus``; without it the command explains it is off.
    ``ask_cooldown`` limits questions (slash, mention, ask-channel) and ``corpus_cooldown`` corpus
    changes, per user; 0 turns one off. Pages are fetched on ``fetches``, threads of their own
    (``fetch_workers`` at once, ``fetch_per_server`` for one server), never on the default executor
    that answers questions.

    Questions are counted for ``/insights``, their text kept ``insights_days`` (0: no text kept).
    ``invite_url`` and ``support_url`` are shown by ``/about``; ``clock`` (monotonic seconds) times
    the uptime it shows. ``feeds`` (optional) enables ``/feeds``
    and polls them while connected. ``upkeep`` (e.g. taking in the articles another process added to the
    store, starting a compaction) runs on a thread every ``upkeep_interval_s`` seconds while connected.
    """

    def __init__(
        self,
        *,
        service: NewsService,
        store: BotStore,
        dev_guild_id: int | None = None,
        message_content_intent: bool = False,
        view_timeout: float = 600.0,
        result_pages: int = 3,
        library: Library | None = None,
        ask_cooldown_s: float = 3.0,
        corpus_cooldown_s: float = 30.0,
        fetch_workers: int = 8,
        fetch_per_server: int = 2,
        insights_days: int = 30,
        invite_url: str | None = None,
        support_url: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        feeds: Feeds | None = None,
        start_info: Callable[[int, str], str] | None = None,
        upkeep: Callable[[], object] | None = None,
        upkeep_interval_s: float = 2.0,
        shard_count: int | None = None,
        shard_ids: tuple[int, ...] | None = None,
        identify_gate: IdentifyGate | None = None,
        identify_interval_s: float = 5.0,
        **options: Any,  # noqa: ANN401 - passed through to discord.Client (e.g. guild_ready_timeout)
    ) -> None:
        intents = discord.Intents.default()
        intents.message_content = message_content_intent
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            tree_cls=NewsTree,
            allowed_mentions=discord.AllowedMentions.none(),
            shard_count=shard_count,
            shard_ids=list(shard_ids) if shard_ids is not None else None,
            **options,
        )
        self.shard_plan = ShardPlan(shard_count, shard_ids)
        self.identify_gate: IdentifyGate = identify_gate if identify_gate is not None else MemoryIdentifyGate()
        self._local_gate = MemoryIdentifyGate()  # when the shared gate fails (its database away)
        self.identify_interval_s = identify_interval_s
        self.max_concurrency = 1  # from GET /gateway/bot when connecting
        self._identified: set[int | None] = set()  # shards that have IDENTIFYed once in this process
        self.service = service
        self.store = store
        self.dev_guild_id = dev_guild_id
        self.message_content_intent = message_content_intent
        self.view_timeout = view_timeout
        self.result_pages = result_pages
        self.library = library
        self.ask_cooldown = Cooldown(ask_cooldown_s)
        self.corpus_cooldown = Cooldown(corpus_cooldown_s)
        self.fetches = FetchPool(workers=fetch_workers, per_server=fetch_per_server)
        self.answers = AnswerBook(service, store)
        self.conversations = ConversationBook()  # in memory only: follow-up questions read earlier answers
        self.insights_days = insights_days
        self.invite_url = invite_url
        self.support_url = support_url
        self.clock = clock
        self.started = clock()
        self.feeds = feeds
        self.start_info = start_info  # the start line, given the number of servers and the shards (logged once)
        self.upkeep = upkeep
        self.upkeep_interval_s = upkeep_interval_s
        self._upkeep_task: asyncio.Task[None] | None = None
        self._upkeep_wake = asyncio.Event()

    async def reply_parts(self, answer: Answer, state: AnswerState) -> tuple[discord.Embed, discord.ui.View | None]:
        """The embed and buttons of an answer: counts the question for ``/insights`` and, when the
        answer gets buttons, saves what they need to work after a restart."""

        def record() -> int | None:
            self.store.record_question(
                state.guild_id, answer.question, answered=not answer.abstained, today=dt.date.today(),
                keep_days=self.insights_days,
            )  # fmt: skip
            return self.answers.remember(state, answer) if needs_view(answer) else None

        key = await asyncio.to_thread(record)
        if key is None:
            return render_answer(answer), None
        page = Page(index=0, size=state.per_page, total=len(answer.excerpts))
        return embed_for(answer, page), self.answers.view(key, answer, page)

    async def setup_hook(self) -> None:
        """Load the cogs and the answer buttons of earlier runs; sync the commands to the development
        guild only, if one is configured."""
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if self.dev_guild_id is not None:
            guild = discord.Object(id=self.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to development guild %s", len(synced), self.dev_guild_id)
        if self.upkeep is not None:
            self._upkeep_task = asyncio.create_task(self._run_upkeep(self.upkeep), name="newsbot-upkeep")
            # PostgreSQL tells at once when another process changed the store (SQLite is polled).
            self.store.db.on_change(self.wake_upkeep)
            if self.library is not None:
                self.library.store.on_change(self.wake_upkeep)

    async def _run_upkeep(self, upkeep: Callable[[], object]) -> None:
        """Call ``upkeep`` on a thread every ``upkeep_interval_s`` seconds until the bot closes; a
        failure is logged and the next round tried."""
        while not self.is_closed():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._upkeep_wake.wait(), self.upkeep_interval_s)
            self._upkeep_wake.clear()
            try:
                await asyncio.to_thread(upkeep)
                await asyncio.to_thread(self.store.refresh_if_changed)  # ask-channels set elsewhere
            except Exception:
                log.exception("upkeep failed (the next round tries again)")

    def wake_upkeep(self) -> None:
        """Run the upkeep now rather than at the end of its interval: another process changed the
        store (a PostgreSQL notification). Safe to call from any thread."""
        with contextlib.suppress(RuntimeError):  # the loop is closed: nothing left to keep up
            self.loop.call_soon_threadsafe(self._upkeep_wake.set)

    async def close(self) -> None:
        """Stop the upkeep and fetching (running fetches end by their deadline), then disconnect."""
        if self._upkeep_task is not None:
            self._upkeep_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._upkeep_task
        self.fetches.close()
        await super().close()

    async def connect(self, *, reconnect: bool = True) -> None:
        """Learn ``max_concurrency`` (and, without a ``shard_count``, the recommended count) from
        ``GET /gateway/bot``, then connect the shards. The gateway address stays discord.py's
        (``DISCORD_GATEWAY_URL`` when set), as for an unsharded client."""
        try:
            count, _url, limits = await self.http.get_bot_gateway()
        except (discord.GatewayNotFound, OSError):
            if self.shard_count is None:
                raise
            log.warning("GET /gateway/bot failed: IDENTIFYs paced as if max_concurrency were 1")
        else:
            self.max_concurrency = max(1, int(limits.get("max_concurrency", 1)))
            if self.shard_count is None:
                self.shard_count = count
            log.info(
                "connecting %s (Discord recommends %d; %d session starts left today, max_concurrency %d)",
                self.shard_plan.describe(self.shard_count), count, limits.get("remaining", -1), self.max_concurrency,
            )  # fmt: skip
        await super().connect(reconnect=reconnect)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Wait for this shard's IDENTIFY turn from the shared gate (instead of discord.py's 5 s
        sleep between the shards of this process only). A shard that IDENTIFYs again (its session
        was invalidated) first pauses as discord.py does (up to 5 s), as Discord asks."""
        if shard_id in self._identified:
            await asyncio.sleep(min(5.0, self.identify_interval_s))
        self._identified.add(shard_id)
        key = identify_key(shard_id, self.max_concurrency)
        try:
            waited = await wait_turn(self.identify_gate, key, self.identify_interval_s)
        except Exception as exc:  # discord.py would close every shard for any error raised here
            log.warning("the shared IDENTIFY gate failed (%s): pacing this process's shards only", exc)
            waited = await wait_turn(self._local_gate, key, self.identify_interval_s)
        if waited > 0:
            log.info("shard %s waited %.1f s for its IDENTIFY turn (key %d)", shard_id, waited, key)

    def shards_text(self) -> str:
        """The shards this process runs, e.g. ``shards 0,1 of 2``."""
        return self.shard_plan.describe(self.shard_count)

    async def on_message(self, message: discord.Message) -> None:
        """Prefix commands are not used; questions in messages are the mentions cog's job."""

    async def on_ready(self) -> None:
        """Log who we are, and the start line the first time."""
        log.info("connected as %s (%s) to %d guild(s)", self.user, self.user.id if self.user else "?", len(self.guilds))
        if self.start_info is not None:
            log.info("%s", self.start_info(len(self.guilds), self.shards_text()))
            self.start_info = None
