"""OCPI 2.2.1 Tokens objects (`2.2.1/mod_tokens.asciidoc`)."""

from __future__ import annotations

from enum import StrEnum

from ocpi.core.data_types import Boolean, CiString, CountryCode, DateTime, DisplayText, LanguageCode, PartyId, String
from ocpi.core.envelope import OcpiResponse
from ocpi.core.model import OcpiModel, partial_model
from ocpi.modules.tokens.v_2_1_1.schemas import WhitelistType  # same values in 2.2.1


class AllowedType(StrEnum):
    ALLOWED = "ALLOWED"
    BLOCKED = "BLOCKED"
    EXPIRED = "EXPIRED"
    NO_CREDIT = "NO_CREDIT"
    NOT_ALLOWED = "NOT_ALLOWED"


class TokenType(StrEnum):
    AD_HOC_USER = "AD_HOC_USER"
    APP_USER = "APP_USER"
    OTHER = "OTHER"
    RFID = "RFID"


class ProfileType(StrEnum):
    """The Sessions module's ProfileType (`mod_sessions.asciidoc`), used by `Token.default_profile_type`.

    Defined here, not imported from sessions, because sessions imports cdrs and cdrs imports tokens: importing
    sessions from tokens would be a circular import. Sessions may import it from here.
    """

    CHEAP = "CHEAP"
    FAST = "FAST"
    GREEN = "GREEN"
    REGULAR = "REGULAR"


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
    type: TokenType
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
