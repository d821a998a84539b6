"""read_limited stops at the byte limit even when the server does not say how big the body is."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from bot.discord_adapter.downloads import DownloadError, read_limited


async def streamed(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()  # chunked: no Content-Length
    await response.prepare(request)
    for _ in range(int(request.query.get("chunks", "1"))):
        await response.write(b"x" * 10_000)
    await response.write_eof()
    return response


async def sized(request: web.Request) -> web.Response:
    return web.Response(body=b"y" * 5_000)


async def slow(request: web.Request) -> web.Response:
    await asyncio.sleep(1.0)
    return web.Response(text="late")


@pytest_asyncio.fixture
async def server() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/streamed", streamed)
    app.router.add_get("/slow", slow)
    app.router.add_get("/sized", sized)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def test_reads_within_the_limit(server: str) -> None:
    async with aiohttp.ClientSession() as session:
        assert await read_limited(session, f"{server}/streamed?chunks=3", limit=30_000, timeout=5) == b"x" * 30_000


async def test_stops_past_the_limit_without_a_length(server: str) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(DownloadError, match="more than"):
            await read_limited(session, f"{server}/streamed?chunks=100", limit=25_000, timeout=5)


async def test_refuses_a_declared_length_over_the_limit(server: str) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(DownloadError, match="the file is 5,000 bytes; the limit is 4,000"):
            await read_limited(session, f"{server}/sized", limit=4_000, timeout=5)


async def test_errors_and_timeouts_are_one_line(server: str) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(DownloadError, match="HTTP 404"):
            await read_limited(session, f"{server}/missing", limit=10, timeout=5)
        with pytest.raises(DownloadError, match=r"longer than 0\.2 s"):
            await read_limited(session, f"{server}/slow", limit=10, timeout=0.2)
        with pytest.raises(DownloadError, match="could not download"):
            await read_limited(session, "http://127.0.0.1:9/nothing", limit=10, timeout=2)
