"""Fetching a news page by URL without letting the bot probe the host's own network.

Every hop (the first URL and each redirect) is resolved once, each resolved address is checked
(``bot.ingest.addresses``: globally routable unicast only), and the connection goes to that checked
address (so a second DNS answer cannot swap in a private one). Policies for tests on 127.0.0.1 may
allow any address. Size and redirect count are bounded, and the timeout is one wall-clock deadline
over the whole fetch: name resolution, connecting, the TLS handshake, the headers and the body of
every hop, however slowly the server drips its bytes. Whatever a remote server or a pasted URL
holds (a malformed URL or Location header, an unknown charset, a bad header) ends in a one-line
``FetchError``.
"""

from __future__ import annotations

import http.client
import io
import re
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from bot.errors import NewsBotError
from bot.ingest.addresses import is_public_address, parse_address

Resolver = Callable[[str, int], list[str]]
ACCEPTED_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
_SHOWN_URL = 120  # characters of a URL quoted in a message
_PATH_SAFE = "!#$%&'()*+,/:;=?@[]~"  # kept as they are in a request path; other characters are %-encoded
_HOST_RE = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?", re.IGNORECASE)
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


class FetchError(NewsBotError):
    """The URL could not be fetched; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """Limits of a fetch; ``timeout`` is the wall-clock deadline of the whole fetch, in seconds."""

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

    def text(self) -> str:
        """The body as text (UTF-8 unless the page names its charset); raises ``FetchError`` for a
        charset that is unknown or not a text encoding."""
        return decode_body(self.body, self.charset)


def decode_body(body: bytes, charset: str | None) -> str:
    """``body`` decoded with ``charset`` (default UTF-8, bad bytes replaced); raises ``FetchError``
    for a charset Python does not know or that is not a text encoding (rot13, zlib, idna ...)."""
    name = charset or "utf-8"
    try:
        return body.decode(name, errors="replace")
    except (LookupError, ValueError) as exc:  # ValueError: codecs such as idna refuse "replace"
        raise FetchError(f"the page's charset {_shown(name)!r} is not one that can be read") from exc


def system_resolver(host: str, port: int) -> list[str]:
    """All addresses ``host`` resolves to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve {_shown(host)}: {exc.strerror}") from exc
    except (UnicodeError, ValueError) as exc:
        raise FetchError(f"{_shown(host)} is not a valid host name") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_address(address: str, *, allow_private: bool) -> None:
    """Raise ``FetchError`` for an address the bot must not connect to."""
    if parse_address(address) is None:
        raise FetchError(f"refused: {_shown(address)} is not an IP address")
    if not allow_private and not is_public_address(address):
        raise FetchError(f"refused: {address} is a private or local network address")


def fetch(url: str, policy: FetchPolicy | None = None, *, resolver: Resolver = system_resolver) -> FetchedPage:
    """GET ``url`` under ``policy``, following redirects; raises ``FetchError`` with a readable reason."""
    response = fetch_response(url, policy, resolver=resolver)
    if response.status >= 400:
        raise FetchError(f"the page answered HTTP {response.status}")
    media, charset = _content_type(response.headers.get("content-type", ""))
    if media not in ACCEPTED_TYPES:
        kind = _shown(media) if media else "of unknown type"
        raise FetchError(f"the page is {kind}, not an HTML or text article")
    # An unusable charset is refused now, not after the page is parsed (b"" would skip the look-up).
    decode_body(b" ", charset)
    return FetchedPage(url=response.url, content_type=media, charset=charset, body=response.body)


@dataclass(frozen=True, slots=True)
class Response:
    """What the last hop answered: its URL, status, headers (lower-case names) and body (gunzipped).

    ``wire_bytes`` counts the body bytes as they came over the network (compressed or not).
    """

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    wire_bytes: int

    def media(self) -> tuple[str, str | None]:
        """The media type (lower case) and charset named by the Content-Type header."""
        return _content_type(self.headers.get("content-type", ""))


def fetch_response(
    url: str,
    policy: FetchPolicy | None = None,
    *,
    headers: dict[str, str] | None = None,
    accept: str = "text/html, text/plain",
    resolver: Resolver = system_resolver,
) -> Response:
    """GET ``url`` under ``policy`` with extra request ``headers`` (e.g. ``If-None-Match``), following
    redirects, and return the final answer whatever its status (a 304, a 404 ...). A gzip body is
    unpacked within the size limit. Raises ``FetchError`` for what cannot be fetched at all."""
    policy = policy or FetchPolicy()
    deadline = time.monotonic() + policy.timeout
    current = url.strip()
    sent = {"User-Agent": policy.user_agent, "Accept": accept, "Accept-Encoding": "gzip", **(headers or {})}
    for _ in range(policy.max_redirects + 1):
        status, got, body, wire = _get_once(current, policy, resolver, deadline, sent)
        if status in (301, 302, 303, 307, 308):
            location = got.get("location", "").strip()
            if not location:
                raise FetchError(f"{_shown(current)} redirects without a Location header")
            try:
                current = urljoin(current, location)
            except ValueError as exc:
                raise FetchError(f"{_shown(current)} redirects to a malformed URL {_shown(location)}") from exc
            continue
        return Response(url=current, status=status, headers=got, body=body, wire_bytes=wire)
    raise FetchError(f"too many redirects (more than {policy.max_redirects})")


@dataclass(frozen=True, slots=True)
class _Target:
    scheme: str
    host: str  # ASCII (IDNA-encoded), an IPv6 literal without brackets
    port: int
    path: str  # path and query, %-encoded


def _parse_url(url: str) -> _Target:
    """Split ``url`` into what a request needs, or raise ``FetchError`` saying what is wrong with it."""
    if _CONTROL_RE.search(url):
        raise FetchError("the URL contains control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname or ""
    except ValueError as exc:  # "http://[::1", a port out of range
        raise FetchError(f"{_shown(url)} is not a valid URL ({exc})") from exc
    if parts.scheme not in {"http", "https"}:
        raise FetchError(f"only http and https URLs can be fetched, not {parts.scheme or 'this'!r}")
    if not host:
        raise FetchError(f"{_shown(url)} has no host name")
    if parse_address(host) is None:
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise FetchError(f"{_shown(host)} is not a valid host name") from exc
        if not _HOST_RE.fullmatch(host):
            raise FetchError(f"{_shown(host)} is not a valid host name")
    elif "%" in host:
        raise FetchError(f"{_shown(host)}: addresses with a zone cannot be fetched")
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_PATH_SAFE)
    return _Target(parts.scheme, host, port or (443 if parts.scheme == "https" else 80), path)


def _get_once(
    url: str, policy: FetchPolicy, resolver: Resolver, deadline: float, sent: dict[str, str]
) -> tuple[int, dict[str, str], bytes, int]:
    target = _parse_url(url)
    addresses = _resolve_by(resolver, target.host, target.port, deadline, policy.timeout)
    if not addresses:
        raise FetchError(f"cannot resolve {target.host}")
    for address in addresses:
        check_address(address, allow_private=policy.allow_private)
    pinned = addresses[0]
    conn: http.client.HTTPConnection
    remaining = _remaining(deadline, policy.timeout)
    if target.scheme == "https":
        conn = http.client.HTTPSConnection(
            target.host, target.port, timeout=remaining, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(target.host, target.port, timeout=remaining)

    def connect_pinned(
        address: tuple[str, int], timeout: float | None = None, source_address: tuple[str, int] | None = None
    ) -> socket.socket:
        sock = socket.create_connection((pinned, address[1]), _remaining(deadline, policy.timeout), source_address)
        sock.settimeout(_remaining(deadline, policy.timeout))  # what is left bounds the TLS handshake
        return sock

    def response_class(sock: socket.socket, **kwargs: object) -> http.client.HTTPResponse:
        return http.client.HTTPResponse(_DeadlineSocket(sock, deadline), **kwargs)  # type: ignore[arg-type]

    conn._create_connection = connect_pinned  # type: ignore[attr-defined]
    conn.response_class = response_class  # type: ignore[assignment]
    try:
        conn.connect()
        if conn.sock is not None:
            conn.sock.settimeout(_remaining(deadline, policy.timeout))  # bounds sending the request
        conn.request("GET", target.path, headers=sent)
        response = conn.getresponse()
        headers = {k.lower(): v for k, v in response.getheaders()}
        length = headers.get("content-length", "").strip()
        if length.isascii() and length.isdigit() and int(length) > policy.max_bytes:
            raise FetchError(f"the page is {int(length):,} bytes; the limit is {policy.max_bytes:,}")
        body = b""
        wire = 0
        if response.status < 300 or response.status >= 400:
            gzipped = headers.get("content-encoding", "").strip().lower() in {"gzip", "x-gzip"}
            unpack = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzipped else None
            chunks: list[bytes] = []
            size = 0
            while chunk := response.read1(65536):
                wire += len(chunk)
                if unpack is not None:
                    # Never more than the limit is unpacked: a small "gzip bomb" stops here too.
                    chunk = unpack.decompress(chunk, policy.max_bytes + 1 - size)
                size += len(chunk)
                if size > policy.max_bytes:
                    raise FetchError(f"the page is over the {policy.max_bytes:,}-byte limit")
                chunks.append(chunk)
            body = b"".join(chunks)
        return response.status, headers, body, wire
    except TimeoutError as exc:
        raise FetchError(f"timed out after {policy.timeout:g} s") from exc
    except ssl.SSLError as exc:
        raise FetchError(f"TLS error talking to {target.host}: {_one_line(str(exc.reason or exc))}") from exc
    except zlib.error as exc:
        raise FetchError(f"{_shown(url)} sent a damaged gzip body") from exc
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise FetchError(f"cannot fetch {_shown(url)}: {_one_line(str(exc)) or type(exc).__name__}") from exc
    finally:
        conn.close()


class _DeadlineSocket:
    """What ``HTTPResponse`` reads through: every read waits at most until the fetch's deadline."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))


class _DeadlineReader(io.RawIOBase):
    """Raw reads from a socket, each with the time left before the deadline as its timeout."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        super().__init__()
        self._sock = sock
        self._raw = sock.makefile("rb", buffering=0)  # keeps the socket open until the response is closed
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the fetch's deadline passed")
        self._sock.settimeout(left)
        return self._raw.readinto(buffer) or 0

    def close(self) -> None:
        self._raw.close()
        super().close()


def _resolve_by(resolver: Resolver, host: str, port: int, deadline: float, timeout: float) -> list[str]:
    """``resolver(host, port)``, given up at the deadline (a resolver cannot be interrupted, so it runs
    on a daemon thread that ends on its own when the system's resolver gives up)."""
    if parse_address(host) is not None:
        return [host]
    outcome: list[list[str] | BaseException] = []

    def work() -> None:
        try:
            outcome.append(resolver(host, port))
        except BaseException as exc:  # handed to the waiting thread below
            outcome.append(exc)

    worker = threading.Thread(target=work, name="newsbot-resolve", daemon=True)
    worker.start()
    worker.join(_remaining(deadline, timeout))
    if not outcome:
        raise FetchError(f"timed out after {timeout:g} s (resolving {_shown(host)})")
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


def _remaining(deadline: float, timeout: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchError(f"timed out after {timeout:g} s")
    return left


def _content_type(value: str) -> tuple[str, str | None]:
    media, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, val = param.strip().partition("=")
        if key.lower() == "charset" and val:
            charset = val.strip("\"' ")
    return media.strip().lower(), charset


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _shown(text: str) -> str:
    """``text`` as quoted in a message: one line, control characters escaped, at most ~120 characters."""
    shown = _one_line(_CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text))
    return shown if len(shown) <= _SHOWN_URL else shown[: _SHOWN_URL - 1] + "…"

