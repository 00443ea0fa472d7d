"""OCPI 2.1.1 Locations schemas: Location, EVSE, Connector, Hours and the PATCH bodies."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from ocpi.modules.locations.v_2_1_1.schemas import (
    EVSE,
    Connector,
    ConnectorPatch,
    EnergyMix,
    Hours,
    Location,
    LocationPatch,
    LocationType,
    PowerType,
)
from tests.spec import validation_errors

CONNECTOR: dict[str, Any] = {
    "id": "1",
    "standard": "IEC_62196_T2",
    "format": "CABLE",
    "power_type": "AC_3_PHASE",
    "voltage": 220,
    "amperage": 16,
    "tariff_id": "11",
    "last_updated": "2015-03-16T10:10:02Z",
}

LOCATION: dict[str, Any] = {
    "id": "LOC1",
    "type": "ON_STREET",
    "address": "F.Rooseveltlaan 3A",
    "city": "Gent",
    "postal_code": "9000",
    "country": "BEL",
    "coordinates": {"latitude": "51.047599", "longitude": "3.729944"},
    "evses": [
        {
            "uid": "3256",
            "status": "AVAILABLE",
            "connectors": [CONNECTOR],
            "last_updated": "2015-06-28T08:12:01Z",
        }
    ],
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
    assert parsed.type is LocationType.ON_STREET
    assert parsed.evses is not None and parsed.evses[0].connectors[0].power_type is PowerType.AC_3_PHASE
    assert parsed.to_dict() == LOCATION


def test_missing_required_field() -> None:
    payload = location()
    del payload["postal_code"]  # required in 2.1.1, optional from 2.2
    assert errors_of(Location, payload) == {"postal_code: missing"}


def test_missing_required_nested_field_names_its_path() -> None:
    payload = location()
    del payload["evses"][0]["connectors"][0]["voltage"]
    assert errors_of(Location, payload) == {"evses.0.connectors.0.voltage: missing"}


def test_string_over_its_length() -> None:
    assert errors_of(Location, location(address="x" * 46)) == {"address: string_too_long"}
    assert Location.model_validate(location(address="x" * 45)).address == "x" * 45
    # 2.1.1 ids are string(39), longer than the CiString(36) of 2.2
    assert Location.model_validate(location(id="i" * 39)).id == "i" * 39
    assert errors_of(Location, location(id="i" * 40)) == {"id: string_too_long"}


def test_unknown_enum_value() -> None:
    assert errors_of(Location, location(type="ALONG_MOTORWAY")) == {"type: enum"}  # a 2.2 ParkingType
    payload = location()
    payload["evses"][0]["connectors"][0]["power_type"] = "AC_2_PHASE"  # added in 2.2
    assert errors_of(Location, payload) == {"evses.0.connectors.0.power_type: enum"}


def test_malformed_datetime() -> None:
    payload = location()
    payload["evses"][0]["last_updated"] = "2015-06-31T08:12:01Z"
    assert errors_of(Location, payload) == {"evses.0.last_updated: datetime_from_date_parsing"}
    assert errors_of(Location, location(last_updated=1435610349)) == {"last_updated: value_error"}


def test_wrong_type() -> None:
    payload = location()
    payload["evses"][0]["physical_reference"] = 3
    assert errors_of(Location, payload) == {"evses.0.physical_reference: string_type"}
    assert errors_of(Location, location(evses={"uid": "1"})) == {"evses: list_type"}
    assert errors_of(Connector, {**CONNECTOR, "amperage": "sixteen"}) == {"amperage: int_parsing"}


def test_evse_needs_a_connector() -> None:
    payload = location()
    payload["evses"][0]["connectors"] = []
    assert errors_of(Location, payload) == {"evses.0.connectors: too_short"}


def test_connector_has_voltage_and_amperage_not_max() -> None:
    payload = {k: v for k, v in CONNECTOR.items() if k not in ("voltage", "amperage")}
    payload.update(max_voltage=220, max_amperage=16)
    assert errors_of(Connector, payload) == {"voltage: missing", "amperage: missing"}


def test_environmental_impact_uses_source() -> None:
    mix = EnergyMix.model_validate(
        {"is_green_energy": False, "environ_impact": [{"source": "NUCLEAR_WASTE", "amount": 1}]}
    )
    assert mix.environ_impact is not None and mix.environ_impact[0].source == "NUCLEAR_WASTE"
    assert errors_of(
        EnergyMix, {"is_green_energy": False, "environ_impact": [{"category": "NUCLEAR_WASTE", "amount": 1}]}
    ) == {"environ_impact.0.source: missing"}


def test_hours_is_a_choice_of_regular_hours_or_twentyfourseven() -> None:
    regular = [{"weekday": 1, "period_begin": "08:00", "period_end": "20:00"}]
    assert Hours.model_validate({"twentyfourseven": True}).twentyfourseven is True
    assert Hours.model_validate({"regular_hours": regular}).twentyfourseven is None
    # the spec's own example (4.19.1) sends both, with twentyfourseven false
    assert Hours.model_validate({"regular_hours": regular, "twentyfourseven": False}).regular_hours
    assert errors_of(Hours, {"exceptional_openings": []}) == {": value_error"}
    assert errors_of(Hours, {"regular_hours": regular, "twentyfourseven": True}) == {": value_error"}
    assert errors_of(Hours, {"regular_hours": [{**regular[0], "weekday": 8}]}) == {
        "regular_hours.0.weekday: less_than_equal"
    }


def test_patch_needs_no_last_updated_in_2_1_1() -> None:
    patch = LocationPatch.model_validate({"name": "Interparking Gent Zuid"})
    assert patch.to_dict() == {"name": "Interparking Gent Zuid"}
    assert ConnectorPatch.model_validate({"tariff_id": "15"}).to_dict() == {"tariff_id": "15"}
    # fields keep their constraints in a PATCH
    assert errors_of(LocationPatch, {"address": "x" * 46}) == {"address: string_too_long"}


def test_unknown_fields_are_kept() -> None:
    evse = EVSE.model_validate({**LOCATION["evses"][0], "floor": -1})
    assert evse.to_dict()["floor"] == -1
