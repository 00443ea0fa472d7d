"""OCPI 2.3.0 Commands objects, as the tables of `2.3.0/mod_commands.asciidoc` define them.

The enums have the same values as in 2.2.1 and are imported from there. CommandType is an OpenEnum in 2.3.0;
it is no object's field, only the `{command}` URL segment, which takes `OpenEnum(CommandType)`.
"""

from __future__ import annotations

from pydantic import model_validator

from ocpi.core.data_types import URL, CiString, DateTime, DisplayText, Int
from ocpi.core.model import OcpiModel
from ocpi.modules.commands.v_2_2_1.schemas import CommandResponseType, CommandResultType, CommandType
from ocpi.modules.tokens.v_2_3_0.schemas import Token

__all__ = [
    "CancelReservation",
    "CommandResponse",
    "CommandResponseType",
    "CommandResult",
    "CommandResultType",
    "CommandType",
    "ReserveNow",
    "StartSession",
    "StopSession",
    "UnlockConnector",
]


class CancelReservation(OcpiModel):
    response_url: URL
    reservation_id: CiString(36)


class CommandResponse(OcpiModel):
    result: CommandResponseType
    timeout: Int
    message: list[DisplayText] | None = None


class CommandResult(OcpiModel):
    result: CommandResultType
    message: list[DisplayText] | None = None


class ReserveNow(OcpiModel):
    response_url: URL
    token: Token
    expiry_date: DateTime
    reservation_id: CiString(36)
    location_id: CiString(36)
    evse_uid: CiString(36) | None = None
    authorization_reference: CiString(36) | None = None


class StartSession(OcpiModel):
    response_url: URL
    token: Token
    location_id: CiString(36)
    evse_uid: CiString(36) | None = None
    connector_id: CiString(36) | None = None
    authorization_reference: CiString(36) | None = None

    @model_validator(mode="after")
    def _evse_uid_with_connector_id(self) -> StartSession:
        # Table, `evse_uid`: "Required when `connector_id` is set."
        if self.connector_id is not None and self.evse_uid is None:
            raise ValueError("evse_uid is required when connector_id is set")
        return self


class StopSession(OcpiModel):
    response_url: URL
    session_id: CiString(36)


class UnlockConnector(OcpiModel):
    response_url: URL
    location_id: CiString(36)
    evse_uid: CiString(36)
    connector_id: CiString(36)
