"""Fetching a news page by URL without letting the bot probe the host's own network.

Every hop (the first URL and each redirect) is resolved once, each resolved address is checked,
and the connection goes to that checked address (so a second DNS answer cannot swap in a private
one). Private, loopback, link-local, multicast and reserved addresses are refused unless the
policy allows them (tests on 127.0.0.1 do). Size, time and redirect count are bounded.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from bot.errors import NewsBotError

Resolver = Callable[[str, int], list[str]]
ACCEPTED_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


class FetchError(NewsBotError):
    """The URL could not be fetched; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """Limits of a fetch."""

    timeout: float = 10.0
    max_bytes: int = 3_000_000
    max_redirects: int = 5
    allow_private: bool = False
    user_agent: str = "newsbot/0.1 (+article fetcher)"


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """A fetched document: the final URL after redirects, its media type, charset and body."""

    url: str
    content_type: str
    charset: str | None
    body: bytes


def system_resolver(host: str, port: int) -> list[str]:
    """All addresses ``host`` resolves to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve {host}: {exc.strerror}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_address(address: str, *, allow_private: bool) -> None:
    """Raise ``FetchError`` for an address the bot must not connect to."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if allow_private:
        return
    if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified:
        raise FetchError(f"refused: {address} is a private or local network address")


def fetch(url: str, policy: FetchPolicy | None = None, *, resolver: Resolver = system_resolver) -> FetchedPage:
    """GET ``url`` under ``policy``, following redirects; raises ``FetchError`` with a readable reason."""
    policy = policy or FetchPolicy()
    deadline = time.monotonic() + policy.timeout
    current = url.strip()
    for _ in range(policy.max_redirects + 1):
        status, headers, body = _get_once(current, policy, resolver, deadline)
        if status in (301, 302, 303, 307, 308):
            location = headers.get("location")
            if not location:
                raise FetchError(f"{current} redirects without a Location header")
            current = urljoin(current, location)
            continue
        if status >= 400:
            raise FetchError(f"the page answered HTTP {status}")
        media, charset = _content_type(headers.get("content-type", ""))
        if media not in ACCEPTED_TYPES:
            raise FetchError(f"the page is {media or 'of unknown type'}, not an HTML or text article")
        return FetchedPage(url=current, content_type=media, charset=charset, body=body)
    raise FetchError(f"too many redirects (more than {policy.max_redirects})")


def _get_once(
    url: str, policy: FetchPolicy, resolver: Resolver, deadline: float
) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise FetchError(f"only http and https URLs can be fetched, not {parts.scheme or 'this'!r}")
    host = parts.hostname
    if not host:
        raise FetchError(f"{url!r} has no host name")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise FetchError(f"bad port in {url!r}") from exc
    addresses = resolver(host, port)
    if not addresses:
        raise FetchError(f"cannot resolve {host}")
    for address in addresses:
        check_address(address, allow_private=policy.allow_private)
    pinned = addresses[0]
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchError(f"timed out after {policy.timeout:g} s")
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(host, port, timeout=remaining, context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(host, port, timeout=remaining)

    def connect_pinned(
        address: tuple[str, int], timeout: float | None = None, source_address: tuple[str, int] | None = None
    ) -> socket.socket:
        return socket.create_connection((pinned, address[1]), timeout, source_address)

    conn._create_connection = connect_pinned  # type: ignore[attr-defined]
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request("GET", path, headers={"User-Agent": policy.user_agent, "Accept": "text/html, text/plain"})
        response = conn.getresponse()
        headers = {k.lower(): v for k, v in response.getheaders()}
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > policy.max_bytes:
            raise FetchError(f"the page is {int(length):,} bytes; the limit is {policy.max_bytes:,}")
        body = b""
        if response.status < 300 or response.status >= 400:
            chunks: list[bytes] = []
            size = 0
            while chunk := response.read(65536):
                size += len(chunk)
                if size > policy.max_bytes:
                    raise FetchError(f"the page is over the {policy.max_bytes:,}-byte limit")
                if time.monotonic() > deadline:
                    raise FetchError(f"timed out after {policy.timeout:g} s")
                chunks.append(chunk)
            body = b"".join(chunks)
        return response.status, headers, body
    except TimeoutError as exc:
        raise FetchError(f"timed out after {policy.timeout:g} s") from exc
    except ssl.SSLError as exc:
        raise FetchError(f"TLS error talking to {host}: {exc.reason or exc}") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise FetchError(f"cannot fetch {url}: {exc}") from exc
    finally:
        conn.close()


def _content_type(value: str) -> tuple[str, str | None]:
    media, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, val = param.strip().partition("=")
        if key.lower() == "charset" and val:
            charset = val.strip("\"' ")
    return media.strip().lower(), charset
