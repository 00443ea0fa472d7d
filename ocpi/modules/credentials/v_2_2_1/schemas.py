"""OCPI 2.2.1 Credentials objects, as the tables of `2.2.1/credentials.asciidoc` define them, and the Role
enum of `2.2.1/types.asciidoc`."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from ocpi.core.data_types import URL, CountryCode, PartyId, String
from ocpi.core.model import OcpiModel
from ocpi.modules.locations.v_2_2_1.schemas import BusinessDetails


class Role(StrEnum):
    CPO = "CPO"
    EMSP = "EMSP"
    HUB = "HUB"
    NAP = "NAP"
    NSP = "NSP"
    OTHER = "OTHER"
    SCSP = "SCSP"


class CredentialsRole(OcpiModel):
    role: Role
    business_details: BusinessDetails
    party_id: PartyId
    country_code: CountryCode


class Credentials(OcpiModel):
    # The spec says the token "should only contain" U+0021..U+007E: a recommendation, so not enforced here.
    token: String(64)
    url: URL
    roles: Annotated[list[CredentialsRole], Field(min_length=1)]
