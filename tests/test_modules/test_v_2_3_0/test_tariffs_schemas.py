"""OCPI 2.3.0 Tariffs schemas (`2.3.0/mod_tariffs.asciidoc`): what they accept and, field by field, what they
reject."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from ocpi.modules.tariffs.v_2_3_0 import schemas
from ocpi.modules.tariffs.v_2_3_0.schemas import PriceLimit, ReservationRestrictionType, Tariff, TariffType, TaxIncluded
from tests.spec import validation_errors

TARIFF: dict[str, Any] = {
    "country_code": "DE",
    "party_id": "ALL",
    "id": "16",
    "currency": "EUR",
    "type": "REGULAR",
    "min_price": {"before_taxes": 0.50, "after_taxes": 0.55},
    "max_price": {"before_taxes": 10.00},
    "preauthorize_amount": 20,
    "elements": [
        {
            "price_components": [{"type": "TIME", "price": 5.00, "vat": 20.0, "step_size": 60}],
            "restrictions": {"reservation": "RESERVATION"},
        },
        {
            "price_components": [{"type": "ENERGY", "price": 0.25, "vat": 10.0, "step_size": 1}],
            "restrictions": {
                "start_time": "13:30",
                "end_time": "00:00",
                "start_date": "2015-12-24",
                "end_date": "2015-12-27",
                "min_current": 5,
                "max_current": 32,
                "day_of_week": ["SATURDAY", "SUNDAY"],
            },
        },
    ],
    "tax_included": "NO",
    "start_date_time": "2018-12-01T00:00:00Z",
    "end_date_time": "2019-06-30T23:59:59Z",
    "last_updated": "2018-12-17T17:15:01Z",
}


def errors_of(model: type[BaseModel], payload: dict[str, Any]) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(payload)
    return validation_errors(caught.value)


def changed(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """`base` with the value at the dotted `path` replaced (or removed when `value` is `...`)."""
    payload = copy.deepcopy(base)
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    target: Any = payload
    for part in parents:
        target = target[part]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return payload


def test_valid_tariff_parses_with_exact_types() -> None:
    tariff = Tariff.model_validate(TARIFF)
    assert tariff.type is TariffType.REGULAR
    assert isinstance(tariff.min_price, PriceLimit)
    assert tariff.min_price.after_taxes == Decimal("0.55")
    assert tariff.max_price is not None and tariff.max_price.after_taxes is None
    assert tariff.preauthorize_amount == Decimal(20)
    assert tariff.tax_included is TaxIncluded.NO
    assert tariff.elements[0].restrictions is not None
    assert tariff.elements[0].restrictions.reservation is ReservationRestrictionType.RESERVATION
    assert tariff.elements[1].price_components[0].vat == Decimal("10.0")
    assert tariff.country_code == "de"  # CiString compares case-insensitively


def test_no_patch_model_in_2_2_1() -> None:
    assert not hasattr(schemas, "TariffPatch")


@pytest.mark.parametrize(
    ("path", "value", "error_type"),
    [
        ("country_code", ..., "missing"),
        ("party_id", ..., "missing"),
        ("id", ..., "missing"),
        ("currency", ..., "missing"),
        ("elements", ..., "missing"),
        ("last_updated", ..., "missing"),
        ("min_price.before_taxes", ..., "missing"),
        ("tax_included", ..., "missing"),
        ("tax_included", "MAYBE", "enum"),
        ("tax_included", "n/a", "enum"),
        ("preauthorize_amount", "20 EUR", "decimal_parsing"),
        ("elements.0.price_components.0.price", ..., "missing"),
        ("elements", [], "too_short"),
        ("country_code", "DEU", "string_too_long"),
        ("party_id", "ALLE", "string_too_long"),
        ("id", "x" * 37, "string_too_long"),
        ("id", "tariff\u00e9", "string_pattern_mismatch"),
        ("currency", "EURO", "string_too_long"),
        ("type", "PROFILE_CHEAPEST", "enum"),
        ("elements.0.restrictions.reservation", "RESERVED", "enum"),
        ("elements.1.price_components.0.type", "RESERVATION_TIME", "enum"),
        ("elements.1.restrictions.day_of_week.0", "sunday", "enum"),
        ("elements.1.restrictions.start_time", "13:60", "string_pattern_mismatch"),
        ("elements.1.restrictions.start_date", "2015-13-01", "string_pattern_mismatch"),
        ("elements.1.restrictions.end_date", "27-12-2015", "string_pattern_mismatch"),
        ("start_date_time", "2018-12-01 25:00", "datetime_from_date_parsing"),
        ("last_updated", "yesterday", "datetime_from_date_parsing"),
        ("elements.1.price_components.0.vat", "ten", "decimal_parsing"),
        ("elements.1.restrictions.max_current", [32], "decimal_type"),
        ("elements.1.price_components.0.step_size", "one", "int_parsing"),
    ],
)
def test_tariff_rejects(path: str, value: Any, error_type: str) -> None:
    assert errors_of(Tariff, changed(TARIFF, path, value)) == {f"{path}: {error_type}"}


def test_2_2_1_price_shape_is_rejected() -> None:
    payload = changed(TARIFF, "min_price", {"excl_vat": 0.50, "incl_vat": 0.55})
    assert errors_of(Tariff, payload) == {"min_price.before_taxes: missing"}


@pytest.mark.parametrize("value", ["YES", "NO", "N/A"])
def test_tax_included_values(value: str) -> None:
    tariff = Tariff.model_validate(changed(TARIFF, "tax_included", value))
    assert tariff.to_dict()["tax_included"] == value
