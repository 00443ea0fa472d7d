"""What only the application can decide, as small typed protocols with working defaults, so a node runs
before the application writes any: execute a command, authorize a token in real time, apply a charging
profile, accept charging preferences, activate a payment terminal, answer a booking request, hear an
asynchronous result.

Every hook receives the canonical objects (the 2.3.0 models, `ocpi.modules.<module>.v_2_3_0.schemas`), whatever
version the partner speaks: the node converts what a 2.1.1 or 2.2.1 partner sends up, and what the hook returns
down. The partner's version comes along only as information, in the `Requester`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol, TypeAlias

from pydantic import BaseModel

from ocpi.core.data_types import format_datetime
from ocpi.modules.bookings.v_2_3_0.schemas import Booking, BookingLocation, BookingRequest
from ocpi.modules.chargingprofiles.v_2_3_0.schemas import ActiveChargingProfile, ChargingProfile
from ocpi.modules.commands.v_2_3_0.schemas import (
    CancelReservation,
    ReserveNow,
    StartSession,
    StopSession,
    UnlockConnector,
)
from ocpi.modules.payments.v_2_3_0.schemas import Terminal, TerminalActivationRequest
from ocpi.modules.sessions.v_2_3_0.schemas import ChargingPreferences, Session
from ocpi.modules.tokens.v_2_3_0.schemas import LocationReferences, Token
from ocpi.storage.base import Party

Command: TypeAlias = StartSession | StopSession | ReserveNow | CancelReservation | UnlockConnector
"""A command's request, as the canonical model of its type."""


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asks: the registered partner, and the OCPI version of its request (for information only: a hook gets
    and returns canonical objects in every version)."""

    party: Party
    """The party asking; through a hub, the party behind it (OCPI-from), over the hub's connection."""
    version: str
    via: Party | None = None
    """The hub the request came through, None for a direct partner."""
    response_url: str | None = None
    """Where the partner wants this request's asynchronous result (a charging profile request's), for a hook
    that answers later (`final_result=None`) and posts it itself (`node.post_result`)."""


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

    async def handle(self, command: str, request: Command, requester: Requester) -> CommandAnswer:
        """`command`: the command type (`START_SESSION`, ...); `request`: its canonical object."""
        ...


class AcceptCommands:
    """Default: every command is accepted, and reported done."""

    async def handle(self, command: str, request: Command, requester: Requester) -> CommandAnswer:
        return CommandAnswer()


@dataclass(slots=True)
class AuthorizationDecision:
    """A TokenAuthorizer's answer: `allowed` (an AllowedType), the reference to use in the session, a DisplayText
    `info` for the driver."""

    allowed: str = "ALLOWED"
    authorization_reference: str | None = None
    info: dict[str, str] | None = None
    """A DisplayText (`{"language": ..., "text": ...}`) shown to the driver."""


class TokenAuthorizer(Protocol):
    """Decides a real-time authorization of one of our Tokens (eMSP)."""

    async def authorize(
        self, token: Token, location: LocationReferences | None, requester: Requester
    ) -> AuthorizationDecision:
        """Real-time authorization of one of our Tokens, where the CPO says (`location`, if it does)."""
        ...


class AllowValidTokens:
    """Default: a valid token is ALLOWED, an invalid one NOT_ALLOWED."""

    async def authorize(
        self, token: Token, location: LocationReferences | None, requester: Requester
    ) -> AuthorizationDecision:
        return AuthorizationDecision("ALLOWED" if token.valid else "NOT_ALLOWED")


@dataclass(slots=True)
class ProfileAnswer:
    """ChargingProfileResponse now; `final_result` (with `profile`, an ActiveChargingProfile, for an
    active-profile request) posted to `response_url` right after. Leave it None to post the result yourself later
    (to `Requester.response_url`)."""

    result: str = "ACCEPTED"
    timeout: int = 30
    final_result: str | None = "ACCEPTED"
    profile: ActiveChargingProfile | None = None


class ChargingProfileHandler(Protocol):
    """Applies the charging profiles a partner sets, reads or clears for a session (CPO)."""

    async def active(self, session_id: str, duration: int, requester: Requester) -> ProfileAnswer: ...

    async def set(self, session_id: str, profile: ChargingProfile, requester: Requester) -> ProfileAnswer: ...

    async def clear(self, session_id: str, requester: Requester) -> ProfileAnswer: ...


@dataclass
class RememberProfiles:
    """Default: keeps the last profile set per session and reports it as the active one."""

    profiles: dict[str, ActiveChargingProfile] = field(default_factory=dict)
    """Session id (case-folded) -> the ActiveChargingProfile last set."""

    async def active(self, session_id: str, duration: int, requester: Requester) -> ProfileAnswer:
        profile = self.profiles.get(session_id.casefold())
        if profile is None:
            return ProfileAnswer(final_result="UNKNOWN")
        return ProfileAnswer(profile=profile)

    async def set(self, session_id: str, profile: ChargingProfile, requester: Requester) -> ProfileAnswer:
        started = profile.start_date_time or datetime.now(UTC)
        self.profiles[session_id.casefold()] = ActiveChargingProfile(start_date_time=started, charging_profile=profile)
        return ProfileAnswer()

    async def clear(self, session_id: str, requester: Requester) -> ProfileAnswer:
        self.profiles.pop(session_id.casefold(), None)
        return ProfileAnswer()


class ChargingPreferencesHandler(Protocol):
    """Takes a driver's charging preferences for a session (CPO)."""

    async def apply(self, session: Session, preferences: ChargingPreferences, requester: Requester) -> str:
        """A ChargingPreferencesResponse value (`ACCEPTED`, `DEPARTURE_REQUIRED`, ...)."""
        ...


class AcceptPreferences:
    async def apply(self, session: Session, preferences: ChargingPreferences, requester: Requester) -> str:
        return "ACCEPTED"


class ResultListener(Protocol):
    """Hears the asynchronous results that arrive at our `response_url`s."""

    async def received(self, kind: str, reference: str, result: BaseModel, requester: Requester) -> None:
        """An asynchronous result arrived at one of our `response_url`s: `kind` `commands/results` (a
        CommandResult), `chargingprofiles/active|set|clear` (ActiveChargingProfileResult, ChargingProfileResult,
        ClearProfileResult), `chargingprofiles/active` on the SCSP's side (an ActiveChargingProfile)."""
        ...


@dataclass
class KeepResults:
    """Default: results are kept in memory, newest last, for the application to read."""

    results: list[tuple[str, str, BaseModel]] = field(default_factory=list)
    """(kind, reference, result) of each result received."""

    async def received(self, kind: str, reference: str, result: BaseModel, requester: Requester) -> None:
        self.results.append((kind, reference, result))


class PaymentTerminalHandler(Protocol):
    """Activates and deactivates payment terminals when a CPO asks (PTP)."""

    async def activate(self, request: TerminalActivationRequest, requester: Requester) -> Terminal:
        """A CPO asks to activate a terminal: return the Terminal (with its `terminal_id`) to create."""
        ...

    async def deactivate(self, terminal: Terminal, requester: Requester) -> None: ...


class ActivateTerminals:
    """Default: activation creates the terminal under a new id; deactivation is acknowledged."""

    async def activate(self, request: TerminalActivationRequest, requester: Requester) -> Terminal:
        fields = request.model_dump(exclude_none=True)
        fields.update(terminal_id=request.terminal_id or uuid.uuid4().hex, last_updated=datetime.now(UTC))
        return Terminal.model_validate(fields)

    async def deactivate(self, terminal: Terminal, requester: Requester) -> None:
        return None


class BookingHandler(Protocol):
    """Answers booking requests for our BookingLocations (CPO)."""

    async def request(
        self, request: BookingRequest, location: BookingLocation, current: Booking | None, requester: Requester
    ) -> Booking:
        """A BookingRequest for one of our BookingLocations (`current`: the Booking of an earlier request with
        the same `request_id`): return the Booking."""
        ...


class ReserveWhenAsked:
    """Default: a request reserves (its cancellation cancels); the Booking's id is the request id."""

    async def request(
        self, request: BookingRequest, location: BookingLocation, current: Booking | None, requester: Requester
    ) -> Booking:
        now = format_datetime(datetime.now(UTC))
        asked = request.model_dump(mode="json", exclude_none=True)
        place = location.model_dump(mode="json", exclude_none=True)
        history = [] if current is None else current.model_dump(mode="json", exclude_none=True)["booking_requests"]
        history.append({"request_status": "ACCEPTED", "booking_request": asked, "request_received": now})
        booking = {
            "id": asked["request_id"],
            "country_code": place["country_code"],
            "party_id": place["party_id"],
            "request_id": asked["request_id"],
            "location_id": asked["location_id"],
            "period": asked["period"],
            "reservation_status": "CANCELED" if request.canceled else "RESERVED",
            "authorization_reference": asked["authorization_reference"],
            "booking_terms": place.get("booking_terms") or {},
            "booking_requests": history,
            "last_updated": now,
        }
        optional = {
            "booking_option": asked.get("booking_option") or place.get("booking_option"),
            "booking_tokens": asked.get("tokens"),
            "tariff_ids": place.get("tariff_ids"),
            "access_information": asked.get("access_information"),
            "canceled": asked.get("canceled"),
        }
        return Booking.model_validate({**booking, **{k: v for k, v in optional.items() if v}})


@dataclass
class Hooks:
    """The application's decisions (each a protocol above; every one has a working default)."""

    commands: CommandHandler = field(default_factory=AcceptCommands)
    authorization: TokenAuthorizer = field(default_factory=AllowValidTokens)
    charging_profiles: ChargingProfileHandler = field(default_factory=RememberProfiles)
    charging_preferences: ChargingPreferencesHandler = field(default_factory=AcceptPreferences)
    results: ResultListener = field(default_factory=KeepResults)
    payment_terminals: PaymentTerminalHandler = field(default_factory=ActivateTerminals)
    bookings: BookingHandler = field(default_factory=ReserveWhenAsked)
