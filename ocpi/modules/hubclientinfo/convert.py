"""Hub Client Info: each version <-> canonical (the 2.3.0 model).

The module exists only from 2.2.1 on (2.1.1: ValueError); ClientInfo is the same in 2.2.1 and 2.3.0 except
for its Role enum:

- 2.2.1 -> canonical: `role` HUB (no longer a 2.3.0 Role) becomes OTHER (changed, reported).
- canonical -> 2.2.1: `role` PTP (accepted in 2.3.0, not a 2.2.1 Role) becomes OTHER (changed, reported).
- 2.3.0 <-> canonical is the identity.
"""

from __future__ import annotations

from pydantic import BaseModel

from ocpi.core.convert import ConversionContext, Converted, LossLog
from ocpi.modules.hubclientinfo.v_2_2_1 import schemas as v221
from ocpi.modules.hubclientinfo.v_2_3_0 import schemas as v230

_SCHEMAS = {"2.2.1": v221, "2.3.0": v230}


def _version(version: str) -> str:
    version = str(version)
    if version not in _SCHEMAS:
        raise ValueError(f"hubclientinfo exists only in OCPI 2.2.1 and 2.3.0, not in {version!r}")
    return version


def _convert(obj: BaseModel, source: str, target: str) -> Converted[BaseModel]:
    if type(obj) is not _SCHEMAS[source].ClientInfo:
        raise TypeError(f"{type(obj).__qualname__} is not a {source} ClientInfo")
    if source == target:
        return Converted(obj)
    log = LossLog()
    data = obj.model_dump(mode="python", exclude_none=True, by_alias=True)
    known = {role.value for role in _SCHEMAS[target].Role}
    if str(data["role"]) not in known:
        log.add("role", f"changed: {data['role']} is not a {target} Role, sent as OTHER")
        data["role"] = "OTHER"
    return Converted(_SCHEMAS[target].ClientInfo.model_validate(data), log.losses)


def to_canonical(obj: BaseModel, version: str, context: ConversionContext | None = None) -> Converted[BaseModel]:
    return _convert(obj, _version(version), "2.3.0")


def from_canonical(obj: BaseModel, version: str, context: ConversionContext | None = None) -> Converted[BaseModel]:
    return _convert(obj, "2.3.0", _version(version))
