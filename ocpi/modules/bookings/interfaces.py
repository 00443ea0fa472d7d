"""Bookings (2.3.0 extension, off unless the node enables it): the CPO publishes BookingLocations (with their
Calendars) and Bookings and takes BookingRequests; the eMSP receives them."""

from ocpi.core.enums import InterfaceRole, RoleEnum
from ocpi.core.interfaces import (
    BookingRequests,
    Child,
    Interface,
    ModuleInterfaces,
    ObjectType,
    OwnerKeyedReceiver,
    SenderList,
)
from ocpi.modules.bookings import convert
from ocpi.modules.bookings.v_2_3_0 import schemas as v230

CALENDAR = Child("calendars", "id", {"2.3.0": v230.Calendar})
BOOKING_LOCATION = ObjectType("bookings.locations", {"2.3.0": v230.BookingLocation}, convert, children=(CALENDAR,))
BOOKING = ObjectType("bookings", {"2.3.0": v230.Booking}, convert)
SEGMENT = "booking_locations"

INTERFACES = ModuleInterfaces(
    "bookings",
    sender=Interface(
        "bookings",
        InterfaceRole.SENDER,
        (
            SenderList(BOOKING_LOCATION, segment=SEGMENT, get_one=True),
            SenderList(BOOKING),
            BookingRequests(BOOKING, BOOKING_LOCATION, {"2.3.0": v230.BookingRequest}),
        ),
        versions=("2.3.0",),
    ),
    receiver=Interface(
        "bookings",
        InterfaceRole.RECEIVER,
        (OwnerKeyedReceiver(BOOKING_LOCATION, segment=SEGMENT), OwnerKeyedReceiver(BOOKING)),
        versions=("2.3.0",),
    ),
    sides={RoleEnum.CPO: InterfaceRole.SENDER, RoleEnum.EMSP: InterfaceRole.RECEIVER},
)
