"""The Payments module's own endpoints: the PTP's terminal management (2.3.0)."""

from __future__ import annotations

from typing import cast

import orjson
from fastapi import Request
from fastapi.responses import Response
from starlette.background import BackgroundTask

from ocpi.core.enums import CANONICAL_VERSION
from ocpi.core.errors import NotFound
from ocpi.core.interfaces import (
    TerminalActions,
)
from ocpi.modules.payments.v_2_3_0.schemas import Terminal, TerminalActivationRequest
from ocpi.node.outbound import create_terminal
from ocpi.server.http import ocpi_response, read_json
from ocpi.server.patterns import written
from ocpi.server.routing import Binding, RouteTable
from ocpi.storage.base import ObjectKey, Party


def mount_terminal_actions(table: RouteTable, pattern: TerminalActions, b: Binding) -> None:
    """The PTP's side of terminal management: the CPO activates, deactivates, updates and assigns terminals;
    the terminals are our (the PTP's) objects."""
    node = b.node
    terminal_type = pattern.terminal_type
    tags = [f"{b.version} {b.role.value} {b.module}"]
    base = f"{b.path}/terminals"

    def own_key(terminal_id: str) -> ObjectKey:
        cc, pid = b.owners[0]
        return node.repository.key_of(terminal_type, (cc, pid), terminal_id)

    async def activate(*, request: Request, partner: Party) -> Response:
        payload = await read_json(request, node.config.max_body_bytes)
        read = b.read(request, partner, pattern.activation_models[b.version], payload, "Terminal")
        wanted = cast(TerminalActivationRequest, b.canonical(read, partner))
        terminal = await node.hooks.payment_terminals.activate(wanted, b.requester(partner))
        await node.repository.put(terminal_type, CANONICAL_VERSION, terminal, owner=b.owners[0])
        stored = await node.repository.get(terminal_type, b.version, own_key(str(terminal.terminal_id)))
        response = ocpi_response(stored, headers=b.response_headers(request))
        # The spec: after an activation request the PTP creates the Terminal on the CPO side (POST).
        response.background = BackgroundTask(create_terminal, node, partner, orjson.loads(stored or b"{}"))
        return response

    async def deactivate(*, request: Request, partner: Party, terminal_id: str) -> Response:
        found = await node.objects.get(own_key(terminal_id))
        if found is None:
            raise NotFound(f"Terminal {terminal_id} not found")
        terminal = Terminal.model_validate_json(found.canonical)
        await node.hooks.payment_terminals.deactivate(terminal, b.requester(partner))
        return ocpi_response(headers=b.response_headers(request))

    async def put(*, request: Request, partner: Party, terminal_id: str) -> Response:
        payload = await read_json(request, node.config.max_body_bytes)
        result = await node.repository.put(
            terminal_type, b.version, payload, owner=b.owners[0], object_id=terminal_id, judging=node.judging
        )
        b.note(request, partner, result.deviations)
        return written(result.outcome, result.message, b.response_headers(request))

    async def patch(*, request: Request, partner: Party, terminal_id: str) -> Response:
        payload = await read_json(request, node.config.max_body_bytes)
        b.read(request, partner, pattern.patch_models[b.version], payload, "Terminal PATCH")
        result = await node.repository.patch(
            terminal_type, b.version, payload, owner=b.owners[0], object_id=terminal_id
        )
        return ocpi_response(message=result.message, headers=b.response_headers(request))

    table.add(
        f"{base}/activate",
        "POST",
        activate,
        dependency=b.partner,
        tags=tags,
        body=pattern.activation_models[b.version],
    )
    one = f"{base}/{{terminal_id}}"
    table.add(f"{one}/deactivate", "POST", deactivate, path_params=["terminal_id"], dependency=b.partner, tags=tags)
    table.add(
        one,
        "PUT",
        put,
        path_params=["terminal_id"],
        dependency=b.partner,
        tags=tags,
        body=terminal_type.models[b.version],
    )
    table.add(
        one,
        "PATCH",
        patch,
        path_params=["terminal_id"],
        dependency=b.partner,
        tags=tags,
        body=pattern.patch_models[b.version],
    )
