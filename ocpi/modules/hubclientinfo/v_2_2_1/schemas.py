"""OCPI 2.2.1 Hub Client Info objects, as the tables of `2.2.1/mod_hub_client_info.asciidoc` define them.

`role` is the Role enum of 2.2.1 (`ocpi.modules.credentials.v_2_2_1.schemas.Role`).
"""

from __future__ import annotations

from enum import StrEnum

from ocpi.core.data_types import CountryCode, DateTime, PartyId
from ocpi.core.model import OcpiModel
from ocpi.modules.credentials.v_2_2_1.schemas import Role

__all__ = ["ClientInfo", "ConnectionStatus", "Role"]


class ConnectionStatus(StrEnum):
    CONNECTED = "CONNECTED"
    OFFLINE = "OFFLINE"
    PLANNED = "PLANNED"
    SUSPENDED = "SUSPENDED"


class ClientInfo(OcpiModel):
    party_id: PartyId
    country_code: CountryCode
    role: Role
    status: ConnectionStatus
    last_updated: DateTime
