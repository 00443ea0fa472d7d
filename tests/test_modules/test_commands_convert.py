"""Commands conversions: CommandResponse {result} <-> {result, timeout, message}, CommandResult, ReserveNow
reservation_id int <-> CiString, fields 2.1.1 lacks; embedded Tokens via the tokens converter."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from ocpi.core.convert import ConversionContext
from ocpi.modules.commands import convert
from ocpi.modules.commands.convert import DEFAULT_COMMAND_TIMEOUT, CommandContext
from ocpi.modules.commands.v_2_1_1 import schemas as v211
from ocpi.modules.commands.v_2_2_1 import schemas as v221
from ocpi.modules.commands.v_2_3_0 import schemas as v230
from tests.spec import SPEC_DIR, load_json, normalize

SCHEMAS = {"2.1.1": v211, "2.2.1": v221, "2.3.0": v230}
OWNER = ConversionContext(country_code="NL", party_id="TNM")
URL = "https://msp.example.com/ocpi/commands/42"
TOKEN_211 = {
    "uid": "012345678",
    "type": "RFID",
    "auth_id": "NL8ACC12E46L89",
    "visual_number": "DF000-2001-8999",
    "issuer": "TheNewMotion",
    "valid": True,
    "whitelist": "ALWAYS",
    "last_updated": "2015-06-29T22:39:09Z",
}
TOKEN = {k: v for k, v in load_json(SPEC_DIR / "2.2.1/examples/token_put_example.json").items()}
assert TOKEN["country_code"] == "NL" and TOKEN["party_id"] == "TNM" and TOKEN["contract_id"] == TOKEN_211["auth_id"]
TOKEN_230 = load_json(SPEC_DIR / "2.3.0/examples/token_put_example.json")


def _samples(version: str) -> list[tuple[str, dict[str, Any]]]:
    token = {"2.1.1": TOKEN_211, "2.2.1": TOKEN, "2.3.0": TOKEN_230}[version]
    start = {"response_url": URL, "token": token, "location_id": "LOC1", "evse_uid": "3256"}
    reserve = {**start, "expiry_date": "2015-06-29T23:39:09Z", "reservation_id": 7 if version == "2.1.1" else "7"}
    samples = [
        ("StartSession", start),
        ("ReserveNow", reserve),
        ("StopSession", {"response_url": URL, "session_id": "SESSION-1"}),
        ("UnlockConnector", {"response_url": URL, "location_id": "LOC1", "evse_uid": "3256", "connector_id": "1"}),
    ]
    if version == "2.1.1":
        return [*samples, ("CommandResponse", {"result": "ACCEPTED"})]
    return [
        *samples,
        ("CommandResponse", {"result": "ACCEPTED", "timeout": 30, "message": [{"language": "en", "text": "ok"}]}),
        ("CommandResult", {"result": "EVSE_OCCUPIED", "message": [{"language": "en", "text": "busy"}]}),
        ("CancelReservation", {"response_url": URL, "reservation_id": "7"}),
    ]


CASES = [(version, name, payload) for version in SCHEMAS for name, payload in _samples(version)]
IDS = [f"{version}-{name}" for version, name, _ in CASES]


def _dump(obj: BaseModel) -> Any:
    return normalize(obj.model_dump(mode="json", exclude_none=True))


def _load(version: str, name: str, payload: dict[str, Any]) -> BaseModel:
    cls: type[BaseModel] = getattr(SCHEMAS[version], name)
    return cls.model_validate(payload)


@pytest.mark.parametrize(("version", "name", "payload"), CASES, ids=IDS)
def test_round_trip_through_canonical(version: str, name: str, payload: dict[str, Any]) -> None:
    original = _load(version, name, payload)
    up = convert.to_canonical(original, version, OWNER)
    assert type(up.value) is getattr(v230, name)
    back = convert.from_canonical(up.value, version, OWNER)
    assert type(back.value) is type(original) and _dump(back.value) == _dump(original)
    if version == "2.3.0":
        assert up.value is original and up.losses == [] and back.losses == []


@pytest.mark.parametrize(("version", "name", "payload"), [c for c in CASES if c[0] != "2.1.1"], ids=IDS[5:])
def test_newer_objects_go_down_to_2_1_1(version: str, name: str, payload: dict[str, Any]) -> None:
    canonical = convert.to_canonical(_load(version, name, payload), version, OWNER).value
    if name == "CancelReservation":
        with pytest.raises(ValueError, match="CancelReservation does not exist"):
            convert.from_canonical(canonical, "2.1.1")
        return
    down = convert.from_canonical(canonical, "2.1.1", OWNER).value
    target = v211.CommandResponse if name == "CommandResult" else getattr(v211, name)
    assert type(down) is target and target.model_validate(down.to_dict()) == down


@pytest.mark.parametrize(("name", "payload"), [(c[1], c[2]) for c in CASES if c[0] == "2.1.1"], ids=IDS[:5])
def test_2_1_1_objects_go_up(name: str, payload: dict[str, Any]) -> None:
    canonical = convert.to_canonical(_load("2.1.1", name, payload), "2.1.1", OWNER).value
    for version in ("2.2.1", "2.3.0"):
        out = convert.from_canonical(canonical, version).value
        assert getattr(SCHEMAS[version], name).model_validate(_dump(out)) == out


def test_command_response_2_1_1_as_the_direct_answer() -> None:
    up = convert.to_canonical(v211.CommandResponse(result=v211.CommandResponseType.TIMEOUT), "2.1.1")
    assert up.value.to_dict() == {"result": "REJECTED", "timeout": DEFAULT_COMMAND_TIMEOUT}  # type: ignore[attr-defined]
    assert [loss.pointer for loss in up.losses] == ["/result", "/timeout"]
    canonical = v230.CommandResponse.model_validate({"result": "UNKNOWN_SESSION", "timeout": 5, "message": []})
    down = convert.from_canonical(canonical, "2.1.1")
    assert down.value.to_dict() == {"result": "UNKNOWN_SESSION"}  # type: ignore[attr-defined]
    assert [loss.pointer for loss in down.losses] == ["/timeout", "/message"]


def test_command_response_2_1_1_as_the_asynchronous_result() -> None:
    for result, expected, losses in (("TIMEOUT", "TIMEOUT", []), ("UNKNOWN_SESSION", "REJECTED", ["/result"])):
        up = convert.to_canonical(
            v211.CommandResponse.model_validate({"result": result}), "2.1.1", CommandContext(asynchronous=True)
        )
        assert type(up.value) is v230.CommandResult and up.value.result == expected
        assert [loss.pointer for loss in up.losses] == losses
    for result, expected in (("TIMEOUT", "TIMEOUT"), ("CANCELED_RESERVATION", "REJECTED"), ("FAILED", "REJECTED")):
        down = convert.from_canonical(v230.CommandResult.model_validate({"result": result}), "2.1.1")
        assert down.value == v211.CommandResponse.model_validate({"result": expected})
        assert [loss.pointer for loss in down.losses] == ([] if result == expected else ["/result"])


def test_reservation_id() -> None:
    reserve = _load("2.1.1", "ReserveNow", dict(_samples("2.1.1"))["ReserveNow"])
    up = convert.to_canonical(reserve, "2.1.1", OWNER)
    assert up.value.reservation_id == "7" and "/reservation_id" in [loss.pointer for loss in up.losses]  # type: ignore[attr-defined]
    assert [loss.pointer for loss in up.losses if loss.pointer.startswith("/token")] == [
        "/token/country_code",
        "/token/party_id",
    ]
    canonical = v230.ReserveNow.model_validate({**dict(_samples("2.3.0"))["ReserveNow"], "reservation_id": "Res-A"})
    first = convert.from_canonical(canonical, "2.1.1")
    again = convert.from_canonical(
        v230.ReserveNow.model_validate({**canonical.to_dict(), "reservation_id": "RES-a"}), "2.1.1"
    )
    assert first.value.reservation_id == again.value.reservation_id  # type: ignore[attr-defined]
    assert 0 <= first.value.reservation_id < 2**31  # type: ignore[attr-defined]
    assert "/reservation_id" in [loss.pointer for loss in first.losses]
    assert "/token/country_code" in [loss.pointer for loss in first.losses]


def test_fields_2_1_1_lacks_are_reported() -> None:
    start = v230.StartSession.model_validate(
        {**dict(_samples("2.3.0"))["StartSession"], "connector_id": "1", "authorization_reference": "A1"}
    )
    down = convert.from_canonical(start, "2.1.1")
    assert {"/connector_id", "/authorization_reference"} <= {loss.pointer for loss in down.losses}
    assert "connector_id" not in down.value.to_dict()  # type: ignore[attr-defined]


def test_2_1_1_ids_longer_than_cistring_36_are_refused() -> None:
    unlock = v211.UnlockConnector(response_url=URL, location_id="L" * 39, evse_uid="E", connector_id="1")
    with pytest.raises(ValueError, match="location_id"):
        convert.to_canonical(unlock, "2.1.1")


def test_wrong_version_is_refused() -> None:
    with pytest.raises(TypeError):
        convert.to_canonical(v221.CommandResult.model_validate({"result": "FAILED"}), "2.3.0")
