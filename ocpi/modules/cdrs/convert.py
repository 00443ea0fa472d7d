"""CDRs: each version <-> the canonical (2.3.0) CDR.

What each crossing costs (every item is reported as a `Loss`):

- 2.2.1 -> 2.3.0: Price `{excl_vat, incl_vat}` becomes `{before_taxes, taxes}`, with one tax named "VAT" of amount
  `incl_vat - excl_vat` when `incl_vat` is given (as the official 2.3.0 examples do). Embedded Tariffs go through
  the tariffs module's conversion. Nothing else changes.
- 2.3.0 -> 2.2.1: `excl_vat = before_taxes`, `incl_vat = before_taxes + sum(taxes.amount)` (reported when the
  taxes were not a single "VAT" line); a TokenType 2.2.1 lacks (EMAID, unknown OpenEnum values) becomes OTHER;
  a ConnectorType 2.2.1 lacks (MCS, SAE_J3400, unknown values) raises ValueError: the field is required.
- 2.1.1 -> 2.3.0: needs `ConversionContext(country_code, party_id)` (the CPO that owns the CDR).
  `stop_date_time` -> `end_date_time`; `auth_id` -> `cdr_token.contract_id`, with `uid` = the auth_id, `type` =
  OTHER and the token owner read from the eMA-ID prefix of the auth_id (else the CPO's own), all invented;
  the embedded Location becomes a CdrLocation (first EVSE and connector; Location type, EVSE status, voltage,
  amperage... dropped); `total_cost` number (excl. VAT) -> `{before_taxes}`; FLAT dimensions are dropped (2.2+
  has no FLAT CdrDimensionType).
- 2.3.0 -> 2.1.1: `cdr_token` -> `auth_id` (= contract_id); CdrLocation -> a Location with only that EVSE and
  connector, completed from `ConversionContext.location` when it is the same Location, else with placeholders
  (type UNKNOWN, EVSE status UNKNOWN, voltage/amperage 0); prices keep `before_taxes`; the 2.2+ only fields
  (session_id, authorization_reference, signed_data, the total_*_cost breakdown, invoice/credit fields...) and the
  dimension types 2.1.1 lacks are dropped; ChargingPeriod `tariff_id` is dropped; `auth_method` COMMAND ->
  AUTH_REQUEST. ValueError for what 2.1.1 cannot carry at all: an id longer than 36 (Credit CDRs), a
  ConnectorType or PowerType 2.1.1 lacks.

The price and charging-period helpers here are shared with the sessions module.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import Enum
from importlib import import_module
from types import ModuleType
from typing import Any

from pydantic import BaseModel

from ocpi.core.convert import ConversionContext, Converted, Loss, LossLog
from ocpi.core.versions import SUPPORTED_VERSIONS

CANONICAL = "2.3.0"
VERSIONS = SUPPORTED_VERSIONS

# 2.1.1 CdrDimensionType lacks these; FLAT is 2.1.1 only.
DIMENSIONS_211 = {"ENERGY", "FLAT", "MAX_CURRENT", "MIN_CURRENT", "PARKING_TIME", "TIME"}
DIMENSIONS_22 = {
    "CURRENT",
    "ENERGY",
    "ENERGY_EXPORT",
    "ENERGY_IMPORT",
    "MAX_CURRENT",
    "MIN_CURRENT",
    "MAX_POWER",
    "MIN_POWER",
    "PARKING_TIME",
    "POWER",
    "RESERVATION_TIME",
    "STATE_OF_CHARGE",
    "TIME",
}
NOT_AVAILABLE = "#NA"


# --- shared helpers ------------------------------------------------------------------------------


def check_version(version: str) -> str:
    version = str(version)
    if version not in VERSIONS:
        raise ValueError(f"unknown OCPI version {version!r}; expected one of {', '.join(VERSIONS)}")
    return version


def schemas(module: str, version: str) -> ModuleType:
    return import_module(f"ocpi.modules.{module}.v_{version.replace('.', '_')}.schemas")


def dump(obj: BaseModel) -> dict[str, Any]:
    """The object as plain Python values (Decimal, datetime, str), keeping unknown fields; for a PATCH body
    only what the sender set (an explicit null stays)."""
    if type(obj).__name__.endswith("Patch"):
        data = obj.model_dump(exclude_unset=True, by_alias=True)
    else:
        data = obj.model_dump(exclude_none=True, by_alias=True)
    return _plain(data)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, str):
        return str(value)
    return value


def carry(
    data: dict[str, Any],
    source: type[BaseModel],
    target: type[BaseModel],
    handled: set[str],
    version: str,
    log: LossLog,
) -> dict[str, Any]:
    """Copy the fields the converter does not handle itself: fields both versions define and unknown fields pass
    unchanged; a field only the source version defines is dropped and reported."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in handled:
            continue
        if key in target.model_fields or key not in source.model_fields:
            out[key] = value
        elif value is not None:
            log.add(key, f"dropped: OCPI {version} has no {key}")
    return out


def note(log: LossLog, reason: str) -> None:
    """A loss about the object `log` points at itself."""
    log.losses.append(Loss(log.prefix, reason))


def require_owner(context: ConversionContext | None, what: str) -> tuple[str, str]:
    if context is None or not context.country_code or not context.party_id:
        raise ValueError(
            f"converting a 2.1.1 {what} needs ConversionContext(country_code=..., party_id=...): "
            "2.1.1 objects carry no owner (take it from the URL or the partner's credentials)"
        )
    return context.country_code, context.party_id


def price_up(value: Any, version: str, log: LossLog) -> Any:
    """A version's cost (2.1.1 number, 2.2.1 Price) as the canonical Price dict."""
    if value is None:
        return None
    if version == "2.1.1":
        return {"before_taxes": value}
    if version == "2.2.1":
        price = {k: v for k, v in value.items() if k not in ("excl_vat", "incl_vat")}
        price["before_taxes"] = value["excl_vat"]
        if value.get("incl_vat") is not None:
            price["taxes"] = [{"name": "VAT", "amount": value["incl_vat"] - value["excl_vat"]}]
        return price
    return value


def price_down(value: Any, version: str, log: LossLog) -> Any:
    """The canonical Price dict as the cost of `version`."""
    if value is None:
        return None
    taxes = value.get("taxes") or []
    if version == "2.1.1":
        if taxes:
            log.add("taxes", "dropped: 2.1.1 costs are plain numbers excluding VAT")
        return value["before_taxes"]
    if version == "2.2.1":
        price = {k: v for k, v in value.items() if k not in ("before_taxes", "taxes")}
        price["excl_vat"] = value["before_taxes"]
        # `taxes` is `*`: absent, null and [] alike mean no tax information, so no incl_vat
        if taxes:
            price["incl_vat"] = value["before_taxes"] + sum((Decimal(t["amount"]) for t in taxes), Decimal(0))
            if [t.get("name") for t in taxes] != ["VAT"] or any(set(t) - {"name", "amount"} for t in taxes):
                log.add("taxes", "summed into incl_vat: 2.2.1 has no tax breakdown")
        return price
    return value


def charging_periods(periods: Any, source: str, target: str, log: LossLog) -> Any:
    """ChargingPeriods across versions: dimension types the target lacks and 2.1.1's missing `tariff_id` are
    dropped and reported; a period left without dimensions is dropped too."""
    if periods is None or source == target:
        return periods
    allowed = DIMENSIONS_211 if target == "2.1.1" else DIMENSIONS_22
    out = []
    for i, period in enumerate(periods):
        plog = log.at(i)
        period = dict(period)
        if target == "2.1.1" and period.get("tariff_id") is not None:
            plog.add("tariff_id", "dropped: 2.1.1 ChargingPeriod has no tariff_id")
        if target == "2.1.1":
            period.pop("tariff_id", None)
        dimensions = []
        for j, dimension in enumerate(period.get("dimensions") or []):
            if dimension.get("type") in allowed:
                dimensions.append(dimension)
            else:
                plog.at("dimensions").add(j, f"dropped: no CdrDimensionType {dimension.get('type')} in {target}")
        if not dimensions:
            log.add(i, "dropped: no dimension left that this version can express")
            continue
        period["dimensions"] = dimensions
        out.append(period)
    return out


_EMA_ID = re.compile(r"^([A-Za-z]{2})[-*]?([A-Za-z0-9]{3})")


def cdr_token_up(auth_id: str, owner: tuple[str, str], log: LossLog) -> dict[str, Any]:
    """2.1.1 `auth_id` -> CdrToken. Only the contract id is known; the rest is invented and reported."""
    match = _EMA_ID.match(auth_id)
    if match:
        country_code, party_id = match.group(1).upper(), match.group(2).upper()
        whose = "from the eMA-ID prefix of auth_id"
    else:
        country_code, party_id = owner
        whose = "the object owner's (auth_id is no eMA ID)"
    token_log = log.at("cdr_token")
    token_log.add("country_code", f"invented: 2.1.1 has no token owner; {whose}")
    token_log.add("party_id", f"invented: 2.1.1 has no token owner; {whose}")
    token_log.add("uid", "invented: 2.1.1 has no token uid; auth_id used")
    token_log.add("type", "invented: 2.1.1 has no token type; OTHER used")
    return {"country_code": country_code, "party_id": party_id, "uid": auth_id, "type": "OTHER", "contract_id": auth_id}


def cdr_token_down(token: dict[str, Any], log: LossLog) -> str:
    log.add("cdr_token", "only contract_id kept, as auth_id (country_code, party_id, uid, type dropped)")
    return str(token["contract_id"])


def enum_value(value: Any, allowed: set[str], pointer: str, version: str) -> Any:
    if value not in allowed:
        raise ValueError(f"{pointer}: {value!r} cannot be expressed in OCPI {version}")
    return value


def token_type_down(token: dict[str, Any], version: str, log: LossLog) -> dict[str, Any]:
    allowed = {m.value for m in schemas("tokens", version).TokenType}
    if token.get("type") not in allowed:
        log.at("cdr_token").add("type", f"{token.get('type')} does not exist in {version}: OTHER used")
        token = {**token, "type": "OTHER"}
    return token


def location_ref_up(location: dict[str, Any], log: LossLog) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The EVSE and connector a 2.1.1 embedded Location points at (the first of each); reports a choice."""
    evses = location.get("evses") or []
    if len(evses) > 1:
        log.at("location").add("evses", "more than one EVSE: the first is used")
    evse = evses[0] if evses else {}
    connectors = evse.get("connectors") or []
    if len(connectors) > 1:
        log.at("location", "evses", 0).add("connectors", "more than one connector: the first is used")
    connector = connectors[0] if connectors else {}
    return str(location["id"]), evse, connector


def location_down(
    location_id: str,
    evse_uid: str,
    connector_id: str,
    last_updated: Any,
    context: ConversionContext | None,
    log: LossLog,
) -> tuple[dict[str, Any], bool]:
    """A 2.1.1 Location dict holding only the given EVSE and connector: from `context.location` (a canonical
    Location) when it is this Location, else a minimal one. Returns it and whether placeholders were used."""
    base: dict[str, Any] | None = None
    if (
        context is not None
        and context.location is not None
        and str(context.location.id).casefold() == str(location_id).casefold()
    ):
        from ocpi.modules.locations import convert as locations_convert

        base = dump(locations_convert.from_canonical(context.location, "2.1.1", context).value)
    placeholder = base is None
    if base is None:
        base = {
            "id": location_id,
            "type": "UNKNOWN",
            "address": "",
            "city": "",
            "postal_code": "",
            "country": "",
            "coordinates": {"latitude": "0.000000", "longitude": "0.000000"},
            "last_updated": last_updated,
        }
    base["id"] = location_id
    if evse_uid == NOT_AVAILABLE:
        base.pop("evses", None)
        log.add("evse_uid", "dropped: no EVSE assigned yet (#NA); the 2.1.1 Location has no EVSE")
        return base, placeholder
    evse = next((e for e in base.get("evses") or [] if str(e.get("uid")).casefold() == evse_uid.casefold()), None)
    if evse is None:
        placeholder = True
        evse = {"uid": evse_uid, "status": "UNKNOWN", "connectors": [], "last_updated": last_updated}
    connector = next(
        (c for c in evse.get("connectors") or [] if str(c.get("id")).casefold() == connector_id.casefold()), None
    )
    if connector is None:
        placeholder = True
        connector = {
            "id": connector_id,
            "standard": "IEC_62196_T2",
            "format": "SOCKET",
            "power_type": "AC_3_PHASE",
            "voltage": 0,
            "amperage": 0,
            "last_updated": last_updated,
        }
    base["evses"] = [{**evse, "connectors": [connector]}]
    return base, placeholder


# --- CDR ------------------------------------------------------------------------------------------

_CONNECTOR_TYPES: dict[str, set[str]] = {}


def _connector_types(version: str) -> set[str]:
    if version not in _CONNECTOR_TYPES:
        _CONNECTOR_TYPES[version] = {m.value for m in schemas("locations", version).ConnectorType}
    return _CONNECTOR_TYPES[version]


def _tariffs(tariffs: Any, version: str, up: bool, context: ConversionContext | None, log: LossLog) -> Any:
    if tariffs is None:
        return None
    from ocpi.modules.tariffs import convert as tariffs_convert

    out = []
    for i, tariff in enumerate(tariffs):
        if up:
            model = schemas("tariffs", version).Tariff.model_validate(tariff)
            converted = tariffs_convert.to_canonical(model, version, context)
        else:
            model = schemas("tariffs", CANONICAL).Tariff.model_validate(tariff)
            converted = tariffs_convert.from_canonical(model, version, context)
        for loss in converted.losses:
            log.losses.append(Loss(log.at(i).prefix + loss.pointer, loss.reason))
        out.append(dump(converted.value))
    return out


_PRICES_22 = (
    "total_cost",
    "total_fixed_cost",
    "total_energy_cost",
    "total_time_cost",
    "total_parking_cost",
    "total_reservation_cost",
)


def _cdr_location_up(location: dict[str, Any], log: LossLog) -> dict[str, Any]:
    _, evse, connector = location_ref_up(location, log)
    llog = log.at("location")
    used = {"id", "name", "address", "city", "postal_code", "country", "coordinates", "evses"}
    dropped = sorted(set(location) - used)
    if dropped:
        note(llog, "dropped (CdrLocation has no such fields): " + ", ".join(dropped))
    coordinates = {k: v for k, v in location["coordinates"].items() if k in ("latitude", "longitude")}
    out: dict[str, Any] = {k: location[k] for k in ("id", "name", "address", "city", "postal_code") if k in location}
    out.update(country=location["country"], coordinates=coordinates)
    if not evse or not connector:
        llog.add("evses", "no EVSE/connector: evse_uid, evse_id, connector_id set to #NA, connector fields invented")
        out.update(
            evse_uid=evse.get("uid", NOT_AVAILABLE),
            evse_id=evse.get("evse_id", NOT_AVAILABLE),
            connector_id=NOT_AVAILABLE,
            connector_standard="IEC_62196_T2",
            connector_format="SOCKET",
            connector_power_type="AC_3_PHASE",
        )
        return out
    if evse.get("evse_id") is None:
        llog.at("evses", 0).add("evse_id", "invented: #NA (optional in 2.1.1, required in CdrLocation)")
    evse_dropped = sorted(set(evse) - {"uid", "evse_id", "connectors"})
    if evse_dropped:
        llog.at("evses").add(0, "dropped (CdrLocation has no such fields): " + ", ".join(evse_dropped))
    connector_dropped = sorted(set(connector) - {"id", "standard", "format", "power_type"})
    if connector_dropped:
        llog.at("evses", 0, "connectors").add(
            0, "dropped (CdrLocation has no such fields): " + ", ".join(connector_dropped)
        )
    out.update(
        evse_uid=evse["uid"],
        evse_id=evse.get("evse_id", NOT_AVAILABLE),
        connector_id=connector["id"],
        connector_standard=connector["standard"],
        connector_format=connector["format"],
        connector_power_type=connector["power_type"],
    )
    return out


def _cdr_location_down(
    cdr_location: dict[str, Any], last_updated: Any, context: ConversionContext | None, log: LossLog
) -> dict[str, Any]:
    llog = log.at("cdr_location")
    standard = enum_value(
        cdr_location["connector_standard"], _connector_types("2.1.1"), "/cdr_location/connector_standard", "2.1.1"
    )
    power_type = enum_value(
        cdr_location["connector_power_type"],
        {"AC_1_PHASE", "AC_3_PHASE", "DC"},
        "/cdr_location/connector_power_type",
        "2.1.1",
    )
    evse_uid, connector_id = str(cdr_location["evse_uid"]), str(cdr_location["connector_id"])
    location, placeholder = location_down(str(cdr_location["id"]), evse_uid, connector_id, last_updated, context, llog)
    for key in ("name", "address", "city", "postal_code", "country", "coordinates"):
        if key in cdr_location:
            location[key] = cdr_location[key]
    if cdr_location.get("postal_code") is None and not location.get("postal_code"):
        llog.add("postal_code", "invented: empty (required in 2.1.1)")
    if cdr_location.get("state") is not None:
        llog.add("state", "dropped: 2.1.1 Location has no state")
    if location.get("evses"):
        evse = location["evses"][0]
        if cdr_location["evse_id"] != NOT_AVAILABLE:
            evse["evse_id"] = cdr_location["evse_id"]
        connector = evse["connectors"][0]
        connector.update(standard=standard, format=cdr_location["connector_format"], power_type=power_type)
        if connector_id == NOT_AVAILABLE:
            llog.add("connector_id", "#NA kept: no connector was assigned")
    if placeholder:
        note(
            llog,
            "2.1.1 needs a full Location: type, EVSE status, voltage and amperage are placeholders "
            "(UNKNOWN, UNKNOWN, 0, 0); pass ConversionContext.location to fill them",
        )
    return location


def to_canonical(obj: BaseModel, version: str, context: ConversionContext | None = None) -> Converted[BaseModel]:
    version = check_version(version)
    source = schemas("cdrs", version)
    if not isinstance(obj, source.CDR):
        raise TypeError(f"expected a {version} CDR, got {type(obj).__module__}.{type(obj).__name__}")
    if version == CANONICAL:
        return Converted(obj)
    target = schemas("cdrs", CANONICAL)
    log = LossLog()
    data = dump(obj)
    handled = {"tariffs", "charging_periods", *_PRICES_22}
    if version == "2.1.1":
        owner = require_owner(context, "CDR")
        handled |= {"stop_date_time", "auth_id", "location"}
    out = carry(data, source.CDR, target.CDR, handled, version, log)
    if version == "2.1.1":
        out.update(country_code=owner[0], party_id=owner[1])
        out["end_date_time"] = data["stop_date_time"]
        out["cdr_token"] = cdr_token_up(data["auth_id"], owner, log)
        out["cdr_location"] = _cdr_location_up(data["location"], log)
    for key in _PRICES_22:
        if key in data:
            out[key] = price_up(data[key], version, log.at(key))
    if "tariffs" in data:
        out["tariffs"] = _tariffs(data["tariffs"], version, True, context, log.at("tariffs"))
    out["charging_periods"] = charging_periods(data["charging_periods"], version, CANONICAL, log.at("charging_periods"))
    return Converted(target.CDR.model_validate(out), log.losses)


def from_canonical(obj: BaseModel, version: str, context: ConversionContext | None = None) -> Converted[BaseModel]:
    version = check_version(version)
    source = schemas("cdrs", CANONICAL)
    if not isinstance(obj, source.CDR):
        raise TypeError(f"expected a canonical (2.3.0) CDR, got {type(obj).__module__}.{type(obj).__name__}")
    if version == CANONICAL:
        return Converted(obj)
    target = schemas("cdrs", version)
    log = LossLog()
    data = dump(obj)
    handled = {"tariffs", "charging_periods", *_PRICES_22}
    if version == "2.1.1":
        handled |= {"end_date_time", "cdr_token", "cdr_location", "auth_method"}
        if len(str(data["id"])) > 36:
            raise ValueError(f"/id: {data['id']!r} is longer than the 36 characters 2.1.1 allows (a Credit CDR?)")
    out = carry(data, source.CDR, target.CDR, handled, version, log)
    if version == "2.1.1":
        out["stop_date_time"] = data["end_date_time"]
        out["auth_id"] = cdr_token_down(data["cdr_token"], log)
        out["auth_method"] = data["auth_method"]
        if data["auth_method"] == "COMMAND":
            out["auth_method"] = "AUTH_REQUEST"
            log.add("auth_method", "COMMAND does not exist in 2.1.1: AUTH_REQUEST used")
        out["location"] = _cdr_location_down(data["cdr_location"], data["last_updated"], context, log)
        out["total_cost"] = price_down(data["total_cost"], version, log.at("total_cost"))
        for key in _PRICES_22[1:]:
            if key in data:
                log.add(key, f"dropped: OCPI 2.1.1 has no {key}")
    else:
        out["cdr_token"] = token_type_down(data["cdr_token"], version, log)
        enum_value(
            data["cdr_location"]["connector_standard"],
            _connector_types(version),
            "/cdr_location/connector_standard",
            version,
        )
        for key in _PRICES_22:
            if key in data:
                out[key] = price_down(data[key], version, log.at(key))
    if "tariffs" in data:
        out["tariffs"] = _tariffs(data["tariffs"], version, False, context, log.at("tariffs"))
    out["charging_periods"] = charging_periods(data["charging_periods"], CANONICAL, version, log.at("charging_periods"))
    return Converted(target.CDR.model_validate(out), log.losses)
