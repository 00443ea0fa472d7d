"""OCPI 2.3.0 Tokens objects (`2.3.0/mod_tokens.asciidoc`): 2.2.1 plus TokenType `EMAID`, now an OpenEnum."""

from __future__ import annotations

from enum import StrEnum

from ocpi.core.data_types import (
    Boolean,
    CiString,
    CountryCode,
    DateTime,
    DisplayText,
    LanguageCode,
    OpenEnum,
    PartyId,
    String,
)
from ocpi.core.envelope import OcpiResponse
from ocpi.core.model import OcpiModel, partial_model
from ocpi.modules.tokens.v_2_1_1.schemas import WhitelistType  # same values in 2.3.0
from ocpi.modules.tokens.v_2_2_1.schemas import AllowedType, ProfileType  # same values in 2.3.0


class TokenType(StrEnum):
    AD_HOC_USER = "AD_HOC_USER"
    APP_USER = "APP_USER"
    EMAID = "EMAID"
    OTHER = "OTHER"
    RFID = "RFID"


class EnergyContract(OcpiModel):
    supplier_name: String(64)
    contract_id: String(64) | None = None


class LocationReferences(OcpiModel):
    location_id: CiString(36)
    evse_uids: list[CiString(36)] | None = None


class Token(OcpiModel):
    country_code: CountryCode
    party_id: PartyId
    uid: CiString(36)
    type: OpenEnum(TokenType)
    contract_id: CiString(36)
    visual_number: String(64) | None = None
    issuer: String(64)
    group_id: CiString(36) | None = None
    valid: Boolean
    whitelist: WhitelistType
    language: LanguageCode | None = None
    default_profile_type: ProfileType | None = None
    energy_contract: EnergyContract | None = None
    last_updated: DateTime


class AuthorizationInfo(OcpiModel):
    allowed: AllowedType
    token: Token
    location: LocationReferences | None = None
    authorization_reference: CiString(36) | None = None
    info: DisplayText | None = None


TokenPatch = partial_model(Token, ("last_updated",))
"""PATCH body of the Receiver Tokens endpoint ("Any request to the PATCH method SHALL contain the `last_updated`")."""

TokenResponse = OcpiResponse[Token]
TokenListResponse = OcpiResponse[list[Token]]
AuthorizationInfoResponse = OcpiResponse[AuthorizationInfo]
