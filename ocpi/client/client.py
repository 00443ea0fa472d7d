"""`OcpiClient`: one partner, one version, one token.

- discovery: `discover()` reads the versions and the details of the highest version both sides support;
- calls: `get`, `put`, `patch`, `post`, `delete` answer the envelope's `data`, or raise the OcpiError the
  partner's status code means;
- `iterate(module)` walks a paginated list by following `Link: <...>; rel="next"`, honours `X-Limit`, stops
  on a Link that loops, and skips (and reports in `skipped`) an object that does not validate;
- `read_object(model, data, what)` turns an answer's `data` into the model a typed call returns.
Reads are retried with backoff on transport errors and 5xx; writes are not (the spec: no queued replays).
Every call has a deadline and a limit on the size of the answer (`PartnerSettings`), and goes through the node's
own HTTP/1.1 transport (`ocpi.client.transport`) to the addresses the URL policy judged.

What a partner answers out of spec but unambiguously is read all the same and noted in `deviations` (and given
to `on_deviation`, which a node points at the partner's quirks): a single object wrapped in a one-element list,
an envelope without a timestamp or with a string status code, `Link: ""` on the last page, a Link with another
scheme than the list's or Python enum names (`ModuleID.locations`) in its path, and what its objects get wrong
(`ocpi.core.validation.deviations`). Nothing is dropped without a note: a Link that loops, or a last page short
of `X-Total-Count`, is noted too.
"""

from __future__ import annotations

import asyncio
import functools
import re
import ssl
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import httpx
import orjson
from pydantic import BaseModel, ValidationError

from ocpi.client.policy import UrlPolicy
from ocpi.client.transport import AnswerTooLarge, Response, Transport, TransportError, read_httpx_answer
from ocpi.core import rules
from ocpi.core.data_types import parse_datetime
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
from ocpi.core.interfaces import Delivery
from ocpi.core.pagination import next_link
from ocpi.core.rules import Deviation
from ocpi.core.status import StatusCode
from ocpi.core.utils import authorization_header
from ocpi.core.validation import Judging, describe, judge
from ocpi.core.versions import NEWEST_FIRST

SUPPORTED = NEWEST_FIRST
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


class PartnerTimeout(UnableToUseClientApi):
    """The partner gave no complete answer within the deadline of the call (`PartnerSettings.timeout`)."""


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


M = TypeVar("M", bound=BaseModel)
_ENUM_NAME = re.compile(r"[A-Z][A-Za-z0-9]*\.([A-Za-z0-9_]+)")
"""A path segment `ModuleID.locations`: a Python enum's name where its value belongs (`str()` of a plain Enum)."""


@dataclass
class OcpiClient:
    """An async client for one OCPI party: `discover` its versions and endpoints, then call them (`get`, `post`,
    `iterate` a paginated list, `read_object` as the model of its version) with retries, deadlines and limits
    (`PartnerSettings`), under a `UrlPolicy`. Use it as an async context manager."""

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
    deviations: list[tuple[str, Deviation]] = field(default_factory=list)
    """What the partner answered out of spec and was read all the same: (where, deviation)."""
    on_deviation: Callable[[str, list[Deviation]], None] | None = None
    """Called with what one answer (or one object of a page) got wrong, and where."""
    tls: ssl.SSLContext | None = None
    """The TLS context for HTTPS partners; None: verified against the certifi CA bundle, or `SSL_CERT_FILE` /
    `SSL_CERT_DIR` when set."""

    def __post_init__(self) -> None:
        self.transport = Transport(self.policy, self.tls or tls_context(), self.settings.max_response_bytes)

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

    def delivery(
        self, delivery: Delivery, module: str, country_code: str, party_id: str, object_id: str, variant: str = ""
    ) -> tuple[str, dict[str, str]] | None:
        """Where an object of `module` is pushed to this partner as `delivery` says: its receiver's URL (owner-keyed
        for a PUT) and query parameters; None when the partner lists no receiver endpoint of `module`."""
        role = None if self.version == "2.1.1" else "RECEIVER"
        if not self.has_endpoint(module, role):
            return None
        url = self.endpoint(module, role)
        params: dict[str, str] = {}
        if delivery.owner_keyed:
            url = join_url(url, country_code, party_id, *([object_id] if object_id else []))
        if delivery.variant_param and self.version in delivery.variant_versions:
            params[delivery.variant_param] = variant
        return url, params

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
        retry: bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """One call to `url` exactly as given (`params` appended to its query), answered in full within the
        deadline, or UnableToUseClientApi saying what went wrong (PartnerTimeout when the deadline passed). A GET
        is tried again after a transport error or a 5xx unless `retry` is false (a probe of a partner that is down
        asks once). `headers` are sent besides (or instead of) this client's own (a hub forwards the routing
        headers and the correlation id it was given)."""
        if params:
            url += ("&" if urlsplit(url).query else "?") + urlencode(params)
        headers = {**self.headers(configuration=configuration), **(headers or {})}
        content = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            content = body.to_json() if hasattr(body, "to_json") else orjson.dumps(body)
        attempts = 1 + (self.settings.read_retries if method == "GET" and retry else 0)
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
            raise PartnerTimeout(
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

    def note(self, where: str, *deviations: Deviation) -> None:
        """The partner answered something out of spec that was read all the same."""
        if not deviations:
            return
        self.deviations += [(where, deviation) for deviation in deviations]
        if self.on_deviation is not None:
            self.on_deviation(where, list(deviations))

    def unwrap(self, response: Response | httpx.Response, what: str) -> tuple[Any, dict[str, Any]]:
        try:
            envelope = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            envelope = None
        if not isinstance(envelope, dict) or "status_code" not in envelope:
            if response.status_code == 401:
                raise AuthenticationError(f"{what}: HTTP 401")
            raise UnableToUseClientApi(f"{what}: HTTP {response.status_code} without an OCPI envelope")
        code = envelope.get("status_code")
        found = []
        if isinstance(code, str) and code.isdigit():  # unambiguous: the number written as a string
            found.append(Deviation(rules.ENVELOPE, "$.status_code", f"{code!r} is a string"))
            code = int(code)
        stamp = envelope.get("timestamp")
        if parse_datetime(stamp) is None:
            detail = "no timestamp" if stamp is None else f"the timestamp {stamp!r} is not a DateTime"
            found.append(Deviation(rules.ENVELOPE, "$.timestamp", detail))
        self.note(what, *found)
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
        what = f"GET {url}"
        data, _ = self.unwrap(response, what)
        if not isinstance(data, list):
            raise UnableToUseClientApi(f"GET {url}: data is not a list")
        total = response.headers.get("x-total-count")
        limit = response.headers.get("x-limit")
        return Page(
            items=data,
            total=int(total) if total and total.isdigit() else None,
            limit=int(limit) if limit and limit.isdigit() else None,
            next_url=self._next_url(url, response.headers.get("link"), what),
        )

    def _next_url(self, url: str, header: str | None, what: str) -> str | None:
        """The next page's URL from a `Link` header, as the list's own URL writes it: the scheme of the page
        just read, and enum values where a partner wrote Python enum names (`ModuleID.locations`) in the
        path; each repair noted."""
        if header is not None and not header.strip():
            self.note(what, Deviation(rules.LINK, "Link", "an empty Link header (the last page has none)"))
            return None
        found = next_link(header)
        if found is None:
            return None
        page, link = urlsplit(url), urlsplit(found)
        if link.scheme != page.scheme and link.netloc == page.netloc and link.scheme in ("http", "https"):
            detail = f"the Link is {link.scheme}:// where the list is {page.scheme}://: followed as {page.scheme}://"
            self.note(what, Deviation(rules.LINK, "Link", detail))
            link = link._replace(scheme=page.scheme)
        segments = link.path.split("/")
        repaired = [_ENUM_NAME.sub(r"\1", s) if _ENUM_NAME.fullmatch(s) else s for s in segments]
        if repaired != segments and "/".join(repaired) == page.path:
            detail = f"Python enum names in the Link's path {link.path!r}: followed as {page.path!r}"
            self.note(what, Deviation(rules.LINK, "Link", detail))
            link = link._replace(path=page.path)
        return urlunsplit(link)

    def read_object(self, model: type[M], data: Any, what: str) -> M:
        """`data` of an answer that holds one object, as `model`: a single object wrapped in a one-element list
        is read (and noted), what the object gets wrong is noted; UnableToUseClientApi when it is no such
        object."""
        if isinstance(data, list) and len(data) == 1 and isinstance(data[0], dict):
            detail = f"one {model.__name__} wrapped in a list"
            self.note(what, Deviation(rules.DATA_IN_LIST, "$.data", detail))
            data = data[0]
        if not isinstance(data, dict):
            raise UnableToUseClientApi(f"{what}: data is not a {model.__name__} object: {str(data)[:80]}")
        try:
            read = model.model_validate(data)
        except ValidationError as error:
            raise UnableToUseClientApi(f"{what}: invalid {model.__name__}: {describe(error)}") from error
        self.note(what, *judge(model, data, Judging.NOTE, version=self.version))
        return read

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
        read = 0
        for _ in range(max_pages):
            if next_url is None:
                return
            if next_url in seen:
                detail = f"the Link points back to a page already read ({next_url}): stopped after {read} objects"
                self.note(f"GET {url}", Deviation(rules.LINK, "Link", detail))
                return
            seen.add(next_url)
            page = await self.page(next_url)
            read += len(page.items)
            for index, item in enumerate(page.items):
                if model is None:
                    yield item
                    continue
                try:
                    parsed = model.model_validate(item)
                except ValidationError as error:
                    self.skipped.append(Skipped(next_url, f"/data/{index}", describe(error)))
                    continue
                self.note(f"GET {next_url} /data/{index}", *judge(model, item, Judging.NOTE, version=self.version))
                yield parsed
            if page.next_url is None and page.total is not None and read < page.total and page.items:
                detail = f"no Link on a page, though X-Total-Count is {page.total} and {read} objects were read"
                self.note(f"GET {next_url}", Deviation(rules.LINK, "Link", detail))
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
def tls_context() -> ssl.SSLContext:
    """One verifying TLS context (httpx's default: its CA bundle, SSL_CERT_FILE honoured) for every client:
    building one loads the CA certificates, ~30 ms of CPU, which a push worker creating a client per partner
    per round paid again and again."""
    return httpx.create_ssl_context()
