"""What only the application can decide, as small typed protocols with working defaults, so a node runs
before the application writes any: execute a command, authorize a token in real time, apply a charging
profile, accept charging preferences."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

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
    async def handle(self, command: str, request: dict[str, Any], version: str, partner: Party) -> CommandAnswer: ...


class AcceptCommands:
    """Default: every command is accepted, and reported done."""

    async def handle(self, command: str, request: dict[str, Any], version: str, partner: Party) -> CommandAnswer:
        return CommandAnswer()


@dataclass(slots=True)
class AuthorizationDecision:
    allowed: str = "ALLOWED"
    authorization_reference: str | None = None
    info: dict[str, str] | None = None


class TokenAuthorizer(Protocol):
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
    """ChargingProfileResponse now; `final_result` (with `profile` for an active-profile request) posted to
    `response_url` right after, unless None."""

    result: str = "ACCEPTED"
    timeout: int = 30
    final_result: str | None = "ACCEPTED"
    profile: dict[str, Any] | None = None


class ChargingProfileHandler(Protocol):
    async def active(self, session_id: str, duration: int, partner: Party) -> ProfileAnswer: ...

    async def set(self, session_id: str, profile: dict[str, Any], partner: Party) -> ProfileAnswer: ...

    async def clear(self, session_id: str, partner: Party) -> ProfileAnswer: ...


@dataclass
class RememberProfiles:
    """Default: keeps the last profile set per session and reports it as the active one."""

    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)

    async def active(self, session_id: str, duration: int, partner: Party) -> ProfileAnswer:
        profile = self.profiles.get(session_id.casefold())
        if profile is None:
            return ProfileAnswer(final_result="UNKNOWN")
        return ProfileAnswer(profile=profile)

    async def set(self, session_id: str, profile: dict[str, Any], partner: Party) -> ProfileAnswer:
        self.profiles[session_id.casefold()] = profile
        return ProfileAnswer()

    async def clear(self, session_id: str, partner: Party) -> ProfileAnswer:
        self.profiles.pop(session_id.casefold(), None)
        return ProfileAnswer()


class ChargingPreferencesHandler(Protocol):
    async def apply(self, session: dict[str, Any], preferences: dict[str, Any], partner: Party) -> str:
        """A ChargingPreferencesResponse value."""
        ...


class AcceptPreferences:
    async def apply(self, session: dict[str, Any], preferences: dict[str, Any], partner: Party) -> str:
        return "ACCEPTED"


class ResultListener(Protocol):
    async def received(self, kind: str, reference: str, result: dict[str, Any], partner: Party) -> None:
        """An asynchronous result arrived at one of our `response_url`s (command, charging profile)."""
        ...


@dataclass
class KeepResults:
    """Default: results are kept in memory, newest last, for the application to read."""

    results: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    async def received(self, kind: str, reference: str, result: dict[str, Any], partner: Party) -> None:
        self.results.append((kind, reference, result))


@dataclass
class Hooks:
    commands: CommandHandler = field(default_factory=AcceptCommands)
    authorization: TokenAuthorizer = field(default_factory=AllowValidTokens)
    charging_profiles: ChargingProfileHandler = field(default_factory=RememberProfiles)
    charging_preferences: ChargingPreferencesHandler = field(default_factory=AcceptPreferences)
    results: ResultListener = field(default_factory=KeepResults)
