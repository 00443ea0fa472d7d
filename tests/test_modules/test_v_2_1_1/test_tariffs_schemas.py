"""OCPI 2.1.1 Tariffs schemas (`2.1.1/mod_tariffs.md`): what they accept and, field by field, what they reject."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from ocpi.modules.tariffs.v_2_1_1.schemas import (
    DayOfWeek,
    PriceComponent,
    Tariff,
    TariffDimensionType,
    TariffPatch,
    TariffRestrictions,
)
from tests.spec import validation_errors

TARIFF: dict[str, Any] = {
    "id": "11",
    "currency": "EUR",
    "tariff_alt_text": [{"language": "en", "text": "2 euro p/hour"}],
    "tariff_alt_url": "https://company.com/tariffs/11",
    "elements": [
        {
            "price_components": [{"type": "TIME", "price": 2.00, "step_size": 300}],
            "restrictions": {"start_time": "09:00", "end_time": "18:00", "max_power": 32.0, "day_of_week": ["MONDAY"]},
        }
    ],
    "energy_mix": {"is_green_energy": True},
    "last_updated": "2015-06-29T20:39:09Z",
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
    component = tariff.elements[0].price_components[0]
    assert isinstance(component, PriceComponent)
    assert component.type is TariffDimensionType.TIME
    assert component.price == Decimal("2.00")
    restrictions = tariff.elements[0].restrictions
    assert isinstance(restrictions, TariffRestrictions)
    assert restrictions.day_of_week == [DayOfWeek.MONDAY]
    assert tariff.to_dict()["last_updated"] == "2015-06-29T20:39:09Z"


@pytest.mark.parametrize(
    ("path", "value", "error_type"),
    [
        ("id", ..., "missing"),
        ("currency", ..., "missing"),
        ("elements", ..., "missing"),
        ("last_updated", ..., "missing"),
        ("elements.0.price_components.0.step_size", ..., "missing"),
        ("elements", [], "too_short"),
        ("elements.0.price_components", [], "too_short"),
        ("id", "x" * 37, "string_too_long"),
        ("currency", "EURO", "string_too_long"),
        ("tariff_alt_url", "https://x/" + "a" * 250, "string_too_long"),
        ("elements.0.price_components.0.type", "RESERVATION_TIME", "enum"),
        ("elements.0.restrictions.day_of_week.0", "MON", "enum"),
        ("elements.0.restrictions.start_time", "9:00", "string_pattern_mismatch"),
        ("elements.0.restrictions.end_time", "24:00", "string_pattern_mismatch"),
        ("last_updated", "29-06-2015 20:39", "datetime_from_date_parsing"),
        ("last_updated", 1435610349, "value_error"),
        ("elements.0.price_components.0.price", "two", "decimal_parsing"),
        ("elements.0.price_components.0.step_size", 1.5, "int_from_float"),
        ("elements", {"price_components": []}, "list_type"),
    ],
)
def test_tariff_rejects(path: str, value: Any, error_type: str) -> None:
    assert errors_of(Tariff, changed(TARIFF, path, value)) == {f"{path}: {error_type}"}


def test_2_2_fields_are_not_2_1_1_fields_but_are_kept() -> None:
    # 2.1.1 has no country_code, tax_included...: unknown fields are kept as extras, never validated.
    tariff = Tariff.model_validate({**TARIFF, "country_code": "toolong", "tax_included": "MAYBE"})
    assert tariff.to_dict()["country_code"] == "toolong"


def test_patch_accepts_any_subset_and_outputs_only_what_was_set() -> None:
    patch = TariffPatch.model_validate({"elements": TARIFF["elements"]})
    assert set(patch.to_dict()) == {"elements"}
    assert TariffPatch.model_validate({}).to_dict() == {}


def test_patch_still_checks_the_fields_it_has() -> None:
    assert errors_of(TariffPatch, {"currency": "EURO"}) == {"currency: string_too_long"}
    assert errors_of(TariffPatch, {"elements": []}) == {"elements: too_short"}
