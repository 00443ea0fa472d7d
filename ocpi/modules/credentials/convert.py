"""Credentials: each version <-> canonical (the 2.3.0 model).

What each crossing costs (every item is reported as a `Loss`):

- 2.1.1 -> canonical: a 2.1.1 connection is one party with one role, but the object does not say which
  (the role follows from which side's endpoints were used). The role is taken from `RoleContext.role`
  (any context with a `role` attribute) and defaults to CPO: `/roles/0/role` is invented. The top-level
  `business_details`, `party_id`, `country_code` become that single CredentialsRole.
- canonical -> 2.1.1: one role is kept: the first whose `role` equals the context role, else the first one.
  Every other role is dropped (`/roles/<i>`), the kept role's `role` field is dropped, `hub_party_id` is
  dropped.
- 2.2.1 -> canonical: 2.3.0 has no HUB role; a 2.2.1 Hub reports itself as role HUB. Each HUB role becomes
  OTHER (keeping its business details) and the first one's `country_code + party_id` becomes
  `hub_party_id` (2.3.0: "A Platform that supports Hub functionality ... SHALL give the country code and
  party ID of the Hub in the hub_party_id field").
- canonical -> 2.2.1: the OTHER role whose `country_code + party_id` equals `hub_party_id` becomes HUB again
  (so a 2.2.1 hub round-trips); otherwise `hub_party_id` is dropped. PTP (accepted in 2.3.0, absent from the
  2.2.1 Role enum) becomes OTHER.
- Any version: a logo whose 2.3.0 OpenEnum `category` the target version does not know is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from ocpi.core.convert import ConversionContext, Converted, LossLog
from ocpi.modules.credentials.v_2_1_1 import schemas as v211
from ocpi.modules.credentials.v_2_2_1 import schemas as v221
from ocpi.modules.credentials.v_2_3_0 import schemas as v230

_SCHEMAS = {"2.1.1": v211, "2.2.1": v221, "2.3.0": v230}
DEFAULT_ROLE = "CPO"


@dataclass(frozen=True, slots=True)
class RoleContext(ConversionContext):
    """A ConversionContext that also names the party role of a 2.1.1 connection (CPO, EMSP...), which 2.1.1
    objects do not carry. Used by the credentials and versions converters."""

    role: str | None = None


def party_role(context: ConversionContext | None) -> tuple[str, str]:
    """The role of a 2.1.1 connection and why: from the context when it has one, else CPO."""
    role = getattr(context, "role", None)
    if role:
        return str(role).upper(), "taken from the conversion context"
    return DEFAULT_ROLE, f"not given by the conversion context, defaulted to {DEFAULT_ROLE}"


def _version(version: str) -> str:
    version = str(version)
    if version not in _SCHEMAS:
        raise ValueError(f"unsupported OCPI version {version!r}")
    return version


def _name(obj: BaseModel, version: str) -> str:
    name = type(obj).__name__
    if getattr(_SCHEMAS[version], name, None) is not type(obj):
        raise TypeError(f"{type(obj).__qualname__} is not a {version} credentials object")
    return name


def _dump(obj: BaseModel) -> dict[str, Any]:
    return obj.model_dump(mode="python", exclude_none=True, by_alias=True)


def business_details(data: dict[str, Any], target: type[BaseModel], log: LossLog) -> BaseModel:
    """Validate BusinessDetails `data` as `target`; a logo the target cannot hold (e.g. an ImageCategory
    unknown to that version) is dropped and reported."""
    try:
        return target.model_validate(data)
    except ValidationError as error:
        if "logo" not in data or any(e["loc"][:1] != ("logo",) for e in error.errors()):
            raise
        log.add("logo", f"dropped: not valid in the target version ({error.errors()[0]['msg']})")
        return target.model_validate({k: v for k, v in data.items() if k != "logo"})


def _role_for(role: dict[str, Any], details: type[BaseModel], log: LossLog, cls: type[BaseModel]) -> BaseModel:
    role = dict(role)
    role["business_details"] = business_details(role["business_details"], details, log.at("business_details"))
    return cls.model_validate(role)


def to_canonical(obj: BaseModel, version: str, context: ConversionContext | None = None) -> Converted[BaseModel]:
    version = _version(version)
    _name(obj, version)
    if version == "2.3.0":
        return Converted(obj)
    log = LossLog()
    details_cls = v230.BusinessDetails
    data = _dump(obj)
    if version == "2.1.1":
        role, why = party_role(context)
        log.at("roles", 0).add("role", f"invented: 2.1.1 Credentials have no role; {role} {why}")
        entry = {
            "role": role,
            "business_details": data.pop("business_details"),
            "party_id": data.pop("party_id"),
            "country_code": data.pop("country_code"),
        }
        data["roles"] = [_role_for(entry, details_cls, log.at("roles", 0), v230.CredentialsRole)]
        return Converted(v230.Credentials.model_validate(data), log.losses)
    roles = []
    for i, entry in enumerate(data["roles"]):
        if entry["role"] == v221.Role.HUB:
            entry = {**entry, "role": v230.Role.OTHER}
            hub_id = f"{entry['country_code']}{entry['party_id']}"
            if "hub_party_id" not in data:
                data["hub_party_id"] = hub_id
                reason = f"changed: 2.3.0 has no HUB role; HUB became OTHER and hub_party_id is {hub_id}"
            else:
                reason = "changed: 2.3.0 has no HUB role and only one hub_party_id; this second HUB became OTHER"
            log.at("roles", i).add("role", reason)
        roles.append(_role_for(entry, details_cls, log.at("roles", i), v230.CredentialsRole))
    data["roles"] = roles
    return Converted(v230.Credentials.model_validate(data), log.losses)


def from_canonical(obj: BaseModel, version: str, context: ConversionContext | None = None) -> Converted[BaseModel]:
    version = _version(version)
    _name(obj, "2.3.0")
    if version == "2.3.0":
        return Converted(obj)
    schemas = _SCHEMAS[version]
    details_cls = schemas.BusinessDetails
    log = LossLog()
    data = _dump(obj)
    hub_party_id = data.pop("hub_party_id", None)
    roles: list[dict[str, Any]] = data.pop("roles")
    if version == "2.1.1":
        wanted = getattr(context, "role", None)
        keep = next((i for i, r in enumerate(roles) if wanted and r["role"] == str(wanted).upper()), 0)
        for i in range(len(roles)):
            if i != keep:
                log.at("roles").add(i, "dropped: a 2.1.1 connection carries a single party and role")
        log.at("roles", keep).add("role", "dropped: 2.1.1 Credentials have no role")
        if hub_party_id is not None:
            log.add("hub_party_id", "dropped: not in 2.1.1")
        entry = roles[keep]
        data["business_details"] = business_details(
            entry["business_details"], details_cls, log.at("roles", keep, "business_details")
        )
        data["party_id"] = entry["party_id"]
        data["country_code"] = entry["country_code"]
        return Converted(v211.Credentials.model_validate(data), log.losses)
    hub_restored = False
    out = []
    for i, entry in enumerate(roles):
        entry = dict(entry)
        own_id = f"{entry['country_code']}{entry['party_id']}"
        if (
            not hub_restored
            and hub_party_id is not None
            and entry["role"] == v230.Role.OTHER
            and own_id.casefold() == str(hub_party_id).casefold()
        ):
            entry["role"] = v221.Role.HUB
            hub_restored = True
            log.at("roles", i).add("role", "changed: the OTHER role of the hub_party_id party is 2.2.1's HUB")
        elif entry["role"] == v230.Role.PTP:
            entry["role"] = v221.Role.OTHER
            log.at("roles", i).add("role", "changed: PTP is not a 2.2.1 Role, sent as OTHER")
        out.append(_role_for(entry, details_cls, log.at("roles", i), v221.CredentialsRole))
    if hub_party_id is not None and not hub_restored:
        log.add("hub_party_id", "dropped: not in 2.2.1 (and no OTHER role of that party to report as HUB)")
    data["roles"] = out
    return Converted(v221.Credentials.model_validate(data), log.losses)
