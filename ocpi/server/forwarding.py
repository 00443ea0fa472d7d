"""The module endpoints of a node playing a Roaming Hub: every request to them is forwarded to the party its
OCPI-to names (`ocpi.node.hub.forward`). Each module has one endpoint per side of the receiving party's
interface, `/ocpi/hub/{version}/sender/{module}` and `/ocpi/hub/{version}/receiver/{module}`, so a GET of a
location to a CPO (its Sender) and to an eMSP (its Receiver) are told apart by the URL alone."""

from __future__ import annotations

import orjson
from fastapi import Request
from fastapi.responses import Response

from ocpi.core.enums import InterfaceRole
from ocpi.node.hub import CALLBACK_SEGMENT, Relayed, forward, relay_result
from ocpi.server.http import JSON, read_json
from ocpi.server.routing import Binding, RouteTable, routing_headers
from ocpi.storage.base import Party

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def mount(table: RouteTable, b: Binding, side: InterfaceRole) -> None:
    """Forward every method on `b.path` and below it; `b.path` is this side's endpoint of the module."""
    node = b.node
    hub = node.hub
    assert hub is not None, "forwarding endpoints belong to a hub"
    tags = [f"{b.version} HUB {b.module} ({side.value.lower()}s)"]

    async def relay(*, request: Request, partner: Party, rest: str = "") -> Response:
        payload = await read_json(request, node.config.max_body_bytes) if request.method != "GET" else None
        relayed = Relayed(
            method=request.method,
            version=b.version,
            side=side,
            module=b.module,
            path=tuple(segment for segment in rest.split("/") if segment),
            query=request.scope["query_string"].decode("latin-1"),
            body=None if payload is None else orjson.dumps(payload),
            routing=routing_headers(request),
            correlation_id=request.headers.get("x-correlation-id"),
            hub_url=b.url(request),
        )
        answer = await forward(hub, partner, relayed)
        return Response(answer.body, status_code=answer.status, headers=answer.headers, media_type=JSON)

    if side is InterfaceRole.RECEIVER and b.module == "commands":  # once per version: where results arrive
        callbacks = b.path.rsplit("/", 2)[0] + f"/{CALLBACK_SEGMENT}/{{reference}}"

        async def result(*, request: Request, partner: Party, reference: str) -> Response:
            payload = await read_json(request, node.config.max_body_bytes)
            answer = await relay_result(hub, partner, reference, None if payload is None else orjson.dumps(payload))
            return Response(answer.body, status_code=answer.status, headers=answer.headers, media_type=JSON)

        summary = "Post an asynchronous result, forwarded to the requester's response_url"
        table.add(
            callbacks, "POST", result, path_params=["reference"], dependency=b.partner, tags=tags, summary=summary
        )

    for method in METHODS:
        summary = f"{method} to the {b.module} {side.value.lower()} of the party OCPI-to names"
        table.add(b.path, method, relay, dependency=b.partner, tags=tags, summary=summary)
        table.add(
            b.path + "/{rest:path}",
            method,
            relay,
            path_params=["rest"],
            dependency=b.partner,
            tags=tags,
            summary=summary,
        )
