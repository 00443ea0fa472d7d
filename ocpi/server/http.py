"""Request and response plumbing shared by every route: the envelope, body limits, JSON, pagination
headers, correlation and routing headers, and the errors that must never leave the envelope."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote, unquote_plus

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ocpi.core.data_types import parse_datetime
from ocpi.core.envelope import envelope, envelope_bytes
from ocpi.core.errors import InvalidParameters, MalformedRequest, OcpiError, PayloadTooLarge
from ocpi.core.ids import new_id
from ocpi.core.status import StatusCode
from ocpi.logs import REQUEST_IDS
from ocpi.server.auth import CALLER

JSON = "application/json"


def ocpi_response(
    data_json: bytes | Sequence[bytes] | None = None,
    *,
    http_status: int = 200,
    status_code: int = StatusCode.SUCCESS,
    message: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body = envelope_bytes(data_json, status_code, message)
    return Response(body, status_code=http_status, media_type=JSON, headers=dict(headers or {}))


def ocpi_data(data: Any, **kwargs: Any) -> Response:
    """Respond with a JSON-ready value (or a model, dumped the OCPI way) as `data`."""
    if hasattr(data, "to_json"):
        return ocpi_response(data.to_json(), **kwargs)
    return ocpi_response(None if data is None else orjson.dumps(data), **kwargs)


async def read_json(request: Request, limit: int) -> Any:
    """The body as JSON. Too large: 413; not UTF-8, not JSON or nested beyond reason: 400."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"request body over {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"request body over {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect as error:  # a partner that went down mid-request: no one to answer, no 500
        raise MalformedRequest("the client disconnected before sending the whole body") from error
    body = b"".join(chunks)
    if not body.strip():
        return None
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise MalformedRequest(f"request body is not valid JSON: {error}") from error
    if _nesting_exceeds(document, MAX_JSON_DEPTH):
        raise MalformedRequest(f"request body is nested deeper than {MAX_JSON_DEPTH} levels")
    return document


MAX_JSON_DEPTH = 64
"""No OCPI object nests beyond about ten levels; orjson reads up to 1024, but the serializers that later
write the object back stop near 255, so an absurdly deep body is refused on the way in."""


def _nesting_exceeds(document: Any, limit: int) -> bool:
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > limit:
            return True
        if isinstance(value, dict):
            pending.extend((item, depth + 1) for item in value.values() if isinstance(item, dict | list))
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value if isinstance(item, dict | list))
    return False


def parse_query_datetime(name: str, value: str | None) -> datetime | None:
    if value is None or value == "":
        return None
    parsed = parse_datetime(value.replace(" ", "+"))
    if parsed is None:
        raise InvalidParameters(f"{name}: not an RFC 3339 DateTime (years 1 to 9999 in UTC): {value!r}")
    return parsed


_PAGING = frozenset({"offset", "limit", "after"})


def link_header(
    root: str, path: str, query_string: bytes, offset: int, limit: int, after: int | str | None = None
) -> str:
    """`<url>; rel="next"` keeping every other query parameter as the client wrote it, with the next offset
    (and, for our own keyset pagination, the position the page ended at)."""
    kept = [
        part
        for part in query_string.decode("latin-1").split("&")
        if part and unquote_plus(part.partition("=")[0]) not in _PAGING
    ]
    kept += (f"offset={offset}", f"limit={limit}")
    if after is not None:
        kept.append(f"after={quote(str(after), safe='')}")
    return f'<{root}{path}?{"&".join(kept)}>; rel="next"'


_roots: dict[tuple[Any, ...], str] = {}


def request_root(request: Request, base_url: str | None) -> str:
    """Our URL without a trailing slash: `base_url` when configured, else the one the request was sent to (as
    Starlette reads it from the Host header, once per distinct host), with the path the app is mounted at."""
    if base_url:
        return base_url.rstrip("/")
    scope = request.scope
    host = next((value for name, value in scope["headers"] if name == b"host"), None)
    key = (scope.get("scheme"), host, scope.get("server"), scope.get("root_path"), scope.get("app_root_path"))
    root = _roots.get(key)
    if root is None:
        if len(_roots) >= 256:
            _roots.clear()
        # Starlette's base URL is the top application's; mounted in it (`app.mount("/roaming", ...)`), ours is
        # below, at the root path the mount added.
        root_path = scope.get("root_path", "")
        app_root_path = scope.get("app_root_path", root_path)
        mounted = root_path[len(app_root_path) :] if root_path.startswith(app_root_path) else ""
        root = _roots[key] = str(request.base_url).rstrip("/") + mounted.rstrip("/")
    return root


def absolute_url(request: Request, base_url: str | None, path: str) -> str:
    return request_root(request, base_url) + path


def error_response(error: OcpiError) -> Response:
    return Response(envelope(None, error.status_code, error.message), status_code=error.http_status, media_type=JSON)


def log_refused(request: Request, http_status: int, ocpi_status: int, message: str) -> None:
    """One line in the node's log for a request answered with an error, naming the caller when it was
    identified (`ocpi.server.auth.identify`)."""
    node = getattr(request.app.state, "node", None)
    if node is not None:
        caller = request.scope.get(CALLER)
        node.events.refused(request.scope, http_status, ocpi_status, message, caller.party if caller else None)


async def ocpi_error_handler(request: Request, error: Exception) -> Response:
    assert isinstance(error, OcpiError)
    log_refused(request, error.http_status, error.status_code, error.message)
    return error_response(error)


async def request_validation_handler(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    parts = []
    for item in error.errors():
        loc = [str(p) for p in item.get("loc", ()) if p not in ("query", "path", "header", "body")]
        parts.append(f"{'.'.join(loc) or 'request'}: {item.get('msg', 'invalid')}")
    return await ocpi_error_handler(request, InvalidParameters("invalid parameters: " + "; ".join(parts)))


async def http_error_handler(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    message = {404: "no such endpoint", 405: "method not allowed"}.get(error.status_code, str(error.detail))
    log_refused(request, error.status_code, StatusCode.CLIENT_ERROR, message)
    headers = dict(error.headers or {})
    return Response(
        envelope(None, StatusCode.CLIENT_ERROR, message),
        status_code=error.status_code,
        media_type=JSON,
        headers=headers,
    )


async def unexpected_error_handler(_request: Request, _error: Exception) -> Response:
    return Response(envelope(None, StatusCode.SERVER_ERROR, "internal error"), status_code=500, media_type=JSON)


def new_request_id() -> bytes:
    """A version 4 UUID unique to this request (`ocpi.core.ids.new_id`)."""
    return new_id().encode()


def correlation_headers(scope: Scope) -> list[tuple[bytes, bytes]]:
    """`X-Request-ID` and `X-Correlation-ID` of the answer: the request's own (2.2.1+), or new ones."""
    request_id = correlation_id = None
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            request_id = value
        elif name == b"x-correlation-id":
            correlation_id = value
    return [
        (b"x-request-id", request_id or new_request_id()),
        (b"x-correlation-id", correlation_id or new_request_id()),
    ]


class CorrelationHeaders:
    """Echo `X-Request-ID` and `X-Correlation-ID` (2.2.1+), generating them when the request has none."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ids = scope[REQUEST_IDS] = correlation_headers(scope)

        async def send_with_ids(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *ids]
            await send(message)

        await self.app(scope, receive, send_with_ids)
