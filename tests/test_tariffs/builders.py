"""Build Tariffs, CDRs and Sessions of any version from a compact description, for the tariff engine tests."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from tests.spec import SPEC_DIR, load_json

AMSTERDAM = "Europe/Amsterdam"
Dims = dict[str, Any]


def official_tariff(name: str, version: str = "2.3.0") -> dict[str, Any]:
    return load_json(SPEC_DIR / version / "examples" / f"{name}.json")


def local(text: str, zone: str = AMSTERDAM, fold: int = 0) -> datetime:
    """A wall-clock time in `zone` ("2024-12-02 09:30") as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC)


def iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def tariff(version: str, elements: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    """A Tariff of `version` from 2.3.0-shaped elements (the 2.2.1/2.3.0 fields 2.1.1 lacks are dropped)."""
    data: dict[str, Any] = {
        "country_code": "NL",
        "party_id": "CPO",
        "id": "T1",
        "currency": "EUR",
        "elements": copy.deepcopy(elements),
        "tax_included": "NO",
        "last_updated": "2024-01-01T00:00:00Z",
        **fields,
    }
    return tariff_as(version, data)


def tariff_as(version: str, data: dict[str, Any]) -> dict[str, Any]:
    """A 2.3.0 Tariff dict rewritten for `version` (only for tariffs that mean the same there)."""
    data = copy.deepcopy(data)
    if version == "2.3.0":
        return data
    data.pop("tax_included", None)
    data.pop("preauthorize_amount", None)
    for key in ("min_price", "max_price"):
        if key in data:
            limit = data[key]
            data[key] = {"excl_vat": limit["before_taxes"]}
            if "after_taxes" in limit:
                data[key]["incl_vat"] = limit["after_taxes"]
    if version == "2.2.1":
        return data
    for key in ("country_code", "party_id", "type", "min_price", "max_price", "start_date_time", "end_date_time"):
        data.pop(key, None)
    for element in data["elements"]:
        for component in element["price_components"]:
            component.pop("vat", None)
        for key in ("min_current", "max_current", "reservation"):
            (element.get("restrictions") or {}).pop(key, None)
    return data


def _periods(periods: list[tuple[datetime, Dims]]) -> list[dict[str, Any]]:
    return [
        {
            "start_date_time": iso(start),
            "dimensions": [{"type": kind, "volume": Decimal(str(volume))} for kind, volume in dims.items()],
        }
        for start, dims in periods
    ]


def _energy(periods: list[tuple[datetime, Dims]]) -> Decimal:
    return sum((Decimal(str(d.get("ENERGY", 0))) for _, d in periods), Decimal(0))


def _location_211(time_zone: str | None) -> dict[str, Any]:
    location = {
        "id": "LOC1",
        "type": "ON_STREET",
        "address": "Street 1",
        "city": "Amsterdam",
        "postal_code": "1000AA",
        "country": "NLD",
        "coordinates": {"latitude": "52.370216", "longitude": "4.895168"},
        "evses": [
            {
                "uid": "E1",
                "status": "CHARGING",
                "connectors": [
                    {
                        "id": "1",
                        "standard": "IEC_62196_T2",
                        "format": "SOCKET",
                        "power_type": "AC_3_PHASE",
                        "voltage": 230,
                        "amperage": 32,
                        "last_updated": "2024-01-01T00:00:00Z",
                    }
                ],
                "last_updated": "2024-01-01T00:00:00Z",
            }
        ],
        "last_updated": "2024-01-01T00:00:00Z",
    }
    if time_zone:
        location["time_zone"] = time_zone
    return location


def _cdr_location(time_zone: str | None) -> dict[str, Any]:
    location = {
        "id": "LOC1",
        "address": "Street 1",
        "city": "Amsterdam",
        "country": "NLD",
        "coordinates": {"latitude": "52.370216", "longitude": "4.895168"},
        "evse_uid": "E1",
        "evse_id": "NL*CPO*E1",
        "connector_id": "1",
        "connector_standard": "IEC_62196_T2",
        "connector_format": "SOCKET",
        "connector_power_type": "AC_3_PHASE",
    }
    if time_zone:
        location["time_zone"] = time_zone  # not in the 2.2+ CdrLocation table; kept as an unknown field
    return location


def price_of(version: str, excl: Any, incl: Any = None) -> Any:
    """A cost in the version's shape."""
    excl = Decimal(str(excl))
    if version == "2.1.1":
        return excl
    if version == "2.2.1":
        return {"excl_vat": excl} | ({"incl_vat": Decimal(str(incl))} if incl is not None else {})
    if incl is None:
        return {"before_taxes": excl}
    return {"before_taxes": excl, "taxes": [{"name": "VAT", "amount": Decimal(str(incl)) - excl}]}


def cdr(
    version: str,
    periods: list[tuple[datetime, Dims]],
    end: datetime,
    *,
    time_zone: str | None = None,
    total: Any = None,
    **fields: Any,
) -> dict[str, Any]:
    """A CDR of `version`: charging periods as (start, {dimension: volume}), ending at `end`. The location
    carries `time_zone` when given."""
    start = fields.pop("start", periods[0][0])
    hours = Decimal((end - start) // timedelta(seconds=1)) / 3600
    common = {
        "id": "CDR1",
        "start_date_time": iso(start),
        "currency": "EUR",
        "charging_periods": _periods(periods),
        "total_cost": total if total is not None else price_of(version, 0),
        "total_energy": _energy(periods),
        "total_time": hours,
        "last_updated": iso(end),
    }
    if version == "2.1.1":
        data = {
            **common,
            "stop_date_time": iso(end),
            "auth_id": "NL-EMS-C12345678-X",
            "auth_method": "WHITELIST",
            "location": _location_211(time_zone),
        }
    else:
        data = {
            **common,
            "country_code": "NL",
            "party_id": "CPO",
            "end_date_time": iso(end),
            "cdr_token": {
                "country_code": "NL",
                "party_id": "EMS",
                "uid": "TOKEN1",
                "type": "RFID",
                "contract_id": "NL-EMS-C12345678-X",
            },
            "auth_method": "WHITELIST",
            "cdr_location": _cdr_location(time_zone),
        }
    return {**data, **fields}


def session(
    version: str,
    periods: list[tuple[datetime, Dims]],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    last_updated: datetime | None = None,
    time_zone: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A Session of `version`; running (no end) unless `end` is given."""
    start = start or periods[0][0]
    common: dict[str, Any] = {
        "id": "S1",
        "kwh": _energy(periods),
        "auth_method": "WHITELIST",
        "currency": "EUR",
        "charging_periods": _periods(periods),
        "status": "COMPLETED" if end else "ACTIVE",
        "last_updated": iso(last_updated or end or start),
    }
    if version == "2.1.1":
        data = {
            **common,
            "start_datetime": iso(start),
            "auth_id": "NL-EMS-C12345678-X",
            "location": _location_211(time_zone),
        }
        if end:
            data["end_datetime"] = iso(end)
    else:
        data = {
            **common,
            "country_code": "NL",
            "party_id": "CPO",
            "start_date_time": iso(start),
            "cdr_token": {
                "country_code": "NL",
                "party_id": "EMS",
                "uid": "TOKEN1",
                "type": "RFID",
                "contract_id": "NL-EMS-C12345678-X",
            },
            "location_id": "LOC1",
            "evse_uid": "E1",
            "connector_id": "1",
        }
        if end:
            data["end_date_time"] = iso(end)
    return {**data, **fields}


def minutes(start: datetime, *spans: tuple[float, Dims]) -> tuple[list[tuple[datetime, Dims]], datetime]:
    """Consecutive periods of the given lengths in minutes: ([(start, dims)...], end)."""
    periods = []
    cursor = start
    for length, dims in spans:
        periods.append((cursor, dims))
        cursor += timedelta(minutes=length)
    return periods, cursor


def hours(value: float) -> Decimal:
    return Decimal(str(value))
