"""OCPI 2.3.0 Hub Client Info objects, as the tables of `2.3.0/mod_hub_client_info.asciidoc` define them.

`role` is the Role enum of 2.3.0 (`ocpi.modules.credentials.v_2_3_0.schemas.Role`).
"""

from __future__ import annotations

from enum import StrEnum

from ocpi.core.data_types import CountryCode, DateTime, PartyId
from ocpi.core.model import OcpiModel
from ocpi.modules.credentials.v_2_3_0.schemas import Role

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
