"""`get_application(...)`: the FastAPI app of an OCPI node."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Unpack

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from ocpi.core.enums import MODULES_BY_VERSION, ROLES_BY_VERSION, InterfaceRole, RoleEnum
from ocpi.core.envelope import envelope
from ocpi.core.errors import OcpiError
from ocpi.core.status import StatusCode
from ocpi.core.versions import LIBRARY_VERSION, SUPPORTED_VERSIONS
from ocpi.modules.registry import FUNCTIONAL_MODULES, module_interfaces
from ocpi.node.config import NodeConfig, NodeOptions, OwnParty
from ocpi.node.hooks import Hooks
from ocpi.node.lifecycle import NodeLifecycle
from ocpi.node.node import Node
from ocpi.server import credentials, forwarding
from ocpi.server.auth import caller_of
from ocpi.server.endpoints import mount
from ocpi.server.http import (
    JSON,
    CorrelationHeaders,
    absolute_url,
    http_error_handler,
    ocpi_data,
    ocpi_error_handler,
    request_validation_handler,
    unexpected_error_handler,
)
from ocpi.server.lane import LANE_TRIED, LaneRoutes, ReadLane
from ocpi.server.openapi import install_docs, install_openapi
from ocpi.server.operations import install_operations
from ocpi.server.routing import Binding, RouteTable
from ocpi.storage.base import CredentialLookup, Store
from ocpi.storage.sources import SourcesGiven
from ocpi.storage.sql import SqlStore

log = logging.getLogger("ocpi.server")


class OcpiApplication(FastAPI):
    """FastAPI, with the read lane in front of FastAPI's own layers when nothing else would see the requests it
    answers: the app's only middleware is the node's own and FastAPI's OpenTelemetry telemetry is off. Decided
    when the middleware stack is built, at the first request (no middleware can be added after). Measured on
    the benchmark machine: GET of one location, 8% less of the server's CPU per request.

    Every route answers with or without a trailing slash, directly (no redirect, which partners' clients often
    do not follow); and the node starts on the first request when no lifespan started it (a mounted app)."""

    front_lane: LaneRoutes | None = None
    lifecycle: NodeLifecycle
    """What the node runs on besides its routes (store, push, resync), started with the app."""
    observe_request: Callable[[Scope, Send], Send] | None = None
    """Set when metrics are on (`ocpi.server.metrics`): wraps each HTTP request's `send`, lane answers included."""

    @property
    def node(self) -> Node:
        """The node this app serves: its configuration, store, hooks, own objects (`app.node.locations.put(...)`)
        and clients for its partners."""
        node = self.state.node
        assert isinstance(node, Node)
        return node

    def build_middleware_stack(self) -> ASGIApp:
        classes = [middleware.cls for middleware in self.user_middleware]
        telemetry = getattr(self, "_native_telemetry", None)  # FastAPI 0.165+
        alone = ReadLane in classes and all(cls in (ReadLane, CorrelationHeaders) for cls in classes)
        self.front_lane = self.state.read_lane if alone and not (telemetry and telemetry.enabled()) else None
        return super().build_middleware_stack()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        if not self.lifecycle.started and not await self._start(scope, receive, send):
            return
        path = scope["path"]
        if path[-1:] == "/" and len(path) > len(scope.get("root_path", "")) + 1:
            scope["path"] = path[:-1]
            scope["raw_path"] = scope.get("raw_path", b"").removesuffix(b"/")
        if self.middleware_stack is None:
            self.middleware_stack = self.build_middleware_stack()
        if self.observe_request is not None:
            send = self.observe_request(scope, send)
        if self.front_lane is not None:
            if self.root_path:
                scope["root_path"] = self.root_path
            scope["app"] = self
            rest = await self.front_lane.serve(scope, receive, send)
            if rest is None:
                return
            receive = rest
            scope[LANE_TRIED] = True
        await super().__call__(scope, receive, send)

    async def _start(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Start the node before this request if no lifespan did and it is up to the app: it opens its own store,
        or it is mounted in another app (which sets `scope["app"]`). If it cannot start, answer why (the log
        has the details) and return False."""
        if not (self.lifecycle.opens_store or scope.get("app", self) is not self):
            return True
        try:
            await self.lifecycle.start()
        except Exception as error:
            log.exception("the OCPI node did not start")
            message = f"the OCPI node did not start: {type(error).__name__} (its log tells more)"
            response = Response(envelope(None, StatusCode.SERVER_ERROR, message), status_code=503, media_type=JSON)
            await response(scope, receive, send)
            return False
        return True


def get_application(
    *,
    parties: Sequence[OwnParty] | None = None,
    roles: Sequence[RoleEnum | str] = (),
    party: tuple[str, str] | None = None,
    store: SqlStore | str = "sqlite:///./ocpi.db",
    objects: Store | None = None,
    sources: SourcesGiven | None = None,
    versions: Sequence[str] = SUPPORTED_VERSIONS,
    modules: Sequence[str] | None = None,
    hooks: Hooks | None = None,
    authenticator: CredentialLookup | None = None,
    base_url: str | None = None,
    bookings: bool = False,
    config: NodeConfig | None = None,
    freeze_after_startup: bool = False,
    **options: Unpack[NodeOptions],
) -> OcpiApplication:
    """An OCPI node for `parties` (one per role it plays: CPO, EMSP, PTP, ...; or `roles` all under one
    `party` = (country_code, party_id)) on `store` (a `SqlStore`, or a database URL opened at startup),
    serving `versions` and, per role, every module that role implements (or only `modules`). URLs are
    `/ocpi/{role}/{version}/{module}/...`; `/ocpi/versions` lists them all. Tokens are looked up in the store
    unless an `authenticator` (anything with `find_credential(token)`) is given; `hooks` decide what only the
    application can (commands, real-time authorization, charging profiles, terminals, bookings).
    The node keeps its own state (partners, tokens, change log, cursors) in `store`, and its objects there too
    unless the application keeps them: in a `Store` of its own (`objects`), or as the source of truth that the
    node calls, per module (`sources`, `ocpi.storage.sources`); either way push, pull and every interface work.
    `config`: a whole `NodeConfig` instead of the arguments that make one; `options`: any other setting of
    `NodeConfig` (`NodeOptions`: `push_interval=0.5`, `strict=True`, `metrics=True`, ...).
    `freeze_after_startup`: once started, `freeze_startup_objects()` (for an app that is its process's only one:
    `ocpi serve` and the benchmarks set it).

    Returns the FastAPI app; `app.node` is its `Node` (own objects, hooks, partners' clients)."""
    if parties is None and roles and party is not None:
        parties = [OwnParty(RoleEnum(str(role).upper()), party[0], party[1]) for role in roles]
    if config is None:
        if not parties:
            raise ValueError("a node needs at least one party (OwnParty(role, country_code, party_id))")
        config = NodeConfig(
            parties=list(parties),
            versions=tuple(versions),
            modules=modules,
            base_url=base_url,
            bookings=bookings,
            **options,
        )
    node = Node(
        config,
        store if isinstance(store, SqlStore) else None,
        hooks,
        authenticator,
        objects=objects,
        sources=sources,
    )
    lifecycle = NodeLifecycle(node, store, freeze_after_startup)
    if lifecycle.opens_store:
        node.starter = lifecycle.start

    app = OcpiApplication(
        title="OCPI node (ocpi-python)",
        version=LIBRARY_VERSION,
        description=_DESCRIPTION,
        lifespan=lifecycle.lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.lifecycle = lifecycle
    app.router.redirect_slashes = False
    app.state.node = node
    app.add_exception_handler(OcpiError, ocpi_error_handler)
    app.add_exception_handler(RequestValidationError, request_validation_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(Exception, unexpected_error_handler)

    table = RouteTable(app)
    endpoints = _mount_modules(table, node)
    _mount_discovery(table, node, endpoints)
    install_openapi(app, table)
    install_docs(app)
    install_operations(app, node)
    app.state.read_lane = table.lane
    app.add_middleware(CorrelationHeaders)
    if config.read_lane:
        app.add_middleware(ReadLane, routes=table.lane)  # added last: the lane answers before the others
    return app


_DESCRIPTION = (
    "The OCPI interfaces of this node, one group per version, role and module. Every answer is the OCPI "
    "envelope. Authorize with `Token <your token>` (a registered partner's credentials token; a token A opens "
    "versions and credentials only)."
)


def _modules_for(config: NodeConfig, role: RoleEnum, version: str) -> list[str]:
    available = {str(m) for m in MODULES_BY_VERSION[version]}  # type: ignore[index]
    chosen = []
    for module in FUNCTIONAL_MODULES:
        if module not in available or (config.modules is not None and module not in config.modules):
            continue
        if module == "bookings" and not config.bookings:
            continue
        chosen.append(module)
    return chosen


Endpoints = dict[tuple[RoleEnum, str], list[tuple[str, InterfaceRole, str]]]


def _mount_modules(table: RouteTable, node: Node) -> Endpoints:
    """Bind every pattern of every module each role implements, in the versions where that role exists (PTP
    only in 2.3.0; 2.1.1 knows only CPO and eMSP); returns the endpoints per (role, version) as
    (module, side, path) for the version details."""
    config = node.config
    endpoints: Endpoints = {}
    for role in config.roles:
        for version in config.versions:
            # A hub is HUB in 2.2.1 and, in 2.3.0 (which has no such role), the platform named by hub_party_id.
            if role not in ROLES_BY_VERSION.get(version, ()) and not (role is RoleEnum.HUB and version != "2.1.1"):
                continue
            listed: list[tuple[str, InterfaceRole, str]] = []
            base = f"{config.prefix}/{role.value.lower()}/{version}"
            for module in _modules_for(config, role, version):
                interface = module_interfaces(module).for_role(role)
                if interface is None or version not in interface.versions:
                    continue
                binding = Binding(node, role, version, module, f"{base}/{module}")
                for pattern in interface.patterns:
                    mount(table, pattern, binding)
                listed.append((module, interface.side, binding.path))
            if role is RoleEnum.HUB:
                listed += _mount_forwarding(table, node, version, base)
            credentials_path = f"{base}/credentials"
            credentials.mount(table, Binding(node, role, version, "credentials", credentials_path))
            listed.insert(0, ("credentials", InterfaceRole.SENDER, credentials_path))
            endpoints[(role, version)] = listed
    return endpoints


def _mount_forwarding(table: RouteTable, node: Node, version: str, base: str) -> list[tuple[str, InterfaceRole, str]]:
    """A hub's module endpoints: for each functional module, one per side a party may offer it on, forwarding
    to the party OCPI-to names (`ocpi.server.forwarding`)."""
    listed = []
    for module in _modules_for(node.config, RoleEnum.HUB, version):
        if module == "hubclientinfo":
            continue
        interfaces = module_interfaces(module)
        for interface in (interfaces.sender, interfaces.receiver):
            if interface is None or version not in interface.versions:
                continue
            path = f"{base}/{interface.side.value.lower()}/{module}"
            forwarding.mount(table, Binding(node, RoleEnum.HUB, version, module, path), interface.side)
            listed.append((module, interface.side, path))
    return listed


def _mount_discovery(table: RouteTable, node: Node, endpoints: Endpoints) -> None:
    """`/ocpi/versions` for the whole platform (2.2.1+ style) and `/ocpi/{role}/versions` per role (2.1.1
    has one versions endpoint per role); each with its version details."""
    config = node.config
    prefix = config.prefix
    caller = caller_of(node)

    def details(version: str, roles: Sequence[RoleEnum]) -> Any:
        async def handler(*, request: Request, partner: Any) -> Response:
            seen_credentials = False
            listed = []
            for role in roles:
                for module, side, path in endpoints[(role, version)]:
                    if module == "credentials":
                        if seen_credentials:
                            continue
                        seen_credentials = True
                    entry = {"identifier": module, "url": absolute_url(request, config.base_url, path)}
                    if version != "2.1.1":
                        entry["role"] = side.value
                    listed.append(entry)
            return ocpi_data({"version": version, "endpoints": listed})

        return handler

    def versions(offered: Sequence[str], path_of: Any) -> Any:
        async def handler(*, request: Request, partner: Any) -> Response:
            return ocpi_data(
                [{"version": v, "url": absolute_url(request, config.base_url, path_of(v))} for v in offered]
            )

        return handler

    def roles_in(version: str) -> list[RoleEnum]:
        return [role for role in config.roles if (role, version) in endpoints]

    platform_versions = [v for v in config.versions if roles_in(v)]
    table.add(
        f"{prefix}/versions",
        "GET",
        versions(platform_versions, lambda v: f"{prefix}/{v}"),
        dependency=caller,
        tags=["versions"],
        summary="List the versions (every role)",
    )
    for version in platform_versions:
        # 2.1.1 details have no role per endpoint: the platform-wide 2.1.1 details show the first role's.
        roles = roles_in(version)[:1] if version == "2.1.1" else roles_in(version)
        table.add(
            f"{prefix}/{version}",
            "GET",
            details(version, roles),
            dependency=caller,
            tags=["versions"],
            summary=f"Version {version}: its endpoints (every role)",
        )
    for role in config.roles:
        role_prefix = f"{prefix}/{role.value.lower()}"
        role_versions = [v for v in config.versions if (role, v) in endpoints]
        table.add(
            f"{role_prefix}/versions",
            "GET",
            versions(role_versions, lambda v, rp=role_prefix: f"{rp}/{v}"),
            dependency=caller,
            tags=["versions"],
            summary=f"List the versions of the {role.value}",
        )
        for version in role_versions:
            table.add(
                f"{role_prefix}/{version}",
                "GET",
                details(version, [role]),
                dependency=caller,
                tags=["versions"],
                summary=f"Version {version}: the endpoints of the {role.value}",
            )
