"""OCPI 2.3.0 Locations schemas: Location, EVSE, Connector, Parking, OpenEnums and the PATCH bodies."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from ocpi.modules.locations.v_2_3_0.schemas import (
    EVSE,
    Connector,
    ConnectorCapability,
    ConnectorPatch,
    ConnectorType,
    Hours,
    Location,
    Parking,
    ParkingRestriction,
    PublishTokenType,
    VehicleType,
)
from tests.spec import validation_errors

CONNECTOR: dict[str, Any] = {
    "id": "1",
    "standard": "SAE_J3400",
    "format": "CABLE",
    "power_type": "DC",
    "max_voltage": 920,
    "max_amperage": 400,
    "max_electric_power": 150000,
    "capabilities": ["ISO_15118_20_PLUG_AND_CHARGE"],
    "last_updated": "2024-03-16T10:10:02Z",
}

PARKING: dict[str, Any] = {
    "id": "P1",
    "vehicle_types": ["PERSONAL_VEHICLE", "VAN"],
    "max_vehicle_height": 275.5,
    "direction": "PARALLEL",
    "restricted_to_type": True,
    "reservation_required": False,
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
    "evses": [
        {
            "uid": "3256",
            "status": "AVAILABLE",
            "connectors": [CONNECTOR],
            "parking": [{"parking_id": "P1", "evse_position": "LEFT"}],
            "accepted_service_providers": ["Shell Recharge"],
            "last_updated": "2024-06-28T08:12:01Z",
        }
    ],
    "parking_places": [PARKING],
    "time_zone": "Europe/Brussels",
    "help_phone": "+3212345678",
    "last_updated": "2024-06-29T20:39:09Z",
}


def location(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(LOCATION), **changes}


def errors_of(model: type[BaseModel], payload: dict[str, Any]) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(payload)
    return validation_errors(caught.value)


def test_valid_location_round_trips() -> None:
    parsed = Location.model_validate(LOCATION)
    assert parsed.parking_places is not None and parsed.parking_places[0].vehicle_types[1] is VehicleType.VAN
    connector = parsed.evses[0].connectors[0]  # type: ignore[index]
    assert connector.standard is ConnectorType.SAE_J3400
    assert connector.capabilities == [ConnectorCapability.ISO_15118_20_PLUG_AND_CHARGE]
    assert parsed.to_dict() == LOCATION


def test_missing_required_field() -> None:
    payload = location()
    del payload["parking_places"][0]["reservation_required"]
    assert errors_of(Location, payload) == {"parking_places.0.reservation_required: missing"}
    payload = location()
    del payload["evses"][0]["parking"][0]["parking_id"]
    assert errors_of(Location, payload) == {"evses.0.parking.0.parking_id: missing"}
    assert errors_of(Parking, {**PARKING, "vehicle_types": []}) == {"vehicle_types: too_short"}


def test_string_over_its_length() -> None:
    assert errors_of(Location, location(help_phone="1" * 26)) == {"help_phone: string_too_long"}
    payload = location()
    payload["parking_places"][0]["physical_reference"] = "x" * 13
    assert errors_of(Location, payload) == {"parking_places.0.physical_reference: string_too_long"}
    payload = location()
    payload["evses"][0]["accepted_service_providers"] = ["x" * 51]
    assert errors_of(Location, payload) == {"evses.0.accepted_service_providers.0: string_too_long"}


def test_open_enums_keep_unknown_values() -> None:
    payload = location(parking_type="ROOFTOP", facilities=["CHARGING_HUB"])
    payload["evses"][0]["capabilities"] = ["X_VENDOR_CAPABILITY"]
    payload["evses"][0]["parking_restrictions"] = ["TAXIS", "X_FIREFIGHTERS"]
    payload["evses"][0]["connectors"][0]["standard"] = "X_NEW_PLUG"
    parsed = Location.model_validate(payload)
    assert parsed.parking_type == "ROOFTOP"
    assert parsed.evses is not None and parsed.evses[0].parking_restrictions == [
        ParkingRestriction.TAXIS,
        "X_FIREFIGHTERS",
    ]
    assert parsed.to_dict() == payload


def test_closed_enums_reject_unknown_values() -> None:
    payload = location()
    payload["evses"][0]["status"] = "BROKEN"
    payload["evses"][0]["connectors"][0]["power_type"] = "AC_4_PHASE"
    payload["evses"][0]["parking"][0]["evse_position"] = "BEHIND"
    payload["parking_places"][0]["direction"] = "DIAGONAL"
    assert errors_of(Location, payload) == {
        "evses.0.status: enum",
        "evses.0.connectors.0.power_type: enum",
        "evses.0.parking.0.evse_position: enum",
        "parking_places.0.direction: enum",
    }


def test_malformed_datetime() -> None:
    payload = location()
    payload["evses"][0]["status_schedule"] = [{"period_begin": "tomorrow", "status": "PLANNED"}]
    assert errors_of(Location, payload) == {"evses.0.status_schedule.0.period_begin: datetime_from_date_parsing"}


def test_wrong_type() -> None:
    payload = location()
    payload["parking_places"][0]["max_vehicle_height"] = "high"
    assert errors_of(Location, payload) == {"parking_places.0.max_vehicle_height: decimal_parsing"}
    assert errors_of(Connector, {**CONNECTOR, "max_voltage": [920]}) == {"max_voltage: int_type"}
    assert errors_of(EVSE, {**LOCATION["evses"][0], "parking": {"parking_id": "P1"}}) == {"parking: list_type"}


def test_hours_and_publish_token_rules() -> None:
    assert errors_of(Hours, {"twentyfourseven": False}) == {": value_error"}
    assert PublishTokenType.model_validate({"uid": "123", "type": "EMAID"}).type == "EMAID"
    assert errors_of(PublishTokenType, {"uid": "123"}) == {": value_error"}


def test_patch_requires_last_updated() -> None:
    assert errors_of(ConnectorPatch, {"tariff_ids": ["15"]}) == {"last_updated: missing"}
    patch = ConnectorPatch.model_validate({"tariff_ids": ["15"], "last_updated": "2019-06-24T12:39:09Z"})
    assert patch.to_dict() == {"tariff_ids": ["15"], "last_updated": "2019-06-24T12:39:09Z"}
