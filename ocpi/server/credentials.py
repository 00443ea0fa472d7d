"""The credentials module (configuration module, every version): our credentials for the caller."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from ocpi.server.auth import Caller
from ocpi.server.http import absolute_url, ocpi_data
from ocpi.server.routing import Binding, RouteTable


def our_credentials(b: Binding, request: Request, token: str) -> dict[str, Any]:
    """This node's Credentials object in `b.version`: 2.1.1 carries the one party of this role's connection,
    2.2.1+ every party of the platform."""
    config = b.node.config
    url = absolute_url(request, config.base_url, f"{config.prefix}/versions")
    if b.version == "2.1.1":
        party = b.own_party
        url = absolute_url(request, config.base_url, f"{config.prefix}/{b.role.value.lower()}/versions")
        return {
            "token": token,
            "url": url,
            "business_details": party.business_details(),
            "party_id": party.party_id,
            "country_code": party.country_code,
        }
    return {
        "token": token,
        "url": url,
        "roles": [
            {
                "role": p.role.value,
                "business_details": p.business_details(),
                "party_id": p.party_id,
                "country_code": p.country_code,
            }
            for p in config.parties
        ],
    }


def mount(table: RouteTable, b: Binding) -> None:
    async def get(*, request: Request, partner: Caller) -> Response:
        return ocpi_data(our_credentials(b, request, partner.token))

    table.add(b.path, "GET", get, dependency=b.node.caller, tags=[f"{b.version} {b.role.value} credentials"])
