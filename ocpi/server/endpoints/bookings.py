"""The Bookings extension's own endpoint: a partner's booking request (2.3.0)."""

from __future__ import annotations

import orjson
from fastapi import Request
from fastapi.responses import Response

from ocpi.core.errors import UnknownLocation
from ocpi.core.interfaces import (
    BookingRequests,
)
from ocpi.server.http import ocpi_response, read_json
from ocpi.server.routing import Binding, RouteTable
from ocpi.storage.base import Party


def mount_booking_requests(table: RouteTable, pattern: BookingRequests, b: Binding) -> None:
    node = b.node
    tags = [f"{b.version} {b.role.value} {b.module}"]

    async def post(*, request: Request, partner: Party) -> Response:
        b.check_routing(request, partner)
        payload = await read_json(request, node.config.max_body_bytes)
        booking_request = b.read(
            request, partner, pattern.request_models[b.version], payload, "BookingRequest"
        ).to_dict()
        owner = b.owners[0]
        repository = node.repository
        location_key = repository.key_of(pattern.location_type, owner, booking_request["booking_location_id"])
        location = await repository.get(pattern.location_type, b.version, location_key)
        if location is None:
            raise UnknownLocation(f"BookingLocation {booking_request['booking_location_id']} is not known here")
        booking_key = repository.key_of(pattern.booking_type, owner, booking_request["request_id"])
        current = await repository.get(pattern.booking_type, b.version, booking_key)
        booking = await node.hooks.bookings.request(
            booking_request, orjson.loads(location), None if current is None else orjson.loads(current), partner
        )
        await repository.put(pattern.booking_type, b.version, booking, owner=owner)
        node.nudge_push()
        stored = await repository.get(
            pattern.booking_type, b.version, repository.key_of(pattern.booking_type, owner, str(booking["id"]))
        )
        return ocpi_response(stored, headers=b.response_headers(request))

    table.add(b.path, "POST", post, dependency=b.partner, tags=tags, body=pattern.request_models[b.version])
