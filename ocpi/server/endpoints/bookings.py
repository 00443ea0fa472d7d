"""The Bookings extension's own endpoint: a partner's booking request (2.3.0)."""

from __future__ import annotations

from typing import cast

from fastapi import Request
from fastapi.responses import Response

from ocpi.core.enums import CANONICAL_VERSION
from ocpi.core.errors import UnknownLocation
from ocpi.core.interfaces import (
    BookingRequests,
)
from ocpi.modules.bookings.v_2_3_0.schemas import Booking, BookingLocation, BookingRequest
from ocpi.server.http import ocpi_response, read_json
from ocpi.server.routing import Binding, RouteTable
from ocpi.storage.base import Party


def mount_booking_requests(table: RouteTable, pattern: BookingRequests, b: Binding) -> None:
    node = b.node
    tags = [f"{b.version} {b.role.value} {b.module}"]

    async def post(*, request: Request, partner: Party) -> Response:
        b.check_routing(request, partner)
        payload = await read_json(request, node.config.max_body_bytes)
        read = b.read(request, partner, pattern.request_models[b.version], payload, "BookingRequest")
        booking_request = cast(BookingRequest, b.canonical(read, partner))
        owner = b.owners[0]
        repository = node.repository
        location_key = repository.key_of(pattern.location_type, owner, booking_request.booking_location_id)
        location = await node.objects.get(location_key)
        if location is None:
            raise UnknownLocation(f"BookingLocation {booking_request.booking_location_id} is not known here")
        current = await node.objects.get(repository.key_of(pattern.booking_type, owner, booking_request.request_id))
        booking = await node.hooks.bookings.request(
            booking_request,
            BookingLocation.model_validate_json(location.canonical),
            None if current is None else Booking.model_validate_json(current.canonical),
            b.requester(partner),
        )
        await repository.put(pattern.booking_type, CANONICAL_VERSION, booking, owner=owner)
        node.nudge_push()
        stored = await repository.get(
            pattern.booking_type, b.version, repository.key_of(pattern.booking_type, owner, str(booking.id))
        )
        return ocpi_response(stored, headers=b.response_headers(request))

    table.add(b.path, "POST", post, dependency=b.partner, tags=tags, body=pattern.request_models[b.version])
