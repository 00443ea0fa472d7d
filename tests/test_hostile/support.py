"""Shared by the hostile-input tests: what every answer must look like, and partners that misbehave."""

from __future__ import annotations

import asyncio
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
