"""Locations: each version to and from the canonical form (the 2.3.0 objects).

Handles Location, EVSE, Connector, their PATCH bodies (LocationPatch, EVSEPatch, ConnectorPatch) and the
shared classes other modules embed (EnergyMix, Hours, BusinessDetails, Image). Losses are JSON pointers
into the object that was given.

2.1.1 -> canonical
- `country_code`/`party_id` come from `ConversionContext` (2.1.1 Locations carry no owner); required for a
  Location, ValueError without them.
- `type` -> `parking_type` for the four shared values; OTHER and UNKNOWN have no ParkingType: left out (lost).
- `publish` is set to true (every 2.1.1 Location is public) - reported as invented.
- `time_zone` (optional in 2.1.1, required since 2.2) is set to "UTC" when absent - reported as invented.
- Hours: `twentyfourseven` absent (regular hours given) becomes false.
- Connector `voltage`/`amperage` -> `max_voltage`/`max_amperage`, `tariff_id` -> `tariff_ids: [id]`.
- EnvironmentalImpact `source` -> `category`.
- ids longer than 36 characters (2.1.1 allows 39) cannot be stored: the canonical model rejects them.
- A 2.1.1 PATCH body without `last_updated` cannot become a canonical PATCH (2.2+ requires it): the
  receiver sets `last_updated` (time of receipt) on the 2.1.1 body first, otherwise ValueError.

canonical -> 2.2.1
- Dropped: Location `parking_places`, `help_phone`; EVSE `parking`, `accepted_service_providers`;
  Connector `capabilities`.
- Values of 2.3.0 OpenEnums that 2.2.1 lacks: ParkingType, Facility, Capability, ParkingRestriction
  (EMPLOYEES, TAXIS, TENANTS), EnvironmentalImpactCategory values are left out; an unknown ImageCategory
  becomes OTHER; a PublishTokenType entry with a TokenType 2.2.1 lacks (EMAID) is left out; a Connector
  whose standard 2.2.1 lacks (MCS, SAE_J3400, ...) is left out, and an EVSE left without connectors too.

canonical -> 2.1.1 (after the 2.2.1 step)
- Dropped: `country_code`, `party_id` (they travel in the URL), `publish` (a `false` one is reported: such
  a Location should not be sent to a 2.1.1 partner at all), `publish_allowed_to`, `state`, Connector
  `max_electric_power`; `tariff_ids` -> `tariff_id` keeps the first id only.
- `parking_type` -> `type`: ON_DRIVEWAY and ALONG_MOTORWAY become OTHER, absent becomes UNKNOWN.
- `address` longer than 45 characters is cut to 45; an absent `postal_code` (required in 2.1.1) is sent as "".
- Capability, Facility and ConnectorType values 2.1.1 lacks are left out as above; PowerType AC_2_PHASE
  and AC_2_PHASE_SPLIT become AC_1_PHASE.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from functools import cache
from types import ModuleType
from typing import Any

from pydantic import BaseModel

from ocpi.core.convert import ConversionContext, Converted, LossLog
from ocpi.core.model import PatchModel
from ocpi.modules.locations.v_2_1_1 import schemas as v211
from ocpi.modules.locations.v_2_2_1 import schemas as v221
from ocpi.modules.locations.v_2_3_0 import schemas as v230
from ocpi.modules.tokens.v_2_2_1.schemas import TokenType as TokenType221

_SCHEMAS: dict[str, ModuleType] = {"2.1.1": v211, "2.2.1": v221, "2.3.0": v230}
_KINDS = (
    "Location",
    "EVSE",
    "Connector",
    "LocationPatch",
    "EVSEPatch",
    "ConnectorPatch",
    "EnergyMix",
    "Hours",
    "BusinessDetails",
    "Image",
)

DEFAULT_TIME_ZONE = "UTC"

Data = dict[str, Any]


class _Dropped:
    """Marks a list entry that a conversion removes; entries are pruned at the end so that every loss
    pointer still refers to the index in the object that was given."""


_DROPPED = _Dropped()


@cache
def _values(enum: type[Enum]) -> frozenset[str]:
    return frozenset(str(member.value) for member in enum)


# --- helpers -------------------------------------------------------------------------------------


def _filter_enum_list(data: Data, key: str, allowed: frozenset[str], log: LossLog, version: str) -> None:
    values = data.get(key)
    if not values:
        return
    for i, value in enumerate(values):
        if value is not _DROPPED and str(value) not in allowed:
            log.at(key).add(i, f"{value} does not exist in {version}")
            values[i] = _DROPPED


def _drop(data: Data, key: str, log: LossLog, reason: str) -> None:
    if key in data and data.pop(key) not in (None, []):
        log.add(key, reason)


def _rename(data: Data, old: str, new: str) -> None:
    if old in data:
        data[new] = data.pop(old)


def _each(data: Data, key: str, log: LossLog, convert: Callable[[Data, LossLog], Any]) -> None:
    items = data.get(key)
    if not items:
        return
    for i, item in enumerate(items):
        if item is not _DROPPED:
            items[i] = convert(item, log.at(key, i))


def _one(data: Data, key: str, log: LossLog, convert: Callable[[Data, LossLog], Any]) -> None:
    if data.get(key) is not None:
        data[key] = convert(data[key], log.at(key))


def _prune(value: Any) -> Any:
    """`value` without the entries marked dropped, in place: only a list that holds one is rebuilt."""
    if isinstance(value, dict):
        for item in value.values():
            if isinstance(item, dict | list):
                _prune(item)
    elif isinstance(value, list):
        if any(item is _DROPPED for item in value):
            value[:] = [item for item in value if item is not _DROPPED]
        for item in value:
            if isinstance(item, dict | list):
                _prune(item)
    return value


# --- 2.1.1 -> 2.2.1 (2.2.1 -> 2.3.0 changes nothing: 2.3.0 only adds) ------------------------------

_LOCATION_TYPE_TO_PARKING_TYPE = {
    "ON_STREET": "ON_STREET",
    "PARKING_GARAGE": "PARKING_GARAGE",
    "UNDERGROUND_GARAGE": "UNDERGROUND_GARAGE",
    "PARKING_LOT": "PARKING_LOT",
}


def _energy_mix_up(data: Data, log: LossLog) -> Data:
    for impact in data.get("environ_impact") or ():
        _rename(impact, "source", "category")
    return data


def _hours_up(data: Data, log: LossLog) -> Data:
    if data.get("twentyfourseven") is None:
        data["twentyfourseven"] = False
    return data


def _connector_up(data: Data, log: LossLog) -> Data:
    _rename(data, "voltage", "max_voltage")
    _rename(data, "amperage", "max_amperage")
    if "tariff_id" in data:
        tariff_id = data.pop("tariff_id")
        data["tariff_ids"] = None if tariff_id is None else [tariff_id]
    return data


def _evse_up(data: Data, log: LossLog) -> Data:
    _each(data, "connectors", log, _connector_up)
    return data


def _location_up(data: Data, log: LossLog, partial: bool, context: ConversionContext | None) -> Data:
    if not partial:
        if context is None or not context.country_code or not context.party_id:
            raise ValueError(
                "a 2.1.1 Location has no country_code/party_id: pass ConversionContext(country_code, party_id) "
                "of its owner (from the URL or the partner's credentials)"
            )
        data = {**data, "country_code": context.country_code, "party_id": context.party_id}  # the URL wins
        data["publish"] = True
        log.add("publish", "invented: 2.1.1 has no publish flag, every 2.1.1 Location is public")
        if data.get("time_zone") is None:
            data["time_zone"] = DEFAULT_TIME_ZONE
            log.add(
                "time_zone", f"invented: required since 2.2, absent in the 2.1.1 Location; set to {DEFAULT_TIME_ZONE}"
            )
    if "type" in data:
        location_type = data.pop("type")
        parking_type = _LOCATION_TYPE_TO_PARKING_TYPE.get(str(location_type))
        if parking_type is None:
            log.add("type", f"{location_type} has no ParkingType: parking_type left out")
            if partial:
                data["parking_type"] = None
        else:
            data["parking_type"] = parking_type
    _each(data, "evses", log, _evse_up)
    _one(data, "opening_times", log, _hours_up)
    _one(data, "energy_mix", log, _energy_mix_up)
    return data


def _identity(data: Data, log: LossLog) -> Data:
    return data


_UP_211: dict[str, Callable[[Data, LossLog, bool, ConversionContext | None], Data]] = {
    "Location": _location_up,
    "EVSE": lambda d, log, partial, ctx: _evse_up(d, log),
    "Connector": lambda d, log, partial, ctx: _connector_up(d, log),
    "EnergyMix": lambda d, log, partial, ctx: _energy_mix_up(d, log),
    "Hours": lambda d, log, partial, ctx: _hours_up(d, log),
    "BusinessDetails": lambda d, log, partial, ctx: d,
    "Image": lambda d, log, partial, ctx: d,
}


# --- 2.3.0 -> 2.2.1 --------------------------------------------------------------------------------

_V221 = "2.2.1"
_IMAGE_CATEGORIES_221 = _values(v221.ImageCategory)
_TOKEN_TYPES_221 = _values(TokenType221)


def _image_down_230(data: Data, log: LossLog) -> Data:
    category = data.get("category")
    if category is not None and str(category) not in _IMAGE_CATEGORIES_221:
        log.add("category", f"{category} does not exist in {_V221}: sent as OTHER")
        data["category"] = "OTHER"
    return data


def _business_details_down_230(data: Data, log: LossLog) -> Data:
    _one(data, "logo", log, _image_down_230)
    return data


def _energy_mix_down_230(data: Data, log: LossLog) -> Data:
    allowed = _values(v221.EnvironmentalImpactCategory)
    impacts = data.get("environ_impact") or []
    for i, impact in enumerate(impacts):
        if impact is not _DROPPED and str(impact.get("category")) not in allowed:
            log.at("environ_impact", i).add("category", f"{impact.get('category')} does not exist in {_V221}")
            impacts[i] = _DROPPED
    return data


def _connector_down_230(data: Data, log: LossLog, partial: bool = False) -> Data | _Dropped:
    _drop(data, "capabilities", log, f"ConnectorCapability does not exist in {_V221}")
    standard = data.get("standard")
    if standard is not None and str(standard) not in _values(v221.ConnectorType):
        if partial:
            del data["standard"]
            log.add("standard", f"{standard} does not exist in {_V221}")
            return data
        log.add("standard", f"{standard} does not exist in {_V221}: Connector left out")
        return _DROPPED
    return data


def _connectors_down(data: Data, log: LossLog, convert: Callable[[Data, LossLog], Data | _Dropped]) -> bool:
    """Converts an EVSE's connectors; False when none is left (the EVSE cannot be expressed)."""
    connectors = data.get("connectors")
    if not connectors:
        return True
    _each(data, "connectors", log, convert)
    return any(c is not _DROPPED for c in connectors)


def _evse_down_230(data: Data, log: LossLog, partial: bool = False) -> Data | _Dropped:
    _drop(data, "parking", log, f"EVSEParking does not exist in {_V221}")
    _drop(data, "accepted_service_providers", log, f"does not exist in {_V221}")
    _filter_enum_list(data, "capabilities", _values(v221.Capability), log, _V221)
    _filter_enum_list(data, "parking_restrictions", _values(v221.ParkingRestriction), log, _V221)
    _each(data, "images", log, _image_down_230)
    if not _connectors_down(data, log, _connector_down_230):
        log.add("connectors", f"no connector can be expressed in {_V221}: EVSE left out")
        return _DROPPED
    return data


def _location_down_230(data: Data, log: LossLog, partial: bool = False) -> Data:
    _drop(data, "parking_places", log, f"Parking does not exist in {_V221}")
    _drop(data, "help_phone", log, f"does not exist in {_V221}")
    parking_type = data.get("parking_type")
    if parking_type is not None and str(parking_type) not in _values(v221.ParkingType):
        log.add("parking_type", f"{parking_type} does not exist in {_V221}")
        if partial:
            data["parking_type"] = None
        else:
            del data["parking_type"]
    _filter_enum_list(data, "facilities", _values(v221.Facility), log, _V221)
    tokens = data.get("publish_allowed_to") or []
    for i, token in enumerate(tokens):
        if token.get("type") is not None and str(token["type"]) not in _TOKEN_TYPES_221:
            log.at("publish_allowed_to", i).add("type", f"{token['type']} does not exist in {_V221}: entry left out")
            tokens[i] = _DROPPED
    _each(data, "evses", log, _evse_down_230)
    _each(data, "images", log, _image_down_230)
    for key in ("operator", "suboperator", "owner"):
        _one(data, key, log, _business_details_down_230)
    _one(data, "energy_mix", log, _energy_mix_down_230)
    return data


_DOWN_230: dict[str, Callable[[Data, LossLog, bool], Data | _Dropped]] = {
    "Location": _location_down_230,
    "EVSE": _evse_down_230,
    "Connector": _connector_down_230,
    "EnergyMix": lambda d, log, partial: _energy_mix_down_230(d, log),
    "Hours": lambda d, log, partial: d,
    "BusinessDetails": lambda d, log, partial: _business_details_down_230(d, log),
    "Image": lambda d, log, partial: _image_down_230(d, log),
}


# --- 2.2.1 -> 2.1.1 --------------------------------------------------------------------------------

_V211 = "2.1.1"
_PARKING_TYPE_TO_LOCATION_TYPE = {
    "ON_STREET": "ON_STREET",
    "PARKING_GARAGE": "PARKING_GARAGE",
    "UNDERGROUND_GARAGE": "UNDERGROUND_GARAGE",
    "PARKING_LOT": "PARKING_LOT",
    "ALONG_MOTORWAY": "OTHER",
    "ON_DRIVEWAY": "OTHER",
}
_POWER_TYPE_221_TO_211 = {"AC_2_PHASE": "AC_1_PHASE", "AC_2_PHASE_SPLIT": "AC_1_PHASE"}


def _energy_mix_down_221(data: Data, log: LossLog) -> Data:
    for impact in data.get("environ_impact") or ():
        if impact is not _DROPPED:
            _rename(impact, "category", "source")
    return data


def _connector_down_221(data: Data, log: LossLog, partial: bool = False) -> Data | _Dropped:
    standard = data.get("standard")
    if standard is not None and str(standard) not in _values(v211.ConnectorType):
        if partial:
            del data["standard"]
            log.add("standard", f"{standard} does not exist in {_V211}")
        else:
            log.add("standard", f"{standard} does not exist in {_V211}: Connector left out")
            return _DROPPED
    power_type = data.get("power_type")
    if power_type is not None and str(power_type) in _POWER_TYPE_221_TO_211:
        data["power_type"] = _POWER_TYPE_221_TO_211[str(power_type)]
        log.add("power_type", f"{power_type} does not exist in {_V211}: sent as {data['power_type']}")
    _rename(data, "max_voltage", "voltage")
    _rename(data, "max_amperage", "amperage")
    _drop(data, "max_electric_power", log, f"does not exist in {_V211}")
    if "tariff_ids" in data:
        tariff_ids = data.pop("tariff_ids")
        if tariff_ids:
            data["tariff_id"] = tariff_ids[0]
            if len(tariff_ids) > 1:
                log.add("tariff_ids", f"{_V211} has one tariff_id: only the first is sent")
        elif partial:
            data["tariff_id"] = None
    return data


def _evse_down_221(data: Data, log: LossLog, partial: bool = False) -> Data | _Dropped:
    _filter_enum_list(data, "capabilities", _values(v211.Capability), log, _V211)
    if not _connectors_down(data, log, _connector_down_221):
        log.add("connectors", f"no connector can be expressed in {_V211}: EVSE left out")
        return _DROPPED
    return data


def _location_down_221(data: Data, log: LossLog, partial: bool = False) -> Data:
    for key in ("country_code", "party_id"):
        _drop(data, key, log, f"does not exist in {_V211}: the owner travels in the URL")
    if data.get("publish") is False:
        log.add("publish", "not public: 2.1.1 cannot restrict visibility, do not send this Location to 2.1.1")
    data.pop("publish", None)
    _drop(data, "publish_allowed_to", log, f"does not exist in {_V211}")
    _drop(data, "state", log, f"does not exist in {_V211}")
    address = data.get("address")
    if address is not None and len(address) > 45:
        data["address"] = address[:45]
        log.add("address", f"longer than 45 characters ({_V211} maximum): cut")
    if not partial and data.get("postal_code") is None:
        data["postal_code"] = ""
        log.add("postal_code", f"invented: required in {_V211}, absent; sent as an empty string")
    if "parking_type" in data or not partial:
        parking_type = data.pop("parking_type", None)
        location_type = "UNKNOWN" if parking_type is None else _PARKING_TYPE_TO_LOCATION_TYPE[str(parking_type)]
        if parking_type is not None and location_type != str(parking_type):
            log.add("parking_type", f"{parking_type} does not exist in {_V211}: sent as type {location_type}")
        data["type"] = location_type
    _filter_enum_list(data, "facilities", _values(v211.Facility), log, _V211)
    _each(data, "evses", log, _evse_down_221)
    _one(data, "energy_mix", log, _energy_mix_down_221)
    return data


_DOWN_221: dict[str, Callable[[Data, LossLog, bool], Data | _Dropped]] = {
    "Location": _location_down_221,
    "EVSE": _evse_down_221,
    "Connector": _connector_down_221,
    "EnergyMix": lambda d, log, partial: _energy_mix_down_221(d, log),
    "Hours": lambda d, log, partial: d,
    "BusinessDetails": lambda d, log, partial: d,
    "Image": lambda d, log, partial: d,
}


# --- entry points --------------------------------------------------------------------------------


def _schemas(version: str) -> ModuleType:
    try:
        return _SCHEMAS[str(version)]
    except KeyError:
        raise ValueError(f"unsupported OCPI version {version!r}") from None


def _kind(obj: BaseModel, version: str) -> str:
    module = _schemas(version)
    for name in _KINDS:
        if type(obj) is getattr(module, name):
            return name
    raise TypeError(f"{type(obj).__module__}.{type(obj).__name__} is not a {version} Locations object")


def _dump(obj: BaseModel) -> Data:
    if isinstance(obj, PatchModel):
        return obj.model_dump(mode="python", by_alias=True, exclude_unset=True)
    return obj.model_dump(mode="python", by_alias=True, exclude_none=True)


def _base_kind(kind: str) -> tuple[str, bool]:
    return (kind.removesuffix("Patch"), True) if kind.endswith("Patch") else (kind, False)


def to_canonical(obj: BaseModel, version: str, context: ConversionContext | None = None) -> Converted[BaseModel]:
    """A 2.1.1, 2.2.1 or 2.3.0 Locations object as its canonical (2.3.0) equivalent."""
    kind = _kind(obj, version)
    if str(version) == "2.3.0":
        return Converted(obj)
    base, partial = _base_kind(kind)
    data = _dump(obj)
    log = LossLog()
    if str(version) == "2.1.1":
        if partial and data.get("last_updated") is None:
            raise ValueError(
                f"a 2.1.1 {kind} without last_updated cannot become a canonical PATCH: set last_updated "
                "(the time of receipt) on it first"
            )
        data = _UP_211[base](data, log, partial, context)
    return Converted(getattr(v230, kind).model_validate(data), log.losses)


def from_canonical(obj: BaseModel, version: str, context: ConversionContext | None = None) -> Converted[BaseModel]:
    """A canonical (2.3.0) Locations object as the given version's equivalent, with what it cost."""
    kind = _kind(obj, "2.3.0")
    target = _schemas(version)
    if str(version) == "2.3.0":
        return Converted(obj)
    base, partial = _base_kind(kind)
    data: Data | _Dropped = _dump(obj)
    log = LossLog()
    assert isinstance(data, dict)
    data = _DOWN_230[base](data, log, partial)
    if str(version) == "2.1.1" and isinstance(data, dict):
        data = _DOWN_221[base](data, log, partial)
    if not isinstance(data, dict):
        reasons = "; ".join(str(loss) for loss in log.losses)
        raise ValueError(f"this {kind} cannot be expressed in {version}: {reasons}")
    # Every entry a conversion drops is a loss it logs: without losses there is nothing to prune (a walk that
    # copied the whole object was 40% of a rendering).
    return Converted(getattr(target, kind).model_validate(_prune(data) if log.losses else data), log.losses)
