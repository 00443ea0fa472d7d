"""The census: every object, class and enum in the spec's tables, for every module and version, against its model.

One case per definition, with ids like `2.2.1-locations-Location` (so `-k locations` selects a module). A case
fails when the model is missing, has a field the spec does not, lacks one it does, or differs in cardinality
(1, ?, *, +), type (CiString / string / URL / DateTime / number / int / boolean / enum / class, list-ness),
maximum length, OpenEnum-ness, or enum values. Spec errors are corrected in tests/census/exceptions.py.
"""

# mypy: disable-error-code="valid-type"
# (the toy models below use `CiString(n)` / `String(n)` in annotations, as the schema modules do)
from __future__ import annotations

import dataclasses
from enum import StrEnum
from typing import Annotated, Any

import pytest
from pydantic import Field, create_model

from ocpi.core.data_types import URL, CiString, DateTime, DisplayText, Number, OpenEnum, PriceV221, String
from ocpi.core.model import OcpiModel
from tests.census import exceptions
from tests.census.compare import problems, resolve
from tests.census.spec_tables import VERSIONS, Definition, by_name, definitions, lookup

ALL = [definition for version in VERSIONS for definition in definitions(version)]


@pytest.mark.parametrize("definition", ALL, ids=[d.case_id for d in ALL])
def test_census(definition: Definition) -> None:
    found = problems(definition)
    assert not found, f"{definition.case_id} ({definition.source}, {definition.title!r}):\n  " + "\n  ".join(found)


def test_case_ids_are_unique() -> None:
    ids = [d.case_id for d in ALL]
    assert len(ids) == len(set(ids))


def test_every_exception_still_applies() -> None:
    """An exception whose spec text no longer exists is stale."""
    for typo in exceptions.TYPE_TYPOS:
        assert by_name(typo.version)[typo.definition].field(typo.field).type == typo.spec_says
        assert typo.meant in by_name(typo.version)
    for extensible in exceptions.EXTENSIBLE_ENUMS:
        enum = by_name(extensible.version)[extensible.enum]
        assert enum.kind == "enum" and not enum.open_enum, f"{extensible}: the spec says OpenEnum now"
    for extra in exceptions.EXTRA_ENUM_VALUES:
        enum = by_name(extra.version)[extra.enum]
        assert enum.kind == "enum"
        assert not set(extra.values) & set(enum.values), f"{extra} is in the table now"


# --- self-test: the census does fail on a wrong model ----------------------------------------------------------


class ImageCategory(StrEnum):  # 2.2.1 values, one missing (OWNER) and one invented
    CHARGER = "CHARGER"
    ENTRANCE = "ENTRANCE"
    LOCATION = "LOCATION"
    NETWORK = "NETWORK"
    OPERATOR = "OPERATOR"
    OTHER = "OTHER"
    LOGO = "LOGO"


class Connector(OcpiModel):
    """A deliberately wrong 2.2.1 Connector."""

    id: String(36)  # spec: CiString(36)
    standard: str  # spec: ConnectorType enum
    format: OpenEnum(ImageCategory)  # spec: closed ConnectorFormat
    power_type: list[str] | None = None  # spec: PowerType, 1
    max_voltage: float  # spec: int
    max_amperage: int | None = None  # spec: 1
    max_electric_power: int | None = None  # right
    tariff_ids: Annotated[list[CiString(36)], Field(min_length=1)]  # spec: *
    terms_and_conditions: String(512) | None = None  # spec: URL (255)
    last_updated: str  # spec: DateTime
    colour: str | None = None  # not in the spec


def test_census_reports_a_wrong_model() -> None:
    found = problems(lookup("2.2.1", "locations", "Connector"), Connector)
    text = "\n".join(found)
    expected = [
        "colour: field not in the spec",
        "id: no case-insensitive validator, spec says CiString",
        "id: pattern is None",
        "standard: type is str, spec says enum ConnectorType",
        "format: type is enum tests.test_census.ImageCategory, spec says enum ConnectorFormat",
        "format: OpenEnum, spec says closed enum ConnectorFormat",
        "power_type: a list, spec says 1",
        "power_type: optional, spec says 1",
        "max_voltage: type is float, spec says int",
        "max_amperage: optional, spec says 1",
        "tariff_ids: required, spec says *",
        "tariff_ids: list min_length is 1, spec says *",
        "terms_and_conditions: max_length is 512, spec says 255 (URL)",
        "last_updated: type is str, spec says DateTime",
    ]
    for piece in expected:
        assert piece in text, f"{piece!r} not reported in:\n{text}"
    assert not any(line.startswith("max_electric_power") for line in found)


def test_census_reports_wrong_enum_values() -> None:
    found = problems(lookup("2.2.1", "locations", "ImageCategory"), ImageCategory)
    assert found == ["values missing from the enum: ['OWNER']", "values not in the spec: ['LOGO']"]


class DisplayTextCopy(OcpiModel):
    language: String(2)
    text: String(512)


class EnergyContract(OcpiModel):
    supplier_name: String(64)
    contract_id: String(64) | None = None


class TokenRight(OcpiModel):
    """A toy with the right shape for the fields it has, to show that a correct field raises nothing."""

    country_code: CiString(2)
    visual_number: String(64) | None = None
    last_updated: DateTime
    energy_contract: EnergyContract | None = None


def test_census_accepts_right_fields_and_checks_nested_class_identity() -> None:
    found = problems(lookup("2.2.1", "tokens", "Token"), TokenRight)
    assert not [p for p in found if p.startswith(("country_code", "visual_number", "last_updated:"))], found
    # the toy EnergyContract is not the 2.2.1 tokens EnergyContract (when that exists): reported, by identity
    try:
        resolve(lookup("2.2.1", "tokens", "EnergyContract"))
    except LookupError:
        return
    assert any(p.startswith("energy_contract: type is model tests.test_census.EnergyContract") for p in found)


def test_census_knows_the_core_types() -> None:
    class Toy(OcpiModel):
        a: DisplayText
        b: PriceV221 | None = None
        c: Number
        d: URL

    assert problems(lookup("2.2.1", "types", "DisplayText"), DisplayTextCopy) == [
        "model is named DisplayTextCopy, spec says DisplayText"
    ]
    assert problems(lookup("2.2.1", "types", "DisplayText"), DisplayText) == []
    assert problems(lookup("2.2.1", "types", "Price"), PriceV221) == []


# --- the parser: known facts read back from the spec -------------------------------------------------------------


def test_parser_known_facts() -> None:
    location = lookup("2.2.1", "locations", "Location")
    assert location.kind == "class"
    country_code = location.field("country_code")
    assert (country_code.type, country_code.length, country_code.card) == ("CiString", 2, "1")
    assert location.field("publish_allowed_to").type == "PublishTokenType"
    assert location.field("evses").card == "*"
    assert [f.name for f in location.fields][:3] == ["country_code", "party_id", "id"]
    assert len(location.fields) == 26
    assert location.source == "2.2.1/mod_locations.asciidoc:443"

    assert "IEC_62196_T2" in lookup("2.1.1", "locations", "ConnectorType").values
    assert len(lookup("2.1.1", "locations", "ConnectorType").values) == 25
    assert lookup("2.3.0", "tariffs", "Tariff").field("tax_included").card == "1"
    assert lookup("2.3.0", "tariffs", "TaxIncluded").values == ("YES", "NO", "N/A")

    # 2.1.1 Markdown: string(39) id, the Hours choice, a "Property" header on an enum
    location_211 = lookup("2.1.1", "locations", "Location")
    assert (location_211.field("id").type, location_211.field("id").length) == ("string", 39)
    hours = lookup("2.1.1", "locations", "Hours")
    assert [(f.name, f.card, f.choice) for f in hours.fields] == [
        ("regular_hours", "*", True),
        ("twentyfourseven", "1", True),
        ("exceptional_openings", "*", False),
        ("exceptional_closings", "*", False),
    ]
    assert lookup("2.1.1", "sessions", "SessionStatus").values == ("ACTIVE", "COMPLETED", "INVALID", "PENDING")
    assert lookup("2.1.1", "cdrs", "CDR").field("charging_periods").card == "+"
    assert lookup("2.1.1", "versions", "ModuleID").values[:2] == ("cdrs", "commands")

    # 2.2.1 AsciiDoc quirks: a stray `|` ending rows (CommandResponse), cells over several lines
    command_response = lookup("2.2.1", "commands", "CommandResponse")
    assert [(f.name, f.type, f.card) for f in command_response.fields] == [
        ("result", "CommandResponseType", "1"),
        ("timeout", "int", "1"),
        ("message", "DisplayText", "*"),
    ]
    assert lookup("2.2.1", "versions", "ModuleID").values[-1] == "tokens"
    assert lookup("2.2.1", "types", "Role").values == ("CPO", "EMSP", "HUB", "NAP", "NSP", "OTHER", "SCSP")

    # 2.3.0: OpenEnum sections, `a|` cell styles, `[[anchor]]` in a name cell, `CiString[1..255]`, `String[50]`
    assert lookup("2.3.0", "locations", "ConnectorType").open_enum
    assert not lookup("2.3.0", "locations", "PowerType").open_enum
    assert lookup("2.3.0", "locations", "EVSEPosition").values == ("LEFT", "RIGHT", "CENTER")
    assert lookup("2.3.0", "locations", "Location").field("parking_places").type == "Parking"
    eft = lookup("2.3.0", "payments", "FinancialAdviceConfirmation").field("eft_data")
    assert (eft.type, eft.min_length, eft.length, eft.card) == ("CiString", 1, 255, "+")
    accepted = lookup("2.3.0", "locations", "EVSE").field("accepted_service_providers")
    assert (accepted.type, accepted.length, accepted.card) == ("string", 50, "*")
    assert lookup("2.3.0", "cdrs", "CdrDimensionType").values[0] == "CURRENT"
    assert lookup("2.3.0", "bookings", "Booking").field("booking_requests").card == "+"
    assert lookup("2.3.0", "types", "TaxAmount").field("name").length is None


def test_parser_covers_every_module() -> None:
    modules = {(d.version, d.module) for d in ALL}
    assert {m for v, m in modules if v == "2.1.1"} == {
        "cdrs", "commands", "credentials", "locations", "sessions", "tariffs", "tokens", "types", "versions",
    }  # fmt: skip
    assert {m for v, m in modules if v == "2.3.0"} >= {"payments", "bookings", "chargingprofiles", "hubclientinfo"}
    counts = {version: len(definitions(version)) for version in VERSIONS}
    assert counts == {"2.1.1": 58, "2.2.1": 89, "2.3.0": 119}


def test_census_reports_a_missing_model_and_a_wrong_default() -> None:
    ghost = dataclasses.replace(lookup("2.2.1", "locations", "GeoLocation"), module="nosuchmodule")
    assert problems(ghost) == [
        "missing: ocpi.modules.nosuchmodule.v_2_2_1.schemas does not exist"
        " (No module named 'ocpi.modules.nosuchmodule')"
    ]

    class BusinessDetails(OcpiModel):
        name: String(100)
        website: URL | None = "https://example.com"
        logo: None = None

    found = problems(lookup("2.2.1", "locations", "BusinessDetails"), BusinessDetails)
    assert "website: default is 'https://example.com', not None, spec says ?" in "\n".join(found)
    assert any(p.startswith("logo: type is") for p in found), found


MUTATED = [d for d in ALL if d.kind == "class"]


@pytest.mark.parametrize("definition", MUTATED, ids=[d.case_id for d in MUTATED])
def test_census_catches_every_mutation(definition: Definition) -> None:
    """Take the real model; for each field make it optional/required, untyped, or drop it: each is reported."""
    try:
        model = resolve(definition)
    except LookupError:
        pytest.skip("no model yet (test_census fails for it)")
    for name, info in model.model_fields.items():
        others = {n: (f.annotation, f) for n, f in model.model_fields.items() if n != name}
        flipped = (info.annotation | None, None) if info.is_required() else (info.annotation, ...)
        for label, replacement in (("cardinality", flipped), ("type", (Any, None)), ("dropped", None)):
            fields = dict(others) if replacement is None else {**others, name: replacement}
            toy = create_model(definition.name, __base__=OcpiModel, **fields)
            assert problems(definition, toy), f"{label} of {name} not reported"
