"""Every interface pattern's endpoints, generic (`ocpi.server.patterns`) or one module's own (a file per module
here), and `mount`, which binds a module's interface data to them for one version and role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ocpi.core.interfaces import (
    ActiveProfileReceiver,
    BookingRequests,
    CallbackReceiver,
    ChargingPreferencesReceiver,
    ChargingProfilesReceiver,
    CommandReceiver,
    OwnerKeyedReceiver,
    Pattern,
    PostReceiver,
    SenderList,
    TerminalActions,
    TokenAuthorization,
)
from ocpi.server.endpoints.bookings import mount_booking_requests
from ocpi.server.endpoints.chargingprofiles import mount_active_profile_receiver, mount_charging_profiles
from ocpi.server.endpoints.payments import mount_terminal_actions
from ocpi.server.endpoints.sessions import mount_charging_preferences
from ocpi.server.patterns import (
    mount_callback_receiver,
    mount_command_receiver,
    mount_owner_keyed_receiver,
    mount_post_receiver,
    mount_sender_list,
    mount_token_authorization,
)
from ocpi.server.routing import Binding, RouteTable

MOUNTERS: dict[type, Callable[[RouteTable, Any, Binding], None]] = {
    SenderList: mount_sender_list,
    OwnerKeyedReceiver: mount_owner_keyed_receiver,
    PostReceiver: mount_post_receiver,
    CommandReceiver: mount_command_receiver,
    CallbackReceiver: mount_callback_receiver,
    TokenAuthorization: mount_token_authorization,
    ChargingPreferencesReceiver: mount_charging_preferences,
    ChargingProfilesReceiver: mount_charging_profiles,
    ActiveProfileReceiver: mount_active_profile_receiver,
    TerminalActions: mount_terminal_actions,
    BookingRequests: mount_booking_requests,
}


def supports(pattern: Pattern, version: str) -> bool:
    """Whether the pattern exists in `version` (Charging Preferences, CANCEL_RESERVATION... are 2.2.1+)."""
    object_type = (
        getattr(pattern, "object_type", None)
        or getattr(pattern, "token_type", None)
        or getattr(pattern, "terminal_type", None)
        or getattr(pattern, "booking_type", None)
    )
    if object_type is not None:
        return version in object_type.models
    for name in ("models", "set_models", "response_models"):
        models = getattr(pattern, name, None)
        if models is not None:
            return version in models
    return True


def mount(table: RouteTable, pattern: Pattern, binding: Binding) -> None:
    if supports(pattern, binding.version):
        MOUNTERS[type(pattern)](table, pattern, binding)
