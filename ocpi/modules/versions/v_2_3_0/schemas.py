"""OCPI 2.3.0 Versions objects, as the tables of `2.3.0/version_information_endpoint.asciidoc` define them.

ModuleID and VersionNumber are OpenEnums in 2.3.0: unknown values (e.g. a custom module id, or the bookings
extension's) are accepted and kept as strings.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, RootModel

from ocpi.core.data_types import URL, OpenEnum
from ocpi.core.enums import InterfaceRole
from ocpi.core.envelope import OcpiResponse
from ocpi.core.model import OcpiModel

__all__ = [
    "Endpoint",
    "InterfaceRole",
    "ModuleID",
    "Version",
    "VersionDetails",
    "VersionDetailsResponse",
    "VersionList",
    "VersionNumber",
    "VersionsResponse",
]


class VersionNumber(StrEnum):
    V_2_0 = "2.0"
    V_2_1 = "2.1"
    V_2_1_1 = "2.1.1"
    V_2_2 = "2.2"
    V_2_2_1 = "2.2.1"
    V_2_3_0 = "2.3.0"


class ModuleID(StrEnum):
    cdrs = "cdrs"
    chargingprofiles = "chargingprofiles"
    commands = "commands"
    credentials = "credentials"
    hubclientinfo = "hubclientinfo"
    locations = "locations"
    sessions = "sessions"
    tariffs = "tariffs"
    tokens = "tokens"
    # Not in the ModuleID table, but `2.3.0/mod_payments.asciidoc` declares "Module Identifier: `payments`".
    payments = "payments"


class Version(OcpiModel):
    version: OpenEnum(VersionNumber)
    url: URL


class Endpoint(OcpiModel):
    identifier: OpenEnum(ModuleID)
    role: InterfaceRole
    url: URL


class VersionDetails(OcpiModel):
    version: OpenEnum(VersionNumber)
    endpoints: Annotated[list[Endpoint], Field(min_length=1)]


class VersionList(RootModel[Annotated[list[Version], Field(min_length=1)]]):
    """The `data` of the versions endpoint: `Version +`."""


VersionsResponse = OcpiResponse[list[Version]]
VersionDetailsResponse = OcpiResponse[VersionDetails]
