"""OCPI 2.3.0 Locations module objects, as the tables of `2.3.0/mod_locations.asciidoc` define them.

This is also the canonical form every version converts to (see `ocpi.modules.locations.convert`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from ocpi.core import rules
from ocpi.core.data_types import (
    PUBLISH_ALLOWED_TO,
    UNIQUE_CONNECTOR_IDS,
    UNIQUE_EVSE_UIDS,
    UNIQUE_PARKING_IDS,
    URL,
    Boolean,
    CaseInsensitiveStr,
    CiString,
    Coordinate,
    CountryAlpha3,
    CountryCode,
    DateTime,
    DisplayText,
    EvseId,
    HoursMinutes,
    Int,
    Number,
    OpenEnum,
    PartyId,
    Percentage,
    PeriodEnd,
    String,
)
from ocpi.core.model import OcpiModel, partial_model
from ocpi.modules.locations.v_2_1_1.schemas import (
    ConnectorFormat,
    EnergySourceCategory,
    EnvironmentalImpactCategory,
    ImageCategory,
    Status,
)
from ocpi.modules.locations.v_2_2_1.schemas import Capability, Facility, ParkingType, PowerType
from ocpi.modules.tokens.v_2_3_0.schemas import TokenType

# --- enums (those with the same values as in 2.1.1 / 2.2.1 are imported above) -------------------


class ConnectorCapability(StrEnum):
    ISO_15118_2_PLUG_AND_CHARGE = "ISO_15118_2_PLUG_AND_CHARGE"
    ISO_15118_20_PLUG_AND_CHARGE = "ISO_15118_20_PLUG_AND_CHARGE"


class ConnectorType(StrEnum):
    CHADEMO = "CHADEMO"
    CHAOJI = "CHAOJI"
    DOMESTIC_A = "DOMESTIC_A"
    DOMESTIC_B = "DOMESTIC_B"
    DOMESTIC_C = "DOMESTIC_C"
    DOMESTIC_D = "DOMESTIC_D"
    DOMESTIC_E = "DOMESTIC_E"
    DOMESTIC_F = "DOMESTIC_F"
    DOMESTIC_G = "DOMESTIC_G"
    DOMESTIC_H = "DOMESTIC_H"
    DOMESTIC_I = "DOMESTIC_I"
    DOMESTIC_J = "DOMESTIC_J"
    DOMESTIC_K = "DOMESTIC_K"
    DOMESTIC_L = "DOMESTIC_L"
    DOMESTIC_M = "DOMESTIC_M"
    DOMESTIC_N = "DOMESTIC_N"
    DOMESTIC_O = "DOMESTIC_O"
    GBT_AC = "GBT_AC"
    GBT_DC = "GBT_DC"
    IEC_60309_2_single_16 = "IEC_60309_2_single_16"
    IEC_60309_2_three_16 = "IEC_60309_2_three_16"
    IEC_60309_2_three_32 = "IEC_60309_2_three_32"
    IEC_60309_2_three_64 = "IEC_60309_2_three_64"
    IEC_62196_T1 = "IEC_62196_T1"
    IEC_62196_T1_COMBO = "IEC_62196_T1_COMBO"
    IEC_62196_T2 = "IEC_62196_T2"
    IEC_62196_T2_COMBO = "IEC_62196_T2_COMBO"
    IEC_62196_T3A = "IEC_62196_T3A"
    IEC_62196_T3C = "IEC_62196_T3C"
    MCS = "MCS"
    NEMA_5_20 = "NEMA_5_20"
    NEMA_6_30 = "NEMA_6_30"
    NEMA_6_50 = "NEMA_6_50"
    NEMA_10_30 = "NEMA_10_30"
    NEMA_10_50 = "NEMA_10_50"
    NEMA_14_30 = "NEMA_14_30"
    NEMA_14_50 = "NEMA_14_50"
    PANTOGRAPH_BOTTOM_UP = "PANTOGRAPH_BOTTOM_UP"
    PANTOGRAPH_TOP_DOWN = "PANTOGRAPH_TOP_DOWN"
    SAE_J3400 = "SAE_J3400"
    TESLA_R = "TESLA_R"
    TESLA_S = "TESLA_S"


class EVSEPosition(StrEnum):
    LEFT = "LEFT"
    RIGHT = "RIGHT"
    CENTER = "CENTER"


class ParkingDirection(StrEnum):
    PARALLEL = "PARALLEL"
    PERPENDICULAR = "PERPENDICULAR"
    ANGLE = "ANGLE"


class ParkingRestriction(StrEnum):
    CUSTOMERS = "CUSTOMERS"
    DISABLED = "DISABLED"
    EMPLOYEES = "EMPLOYEES"
    EV_ONLY = "EV_ONLY"
    MOTORCYCLES = "MOTORCYCLES"
    PLUGGED = "PLUGGED"
    TAXIS = "TAXIS"
    TENANTS = "TENANTS"


class VehicleType(StrEnum):
    MOTORCYCLE = "MOTORCYCLE"
    PERSONAL_VEHICLE = "PERSONAL_VEHICLE"
    PERSONAL_VEHICLE_WITH_TRAILER = "PERSONAL_VEHICLE_WITH_TRAILER"
    VAN = "VAN"
    SEMI_TRACTOR = "SEMI_TRACTOR"
    RIGID = "RIGID"
    TRUCK_WITH_TRAILER = "TRUCK_WITH_TRAILER"
    BUS = "BUS"
    DISABLED = "DISABLED"


# --- classes -------------------------------------------------------------------------------------

ImageSize = Annotated[Int, Field(ge=0, le=99999)]
"""`int(5)`: at most five digits."""

CiStringUnbounded = Annotated[str, StringConstraints(pattern=rules.PRINTABLE_ASCII), AfterValidator(CaseInsensitiveStr)]
"""Parking.apds_reference is a CiString without a length in the spec (mod_locations.asciidoc, Parking)."""


Latitude = Coordinate(10, r"-?[0-9]{1,2}\.[0-9]{5,7}", 90)
Longitude = Coordinate(11, r"-?[0-9]{1,3}\.[0-9]{5,7}", 180)


class GeoLocation(OcpiModel):
    latitude: Latitude
    longitude: Longitude


class AdditionalGeoLocation(OcpiModel):
    latitude: Latitude
    longitude: Longitude
    name: DisplayText | None = None


class Image(OcpiModel):
    url: URL
    thumbnail: URL | None = None
    category: OpenEnum(ImageCategory)
    type: CiString(4)
    width: ImageSize | None = None
    height: ImageSize | None = None


class BusinessDetails(OcpiModel):
    name: String(100)
    website: URL | None = None
    logo: Image | None = None


class EnergySource(OcpiModel):
    source: EnergySourceCategory
    percentage: Percentage


class EnvironmentalImpact(OcpiModel):
    category: OpenEnum(EnvironmentalImpactCategory)
    amount: Number


class EnergyMix(OcpiModel):
    is_green_energy: Boolean
    energy_sources: list[EnergySource] | None = None
    environ_impact: list[EnvironmentalImpact] | None = None
    supplier_name: String(64) | None = None
    energy_product_name: String(64) | None = None


class ExceptionalPeriod(OcpiModel):
    period_begin: DateTime
    period_end: DateTime


class RegularHours(OcpiModel):
    weekday: Annotated[Int, Field(ge=1, le=7)]
    period_begin: HoursMinutes
    period_end: PeriodEnd


class Hours(OcpiModel):
    twentyfourseven: Boolean
    regular_hours: list[RegularHours] | None = None
    exceptional_openings: list[ExceptionalPeriod] | None = None
    exceptional_closings: list[ExceptionalPeriod] | None = None

    @model_validator(mode="after")
    def _regular_hours_iff_not_247(self) -> Hours:
        # mod_locations.asciidoc, Hours: regular_hours "Only to be used if twentyfourseven=false, then this
        # field needs to contain at least one RegularHours object".
        if self.twentyfourseven and self.regular_hours:
            raise ValueError("regular_hours must not be set when twentyfourseven is true")
        if not self.twentyfourseven and not self.regular_hours:
            raise ValueError("regular_hours needs at least one entry when twentyfourseven is false")
        return self


class PublishTokenType(OcpiModel):
    uid: CiString(36) | None = None
    type: OpenEnum(TokenType) | None = None
    visual_number: String(64) | None = None
    issuer: String(64) | None = None
    group_id: CiString(36) | None = None

    @model_validator(mode="after")
    def _identifies_a_token(self) -> PublishTokenType:
        if self.uid is None and self.visual_number is None and self.group_id is None:
            raise ValueError("at least one of uid, visual_number or group_id SHALL be set")
        if self.uid is not None and self.type is None:
            raise ValueError("type SHALL be set when uid is set")
        if self.visual_number is not None and self.issuer is None:
            raise ValueError("issuer SHALL be set when visual_number is set")
        return self


class StatusSchedule(OcpiModel):
    period_begin: DateTime
    period_end: DateTime | None = None
    status: Status


class Parking(OcpiModel):
    id: CiString(36)
    physical_reference: String(12) | None = None
    vehicle_types: Annotated[list[OpenEnum(VehicleType)], Field(min_length=1)]
    max_vehicle_weight: Number | None = None
    max_vehicle_height: Number | None = None
    max_vehicle_length: Number | None = None
    max_vehicle_width: Number | None = None
    parking_space_length: Number | None = None
    parking_space_width: Number | None = None
    dangerous_goods_allowed: Boolean | None = None
    direction: ParkingDirection | None = None
    drive_through: Boolean | None = None
    restricted_to_type: Boolean
    reservation_required: Boolean
    time_limit: Number | None = None
    roofed: Boolean | None = None
    images: list[Image] | None = None
    lighting: Boolean | None = None
    refrigeration_outlet: Boolean | None = None
    standards: list[CiString(36)] | None = None
    apds_reference: CiStringUnbounded | None = None


class EVSEParking(OcpiModel):
    parking_id: CiString(36)
    evse_position: EVSEPosition | None = None


class Connector(OcpiModel):
    id: CiString(36)
    standard: OpenEnum(ConnectorType)
    format: ConnectorFormat
    power_type: PowerType
    max_voltage: Int
    max_amperage: Int
    max_electric_power: Int | None = None
    tariff_ids: list[CiString(36)] | None = None
    terms_and_conditions: URL | None = None
    capabilities: list[OpenEnum(ConnectorCapability)] | None = None
    last_updated: DateTime


class EVSE(OcpiModel):
    uid: CiString(36)
    evse_id: EvseId | None = None
    status: Status
    status_schedule: list[StatusSchedule] | None = None
    capabilities: list[OpenEnum(Capability)] | None = None
    connectors: Annotated[list[Connector], Field(min_length=1), UNIQUE_CONNECTOR_IDS]
    floor_level: String(4) | None = None
    coordinates: GeoLocation | None = None
    physical_reference: String(16) | None = None
    directions: list[DisplayText] | None = None
    parking_restrictions: list[OpenEnum(ParkingRestriction)] | None = None
    parking: list[EVSEParking] | None = None
    images: list[Image] | None = None
    accepted_service_providers: list[String(50)] | None = None
    last_updated: DateTime


class Location(OcpiModel):
    country_code: CountryCode
    party_id: PartyId
    id: CiString(36)
    publish: Boolean
    publish_allowed_to: Annotated[list[PublishTokenType] | None, PUBLISH_ALLOWED_TO] = None
    name: String(255) | None = None
    address: String(255)
    city: String(45)
    postal_code: String(10) | None = None
    state: String(45) | None = None
    country: CountryAlpha3
    coordinates: GeoLocation
    related_locations: list[AdditionalGeoLocation] | None = None
    parking_type: OpenEnum(ParkingType) | None = None
    evses: Annotated[list[EVSE], UNIQUE_EVSE_UIDS] | None = None
    parking_places: Annotated[list[Parking], UNIQUE_PARKING_IDS] | None = None
    directions: list[DisplayText] | None = None
    operator: BusinessDetails | None = None
    suboperator: BusinessDetails | None = None
    owner: BusinessDetails | None = None
    facilities: list[OpenEnum(Facility)] | None = None
    time_zone: String(255)
    opening_times: Hours | None = None
    charging_when_closed: Boolean | None = None
    images: list[Image] | None = None
    energy_mix: EnergyMix | None = None
    help_phone: CiString(25) | None = None
    last_updated: DateTime


# mod_locations.asciidoc, PATCH: "Any request to the PATCH method SHALL contain the last_updated field."
LocationPatch = partial_model(Location, ("last_updated",))
EVSEPatch = partial_model(EVSE, ("last_updated",))
ConnectorPatch = partial_model(Connector, ("last_updated",))
