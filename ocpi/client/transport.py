"""The outbound HTTP/1.1 transport: keep-alive connections to one partner's hosts, on asyncio streams.

Why our own: the outbound benchmark (`benchmarks/push_outbound.py`) measured on a 2-core machine the CPU of a
request at 16 in flight: httpx 2.5-2.9 ms, httpcore alone 2.0-2.4 ms, aiohttp 0.15-0.23 ms, this transport
0.08-0.09 ms, a raw asyncio sender of prepared bytes 0.05-0.07 ms. What it does is what a partner's OCPI
endpoint needs, no more:
- connects only to the addresses the URL policy judged (`UrlPolicy.addresses`: one resolution, no second one
  for the connection), over TLS verified against the host's name;
- sends one request at a time per connection, reuses idle connections (dropped after `IDLE_EXPIRY_S`, before
  the 5 s many servers keep them) and retries once on a fresh one when a reused connection turns out closed
  before any answer, for idempotent methods only;
- reads the answer framed by Content-Length, chunked or the end of the connection, inflates gzip and deflate
  as the bytes arrive, and stops at `max_bytes`, counted on the wire and inflated alike (`AnswerTooLarge`);
- never follows redirects.
Deadlines are the caller's (`OcpiClient` wraps each call in one); a cancelled request closes its connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import ssl
import time
import zlib
from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import quote

import orjson

from ocpi.client.policy import UrlPolicy

log = logging.getLogger("ocpi.client")

MAX_HEAD_BYTES = 64 * 1024
"""Status line and headers of an answer, and each chunk-size line."""
IDLE_EXPIRY_S = 4.0
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
_READ_SIZE = 64 * 1024
# Characters left as they are in a request target: RFC 3986's unreserved and sub-delims, ':', '@', '/', and
# '%' (what the URL already escaped stays escaped). Anything else (space, non-ASCII, controls) is escaped.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_QUERY_SAFE = _PATH_SAFE + "?"
_HEX = re.compile(rb"[0-9a-fA-F]{1,16}")
_AUTHORITY = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")
_DIGITS = re.compile(r"[0-9]{1,19}")


class TransportError(Exception):
    """The partner could not be reached, or its answer could not be read as HTTP/1.1 (what happened is the
    message)."""


class AnswerTooLarge(TransportError):
    """The answer is larger than the limit, on the wire or inflated."""


class Headers(dict[str, str]):
    """An answer's headers: names in lower case, looked up case-insensitively; repeated ones joined by ', '."""

    def get(self, key: str, default: Any = None) -> Any:
        return dict.get(self, key.lower(), default)

    def __getitem__(self, key: str) -> str:
        return dict.__getitem__(self, key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and dict.__contains__(self, key.lower())


class Response:
    """A partner's complete answer."""

    __slots__ = ("content", "headers", "status_code")

    def __init__(self, status_code: int, headers: Headers, content: bytes):
        self.status_code = status_code
        self.headers = headers
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return orjson.loads(self.content)

    def __repr__(self) -> str:
        return f"<Response {self.status_code}, {len(self.content)} bytes>"


def request_target(path_and_query: str) -> str:
    """What follows the host in a URL, as sent on the request line: exactly as written (the fragment left
    out), with only what may not appear there escaped."""
    path, mark, query = path_and_query.partition("#")[0].partition("?")
    target = quote(path or "/", safe=_PATH_SAFE)
    return target + "?" + quote(query, safe=_QUERY_SAFE) if mark else target


class _Origin(NamedTuple):
    """Where a URL's requests go, as the policy accepted it."""

    key: tuple[str, str, int]
    host: str
    port: int
    https: bool
    netloc: str


class _Connection:
    __slots__ = ("idle_since", "reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader = reader
        self.writer = writer
        self.idle_since = 0.0

    def usable(self, now: float) -> bool:
        return now - self.idle_since < IDLE_EXPIRY_S and not self.writer.is_closing() and not self.reader.at_eof()

    def close(self) -> None:
        self.writer.close()


class _Body:
    """Collects an answer's body: counts the bytes on the wire and, with a content coding, inflates them as
    they arrive; more than `limit` of either raises AnswerTooLarge."""

    def __init__(self, limit: int, coding: str):
        self.limit = limit
        self.received = 0
        self.parts: list[bytes] = []
        self.inflated = 0
        self.inflater: Any = None
        if coding in ("gzip", "x-gzip"):
            self.inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif coding == "deflate":
            self.inflater = _Deflate()
        elif coding not in ("", "identity"):
            raise TransportError(f"unsupported content-encoding {coding!r}")

    def room(self) -> int:
        return self.limit - self.received

    def too_large(self) -> AnswerTooLarge:
        return AnswerTooLarge(f"the answer exceeds the limit of {self.limit:,} bytes")

    def add(self, data: bytes) -> None:
        self.received += len(data)
        if self.received > self.limit:
            raise self.too_large()
        if self.inflater is None:
            self.parts.append(data)
            return
        room = self.limit - self.inflated
        try:
            out = self.inflater.decompress(data, room + 1)
        except zlib.error as error:
            raise TransportError(f"the answer's compressed body is corrupt: {error}") from error
        self.inflated += len(out)
        if self.inflated > self.limit:
            raise self.too_large()
        self.parts.append(out)

    def content(self) -> bytes:
        if self.inflater is not None:
            rest = self.inflater.flush()
            self.inflated += len(rest)
            if self.inflated > self.limit:
                raise self.too_large()
            self.parts.append(rest)
        return self.parts[0] if len(self.parts) == 1 else b"".join(self.parts)


class _Deflate:
    """`Content-Encoding: deflate` as RFC 9110 means it (zlib-wrapped), or raw deflate as some servers send."""

    def __init__(self) -> None:
        self._inflater: Any = None

    def decompress(self, data: bytes, max_length: int) -> bytes:
        if self._inflater is None:
            self._inflater = zlib.decompressobj()
            try:
                return bytes(self._inflater.decompress(data, max_length))
            except zlib.error:
                self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        return bytes(self._inflater.decompress(data, max_length))

    def flush(self) -> bytes:
        return b"" if self._inflater is None else bytes(self._inflater.flush())


class Transport:
    """Connections to the hosts of one partner (its own pool: another partner's slowness never holds them)."""

    def __init__(self, policy: UrlPolicy, tls: ssl.SSLContext, max_bytes: int):
        self.policy = policy
        self.tls = tls
        self.max_bytes = max_bytes
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._busy: set[_Connection] = set()
        self._origins: dict[str, _Origin] = {}

    def _origin(self, url: str) -> tuple[_Origin, str]:
        """The URL's origin, judged by the policy once per scheme and authority, and the rest of it."""
        match = _AUTHORITY.match(url)
        prefix, rest = (match.group(0), url[match.end() :]) if match else (url, "")
        origin = self._origins.get(prefix)
        if origin is None:
            parts = self.policy.parse(url)
            assert parts.hostname is not None
            https = parts.scheme == "https"
            port = parts.port or (443 if https else 80)
            netloc = parts.netloc
            if not netloc.isascii():  # an internationalised name goes on the wire as IDNA
                netloc = parts.hostname.encode("idna").decode("ascii") + (f":{parts.port}" if parts.port else "")
            origin = _Origin((parts.scheme, parts.hostname, port), parts.hostname, port, https, netloc)
            if len(self._origins) >= 64:
                self._origins.clear()
            self._origins[prefix] = origin
        return origin, rest

    async def request(
        self, method: str, url: str, headers: Mapping[str, str], content: bytes | None = None
    ) -> Response:
        origin, rest = self._origin(url)
        head = _request_head(method, request_target(rest), origin.netloc, headers, content)
        message = head + content if content else head
        while True:
            connection = self._reusable(origin.key)
            reused = connection is not None
            if connection is None:
                connection = await self._connect(origin.host, origin.port, origin.https)
            self._busy.add(connection)
            try:
                connection.writer.write(message)
                response, keep = await _read_answer(connection.reader, method, self.max_bytes)
            except _ClosedBeforeAnswer as error:
                connection.close()
                if reused and method in IDEMPOTENT:
                    continue
                raise TransportError(str(error)) from None
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as error:
                connection.close()
                raise TransportError(_describe(error)) from error
            except BaseException:
                connection.close()
                raise
            finally:
                self._busy.discard(connection)
            if keep:
                connection.idle_since = time.monotonic()
                self._idle.setdefault(origin.key, []).append(connection)
            else:
                connection.close()
            if log.isEnabledFor(logging.DEBUG):
                log.debug("%s %s: HTTP %d, %d bytes", method, url, response.status_code, len(response.content))
            return response

    def _reusable(self, origin: tuple[str, str, int]) -> _Connection | None:
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            if connection.usable(now):
                return connection
            connection.close()
        return None

    async def _connect(self, host: str, port: int, https: bool) -> _Connection:
        failures = []
        for address in await self.policy.addresses(host, port):
            try:
                reader, writer = await asyncio.open_connection(
                    str(address),
                    port,
                    ssl=self.tls if https else None,
                    server_hostname=host if https else None,
                    limit=MAX_HEAD_BYTES,
                )
            except OSError as error:
                failures.append((address, _describe(error)))
                continue
            return _Connection(reader, writer)
        if len(failures) == 1 and str(failures[0][0]) == host:
            reasons = failures[0][1]
        else:
            reasons = "; ".join(f"{address}: {reason}" for address, reason in failures) or "no address"
        raise TransportError(f"cannot connect to {host} port {port}: {reasons}")

    def prune(self) -> None:
        """Close the idle connections that can no longer be reused."""
        now = time.monotonic()
        for origin, idle in list(self._idle.items()):
            kept = [c for c in idle if c.usable(now)]
            for connection in idle:
                if connection not in kept:
                    connection.close()
            if kept:
                self._idle[origin] = kept
            else:
                del self._idle[origin]

    def close(self) -> list[_Connection]:
        """Close every connection (those in use too: their requests fail); returns them."""
        connections = [c for idle in self._idle.values() for c in idle] + list(self._busy)
        self._idle.clear()
        for connection in connections:
            connection.close()
        return connections

    async def aclose(self) -> None:
        """`close`, and wait until the connections are closed."""
        for connection in self.close():
            with contextlib.suppress(OSError):
                await connection.writer.wait_closed()


class _ClosedBeforeAnswer(Exception):
    pass


def _describe(error: BaseException) -> str:
    if isinstance(error, asyncio.IncompleteReadError):
        return "the connection closed in the middle of the answer"
    if isinstance(error, asyncio.LimitOverrunError):
        return f"a header or chunk line of the answer exceeds {MAX_HEAD_BYTES:,} bytes"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS certificate verification failed: {error.verify_message}"
    if isinstance(error, ssl.SSLError):
        return f"TLS: {error.reason or error}"
    if isinstance(error, OSError) and error.errno:
        return os.strerror(error.errno)
    return str(error) or type(error).__name__


def _request_head(method: str, target: str, netloc: str, headers: Mapping[str, str], content: bytes | None) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {netloc}", "Accept-Encoding: gzip, deflate"]
    for name, value in headers.items():
        lines.append(f"{name}: {value}")
    if content is not None or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(content or b'')}")
    for line in lines:
        if "\r" in line or "\n" in line:
            raise TransportError(f"a line break in the request line or a header: {line[:40]!r}")
    try:
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    except UnicodeEncodeError as error:
        raise TransportError(f"a header that is not Latin-1: {error.object[error.start : error.end]!r}") from None


async def _read_answer(reader: asyncio.StreamReader, method: str, max_bytes: int) -> tuple[Response, bool]:
    """One answer (informational ones skipped) and whether the connection may carry another request."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if not error.partial:
            raise _ClosedBeforeAnswer("the connection closed before any answer") from None
        raise
    except (ConnectionResetError, BrokenPipeError) as error:
        raise _ClosedBeforeAnswer(f"the connection closed before any answer ({type(error).__name__})") from None
    status, version, headers = _parse_head(head)
    while 100 <= status < 200:
        if status == 101:
            raise ValueError("the partner switched protocols")
        status, version, headers = _parse_head(await reader.readuntil(b"\r\n\r\n"))
    keep = version == "HTTP/1.1" and "close" not in headers.get("connection", "").lower()
    if method == "HEAD" or status in (204, 304):
        return Response(status, headers, b""), keep
    body = _Body(max_bytes, headers.get("content-encoding", "").strip().lower())
    transfer = headers.get("transfer-encoding")
    if transfer is not None:
        codings = [c.strip().lower() for c in transfer.split(",")]
        if codings == ["chunked"]:
            await _read_chunked(reader, body)
        elif "chunked" in codings:
            raise ValueError(f"unsupported transfer-encoding {transfer!r}")
        else:
            await _read_to_end(reader, body)
            keep = False
        return Response(status, headers, body.content()), keep and codings == ["chunked"]
    length = headers.get("content-length")
    if length is None:
        await _read_to_end(reader, body)
        return Response(status, headers, body.content()), False
    values = {v.strip() for v in length.split(",")}
    if len(values) != 1 or not _DIGITS.fullmatch(next(iter(values))):
        raise ValueError(f"invalid content-length {length[:40]!r}")
    size = int(values.pop())
    if size > body.room():
        raise body.too_large()
    if size:
        body.add(await reader.readexactly(size))
    return Response(status, headers, body.content()), keep


def _parse_head(head: bytes) -> tuple[int, str, Headers]:
    lines = head[:-4].split(b"\r\n")
    version, _, rest = lines[0].partition(b" ")
    code = rest[:3]
    if not version.startswith(b"HTTP/1.") or len(code) != 3 or not code.isdigit() or rest[3:4] not in (b"", b" "):
        raise ValueError(f"not an HTTP/1.x answer: {lines[0][:80]!r}")
    headers = Headers()
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip() or line[:1] in (b" ", b"\t"):
            raise ValueError(f"malformed header line {line[:80]!r}")
        key = name.decode("latin-1").lower()
        text = value.strip().decode("latin-1")
        previous = dict.get(headers, key)
        dict.__setitem__(headers, key, text if previous is None else f"{previous}, {text}")
    return int(code), version.decode("ascii"), headers


async def _read_chunked(reader: asyncio.StreamReader, body: _Body) -> None:
    while True:
        line = await reader.readuntil(b"\r\n")
        size_text = line.split(b";", 1)[0].strip()
        if not _HEX.fullmatch(size_text):
            raise ValueError(f"invalid chunk size {size_text[:20]!r}")
        size = int(size_text, 16)
        if size == 0:
            break
        if size > body.room():
            raise body.too_large()
        body.add(await reader.readexactly(size))
        if await reader.readexactly(2) != b"\r\n":
            raise ValueError("a chunk does not end with CRLF")
    trailers = 0
    while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
        trailers += len(line)
        if trailers > MAX_HEAD_BYTES:
            raise ValueError(f"the answer's trailers exceed {MAX_HEAD_BYTES:,} bytes")


async def _read_to_end(reader: asyncio.StreamReader, body: _Body) -> None:
    while data := await reader.read(min(_READ_SIZE, body.room() + 1)):
        body.add(data)


async def read_httpx_answer(
    http: Any, method: str, url: str, headers: Mapping[str, str], content: bytes | None, max_bytes: int
) -> Response:
    """The same call through an httpx client of the caller's, read under the same size limit."""
    import httpx

    try:
        async with http.stream(
            method, url, content=content, headers={**headers, "Accept-Encoding": "gzip, deflate"}
        ) as answer:
            body = _Body(max_bytes, answer.headers.get("content-encoding", "").strip().lower())
            async for data in answer.aiter_raw():
                body.add(data)
            headers_found = Headers()
            for name, value in answer.headers.multi_items():
                previous = dict.get(headers_found, name)
                dict.__setitem__(headers_found, name, value if previous is None else f"{previous}, {value}")
            return Response(answer.status_code, headers_found, body.content())
    except httpx.HTTPError as error:
        raise TransportError(f"{type(error).__name__}: {error}") from error
