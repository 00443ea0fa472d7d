"""Sessions: each version <-> the canonical (2.3.0) Session, SessionPatch and ChargingPreferences.

What each crossing costs (every item is reported as a `Loss`):

- 2.2.1 <-> 2.3.0: only the Price shape changes (see `ocpi.modules.cdrs.convert`: one "VAT" tax of
  `incl_vat - excl_vat` going up, `incl_vat = before_taxes + sum(taxes)` going down); going down, a TokenType
  2.2.1 lacks (EMAID, or an unknown OpenEnum value) becomes OTHER. ChargingPreferences are identical.
- 2.1.1 -> 2.3.0: needs `ConversionContext(country_code, party_id)` (the CPO that owns the Session).
  `start_datetime`/`end_datetime` -> `start_date_time`/`end_date_time`; `auth_id` -> `cdr_token` (contract_id =
  auth_id; uid, type OTHER and the token owner invented, see the CDRs module); the embedded Location is reduced
  to `location_id`, `evse_uid`, `connector_id` (its first EVSE and connector; `#NA` when it has none);
  `total_cost` number (excl. VAT) -> `{before_taxes}`; FLAT dimensions are dropped. A 2.1.1 PATCH body without
  `last_updated` cannot be converted: the receiver stamps it first (2.2+ PATCH bodies require it).
- 2.3.0 -> 2.1.1: `cdr_token` -> `auth_id` (contract_id); `location_id`/`evse_uid`/`connector_id` -> the full
  Location, taken from `ConversionContext.location` (the canonical Location, reduced to that EVSE and connector)
  or, without it, a minimal Location of placeholders (reported); `status` RESERVATION -> PENDING; `auth_method`
  COMMAND -> AUTH_REQUEST; `total_cost` keeps `before_taxes`; `country_code`, `party_id`,
  `authorization_reference`, ChargingPeriod `tariff_id` and the dimension types 2.1.1 lacks are dropped.
  A PATCH body keeps its location reference only when all three ids are in it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ocpi.core.convert import ConversionContext, Converted, LossLog
from ocpi.modules.cdrs.convert import (
    CANONICAL,
    NOT_AVAILABLE,
    carry,
    cdr_token_down,
    cdr_token_up,
    charging_periods,
    check_version,
    dump,
    location_down,
    location_ref_up,
    note,
    price_down,
    price_up,
    require_owner,
    schemas,
    token_type_down,
)

_KINDS = ("Session", "SessionPatch", "ChargingPreferences")


def _kind(obj: BaseModel, version: str) -> str:
    module = schemas("sessions", version)
    for kind in _KINDS:
        cls = getattr(module, kind, None)
        if cls is not None and isinstance(obj, cls):
            return kind
    raise TypeError(f"expected a {version} Session, SessionPatch or ChargingPreferences, got {type(obj).__name__}")


def to_canonical(obj: BaseModel, version: str, context: ConversionContext | None = None) -> Converted[BaseModel]:
    version = check_version(version)
    kind = _kind(obj, version)
    if version == CANONICAL:
        return Converted(obj)
    source, target = getattr(schemas("sessions", version), kind), getattr(schemas("sessions", CANONICAL), kind)
    if kind == "ChargingPreferences":
        return Converted(target.model_validate(dump(obj)))
    log = LossLog()
    data = dump(obj)
    patch = kind == "SessionPatch"
    handled = {"total_cost", "charging_periods"}
    if version == "2.1.1":
        owner = require_owner(context, kind)
        if data.get("last_updated") is None and patch:
            raise ValueError(
                "a 2.1.1 Session PATCH without last_updated cannot become a 2.2+ PATCH: set last_updated "
                "(the receiver's time of receipt) before converting"
            )
        handled |= {"start_datetime", "end_datetime", "auth_id", "location"}
    out = carry(data, source, target, handled, version, log)
    if version == "2.1.1":
        if not patch:
            out.update(country_code=owner[0], party_id=owner[1])
        for old, new in (("start_datetime", "start_date_time"), ("end_datetime", "end_date_time")):
            if old in data:
                out[new] = data[old]
        if data.get("auth_id") is not None:
            out["cdr_token"] = cdr_token_up(data["auth_id"], owner, log)
        if data.get("location") is not None:
            location_id, evse, connector = location_ref_up(data["location"], log)
            note(log.at("location"), "reduced to location_id, evse_uid and connector_id")
            if context is not None:
                embedded = _embedded_location(data["location"], context)
                if embedded is not None:
                    context.embedded["location"] = embedded
            out.update(
                location_id=location_id,
                evse_uid=evse.get("uid", NOT_AVAILABLE),
                connector_id=connector.get("id", NOT_AVAILABLE),
            )
    if "total_cost" in data:
        out["total_cost"] = price_up(data["total_cost"], version, log.at("total_cost"))
    if "charging_periods" in data:
        out["charging_periods"] = charging_periods(
            data["charging_periods"], version, CANONICAL, log.at("charging_periods")
        )
    return Converted(target.model_validate(out), log.losses)


def from_canonical(obj: BaseModel, version: str, context: ConversionContext | None = None) -> Converted[BaseModel]:
    version = check_version(version)
    kind = _kind(obj, CANONICAL)
    if version == CANONICAL:
        return Converted(obj)
    if kind == "ChargingPreferences" and version == "2.1.1":
        raise ValueError("OCPI 2.1.1 has no ChargingPreferences")
    source, target = getattr(schemas("sessions", CANONICAL), kind), getattr(schemas("sessions", version), kind)
    if kind == "ChargingPreferences":
        return Converted(target.model_validate(dump(obj)))
    log = LossLog()
    data = dump(obj)
    handled = {"total_cost", "charging_periods"}
    if version == "2.1.1":
        handled |= {
            "start_date_time",
            "end_date_time",
            "cdr_token",
            "location_id",
            "evse_uid",
            "connector_id",
            "status",
            "auth_method",
        }
    else:
        handled.add("cdr_token")
    out = carry(data, source, target, handled, version, log)
    if version == "2.1.1":
        _session_down_211(data, out, context, log)
    elif data.get("cdr_token") is not None:
        out["cdr_token"] = token_type_down(data["cdr_token"], version, log)
    if "total_cost" in data:
        out["total_cost"] = price_down(data["total_cost"], version, log.at("total_cost"))
    if "charging_periods" in data:
        out["charging_periods"] = charging_periods(
            data["charging_periods"], CANONICAL, version, log.at("charging_periods")
        )
    return Converted(target.model_validate(out), log.losses)


def _session_down_211(
    data: dict[str, Any], out: dict[str, Any], context: ConversionContext | None, log: LossLog
) -> None:
    for new, old in (("start_date_time", "start_datetime"), ("end_date_time", "end_datetime")):
        if new in data:
            out[old] = data[new]
    if data.get("cdr_token") is not None:
        out["auth_id"] = cdr_token_down(data["cdr_token"], log)
    if data.get("status") is not None:
        out["status"] = data["status"]
        if data["status"] == "RESERVATION":
            out["status"] = "PENDING"
            log.add("status", "RESERVATION does not exist in 2.1.1: PENDING used")
    if data.get("auth_method") is not None:
        out["auth_method"] = data["auth_method"]
        if data["auth_method"] == "COMMAND":
            out["auth_method"] = "AUTH_REQUEST"
            log.add("auth_method", "COMMAND does not exist in 2.1.1: AUTH_REQUEST used")
    ids = [data.get(key) for key in ("location_id", "evse_uid", "connector_id")]
    if all(value is not None for value in ids):
        location_id, evse_uid, connector_id = (str(value) for value in ids)
        location, placeholder = location_down(
            location_id, evse_uid, connector_id, data.get("last_updated"), context, log.at("location")
        )
        if placeholder:
            note(
                log.at("location"),
                "built from location_id, evse_uid and connector_id only: type, address, city, postal_code, "
                "country, coordinates, EVSE status and connector standard/format/power_type/voltage/amperage "
                "are placeholders; pass ConversionContext.location to fill them",
            )
        out["location"] = location
    else:
        for key, value in zip(("location_id", "evse_uid", "connector_id"), ids, strict=True):
            if value is not None:
                log.add(key, "dropped: a 2.1.1 PATCH can only replace the whole Location")


def _embedded_location(location: dict[str, Any], context: ConversionContext) -> BaseModel | None:
    """The Location a 2.1.1 Session embeds, as canonical: rendering the session back to 2.1.1 then gives the
    Location it came with, not whatever state of that Location the store holds at that moment (a partner may
    send the session before the Location's latest update)."""
    from ocpi.modules.locations import convert as locations

    try:
        model = schemas("locations", "2.1.1").Location.model_validate(location)
        return locations.to_canonical(model, "2.1.1", context).value
    except ValueError:
        return None
