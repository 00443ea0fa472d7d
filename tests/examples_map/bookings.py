"""Official OCPI 2.3.0 Bookings extension examples -> models."""

from tests.spec import Example

_S = "ocpi.modules.bookings.v_2_3_0.schemas"

_BOOKING_REQUEST_MISSING = tuple(
    f"{name}: missing"
    for name in (
        "country_code",
        "party_id",
        "request_id",
        "location_id",
        "booking_location_id",
        "period",
        "authorization_reference",
    )
)

EXAMPLES: dict[str, Example] = {
    "2.3.0-bookings/examples/booking_example.json": Example(
        f"{_S}:Booking",
        erratum="party_id 'INF12' and token party_id 'INFOO' exceed CiString(3); the embedded BookingRequests "
        "lack the required booking_location_id",
        errors=(
            "party_id: string_too_long",
            "booking_tokens.0.party_id: string_too_long",
            "booking_requests.0.booking_request.party_id: string_too_long",
            "booking_requests.0.booking_request.booking_location_id: missing",
            "booking_requests.1.booking_request.party_id: string_too_long",
            "booking_requests.1.booking_request.booking_location_id: missing",
        ),
    ),
    "2.3.0-bookings/examples/booking_location_example.json": Example(
        f"{_S}:BookingLocation",
        erratum="evse_position is a string, not a list; DateTimes with second 99 ('2025-03-23T23:59:99Z'); "
        "(`formats` is not a BookingOption field: kept as an unknown field)",
        errors=(
            "booking_option.evse_position: list_type",
            "calendars.0.end_before: datetime_from_date_parsing",
            "calendars.0.available_timeslots.0.end_date_time: datetime_from_date_parsing",
            "calendars.1.end_before: datetime_from_date_parsing",
            "calendars.1.available_timeslots.0.end_date_time: datetime_from_date_parsing",
        ),
    ),
    "2.3.0-bookings/examples/booking_location_patch_example_calendar.json": Example(
        f"{_S}:CalendarPatch",
        erratum="timeslot keys have a trailing space ('start_date_time ', 'end_date_time ')",
        errors=(
            "available_timeslots.0.start_date_time: missing",
            "available_timeslots.0.end_date_time: missing",
        ),
    ),
    "2.3.0-bookings/examples/booking_location_patch_example_terms.json": Example(
        f"{_S}:BookingLocationPatch",
        erratum="a PATCH replaces a nested object whole, and this BookingTerms lacks its required fields",
        errors=(
            "booking_terms.supported_access_methods: missing",
            "booking_terms.change_until_minutes: missing",
            "booking_terms.cancel_until_minutes: missing",
        ),
    ),
    "2.3.0-bookings/examples/booking_patch_example_status_update.json": Example(f"{_S}:BookingPatch"),
    # `evse_uid` at the top level is not a Booking field (it lives in booking_option): valid as a PATCH, but the
    # field is only kept as an unknown field.
    "2.3.0-bookings/examples/booking_patch_example_evse_uid.json": Example(f"{_S}:BookingPatch"),
    # The two "booking_request_patch" files are not referenced by the text and the spec defines no PATCH for a
    # BookingRequest (edits are new POSTs with the same request_id); read as BookingRequests they lack every
    # required field (`timeslot`, `last_updated` are not BookingRequest fields).
    "2.3.0-bookings/examples/booking_request_patch_example_timeslot.json": Example(
        f"{_S}:BookingRequest",
        erratum="a fragment, not a BookingRequest",
        errors=_BOOKING_REQUEST_MISSING,
    ),
    "2.3.0-bookings/examples/booking_request_patch_example_tokens.json": Example(
        f"{_S}:BookingRequest",
        erratum="a fragment, not a BookingRequest",
        errors=_BOOKING_REQUEST_MISSING,
    ),
}
