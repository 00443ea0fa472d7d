"""OCPI 2.2.1 Locations schemas: Location, EVSE, Connector, Hours, PublishTokenType and the PATCH bodies."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from ocpi.modules.locations.v_2_2_1.schemas import (
    EVSE,
    Connector,
    ConnectorType,
    EnergyMix,
    EVSEPatch,
    Hours,
    Location,
    LocationPatch,
    ParkingType,
    PublishTokenType,
)
from tests.spec import validation_errors

CONNECTOR: dict[str, Any] = {
    "id": "1",
    "standard": "IEC_62196_T2",
    "format": "CABLE",
    "power_type": "AC_3_PHASE",
    "max_voltage": 220,
    "max_amperage": 16,
    "tariff_ids": ["11"],
    "last_updated": "2015-03-16T10:10:02Z",
}

LOCATION: dict[str, Any] = {
    "country_code": "BE",
    "party_id": "BEC",
    "id": "LOC1",
    "publish": True,
    "address": "F.Rooseveltlaan 3A",
    "city": "Gent",
    "country": "BEL",
    "coordinates": {"latitude": "51.047599", "longitude": "3.729944"},
    "parking_type": "ON_STREET",
    "evses": [
        {
            "uid": "3256",
            "status": "AVAILABLE",
            "connectors": [CONNECTOR],
            "last_updated": "2015-06-28T08:12:01Z",
        }
    ],
    "time_zone": "Europe/Brussels",
    "last_updated": "2015-06-29T20:39:09Z",
}


def location(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(LOCATION), **changes}


def errors_of(model: type[BaseModel], payload: dict[str, Any]) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(payload)
    return validation_errors(caught.value)


def test_valid_location_round_trips() -> None:
    parsed = Location.model_validate(LOCATION)
    assert parsed.parking_type is ParkingType.ON_STREET
    assert parsed.postal_code is None  # optional since 2.2
    assert parsed.to_dict() == LOCATION


def test_missing_required_field() -> None:
    for field in ("country_code", "party_id", "publish", "time_zone"):
        payload = location()
        del payload[field]
        assert errors_of(Location, payload) == {f"{field}: missing"}


def test_missing_required_nested_field_names_its_path() -> None:
    payload = location()
    del payload["evses"][0]["connectors"][0]["max_amperage"]
    assert errors_of(Location, payload) == {"evses.0.connectors.0.max_amperage: missing"}


def test_string_over_its_length() -> None:
    assert Location.model_validate(location(address="x" * 255)).address == "x" * 255
    assert errors_of(Location, location(address="x" * 256)) == {"address: string_too_long"}
    assert errors_of(Location, location(id="i" * 37)) == {"id: string_too_long"}  # CiString(36)
    assert errors_of(Location, location(party_id="BECX")) == {"party_id: string_too_long"}
    payload = location()
    payload["evses"][0]["connectors"][0]["tariff_ids"] = ["t" * 37]
    assert errors_of(Location, payload) == {"evses.0.connectors.0.tariff_ids.0: string_too_long"}


def test_cistring_is_printable_ascii_and_case_insensitive() -> None:
    assert errors_of(Location, location(id="LOC\n1")) == {"id: string_pattern_mismatch"}
    assert Location.model_validate(location(id="LOC1")).id == "loc1"


def test_unknown_enum_value() -> None:
    assert errors_of(Location, location(parking_type="OTHER")) == {"parking_type: enum"}  # a 2.1.1 LocationType
    payload = location()
    payload["evses"][0]["connectors"][0]["standard"] = "SAE_J3400"  # added in 2.3.0
    assert errors_of(Location, payload) == {"evses.0.connectors.0.standard: enum"}
    assert Connector.model_validate({**CONNECTOR, "standard": "GBT_DC"}).standard is ConnectorType.GBT_DC


def test_malformed_datetime() -> None:
    payload = location()
    payload["evses"][0]["connectors"][0]["last_updated"] = "2015-03-16T25:10:02Z"
    assert errors_of(Location, payload) == {"evses.0.connectors.0.last_updated: datetime_from_date_parsing"}


def test_wrong_type() -> None:
    payload = location()
    payload["evses"][0]["physical_reference"] = 3
    assert errors_of(Location, payload) == {"evses.0.physical_reference: string_type"}
    assert errors_of(Location, location(publish="maybe")) == {"publish: bool_parsing"}
    assert errors_of(Connector, {**CONNECTOR, "tariff_ids": "11"}) == {"tariff_ids: list_type"}


def test_environmental_impact_uses_category() -> None:
    assert errors_of(
        EnergyMix, {"is_green_energy": False, "environ_impact": [{"source": "NUCLEAR_WASTE", "amount": 1}]}
    ) == {"environ_impact.0.category: missing"}


def test_hours_twentyfourseven_is_required_and_excludes_regular_hours() -> None:
    regular = [{"weekday": 1, "period_begin": "08:00", "period_end": "20:00"}]
    assert errors_of(Hours, {"regular_hours": regular}) == {"twentyfourseven: missing"}
    assert errors_of(Hours, {"twentyfourseven": True, "regular_hours": regular}) == {": value_error"}
    assert errors_of(Hours, {"twentyfourseven": False}) == {": value_error"}
    assert Hours.model_validate({"twentyfourseven": False, "regular_hours": regular}).regular_hours


def test_publish_token_type_must_identify_a_token() -> None:
    assert PublishTokenType.model_validate({"uid": "123", "type": "RFID"}).uid == "123"
    assert PublishTokenType.model_validate({"group_id": "G1"}).group_id == "G1"
    assert errors_of(PublishTokenType, {"issuer": "ANWB"}) == {": value_error"}
    assert errors_of(PublishTokenType, {"uid": "123"}) == {": value_error"}
    assert errors_of(PublishTokenType, {"visual_number": "12345-67"}) == {": value_error"}
    assert errors_of(PublishTokenType, {"uid": "123", "type": "EMAID"}) == {"type: enum"}  # 2.3.0 only
    payload = location(publish=False, publish_allowed_to=[{"uid": "123"}])
    assert errors_of(Location, payload) == {"publish_allowed_to.0: value_error"}


def test_patch_requires_last_updated() -> None:
    assert errors_of(EVSEPatch, {"status": "CHARGING"}) == {"last_updated: missing"}
    patch = EVSEPatch.model_validate({"status": "CHARGING", "last_updated": "2019-06-24T12:39:09Z"})
    assert patch.to_dict() == {"status": "CHARGING", "last_updated": "2019-06-24T12:39:09Z"}
    assert errors_of(LocationPatch, {"publish": "x", "last_updated": "2019-06-24T12:39:09Z"}) == {
        "publish: bool_parsing"
    }


def test_unknown_fields_are_kept() -> None:
    evse = EVSE.model_validate({**LOCATION["evses"][0], "floor": -1})
    assert evse.to_dict()["floor"] == -1
    assert "parking" not in EVSE.model_fields  # 2.3.0 only
