"""OCPI 2.1.1 Commands objects, as the tables of `2.1.1/mod_commands.md` define them.

In 2.1.1 the CommandResponse is both the CPO's direct answer and the asynchronous result from the Charge
Point (POSTed to `response_url`); only the latter can be TIMEOUT.
"""

from __future__ import annotations

from enum import StrEnum

from ocpi.core.data_types import URL, DateTime, Int, String
from ocpi.core.model import OcpiModel
from ocpi.modules.tokens.v_2_1_1.schemas import Token


class CommandResponseType(StrEnum):
    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    ACCEPTED = "ACCEPTED"
    TIMEOUT = "TIMEOUT"
    UNKNOWN_SESSION = "UNKNOWN_SESSION"


class CommandType(StrEnum):
    RESERVE_NOW = "RESERVE_NOW"
    START_SESSION = "START_SESSION"
    STOP_SESSION = "STOP_SESSION"
    UNLOCK_CONNECTOR = "UNLOCK_CONNECTOR"


class CommandResponse(OcpiModel):
    result: CommandResponseType


class ReserveNow(OcpiModel):
    response_url: URL
    token: Token
    expiry_date: DateTime
    reservation_id: Int
    location_id: String(39)
    evse_uid: String(39) | None = None


class StartSession(OcpiModel):
    response_url: URL
    token: Token
    location_id: String(39)
    evse_uid: String(39) | None = None


class StopSession(OcpiModel):
    response_url: URL
    session_id: String(36)


class UnlockConnector(OcpiModel):
    response_url: URL
    location_id: String(39)
    evse_uid: String(39)
    connector_id: String(36)
