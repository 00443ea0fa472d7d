"""Versions: each version <-> canonical (the 2.3.0 model). Objects: Version, VersionList, Endpoint,
VersionDetails.

What each crossing costs (every item is reported as a `Loss`):

- 2.1.1 -> canonical: a 2.1.1 Endpoint has no `role`. A 2.1.1 connection serves one party role (CPO or
  eMSP, from `RoleContext.role`, default CPO, see `credentials.convert.party_role`), and that role fixes each
  module's interface role: CPO side = locations, sessions, cdrs, tariffs SENDER; tokens, commands RECEIVER;
  eMSP side (any role other than CPO) the opposite; credentials SENDER as the 2.2.1 note advises; custom
  modules SENDER. Every `/endpoints/<i>/role` is invented.
- canonical -> 2.1.1: every `role` is dropped; endpoints of OCPI modules that do not exist in 2.1.1
  (chargingprofiles, hubclientinfo, payments...) are dropped; where a module is listed twice (one per
  interface role) only the one matching the party's side is kept (else the first). A version number 2.1.1
  cannot express: a Version is refused (ValueError); VersionList entries are dropped; VersionDetails.version
  is replaced by 2.1.1, the version these details are then served as.
- canonical -> 2.2.1: the same for version numbers (2.3.0 and unknown OpenEnum values) and for modules that
  do not exist in 2.2.1 (payments, bookings); custom module ids are kept.
- 2.2.1 -> canonical: nothing is lost.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ocpi.core.convert import ConversionContext, Converted, LossLog
from ocpi.core.enums import MODULES_BY_VERSION, InterfaceRole, ModuleID, VersionNumber
from ocpi.modules.credentials.convert import party_role
from ocpi.modules.versions.v_2_1_1 import schemas as v211
from ocpi.modules.versions.v_2_2_1 import schemas as v221
from ocpi.modules.versions.v_2_3_0 import schemas as v230

_SCHEMAS = {"2.1.1": v211, "2.2.1": v221, "2.3.0": v230}
_OBJECTS = ("Version", "VersionList", "Endpoint", "VersionDetails")

# The interface role a CPO implements per 2.1.1 module; the eMSP side is the opposite, except credentials.
_CPO_SIDE = {
    "cdrs": InterfaceRole.SENDER,
    "commands": InterfaceRole.RECEIVER,
    "credentials": InterfaceRole.SENDER,
    "locations": InterfaceRole.SENDER,
    "sessions": InterfaceRole.SENDER,
    "tariffs": InterfaceRole.SENDER,
    "tokens": InterfaceRole.RECEIVER,
}
_OPPOSITE = {InterfaceRole.SENDER: InterfaceRole.RECEIVER, InterfaceRole.RECEIVER: InterfaceRole.SENDER}


def _interface_role(identifier: str, party: str) -> InterfaceRole:
    role = _CPO_SIDE.get(str(identifier), InterfaceRole.SENDER)
    if party == "CPO" or str(identifier) not in _CPO_SIDE or str(identifier) == "credentials":
        return role
    return _OPPOSITE[role]


def _version(version: str) -> str:
    version = str(version)
    if version not in _SCHEMAS:
        raise ValueError(f"unsupported OCPI version {version!r}")
    return version


def _name(obj: BaseModel, version: str) -> str:
    name = type(obj).__name__
    if name not in _OBJECTS or getattr(_SCHEMAS[version], name) is not type(obj):
        raise TypeError(f"{type(obj).__qualname__} is not a {version} versions object")
    return name


def _dump(obj: BaseModel) -> Any:
    return obj.model_dump(mode="python", exclude_none=True, by_alias=True)


def _known_in(version: str, number: Any) -> bool:
    return str(number) in {v.value for v in _SCHEMAS[version].VersionNumber}


def _module_missing_in(version: str, identifier: Any) -> bool:
    """An OCPI module of another version that `version` does not have (custom ids are not)."""
    known = {m.value for m in ModuleID}
    return str(identifier) in known and ModuleID(str(identifier)) not in MODULES_BY_VERSION[VersionNumber(version)]


def _endpoint_up(data: dict[str, Any], party: str, why: str, log: LossLog) -> dict[str, Any]:
    role = _interface_role(data["identifier"], party)
    log.add("role", f"invented: 2.1.1 Endpoint has no role; {role} for a {party} party ({why})")
    return {**data, "role": role}


def to_canonical(obj: BaseModel, version: str, context: ConversionContext | None = None) -> Converted[BaseModel]:
    version = _version(version)
    name = _name(obj, version)
    if version == "2.3.0":
        return Converted(obj)
    log = LossLog()
    data = _dump(obj)
    if version == "2.1.1" and name == "Endpoint":
        party, why = party_role(context)
        data = _endpoint_up(data, party, why, log)
    elif version == "2.1.1" and name == "VersionDetails":
        party, why = party_role(context)
        data["endpoints"] = [
            _endpoint_up(e, party, why, log.at("endpoints", i)) for i, e in enumerate(data["endpoints"])
        ]
    return Converted(getattr(v230, name).model_validate(data), log.losses)


def _version_down(data: dict[str, Any], version: str, log: LossLog) -> dict[str, Any]:
    if not _known_in(version, data["version"]):
        log.add("version", f"changed: {data['version']} is not a {version} VersionNumber, replaced by {version}")
        data = {**data, "version": version}
    return data


def _endpoints_down(endpoints: list[dict[str, Any]], version: str, party: str, log: LossLog) -> list[Any]:
    groups: dict[str, list[int]] = {}
    for i, endpoint in enumerate(endpoints):
        identifier = str(endpoint["identifier"])
        if _module_missing_in(version, identifier):
            log.add(i, f"dropped: module {identifier} does not exist in {version}")
        elif version == "2.1.1":
            groups.setdefault(identifier, []).append(i)
        else:
            groups[f"{identifier}#{i}"] = [i]
    kept = []
    for identifier, indexes in groups.items():
        own_side = [i for i in indexes if endpoints[i]["role"] == _interface_role(identifier, party)]
        keep = (own_side or indexes)[0]
        for i in indexes:
            if i != keep:
                log.add(i, f"dropped: 2.1.1 lists {identifier} once; the endpoint of the {party} side is kept")
        kept.append(keep)
    out = []
    for i in sorted(kept):
        endpoint = dict(endpoints[i])
        if version == "2.1.1":
            del endpoint["role"]
            log.at(i).add("role", "dropped: 2.1.1 Endpoint has no role")
        out.append(endpoint)
    return out


def from_canonical(obj: BaseModel, version: str, context: ConversionContext | None = None) -> Converted[BaseModel]:
    version = _version(version)
    name = _name(obj, "2.3.0")
    if version == "2.3.0":
        return Converted(obj)
    log = LossLog()
    data = _dump(obj)
    party, _ = party_role(context)
    if name == "Version":
        if not _known_in(version, data["version"]):
            raise ValueError(f"version {data['version']} cannot be expressed in OCPI {version}")
    elif name == "VersionList":
        kept = []
        for i, entry in enumerate(data):
            if _known_in(version, entry["version"]):
                kept.append(entry)
            else:
                log.add(i, f"dropped: {entry['version']} is not a {version} VersionNumber")
        data = kept
    elif name == "Endpoint":
        if _module_missing_in(version, data["identifier"]):
            raise ValueError(f"module {data['identifier']} does not exist in OCPI {version}")
        if version == "2.1.1":
            del data["role"]
            log.add("role", "dropped: 2.1.1 Endpoint has no role")
    else:
        data = _version_down(data, version, log)
        data["endpoints"] = _endpoints_down(data["endpoints"], version, party, log.at("endpoints"))
    return Converted(getattr(_SCHEMAS[version], name).model_validate(data), log.losses)
