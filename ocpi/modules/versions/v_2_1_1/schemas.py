"""OCPI 2.1.1 Versions objects, as the tables of `2.1.1/version_information_endpoint.md` define them."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, RootModel

from ocpi.core.data_types import URL, OpenEnum
from ocpi.core.envelope import OcpiResponse
from ocpi.core.model import OcpiModel


class VersionNumber(StrEnum):
    V_2_0 = "2.0"
    V_2_1 = "2.1"
    V_2_1_1 = "2.1.1"


class ModuleID(StrEnum):
    cdrs = "cdrs"
    commands = "commands"
    credentials = "credentials"
    locations = "locations"
    sessions = "sessions"
    tariffs = "tariffs"
    tokens = "tokens"


class Version(OcpiModel):
    version: VersionNumber
    url: URL


class Endpoint(OcpiModel):
    # The table types `identifier` as ModuleID, but "Custom Modules" (same file) lets parties extend the
    # ModuleID enum with custom ids such as `nltnm-tokens`: any other string is accepted and kept.
    identifier: OpenEnum(ModuleID)
    url: URL


class VersionDetails(OcpiModel):
    version: VersionNumber
    endpoints: Annotated[list[Endpoint], Field(min_length=1)]


class VersionList(RootModel[Annotated[list[Version], Field(min_length=1)]]):
    """The `data` of the versions endpoint: `Version +`."""


VersionsResponse = OcpiResponse[list[Version]]
VersionDetailsResponse = OcpiResponse[VersionDetails]
