"""OCPI 2.3.0 Bookings extension objects (`2.3.0-bookings/mod_bookings.asciidoc`).

The extension's text is not always consistent with its own tables; where they differ we follow the tables and
say so next to the field.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from ocpi.core.data_types import URL, Boolean, CiString, CountryCode, DateTime, Int, Number, OpenEnum, PartyId, Text
from ocpi.core.model import OcpiModel, partial_model
from ocpi.modules.credentials.v_2_3_0.schemas import Role
from ocpi.modules.locations.v_2_3_0.schemas import (
    ConnectorFormat,
    ConnectorType,
    EVSEPosition,
    PowerType,
    VehicleType,
)
from ocpi.modules.tokens.v_2_3_0.schemas import TokenType

# --- enums ---------------------------------------------------------------------------------------


class AccessMethod(StrEnum):
    OPEN = "OPEN"
    TOKEN = "TOKEN"
    LICENSE_PLATE = "LICENSE_PLATE"
    ACCESS_CODE = "ACCESS_CODE"
    INTERCOM = "INTERCOM"
    PARKING_TICKET = "PARKING_TICKET"


class CanceledReason(StrEnum):
    POWER_OUTAGE = "POWER_OUTAGE"
    BROKEN_CHARGER = "BROKEN_CHARGER"
    FULL = "FULL"
    BLOCKED = "BLOCKED"
    TRAFFIC = "TRAFFIC"
    BROKEN_VEHICLE = "BROKEN_VEHICLE"
    NO_CANCELED = "NO_CANCELED"
    UNKNOWN = "UNKNOWN"


class ReservationRequestStatus(StrEnum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    FAILED = "FAILED"


class ReservationStatus(StrEnum):
    PENDING = "PENDING"
    RESERVED = "RESERVED"
    CANCELED = "CANCELED"
    FAILED = "FAILED"
    NO_SHOW = "NO_SHOW"
    FULFILLED = "FULFILLED"
    REJECTED = "REJECTED"
    UNKNOWN = "UNKNOWN"


# --- classes -------------------------------------------------------------------------------------


class AccessInformation(OcpiModel):
    method: AccessMethod
    value: Text | None = None  # the table says `String` without a length


class BookingOption(OcpiModel):
    evse_uid: CiString(36) | None = None  # may be "#NA" while no EVSE is assigned yet
    connector_id: CiString(36) | None = None
    parking_id: CiString(36) | None = None
    evse_position: list[EVSEPosition] | None = None
    # VehicleType and ConnectorType are OpenEnums in OCPI 2.3.0 mod_locations.
    vehicle_types: list[OpenEnum(VehicleType)] | None = None
    connector_format: list[ConnectorFormat] | None = None
    connector_types: list[OpenEnum(ConnectorType)] | None = None
    power_types: list[PowerType] | None = None
    max_vehicle_weight: Number | None = None
    max_vehicle_height: Number | None = None
    max_vehicle_length: Number | None = None
    max_vehicle_width: Number | None = None
    min_parking_space_length: Number | None = None
    min_parking_space_width: Number | None = None
    dangerous_goods_allowed: Boolean | None = None
    drive_through: Boolean | None = None
    refrigeration_outlet: Boolean | None = None


class BookingToken(OcpiModel):
    country_code: CountryCode
    party_id: PartyId
    uid: CiString(36)
    type: OpenEnum(TokenType)  # TokenType is an OpenEnum in OCPI 2.3.0 mod_tokens
    contract_id: CiString(36)


class Cancellation(OcpiModel):
    cancellation_reason: CanceledReason
    # The table's type reads "Role" but links to the InterfaceRole anchor (SENDER/RECEIVER); "who canceled" is a
    # party (CPO or eMSP), so we follow the type's name: the 2.3.0 Role enum.
    who_canceled: Role


class Period(OcpiModel):
    start_date_time: DateTime
    end_date_time: DateTime


class Policy(OcpiModel):
    reservation_required: Boolean
    ad_hoc: Number | None = None


class Timeslot(OcpiModel):
    start_date_time: DateTime
    end_date_time: DateTime
    min_power: Number | None = None
    max_power: Number | None = None
    green_energy_support: Boolean | None = None


class BookingTerms(OcpiModel):
    rfid_auth_required: Boolean | None = None
    token_groups_supported: Boolean | None = None
    remote_auth_supported: Boolean | None = None
    supported_access_methods: Annotated[list[AccessMethod], Field(min_length=1)]
    change_until_minutes: Number
    cancel_until_minutes: Number
    change_not_allowed: Boolean | None = None
    early_start_allowed: Boolean | None = None
    early_start_time: Number | None = None
    noshow_timeout: Number | None = None
    noshow_fee: Boolean | None = None
    late_stop_allowed: Boolean | None = None
    late_stop_time: Number | None = None
    overlapping_bookings_allowed: Boolean | None = None
    min_booking_duration: Number | None = None
    max_booking_duration: Number | None = None
    booking_terms: URL | None = None


class BookingRequest(OcpiModel):
    country_code: CountryCode
    party_id: PartyId
    request_id: CiString(36)
    booking_option: BookingOption | None = None
    location_id: CiString(36)
    booking_location_id: CiString(36)
    tokens: list[BookingToken] | None = None  # the table's type "BookingTokens" links to BookingToken
    access_information: list[AccessInformation] | None = None
    period: Period
    authorization_reference: CiString(36)
    power_required: Int | None = None
    canceled: Cancellation | None = None


class BookingRequestStatus(OcpiModel):
    request_status: ReservationRequestStatus
    booking_request: BookingRequest
    request_received: DateTime


class Booking(OcpiModel):
    id: CiString(36)
    country_code: CountryCode
    party_id: PartyId
    request_id: CiString(36)
    booking_option: BookingOption | None = None
    location_id: CiString(36)
    booking_tokens: list[BookingToken] | None = None
    tariff_ids: list[CiString(36)] | None = None
    # Booking.period is a Timeslot (mod_bookings, "Booking Object" table) while BookingRequest.period is a
    # Period: we follow each table.
    period: Timeslot
    reservation_status: ReservationStatus
    canceled: Cancellation | None = None
    access_information: list[AccessInformation] | None = None
    authorization_reference: CiString(36)
    booking_terms: BookingTerms
    booking_requests: Annotated[list[BookingRequestStatus], Field(min_length=1)]
    last_updated: DateTime


class Calendar(OcpiModel):
    id: CiString(36)
    begin_from: DateTime
    end_before: DateTime
    timeslot_increment: Int | None = None
    available_timeslots: Annotated[list[Timeslot], Field(min_length=1)]  # the table's "TimeSlot" is Timeslot
    last_updated: DateTime


class BookingLocation(OcpiModel):
    # The section text says each BookingLocation "should include either the booking_option or the evse_uid",
    # but the table has no `evse_uid` (it lives in BookingOption) and makes `booking_option` optional: we follow
    # the table and enforce neither.
    country_code: CountryCode
    party_id: PartyId
    id: CiString(36)
    location_id: CiString(36)
    booking_option: BookingOption | None = None
    policy: Policy | None = None
    tariff_ids: list[CiString(36)] | None = None
    booking_terms: BookingTerms | None = None
    calendars: list[Calendar] | None = None
    last_updated: DateTime


# --- PATCH bodies: "Any request to the PATCH method SHALL contain the `last_updated` field" ---------

BookingPatch = partial_model(Booking, ("last_updated",))
BookingLocationPatch = partial_model(BookingLocation, ("last_updated",))
CalendarPatch = partial_model(Calendar, ("last_updated",))


__all__ = [
    "AccessInformation",
    "AccessMethod",
    "Booking",
    "BookingLocation",
    "BookingLocationPatch",
    "BookingOption",
    "BookingPatch",
    "BookingRequest",
    "BookingRequestStatus",
    "BookingTerms",
    "BookingToken",
    "Calendar",
    "CalendarPatch",
    "CanceledReason",
    "Cancellation",
    "Period",
    "Policy",
    "ReservationRequestStatus",
    "ReservationStatus",
    "Timeslot",
]
