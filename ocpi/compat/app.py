"""`get_application` with the seed system's signature: the same arguments build a full node (handshake, push,
pull, every interface of the modules asked for) whose objects are the application's `Crud`'s.

What the seed system took from the environment it takes from there too: `COUNTRY_CODE`, `PARTY_ID` (one party
per role), `PROTOCOL` and `OCPI_HOST` (the public URL), `OCPI_PREFIX`, `PUSH_PREFIX`, `PROJECT_NAME`,
`COMMAND_AWAIT_TIME`, `GET_ACTIVE_PROFILE_AWAIT_TIME`; and, new, `OCPI_DB`: the database of the node's own state
(partners, tokens, change log), `sqlite:///./ocpi.db` by default, and `OCPI_ALLOW_PRIVATE_URLS` (as `ocpi serve`
reads them). Keyword arguments override each."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, Unpack

from fastapi import Request
from fastapi.responses import Response

from ocpi.compat.base import Authenticator, Crud
from ocpi.compat.credentials import AuthenticatorCredentials
from ocpi.compat.enums import ModuleID, RoleEnum, VersionNumber
from ocpi.compat.hooks import CrudAuthorizer, CrudChargingProfiles, CrudCommands, CrudResults
from ocpi.compat.sources import OBJECT_MODULES, CrudSource
from ocpi.core.enums import RoleEnum as Role
from ocpi.core.errors import AuthenticationError, InvalidParameters, NotFound
from ocpi.core.utils import token_candidates
from ocpi.core.versions import SUPPORTED_VERSIONS
from ocpi.node.config import NodeOptions, OwnParty
from ocpi.node.hooks import Hooks
from ocpi.node.node import Node
from ocpi.server.app import OcpiApplication
from ocpi.server.app import get_application as node_application
from ocpi.server.http import read_json
from ocpi.storage.sql import SqlStore

__all__ = ["get_application"]


def _setting(name: str, default: str) -> str:
    return os.environ.get(name) or default


def get_application(
    version_numbers: Sequence[VersionNumber | str],
    roles: Sequence[RoleEnum | str],
    crud: type[Crud] | Crud,
    modules: Sequence[ModuleID | str],
    authenticator: type[Authenticator] | Authenticator,
    adapter: Any = None,
    http_push: bool = False,
    websocket_push: bool = False,
    *,
    country_code: str | None = None,
    party_id: str | None = None,
    base_url: str | None = None,
    store: SqlStore | str | None = None,
    **options: Unpack[NodeOptions],
) -> OcpiApplication:
    """A node for each of `roles`, under one `country_code`/`party_id`, serving `version_numbers` and `modules`.
    The application's objects (Locations, Sessions, CDRs, Tariffs, Tokens) are read and written through `crud`,
    as dicts in the newest of `version_numbers`; commands and real-time authorizations go to `crud.do`; tokens are
    checked against `authenticator` under the node's rules (`ocpi.compat.credentials`). `http_push`: the seed
    system's `POST /{PUSH_PREFIX}/{version}`, now "this object changed", pushed by the node to every partner it is
    for. Returns the FastAPI app; `app.node` is its `Node`."""
    if adapter is not None:
        raise ValueError(
            "adapter: ocpi.compat converts between OCPI versions itself; do what your adapter did in your Crud"
        )
    if websocket_push:
        raise ValueError("websocket_push: not offered; use http_push=True (or the node's push: every change is sent)")
    versions = [str(v) for v in version_numbers]
    unsupported = [v for v in versions if v not in SUPPORTED_VERSIONS]
    if unsupported or not versions:
        raise ValueError(f"version_numbers: {unsupported or 'none'} (supported: {', '.join(SUPPORTED_VERSIONS)})")
    # The application's dicts are in one format: the newest version it serves.
    data_version = max(versions, key=lambda v: tuple(int(part) for part in v.split(".")))
    wanted = [ModuleID(str(m)) for m in modules]
    country_code = country_code or _setting("COUNTRY_CODE", "US")
    party_id = party_id or _setting("PARTY_ID", "NON")
    name = _setting("PROJECT_NAME", "OCPI")
    parties = [OwnParty(Role(str(role).upper()), country_code, party_id, name=name) for role in roles]
    own = [(country_code.upper(), party_id.upper())]

    def node_store() -> SqlStore:
        return app.node.store

    lookup = AuthenticatorCredentials(authenticator, node_store)

    def node() -> Node:
        return app.node

    def polls(setting: str) -> int:
        return 30 * int(_setting(setting, "5"))

    hooks = Hooks(
        commands=CrudCommands(crud, data_version, node, polls=polls("COMMAND_AWAIT_TIME"), poll_interval=2.0),
        charging_profiles=CrudChargingProfiles(
            crud, data_version, node, polls=polls("GET_ACTIVE_PROFILE_AWAIT_TIME"), poll_interval=2.0
        ),
        authorization=CrudAuthorizer(crud, data_version),
        results=CrudResults(crud, data_version),
    )
    sources = {m.value: CrudSource(crud, m, data_version, own) for m in wanted if m in OBJECT_MODULES}
    for source in sources.values():
        source.locations = sources.get(ModuleID.locations.value)
    options.setdefault("prefix", "/" + _setting("OCPI_PREFIX", "ocpi").strip("/"))
    if _setting("OCPI_ALLOW_PRIVATE_URLS", "").lower() in ("1", "true", "yes"):
        options.setdefault("allow_private_urls", True)
    app = node_application(
        parties=parties,
        store=store or _setting("OCPI_DB", "sqlite:///./ocpi.db"),
        versions=versions,
        modules=[m.value for m in wanted],
        hooks=hooks,
        authenticator=lookup,
        base_url=base_url or f"{_setting('PROTOCOL', 'https')}://{_setting('OCPI_HOST', 'www.example.com')}",
        sources=sources,
        **options,
    )
    if http_push:
        _mount_push(app, authenticator, sources)
    return app


def _mount_push(
    app: OcpiApplication,
    authenticator: type[Authenticator] | Authenticator,
    sources: dict[str, CrudSource],
) -> None:
    """The seed system's push request (`{"module_id", "object_id", "receivers"}`), from the application itself (a
    token of `get_valid_token_c()`): the object, read through `Crud.get`, is marked changed; the node pushes it
    to every registered partner it is for, with retries (`receivers` is not needed: the node knows its partners)."""

    async def push(request: Request, version: str) -> Response:
        valid = await authenticator.get_valid_token_c()
        if not any(token in valid for token in token_candidates(request.headers.get("authorization"))):
            raise AuthenticationError("push: a token of the application's Authenticator.get_valid_token_c() is needed")
        body = await read_json(request, app.node.config.max_body_bytes)
        module, object_id = (body.get("module_id"), body.get("object_id")) if isinstance(body, dict) else (None, None)
        source = sources.get(str(module))
        if source is None or not isinstance(object_id, str):
            raise InvalidParameters(
                f"module_id: one of {', '.join(sources)} (the modules of this node kept by the Crud); "
                "object_id: a string"
            )
        obj = await source.own_object(object_id)
        if obj is None:
            raise NotFound(f"object_id: the Crud has no {source.module.value} {object_id!r}")
        await getattr(app.node, source.module.value).changed(obj)
        return Response(b'{"receiver_responses":[]}', media_type="application/json")

    prefix = "/" + _setting("PUSH_PREFIX", "push").strip("/")
    app.add_api_route(f"{prefix}/{{version}}", push, methods=["POST"], include_in_schema=False)
