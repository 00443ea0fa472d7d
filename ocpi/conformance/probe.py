"""HTTP to the peer under check, recording every exchange: the checks over "every answer" (envelope,
HTTP status, correlation headers, clock) read the record afterwards.

The peer is called through the node's outbound transport, under the same limits as every other call to a
partner: an answer larger than `PartnerSettings.max_response_bytes` (on the wire or inflated) and a call not
answered in full within `PartnerSettings.timeout` make the peer Unreachable instead of holding the checker."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit, urlunsplit

import orjson

from ocpi.client import PartnerSettings, UrlPolicy
from ocpi.client.client import tls_context
from ocpi.client.transport import Headers, Transport, TransportError
from ocpi.core.errors import UnableToUseClientApi
from ocpi.core.utils import authorization_header

Shape = Literal["list", "object"]


class Unreachable(Exception):
    """The peer did not answer in full (connection refused, DNS, the deadline, an answer beyond the size
    limit)."""


@dataclass
class Exchange:
    method: str
    url: str
    request_headers: dict[str, str]
    status: int
    headers: Headers
    content: bytes
    sent_at: float
    received_at: float
    expect: Shape | None = None
    """The shape `data` must have when the request succeeds."""
    valid: bool = False
    """An authenticated, valid request to an existing resource: it must not get an HTTP error status."""
    body: Any = field(init=False)

    def __post_init__(self) -> None:
        try:
            self.body = orjson.loads(self.content) if self.content else None
        except orjson.JSONDecodeError:
            self.body = None

    @property
    def envelope(self) -> dict[str, Any] | None:
        return self.body if isinstance(self.body, dict) else None

    @property
    def data(self) -> Any:
        return self.envelope.get("data") if self.envelope else None

    @property
    def status_code(self) -> Any:
        return self.envelope.get("status_code") if self.envelope else None

    @property
    def succeeded(self) -> bool:
        """HTTP 2xx, and an OCPI 1xxx code when there is one."""
        code = self.status_code
        return 200 <= self.status < 300 and (not isinstance(code, int) or 1000 <= code < 2000)

    def header_int(self, name: str) -> int | None:
        value = self.headers.get(name)
        return int(value) if value is not None and value.strip().isdigit() else None

    @property
    def label(self) -> str:
        return f"{self.method} {self.url}"


def with_params(url: str, params: Mapping[str, Any]) -> str:
    """`url` with `params` added to its query (values of None left out)."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    if not query:
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=f"{parts.query}&{query}" if parts.query else query))


@dataclass
class Probe:
    token: str
    base64_token: bool
    settings: PartnerSettings = field(default_factory=PartnerSettings)
    """The deadline of each call and the largest answer accepted (the rest is not used here)."""
    policy: UrlPolicy = field(default_factory=lambda: UrlPolicy(allow_private=True))
    """The operator names the peer, so private addresses and plain HTTP are allowed by default (a sandbox on
    localhost); the transport still connects only to the addresses the policy judged."""
    exchanges: list[Exchange] = field(default_factory=list)
    routing: dict[str, str] = field(default_factory=dict)
    """Routing headers sent with every request to a URL under one of `routed` (a hub's functional modules)."""
    routed: tuple[str, ...] = ()
    transport: Transport = field(init=False)

    def __post_init__(self) -> None:
        self.transport = Transport(self.policy, tls_context(), self.settings.max_response_bytes)

    async def aclose(self) -> None:
        await self.transport.aclose()

    def authorization(self, token: str | None = None, *, base64_token: bool | None = None) -> str:
        spelled = self.base64_token if base64_token is None else base64_token
        return authorization_header(token or self.token, "2.2.1", base64_token=spelled)

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        authorize: bool = True,
        expect: Shape | None = None,
        valid: bool = False,
    ) -> Exchange:
        """One request; with `authorize`, our token unless `headers` carry another Authorization."""
        sent = {"X-Request-ID": str(uuid.uuid4()), "X-Correlation-ID": str(uuid.uuid4())}
        if authorize:
            sent["Authorization"] = self.authorization()
        target = with_params(url, params or {})
        if self.routed and target.startswith(self.routed):
            sent.update(self.routing)
        sent.update(headers or {})
        content = None
        if body is not None:
            sent["Content-Type"] = "application/json"
            content = orjson.dumps(body)
        started = time.time()
        try:
            async with asyncio.timeout(self.settings.timeout):
                response = await self.transport.request(method, target, sent, content)
        except (TransportError, UnableToUseClientApi) as error:
            raise Unreachable(f"{method} {target}: {error}") from error
        except TimeoutError:
            raise Unreachable(
                f"{method} {target}: timed out, no complete answer within {self.settings.timeout:g} s"
            ) from None
        exchange = Exchange(
            method,
            target,
            sent,
            response.status_code,
            response.headers,
            response.content,
            started,
            time.time(),
            expect,
            valid,
        )
        self.exchanges.append(exchange)
        return exchange

    async def get(self, url: str, **kwargs: Any) -> Exchange:
        return await self.request("GET", url, **kwargs)
