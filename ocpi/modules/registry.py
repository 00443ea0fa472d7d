"""Every module's interfaces, by module id, imported on demand."""

from __future__ import annotations

import importlib

from pydantic import BaseModel

from ocpi.core.convert import ConversionContext
from ocpi.core.interfaces import Converter, ModuleInterfaces, ObjectType, SenderList

FUNCTIONAL_MODULES = (
    "locations",
    "sessions",
    "cdrs",
    "tariffs",
    "tokens",
    "commands",
    "chargingprofiles",
    "hubclientinfo",
    "payments",
    "bookings",
)


def module_interfaces(module: str) -> ModuleInterfaces:
    interfaces = importlib.import_module(f"ocpi.modules.{module}.interfaces").INTERFACES
    assert isinstance(interfaces, ModuleInterfaces)
    return interfaces


def object_type(module: str) -> ObjectType:
    """The objects a module's Sender lists (Location, Session, CDR, Tariff, Token, ...); LookupError for a module
    without such a list."""
    sender = module_interfaces(module).sender
    found = next((p.object_type for p in sender.patterns if isinstance(p, SenderList)), None) if sender else None
    if found is None:
        raise LookupError(f"{module} has no list of objects")
    return found


def delivered_modules() -> tuple[str, ...]:
    """The modules whose objects are pushed to partners and pulled from them (their `delivery`), in order."""
    return tuple(m for m in FUNCTIONAL_MODULES if module_interfaces(m).delivery is not None)


def converter(module: str) -> Converter:
    """The module's `convert` module: each version to and from the canonical (2.3.0) form."""
    converting: Converter = importlib.import_module(f"ocpi.modules.{module}.convert")
    return converting


def to_canonical(module: str, obj: BaseModel, version: str, context: ConversionContext | None = None) -> BaseModel:
    """`obj`, an object of `module` in `version`, as the canonical (2.3.0) model (what it loses is not reported:
    use the module's converter for that)."""
    return converter(module).to_canonical(obj, version, context).value


def from_canonical(module: str, obj: BaseModel, version: str, context: ConversionContext | None = None) -> BaseModel:
    """A canonical object of `module` as the model of `version`."""
    return converter(module).from_canonical(obj, version, context).value


def canonical_module(obj: BaseModel) -> str | None:
    """The module whose canonical (2.3.0) model `obj` is (`ocpi.modules.<module>.v_2_3_0`), None for any other."""
    parts = type(obj).__module__.split(".")
    if len(parts) > 3 and parts[:2] == ["ocpi", "modules"] and parts[3] == "v_2_3_0" and parts[2] in FUNCTIONAL_MODULES:
        return parts[2]
    return None
