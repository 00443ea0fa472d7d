"""OCPI 2.3.0 CDR schemas (2.3.0/mod_cdrs.asciidoc): the 2.2.1 tables with the 2.3.0 Price and OpenEnums."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from ocpi.modules.cdrs.v_2_3_0.schemas import CDR, AuthMethod, CdrDimensionType, SignedData
from tests.spec import SPEC_DIR, load_json, validation_errors

VERSION = "2.3.0"


def _cdr() -> dict[str, Any]:
    payload = load_json(SPEC_DIR / f"{VERSION}/examples/cdr_example.json")
    payload["tariffs"][0]["tax_included"] = "NO"  # missing in the official example (see tests/examples_map/cdrs.py)
    return payload


def _errors(payload: dict[str, Any], model: type = CDR) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(payload)
    return validation_errors(caught.value)


@pytest.mark.parametrize(
    "field",
    [
        "country_code",
        "party_id",
        "id",
        "start_date_time",
        "end_date_time",
        "cdr_token",
        "auth_method",
        "cdr_location",
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


@pytest.mark.parametrize(
    "field",
    [
        "id",
        "address",
        "city",
        "country",
        "coordinates",
        "evse_uid",
        "evse_id",
        "connector_id",
        "connector_standard",
        "connector_format",
        "connector_power_type",
    ],
)
def test_cdr_location_required_fields(field: str) -> None:
    payload = _cdr()
    del payload["cdr_location"][field]
    assert _errors(payload) == {f"cdr_location.{field}: missing"}


@pytest.mark.parametrize(
    ("path", "limit"),
    [
        (("id",), 39),
        (("session_id",), 36),
        (("authorization_reference",), 36),
        (("meter_id",), 255),
        (("remark",), 255),
        (("invoice_reference_id",), 39),
        (("credit_reference_id",), 39),
        (("cdr_location", "address"), 45),
        (("cdr_location", "state"), 20),
        (("cdr_location", "postal_code"), 10),
        (("cdr_location", "evse_id"), 48),
        (("cdr_token", "uid"), 36),
        (("cdr_token", "contract_id"), 36),
        (("charging_periods", 0, "tariff_id"), 36),
    ],
)
def test_string_lengths(path: tuple[str | int, ...], limit: int) -> None:
    payload = _cdr()
    parent = payload
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = "X" * limit
    CDR.model_validate(payload)
    parent[path[-1]] = "X" * (limit + 1)
    assert _errors(payload) == {".".join(map(str, path)) + ": string_too_long"}


def test_closed_enums() -> None:
    assert {m.value for m in AuthMethod} == {"AUTH_REQUEST", "COMMAND", "WHITELIST"}
    assert "FLAT" not in {m.value for m in CdrDimensionType}
    payload = _cdr()
    payload["auth_method"] = "RFID"
    payload["charging_periods"][0]["dimensions"][0]["type"] = "FLAT"
    payload["cdr_location"]["connector_format"] = "PLUG"
    payload["cdr_location"]["connector_power_type"] = "AC_4_PHASE"
    assert _errors(payload) == {
        "auth_method: enum",
        "charging_periods.0.dimensions.0.type: enum",
        "cdr_location.connector_format: enum",
        "cdr_location.connector_power_type: enum",
    }


def test_open_enums_keep_unknown_values() -> None:
    payload = _cdr()
    payload["cdr_token"]["type"] = "EMAID"
    payload["cdr_location"]["connector_standard"] = "X_SOME_NEW_PLUG"
    data = CDR.model_validate(payload).to_dict()
    assert (data["cdr_token"]["type"], data["cdr_location"]["connector_standard"]) == ("EMAID", "X_SOME_NEW_PLUG")


def test_price_shape() -> None:
    assert _errors({**_cdr(), "total_cost": {"excl_vat": 4.0, "incl_vat": 4.4}}) == {"total_cost.before_taxes: missing"}
    taxes = {"before_taxes": 4.0, "taxes": [{"name": "VAT", "amount": 0.4, "percentage": 10, "account_number": "X1"}]}
    assert CDR.model_validate({**_cdr(), "total_energy_cost": taxes}).to_dict()["total_energy_cost"] == taxes


def test_at_least_one_charging_period() -> None:
    assert _errors({**_cdr(), "charging_periods": []}) == {"charging_periods: too_short"}


def test_malformed_datetime_and_wrong_types() -> None:
    assert _errors({**_cdr(), "end_date_time": "2015-06-29T23:37:32+0200x"}) == {
        "end_date_time: datetime_from_date_parsing"
    }
    assert _errors({**_cdr(), "credit": "maybe", "total_time": "long"}) == {
        "credit: bool_parsing",
        "total_time: decimal_parsing",
    }
    assert _errors({**_cdr(), "total_time_cost": 4.0}) == {"total_time_cost: model_type"}


def test_credit_cdr() -> None:
    cdr = CDR.model_validate(
        {**_cdr(), "id": "12345-C", "credit": True, "credit_reference_id": "12345", "total_cost": {"before_taxes": -4}}
    )
    assert cdr.credit is True and cdr.to_dict()["total_cost"] == {"before_taxes": -4}


def _signed_data() -> dict[str, Any]:
    return {
        "encoding_method": "OCMF",
        "encoding_method_version": 1,
        "public_key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE",
        "signed_values": [{"nature": "Start", "plain_data": "p" * 5000, "signed_data": "s" * 5000}],
        "url": "https://example.com/check",
    }


def test_signed_data() -> None:
    cdr = CDR.model_validate({**_cdr(), "signed_data": _signed_data()})
    assert cdr.signed_data is not None and cdr.signed_data.signed_values[0].nature == "START"
    assert _errors({**_signed_data(), "signed_values": []}, SignedData) == {"signed_values: too_short"}
    too_long = {**_signed_data(), "signed_values": [{"nature": "N" * 33, "plain_data": "p" * 5001, "signed_data": ""}]}
    assert _errors(too_long, SignedData) == {
        "signed_values.0.nature: string_too_long",
        "signed_values.0.plain_data: string_too_long",
    }
    assert _errors({**_signed_data(), "encoding_method_version": "one"}, SignedData) == {
        "encoding_method_version: int_parsing"
    }


def test_unknown_fields_are_kept() -> None:
    payload = _cdr()
    payload["cdr_location"]["x_parking_bay"] = "12"
    assert CDR.model_validate(payload).to_dict()["cdr_location"]["x_parking_bay"] == "12"
