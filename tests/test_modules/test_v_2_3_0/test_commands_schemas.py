"""OCPI 2.3.0 Commands objects: the tables of `2.3.0/mod_commands.asciidoc`."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from ocpi.modules.commands.v_2_3_0.schemas import (
    CancelReservation,
    CommandResponse,
    CommandResponseType,
    CommandResult,
    CommandResultType,
    CommandType,
    ReserveNow,
    StartSession,
    StopSession,
    UnlockConnector,
)
from ocpi.modules.tokens.v_2_3_0.schemas import Token
from tests.spec import SPEC_DIR, load_json, validation_errors

TOKEN = load_json(SPEC_DIR / "2.3.0/examples/token_example_2_full_rfid.json")
URL = "https://msp.example.com/ocpi/2.3.0/commands/START_SESSION/42"
START: dict[str, Any] = {"response_url": URL, "token": TOKEN, "location_id": "LOC1", "evse_uid": "3256"}
RESERVE: dict[str, Any] = {**START, "expiry_date": "2019-06-29T23:39:09Z", "reservation_id": "R-1"}


def _errors(model: type[BaseModel], payload: dict[str, Any]) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(payload)
    return validation_errors(caught.value)


def test_enums_are_the_2_3_0_tables() -> None:
    assert [t.value for t in CommandResponseType] == ["NOT_SUPPORTED", "REJECTED", "ACCEPTED", "UNKNOWN_SESSION"]
    assert [t.value for t in CommandResultType] == [
        "ACCEPTED", "CANCELED_RESERVATION", "EVSE_OCCUPIED", "EVSE_INOPERATIVE", "FAILED",
        "NOT_SUPPORTED", "REJECTED", "TIMEOUT", "UNKNOWN_RESERVATION",
    ]  # fmt: skip
    assert [t.value for t in CommandType] == [
        "CANCEL_RESERVATION", "RESERVE_NOW", "START_SESSION", "STOP_SESSION", "UNLOCK_CONNECTOR",
    ]  # fmt: skip


def test_objects_parse_and_dump() -> None:
    start = StartSession.model_validate({**START, "connector_id": "1", "authorization_reference": "AUTH-1"})
    assert isinstance(start.token, Token) and start.connector_id == "1"
    reserve = ReserveNow.model_validate(RESERVE)
    assert reserve.reservation_id == "r-1" and reserve.to_dict()["reservation_id"] == "R-1"
    response = CommandResponse.model_validate({"result": "ACCEPTED", "timeout": 30, "message": [
        {"language": "en", "text": "Forwarded to the Charge Point"}
    ]})  # fmt: skip
    assert response.timeout == 30 and response.message is not None and response.message[0].language == "en"
    result = CommandResult.model_validate({"result": "CANCELED_RESERVATION"})
    assert result.result is CommandResultType.CANCELED_RESERVATION
    assert CancelReservation.model_validate({"response_url": URL, "reservation_id": "R-1"}).reservation_id == "R-1"


def test_timeout_is_no_command_response_type() -> None:
    assert _errors(CommandResponse, {"result": "TIMEOUT", "timeout": 30}) == {"result: enum"}
    assert _errors(CommandResult, {"result": "UNKNOWN_SESSION"}) == {"result: enum"}


def test_missing_required() -> None:
    assert _errors(CommandResponse, {"result": "ACCEPTED"}) == {"timeout: missing"}
    assert _errors(CancelReservation, {"response_url": URL}) == {"reservation_id: missing"}
    assert _errors(StopSession, {"session_id": "S1"}) == {"response_url: missing"}


def test_evse_uid_required_with_connector_id() -> None:
    payload = {k: v for k, v in START.items() if k != "evse_uid"}
    assert StartSession.model_validate(payload).evse_uid is None
    assert _errors(StartSession, {**payload, "connector_id": "1"}) == {": value_error"}


def test_cistring_36() -> None:
    unlock = {"response_url": URL, "location_id": "L" * 37, "evse_uid": "E", "connector_id": "1"}
    assert _errors(UnlockConnector, unlock) == {"location_id: string_too_long"}
    assert _errors(ReserveNow, {**RESERVE, "reservation_id": "R" * 37}) == {"reservation_id: string_too_long"}
    assert _errors(StopSession, {"response_url": URL, "session_id": "séance"}) == {
        "session_id: string_pattern_mismatch"
    }


def test_malformed_datetime_and_wrong_types() -> None:
    assert _errors(ReserveNow, {**RESERVE, "expiry_date": "2019-02-30T10:00:00Z"}) == {
        "expiry_date: datetime_from_date_parsing"
    }
    assert _errors(CommandResponse, {"result": "ACCEPTED", "timeout": "soon"}) == {"timeout: int_parsing"}
    assert _errors(StartSession, {**START, "token": {**TOKEN, "valid": "maybe"}}) == {"token.valid: bool_parsing"}
