"""Charging Profiles: each version <-> canonical (the 2.3.0 model).

The module exists only from 2.2.1 on, and its 2.2.1 and 2.3.0 objects are the same: 2.2.1 <-> canonical
loses nothing, 2.3.0 <-> canonical is the identity. OCPI 2.1.1 has no Charging Profiles (ValueError).
"""

from __future__ import annotations

from pydantic import BaseModel

from ocpi.core.convert import ConversionContext, Converted
from ocpi.modules.chargingprofiles.v_2_2_1 import schemas as v221
from ocpi.modules.chargingprofiles.v_2_3_0 import schemas as v230

_SCHEMAS = {"2.2.1": v221, "2.3.0": v230}
_OBJECTS = (
    "ActiveChargingProfile",
    "ActiveChargingProfileResult",
    "ChargingProfile",
    "ChargingProfilePeriod",
    "ChargingProfileResponse",
    "ChargingProfileResult",
    "ClearProfileResult",
    "SetChargingProfile",
)


def _version(version: str) -> str:
    version = str(version)
    if version not in _SCHEMAS:
        raise ValueError(f"chargingprofiles exists only in OCPI 2.2.1 and 2.3.0, not in {version!r}")
    return version


def _name(obj: BaseModel, version: str) -> str:
    name = type(obj).__name__
    if name not in _OBJECTS or getattr(_SCHEMAS[version], name) is not type(obj):
        raise TypeError(f"{type(obj).__qualname__} is not a {version} chargingprofiles object")
    return name


def _convert(obj: BaseModel, source: str, target: str) -> Converted[BaseModel]:
    name = _name(obj, source)
    if source == target:
        return Converted(obj)
    data = obj.model_dump(mode="python", exclude_none=True, by_alias=True)
    return Converted(getattr(_SCHEMAS[target], name).model_validate(data))


def to_canonical(obj: BaseModel, version: str, context: ConversionContext | None = None) -> Converted[BaseModel]:
    return _convert(obj, _version(version), "2.3.0")


def from_canonical(obj: BaseModel, version: str, context: ConversionContext | None = None) -> Converted[BaseModel]:
    return _convert(obj, "2.3.0", _version(version))
