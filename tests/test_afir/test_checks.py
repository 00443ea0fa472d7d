"""`ocpi.afir.check` item by item of the AFIR table, and on the official 2.3.0 location examples."""

from __future__ import annotations

import json

import pytest

from ocpi.afir import (
    ITEMS,
    ITEMS_BY_NUMBER,
    AfirItem,
    Carriage,
    Finding,
    Severity,
    check,
    completeness,
    missing_mandatory,
)
from ocpi.afir.checks import ASSESSED
from ocpi.modules.locations.v_2_3_0.schemas import Location
from ocpi.modules.tariffs.v_2_3_0.schemas import Tariff
from tests.spec import SPEC_DIR
from tests.test_afir.data import VIOLATIONS, Violation, ad_hoc_tariff, complete_location

EXAMPLES = SPEC_DIR / "2.3.0" / "examples"
CHECKED = [item for item in ITEMS if item.rule is not None]
INFORMED = {item.number for item in ITEMS if item.carriage in (Carriage.PARTIAL, Carriage.NONE)}


def flags(findings: list[Finding], number: str | None = None) -> list[Finding]:
    return [f for f in findings if f.severity.is_flag and (number is None or f.item == number)]


def test_the_table_numbers_every_item_of_tables_a_b_and_f_once() -> None:
    expected = [f"A{n}" for n in range(1, 25)] + [f"B{n}" for n in range(1, 11)] + ["F1", "F2", "F3"]
    assert [item.number for item in ITEMS] == expected


def test_every_checked_item_has_violations_to_test() -> None:
    assert set(VIOLATIONS) == {item.number for item in CHECKED}


def test_a_complete_location_is_only_told_what_ocpi_cannot_carry() -> None:
    findings = check(Location.model_validate(complete_location()), [Tariff.model_validate(ad_hoc_tariff())])
    assert flags(findings) == []
    assert {f.item for f in findings} == INFORMED
    assert all(f.severity is Severity.NOT_CARRIED for f in findings)
    assert completeness(findings) == 1.0


@pytest.mark.parametrize("item", CHECKED, ids=lambda item: item.number)
def test_item_satisfied(item: AfirItem) -> None:
    assert flags(check(complete_location(), [ad_hoc_tariff()]), item.number) == []


@pytest.mark.parametrize(
    "number, violation",
    [(number, v) for number, violations in VIOLATIONS.items() for v in violations],
    ids=lambda value: value.description if isinstance(value, Violation) else value,
)
def test_item_violated(number: str, violation: Violation) -> None:
    location, tariffs = violation.apply()
    flagged = flags(check(location, tariffs), number)
    assert (violation.severity, violation.path, violation.tariff) in {(f.severity, f.path, f.tariff) for f in flagged}
    assert all(f.message for f in flagged)


def test_a_violation_costs_exactly_its_items_in_the_score() -> None:
    location = complete_location()
    location["help_phone"] = "0201234567"
    findings = check(location, [ad_hoc_tariff()])
    assert {f.item for f in flags(findings)} == {"A5"}
    assert completeness(findings) == round((len(ASSESSED) - 1) / len(ASSESSED), 4)
    assert missing_mandatory(findings) == []


def test_missing_mandatory_lists_each_item_once_in_table_order() -> None:
    location = complete_location()
    del location["energy_mix"], location["help_phone"], location["evses"][0]["evse_id"]
    location["state"] = "Noord-Holland"
    assert missing_mandatory(check(location, [ad_hoc_tariff()])) == ["A5", "B1", "B10"]


@pytest.mark.parametrize("number", sorted(n for n in INFORMED if ITEMS_BY_NUMBER[n].carriage is Carriage.NONE))
def test_an_item_ocpi_cannot_carry_is_never_held_against_the_operator(number: str) -> None:
    bare = {"country_code": "NL", "party_id": "CPO", "id": "X", "publish": True}
    for location in (bare, complete_location()):
        findings = [f for f in check(location) if f.item == number]
        assert [f.severity for f in findings] == [Severity.NOT_CARRIED]
        assert findings[0].message == ITEMS_BY_NUMBER[number].limitation


def test_without_tariffs_only_the_references_are_checked() -> None:
    location = complete_location()
    assert flags(check(location), "F3") == []
    del location["evses"][0]["connectors"][0]["tariff_ids"]
    assert [f.path for f in flags(check(location), "F3")] == ["/evses/0/connectors/0/tariff_ids"]


def test_a_tariff_of_another_owner_does_not_apply() -> None:
    tariff = ad_hoc_tariff()
    tariff["party_id"] = "OTH"
    findings = flags(check(complete_location(), [tariff]), "F3")
    assert {f.message for f in findings} == {"tariff T1 not found"}


def test_removed_evses_are_not_recharging_points() -> None:
    location = complete_location()
    removed = complete_location()["evses"][0] | {"uid": "E2", "status": "REMOVED"}
    del removed["evse_id"], removed["capabilities"]
    location["evses"].append(removed)
    assert flags(check(location, [ad_hoc_tariff()])) == []


# The exact AFIR items each official 2.3.0 example misses or gets wrong (OCPI-valid as they are, none was
# written with a NAP in mind): no helpdesk phone, no NUTS region, no energy mix or max_electric_power.
EXAMPLE_FLAGS = {
    "location_example.json": {"A5", "A6", "A10", "A14", "B6", "B7", "B10"},
    "location_example_parking_garage_opening_hours.json": {
        *("A1", "A2", "A5", "A6", "A8", "A10", "A20", "A21", "A24"),
        *("B6", "B7", "B8", "B9", "B10", "F3"),
    },
    "location_example_uc2_destination_charger.json": {
        *("A1", "A2", "A5", "A6", "A8", "A10", "A14", "A16", "A18", "A20", "A21", "A24"),
        *("B6", "B7", "B8", "B9", "B10", "F3"),
    },
    "location_example_uc3_destination_charger_not_published.json": {
        *("A1", "A2", "A5", "A6", "A8", "A10", "A14", "A16", "A18", "A20", "A21", "A24"),
        *("B6", "B7", "B8", "B9", "B10", "F3"),
    },
    "location_example_uc4_limited_visibility.json": {
        *("A1", "A2", "A5", "A6", "A8", "A10", "A14", "A16", "A18", "A19", "A20", "A21", "A24"),
        *("B6", "B7", "B8", "B9", "B10", "F3"),
    },
    "location_example_uc5_home_charge_point.json": {
        *("A1", "A2", "A5", "A6", "A8", "A10", "A14", "A16", "A18", "A19", "A20", "A21", "A24"),
        *("B6", "B7", "B8", "B9", "B10", "F3"),
    },
}


def test_every_official_location_example_is_covered() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("location_example*.json")) == sorted(EXAMPLE_FLAGS)


@pytest.mark.parametrize("name", sorted(EXAMPLE_FLAGS))
def test_official_example(name: str) -> None:
    location = Location.model_validate(json.loads((EXAMPLES / name).read_text()))
    findings = check(location)
    assert {f.item for f in flags(findings)} == EXAMPLE_FLAGS[name]
    assert check(location.to_dict()) == findings
