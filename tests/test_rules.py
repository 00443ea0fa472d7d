"""The spec's format rules: found in the spec text like the census finds the fields, checked on every field that
the text gives them to, and each one tested both ways (a value that keeps it, values that break it) in the
strict reading (`deviations`: every deviation with its JSON path and rule) and the lenient one (`parse`: read
and named, or refused when no one can read it).

Where the rules come from:
- the types chapter (`types`): DateTime, number, string, CiString, URL; a table's `int` and `boolean` are JSON's;
- the Description cell of a field: `Regex: ...`, "ISO 4217", "ISO 3166-1 alpha-3", "ISO-3166 alpha-2",
  "ISO-15118", "ISO 639-1", "(0-100)", "base64 encoded"; every `country_code` and `party_id` is a country code
  and a party id (the 2.2.1+ tables say so wherever they say anything).
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import BaseModel

from ocpi.core.errors import InvalidParameters
from ocpi.core.rules import REFUSED_PATTERNS, RULES, TRANSPORT_RULES
from ocpi.core.validation import Judging, deviations, judge, parse
from tests.census import exceptions
from tests.census.compare import resolve
from tests.census.introspect import shape_of
from tests.census.spec_tables import VERSIONS, Definition, SpecField, definitions
from tests.spec import FIXTURES_DIR, SPEC_DIR

TYPE_RULES = {
    "DateTime": {"datetime-format", "datetime-utc"},
    "number": {"json-number", "number-decimals"},
    "int": {"json-integer"},
    "boolean": {"json-boolean"},
    "string": {"string-printable"},
    "URL": {"url"},
    "CiString": {"ci-string"},
}

DESCRIPTION_RULES = (
    (re.compile(r"Regex: `?-\?\[0-9\]\{1,[23]\}\\\."), "geo-coordinate"),
    (re.compile(r"Regex: `?\(\[0-1\]\[0-9\]"), "time-of-day"),
    (re.compile(r"syntax as (for )?`?(period_begin|start_time)", re.IGNORECASE), "time-of-day"),
    (re.compile(r"Regex: `?\(\[12\]\[0-9\]\{3\}\)"), "date"),
    (re.compile(r"Same syntax as `?start_date"), "date"),
    (re.compile(r"ISO[ -]4217"), "currency-code"),
    (re.compile(r"ISO[ -]3166(-1)? alpha-3"), "country-alpha3"),
    (re.compile(r"ISO[ -]3166(-1)? alpha-2"), "country-code"),
    (re.compile(r"15118"), "party-id"),
    (re.compile(r"ISO 639-1"), "language-code"),
    (re.compile(r"\(0-100\)"), "percentage"),
    (re.compile(r"base64 encoded"), "base64"),
    (re.compile(r"specification for EVSE ID"), "evse-id"),
    (re.compile(r"No markup"), "no-markup"),
    (re.compile(r"Must be later than `?period_begin"), "period-order"),
    (re.compile(r"Is required to be set for a Credit CDR|may only be used when the `?publish`? field"), "condition"),
)
# A class whose start says "a period ends when the next one starts" orders every list of it.
ORDERED = re.compile(r"period ends when (the|a) next period starts", re.IGNORECASE)
# A class whose id's description says it is unique among its siblings makes every list of it a list of unique ids.
UNIQUE = re.compile(
    r"may have the same id as long as they do not belong to the same|Uniquely identifies the EVSE within|"
    r"unique among all Parking objects",
    re.IGNORECASE,
)
NAMED_RULES = {"country_code": "country-code", "party_id": "party-id"}


def spec_rules(field: SpecField) -> set[str]:
    """The rules the spec's text gives a field."""
    found = set(TYPE_RULES.get(field.type, ()))
    found |= {rule for pattern, rule in DESCRIPTION_RULES if pattern.search(field.description)}
    if field.name in NAMED_RULES:
        found.add(NAMED_RULES[field.name])
    if field.is_list and field.type in ORDERED_CLASSES:
        found.add("period-order")
    if field.is_list and field.type in UNIQUE_CLASSES:
        found.add("unique-id")
    return found


def _classes_saying(pattern: re.Pattern[str]) -> set[str]:
    return {d.name for v in VERSIONS for d in definitions(v) if any(pattern.search(f.description) for f in d.fields)}


ORDERED_CLASSES = _classes_saying(ORDERED)
UNIQUE_CLASSES = _classes_saying(UNIQUE)


def model_rules(model: type[BaseModel], name: str) -> set[str]:
    """The rules a model's field checks: read past (`Conforms`) or refused (a pattern the rule names)."""
    shape = shape_of(model.model_fields[name])
    found = set(shape.item.rules) | set(shape.list_rules)
    if shape.item.pattern is not None:
        found.add(REFUSED_PATTERNS[shape.item.pattern][0].id)
    return found


CLASSES = [d for v in VERSIONS for d in definitions(v) if d.kind == "class"]


@pytest.mark.parametrize("definition", CLASSES, ids=[d.case_id for d in CLASSES])
def test_every_rule_of_the_spec_text_is_checked_on_its_field(definition: Definition) -> None:
    definition = exceptions.corrected(definition)
    model = resolve(definition)
    problems = []
    for field in definition.fields:
        expected, found = spec_rules(field), model_rules(model, field.name)
        if expected != found:
            problems.append(
                f"{field.name}: spec {sorted(expected)}, model {sorted(found)} ({field.description[:80]!r})"
            )
    assert not problems, f"{definition.case_id} ({definition.source}):\n  " + "\n  ".join(problems)


def test_the_census_of_rules_finds_the_rules_of_the_text() -> None:
    """Not an empty net: the spec text does give these fields these rules."""
    found = {(d.version, d.name, f.name): spec_rules(f) for v in VERSIONS for d in definitions(v) for f in d.fields}
    assert "geo-coordinate" in found[("2.1.1", "GeoLocation", "latitude")]
    assert "time-of-day" in found[("2.3.0", "RegularHours", "period_end")]
    assert "date" in found[("2.2.1", "TariffRestrictions", "end_date")]
    assert "currency-code" in found[("2.2.1", "CDR", "currency")]
    assert "country-alpha3" in found[("2.3.0", "Terminal", "country")]
    assert "language-code" in found[("2.1.1", "DisplayText", "language")]
    assert "percentage" in found[("2.2.1", "EnergySource", "percentage")]
    assert "base64" in found[("2.3.0", "SignedValue", "signed_data")]
    assert "evse-id" in found[("2.2.1", "EVSE", "evse_id")] and "evse-id" in found[("2.2.1", "CdrLocation", "evse_id")]
    assert "evse-id" in found[("2.1.1", "EVSE", "evse_id")]
    assert "no-markup" in found[("2.3.0", "DisplayText", "text")]
    assert "period-order" in found[("2.1.1", "RegularHours", "period_end")]
    assert "period-order" in found[("2.2.1", "CDR", "charging_periods")]
    assert "period-order" in found[("2.3.0", "Session", "charging_periods")]
    assert (
        "unique-id" in found[("2.1.1", "EVSE", "connectors")] and "unique-id" in found[("2.2.1", "Location", "evses")]
    )
    assert "unique-id" in found[("2.3.0", "Location", "parking_places")]
    assert "condition" in found[("2.2.1", "CDR", "credit_reference_id")]
    assert "condition" in found[("2.3.0", "Location", "publish_allowed_to")]
    every = set().union(*found.values())
    refused = {"required", "non-empty", "length", "enum", "range", "description", "type"}
    assert every == set(RULES) - refused - TRANSPORT_RULES  # those are the client's (tests/test_client)


# --- each rule, both ways ----------------------------------------------------------------------------------------


def example(relative: str) -> Any:
    path = FIXTURES_DIR / relative.removeprefix("fixture:") if relative.startswith("fixture:") else SPEC_DIR / relative
    return json.loads(path.read_text(encoding="utf-8"))


def schemas(module: str, version: str) -> Any:
    import importlib

    return importlib.import_module(f"ocpi.modules.{module}.v_{version.replace('.', '_')}.schemas")


@dataclass(frozen=True)
class Case:
    rule: str
    spec: str
    """The spec table (or type section) that states the rule."""
    version: str
    module: str
    model: str
    base: str
    """An official example of `model`, which keeps every rule."""
    path: tuple[str | int, ...]
    good: tuple[Any, ...]
    bad: tuple[Any, ...]
    read: bool = True
    """Whether a lenient reader reads the bad values (and names the deviation) or refuses them."""
    extra: tuple[tuple[tuple[str | int, ...], Any], ...] = ()
    """Changes to the example first (where it lacks the field, or is itself wrong)."""
    reported: tuple[str | int, ...] | None = None
    """Where the deviation is reported, when not at `path` (a rule of the whole object: `()`)."""

    @property
    def id(self) -> str:
        return f"{self.rule}-{self.version}-{self.model}-{'.'.join(map(str, self.path))}"


L221, L211 = "2.2.1/examples/location_example.json", "fixture:2.1.1/locations/location.json"
# the 2.1.1 example writes its EVSE IDs with `-` (BE-BEC-E041503001), eMI3 with `*` (tests/examples_map/locations.py)
EMI3_IDS = tuple(((("evses", i, "evse_id"), f"BE*BEC*E04150300{i + 1}")) for i in range(2))
T221, C221 = "2.2.1/examples/tariff_4_complex.json", "2.2.1/examples/cdr_example.json"

CASES = [
    Case(
        "datetime-format",
        "types § DateTime: 'other formats/patterns are not allowed'",
        "2.2.1",
        "locations",
        "Location",
        L221,
        ("last_updated",),
        ("2015-06-29T20:39:09Z", "2015-06-29T20:39:09", "2016-12-29T17:45:09.2Z", "2018-01-01T01:08:01.123"),
        (
            "2015-06-29T20:39Z",
            "2015-06-29",
            "2015-06-29 20:39:09",
            "2015-06-29T20:39:09+0100",
            "1435610349",
            "2015-06-29T20:39:09.1234567Z",
        ),
    ),
    Case(
        "datetime-utc",
        "types § DateTime: 'All timestamps SHALL be in UTC' and '+00:00 is not the same as UTC'",
        "2.3.0",
        "sessions",
        "Session",
        "2.3.0/examples/session_example_1_simple_start.json",
        ("start_date_time",),
        ("2015-06-29T20:39:09Z",),
        ("2015-06-29T22:39:09+02:00", "2015-06-29T20:39:09+00:00"),
    ),
    Case(
        "datetime-format",
        "2.1.1 types § DateTime: 'string(25) using the combined date and time format from the ISO 8601 standard'",
        "2.1.1",
        "locations",
        "Location",
        L211,
        ("evses", 0, "last_updated"),
        ("2015-06-29T20:39:09Z",),
        ("2015-06-29T20:39",),
        extra=EMI3_IDS,
    ),
    Case(
        "json-number",
        "types § number: 'Numbers in OCPI are formatted as JSON numbers'",
        "2.2.1",
        "cdrs",
        "CDR",
        C221,
        ("total_energy",),
        (15.342, 15, 0),
        ("15.342", "15"),
    ),
    Case(
        "number-decimals",
        "types § number: 'numbers use 4 decimals'",
        "2.2.1",
        "tariffs",
        "Tariff",
        T221,
        ("elements", 0, "price_components", 0, "price"),
        (2.5, 0.1234, 3),
        (0.12345, 0.30000000000000004),
    ),
    Case(
        "json-integer",
        "mod_locations § Connector class: max_voltage int",
        "2.2.1",
        "locations",
        "Location",
        L221,
        ("evses", 0, "connectors", 0, "max_voltage"),
        (220, 0),
        ("220", 220.0, True),
    ),
    Case(
        "json-integer",
        "mod_tariffs § PriceComponent class: step_size int",
        "2.1.1",
        "tariffs",
        "Tariff",
        "fixture:2.1.1/tariffs/tariff_complex.json",
        ("elements", 0, "price_components", 0, "step_size"),
        (300,),
        ("300", 300.0),
    ),
    Case(
        "json-boolean",
        "mod_locations § EnergyMix class: is_green_energy boolean",
        "2.2.1",
        "locations",
        "EnergyMix",
        "2.2.1/examples/location_energymix_example_simple.json",
        ("is_green_energy",),
        (True, False),
        ("true", 1, "yes"),
    ),
    Case(
        "string-printable",
        "types § string: 'Only printable UTF-8 allowed (Non-printable characters like: Carriage returns, Tabs, "
        "Line breaks, etc are not allowed)'",
        "2.2.1",
        "locations",
        "Location",
        L221,
        ("name",),
        ("Gent Zuid", "Zürich Hbf", "充电站"),
        ("Gent\nZuid", "Gent\tZuid", "Gent\rZuid", "Gent\x00"),
    ),
    Case(
        "string-printable",
        "2.1.1 types § string: 'Only printable ASCII allowed'",
        "2.1.1",
        "locations",
        "Location",
        L211,
        ("name",),
        ("Gent Zuid",),
        ("Zürich Hbf", "Gent\nZuid"),
        extra=EMI3_IDS,
    ),
    Case(
        "url",
        "types § URL: 'An URL a string(255) type following the w3.org spec'",
        "2.2.1",
        "tariffs",
        "Tariff",
        "2.2.1/examples/tariff_3_alt_url.json",
        ("tariff_alt_url",),
        ("https://company.com/tariffs/13", "http://example.com:8080/a?b=c"),
        ("company.com/tariffs/13", "/tariffs/13", "https://company.com/tariffs 13"),
    ),
    Case(
        "geo-coordinate",
        "mod_locations § GeoLocation class: latitude Regex `-?[0-9]{1,2}\\.[0-9]{5,7}`",
        "2.2.1",
        "locations",
        "Location",
        L221,
        ("coordinates", "latitude"),
        ("51.047599", "-51.04759", "5.0475991"),
        ("51.0476", "51"),
    ),
    Case(
        "geo-coordinate",
        "mod_locations § GeoLocation class: longitude Regex `-?[0-9]{1,3}\\.[0-9]{5,7}`",
        "2.3.0",
        "locations",
        "Location",
        "2.3.0/examples/location_example.json",
        ("coordinates", "longitude"),
        ("3.729944", "-126.104965", "179.9999999"),
        ("3.7299", "3"),
    ),
    Case(
        "geo-coordinate",
        "mod_locations § GeoLocation class: latitude is decimal degrees (nothing locates 'north')",
        "2.2.1",
        "locations",
        "Location",
        L221,
        ("coordinates", "latitude"),
        ("51.047599",),
        ("north", "51,047599", "95.000000", "NaN", ""),
        read=False,
    ),
    Case(
        "geo-coordinate",
        "2.1.1 mod_locations § GeoLocation class: latitude Regex `-?[0-9]{1,2}\\.[0-9]{6}`",
        "2.1.1",
        "locations",
        "Location",
        L211,
        ("coordinates", "latitude"),
        ("51.047599",),
        ("51.04759", "51.0475991"),
        extra=EMI3_IDS,
    ),
    Case(
        "geo-coordinate",
        "mod_locations § AdditionalGeoLocation class: latitude Regex",
        "2.2.1",
        "locations",
        "Location",
        L221,
        ("related_locations", 0, "latitude"),
        ("51.047599",),
        ("51.04",),
        extra=((("related_locations",), [{"latitude": "51.047599", "longitude": "3.729944"}]),),
    ),
    Case(
        "time-of-day",
        "mod_locations § RegularHours class: period_begin Regex `([0-1][0-9]|2[0-3]):[0-5][0-9]`",
        "2.2.1",
        "locations",
        "Hours",
        "2.2.1/examples/location_hours_opening_hours_with_exceptional_opening.json",
        ("regular_hours", 0, "period_begin"),
        ("00:00", "03:59", "01:30"),
        ("8:00", "24:00", "0800"),
    ),
    Case(
        "time-of-day",
        "mod_tariffs § TariffRestrictions class: start_time Regex (the tariff engine reads it: refused)",
        "2.2.1",
        "tariffs",
        "Tariff",
        T221,
        ("elements", 1, "restrictions", "start_time"),
        ("09:00", "23:59"),
        ("9:00", "24:00"),
        read=False,
    ),
    Case(
        "date",
        "mod_tariffs § TariffRestrictions class: start_date Regex (refused)",
        "2.3.0",
        "tariffs",
        "TariffRestrictions",
        "2.3.0/examples/tariffrestriction_example_max_duration.json",
        ("start_date",),
        ("2015-12-24",),
        ("2015-1-1", "24-12-2015"),
        read=False,
    ),
    Case(
        "currency-code",
        "mod_tariffs § Tariff object: currency 'ISO-4217 code of the currency of this tariff'",
        "2.2.1",
        "tariffs",
        "Tariff",
        T221,
        ("currency",),
        ("EUR", "USD"),
        ("eur", "E1R"),
    ),
    Case(
        "currency-code",
        "mod_payments § FinancialAdviceConfirmation object: currency CiString(3) ISO-4217 (any case)",
        "2.3.0",
        "payments",
        "FinancialAdviceConfirmation",
        "2.3.0/examples/payment_financial_advice_confirmation_create.json",
        ("currency",),
        ("EUR", "eur"),
        ("E1R",),
        # the example's total_costs has the 2.2.1 Price shape (tests/examples_map/payments.py)
        extra=((("total_costs",), {"before_taxes": 4.0}),),
    ),
    Case(
        "country-code",
        "mod_locations § Location object: country_code 'ISO-3166 alpha-2 country code' (CiString: any case)",
        "2.2.1",
        "locations",
        "Location",
        L221,
        ("country_code",),
        ("BE", "be"),
        ("B1", "B "),
    ),
    Case(
        "country-alpha3",
        "mod_locations § Location object: country 'ISO 3166-1 alpha-3 code' (a string: upper case)",
        "2.2.1",
        "locations",
        "Location",
        L221,
        ("country",),
        ("BEL", "NLD"),
        ("BE", "bel"),
    ),
    Case(
        "party-id",
        "mod_locations § Location object: party_id '(following the ISO-15118 standard)'",
        "2.2.1",
        "locations",
        "Location",
        L221,
        ("party_id",),
        ("BEC", "b3c"),
        ("B-C", "BE"),
    ),
    Case(
        "language-code",
        "types § DisplayText class: language 'Language Code ISO 639-1'",
        "2.2.1",
        "tariffs",
        "Tariff",
        "2.2.1/examples/tariff_2_alt_text.json",
        ("tariff_alt_text", 0, "language"),
        ("en", "nl"),
        ("EN", "e1"),
    ),
    Case(
        "percentage",
        "mod_locations § EnergySource class: percentage 'Percentage of this source (0-100) in the mix'",
        "2.2.1",
        "locations",
        "EnergyMix",
        "2.2.1/examples/location_energymix_example_complete.json",
        ("energy_sources", 0, "percentage"),
        (0, 35.5, 100),
        (120, -1),
    ),
]


MISSING = object()
"""A value that removes the field."""


SIGNED = {"encoding_method": "OCMF", "signed_values": [{"nature": "Start", "plain_data": "x", "signed_data": "eA=="}]}
CASES += [
    Case(
        "base64",
        "mod_cdrs § SignedValue class: signed_data 'Blob of signed data, base64 encoded'",
        "2.2.1",
        "cdrs",
        "CDR",
        C221,
        ("signed_data", "signed_values", 0, "signed_data"),
        ("eA==", "c2lnbmVkIGRhdGE="),
        ("not base64!", "eA="),
        extra=((("signed_data",), SIGNED),),
    ),
    Case(
        "evse-id",
        "mod_locations § EVSE object: evse_id 'Compliant with the following specification for EVSE ID from \"eMI3 "
        "standard version V1.0\"' (CiString: any case)",
        "2.2.1",
        "locations",
        "Location",
        L221,
        ("evses", 0, "evse_id"),
        ("BE*BEC*E041503001", "BEBECE041503001", "be*bec*e1", "DE*ICE*E1234*5678"),
        ("BE-BEC-E041503001", "3256", "BE*BEC*041503001", "BE*BEC*E", "#NA"),
    ),
    Case(
        "evse-id",
        "mod_cdrs § CdrLocation class: evse_id EVSE ID, 'Allowed to be set to: #NA' (a reservation without session)",
        "2.2.1",
        "cdrs",
        "CDR",
        C221,
        ("cdr_location", "evse_id"),
        ("BE*BEC*E041503003", "#NA"),
        ("3256", "NA"),
    ),
    Case(
        "evse-id",
        "2.1.1 mod_locations § EVSE object: evse_id eMI3 (a string)",
        "2.1.1",
        "locations",
        "Location",
        L211,
        ("evses", 0, "evse_id"),
        ("BE*BEC*E041503001",),
        ("BE-BEC-E041503001",),
        extra=EMI3_IDS,
    ),
    Case(
        "no-markup",
        "types § DisplayText class: text 'No markup, html etc. allowed.'",
        "2.2.1",
        "tariffs",
        "Tariff",
        "2.2.1/examples/tariff_2_alt_text.json",
        ("tariff_alt_text", 0, "text"),
        ("2 euro p/hour", "a < b & c", "<3"),
        ("<b>2 euro</b> p/hour", "2&nbsp;euro", "line<br/>break", "2 &#8364;"),
    ),
    Case(
        "period-order",
        "mod_locations § RegularHours class: period_end 'Must be later than period_begin'",
        "2.3.0",
        "locations",
        "Hours",
        "2.3.0/examples/location_hours_opening_hours_with_exceptional_opening.json",
        ("regular_hours", 0, "period_end"),
        ("18:00", "08:01", "23:59"),
        ("08:00", "07:59", "00:30"),
        extra=((("regular_hours", 0, "period_begin"), "08:00"), (("regular_hours", 0, "period_end"), "18:00")),
    ),
    Case(
        "period-order",
        "2.1.1 mod_locations § RegularHours class: period_end 'Must be later than period_begin'",
        "2.1.1",
        "locations",
        "Location",
        L211,
        ("opening_times", "regular_hours", 0, "period_end"),
        ("20:00",),
        ("07:00",),
        extra=(
            *EMI3_IDS,
            (
                ("opening_times",),
                {
                    "twentyfourseven": False,
                    "regular_hours": [{"weekday": 1, "period_begin": "08:00", "period_end": "20:00"}],
                },
            ),
        ),
    ),
    Case(
        "period-order",
        "mod_cdrs § ChargingPeriod class: start_date_time 'A period ends when the next period starts'",
        "2.3.0",
        "sessions",
        "Session",
        "2.3.0/examples/session_example_2_short_finished.json",
        ("charging_periods", 1, "start_date_time"),
        ("2015-06-29T22:39:09Z", "2015-06-29T23:07:09Z", "2015-06-29T22:50:00Z"),
        ("2015-06-29T22:39:08Z", "2015-06-29T23:07:10Z", "2015-06-29T22:00:00Z"),
        reported=("charging_periods",),
    ),
    Case(
        "period-order",
        "mod_cdrs § ChargingPeriod class (the CDR's charging_periods, Card. +)",
        "2.2.1",
        "cdrs",
        "CDR",
        C221,
        ("charging_periods", 1),
        ({"start_date_time": "2015-06-29T22:00:00Z", "dimensions": [{"type": "TIME", "volume": 0.5}]},),
        ({"start_date_time": "2015-06-29T21:00:00Z", "dimensions": [{"type": "TIME", "volume": 0.5}]},),
        reported=("charging_periods",),
        extra=(
            (
                ("charging_periods",),
                [
                    {"start_date_time": "2015-06-29T21:39:09Z", "dimensions": [{"type": "TIME", "volume": 0.3}]},
                    {"start_date_time": "2015-06-29T22:00:00Z", "dimensions": [{"type": "TIME", "volume": 0.5}]},
                ],
            ),
        ),
    ),
    Case(
        "unique-id",
        "mod_locations § Connector object: id 'Two Connectors may have the same id as long as they do not belong to "
        "the same EVSE object' (a CiString: in any case)",
        "2.2.1",
        "locations",
        "Location",
        L221,
        ("evses", 0, "connectors", 1, "id"),
        ("2", "3"),
        ("1",),
        reported=("evses", 0, "connectors"),
    ),
    Case(
        "unique-id",
        "mod_locations § EVSE object: uid 'Uniquely identifies the EVSE within the CPOs platform'",
        "2.3.0",
        "locations",
        "Location",
        "2.3.0/examples/location_example.json",
        ("evses", 1, "uid"),
        ("3257", "3258"),
        ("3256",),
        reported=("evses",),
    ),
    Case(
        "condition",
        "mod_cdrs § CDR object: credit_reference_id 'Is required to be set for a Credit CDR'",
        "2.2.1",
        "cdrs",
        "CDR",
        C221,
        ("credit_reference_id",),
        ("12345",),
        (MISSING,),
        extra=((("credit",), True), (("credit_reference_id",), "12345")),
    ),
    Case(
        "condition",
        "mod_locations § Location object: publish_allowed_to 'may only be used when the publish field is set to false'",
        "2.2.1",
        "locations",
        "Location",
        L221,
        ("publish",),
        (False,),
        (True,),
        reported=("publish_allowed_to",),
        extra=((("publish",), False), (("publish_allowed_to",), [{"visual_number": "12345", "issuer": "ACME"}])),
    ),
    # the rules every reader enforces: refused, and named in the strict report like the others
    Case(
        "required",
        "mod_locations § Location object: address, Card. 1",
        "2.2.1",
        "locations",
        "Location",
        L221,
        ("address",),
        ("Ledeberg 5",),
        (MISSING,),
        read=False,
    ),
    Case(
        "length",
        "mod_locations § Location object: id CiString(36)",
        "2.2.1",
        "locations",
        "Location",
        L221,
        ("id",),
        ("x" * 36,),
        ("x" * 37,),
        read=False,
    ),
    Case(
        "ci-string",
        "types § CiString: 'Only printable ASCII allowed'",
        "2.2.1",
        "locations",
        "Location",
        L221,
        ("id",),
        ("LOC-1",),
        ("LOC\u00e91", "LOC\t1"),
        read=False,
    ),
    Case(
        "enum",
        "mod_locations § Status enum (values are case-sensitive, types § string)",
        "2.2.1",
        "locations",
        "Location",
        L221,
        ("evses", 0, "status"),
        ("CHARGING",),
        ("charging", "BUSY"),
        read=False,
    ),
    Case(
        "range",
        "mod_locations § RegularHours class: weekday 'Number of day in the week, from Monday (1) till Sunday (7)'",
        "2.2.1",
        "locations",
        "Hours",
        "2.2.1/examples/location_hours_opening_hours_with_exceptional_opening.json",
        ("regular_hours", 0, "weekday"),
        (1, 7),
        (0, 8),
        read=False,
    ),
    Case(
        "non-empty",
        "mod_locations § EVSE object: connectors, Card. +",
        "2.2.1",
        "locations",
        "Location",
        L221,
        ("evses", 0, "connectors"),
        (),
        ([],),
        read=False,
    ),
    Case(
        "description",
        "mod_locations § Hours class: regular_hours 'Only to be used if twentyfourseven=false'",
        "2.2.1",
        "locations",
        "Hours",
        "2.2.1/examples/location_hours_opening_hours_with_exceptional_opening.json",
        ("twentyfourseven",),
        (False,),
        (True,),
        read=False,
        reported=(),
    ),
    Case(
        "type",
        "mod_locations § Location object: evses is a list of EVSE",
        "2.2.1",
        "locations",
        "Location",
        L221,
        ("evses",),
        ([],),
        ("none", {"uid": "1"}),
        read=False,
    ),
]


def _at(document: Any, path: tuple[str | int, ...], value: Any) -> Any:
    changed = copy.deepcopy(document)
    node = changed
    for part in path[:-1]:
        node = node[part]
    if value is MISSING:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return changed


def _json_path(path: tuple[str | int, ...]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def _case(case: Case) -> tuple[type[BaseModel], Any]:
    document = example(case.base)
    if case.model == "EnergyMix" and "energy_mix" in document:
        document = document["energy_mix"]
    if case.model == "Hours" and "opening_times" in document:
        document = document["opening_times"]
    for path, value in case.extra:
        document = _at(document, path, value)
    return getattr(schemas(case.module, case.version), case.model), document


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_value_that_keeps_the_rule_is_no_deviation(case: Case) -> None:
    model, document = _case(case)
    assert deviations(model, document, version=case.version) == [], "the base example is exact"
    for value in case.good:
        assert deviations(model, _at(document, case.path, value), version=case.version) == [], value


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_value_that_breaks_the_rule_is_named_with_its_path(case: Case) -> None:
    model, document = _case(case)
    where = case.path if case.reported is None else case.reported
    dotted = ".".join(map(str, where)) or "(body)"
    for value in case.bad:
        payload = _at(document, case.path, value)
        found = deviations(model, payload, version=case.version)
        assert [(d.path, d.rule.id) for d in found] == [(_json_path(where), case.rule)], (value, found)
        if isinstance(value, str | int | float) and case.reported is None:  # the detail shows the value
            assert repr(value) in found[0].detail or str(value) in found[0].detail, found[0].detail
        if case.read:  # the lenient reading reads it; judging notes the deviation, or refuses it
            parse(model, payload)
            noted = judge(model, payload, Judging.NOTE, version=case.version)
            assert [(d.path, d.rule.id) for d in noted] == [(_json_path(where), case.rule)], value
            with pytest.raises(InvalidParameters) as refused:
                judge(model, payload, Judging.REFUSE, version=case.version)
            assert "(this node reads strictly)" in refused.value.message
        else:
            with pytest.raises(InvalidParameters) as refused:
                parse(model, payload)
        assert f"{dotted}: " in refused.value.message
        assert case.rule in RULES and (RULES[case.rule].title in refused.value.message or not case.read)


def test_every_rule_has_cases_both_ways() -> None:
    tolerated = {c.rule for c in CASES if c.read}
    refused = {c.rule for c in CASES if not c.read}
    checked = {"datetime-format", "datetime-utc", "json-number", "number-decimals", "json-integer"}
    checked |= {"json-boolean", "string-printable", "url", "geo-coordinate", "time-of-day", "currency-code"}
    checked |= {"country-code", "country-alpha3", "party-id", "language-code", "percentage"}
    checked |= {"evse-id", "no-markup", "period-order", "unique-id", "condition"}
    assert checked <= tolerated
    assert checked | {"base64"} <= tolerated
    assert {"geo-coordinate", "time-of-day", "date"} <= refused
    assert {"required", "length", "ci-string", "enum", "range", "non-empty", "description", "type"} <= refused
    assert tolerated | refused == set(RULES) - TRANSPORT_RULES


def test_a_charging_limit_with_more_than_one_decimal_is_named_by_its_rule() -> None:
    """mod_charging_profiles § ChargingProfilePeriod class: limit 'Accepts at most one digit fraction (e.g. 8.1)':
    refused by every reader, and reported as the number-decimals rule (was: the JSON type rule)."""
    from ocpi.modules.chargingprofiles.v_2_2_1.schemas import ChargingProfile

    profile = {"charging_rate_unit": "A", "charging_profile_period": [{"start_period": 0, "limit": 8.1}]}
    assert deviations(ChargingProfile, profile, version="2.2.1") == []
    profile["charging_profile_period"][0]["limit"] = 8.15
    found = deviations(ChargingProfile, profile, version="2.2.1")
    assert [(d.path, d.rule.id) for d in found] == [("$.charging_profile_period[0].limit", "number-decimals")]
    with pytest.raises(InvalidParameters) as refused:
        parse(ChargingProfile, profile)
    assert "charging_profile_period.0.limit: " in refused.value.message
