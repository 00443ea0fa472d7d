"""OCPI 2.3.0 Credentials objects, as the tables of `2.3.0/credentials.asciidoc` define them, and the Role
enum of `2.3.0/types.asciidoc`."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from ocpi.core.data_types import URL, CiString, CountryCode, PartyId, String
from ocpi.core.model import OcpiModel
from ocpi.modules.locations.v_2_3_0.schemas import BusinessDetails


class Role(StrEnum):
    """2.3.0 removed HUB (a hub now sets `hub_party_id`). The Role table lacks PTP, but the Payments module
    (`2.3.0/mod_payments.asciidoc`, "Data owner: PTP") uses it, so it is accepted here (DIGEST G.18)."""

    CPO = "CPO"
    EMSP = "EMSP"
    NAP = "NAP"
    NSP = "NSP"
    OTHER = "OTHER"
    SCSP = "SCSP"
    PTP = "PTP"


class CredentialsRole(OcpiModel):
    role: Role
    business_details: BusinessDetails
    party_id: PartyId
    country_code: CountryCode


class Credentials(OcpiModel):
    # The spec says the token "should only contain" U+0021..U+007E: a recommendation, so not enforced here.
    token: String(64)
    url: URL
    hub_party_id: CiString(5) | None = None
    roles: Annotated[list[CredentialsRole], Field(min_length=1)]
