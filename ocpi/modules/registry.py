"""Every module's interfaces, by module id, imported on demand."""

from __future__ import annotations

import importlib

from pydantic import BaseModel

from ocpi.core.convert import ConversionContext
from ocpi.core.interfaces import Converter, ModuleInterfaces

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
