"""Descriptors of what a module offers: its stored objects and the interface patterns it exposes per role.

Each module's `interfaces.py` is data built from these; the server owns one implementation per pattern and
binds it to every module x version x role from these descriptors. No HTTP here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from pydantic import BaseModel

from ocpi.core.convert import ConversionContext, Converted
from ocpi.core.enums import InterfaceRole, RoleEnum
from ocpi.core.versions import SUPPORTED_VERSIONS

ALL_VERSIONS = SUPPORTED_VERSIONS
PATCH_NEEDS_LAST_UPDATED = frozenset({"2.2.1", "2.3.0"})


class Converter(Protocol):
    """A module's `convert` module: each version to and from the canonical (2.3.0) form."""

    def to_canonical(
        self, obj: BaseModel, version: str, context: ConversionContext | None = None
    ) -> Converted[BaseModel]: ...

    def from_canonical(
        self, obj: BaseModel, version: str, context: ConversionContext | None = None
    ) -> Converted[BaseModel]: ...


@dataclass(frozen=True)
class Child:
    """An object nested in a stored object and addressable by URL, e.g. a Location's EVSEs:
    `Child("evses", "uid", {...EVSE models})`, reached as `{location_id}/{evse_uid}`."""

    field: str
    id_field: str
    models: Mapping[str, type[BaseModel]]
    children: tuple[Child, ...] = ()
    patched_alike: frozenset[str] = frozenset()
    """Required fields that every version and the canonical form hold under the same name, of the same type, and
    that no conversion reads or changes (an EVSE's `status`): a PATCH of these alone is the same change in every
    version's rendering, so it is applied to each stored rendering as it is instead of rendering the whole object
    in every version again."""

    @property
    def name(self) -> str:
        return next(iter(self.models.values())).__name__


@dataclass(frozen=True)
class ObjectType:
    """A top-level object a module stores, in every version the module has."""

    module: str
    models: Mapping[str, type[BaseModel]]
    converter: Converter
    id_field: str = "id"
    variant_field: str | None = None
    """A second key field: Token `type` (a uid alone is not unique)."""
    variant_default: str = ""
    children: tuple[Child, ...] = ()
    patch_versions: frozenset[str] = frozenset(ALL_VERSIONS)
    """Versions in which the receiver has PATCH (Tariffs: only 2.1.1)."""
    patch_needs_last_updated: frozenset[str] = PATCH_NEEDS_LAST_UPDATED
    """Versions whose PATCH bodies must carry `last_updated` (not the 2.3.0 Payments terminals)."""
    appended_on_patch: tuple[str, ...] = ()
    """List fields a PATCH appends to instead of replacing (Session `charging_periods`, 2.2.1+)."""
    owned: bool = True
    """Whether the object carries `country_code`/`party_id` of its owner (2.2.1+)."""
    audience_field: str | None = None
    """The canonical field naming a token (`cdr_token`) whose owner is the only party the object is shown or sent
    to (Sessions, CDRs: the spec lets a CPO send them only to the eMSP they are relevant to); None: to anyone."""

    @property
    def name(self) -> str:
        return next(iter(self.models.values())).__name__

    def audience(self, canonical: BaseModel) -> str | None:
        """`CC/PID` of the owner of the object's token (`audience_field`), None for an object of any audience."""
        if self.audience_field is None:
            return None
        token = getattr(canonical, self.audience_field, None)
        country_code, party_id = getattr(token, "country_code", None), getattr(token, "party_id", None)
        if not country_code or not party_id:
            return None
        return audience_name(str(country_code), str(party_id))

    @property
    def versions(self) -> tuple[str, ...]:
        return tuple(v for v in ALL_VERSIONS if v in self.models)


def audience_name(country_code: str, party_id: str) -> str:
    """A party as an object's audience names it (`StoredObject.audience`): `CC/PID`, upper case."""
    return f"{country_code.upper()}/{party_id.upper()}"


_PARTY_NAME = re.compile(r"^([A-Za-z]{2})[/*-]?([A-Za-z0-9]{3})$")


def parse_party_name(text: str) -> tuple[str, str] | None:
    """`NL/CPO` (also `NL*CPO`, `NL-CPO`, `NLCPO`, any case) as ("NL", "CPO"); None if it names no party."""
    match = _PARTY_NAME.match(text.strip())
    return None if match is None else (match.group(1).upper(), match.group(2).upper())


@dataclass(frozen=True)
class Delivery:
    """How a module's objects reach a partner's receiver when pushed: `PUT` to the owner-keyed URL
    `{url}/{country_code}/{party_id}/{id}` (with the object's variant as the `variant_param` query parameter in
    `variant_versions`: a Token's `type`), or `POST` to the module's URL (CDRs, which the receiver files itself)."""

    method: str
    variant_param: str | None = None
    variant_versions: frozenset[str] = frozenset()

    @property
    def owner_keyed(self) -> bool:
        return self.method == "PUT"


PUT_BY_OWNER = Delivery("PUT")


# --- interface patterns ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SenderList:
    """GET `{url}[/{segment}]` paginated list; with `get_one`, also GET `{url}[/{segment}]/{id}` and the
    children's URLs (Locations: `/{location_id}/{evse_uid}/{connector_id}`)."""

    object_type: ObjectType
    segment: str = ""
    get_one: bool = False
    date_from_required: bool = False


@dataclass(frozen=True)
class OwnerKeyedReceiver:
    """GET/PUT/PATCH/DELETE on `{url}/{country_code}/{party_id}[/{segment}]/{id}[/{child ids}]`: objects
    a partner owns and pushes to us. `by_owner_only` drops the `{id}` (Hub Client Info)."""

    object_type: ObjectType
    methods: frozenset[str] = frozenset({"GET", "PUT", "PATCH"})
    segment: str = ""
    by_owner_only: bool = False


@dataclass(frozen=True)
class PostReceiver:
    """POST `{url}[/{segment}]` creates an immutable object (CDRs, payment terminals and confirmations);
    the answer's `Location` header is where GET reads it back."""

    object_type: ObjectType
    segment: str = ""
    get_by_id: bool = False
    """GET reads `{url}[/{segment}]/{id}`, the id alone (the Payments URL segments), instead of
    `/{country_code}/{party_id}/{id}` (a CDR's URL is the receiver's to choose)."""


@dataclass(frozen=True)
class CommandReceiver:
    """POST `{url}/{command}` (CPO): the command models per version, answered with CommandResponse now and a
    result later at the command's `response_url`."""

    commands: Mapping[str, Mapping[str, type[BaseModel]]]
    """Command name -> version -> request model."""
    response_models: Mapping[str, type[BaseModel]]
    result_models: Mapping[str, type[BaseModel]]


@dataclass(frozen=True)
class CallbackReceiver:
    """POST `{url}/{segment}/{reference}`: where an asynchronous result lands (a CommandResult at the eMSP,
    a charging profile result at the SCSP). The URL is ours to build and hand out as `response_url`."""

    segment: str
    models: Mapping[str, type[BaseModel]]
    context: ConversionContext | None = None
    """How the module's converter reads a result up to its canonical form (a 2.1.1 command result is a
    CommandResponse read as the asynchronous result)."""


@dataclass(frozen=True)
class TokenAuthorization:
    """POST `{url}/{token_uid}/authorize[?type=]` (eMSP): real-time authorization of a Token."""

    token_type: ObjectType
    location_references: Mapping[str, type[BaseModel]]
    authorization_info: Mapping[str, type[BaseModel]]


@dataclass(frozen=True)
class ChargingPreferencesReceiver:
    """PUT `{url}/{session_id}/charging_preferences` (CPO, 2.2.1+), answered with a
    ChargingPreferencesResponse value."""

    models: Mapping[str, type[BaseModel]]


@dataclass(frozen=True)
class ChargingProfilesReceiver:
    """GET/PUT/DELETE `{url}/{session_id}` (CPO, 2.2.1+): answered now with ChargingProfileResponse, the
    result later at `response_url`."""

    set_models: Mapping[str, type[BaseModel]]
    response_models: Mapping[str, type[BaseModel]]
    active_result_models: Mapping[str, type[BaseModel]]
    set_result_models: Mapping[str, type[BaseModel]]
    clear_result_models: Mapping[str, type[BaseModel]]
    active_profile_models: Mapping[str, type[BaseModel]]


@dataclass(frozen=True)
class ActiveProfileReceiver:
    """PUT `{url}/{session_id}` at the sender of charging profiles (SCSP, eMSP): the CPO pushes the
    ActiveChargingProfile when it changes."""

    models: Mapping[str, type[BaseModel]]


@dataclass(frozen=True)
class TerminalActions:
    """The PTP's terminal endpoints the CPO calls (2.3.0 Payments): POST `{url}/terminals/activate`, POST
    `{url}/terminals/{terminal_id}/deactivate`, PUT and PATCH `{url}/terminals/{terminal_id}`."""

    terminal_type: ObjectType
    activation_models: Mapping[str, type[BaseModel]]
    patch_models: Mapping[str, type[BaseModel]]


@dataclass(frozen=True)
class BookingRequests:
    """POST `{url}` with a BookingRequest (Bookings extension): answered with the Booking, which is kept as
    one of our objects (listed, pushed); edits and cancellations reuse the request's `request_id`."""

    booking_type: ObjectType
    location_type: ObjectType
    request_models: Mapping[str, type[BaseModel]]


Pattern = (
    SenderList
    | OwnerKeyedReceiver
    | PostReceiver
    | CommandReceiver
    | CallbackReceiver
    | TokenAuthorization
    | ChargingPreferencesReceiver
    | ChargingProfilesReceiver
    | ActiveProfileReceiver
    | TerminalActions
    | BookingRequests
)


@dataclass(frozen=True)
class Interface:
    """One side of a module: the patterns a role serves for it, in the versions given."""

    module: str
    side: InterfaceRole
    patterns: tuple[Pattern, ...]
    versions: tuple[str, ...] = ALL_VERSIONS


@dataclass(frozen=True)
class ModuleInterfaces:
    """A module's two sides, and which side each role implements (spec, terminology: typical roles)."""

    module: str
    sender: Interface | None
    receiver: Interface | None
    sides: Mapping[RoleEnum, InterfaceRole] = field(default_factory=dict)
    delivery: Delivery | None = None
    """How its objects are pushed to a partner's receiver (and pulled from its sender); None: neither."""

    def for_role(self, role: RoleEnum) -> Interface | None:
        side = self.sides.get(role)
        if side is InterfaceRole.SENDER:
            return self.sender
        if side is InterfaceRole.RECEIVER:
            return self.receiver
        return None
