"""The Sessions module's own endpoint: an eMSP's charging preferences for a session (2.2.1+)."""

from __future__ import annotations

from typing import Any, cast

import orjson
from fastapi import Request
from fastapi.responses import Response

from ocpi.core.errors import NotFound
from ocpi.core.interfaces import (
    ChargingPreferencesReceiver,
)
from ocpi.core.status import StatusCode
from ocpi.modules.sessions.v_2_3_0.schemas import ChargingPreferences, Session
from ocpi.server.http import ocpi_response, read_json
from ocpi.server.routing import Binding, RouteTable
from ocpi.storage.base import Party


def mount_charging_preferences(table: RouteTable, pattern: ChargingPreferencesReceiver, b: Binding) -> None:
    tags = [f"{b.version} {b.role.value} {b.module}"]

    async def put(*, request: Request, partner: Party, session_id: str) -> Response:
        b.check_routing(request, partner)
        payload = await read_json(request, b.node.config.max_body_bytes)
        preferences = cast(
            ChargingPreferences, b.canonical(b.read(request, partner, pattern.models[b.version], payload), partner)
        )
        stored = await b.own_stored("sessions", session_id)
        if stored is None or not b.node.may_receive(partner, stored):  # another eMSP's session: as unknown
            raise NotFound(f"Session {session_id} not found", status_code=StatusCode.INVALID_OR_MISSING_PARAMETERS)
        session = orjson.loads(stored.canonical)
        if not await _evse_has_capability(b, session, "CHARGING_PREFERENCES_CAPABLE"):
            raise NotFound(
                "the EVSE of this session does not accept charging preferences",
                status_code=StatusCode.INVALID_OR_MISSING_PARAMETERS,
            )
        canonical_session = Session.model_validate_json(stored.canonical)
        result = await b.node.hooks.charging_preferences.apply(
            canonical_session, preferences, b.requester(partner, request)
        )
        return ocpi_response(orjson.dumps(result), headers=b.response_headers(request))

    table.add(
        f"{b.path}/{{session_id}}/charging_preferences",
        "PUT",
        put,
        path_params=["session_id"],
        dependency=b.partner,
        body=pattern.models[b.version],
        tags=tags,
    )


async def _evse_has_capability(b: Binding, session: dict[str, Any], capability: str) -> bool:
    location = await b.own_object("locations", str(session.get("location_id", "")))
    if location is None:
        return False
    for evse in location.get("evses") or ():
        if str(evse.get("uid", "")).casefold() == str(session.get("evse_uid", "")).casefold():
            return capability in (evse.get("capabilities") or ())
    return False
