"""OCPI 2.2.1 Sessions module objects (2.2.1/mod_sessions.asciidoc).

CdrToken, AuthMethod and ChargingPeriod are defined by the CDRs module of the same version.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from ocpi.core.data_types import (
    CHARGING_PERIODS_IN_ORDER,
    Boolean,
    CiString,
    CountryCode,
    CurrencyCode,
    DateTime,
    Number,
    PartyId,
    PriceV221,
    String,
)
from ocpi.core.model import OcpiModel, partial_model
from ocpi.modules.cdrs.v_2_2_1.schemas import AuthMethod, CdrToken, ChargingPeriod

__all__ = [
    "AuthMethod",
    "CdrToken",
    "ChargingPeriod",
    "ChargingPreferences",
    "ChargingPreferencesResponse",
    "ProfileType",
    "Session",
    "SessionPatch",
    "SessionStatus",
]


class ChargingPreferencesResponse(StrEnum):
    ACCEPTED = "ACCEPTED"
    DEPARTURE_REQUIRED = "DEPARTURE_REQUIRED"
    ENERGY_NEED_REQUIRED = "ENERGY_NEED_REQUIRED"
    NOT_POSSIBLE = "NOT_POSSIBLE"
    PROFILE_TYPE_NOT_SUPPORTED = "PROFILE_TYPE_NOT_SUPPORTED"


class ProfileType(StrEnum):
    CHEAP = "CHEAP"
    FAST = "FAST"
    GREEN = "GREEN"
    REGULAR = "REGULAR"


class SessionStatus(StrEnum):
    """The spec's text calls the reservation state `RESERVED`; the enum table says `RESERVATION`."""

    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    INVALID = "INVALID"
    PENDING = "PENDING"
    RESERVATION = "RESERVATION"


class ChargingPreferences(OcpiModel):
    profile_type: ProfileType
    departure_time: DateTime | None = None
    energy_need: Number | None = None
    discharge_allowed: Boolean | None = None


class Session(OcpiModel):
    country_code: CountryCode
    party_id: PartyId
    id: CiString(36)
    start_date_time: DateTime
    end_date_time: DateTime | None = None
    kwh: Number
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: CiString(36) | None = None
    location_id: CiString(36)
    # `#NA` while a reservation has no EVSE/connector assigned yet.
    evse_uid: CiString(36)
    connector_id: CiString(36)
    meter_id: String(255) | None = None
    currency: CurrencyCode
    charging_periods: Annotated[list[ChargingPeriod], CHARGING_PERIODS_IN_ORDER] | None = None
    total_cost: PriceV221 | None = None
    status: SessionStatus
    last_updated: DateTime


# "Any request to the PATCH method SHALL contain the `last_updated` field." (mod_sessions.asciidoc, PATCH Method)
SessionPatch = partial_model(Session, ("last_updated",))
