"""The fetch pool: its own threads, a limit per server and in all, refusals in one line."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.fetch_pool import FetchBusy, FetchPool


def blocked(release: threading.Event, value: str = "done") -> str:
    release.wait(10)  # bounded in case a test fails
    return value


async def started(pool: FetchPool, count: int) -> None:
    for _ in range(500):  # at most 5 s
        if pool.total >= count:
            return
        await asyncio.sleep(0.01)


async def test_each_server_has_its_own_limit():
    pool = FetchPool(workers=4, per_server=2)
    release = threading.Event()
    try:
        first = [asyncio.create_task(pool.run(1, blocked, release)) for _ in range(2)]
        await started(pool, 2)
        with pytest.raises(FetchBusy, match=r"^This server is already fetching 2 pages;") as caught:
            await pool.run(1, blocked, release)
        assert "\n" not in str(caught.value)
        with pytest.raises(FetchBusy):
            pool.check(1)
        pool.check(2)  # another server is not affected
        other = asyncio.create_task(pool.run(2, blocked, release, "other"))
        release.set()
        assert await asyncio.gather(*first, other) == ["done", "done", "other"]
        assert pool.running(1) == 0 and pool.total == 0
        assert await pool.run(1, str.upper, "again") == "AGAIN"
    finally:
        release.set()
        pool.close()


async def test_the_pool_as_a_whole_has_a_limit():
    pool = FetchPool(workers=2, per_server=2)
    release = threading.Event()
    try:
        running = [asyncio.create_task(pool.run(server, blocked, release)) for server in (1, None)]
        await started(pool, 2)
        with pytest.raises(FetchBusy, match="as many pages as it can"):
            await pool.run(3, blocked, release)
        release.set()
        await asyncio.gather(*running)
    finally:
        release.set()
        pool.close()


async def test_fetches_leave_the_default_executor_free():
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=1))
    pool = FetchPool(workers=3, per_server=3)
    release = threading.Event()
    try:
        running = [asyncio.create_task(pool.run(1, blocked, release)) for _ in range(3)]
        await started(pool, 3)
        assert await asyncio.wait_for(asyncio.to_thread(sum, [1, 2]), 5) == 3  # a question is not held up
        release.set()
        await asyncio.gather(*running)
    finally:
        release.set()
        pool.close()


async def test_a_slot_is_freed_when_the_work_ends_not_when_the_caller_gives_up():
    pool = FetchPool(workers=2, per_server=1)
    release = threading.Event()
    try:
        task = asyncio.create_task(pool.run(1, blocked, release))
        await started(pool, 1)
        task.cancel()
        await asyncio.sleep(0.05)
        assert pool.running(1) == 1  # the thread is still fetching
        release.set()
        for _ in range(500):
            if pool.running(1) == 0:
                break
            await asyncio.sleep(0.01)
        assert pool.running(1) == 0
    finally:
        release.set()
        pool.close()


async def test_errors_of_the_work_reach_the_caller_and_free_the_slot():
    pool = FetchPool(workers=1, per_server=1)
    try:
        with pytest.raises(ZeroDivisionError):
            await pool.run(None, divmod, 1, 0)
        assert pool.total == 0
    finally:
        pool.close()


async def test_a_closed_pool_refuses():
    pool = FetchPool()
    pool.close()
    with pytest.raises(FetchBusy, match="shutting down"):
        await pool.run(1, str, "x")


def test_limits_must_be_positive():
    with pytest.raises(ValueError, match="at least one"):
        FetchPool(workers=0)
