"""OCPI 2.2.1 Commands objects, as the tables of `2.2.1/mod_commands.asciidoc` define them."""

from __future__ import annotations

from enum import StrEnum

from pydantic import model_validator

from ocpi.core.data_types import URL, CiString, DateTime, DisplayText, Int
from ocpi.core.model import OcpiModel
from ocpi.modules.tokens.v_2_2_1.schemas import Token


class CommandResponseType(StrEnum):
    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    ACCEPTED = "ACCEPTED"
    UNKNOWN_SESSION = "UNKNOWN_SESSION"


class CommandResultType(StrEnum):
    ACCEPTED = "ACCEPTED"
    CANCELED_RESERVATION = "CANCELED_RESERVATION"
    EVSE_OCCUPIED = "EVSE_OCCUPIED"
    EVSE_INOPERATIVE = "EVSE_INOPERATIVE"
    FAILED = "FAILED"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    TIMEOUT = "TIMEOUT"
    UNKNOWN_RESERVATION = "UNKNOWN_RESERVATION"


class CommandType(StrEnum):
    CANCEL_RESERVATION = "CANCEL_RESERVATION"
    RESERVE_NOW = "RESERVE_NOW"
    START_SESSION = "START_SESSION"
    STOP_SESSION = "STOP_SESSION"
    UNLOCK_CONNECTOR = "UNLOCK_CONNECTOR"


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
