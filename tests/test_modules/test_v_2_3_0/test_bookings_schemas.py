"""OCPI 2.3.0 Bookings extension schemas: Booking, BookingRequest, BookingLocation, Calendar and their parts."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from ocpi.modules.bookings.v_2_3_0.schemas import (
    AccessMethod,
    Booking,
    BookingLocation,
    BookingLocationPatch,
    BookingPatch,
    BookingRequest,
    Calendar,
    CalendarPatch,
    CanceledReason,
    ReservationRequestStatus,
    ReservationStatus,
)
from tests.spec import validation_errors

TERMS: dict[str, Any] = {
    "rfid_auth_required": True,
    "supported_access_methods": ["LICENSE_PLATE", "ACCESS_CODE"],
    "change_until_minutes": 200,
    "cancel_until_minutes": 600,
    "noshow_timeout": 25,
    "booking_terms": "https://example.com/booking-a-charger",
}

REQUEST: dict[str, Any] = {
    "country_code": "NL",
    "party_id": "MSP",
    "request_id": "RE1222",
    "booking_option": {"evse_uid": "#NA"},
    "location_id": "1234",
    "booking_location_id": "BL01",
    "tokens": [{"country_code": "NL", "party_id": "MSP", "uid": "assaD12w3d", "type": "RFID", "contract_id": "CO1"}],
    "access_information": [{"method": "LICENSE_PLATE", "value": "ABC12D"}],
    "period": {"start_date_time": "2025-03-23T12:00:00Z", "end_date_time": "2025-03-23T13:00:00Z"},
    "authorization_reference": "pp-100100-1948213567",
    "power_required": 11,
}

BOOKING: dict[str, Any] = {
    "id": "12345",
    "country_code": "NL",
    "party_id": "INF",
    "request_id": "RE1222",
    "booking_option": {"parking_id": "22314", "evse_uid": "3256", "evse_position": ["LEFT"]},
    "location_id": "1234",
    "booking_tokens": copy.deepcopy(REQUEST["tokens"]),
    "tariff_ids": ["T1"],
    "period": {
        "start_date_time": "2025-03-23T12:00:00Z",
        "end_date_time": "2025-03-23T13:00:00Z",
        "min_power": 12,
        "max_power": 12.5,
        "green_energy_support": False,
    },
    "reservation_status": "CANCELED",
    "canceled": {"cancellation_reason": "TRAFFIC", "who_canceled": "EMSP"},
    "authorization_reference": "pp-100100-1948213567",
    "booking_terms": TERMS,
    "booking_requests": [
        {"request_status": "ACCEPTED", "booking_request": REQUEST, "request_received": "2024-12-05T20:02:13Z"}
    ],
    "last_updated": "2024-12-05T20:02:13Z",
}

CALENDAR: dict[str, Any] = {
    "id": "CA112",
    "begin_from": "2025-03-23T00:00:00Z",
    "end_before": "2025-03-24T00:00:00Z",
    "timeslot_increment": 15,
    "available_timeslots": [{"start_date_time": "2025-03-23T00:00:00Z", "end_date_time": "2025-03-23T09:00:00Z"}],
    "last_updated": "2024-12-05T20:02:13Z",
}

BOOKING_LOCATION: dict[str, Any] = {
    "country_code": "NL",
    "party_id": "IHO",
    "id": "12345",
    "location_id": "L0C1",
    "booking_option": {
        "evse_uid": "6583",
        "evse_position": ["LEFT"],
        "vehicle_types": ["MOTORCYCLE", "TRUCK_WITH_TRAILER"],
        "connector_format": ["SOCKET"],
        "connector_types": ["CHADEMO"],
        "power_types": ["AC_1_PHASE"],
        "max_vehicle_weight": 5000,
        "dangerous_goods_allowed": False,
    },
    "policy": {"reservation_required": True, "ad_hoc": 2},
    "tariff_ids": ["32423328"],
    "booking_terms": TERMS,
    "calendars": [CALENDAR],
    "last_updated": "2024-12-05T20:02:13Z",
}


def errors_of(model: type[BaseModel], payload: dict[str, Any]) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(payload)
    return validation_errors(caught.value)


def changed(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of `base` with the dotted `path` set to `value` (or removed when value is `...`)."""
    result = copy.deepcopy(base)
    *parents, name = path.split(".")
    node: Any = result
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last: Any = int(name) if isinstance(node, list) else name
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return result


# --- valid objects -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "payload"),
    [(Booking, BOOKING), (BookingRequest, REQUEST), (BookingLocation, BOOKING_LOCATION), (Calendar, CALENDAR)],
)
def test_round_trip(model: type[BaseModel], payload: dict[str, Any]) -> None:
    parsed = model.model_validate(payload)
    assert parsed.model_dump(mode="json", exclude_none=True) == payload


def test_booking_parts_are_typed() -> None:
    booking = Booking.model_validate(BOOKING)
    assert booking.reservation_status is ReservationStatus.CANCELED
    assert booking.canceled is not None and booking.canceled.cancellation_reason is CanceledReason.TRAFFIC
    assert booking.booking_requests[0].request_status is ReservationRequestStatus.ACCEPTED
    assert booking.booking_terms.supported_access_methods == [AccessMethod.LICENSE_PLATE, AccessMethod.ACCESS_CODE]
    assert booking.period.max_power == Decimal("12.5")
    assert booking.booking_requests[0].booking_request.booking_location_id == "bl01"  # CiString


def test_token_type_is_open() -> None:
    # TokenType is an OpenEnum in 2.3.0: an unknown value is kept.
    payload = changed(REQUEST, "tokens.0.type", "LICENSE_PLATE_TOKEN")
    assert BookingRequest.model_validate(payload).to_dict()["tokens"][0]["type"] == "LICENSE_PLATE_TOKEN"


def test_vehicle_type_is_open() -> None:
    payload = changed(BOOKING_LOCATION, "booking_option.vehicle_types", ["HOVERCRAFT"])
    assert BookingLocation.model_validate(payload).to_dict()["booking_option"]["vehicle_types"] == ["HOVERCRAFT"]


# --- required fields -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "id",
        "country_code",
        "party_id",
        "request_id",
        "location_id",
        "period",
        "reservation_status",
        "authorization_reference",
        "booking_terms",
        "booking_requests",
        "last_updated",
    ],
)
def test_booking_required(name: str) -> None:
    assert errors_of(Booking, changed(BOOKING, name, ...)) == {f"{name}: missing"}


@pytest.mark.parametrize(
    "name",
    [
        "country_code",
        "party_id",
        "request_id",
        "location_id",
        "booking_location_id",
        "period",
        "authorization_reference",
    ],
)
def test_booking_request_required(name: str) -> None:
    assert errors_of(BookingRequest, changed(REQUEST, name, ...)) == {f"{name}: missing"}


@pytest.mark.parametrize("name", ["country_code", "party_id", "id", "location_id", "last_updated"])
def test_booking_location_required(name: str) -> None:
    assert errors_of(BookingLocation, changed(BOOKING_LOCATION, name, ...)) == {f"{name}: missing"}


@pytest.mark.parametrize(
    "path",
    [
        "booking_terms.supported_access_methods",
        "booking_terms.change_until_minutes",
        "booking_terms.cancel_until_minutes",
        "canceled.who_canceled",
        "booking_requests.0.request_received",
        "booking_requests.0.booking_request",
        "booking_tokens.0.contract_id",
        "period.end_date_time",
    ],
)
def test_booking_nested_required(path: str) -> None:
    assert errors_of(Booking, changed(BOOKING, path, ...)) == {f"{path}: missing"}


def test_plus_cardinalities_need_one_item() -> None:
    assert errors_of(Booking, changed(BOOKING, "booking_requests", [])) == {"booking_requests: too_short"}
    assert errors_of(Booking, changed(BOOKING, "booking_terms.supported_access_methods", [])) == {
        "booking_terms.supported_access_methods: too_short"
    }
    assert errors_of(Calendar, changed(CALENDAR, "available_timeslots", [])) == {"available_timeslots: too_short"}


def test_policy_reservation_required() -> None:
    payload = changed(BOOKING_LOCATION, "policy", {"ad_hoc": 2})
    assert errors_of(BookingLocation, payload) == {"policy.reservation_required: missing"}


# --- lengths, enums, DateTimes, types ------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "length"),
    [
        ("party_id", 3),
        ("country_code", 2),
        ("id", 36),
        ("request_id", 36),
        ("tariff_ids.0", 36),
        ("booking_option.evse_uid", 36),
        ("booking_tokens.0.uid", 36),
        ("booking_tokens.0.party_id", 3),
        ("booking_terms.booking_terms", 255),
    ],
)
def test_booking_string_lengths(path: str, length: int) -> None:
    Booking.model_validate(changed(BOOKING, path, "x" * length))
    assert errors_of(Booking, changed(BOOKING, path, "x" * (length + 1))) == {f"{path}: string_too_long"}


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("reservation_status", "BOOKED"),
        ("canceled.cancellation_reason", "RAIN"),
        ("booking_requests.0.request_status", "REJECTED"),
        ("booking_terms.supported_access_methods.0", "KEY"),
        ("booking_option.evse_position", ["ABOVE"]),
    ],
)
def test_closed_enums_reject_unknown_values(path: str, value: Any) -> None:
    loc = path + ".0" if isinstance(value, list) else path
    assert errors_of(Booking, changed(BOOKING, path, value)) == {f"{loc}: enum"}


def test_who_canceled_is_a_party_role_not_an_interface_role() -> None:
    assert errors_of(Booking, changed(BOOKING, "canceled.who_canceled", "SENDER")) == {"canceled.who_canceled: enum"}


def test_access_information_method_closed() -> None:
    payload = changed(REQUEST, "access_information.0.method", "DOORBELL")
    assert errors_of(BookingRequest, payload) == {"access_information.0.method: enum"}


def test_power_type_and_connector_format_closed() -> None:
    payload = changed(BOOKING_LOCATION, "booking_option.power_types", ["AC_4_PHASE"])
    assert errors_of(BookingLocation, payload) == {"booking_option.power_types.0: enum"}
    payload = changed(BOOKING_LOCATION, "booking_option.connector_format", ["PLUG"])
    assert errors_of(BookingLocation, payload) == {"booking_option.connector_format.0: enum"}


@pytest.mark.parametrize(
    ("model", "base", "path"),
    [
        (Booking, BOOKING, "last_updated"),
        (Booking, BOOKING, "period.start_date_time"),
        (BookingRequest, REQUEST, "period.end_date_time"),
        (Calendar, CALENDAR, "end_before"),
        (Calendar, CALENDAR, "available_timeslots.0.end_date_time"),
    ],
)
def test_malformed_datetimes(model: type[BaseModel], base: dict[str, Any], path: str) -> None:
    # second 99, as in the official booking_location_example.json
    payload = changed(base, path, "2025-03-23T23:59:99Z")
    assert errors_of(model, payload) == {f"{path}: datetime_from_date_parsing"}


def test_wrong_types() -> None:
    assert errors_of(BookingRequest, changed(REQUEST, "power_required", "a lot")) == {"power_required: int_parsing"}
    assert errors_of(BookingRequest, changed(REQUEST, "tokens", {"uid": "x"})) == {"tokens: list_type"}
    assert errors_of(Booking, changed(BOOKING, "booking_option.evse_position", "LEFT")) == {
        "booking_option.evse_position: list_type"
    }
    assert errors_of(Booking, changed(BOOKING, "booking_terms.change_until_minutes", "soon")) == {
        "booking_terms.change_until_minutes: decimal_parsing"
    }
    assert errors_of(Calendar, changed(CALENDAR, "timeslot_increment", 1.5)) == {"timeslot_increment: int_from_float"}


def test_booking_period_is_a_timeslot_request_period_is_a_period() -> None:
    # Booking.period: Timeslot (with power fields); BookingRequest.period: Period (start/end only).
    booking = Booking.model_validate(BOOKING)
    assert booking.period.min_power == 12
    request = BookingRequest.model_validate(changed(REQUEST, "period.min_power", 12))
    assert type(request.period).__name__ == "Period"
    assert "min_power" not in type(request.period).model_fields


# --- PATCH bodies --------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [BookingPatch, BookingLocationPatch, CalendarPatch])
def test_patch_requires_last_updated(model: type[BaseModel]) -> None:
    assert errors_of(model, {}) == {"last_updated: missing"}


def test_booking_patch_sends_only_what_was_set() -> None:
    patch = BookingPatch.model_validate({"reservation_status": "FULFILLED", "last_updated": "2025-03-23T13:00:00"})
    assert patch.to_dict() == {"reservation_status": "FULFILLED", "last_updated": "2025-03-23T13:00:00Z"}


def test_patch_keeps_field_constraints() -> None:
    body = {"reservation_status": "DONE", "party_id": "INF12", "last_updated": "2025-03-23T13:00:00Z"}
    assert errors_of(BookingPatch, body) == {"reservation_status: enum", "party_id: string_too_long"}


def test_calendar_patch_replaces_timeslots_whole() -> None:
    body = {
        "available_timeslots": [{"start_date_time": "2025-03-23T00:00:00Z"}],
        "last_updated": "2025-03-23T13:00:00Z",
    }
    assert errors_of(CalendarPatch, body) == {"available_timeslots.0.end_date_time: missing"}
