"""Sessions conversion: every example through the canonical form and back, across versions, and the rules of
DIGEST D.3/D.4 one by one."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel

from ocpi.core.convert import ConversionContext, Loss
from ocpi.modules.locations import convert as locations_convert
from ocpi.modules.sessions import convert
from ocpi.modules.sessions.v_2_1_1 import schemas as v211
from ocpi.modules.sessions.v_2_2_1 import schemas as v221
from ocpi.modules.sessions.v_2_3_0 import schemas as v230
from tests.spec import FIXTURES_DIR, SPEC_DIR, load_json, normalize

SCHEMAS = {"2.1.1": v211, "2.2.1": v221, "2.3.0": v230}
OWNER = ConversionContext(country_code="BE", party_id="BEC")

OFFICIAL = [
    ("session_example_1_simple_start.json", "Session"),
    ("session_example_2_short_finished.json", "Session"),
    ("session_patch_example_total_cost.json", "SessionPatch"),
    ("session_patch_example_charging_period.json", "SessionPatch"),
]
FIXTURES_211 = [
    ("session_example_1_simple_start.json", "Session"),
    ("session_example_2_short_finished.json", "Session"),
    ("session_patch_example_total_cost.json", "SessionPatch"),
]


def _official(version: str, name: str, kind: str) -> BaseModel:
    return getattr(SCHEMAS[version], kind).model_validate(load_json(SPEC_DIR / version / "examples" / name))


def _fixture(name: str, kind: str, **extra: Any) -> BaseModel:
    payload = load_json(FIXTURES_DIR / "2.1.1/sessions" / name)
    return getattr(v211, kind).model_validate({**payload, **extra})


def _stamped(name: str, kind: str) -> BaseModel:
    # 2.1.1 PATCH bodies may lack last_updated; the receiver stamps them before converting
    extra = {"last_updated": "2015-06-29T23:10:00Z"} if kind == "SessionPatch" else {}
    return _fixture(name, kind, **extra)


def _with_location(session: BaseModel) -> ConversionContext:
    """The owner, and the canonical Location the session refers to (as a store would hold it)."""
    location = getattr(session, "location", None)
    if location is None:
        return OWNER
    canonical = locations_convert.to_canonical(location, "2.1.1", OWNER).value
    return ConversionContext(country_code="BE", party_id="BEC", location=canonical)


def _same_wire(model: type[BaseModel], value: BaseModel) -> dict[str, Any]:
    """The value is valid on the wire as `model` (re-parsed from its JSON)."""
    assert isinstance(value, model)
    return model.model_validate_json(value.to_json()).to_dict()


# --- round trips ------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["2.2.1", "2.3.0"])
@pytest.mark.parametrize(("name", "kind"), OFFICIAL)
def test_official_examples_round_trip(version: str, name: str, kind: str) -> None:
    original = _official(version, name, kind)
    up = convert.to_canonical(original, version)
    assert isinstance(up.value, getattr(v230, kind))
    back = convert.from_canonical(up.value, version)
    assert back.losses == [] and up.losses == []
    assert normalize(back.value.to_dict()) == normalize(original.to_dict())


@pytest.mark.parametrize(("name", "kind"), FIXTURES_211)
def test_2_1_1_fixtures_round_trip(name: str, kind: str) -> None:
    original = _stamped(name, kind)
    context = _with_location(original)
    back = convert.from_canonical(convert.to_canonical(original, "2.1.1", context).value, "2.1.1", context).value
    result, expected = normalize(back.to_dict()), normalize(original.to_dict())
    if "location" in expected:
        # the locations conversion invents a time_zone for 2.1.1 Locations (required since 2.2); not ours
        assert result["location"].pop("time_zone") == "UTC"
    assert result == expected


def test_canonical_is_the_identity() -> None:
    session = _official("2.3.0", "session_example_2_short_finished.json", "Session")
    assert convert.to_canonical(session, "2.3.0").value is session
    converted = convert.from_canonical(session, "2.3.0")
    assert converted.value is session and converted.losses == []


# --- across versions --------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["2.2.1", "2.3.0"])
@pytest.mark.parametrize(("name", "kind"), OFFICIAL)
def test_official_examples_down_to_2_1_1(version: str, name: str, kind: str) -> None:
    canonical = convert.to_canonical(_official(version, name, kind), version).value
    down = convert.from_canonical(canonical, "2.1.1")
    data = _same_wire(getattr(v211, kind), down.value)
    assert "country_code" not in data and "cdr_token" not in data and "start_date_time" not in data
    if kind == "Session":
        assert data["auth_id"] == "NL-TST-C12345678-S"
        assert data["location"]["id"] == "LOC1"
        assert data["location"]["evses"][0]["uid"] == "3256"
        assert data["location"]["evses"][0]["connectors"][0]["id"] == "1"
        assert data["start_datetime"] == canonical.to_dict()["start_date_time"]
        assert Loss("/cdr_token", "only contract_id kept, as auth_id (country_code, party_id, uid, type dropped)") in (
            down.losses
        )


@pytest.mark.parametrize(("name", "kind"), FIXTURES_211)
@pytest.mark.parametrize("version", ["2.2.1", "2.3.0"])
def test_2_1_1_fixtures_up(version: str, name: str, kind: str) -> None:
    canonical = convert.to_canonical(_stamped(name, kind), "2.1.1", OWNER).value
    data = _same_wire(getattr(SCHEMAS[version], kind), convert.from_canonical(canonical, version).value)
    if kind == "Session":
        assert (data["country_code"], data["party_id"]) == ("BE", "BEC")
        assert data["cdr_token"]["contract_id"] == "DE8ACC12E46L89"
        assert (data["location_id"], data["evse_uid"], data["connector_id"]) == ("LOC1", "3256", "1")
        assert "location" not in data and "auth_id" not in data and "start_datetime" not in data


def test_2_1_1_session_up_reports_what_it_invents_and_drops() -> None:
    converted = convert.to_canonical(_fixture("session_example_2_short_finished.json", "Session"), "2.1.1", OWNER)
    token = converted.value.to_dict()["cdr_token"]
    # the token owner comes from the eMA-ID prefix of auth_id (DE 8AC ...), the uid is the auth_id
    assert token == {
        "country_code": "DE",
        "party_id": "8AC",
        "uid": "DE8ACC12E46L89",
        "type": "OTHER",
        "contract_id": "DE8ACC12E46L89",
    }
    pointers = {loss.pointer for loss in converted.losses}
    assert {
        "/cdr_token/country_code",
        "/cdr_token/party_id",
        "/cdr_token/uid",
        "/cdr_token/type",
        "/location",
    } <= pointers
    assert converted.value.to_dict()["total_cost"] == {"before_taxes": 8.5}


def test_2_1_1_needs_the_owner() -> None:
    session = _fixture("session_example_1_simple_start.json", "Session")
    with pytest.raises(ValueError, match="ConversionContext"):
        convert.to_canonical(session, "2.1.1")
    with pytest.raises(ValueError, match="ConversionContext"):
        convert.to_canonical(session, "2.1.1", ConversionContext(country_code="BE"))


def test_2_1_1_patch_without_last_updated_is_refused() -> None:
    patch = _fixture("session_patch_example_total_cost.json", "SessionPatch")
    with pytest.raises(ValueError, match="last_updated"):
        convert.to_canonical(patch, "2.1.1", OWNER)
    stamped = convert.to_canonical(_stamped("session_patch_example_total_cost.json", "SessionPatch"), "2.1.1", OWNER)
    assert stamped.value.to_dict() == {"total_cost": {"before_taxes": 0.6}, "last_updated": "2015-06-29T23:10:00Z"}


def _canonical(**changes: Any) -> v230.Session:
    payload = load_json(SPEC_DIR / "2.3.0/examples/session_example_2_short_finished.json")
    return v230.Session.model_validate({**payload, **changes})


def test_price_2_2_1_to_2_3_0_and_back() -> None:
    session = _official("2.2.1", "session_example_2_short_finished.json", "Session")
    up = convert.to_canonical(session, "2.2.1").value
    assert up.to_dict()["total_cost"] == {"before_taxes": 8.5, "taxes": [{"name": "VAT", "amount": 0.85}]}
    # equals the official 2.3.0 example
    assert normalize(up.to_dict()) == normalize(_canonical().to_dict())
    simple = convert.to_canonical(_official("2.2.1", "session_example_1_simple_start.json", "Session"), "2.2.1")
    assert simple.value.to_dict()["total_cost"] == {"before_taxes": 2.5}


def test_several_taxes_are_summed_into_incl_vat() -> None:
    taxes = [{"name": "VAT", "amount": 0.85}, {"name": "City tax", "amount": 0.1, "percentage": 1}]
    down = convert.from_canonical(_canonical(total_cost={"before_taxes": 8.5, "taxes": taxes}), "2.2.1")
    assert down.value.to_dict()["total_cost"] == {"excl_vat": 8.5, "incl_vat": 9.45}
    assert isinstance(down.value.total_cost.incl_vat, Decimal)
    assert [loss.pointer for loss in down.losses] == ["/total_cost/taxes"]
    down_211 = convert.from_canonical(_canonical(total_cost={"before_taxes": 8.5, "taxes": taxes}), "2.1.1")
    assert down_211.value.to_dict()["total_cost"] == 8.5
    assert Loss("/total_cost/taxes", "dropped: 2.1.1 costs are plain numbers excluding VAT") in down_211.losses


def test_2_1_1_lacks_reservation_and_command() -> None:
    down = convert.from_canonical(_canonical(status="RESERVATION", auth_method="COMMAND"), "2.1.1")
    assert (down.value.status, down.value.auth_method) == ("PENDING", "AUTH_REQUEST")
    assert {"/status", "/auth_method"} <= {loss.pointer for loss in down.losses}


def test_reservation_without_evse_becomes_a_location_without_evses() -> None:
    down = convert.from_canonical(_canonical(status="RESERVATION", evse_uid="#NA", connector_id="#NA"), "2.1.1")
    location = down.value.to_dict()["location"]
    assert location["id"] == "LOC1" and "evses" not in location
    assert any(loss.pointer.endswith("/evse_uid") for loss in down.losses)


def test_down_to_2_1_1_without_the_location_uses_placeholders_and_says_so() -> None:
    down = convert.from_canonical(_canonical(), "2.1.1")
    location = down.value.to_dict()["location"]
    assert (location["type"], location["evses"][0]["status"]) == ("UNKNOWN", "UNKNOWN")
    assert [loss for loss in down.losses if loss.pointer == "/location" and "placeholders" in loss.reason]


def test_down_to_2_1_1_takes_only_the_used_evse_and_connector_of_the_context_location() -> None:
    location = load_json(SPEC_DIR / "2.3.0/examples/location_example.json")
    from ocpi.modules.locations.v_2_3_0.schemas import Location

    canonical_location = Location.model_validate(location)
    evse = location["evses"][-1]
    session = _canonical(location_id=location["id"], evse_uid=evse["uid"], connector_id=evse["connectors"][0]["id"])
    context = ConversionContext(country_code="BE", party_id="BEC", location=canonical_location)
    data = convert.from_canonical(session, "2.1.1", context).value.to_dict()["location"]
    assert data["address"] == location["address"]
    assert [e["uid"] for e in data["evses"]] == [evse["uid"]]
    assert [c["id"] for c in data["evses"][0]["connectors"]] == [evse["connectors"][0]["id"]]
    assert data["evses"][0]["connectors"][0]["voltage"] == evse["connectors"][0]["max_voltage"]


def test_dimension_types_the_target_lacks_are_dropped() -> None:
    periods = [
        {
            "start_date_time": "2015-06-29T22:39:09Z",
            "dimensions": [{"type": "STATE_OF_CHARGE", "volume": 40}],
            "tariff_id": "12",
        },
        {
            "start_date_time": "2015-06-29T22:40:54Z",
            "dimensions": [{"type": "POWER", "volume": 11}, {"type": "ENERGY", "volume": 3.2}],
        },
    ]
    down = convert.from_canonical(_canonical(charging_periods=periods), "2.1.1")
    assert down.value.to_dict()["charging_periods"] == [
        {"start_date_time": "2015-06-29T22:40:54Z", "dimensions": [{"type": "ENERGY", "volume": 3.2}]}
    ]
    assert {
        "/charging_periods/0/tariff_id",
        "/charging_periods/0/dimensions/0",
        "/charging_periods/0",
        "/charging_periods/1/dimensions/0",
    } <= {loss.pointer for loss in down.losses}
    payload = load_json(FIXTURES_DIR / "2.1.1/sessions/session_example_2_short_finished.json")
    payload["charging_periods"][0]["dimensions"].append({"type": "FLAT", "volume": 1})
    up = convert.to_canonical(v211.Session.model_validate(payload), "2.1.1", OWNER)
    assert [d["type"] for d in up.value.to_dict()["charging_periods"][0]["dimensions"]] == ["ENERGY", "MAX_CURRENT"]
    assert Loss("/charging_periods/0/dimensions/2", "dropped: no CdrDimensionType FLAT in 2.3.0") in up.losses


def test_token_types_2_2_1_lacks_become_other() -> None:
    token = {"country_code": "NL", "party_id": "TST", "uid": "123abc", "type": "EMAID", "contract_id": "NL-TST-1"}
    down = convert.from_canonical(_canonical(cdr_token=token), "2.2.1")
    assert down.value.to_dict()["cdr_token"]["type"] == "OTHER"
    assert [loss.pointer for loss in down.losses] == ["/cdr_token/type"]


def test_2_2_1_only_fields_are_dropped_and_unknown_fields_kept() -> None:
    down = convert.from_canonical(_canonical(authorization_reference="AUTH-1", x_vendor="kept"), "2.1.1")
    data = down.value.to_dict()
    assert "authorization_reference" not in data and data["x_vendor"] == "kept"
    assert Loss("/authorization_reference", "dropped: OCPI 2.1.1 has no authorization_reference") in down.losses
    assert convert.from_canonical(_canonical(x_vendor="kept"), "2.2.1").value.to_dict()["x_vendor"] == "kept"


def test_2_1_1_patch_with_location_and_auth_id_up() -> None:
    session = load_json(FIXTURES_DIR / "2.1.1/sessions/session_example_1_simple_start.json")
    patch = v211.SessionPatch.model_validate(
        {"location": session["location"], "auth_id": "NL-TST-C12345678-S", "last_updated": "2015-06-29T22:40:00Z"}
    )
    up = convert.to_canonical(patch, "2.1.1", OWNER)
    assert isinstance(up.value, v230.SessionPatch)
    assert up.value.to_dict() == {
        "last_updated": "2015-06-29T22:40:00Z",
        "cdr_token": {
            "country_code": "NL",
            "party_id": "TST",
            "uid": "NL-TST-C12345678-S",
            "type": "OTHER",
            "contract_id": "NL-TST-C12345678-S",
        },
        "location_id": "LOC1",
        "evse_uid": "3256",
        "connector_id": "1",
    }


def test_patch_down_to_2_1_1() -> None:
    patch = v230.SessionPatch.model_validate(
        {"status": "RESERVATION", "evse_uid": "3257", "last_updated": "2019-06-23T08:11:00Z"}
    )
    down = convert.from_canonical(patch, "2.1.1")
    assert down.value.to_dict() == {"status": "PENDING", "last_updated": "2019-06-23T08:11:00Z"}
    assert {"/status", "/evse_uid"} == {loss.pointer for loss in down.losses}


def test_charging_preferences() -> None:
    prefs = v221.ChargingPreferences.model_validate({"profile_type": "FAST", "energy_need": 20})
    up = convert.to_canonical(prefs, "2.2.1")
    assert isinstance(up.value, v230.ChargingPreferences) and up.value.to_dict() == prefs.to_dict()
    assert convert.from_canonical(up.value, "2.2.1").value.to_dict() == prefs.to_dict()
    with pytest.raises(ValueError, match="no ChargingPreferences"):
        convert.from_canonical(up.value, "2.1.1")


def test_wrong_object_or_version() -> None:
    session = _official("2.2.1", "session_example_1_simple_start.json", "Session")
    with pytest.raises(TypeError):
        convert.to_canonical(session, "2.3.0")
    with pytest.raises(TypeError):
        convert.from_canonical(session, "2.1.1")
    with pytest.raises(ValueError, match="unknown OCPI version"):
        convert.to_canonical(session, "2.2")
