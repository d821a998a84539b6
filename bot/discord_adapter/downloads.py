"""Downloading a Discord attachment with a byte limit and a time limit."""

from __future__ import annotations

import aiohttp

from bot.errors import NewsBotError

CHUNK = 64 * 1024


class DownloadError(NewsBotError):
    """The attachment could not be downloaded, or is larger than allowed."""


async def read_limited(session: aiohttp.ClientSession, url: str, *, limit: int, timeout: float) -> bytes:
    """The body at ``url``; raises ``DownloadError`` past ``limit`` bytes or ``timeout`` seconds.

    The size Discord reported is checked by the caller before this is called; this stops reading
    as soon as the body turns out larger anyway, so a lying size cannot fill the memory.
    """
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            if response.status != 200:
                raise DownloadError(f"could not download the file (HTTP {response.status}); please try again")
            if response.content_length is not None and response.content_length > limit:
                raise DownloadError(too_big(response.content_length, limit))
            chunks: list[bytes] = []
            total = 0
            async for chunk in response.content.iter_chunked(CHUNK):
                total += len(chunk)
                if total > limit:
                    raise DownloadError(too_big(total, limit, at_least=True))
                chunks.append(chunk)
    except TimeoutError as exc:
        raise DownloadError(f"downloading the file took longer than {timeout:g} s; please try again") from exc
    except aiohttp.ClientError as exc:
        raise DownloadError("could not download the file; please try again") from exc
    return b"".join(chunks)


def too_big(size: int, limit: int, *, at_least: bool = False) -> str:
    """The refusal for a file over the limit."""
    more = "more than " if at_least else ""
    return f"the file is {more}{size:,} bytes; the limit is {limit:,}"
