"""The Charging Profiles module's endpoints: the CPO's GET/PUT/DELETE of a session's profile (answered later at
the `response_url`), and the SCSP's receiver of active profiles."""

from __future__ import annotations

from typing import Any, cast

from fastapi import Query, Request
from fastapi.responses import Response
from starlette.background import BackgroundTask

from ocpi.core.interfaces import (
    ActiveProfileReceiver,
    ChargingProfilesReceiver,
)
from ocpi.core.validation import parse
from ocpi.modules.chargingprofiles.v_2_3_0.schemas import SetChargingProfile
from ocpi.modules.registry import from_canonical
from ocpi.server.http import ocpi_data, ocpi_response, read_json
from ocpi.server.routing import Binding, RouteTable
from ocpi.storage.base import Party


def mount_charging_profiles(table: RouteTable, pattern: ChargingProfilesReceiver, b: Binding) -> None:
    node = b.node
    tags = [f"{b.version} {b.role.value} {b.module}"]
    handler = node.hooks.charging_profiles
    response_model = pattern.response_models[b.version]

    async def answer(
        request: Request,
        partner: Party,
        session_id: str,
        response_url: str,
        call: Any,
        result_model: Any,
        with_profile: bool,
    ) -> Response:
        known = await b.own_object("sessions", session_id) is not None
        if not known:
            return ocpi_data(
                parse(response_model, {"result": "UNKNOWN_SESSION", "timeout": 0}), headers=b.response_headers(request)
            )
        outcome = await call(b.requester(partner, request, response_url))
        response = ocpi_data(
            parse(response_model, {"result": outcome.result, "timeout": outcome.timeout}),
            headers=b.response_headers(request),
        )
        if outcome.result == "ACCEPTED" and outcome.final_result is not None:
            body: dict[str, Any] = {"result": outcome.final_result}
            if with_profile and outcome.profile is not None:
                body["profile"] = from_canonical(b.module, outcome.profile, b.version).to_dict()  # type: ignore[attr-defined]
            result = parse(result_model, body)
            response.background = BackgroundTask(node.post_result, response_url, result, partner, b.version)
        return response

    async def get(*, request: Request, partner: Party, session_id: str, duration: int, response_url: str) -> Response:
        b.check_routing(request, partner)
        return await answer(
            request,
            partner,
            session_id,
            response_url,
            lambda requester: handler.active(session_id, duration, requester),
            pattern.active_result_models[b.version],
            True,
        )

    async def put(*, request: Request, partner: Party, session_id: str) -> Response:
        b.check_routing(request, partner)
        payload = await read_json(request, node.config.max_body_bytes)
        parsed = cast(
            SetChargingProfile, b.canonical(b.read(request, partner, pattern.set_models[b.version], payload), partner)
        )
        return await answer(
            request,
            partner,
            session_id,
            str(parsed.response_url),
            lambda requester: handler.set(session_id, parsed.charging_profile, requester),
            pattern.set_result_models[b.version],
            False,
        )

    async def delete(*, request: Request, partner: Party, session_id: str, response_url: str) -> Response:
        b.check_routing(request, partner)
        return await answer(
            request,
            partner,
            session_id,
            response_url,
            lambda requester: handler.clear(session_id, requester),
            pattern.clear_result_models[b.version],
            False,
        )

    path = f"{b.path}/{{session_id}}"
    table.add(
        path,
        "GET",
        get,
        path_params=["session_id"],
        dependency=b.partner,
        tags=tags,
        query={"duration": (int, Query(..., ge=0)), "response_url": (str, Query(...))},
    )
    table.add(
        path,
        "PUT",
        put,
        path_params=["session_id"],
        dependency=b.partner,
        tags=tags,
        body=pattern.set_models[b.version],
    )
    table.add(
        path,
        "DELETE",
        delete,
        path_params=["session_id"],
        dependency=b.partner,
        tags=tags,
        query={"response_url": (str, Query(...))},
    )


def mount_active_profile_receiver(table: RouteTable, pattern: ActiveProfileReceiver, b: Binding) -> None:
    tags = [f"{b.version} {b.role.value} {b.module}"]

    async def put(*, request: Request, partner: Party, session_id: str) -> Response:
        payload = await read_json(request, b.node.config.max_body_bytes)
        parsed = b.canonical(b.read(request, partner, pattern.models[b.version], payload), partner)
        await b.node.hooks.results.received(f"{b.module}/active", session_id, parsed, b.requester(partner, request))
        return ocpi_response(headers=b.response_headers(request))

    table.add(
        f"{b.path}/{{session_id}}",
        "PUT",
        put,
        path_params=["session_id"],
        dependency=b.partner,
        body=pattern.models[b.version],
        tags=tags,
    )
