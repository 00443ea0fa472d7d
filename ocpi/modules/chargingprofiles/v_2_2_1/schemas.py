"""OCPI 2.2.1 Charging Profiles objects, as the tables of `2.2.1/mod_charging_profiles.asciidoc` define them."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from ocpi.core.data_types import URL, DateTime, Int, Number
from ocpi.core.model import OcpiModel

# "Accepts at most one digit fraction (e.g. 8.1)" (`min_charging_rate`, `limit`).
OneDecimal = Annotated[Number, Field(decimal_places=1)]


class ChargingRateUnit(StrEnum):
    W = "W"
    A = "A"


class ChargingProfileResponseType(StrEnum):
    ACCEPTED = "ACCEPTED"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    TOO_OFTEN = "TOO_OFTEN"
    UNKNOWN_SESSION = "UNKNOWN_SESSION"


class ChargingProfileResultType(StrEnum):
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    UNKNOWN = "UNKNOWN"


class ChargingProfilePeriod(OcpiModel):
    start_period: Int
    limit: OneDecimal


class ChargingProfile(OcpiModel):
    start_date_time: DateTime | None = None
    duration: Int | None = None
    charging_rate_unit: ChargingRateUnit
    min_charging_rate: OneDecimal | None = None
    charging_profile_period: list[ChargingProfilePeriod] | None = None


class ActiveChargingProfile(OcpiModel):
    start_date_time: DateTime
    charging_profile: ChargingProfile


class ChargingProfileResponse(OcpiModel):
    result: ChargingProfileResponseType
    timeout: Int


class ActiveChargingProfileResult(OcpiModel):
    result: ChargingProfileResultType
    profile: ActiveChargingProfile | None = None


class ChargingProfileResult(OcpiModel):
    result: ChargingProfileResultType


class ClearProfileResult(OcpiModel):
    result: ChargingProfileResultType


class SetChargingProfile(OcpiModel):
    charging_profile: ChargingProfile
    response_url: URL
