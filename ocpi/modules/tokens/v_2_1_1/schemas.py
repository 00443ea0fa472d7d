"""OCPI 2.1.1 Tokens objects (`2.1.1/mod_tokens.md`)."""

from __future__ import annotations

from enum import StrEnum

from ocpi.core.data_types import Boolean, DateTime, DisplayText, LanguageCode, String
from ocpi.core.envelope import OcpiResponse
from ocpi.core.model import OcpiModel, partial_model


class Allowed(StrEnum):
    ALLOWED = "ALLOWED"
    BLOCKED = "BLOCKED"
    EXPIRED = "EXPIRED"
    NO_CREDIT = "NO_CREDIT"
    NOT_ALLOWED = "NOT_ALLOWED"


class TokenType(StrEnum):
    OTHER = "OTHER"
    RFID = "RFID"


class WhitelistType(StrEnum):
    ALWAYS = "ALWAYS"
    ALLOWED = "ALLOWED"
    ALLOWED_OFFLINE = "ALLOWED_OFFLINE"
    NEVER = "NEVER"


class LocationReferences(OcpiModel):
    location_id: String(39)
    evse_uids: list[String(39)] | None = None
    connector_ids: list[String(36)] | None = None


class AuthorizationInfo(OcpiModel):
    allowed: Allowed
    location: LocationReferences | None = None
    info: DisplayText | None = None


class Token(OcpiModel):
    uid: String(36)
    type: TokenType
    auth_id: String(36)
    visual_number: String(64) | None = None
    issuer: String(64)
    valid: Boolean
    whitelist: WhitelistType
    language: LanguageCode | None = None
    last_updated: DateTime


TokenPatch = partial_model(Token)
"""PATCH body of the CPO Tokens endpoint; 2.1.1 does not require `last_updated` in it."""

TokenResponse = OcpiResponse[Token]
TokenListResponse = OcpiResponse[list[Token]]
AuthorizationInfoResponse = OcpiResponse[AuthorizationInfo]
