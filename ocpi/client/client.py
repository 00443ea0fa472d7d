"""`OcpiClient`: one partner, one version, one token.

- discovery: `discover()` reads the versions and the details of the highest version both sides support;
- calls: `get`, `put`, `patch`, `post`, `delete` answer the envelope's `data`, or raise the OcpiError the
  partner's status code means;
- `iterate(module)` walks a paginated list by following `Link: <...>; rel="next"`, honours `X-Limit`, stops
  on a Link that loops, and skips (and reports in `skipped`) an object that does not validate.
Reads are retried with backoff on transport errors and 5xx; writes are not (the spec: no queued replays).
Every call has a deadline and a limit on the size of the answer (`PartnerSettings`), and goes through the node's
own HTTP/1.1 transport (`ocpi.client.transport`) to the addresses the URL policy judged.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx
import orjson
from pydantic import BaseModel, ValidationError

from ocpi.client.policy import UrlPolicy
from ocpi.client.transport import AnswerTooLarge, Response, Transport, TransportError, read_httpx_answer
from ocpi.core.errors import (
    AuthenticationError,
    ClientError,
    MethodNotAllowed,
    NotFound,
    OcpiError,
    ServerError,
    UnableToUseClientApi,
    UnknownToken,
)
from ocpi.core.ids import new_id
from ocpi.core.pagination import next_link
from ocpi.core.status import StatusCode
from ocpi.core.utils import authorization_header
from ocpi.core.validation import describe

SUPPORTED = ("2.3.0", "2.2.1", "2.1.1")
CONFIGURATION_MODULES = frozenset({"credentials", "versions", "hubclientinfo"})


@dataclass(frozen=True)
class PartnerSettings:
    """Interop settings of one partner: named options, not code forks."""

    base64_token: bool | None = None
    """Override the version's token rule (many 2.1.1 and 2.2 peers never Base64-encode)."""
    timeout: float = 10.0
    """The deadline of one call, in seconds: connecting, sending, the whole answer, and the retries of a read."""
    max_response_bytes: int = 32 * 1024 * 1024
    """The largest answer accepted, counted on the wire and again once inflated (a gzip bomb stops here)."""
    read_retries: int = 3
    backoff: float = 0.2
    from_party: tuple[str, str] | None = None
    """Our (country_code, party_id) for the OCPI-from-* routing headers (2.2.1+)."""
    to_party: tuple[str, str] | None = None


@dataclass(slots=True)
class Skipped:
    """One object of a partner's page that did not validate: where it was and why."""

    url: str
    pointer: str
    reason: str


@dataclass
class Endpoint:
    identifier: str
    url: str
    role: str | None = None


@dataclass
class Page:
    items: list[Any]
    total: int | None
    limit: int | None
    next_url: str | None


@dataclass
class OcpiClient:
    token: str
    version: str = "2.2.1"
    endpoints: list[Endpoint] = field(default_factory=list)
    settings: PartnerSettings = field(default_factory=PartnerSettings)
    policy: UrlPolicy = field(default_factory=UrlPolicy)
    http: httpx.AsyncClient | None = None
    """An httpx client of yours to send every call through (a proxy, HTTP/2), under the same policy, deadline and
    size limit, except that the policy's check and httpx resolve a name separately. None (the default): the
    node's own transport, which connects to the very addresses the policy judged, with keep-alive connections
    of this client's own."""
    skipped: list[Skipped] = field(default_factory=list)
    tls: ssl.SSLContext | None = None
    """The TLS context for HTTPS partners; None: verified against the certifi CA bundle, or `SSL_CERT_FILE` /
    `SSL_CERT_DIR` when set."""

    def __post_init__(self) -> None:
        self.transport = Transport(self.policy, self.tls or _tls_context(), self.settings.max_response_bytes)

    async def aclose(self) -> None:
        await self.transport.aclose()

    async def __aenter__(self) -> OcpiClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    # --- discovery -----------------------------------------------------------------------------------

    async def discover(self, versions_url: str, *, prefer: Sequence[str] = SUPPORTED) -> list[Endpoint]:
        """GET the versions, pick the highest one both support, GET its details; sets `version` and
        `endpoints`. Raises UnsupportedVersion-like 3002 when there is none in common."""
        versions = await self.get(versions_url, configuration=True)
        if not isinstance(versions, list):
            raise UnableToUseClientApi(f"{versions_url} did not answer a list of versions")
        offered = {str(v.get("version")): str(v.get("url")) for v in versions if isinstance(v, dict)}
        chosen = next((v for v in prefer if v in offered), None)
        if chosen is None:
            raise OcpiError(
                f"no common version: partner offers {sorted(offered)}, we support {list(prefer)}",
                status_code=StatusCode.UNSUPPORTED_VERSION,
            )
        self.version = chosen
        details = await self.get(offered[chosen], configuration=True)
        if not isinstance(details, dict) or not isinstance(details.get("endpoints"), list):
            raise UnableToUseClientApi(f"{offered[chosen]} did not answer version details")
        self.endpoints = [
            Endpoint(str(e.get("identifier")), str(e.get("url")), e.get("role"))
            for e in details["endpoints"]
            if isinstance(e, dict)
        ]
        return self.endpoints

    def endpoint(self, module: str, role: str | None = None) -> str:
        """The partner's URL for `module` (and, 2.2.1+, `role`: SENDER or RECEIVER)."""
        for candidate in self.endpoints:
            if candidate.identifier.casefold() != module.casefold():
                continue
            if role is None or candidate.role is None or candidate.role.upper() == role.upper():
                return candidate.url
        raise UnableToUseClientApi(f"partner has no {module} {role or ''} endpoint".replace("  ", " "))

    def has_endpoint(self, module: str, role: str | None = None) -> bool:
        try:
            self.endpoint(module, role)
        except UnableToUseClientApi:
            return False
        return True

    # --- requests ------------------------------------------------------------------------------------

    def headers(self, *, configuration: bool) -> dict[str, str]:
        """Token encoded as `version` says (before discovery: the 2.2.1 rule), correlation ids, and the
        routing headers on functional modules (2.2.1+)."""
        headers = {
            "Authorization": authorization_header(self.token, self.version, base64_token=self.settings.base64_token),
            "X-Request-ID": new_id(),
            "X-Correlation-ID": new_id(),
        }
        if not configuration and self.version != "2.1.1":
            if self.settings.from_party:
                headers["OCPI-from-country-code"], headers["OCPI-from-party-id"] = self.settings.from_party
            if self.settings.to_party:
                headers["OCPI-to-country-code"], headers["OCPI-to-party-id"] = self.settings.to_party
        return headers

    async def request(
        self,
        method: str,
        url: str,
        *,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        configuration: bool = False,
    ) -> Response:
        """One call to `url` exactly as given (`params` appended to its query), answered in full within the
        deadline, or UnableToUseClientApi saying what went wrong."""
        if params:
            url += ("&" if urlsplit(url).query else "?") + urlencode(params)
        headers = self.headers(configuration=configuration)
        content = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            content = body.to_json() if hasattr(body, "to_json") else orjson.dumps(body)
        attempts = 1 + (self.settings.read_retries if method == "GET" else 0)
        failure = ""
        try:
            async with asyncio.timeout(self.settings.timeout):
                for attempt in range(attempts):
                    try:
                        response = await self._send(method, url, headers, content)
                    except TransportError as error:
                        if attempt + 1 < attempts and not isinstance(error, AnswerTooLarge):
                            failure = f" (the attempt before: {error})"
                            await asyncio.sleep(self.settings.backoff * 2**attempt)
                            continue
                        raise UnableToUseClientApi(f"{method} {url} failed: {error}") from error
                    if response.status_code >= 500 and attempt + 1 < attempts:
                        failure = f" (the attempt before: HTTP {response.status_code})"
                        await asyncio.sleep(self.settings.backoff * 2**attempt)
                        continue
                    return response
        except TimeoutError:
            raise UnableToUseClientApi(
                f"{method} {url} failed: timed out, no complete answer within {self.settings.timeout:g} s{failure}"
            ) from None
        raise AssertionError("unreachable")

    async def _send(self, method: str, url: str, headers: dict[str, str], content: bytes | None) -> Response:
        if self.http is None:
            return await self.transport.request(method, url, headers, content)
        await self.policy.check(url)
        return await read_httpx_answer(self.http, method, url, headers, content, self.settings.max_response_bytes)

    async def call(self, method: str, url: str, **kwargs: Any) -> Any:
        """The envelope's `data`, or the OcpiError the answer means."""
        response = await self.request(method, url, **kwargs)
        return self.unwrap(response, f"{method} {url}")[0]

    @staticmethod
    def unwrap(response: Response | httpx.Response, what: str) -> tuple[Any, dict[str, Any]]:
        try:
            envelope = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            envelope = None
        if not isinstance(envelope, dict) or "status_code" not in envelope:
            if response.status_code == 401:
                raise AuthenticationError(f"{what}: HTTP 401")
            raise UnableToUseClientApi(f"{what}: HTTP {response.status_code} without an OCPI envelope")
        code = envelope.get("status_code")
        message = f"{what}: {envelope.get('status_message') or 'no message'} (HTTP {response.status_code}, {code})"
        if response.status_code == 401:
            raise AuthenticationError(message)
        if response.status_code == 405:
            raise MethodNotAllowed(message)
        if response.status_code == 404:
            if code == StatusCode.UNKNOWN_TOKEN:
                raise UnknownToken(message)
            raise NotFound(message, status_code=code if isinstance(code, int) else None)
        if not isinstance(code, int) or code >= 2000 or response.status_code >= 400:
            status = code if isinstance(code, int) else StatusCode.SERVER_ERROR
            error_class = ClientError if 2000 <= status < 3000 else ServerError
            error = error_class(message, status_code=status, http_status=response.status_code)
            error.data = envelope.get("data")
            raise error
        return envelope.get("data"), envelope

    async def get(self, url: str, **kwargs: Any) -> Any:
        return await self.call("GET", url, **kwargs)

    async def put(self, url: str, body: Any, **kwargs: Any) -> Any:
        return await self.call("PUT", url, body=body, **kwargs)

    async def patch(self, url: str, body: Any, **kwargs: Any) -> Any:
        return await self.call("PATCH", url, body=body, **kwargs)

    async def post(self, url: str, body: Any = None, **kwargs: Any) -> Any:
        return await self.call("POST", url, body=body, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> Any:
        return await self.call("DELETE", url, **kwargs)

    # --- paginated lists -----------------------------------------------------------------------------

    async def page(self, url: str, params: Mapping[str, Any] | None = None) -> Page:
        response = await self.request("GET", url, params=params)
        data, _ = self.unwrap(response, f"GET {url}")
        if not isinstance(data, list):
            raise UnableToUseClientApi(f"GET {url}: data is not a list")
        total = response.headers.get("x-total-count")
        limit = response.headers.get("x-limit")
        return Page(
            items=data,
            total=int(total) if total and total.isdigit() else None,
            limit=int(limit) if limit and limit.isdigit() else None,
            next_url=next_link(response.headers.get("link")),
        )

    async def iterate(
        self,
        module: str,
        *,
        model: type[BaseModel] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        limit: int | None = None,
        role: str = "SENDER",
        max_pages: int = 100_000,
    ) -> AsyncIterator[Any]:
        """Every object of the partner's `module` list, page by page. With `model`, each object is validated
        and yielded as that model; one that does not validate is recorded in `skipped` and left out."""
        url = self.endpoint(module, role if self.version != "2.1.1" else None)
        params = {k: v for k, v in (("date_from", date_from), ("date_to", date_to), ("limit", limit)) if v}
        next_url: str | None = url + ("?" + urlencode(params) if params else "")
        seen: set[str] = set()
        for _ in range(max_pages):
            if next_url is None or next_url in seen:
                return
            seen.add(next_url)
            page = await self.page(next_url)
            for index, item in enumerate(page.items):
                if model is None:
                    yield item
                    continue
                try:
                    yield model.model_validate(item)
                except ValidationError as error:
                    self.skipped.append(Skipped(next_url, f"/data/{index}", describe(error)))
            if not page.items:
                return
            next_url = page.next_url
            if next_url is not None and urlsplit(next_url).netloc != urlsplit(url).netloc:
                raise UnableToUseClientApi(f"refusing to follow a Link to another host: {next_url}")


def join_url(base: str, *segments: str) -> str:
    """`base`, an endpoint URL exactly as the partner advertised it, with `segments` appended as path segments
    (each escaped): one `/` between, whether or not `base` ends in one; a query in `base` stays at the end.
    Without segments, `base` itself, trailing slash included."""
    if not segments:
        return base
    path, mark, query = base.partition("?")
    joined = path.rstrip("/") + "/" + "/".join(quote(segment, safe="") for segment in segments)
    return joined + mark + query


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One verifying TLS context (httpx's default: its CA bundle, SSL_CERT_FILE honoured) for every client:
    building one loads the CA certificates, ~30 ms of CPU, which a push worker creating a client per partner
    per round paid again and again."""
    return httpx.create_ssl_context()
