"""What the checks share: the peer's versions and endpoints, its sender lists and the pages read from them
(each list is walked once and every check reads the walk)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic import BaseModel

from ocpi.client import PartnerSettings
from ocpi.conformance.probe import Exchange, Probe, with_params
from ocpi.core.interfaces import SenderList
from ocpi.core.pagination import next_link

if TYPE_CHECKING:
    from ocpi.conformance.write import WriteSession

EPOCH = "1970-01-01T00:00:00Z"


class UserError(Exception):
    """A mistake the user can fix (a bad URL, an unreachable peer, a refused token): one line, exit 2."""


@dataclass(frozen=True)
class Options:
    versions_url: str
    token: str
    version: str | None = None
    modules: tuple[str, ...] = ()
    write: bool = False
    token_a: str | None = None
    party: tuple[str, str] = ("ZZ", "CHK")
    """Our (country_code, party_id) as the CPO we play in the write checks."""
    listen: tuple[str, int] = ("127.0.0.1", 0)
    public_url: str | None = None
    """Where the peer reaches our in-process node (default: the address it listens on)."""
    max_pages: int = 50
    max_skew: float = 300.0
    """Largest accepted difference between the peer's clock and ours, in seconds."""
    outbound: PartnerSettings = field(default_factory=PartnerSettings)
    """The deadline of each call to the peer and the largest answer accepted, as for any partner."""
    to: tuple[str, str] | None = None
    """A party reached through the hub at `versions_url`: every request to a functional module names it in OCPI-to,
    and the checks judge its answers."""
    from_party: tuple[str, str] | None = None
    """Our party at a hub (OCPI-from of requests through it; the OCPI-to its answers must name)."""


@dataclass(frozen=True)
class Endpoint:
    identifier: str
    url: str
    role: str | None


@dataclass(frozen=True)
class Subject:
    """One sender list of the peer: a module (and segment, for Payments terminals) at a URL."""

    module: str
    url: str
    pattern: SenderList

    @property
    def name(self) -> str:
        return f"{self.module}/{self.pattern.segment}" if self.pattern.segment else self.module

    def model(self, version: str) -> type[BaseModel]:
        return self.pattern.object_type.models[version]

    @property
    def base_params(self) -> dict[str, str]:
        """Sessions lists require `date_from` (mod_sessions, GET): the earliest possible one."""
        return {"date_from": EPOCH} if self.pattern.date_from_required else {}


@dataclass
class Walk:
    """The pages of one list, read by following `Link` from the first with a small `limit`, so that even a
    short list spans a few pages."""

    first: Exchange
    limit: int | None
    pages: list[Exchange] = field(default_factory=list)
    complete: bool = False
    note: str | None = None
    """Why the walk stopped before the last page."""
    loop: bool = False

    @property
    def objects(self) -> list[tuple[Exchange, int, Any]]:
        return [(page, index, item) for page in self.pages for index, item in enumerate(page.data or [])]

    @property
    def error(self) -> str | None:
        for exchange in (self.first, *self.pages):
            if not exchange.succeeded or not isinstance(exchange.data, list):
                return f"{exchange.label} answered HTTP {exchange.status}, status_code {exchange.status_code}"
        return None


@dataclass
class HubPeer:
    """What a Roaming Hub says of itself: its Credentials (and the party they name it by), and the parties its Hub
    Client Info Sender lists."""

    credentials: Exchange
    party: tuple[str, str] | None
    listed: Exchange | None
    """The GET of its ClientInfo list; None: it offers no Hub Client Info Sender."""

    @property
    def roles(self) -> list[dict[str, Any]]:
        data = self.credentials.data
        roles = data.get("roles") if isinstance(data, dict) else None
        return [r for r in roles if isinstance(r, dict)] if isinstance(roles, list) else []

    @property
    def clients(self) -> list[dict[str, Any]]:
        data = self.listed.data if self.listed is not None else None
        return [i for i in data if isinstance(i, dict)] if isinstance(data, list) else []

    def client(self, party: tuple[str, str]) -> dict[str, Any] | None:
        return next(
            (i for i in self.clients if (str(i.get("country_code")).upper(), str(i.get("party_id")).upper()) == party),
            None,
        )


@dataclass
class Context:
    options: Options
    probe: Probe
    version: str
    versions: Exchange
    details: Exchange
    endpoints: list[Endpoint]
    subjects: list[Subject]
    write_session: WriteSession | None = None
    hub: HubPeer | None = None
    """The peer, when it is a Roaming Hub (or the hub a party is checked through, `Options.to`)."""
    cache: dict[str, Any] = field(default_factory=dict)
    """What checks share of their own requests (one request for several checks)."""
    _walks: dict[str, Walk] = field(default_factory=dict)
    _known: dict[str, Exchange | None] = field(default_factory=dict)

    def endpoint(self, module: str, role: str | None = None) -> str | None:
        for candidate in self.endpoints:
            if candidate.identifier == module and (role is None or candidate.role in (None, role)):
                return candidate.url
        return None

    async def walk(self, subject: Subject) -> Walk:
        if subject.name not in self._walks:
            self._walks[subject.name] = await self._walk(subject)
        return self._walks[subject.name]

    async def _walk(self, subject: Subject) -> Walk:
        first = await self.probe.get(subject.url, params=subject.base_params, expect="list", valid=True)
        walk = Walk(first, None)
        if walk.error:
            return walk
        count = first.header_int("x-total-count")
        count = len(first.data) if count is None else count
        walk.limit = max(1, -(-count // 3)) if count else None
        server_limit = first.header_int("x-limit")
        if walk.limit and server_limit:
            walk.limit = min(walk.limit, server_limit)
        url: str | None = with_params(subject.url, {**subject.base_params, "limit": walk.limit})
        seen: set[str] = set()
        host = urlsplit(subject.url).netloc
        while url is not None:
            if len(walk.pages) >= self.options.max_pages:
                walk.note = f"stopped after {self.options.max_pages} pages (--max-pages)"
                return walk
            if url in seen:
                walk.note = f"the Link of page {len(walk.pages)} points back to an earlier page: {url}"
                walk.loop = True
                return walk
            seen.add(url)
            page = await self.probe.get(url, expect="list", valid=True)
            walk.pages.append(page)
            if walk.error:
                return walk
            url = next_link(page.headers.get("link"))
            if not page.data:
                break
            if url is not None and urlsplit(url).netloc != host:
                walk.note = f"not following a Link to another host: {url}"
                return walk
        walk.complete = True
        return walk

    async def known_object(self, subject: Subject) -> Exchange | None:
        """GET of the first listed object by its id, where the module has that interface."""
        if subject.name not in self._known:
            self._known[subject.name] = None
            walk = await self.walk(subject)
            id_field = subject.pattern.object_type.id_field
            ids = [item.get(id_field) for _, _, item in walk.objects if isinstance(item, dict)]
            if subject.pattern.get_one and ids and isinstance(ids[0], str):
                url = f"{subject.url.rstrip('/')}/{ids[0]}"
                self._known[subject.name] = await self.probe.get(url, expect="object", valid=True)
        return self._known[subject.name]


def now_utc() -> datetime:
    return datetime.now(UTC)
