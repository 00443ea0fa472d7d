"""OCPI 2.1.1 CDR schemas: the tables of 2.1.1/mod_cdrs.md."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from ocpi.modules.cdrs.v_2_1_1.schemas import CDR, AuthMethod, CdrDimensionType
from tests.spec import FIXTURES_DIR, load_json, validation_errors


def _cdr() -> dict[str, Any]:
    payload = load_json(FIXTURES_DIR / "2.1.1/cdrs/cdr_example.json")
    payload["tariffs"][0]["elements"][0]["price_components"][0]["price"] = 2  # the example writes "2.00"
    return payload


def _errors(payload: dict[str, Any]) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        CDR.model_validate(payload)
    return validation_errors(caught.value)


@pytest.mark.parametrize(
    "field",
    [
        "id",
        "start_date_time",
        "stop_date_time",
        "auth_id",
        "auth_method",
        "location",
        "currency",
        "charging_periods",
        "total_cost",
        "total_energy",
        "total_time",
        "last_updated",
    ],
)
def test_required_field_missing(field: str) -> None:
    payload = _cdr()
    del payload[field]
    assert _errors(payload) == {f"{field}: missing"}


def test_optional_fields() -> None:
    cdr = CDR.model_validate(_cdr())
    assert (cdr.meter_id, cdr.total_parking_time, cdr.remark) == (None, None, None)
    payload = _cdr()
    payload.pop("tariffs")
    assert CDR.model_validate(payload).tariffs is None


@pytest.mark.parametrize(("field", "limit"), [("id", 36), ("auth_id", 36), ("currency", 3), ("remark", 255)])
def test_string_lengths(field: str, limit: int) -> None:
    payload = _cdr()
    payload[field] = "x" * limit
    CDR.model_validate(payload)
    payload[field] = "x" * (limit + 1)
    assert _errors(payload) == {f"{field}: string_too_long"}


def test_id_is_a_case_insensitive_ascii_string() -> None:
    assert CDR.model_validate(_cdr()).id == "12345"
    assert CDR.model_validate({**_cdr(), "id": "AbC"}).id == "abc"
    assert _errors({**_cdr(), "id": "caf\u00e9"}) == {"id: string_pattern_mismatch"}


def test_closed_enums() -> None:
    assert {m.value for m in AuthMethod} == {"AUTH_REQUEST", "WHITELIST"}
    assert {m.value for m in CdrDimensionType} == {
        "ENERGY",
        "FLAT",
        "MAX_CURRENT",
        "MIN_CURRENT",
        "PARKING_TIME",
        "TIME",
    }
    payload = _cdr()
    payload["auth_method"] = "COMMAND"
    payload["charging_periods"][0]["dimensions"][0]["type"] = "RESERVATION_TIME"
    assert _errors(payload) == {"auth_method: enum", "charging_periods.0.dimensions.0.type: enum"}


def test_at_least_one_charging_period_and_dimension() -> None:
    assert _errors({**_cdr(), "charging_periods": []}) == {"charging_periods: too_short"}
    payload = _cdr()
    payload["charging_periods"][0]["dimensions"] = []
    assert _errors(payload) == {"charging_periods.0.dimensions: too_short"}


def test_malformed_datetime_and_wrong_types() -> None:
    assert _errors({**_cdr(), "stop_date_time": "29-06-2015T23:37:32Z"}) == {
        "stop_date_time: datetime_from_date_parsing"
    }
    assert _errors({**_cdr(), "total_cost": {"excl_vat": 4}}) == {"total_cost: decimal_type"}
    assert _errors({**_cdr(), "total_energy": [15]}) == {"total_energy: decimal_type"}


def test_nested_location_and_tariff_errors_name_their_path() -> None:
    payload = _cdr()
    del payload["location"]["evses"][0]["connectors"][0]["voltage"]
    payload["tariffs"][0]["elements"][0]["price_components"][0]["type"] = "MAX_CURRENT"
    assert _errors(payload) == {
        "location.evses.0.connectors.0.voltage: missing",
        "tariffs.0.elements.0.price_components.0.type: enum",
    }


def test_numbers_are_exact_decimals() -> None:
    raw = (FIXTURES_DIR / "2.1.1/cdrs/cdr_example.json").read_text().replace('"price": "2.00"', '"price": 2.00')
    cdr = CDR.model_validate_json(raw)
    assert isinstance(cdr.total_energy, Decimal) and str(cdr.total_energy) == "15.342"
    assert cdr.to_dict()["total_energy"] == 15.342
