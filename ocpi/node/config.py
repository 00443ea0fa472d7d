"""What a node is: its own parties (one per role it plays), where it is reachable, and its limits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

from ocpi.client.client import PartnerSettings
from ocpi.core.enums import RoleEnum
from ocpi.core.versions import SUPPORTED_VERSIONS
from ocpi.storage.base import PartyRole


@dataclass(frozen=True)
class OwnParty:
    """One role this platform plays, under its own country_code/party_id, with its business details."""

    role: RoleEnum
    country_code: str
    party_id: str
    name: str = "ocpi-python node"
    website: str | None = None

    def business_details(self) -> dict[str, Any]:
        details: dict[str, Any] = {"name": self.name}
        if self.website:
            details["website"] = self.website
        return details

    def as_party_role(self) -> PartyRole:
        return PartyRole(self.role.value, self.country_code, self.party_id)


@dataclass(frozen=True)
class NodeConfig:
    """Everything a node is: its `parties`, the versions and modules it serves, where it is reachable, its limits
    and what it runs (push, pull, health, metrics, console). `get_application` builds one from its arguments."""

    parties: Sequence[OwnParty]
    versions: Sequence[str] = SUPPORTED_VERSIONS
    modules: Sequence[str] | None = None
    """None: every module the roles implement (Bookings only with `bookings=True`)."""
    base_url: str | None = None
    """Public URL of the node (`https://ocpi.example.com`); None: taken from each request."""
    prefix: str = "/ocpi"
    bookings: bool = False
    max_page_size: int = 1000
    default_page_size: int = 100
    max_body_bytes: int = 1024 * 1024
    push: bool = True
    """Run a push worker inside the app (besides any dedicated worker processes)."""
    push_interval: float = 1.0
    pull_interval: float | None = None
    """Pull every partner's lists this often (seconds; the spec advises hours), resyncing after outages."""
    fill_total_cost: bool = False
    """Price the node's own Sessions and CDRs against the tariff of their connector (`ocpi.tariffs`) before
    storing them, replacing the `total_cost` they came with."""
    read_lane: bool = True
    """Answer the sender GETs (lists, one object) through the read lane (`ocpi.server.lane`); off, every
    request goes through FastAPI's routing. The answers are the same either way."""
    allow_private_urls: bool = False
    """Call partners on plain HTTP and private or loopback addresses (development, tests, `--demo`)."""
    health: bool = True
    """Answer container platforms' probes at `/health/live` and `/health/ready` (`ocpi.server.health`)."""
    metrics: bool = False
    """Serve Prometheus metrics at `/metrics` (`ocpi.server.metrics`)."""
    metrics_token: str | None = None
    """With `metrics`: the bearer token a scraper must send (`Authorization: Bearer ...`); None: no token."""
    console_token: str | None = None
    """Serve the operator's console at `/console`, to whoever signs in with this token (`ocpi.server.console`)."""
    broadcast_sessions_and_cdrs: bool = False
    """Show and push every Session and CDR to every partner. Off (the default), each goes only to the partner
    holding the party that owns its token (`cdr_token`), as a CPO in production does."""
    outbound: PartnerSettings = field(default_factory=PartnerSettings)
    """What every partner's client starts from: the deadline of a call (`timeout`), the largest answer accepted
    (`max_response_bytes`), retries; the settings stored with a partner override them."""
    strict: bool = False
    """A strict receiver: refuse (2001, naming each deviation with its path and rule) what a partner sends out of
    spec, instead of reading what is unambiguous and recording it as the partner's quirk (`ocpi parties show`)."""
    still_alive_interval: float = 300.0
    """A hub (a party of role HUB): how often it checks that each connected party still answers (a GET of its
    versions endpoint; spec, Hub Client Info: "after X minutes (5 when unsure)"), reporting one that does not
    as OFFLINE to the others, and CONNECTED again when it answers."""
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unsupported = [v for v in self.versions if v not in SUPPORTED_VERSIONS]
        if unsupported or not self.versions:
            named = f"unsupported OCPI version {', '.join(map(repr, unsupported))}" if unsupported else "no version"
            raise ValueError(f"{named}: a node serves some of {', '.join(SUPPORTED_VERSIONS)}")
        if any(p.role is RoleEnum.HUB for p in self.parties):
            if len(self.parties) != 1:
                raise ValueError("a hub plays one party, of role HUB: the parties it connects are its partners")
            served = tuple(v for v in self.versions if v != "2.1.1")  # 2.1.1 has no hub
            if not served:
                raise ValueError("a hub serves OCPI 2.2.1 or 2.3.0: 2.1.1 has no hub")
            object.__setattr__(self, "versions", served)

    @property
    def hub(self) -> OwnParty | None:
        """The node's party when it plays a Roaming Hub (role HUB), else None."""
        return next((p for p in self.parties if p.role is RoleEnum.HUB), None)

    @property
    def roles(self) -> list[RoleEnum]:
        seen: list[RoleEnum] = []
        for party in self.parties:
            if party.role not in seen:
                seen.append(party.role)
        return seen

    def is_own(self, country_code: str, party_id: str) -> bool:
        """Whether (country_code, party_id) is one of this node's parties, in any role: no partner may claim it."""
        wanted = (country_code.upper(), party_id.upper())
        return any((p.country_code.upper(), p.party_id.upper()) == wanted for p in self.parties)

    def owners(self, role: RoleEnum) -> list[tuple[str, str]]:
        return [(p.country_code.upper(), p.party_id.upper()) for p in self.parties if p.role == role]

    def party_for(self, role: RoleEnum) -> OwnParty:
        for party in self.parties:
            if party.role == role:
                return party
        raise LookupError(f"this node has no {role} party")


class NodeOptions(TypedDict, total=False):
    """The settings of `NodeConfig` that `get_application` takes as keyword options (`get_application(...,
    push_interval=0.5, strict=True)`); each is documented on `NodeConfig`."""

    prefix: str
    max_page_size: int
    default_page_size: int
    max_body_bytes: int
    push: bool
    push_interval: float
    pull_interval: float | None
    fill_total_cost: bool
    read_lane: bool
    allow_private_urls: bool
    health: bool
    metrics: bool
    metrics_token: str | None
    console_token: str | None
    broadcast_sessions_and_cdrs: bool
    outbound: PartnerSettings
    strict: bool
    still_alive_interval: float
    extra: dict[str, Any]
