"""A public Location that satisfies every AFIR item OCPI 2.3.0 can carry, its ad hoc tariff, and for each item
the ways to violate it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ocpi.afir import Severity

STAMP = "2025-03-12T10:00:00Z"


def complete_location(location_id: str = "LOC1") -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "CPO",
        "id": location_id,
        "publish": True,
        "name": "Stationsplein",
        "address": "Stationsplein 12",
        "city": "Amsterdam",
        "postal_code": "1012 AB",
        "state": "NL3",
        "country": "NLD",
        "coordinates": {"latitude": "52.378901", "longitude": "4.900210"},
        "parking_type": "PARKING_LOT",
        "evses": [
            {
                "uid": "E1",
                "evse_id": "NL*CPO*E0001",
                "status": "AVAILABLE",
                "capabilities": ["CHIP_CARD_SUPPORT", "CONTACTLESS_CARD_SUPPORT", "RFID_READER"],
                "connectors": [
                    {
                        "id": "1",
                        "standard": "IEC_62196_T2",
                        "format": "SOCKET",
                        "power_type": "AC_3_PHASE",
                        "max_voltage": 230,
                        "max_amperage": 32,
                        "max_electric_power": 22000,
                        "tariff_ids": ["T1"],
                        "last_updated": STAMP,
                    },
                    {
                        "id": "2",
                        "standard": "IEC_62196_T2_COMBO",
                        "format": "CABLE",
                        "power_type": "DC",
                        "max_voltage": 920,
                        "max_amperage": 400,
                        "max_electric_power": 150000,
                        "tariff_ids": ["T1"],
                        "capabilities": ["ISO_15118_2_PLUG_AND_CHARGE"],
                        "last_updated": STAMP,
                    },
                ],
                "floor_level": "0",
                "physical_reference": "P1",
                "coordinates": {"latitude": "52.378911", "longitude": "4.900220"},
                "parking": [{"parking_id": "P1", "evse_position": "LEFT"}],
                "accepted_service_providers": ["Example Mobility"],
                "last_updated": STAMP,
            }
        ],
        "parking_places": [
            {
                "id": "P1",
                "vehicle_types": ["PERSONAL_VEHICLE", "DISABLED"],
                "restricted_to_type": False,
                "reservation_required": False,
                "roofed": True,
                "lighting": True,
            }
        ],
        "operator": {"name": "Example Charging B.V."},
        "facilities": ["CAFE"],
        "time_zone": "Europe/Amsterdam",
        "opening_times": {
            "twentyfourseven": False,
            "regular_hours": [{"weekday": day, "period_begin": "06:00", "period_end": "23:00"} for day in range(1, 8)],
        },
        "energy_mix": {"is_green_energy": True},
        "help_phone": "+31 0201234567-12",
        "last_updated": STAMP,
    }


def ad_hoc_tariff(tariff_id: str = "T1") -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "CPO",
        "id": tariff_id,
        "currency": "EUR",
        "type": "AD_HOC_PAYMENT",
        "elements": [{"price_components": [{"type": "ENERGY", "price": 0.45, "vat": 21, "step_size": 1}]}],
        "tax_included": "YES",
        "last_updated": STAMP,
    }


Change = Callable[[dict[str, Any], list[dict[str, Any]]], None]


@dataclass(frozen=True)
class Violation:
    """`change` applied to a complete location and its tariffs gives a `severity` finding at `path`."""

    description: str
    change: Change
    severity: Severity
    path: str
    tariff: str | None = None

    def apply(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        location, tariffs = complete_location(), [ad_hoc_tariff()]
        self.change(location, tariffs)
        return location, tariffs


def _set(pointer: str, value: Any) -> Change:
    def change(location: dict[str, Any], tariffs: list[dict[str, Any]]) -> None:
        *parents, last = pointer.strip("/").split("/")
        node: Any = location
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if value is _DELETE:
            del node[last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


_DELETE = object()


def _drop(pointer: str) -> Change:
    return _set(pointer, _DELETE)


def _all(*changes: Change) -> Change:
    def change(location: dict[str, Any], tariffs: list[dict[str, Any]]) -> None:
        for one in changes:
            one(location, tariffs)

    return change


def _tariff(field: str, value: Any) -> Change:
    def change(location: dict[str, Any], tariffs: list[dict[str, Any]]) -> None:
        tariffs[0][field] = value

    return change


def _no_tariffs(location: dict[str, Any], tariffs: list[dict[str, Any]]) -> None:
    tariffs.clear()


M, OPT, W = Severity.MISSING, Severity.MISSING_OPTIONAL, Severity.WRONG_FORMAT
EVSE = "/evses/0"
CONNECTOR = "/evses/0/connectors/1"
NO_CAPABILITIES = Violation("EVSE capabilities omitted", _drop(f"{EVSE}/capabilities"), M, f"{EVSE}/capabilities")
NO_PARKING = _drop("/parking_places")

VIOLATIONS: dict[str, list[Violation]] = {
    "A1": [Violation("no operator", _drop("/operator"), M, "/operator/name")],
    "A2": [Violation("blank operator name", _set("/operator/name", " "), M, "/operator/name")],
    "A3": [Violation("only a REMOVED EVSE", _set(f"{EVSE}/status", "REMOVED"), M, "/evses")],
    "A5": [
        Violation("no help_phone", _drop("/help_phone"), M, "/help_phone"),
        Violation("dashes and spaces", _set("/help_phone", "020-123 4567"), W, "/help_phone"),
        Violation("brackets", _set("/help_phone", "+31 (0)201234567"), W, "/help_phone"),
        Violation("no starting block", _set("/help_phone", "+310201234567"), W, "/help_phone"),
    ],
    "A6": [
        Violation("facilities omitted", _drop("/facilities"), M, "/facilities"),
        Violation("roofed not stated", _drop("/parking_places/0/roofed"), M, "/parking_places/0/roofed"),
        Violation("no parking places", NO_PARKING, M, "/parking_places"),
    ],
    "A7": [
        Violation("latitude out of range", _set("/coordinates/latitude", "91.000000"), W, "/coordinates/latitude"),
        Violation(
            "comma decimal", _set(f"{EVSE}/coordinates/longitude", "4,900220"), W, f"{EVSE}/coordinates/longitude"
        ),
    ],
    "A8": [
        Violation(
            "no floor, reference or directions",
            _all(_drop(f"{EVSE}/floor_level"), _drop(f"{EVSE}/physical_reference")),
            OPT,
            f"{EVSE}/physical_reference",
        )
    ],
    "A9": [
        Violation("alpha-2", _set("/country", "NL"), W, "/country"),
        Violation("unknown code", _set("/country", "XYZ"), W, "/country"),
    ],
    "A10": [
        Violation("no state", _drop("/state"), M, "/state"),
        Violation("province name", _set("/state", "Noord-Holland"), W, "/state"),
        Violation("NUTS-2", _set("/state", "NL32"), W, "/state"),
        Violation("another country's region", _set("/state", "BE2"), W, "/state"),
    ],
    "A11": [Violation("blank city", _set("/city", "  "), M, "/city")],
    "A12": [Violation("no postal code", _drop("/postal_code"), M, "/postal_code")],
    "A13": [Violation("number first", _set("/address", "12 Stationsplein"), W, "/address")],
    "A14": [
        Violation("no opening times", _drop("/opening_times"), M, "/opening_times"),
        Violation(
            "ends before it begins",
            _set("/opening_times/regular_hours/0/period_end", "05:00"),
            W,
            "/opening_times/regular_hours/0/period_end",
        ),
        Violation(
            "no leading zero",
            _set("/opening_times/regular_hours/2/period_begin", "6:00"),
            W,
            "/opening_times/regular_hours/2/period_begin",
        ),
    ],
    "A15": [
        Violation("UTC offset", _set("/time_zone", "+01:00"), W, "/time_zone"),
        Violation("unknown zone", _set("/time_zone", "Europe/Atlantis"), W, "/time_zone"),
    ],
    "A16": [
        Violation("no parking places", NO_PARKING, M, "/parking_places"),
        Violation(
            "empty vehicle types", _set("/parking_places/0/vehicle_types", []), M, "/parking_places/0/vehicle_types"
        ),
    ],
    "A17": [
        Violation(
            "truck place without limits",
            _set("/parking_places/0/vehicle_types", ["TRUCK_WITH_TRAILER"]),
            OPT,
            "/parking_places/0/max_vehicle_weight",
        ),
        Violation(
            "height in metres",
            _set("/parking_places/0/max_vehicle_height", 4),
            W,
            "/parking_places/0/max_vehicle_height",
        ),
    ],
    "A18": [Violation("no parking places", NO_PARKING, M, "/parking_places")],
    "A19": [Violation("no parking places or restrictions", NO_PARKING, M, "/parking_places")],
    "A20": [NO_CAPABILITIES],
    "A21": [NO_CAPABILITIES],
    "A24": [NO_CAPABILITIES],
    "B1": [
        Violation("no evse_id", _drop(f"{EVSE}/evse_id"), M, f"{EVSE}/evse_id"),
        Violation("not eMI3", _set(f"{EVSE}/evse_id", "3256"), W, f"{EVSE}/evse_id"),
    ],
    "B2": [Violation("no connectors", _set(f"{EVSE}/connectors", []), M, f"{EVSE}/connectors")],
    "B3": [Violation("no standard", _drop(f"{CONNECTOR}/standard"), M, f"{CONNECTOR}/standard")],
    "B4": [Violation("not a power type", _set(f"{CONNECTOR}/power_type", "AC"), W, f"{CONNECTOR}/power_type")],
    "B5": [
        Violation(
            "no power at all",
            _set(f"{EVSE}/connectors", [{"id": "1", "standard": "IEC_62196_T2", "tariff_ids": ["T1"]}]),
            M,
            "/evses",
        )
    ],
    "B6": [
        Violation(
            "no max_electric_power", _drop(f"{CONNECTOR}/max_electric_power"), M, f"{CONNECTOR}/max_electric_power"
        ),
        Violation("in kW", _set(f"{CONNECTOR}/max_electric_power", 150), W, f"{CONNECTOR}/max_electric_power"),
        Violation(
            "above voltage x amperage",
            _set("/evses/0/connectors/0/max_electric_power", 43000),
            W,
            "/evses/0/connectors/0/max_electric_power",
        ),
    ],
    "B7": [
        Violation(
            "no service providers",
            _drop(f"{EVSE}/accepted_service_providers"),
            OPT,
            f"{EVSE}/accepted_service_providers",
        )
    ],
    "B8": [
        Violation(
            "no EVSE or connector capabilities",
            _all(_drop(f"{EVSE}/capabilities"), _drop(f"{CONNECTOR}/capabilities")),
            M,
            f"{EVSE}/capabilities",
        )
    ],
    "B9": [NO_CAPABILITIES],
    "B10": [Violation("no energy mix", _drop("/energy_mix"), M, "/energy_mix/is_green_energy")],
    "F1": [
        Violation("status UNKNOWN", _set(f"{EVSE}/status", "UNKNOWN"), M, f"{EVSE}/status"),
        Violation("not a status", _set(f"{EVSE}/status", "BROKEN"), W, f"{EVSE}/status"),
    ],
    "F2": [Violation("status UNKNOWN", _set(f"{EVSE}/status", "UNKNOWN"), M, f"{EVSE}/status")],
    "F3": [
        Violation("no tariff_ids", _drop(f"{CONNECTOR}/tariff_ids"), M, f"{CONNECTOR}/tariff_ids"),
        Violation("tariff not in the store", _no_tariffs, M, f"{CONNECTOR}/tariff_ids"),
        Violation("only a REGULAR tariff", _tariff("type", "REGULAR"), M, f"{CONNECTOR}/tariff_ids"),
        Violation("not ISO 4217", _tariff("currency", "EURO"), W, "/currency", "NL/CPO/T1"),
        Violation("not the national currency", _tariff("currency", "SEK"), W, "/currency", "NL/CPO/T1"),
        Violation(
            "excluding taxes without vat",
            _all(
                _tariff("tax_included", "NO"),
                _tariff("elements", [{"price_components": [{"type": "TIME", "price": 2, "step_size": 60}]}]),
            ),
            W,
            "/elements/0/price_components/0/vat",
            "NL/CPO/T1",
        ),
    ],
}
