"""What only the application can decide, as small typed protocols with working defaults, so a node runs
before the application writes any: execute a command, authorize a token in real time, apply a charging
profile, accept charging preferences."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from ocpi.core.data_types import format_datetime
from ocpi.storage.base import Party


@dataclass(slots=True)
class CommandAnswer:
    """The CPO's answer now (`result`, `timeout`, `message`) and, when `final_result` is set, the result the
    node posts to the eMSP's `response_url` right after. Leave `final_result` None to post it yourself later."""

    result: str = "ACCEPTED"
    timeout: int = 30
    message: str | None = None
    final_result: str | None = "ACCEPTED"


class CommandHandler(Protocol):
    """Executes a command a partner sent (CPO): answers now, and says whether the node posts the result."""

    async def handle(self, command: str, request: dict[str, Any], version: str, partner: Party) -> CommandAnswer: ...


class AcceptCommands:
    """Default: every command is accepted, and reported done."""

    async def handle(self, command: str, request: dict[str, Any], version: str, partner: Party) -> CommandAnswer:
        return CommandAnswer()


@dataclass(slots=True)
class AuthorizationDecision:
    """A TokenAuthorizer's answer: `allowed` (an AllowedType), the reference to use in the session, a DisplayText
    `info` for the driver."""

    allowed: str = "ALLOWED"
    authorization_reference: str | None = None
    info: dict[str, str] | None = None


class TokenAuthorizer(Protocol):
    """Decides a real-time authorization of one of our Tokens (eMSP)."""

    async def authorize(
        self, token: dict[str, Any], location: dict[str, Any] | None, version: str, partner: Party
    ) -> AuthorizationDecision: ...


class AllowValidTokens:
    """Default: a valid token is ALLOWED, an invalid one NOT_ALLOWED."""

    async def authorize(
        self, token: dict[str, Any], location: dict[str, Any] | None, version: str, partner: Party
    ) -> AuthorizationDecision:
        return AuthorizationDecision("ALLOWED" if token.get("valid", True) else "NOT_ALLOWED")


@dataclass(slots=True)
class ProfileAnswer:
    """ChargingProfileResponse now; `final_result` (with `profile`, an ActiveChargingProfile, for an
    active-profile request) posted to `response_url` right after, unless None."""

    result: str = "ACCEPTED"
    timeout: int = 30
    final_result: str | None = "ACCEPTED"
    profile: dict[str, Any] | None = None


class ChargingProfileHandler(Protocol):
    """Applies the charging profiles a partner sets, reads or clears for a session (CPO)."""

    async def active(self, session_id: str, duration: int, partner: Party) -> ProfileAnswer: ...

    async def set(self, session_id: str, profile: dict[str, Any], partner: Party) -> ProfileAnswer: ...

    async def clear(self, session_id: str, partner: Party) -> ProfileAnswer: ...


@dataclass
class RememberProfiles:
    """Default: keeps the last profile set per session and reports it as the active one."""

    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Session id -> the ActiveChargingProfile (`start_date_time`, `charging_profile`) last set."""

    async def active(self, session_id: str, duration: int, partner: Party) -> ProfileAnswer:
        profile = self.profiles.get(session_id.casefold())
        if profile is None:
            return ProfileAnswer(final_result="UNKNOWN")
        return ProfileAnswer(profile=profile)

    async def set(self, session_id: str, profile: dict[str, Any], partner: Party) -> ProfileAnswer:
        started = profile.get("start_date_time") or format_datetime(datetime.now(UTC))
        self.profiles[session_id.casefold()] = {"start_date_time": started, "charging_profile": profile}
        return ProfileAnswer()

    async def clear(self, session_id: str, partner: Party) -> ProfileAnswer:
        self.profiles.pop(session_id.casefold(), None)
        return ProfileAnswer()


class ChargingPreferencesHandler(Protocol):
    """Takes a driver's charging preferences for a session (CPO)."""

    async def apply(self, session: dict[str, Any], preferences: dict[str, Any], partner: Party) -> str:
        """A ChargingPreferencesResponse value."""
        ...


class AcceptPreferences:
    async def apply(self, session: dict[str, Any], preferences: dict[str, Any], partner: Party) -> str:
        return "ACCEPTED"


class ResultListener(Protocol):
    """Hears the asynchronous results that arrive at our `response_url`s."""

    async def received(self, kind: str, reference: str, result: dict[str, Any], partner: Party) -> None:
        """An asynchronous result arrived at one of our `response_url`s (command, charging profile)."""
        ...


@dataclass
class KeepResults:
    """Default: results are kept in memory, newest last, for the application to read."""

    results: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    async def received(self, kind: str, reference: str, result: dict[str, Any], partner: Party) -> None:
        self.results.append((kind, reference, result))


class PaymentTerminalHandler(Protocol):
    """Activates and deactivates payment terminals when a CPO asks (PTP)."""

    async def activate(self, request: dict[str, Any], partner: Party) -> dict[str, Any]:
        """A CPO asks to activate a terminal: return the Terminal (with its `terminal_id`) to create."""
        ...

    async def deactivate(self, terminal: dict[str, Any], partner: Party) -> None: ...


class ActivateTerminals:
    """Default: activation creates the terminal under a new id; deactivation is acknowledged."""

    async def activate(self, request: dict[str, Any], partner: Party) -> dict[str, Any]:
        return {
            **request,
            "terminal_id": request.get("terminal_id") or uuid.uuid4().hex,
            "last_updated": format_datetime(datetime.now(UTC)),
        }

    async def deactivate(self, terminal: dict[str, Any], partner: Party) -> None:
        return None


class BookingHandler(Protocol):
    """Answers booking requests for our BookingLocations (CPO)."""

    async def request(
        self, request: dict[str, Any], location: dict[str, Any], current: dict[str, Any] | None, partner: Party
    ) -> dict[str, Any]:
        """A BookingRequest for one of our BookingLocations (`current`: the Booking of an earlier request with
        the same `request_id`): return the Booking."""
        ...


class ReserveWhenAsked:
    """Default: a request reserves (its cancellation cancels); the Booking's id is the request id."""

    async def request(
        self, request: dict[str, Any], location: dict[str, Any], current: dict[str, Any] | None, partner: Party
    ) -> dict[str, Any]:
        now = format_datetime(datetime.now(UTC))
        canceled = request.get("canceled")
        history = list((current or {}).get("booking_requests") or [])
        history.append({"request_status": "ACCEPTED", "booking_request": request, "request_received": now})
        booking = {
            "id": request["request_id"],
            "country_code": location["country_code"],
            "party_id": location["party_id"],
            "request_id": request["request_id"],
            "location_id": request["location_id"],
            "period": request["period"],
            "reservation_status": "CANCELED" if canceled else "RESERVED",
            "authorization_reference": request["authorization_reference"],
            "booking_terms": location.get("booking_terms") or {},
            "booking_requests": history,
            "last_updated": now,
        }
        optional = {
            "booking_option": request.get("booking_option") or location.get("booking_option"),
            "booking_tokens": request.get("tokens"),
            "tariff_ids": location.get("tariff_ids"),
            "access_information": request.get("access_information"),
            "canceled": canceled,
        }
        return {**booking, **{k: v for k, v in optional.items() if v}}


@dataclass
class Hooks:
    """The application's decisions (each a protocol of this module, each with a working default)."""

    commands: CommandHandler = field(default_factory=AcceptCommands)
    authorization: TokenAuthorizer = field(default_factory=AllowValidTokens)
    charging_profiles: ChargingProfileHandler = field(default_factory=RememberProfiles)
    charging_preferences: ChargingPreferencesHandler = field(default_factory=AcceptPreferences)
    results: ResultListener = field(default_factory=KeepResults)
    payment_terminals: PaymentTerminalHandler = field(default_factory=ActivateTerminals)
    bookings: BookingHandler = field(default_factory=ReserveWhenAsked)
