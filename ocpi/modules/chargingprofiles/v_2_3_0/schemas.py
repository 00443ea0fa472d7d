"""OCPI 2.3.0 Charging Profiles objects. The tables of `2.3.0/mod_charging_profiles.asciidoc` are those of
2.2.1 field for field, so 2.3.0 uses the same classes."""

from ocpi.modules.chargingprofiles.v_2_2_1.schemas import (
    ActiveChargingProfile,
    ActiveChargingProfileResult,
    ChargingProfile,
    ChargingProfilePeriod,
    ChargingProfileResponse,
    ChargingProfileResponseType,
    ChargingProfileResult,
    ChargingProfileResultType,
    ChargingRateUnit,
    ClearProfileResult,
    OneDecimal,
    SetChargingProfile,
)

__all__ = [
    "ActiveChargingProfile",
    "ActiveChargingProfileResult",
    "ChargingProfile",
    "ChargingProfilePeriod",
    "ChargingProfileResponse",
    "ChargingProfileResponseType",
    "ChargingProfileResult",
    "ChargingProfileResultType",
    "ChargingRateUnit",
    "ClearProfileResult",
    "OneDecimal",
    "SetChargingProfile",
]
