"""Deadlines for reading a request, for `ocpi serve`'s uvicorn: a client that sends its request headers or body
slowly (or opens a connection and sends nothing) holds a connection and its memory only so long.

uvicorn bounds the idle time between two requests of a kept-alive connection (`timeout_keep_alive`), but not
the time a request takes to arrive: before, 300 connections sending a byte now and then were all kept 40 s
and would have been kept for ever. Here, a request's headers must arrive within `headers_timeout` seconds of
its first byte (of the connection's opening, for the first request), and its body within `body_timeout`
seconds of its headers. Late headers are answered 408 with an OCPI envelope; a late body closes the connection (the
application is reading it and can no longer answer on it). A reverse proxy in front may bound these sooner
(see the deployment guide)."""

from __future__ import annotations

import asyncio
import enum
import logging
from typing import Any

from uvicorn.protocols.http.auto import AutoHTTPProtocol

from ocpi.core.envelope import envelope
from ocpi.core.status import StatusCode

log = logging.getLogger("ocpi.server")

HEADERS_TIMEOUT = 10.0
BODY_TIMEOUT = 30.0


class _Waiting(enum.Enum):
    CONNECTION = "the first request"
    HEADERS = "the request headers"
    BODY = "the request body"


def _request_timeout(headers_seconds: float) -> bytes:
    body = envelope(None, StatusCode.CLIENT_ERROR, f"request headers not received within {headers_seconds:g} s")
    return (
        b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n"
        + f"content-length: {len(body)}\r\n\r\n".encode()
        + body
    )


def protocol_with_deadlines(
    headers_timeout: float = HEADERS_TIMEOUT, body_timeout: float = BODY_TIMEOUT
) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol (h11, or httptools when installed) with the deadlines above: give it to
    `uvicorn.Config(http=...)`."""
    base: Any = AutoHTTPProtocol

    class DeadlineProtocol(base):
        _timer: asyncio.TimerHandle | None = None
        _waiting = _Waiting.CONNECTION
        _before: Any = None
        """The request cycle that was current when this request's first byte came (None: the first request)."""

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)
            self._arm(_Waiting.CONNECTION, headers_timeout)

        def data_received(self, data: bytes) -> None:
            if self._timer is None:
                self._before = self.cycle
                self._arm(_Waiting.HEADERS, headers_timeout)
            elif self._waiting is _Waiting.CONNECTION:
                self._waiting = _Waiting.HEADERS
            super().data_received(data)
            self._follow()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._follow()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _follow(self) -> None:
            """Once the headers have come, the body has its own deadline; once the body has come, none is left."""
            if self._timer is None or self.cycle is None or self.cycle is self._before:
                return
            if not self.cycle.more_body:
                self._disarm()
            elif self._waiting is not _Waiting.BODY:
                self._arm(_Waiting.BODY, body_timeout)

        def _arm(self, waiting: _Waiting, seconds: float) -> None:
            self._disarm()
            self._waiting = waiting
            self._timer = self.loop.call_later(seconds, self._expired)

        def _disarm(self) -> None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

        def _expired(self) -> None:
            self._timer = None
            if self.transport.is_closing():
                return
            if self._waiting is not _Waiting.CONNECTION:
                client = "{}:{}".format(*self.client) if self.client else "a client"
                log.warning("closed the connection of %s: %s did not arrive in time", client, self._waiting.value)
            if self._waiting is _Waiting.HEADERS and (self.cycle is None or self.cycle.response_complete):
                self.transport.write(_request_timeout(headers_timeout))
            self.transport.close()

    return DeadlineProtocol
