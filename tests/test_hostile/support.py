"""Shared by the hostile-input tests: what every answer must look like, and partners that misbehave."""

from __future__ import annotations

import asyncio
import functools
import re
import struct
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson

# HTTP statuses the spec's status_codes chapter allows for an authenticated request to an existing endpoint
# (2.2.1 status_codes.asciidoc; DESIGN.md "Rules that hold everywhere"): 200/201, and the named exceptions.
ALLOWED_HTTP = frozenset({200, 201, 400, 401, 404, 405, 413})


def envelope_of(status: int, content: bytes) -> dict[str, Any]:
    """The OCPI envelope of an answer; fails when the answer is a server error or not an envelope."""
    assert status < 500, (status, content[:500])
    try:
        document = orjson.loads(content)
    except orjson.JSONDecodeError:
        raise AssertionError(f"HTTP {status} answered without JSON: {content[:200]!r}") from None
    assert isinstance(document, dict), content[:500]
    assert isinstance(document.get("status_code"), int), document
    assert isinstance(document.get("timestamp"), str) and document["timestamp"].endswith("Z"), document
    return document


def check_answer(status: int, content: bytes) -> dict[str, Any]:
    """An answer as the spec prescribes: the envelope, an allowed HTTP status, and an OCPI status that
    agrees with it (success codes only on 2xx; 401, 404, 405, 400 and 413 carry a 2xxx client error)."""
    document = envelope_of(status, content)
    assert status in ALLOWED_HTTP, (status, document)
    code = document["status_code"]
    if status in (201,):
        assert code == 1000, document
    if status >= 400:
        assert 2000 <= code < 3000, document
    return document


class FakePartner:
    """An ASGI partner whose behaviour is chosen per test: `ok` (stores what it gets and answers the
    envelope), `500` (an enveloped 3000), `500-bare` (a plain-text 500), `garbage` (200 with bytes that are
    not JSON), `bare` (200 with JSON that is not the envelope), or `hang` (never answers, until `release`)."""

    def __init__(self, mode: str = "ok"):
        self.mode = mode
        self.received: dict[str, bytes] = {}
        self.methods: dict[str, str] = {}
        """Per path, the method of the last request taken (`received` holds its body)."""
        self.requests = 0
        self.hanging = 0
        self._released = asyncio.Event()

    def release(self) -> None:
        self._released.set()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.requests += 1
        mode = self.mode
        if mode == "hang":
            self.hanging += 1
            try:
                await self._released.wait()
            finally:
                self.hanging -= 1
            return
        status, content = {
            "ok": (200, b'{"status_code":1000,"timestamp":"2030-01-01T00:00:00Z"}'),
            "500": (500, b'{"status_code":3000,"status_message":"down","timestamp":"2030-01-01T00:00:00Z"}'),
            "500-bare": (500, b"Internal Server Error"),
            "garbage": (200, b"\x00\x9f<html>not json"),
            "bare": (200, b'{"ok": true}'),
        }[mode]
        if mode == "ok":
            self.received[scope["path"]] = body
            self.methods[scope["path"]] = scope["method"]
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})


class DiscoveryPartner:
    """An ASGI partner that answers a handshake's discovery (its versions and 2.2.1 details, whatever the token)
    and holds every versions request until `release()` while `gated`; `waiting` counts those held."""

    def __init__(self, *, gated: bool = False):
        self.base_url = ""
        """Set by the test once it listens."""
        self.waiting = 0
        self._open = asyncio.Event()
        if not gated:
            self._open.set()

    def release(self) -> None:
        self._open.set()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        if scope["path"] == "/versions":
            self.waiting += 1
            try:
                await self._open.wait()
            finally:
                self.waiting -= 1
            data: Any = [{"version": "2.2.1", "url": f"{self.base_url}/2.2.1"}]
        else:
            endpoints = [
                {"identifier": name, "role": role, "url": f"{self.base_url}/2.2.1/{name}"}
                for name, role in (("credentials", "SENDER"), ("locations", "RECEIVER"))
            ]
            data = {"version": "2.2.1", "endpoints": endpoints}
        body = orjson.dumps({"data": data, "status_code": 1000, "timestamp": "2030-01-01T00:00:00Z"})
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})


Answer = Callable[[asyncio.StreamWriter], Awaitable[None]]


class HostilePartner:
    """A partner on 127.0.0.1 that misbehaves below HTTP: it reads each request (head and Content-Length body),
    then `answer` writes whatever bytes it likes (see the answers below). Counts connections and requests, and
    the answers the caller gave up on (its side closed while the answer was still being written)."""

    def __init__(self, answer: Answer):
        self.answer = answer
        self.connections = 0
        self.requests = 0
        self.given_up = 0
        self.writing = 0
        self._handlers: set[asyncio.Task[Any]] = set()

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[str]:
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        try:
            yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        finally:
            server.close()
            for handler in self._handlers:
                handler.cancel()
            await asyncio.gather(*self._handlers, return_exceptions=True)
            await server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        handler = asyncio.current_task()
        assert handler is not None
        self._handlers.add(handler)
        answering = False
        try:
            while True:
                request = await reader.readuntil(b"\r\n\r\n")
                length = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", request)
                if length:
                    await reader.readexactly(int(length.group(1)))
                self.requests += 1
                answering = True
                self.writing += 1
                try:
                    await self.answer(writer)
                finally:
                    self.writing -= 1
                answering = False
        except (ConnectionError, asyncio.IncompleteReadError):
            self.given_up += answering
        except asyncio.CancelledError:
            pass  # the server is closing (a cancelled handler would be reported by asyncio as an error)
        finally:
            self._handlers.discard(handler)
            writer.close()


def head(status: str = "200 OK", **headers: str | int) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{name.replace('_', '-')}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def write(writer: asyncio.StreamWriter, data: bytes) -> None:
    writer.write(data)
    await writer.drain()


@functools.cache
def gzip_bomb(mib: int = 1024) -> bytes:
    """A gzip body of about 1 MB that inflates to `mib` MiB of zeros. Built in well under a second: after a
    full flush the compressor starts afresh, so every MiB compresses to the same bytes."""
    block = bytes(1 << 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    one_mib = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(block, crc)
    gzip_header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return gzip_header + one_mib * mib + deflate.flush() + struct.pack("<II", crc, (mib << 20) & 0xFFFFFFFF)


def bomb(*, chunked: bool) -> Answer:
    """200 with a gzip body of 1 MB that inflates to 1 GiB, framed by Content-Length or chunked."""

    async def answer(writer: asyncio.StreamWriter) -> None:
        body = gzip_bomb()
        if not chunked:
            await write(writer, head(content_encoding="gzip", content_length=len(body)) + body)
            return
        await write(writer, head(content_encoding="gzip", transfer_encoding="chunked"))
        for start in range(0, len(body), 65536):
            piece = body[start : start + 65536]
            await write(writer, b"%x\r\n%s\r\n" % (len(piece), piece))
        await write(writer, b"0\r\n\r\n")

    return answer


def endless(framing: str) -> Answer:
    """200 whose body never ends: MiB after MiB, `chunked`, or until the connection closes (`close`), or
    under a Content-Length of 200 MB (`length`)."""

    async def answer(writer: asyncio.StreamWriter) -> None:
        block = bytes(1 << 20)
        if framing == "chunked":
            await write(writer, head(transfer_encoding="chunked"))
            block = b"%x\r\n%s\r\n" % (len(block), block)
        elif framing == "close":
            await write(writer, head(connection="close"))
        else:
            await write(writer, head(content_length=200_000_000))
        while True:
            await write(writer, block)

    return answer


def trickle(every: float) -> Answer:
    """200 announcing 1,000 bytes of body, then one byte every `every` seconds: each read gets something."""

    async def answer(writer: asyncio.StreamWriter) -> None:
        await write(writer, head(content_type="application/json", content_length=1000))
        while True:
            await write(writer, b" ")
            await asyncio.sleep(every)

    return answer


def sized(size: int) -> Answer:
    """200 with an OCPI envelope padded to `size` bytes."""

    async def answer(writer: asyncio.StreamWriter) -> None:
        envelope = b'{"status_code":1000,"timestamp":"2030-01-01T00:00:00Z","data":"'
        body = envelope + b"x" * (size - len(envelope) - 2) + b'"}'
        await write(writer, head(content_type="application/json", content_length=len(body)) + body)

    return answer
