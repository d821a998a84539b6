"""Sharded bots in this process against the fake Discord: routing, IDENTIFY pacing, refusals, /about."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.discord_adapter.errors import DiscordStartupError
from bot.discord_adapter.identify import FileIdentifyGate, MemoryIdentifyGate
from bot.discord_adapter.runner import run_discord
from bot.service import NewsService
from tests.e2e.conftest import running_bot
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.helpers import assert_clean, embed

INTERVAL = 0.3
SLACK = 0.1


async def _sharded_fake(*, max_concurrency: int = 1) -> FakeDiscord:
    fake = FakeDiscord(shard_count=2, max_concurrency=max_concurrency, identify_interval_s=INTERVAL)
    await fake.start()
    return fake


async def test_one_process_with_both_shards_paces_them_and_answers_both_servers(
    news_service: NewsService, tmp_path: Path
) -> None:
    fake = await _sharded_fake()
    try:
        gate = FileIdentifyGate(tmp_path / "turns.json")
        async with running_bot(
            fake, news_service, tmp_path / "data", shard_count=2, identify_gate=gate, identify_interval_s=INTERVAL
        ) as client:
            assert client.shards_text() == "shards 0,1 of 2"
            assert [i.shard for i in fake.identifies] == [0, 1]
            assert fake.pacing_problems(slack_s=SLACK) == []
            fake.commands[fake.other_guild_id] = fake.commands[fake.guild_id]  # as if synced there too
            cards = {}
            for channel in ("general", "other-general"):
                reply = await fake.reply(await fake.slash("about", channel=channel))
                cards[channel] = {f["name"]: f["value"] for f in embed(reply)["fields"]}
        assert cards["general"]["Shard"] == "0 of 2 (this process: 0,1)"
        assert cards["other-general"]["Shard"] == "1 of 2 (this process: 0,1)"
        assert cards["general"]["Servers"] == "2"
        assert_clean(fake)
    finally:
        await fake.stop()


async def test_without_shard_settings_discords_count_is_used(news_service: NewsService, tmp_path: Path) -> None:
    fake = await _sharded_fake()  # Discord recommends 2 shards
    try:
        async with running_bot(fake, news_service, tmp_path / "data", identify_interval_s=INTERVAL) as client:
            assert client.shard_count == 2 and client.shards_text() == "shards 0,1 of 2"
            assert sorted(i.shard for i in fake.identifies) == [0, 1] and fake.pacing_problems(slack_s=SLACK) == []
            assert {g.id for g in client.guilds} == {fake.guild_id, fake.other_guild_id}
    finally:
        await fake.stop()


@pytest.mark.parametrize(("max_concurrency", "spaced"), [(1, True), (2, False)])
async def test_two_bots_take_turns_per_rate_limit_key(
    news_service: NewsService, tmp_path: Path, max_concurrency: int, spaced: bool
) -> None:
    """Released together (HELLO held for both), shards 0 and 1 share key 0 with max_concurrency 1 and
    wait for each other; with max_concurrency 2 their keys differ and neither waits."""
    fake = await _sharded_fake(max_concurrency=max_concurrency)
    fake.hello_barrier = 2
    gate = MemoryIdentifyGate()  # one gate for both, as the file gate is for two processes
    both_ready = asyncio.Barrier(2)
    try:
        async with asyncio.TaskGroup() as group:
            bots = [
                group.create_task(_serve_until_both_ready(fake, news_service, tmp_path / f"d{n}", n, gate, both_ready))
                for n in (0, 1)
            ]
        assert all(task.result() for task in bots)
        assert fake.pacing_problems(slack_s=SLACK) == []
        first, second = sorted(i.at for i in fake.identifies)
        assert (second - first >= INTERVAL - SLACK) is spaced
    finally:
        await fake.stop()


async def _serve_until_both_ready(
    fake: FakeDiscord, service: NewsService, data: Path, shard: int, gate: MemoryIdentifyGate, ready: asyncio.Barrier
) -> bool:
    async with running_bot(
        fake, service, data, shard_count=2, shard_ids=(shard,), identify_gate=gate, identify_interval_s=INTERVAL
    ) as client:
        await asyncio.wait_for(ready.wait(), 10)
        # Each bot has only the server of its own shard.
        return [g.id for g in client.guilds] == [fake.guild_id if shard == 0 else fake.other_guild_id]


async def test_a_message_reaches_only_the_bot_holding_its_shard(news_service: NewsService, tmp_path: Path) -> None:
    fake = await _sharded_fake()
    seen: dict[int, list[int]] = {0: [], 1: []}
    gate = MemoryIdentifyGate()
    try:
        async with (
            running_bot(fake, news_service, tmp_path / "d0", shard_count=2, shard_ids=(0,), identify_gate=gate,
                        identify_interval_s=INTERVAL) as bot0,
            running_bot(fake, news_service, tmp_path / "d1", shard_count=2, shard_ids=(1,), identify_gate=gate,
                        identify_interval_s=INTERVAL) as bot1,
        ):  # fmt: skip
            for shard, client in ((0, bot0), (1, bot1)):

                async def record(message, shard=shard):
                    seen[shard].append(message.guild.id if message.guild else 0)

                client.add_listener(record, "on_message")
            asked = [
                await fake.post_message("When will the ferry carry its first passengers?", channel=c, mention_bot=True)
                for c in ("general", "other-general")
            ]
            for message in asked:
                await fake.wait_for(lambda message=message: fake.replies_to(message), timeout=10)
            await asyncio.sleep(0.1)
            assert [len(fake.replies_to(m)) for m in asked] == [1, 1]
        # The bot's own replies come back as messages too: still only to the shard of their server.
        assert set(seen[0]) == {fake.guild_id} and set(seen[1]) == {fake.other_guild_id}
    finally:
        await fake.stop()


@pytest.mark.parametrize(
    ("shard_count", "shard_ids", "min_shards", "message"),
    [
        (3, (1,), 1, r"Discord refused the shard \(shard 1 of 3\): every process must be given the same --shard-count"),
        (2, (1,), 4, r"Discord requires more shards than shard 1 of 2: raise --shard-count"),
    ],
)
async def test_a_wrong_shard_count_stops_the_bot_with_one_line(
    news_service: NewsService, tmp_path: Path, shard_count: int, shard_ids: tuple[int, ...], min_shards: int,
    message: str,
) -> None:  # fmt: skip
    fake = await _sharded_fake()
    try:
        async with running_bot(fake, news_service, tmp_path / "d0", shard_count=2, shard_ids=(0,),
                               identify_interval_s=INTERVAL):  # fmt: skip
            fake.min_shards = min_shards
            with pytest.raises(DiscordStartupError, match=message):
                await asyncio.wait_for(
                    run_discord(
                        news_service, token=fake.token, api_base=fake.api_base, gateway_url=fake.gateway_url,
                        dev_guild_id=None, data_dir=tmp_path / "d1", message_content_intent=False,
                        shard_count=shard_count, shard_ids=shard_ids, identify_interval_s=INTERVAL,
                    ),
                    timeout=20,
                )  # fmt: skip
        assert fake.identifies[-1].close_code == (4010 if min_shards == 1 else 4011)
    finally:
        await fake.stop()


async def test_an_invalidated_session_identifies_again_after_a_pause_and_in_turn(
    news_service: NewsService, tmp_path: Path
) -> None:
    fake = await _sharded_fake()
    try:
        async with running_bot(fake, news_service, tmp_path / "data", shard_count=2, shard_ids=(1,),
                               identify_interval_s=INTERVAL):  # fmt: skip
            await asyncio.sleep(INTERVAL)  # its turn alone would let it IDENTIFY again at once
            fake.resumable = False  # the RESUME after the drop is refused: the shard must IDENTIFY again
            dropped = asyncio.get_running_loop().time()
            await fake.drop_gateway(4000)
            await fake.wait_for(lambda: len(fake.identifies) == 2 and fake.connected, timeout=10)
            assert [i.shard for i in fake.identifies] == [1, 1]
            assert fake.identifies[1].at - dropped >= INTERVAL - SLACK  # paused, as discord.py does
            assert fake.pacing_problems(slack_s=SLACK) == []
    finally:
        await fake.stop()
