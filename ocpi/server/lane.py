"""The read lane: the hot reads (a sender's list and GET of one object) answered without the framework's
dispatch, by the same handlers the routes call.

FastAPI finds a route by trying each pattern in turn and solves every request's dependencies and query
parameters through Pydantic's field machinery: measured in-process, 0.35 ms per list request through it
against 0.21 ms through this lane. Here a route is found with at most four dict lookups, the caller is
identified by the same dependency, and the query parameters are validated by TypeAdapters built from the
routes' own `Query` declarations. Anything this lane does not answer with success (a bad parameter, an
unknown token, a missing object, any error at all) goes to the app unchanged, which answers it as it answers
every request: errors, the envelope and the OpenAPI document have one source. Only GETs, which change
nothing, take this lane.

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
from starlette.types import ASGIApp, Receive, Scope, Send

from ocpi.server.http import correlation_headers

log = logging.getLogger("ocpi.server")

MAX_PATH_PARAMS = 3
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
    """Routes are keyed by (the path up to its first parameter, the number of parameters): a route template
    `/ocpi/cpo/2.2.1/locations/{location_id}/{evse_uid}` is (`/ocpi/cpo/2.2.1/locations`, 2)."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, int], LaneRoute] = {}
        self._parsed: dict[tuple[str, bytes], Mapping[str, Any]] = {}

    def add(
        self,
        path: str,
        handler: Callable[..., Awaitable[Response]],
        dependency: Callable[[Request], Awaitable[Any]],
        path_params: Sequence[str],
        query: Mapping[str, tuple[Any, Any]],
    ) -> None:
        prefix = path.split("/{", 1)[0]
        if path != prefix + "".join(f"/{{{name}}}" for name in path_params) or len(path_params) > MAX_PATH_PARAMS:
            raise ValueError(f"the read lane takes a fixed path followed by its parameters, not {path}")
        adapters: dict[str, TypeAdapter[Any]] = {
            name: TypeAdapter(_ANNOTATED[annotation, field]) for name, (annotation, field) in query.items()
        }
        defaults = {name: field.get_default(call_default_factory=True) for name, (_, field) in query.items()}
        self.routes[(prefix, len(path_params))] = LaneRoute(
            path, handler, dependency, tuple(path_params), adapters, defaults
        )

    def match(self, path: str) -> tuple[LaneRoute, list[str]] | None:
        for count in range(MAX_PATH_PARAMS + 1):
            if count:
                prefix, *values = path.rsplit("/", count)
                if len(values) < count or not all(values):
                    return None
            else:
                prefix, values = path, []
            route = self.routes.get((prefix, count))
            if route is not None:
                return route, values
        return None

    async def serve(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Answer an HTTP request here if it is a GET of a lane route that succeeds; False: nothing was sent."""
        if scope["method"] != "GET":
            return False
        path, root = scope["path"], scope.get("root_path", "")
        found = self.match(path[len(root) :] if root and path.startswith(root) else path)  # mounted: under root
        if found is None:
            return False
        response = await self.answer(*found, Request(scope, receive))
        if response is None:
            return False
        response.raw_headers += correlation_headers(scope)
        await response(scope, receive, send)
        return True

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
        return response if response.status_code == 200 else None

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


class ReadLane:
    """ASGI middleware: the GETs `routes` match are answered here when they succeed; all else goes to `app`.
    Placed outside the app's other middleware, it adds the correlation headers to its answers itself."""

    def __init__(self, app: ASGIApp, routes: LaneRoutes):
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and LANE_TRIED not in scope and await self.routes.serve(scope, receive, send):
            return
        await self.app(scope, receive, send)
