"""Every module's interfaces, by module id, imported on demand."""

from __future__ import annotations

import importlib

from ocpi.core.interfaces import ModuleInterfaces

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
