"""The lane: the hot reads (a sender's list and GET of one object) and the hot writes (a receiver's PUT and PATCH
of an object, EVSE or connector, and DELETE of an object) answered without the framework's dispatch, by the same
handlers the routes call.

FastAPI finds a route by trying each pattern in turn and solves every request's dependencies and query
parameters through Pydantic's field machinery: measured in-process, 0.35 ms per list request through it
against 0.21 ms through this lane. Here a route is found with at most six dict lookups, the caller is
identified by the same dependency, and the query parameters are validated by TypeAdapters built from the
routes' own `Query` declarations. Anything this lane does not answer with success (a bad parameter, an
unknown token, a missing object, any error at all) goes to the app unchanged, which answers it as it answers
every request: errors, the envelope and the OpenAPI document have one source. A write's body is kept as the
handler reads it and read again by the app: a handler raises before it writes anything (what it refuses it
refuses while reading, checking and converting), so the app's answer to a refused write is the answer, and
nothing was written twice. Measured in-process, a receiver PATCH of an EVSE status spent a quarter of its CPU
in FastAPI's routing and dependency solving.

The lane sits in front of FastAPI's own layers (its error middleware, body limit and telemetry) when nothing
else would see the request (`OcpiApplication`); with middleware of the application's own, or FastAPI's
OpenTelemetry telemetry enabled, it sits inside them, as the outermost of the app's middleware (`ReadLane`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl

from pydantic import TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ocpi.server.http import correlation_headers

log = logging.getLogger("ocpi.server")

MAX_PATH_PARAMS = 5  # a receiver's connector: country_code, party_id, location, EVSE, connector
METHODS = frozenset({"GET", "PUT", "PATCH", "DELETE"})
LANE_TRIED = "ocpi.read_lane_tried"
"""Set in the scope of a request the lane in front did not answer, so that the lane inside does not try again."""
MAX_KEPT_QUERIES = 1024
_ANNOTATED: Any = Annotated  # a parameter's type with its `Query(...)` constraints, built at run time


@dataclass(frozen=True)
class LaneRoute:
    path: str
    handler: Callable[..., Awaitable[Response]]
    dependency: Callable[[Request], Awaitable[Any]]
    path_params: tuple[str, ...]
    query: Mapping[str, TypeAdapter[Any]]
    defaults: Mapping[str, Any]


class LaneRoutes:
    """Routes are keyed by (method, the path up to its first parameter, the number of parameters): a route template
    `/ocpi/cpo/2.2.1/locations/{location_id}/{evse_uid}` read is (`GET`, `/ocpi/cpo/2.2.1/locations`, 2)."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str, int], LaneRoute] = {}
        self._parsed: dict[tuple[str, bytes], Mapping[str, Any]] = {}

    def add(
        self,
        path: str,
        handler: Callable[..., Awaitable[Response]],
        dependency: Callable[[Request], Awaitable[Any]],
        path_params: Sequence[str],
        query: Mapping[str, tuple[Any, Any]],
        method: str = "GET",
    ) -> None:
        prefix = path.split("/{", 1)[0]
        if path != prefix + "".join(f"/{{{name}}}" for name in path_params) or len(path_params) > MAX_PATH_PARAMS:
            raise ValueError(f"the lane takes a fixed path followed by its parameters, not {path}")
        if method not in METHODS:
            raise ValueError(f"the lane takes {sorted(METHODS)}, not {method}")
        adapters: dict[str, TypeAdapter[Any]] = {
            name: TypeAdapter(_ANNOTATED[annotation, field]) for name, (annotation, field) in query.items()
        }
        defaults = {name: field.get_default(call_default_factory=True) for name, (_, field) in query.items()}
        self.routes[(method, prefix, len(path_params))] = LaneRoute(
            path, handler, dependency, tuple(path_params), adapters, defaults
        )

    def match(self, path: str, method: str = "GET") -> tuple[LaneRoute, list[str]] | None:
        for count in range(MAX_PATH_PARAMS + 1):
            if count:
                prefix, *values = path.rsplit("/", count)
                if len(values) < count or not all(values):
                    return None
            else:
                prefix, values = path, []
            route = self.routes.get((method, prefix, count))
            if route is not None:
                return route, values
        return None

    async def serve(self, scope: Scope, receive: Receive, send: Send) -> Receive | None:
        """Answer an HTTP request here if it is a lane route that succeeds: None. Else nothing was sent, and the
        app reads the request from the `receive` returned (what the lane read of the body, then the rest)."""
        method = scope["method"]
        if method not in METHODS:
            return receive
        path, root = scope["path"], scope.get("root_path", "")
        found = self.match(path[len(root) :] if root and path.startswith(root) else path, method)  # mounted
        if found is None:
            return receive
        body = _KeptBody(receive) if method != "GET" else None
        response = await self.answer(*found, Request(scope, body or receive))
        if response is None:
            return receive if body is None else body.again()
        response.raw_headers += correlation_headers(scope)
        await response(scope, receive, send)
        return None

    async def answer(self, route: LaneRoute, values: list[str], request: Request) -> Response | None:
        """The handler's successful answer, or None for the app to answer."""
        try:
            arguments = {**self._query_arguments(route, request.scope["query_string"])}
            arguments.update(zip(route.path_params, values, strict=True))
            partner = await route.dependency(request)
            response = await route.handler(request=request, partner=partner, **arguments)
        except ValidationError:
            return None
        except Exception:
            log.debug("read lane: handing %s to the app", request.url.path, exc_info=True)
            return None
        return response if response.status_code in (200, 201) else None

    def _query_arguments(self, route: LaneRoute, query_string: bytes) -> Mapping[str, Any]:
        """The route's query parameters, validated, or ValidationError. Kept per query string: a client reading
        a list asks with the same few again and again."""
        known = self._parsed.get((route.path, query_string))
        if known is not None:
            return known
        query = dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))
        arguments: dict[str, Any] = {}
        for name, adapter in route.query.items():
            raw = query.get(name)
            arguments[name] = route.defaults[name] if raw is None else adapter.validate_python(raw)
        if len(self._parsed) >= MAX_KEPT_QUERIES:
            self._parsed.clear()
        self._parsed[(route.path, query_string)] = arguments
        return arguments


class _KeptBody:
    """A request's `receive` that keeps the body messages the handler read, for the app to read them again."""

    def __init__(self, receive: Receive):
        self.receive = receive
        self.kept: list[Message] = []

    async def __call__(self) -> Message:
        message = await self.receive()
        if message["type"] == "http.request":
            self.kept.append(message)
        return message

    def again(self) -> Receive:
        pending = list(self.kept)

        async def receive() -> Message:
            return pending.pop(0) if pending else await self.receive()

        return receive


class ReadLane:
    """ASGI middleware: the requests `routes` match are answered here when they succeed; all else goes to `app`.
    Placed outside the app's other middleware, it adds the correlation headers to its answers itself."""

    def __init__(self, app: ASGIApp, routes: LaneRoutes):
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and LANE_TRIED not in scope:
            rest = await self.routes.serve(scope, receive, send)
            if rest is None:
                return
            receive = rest
        await self.app(scope, receive, send)
