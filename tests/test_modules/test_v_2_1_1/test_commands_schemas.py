"""OCPI 2.1.1 Commands objects: the tables of `2.1.1/mod_commands.md`."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from ocpi.modules.commands.v_2_1_1.schemas import (
    CommandResponse,
    CommandResponseType,
    CommandType,
    ReserveNow,
    StartSession,
    StopSession,
    UnlockConnector,
)
from ocpi.modules.tokens.v_2_1_1.schemas import Token
from tests.spec import validation_errors

TOKEN = {
    "uid": "012345678",
    "type": "RFID",
    "auth_id": "DE8ACC12E46L89",
    "visual_number": "DF000-2001-8999",
    "issuer": "TheNewMotion",
    "valid": True,
    "whitelist": "ALWAYS",
    "last_updated": "2015-06-29T22:39:09Z",
}
RESERVE_NOW: dict[str, Any] = {
    "response_url": "https://msp.example.com/ocpi/emsp/2.1.1/commands/RESERVE_NOW/1234",
    "token": TOKEN,
    "expiry_date": "2015-06-29T23:39:09Z",
    "reservation_id": 2,
    "location_id": "1234",
    "evse_uid": "3256",
}


def _errors(model: type[BaseModel], payload: dict[str, Any]) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(payload)
    return validation_errors(caught.value)


def test_enums_are_the_2_1_1_tables() -> None:
    assert [t.value for t in CommandResponseType] == [
        "NOT_SUPPORTED", "REJECTED", "ACCEPTED", "TIMEOUT", "UNKNOWN_SESSION",
    ]  # fmt: skip
    assert [t.value for t in CommandType] == ["RESERVE_NOW", "START_SESSION", "STOP_SESSION", "UNLOCK_CONNECTOR"]


def test_reserve_now_embeds_a_2_1_1_token_and_an_int_reservation_id() -> None:
    reserve = ReserveNow.model_validate(RESERVE_NOW)
    assert isinstance(reserve.token, Token) and reserve.reservation_id == 2
    assert reserve.to_dict()["expiry_date"] == "2015-06-29T23:39:09Z"
    assert _errors(ReserveNow, {**RESERVE_NOW, "reservation_id": "R-2"}) == {"reservation_id: int_parsing"}


def test_command_response_has_only_result() -> None:
    assert CommandResponse.model_validate({"result": "TIMEOUT"}).result is CommandResponseType.TIMEOUT
    assert set(CommandResponse.model_fields) == {"result"}
    assert _errors(CommandResponse, {"result": "CANCELED_RESERVATION"}) == {"result: enum"}


def test_missing_required() -> None:
    payload = {k: v for k, v in RESERVE_NOW.items() if k != "expiry_date"}
    assert _errors(ReserveNow, payload) == {"expiry_date: missing"}
    assert _errors(UnlockConnector, {"response_url": "u", "location_id": "1", "evse_uid": "2"}) == {
        "connector_id: missing"
    }
    assert _errors(StartSession, {"response_url": "u", "location_id": "1"}) == {"token: missing"}


def test_string_lengths_39_and_36() -> None:
    assert StartSession.model_validate({**RESERVE_NOW, "location_id": "L" * 39}).location_id == "L" * 39
    assert _errors(StartSession, {**RESERVE_NOW, "location_id": "L" * 40}) == {"location_id: string_too_long"}
    assert _errors(StopSession, {"response_url": "u", "session_id": "s" * 37}) == {"session_id: string_too_long"}


def test_malformed_datetime_and_wrong_types() -> None:
    assert _errors(ReserveNow, {**RESERVE_NOW, "expiry_date": "tomorrow"}) == {
        "expiry_date: datetime_from_date_parsing"
    }
    assert _errors(ReserveNow, {**RESERVE_NOW, "token": {**TOKEN, "valid": "maybe"}}) == {"token.valid: bool_parsing"}
