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
