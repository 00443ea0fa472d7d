"""Tokens: each version to and from the canonical form (the 2.3.0 objects).

Handles Token, TokenPatch, AuthorizationInfo, LocationReferences and EnergyContract. Losses are JSON pointers
into the object that was given.

2.2.1 -> canonical: nothing changes (2.3.0 only adds the TokenType EMAID and makes TokenType open).

2.1.1 -> canonical
- `auth_id` -> `contract_id` (2.1.1 string(36), canonical CiString(36)).
- Token: `country_code`/`party_id` come from the ConversionContext (2.1.1 Tokens carry no owner; it is in
  the URL): ValueError without them.
- TokenPatch: a 2.1.1 PATCH need not carry `last_updated` but a canonical one must: the receiver sets it (the
  time of receipt) on the 2.1.1 body first, otherwise ValueError.
- LocationReferences: `connector_ids` are dropped (2.2 dropped them); ids are checked against CiString(36)
  (2.1.1 allows 39 characters).
- AuthorizationInfo: `Allowed` -> `AllowedType` (same values). 2.2+ requires the `token` the authorization is
  for, which 2.1.1 does not carry: give it (a canonical Token) as `TokenConversionContext.token`, otherwise
  ValueError.

canonical -> 2.2.1
- TokenType values 2.2.1 lacks (EMAID, or any other OpenEnum value) become OTHER.

canonical -> 2.1.1
- Dropped: `country_code`, `party_id` (they travel in the URL), `group_id`, `default_profile_type`,
  `energy_contract`; AuthorizationInfo `token` and `authorization_reference`.
- `contract_id` -> `auth_id`; TokenType APP_USER, AD_HOC_USER, EMAID and unknown values become OTHER.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import ModuleType
from typing import Any

from pydantic import BaseModel

from ocpi.core.convert import ConversionContext, Converted, LossLog
from ocpi.core.model import PatchModel
from ocpi.modules.tokens.v_2_1_1 import schemas as v211
from ocpi.modules.tokens.v_2_2_1 import schemas as v221
from ocpi.modules.tokens.v_2_3_0 import schemas as v230

Data = dict[str, Any]

_SCHEMAS: dict[str, ModuleType] = {"2.1.1": v211, "2.2.1": v221, "2.3.0": v230}
_KINDS = ("Token", "TokenPatch", "AuthorizationInfo", "LocationReferences", "EnergyContract")


@dataclass(frozen=True, slots=True)
class TokenConversionContext(ConversionContext):
    """ConversionContext plus the canonical Token a 2.1.1 AuthorizationInfo is about (2.2+ embeds it)."""

    token: Any = None


def _schemas(version: str) -> ModuleType:
    try:
        return _SCHEMAS[str(version)]
    except KeyError:
        raise ValueError(f"unsupported OCPI version {version!r}") from None


def _kind(obj: BaseModel, version: str) -> str:
    module = _schemas(version)
    for name in _KINDS:
        if type(obj) is getattr(module, name, None):
            return name
    raise TypeError(f"{type(obj).__module__}.{type(obj).__name__} is not a {version} Tokens object")


def _dump(obj: BaseModel) -> Data:
    if isinstance(obj, PatchModel):
        return obj.model_dump(mode="python", by_alias=True, exclude_unset=True)
    return obj.model_dump(mode="python", by_alias=True, exclude_none=True)


def _rename(data: Data, old: str, new: str) -> None:
    if old in data:
        data[new] = data.pop(old)


def _drop(data: Data, key: str, log: LossLog, reason: str) -> None:
    if data.pop(key, None) is not None:
        log.add(key, reason)


def _token_type(data: Data, log: LossLog, allowed: type[StrEnum], version: str) -> None:
    value = data.get("type")
    if value is not None and str(value) not in {member.value for member in allowed}:
        data["type"] = "OTHER"
        log.add("type", f"changed: {value} is not a {version} TokenType, sent as OTHER")


# --- up: 2.1.1 -> canonical (2.2.1 objects need no change) ---------------------------------------


def _owner(data: Data, context: ConversionContext | None, log: LossLog) -> None:
    for key in ("country_code", "party_id"):
        value = getattr(context, key, None) if context is not None else None
        if value is None:
            raise ValueError(
                f"a 2.1.1 Token has no {key}: give the owner (country_code and party_id, from the URL or the "
                "partner's credentials) in the ConversionContext"
            )
        data[key] = value
        log.add(key, "taken from the conversion context (2.1.1 Tokens carry no owner)")


def _location_references_up(data: Data, log: LossLog) -> None:
    _drop(data, "connector_ids", log, "dropped: not in 2.2+ (LocationReferences name EVSEs only)")


def _up_211(kind: str, data: Data, log: LossLog, context: ConversionContext | None) -> None:
    if kind == "Token":
        _owner(data, context, log)
    if kind in ("Token", "TokenPatch"):
        _rename(data, "auth_id", "contract_id")
    if kind == "TokenPatch" and data.get("last_updated") is None:
        raise ValueError(
            "a 2.1.1 TokenPatch without last_updated cannot become a canonical PATCH: set last_updated (the time "
            "of receipt) on it first"
        )
    if kind == "LocationReferences":
        _location_references_up(data, log)
    if kind == "AuthorizationInfo":
        if "location" in data:
            _location_references_up(data["location"], log.at("location"))
        token = getattr(context, "token", None)
        if not isinstance(token, v230.Token):
            raise ValueError(
                "a 2.1.1 AuthorizationInfo does not carry the Token, which 2.2+ requires: give the canonical "
                "Token in TokenConversionContext(token=...)"
            )
        data["token"] = token
        log.add("token", "taken from the conversion context (not in 2.1.1)")


# --- down: canonical -> 2.2.1 -> 2.1.1 -----------------------------------------------------------


def _token_down_221(data: Data, log: LossLog) -> None:
    _token_type(data, log, v221.TokenType, "2.2.1")


def _token_down_211(data: Data, log: LossLog) -> None:
    for key in ("country_code", "party_id"):
        _drop(data, key, log, "dropped: 2.1.1 Tokens carry no owner (it travels in the URL)")
    for key in ("group_id", "default_profile_type", "energy_contract"):
        _drop(data, key, log, "dropped: not in 2.1.1")
    _rename(data, "contract_id", "auth_id")
    _token_type(data, log, v211.TokenType, "2.1.1")


def _down(kind: str, data: Data, log: LossLog, version: str) -> None:
    if kind in ("Token", "TokenPatch"):
        _token_down_221(data, log)
        if version == "2.1.1":
            _token_down_211(data, log)
    elif kind == "AuthorizationInfo":
        if version == "2.2.1":
            _token_down_221(data["token"], log.at("token"))
        else:
            del data["token"]
            log.add("token", "dropped: not in 2.1.1")
            _drop(data, "authorization_reference", log, "dropped: not in 2.1.1")
    elif kind == "EnergyContract" and version == "2.1.1":
        raise ValueError("EnergyContract cannot be expressed in 2.1.1 (no such class)")


# --- entry points --------------------------------------------------------------------------------


def to_canonical(obj: BaseModel, version: str, context: ConversionContext | None = None) -> Converted[BaseModel]:
    """A 2.1.1, 2.2.1 or 2.3.0 Tokens object as its canonical (2.3.0) equivalent, with what it cost."""
    kind = _kind(obj, version)
    if str(version) == "2.3.0":
        return Converted(obj)
    data = _dump(obj)
    log = LossLog()
    if str(version) == "2.1.1":
        _up_211(kind, data, log, context)
    return Converted(getattr(v230, kind).model_validate(data), log.losses)


def from_canonical(obj: BaseModel, version: str, context: ConversionContext | None = None) -> Converted[BaseModel]:
    """A canonical (2.3.0) Tokens object as the given version's equivalent, with what it cost."""
    kind = _kind(obj, "2.3.0")
    target = _schemas(version)
    if str(version) == "2.3.0":
        return Converted(obj)
    data = _dump(obj)
    log = LossLog()
    _down(kind, data, log, str(version))
    return Converted(getattr(target, kind).model_validate(data), log.losses)
