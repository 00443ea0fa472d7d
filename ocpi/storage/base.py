"""The `Store` protocol: what a user implements to keep OCPI data in their own database.

Objects are kept in canonical (2.3.0) JSON, plus the JSON already rendered for each version, so a read is
a copy of bytes: nothing is validated or encoded again on the way out.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from ocpi.core.interfaces import audience_name


@dataclass(frozen=True, slots=True)
class ObjectKey:
    """Identity of a stored object. `country_code`/`party_id` are its owner's; `variant` separates objects
    that share an id (Token `type`). Comparison is case-insensitive (CiString), so keys are normalised."""

    module: str
    country_code: str
    party_id: str
    object_id: str
    variant: str = ""

    @classmethod
    def of(cls, module: str, country_code: str, party_id: str, object_id: str, variant: str = "") -> ObjectKey:
        return cls(module, country_code.upper(), party_id.upper(), object_id, variant.upper())

    @property
    def lookup_id(self) -> str:
        return self.object_id.casefold()


@dataclass(slots=True)
class StoredObject:
    """An object as a store keeps it: its key, its canonical JSON, its JSON rendered per version."""

    key: ObjectKey
    last_updated: datetime
    canonical: bytes
    rendered: dict[str, bytes | None] = field(default_factory=dict)
    """Version -> the object's JSON in that version (None when it cannot be expressed there)."""
    pk: int | None = None
    """The store's own row id, where it has one (change records refer to it)."""
    audience: str | None = None
    """`CC/PID` of the only party this object may be shown or sent to (Sessions, CDRs: the owner of their
    token, see `ObjectType.audience_field`); None: any partner."""


class PutOutcome(enum.Enum):
    CREATED = "created"
    UPDATED = "updated"
    STALE = "stale"
    """Not written: the stored object has a newer `last_updated`."""
    CONFLICT = "conflict"
    """Not written: the stored object is no longer the one the change was computed from (`expected`)."""


@dataclass(slots=True)
class Page:
    items: list[bytes]
    total: int
    last_position: int | str | None = None
    """Where this page ended in the store's order, for the next page's `ListQuery.after` (keyset): the built-in
    store's row number, or the opaque cursor of an application's source (`ocpi.storage.sources`)."""


@dataclass(frozen=True, slots=True)
class ListQuery:
    module: str
    version: str
    owners: Sequence[tuple[str, str]] | None = None
    """Only objects of these (country_code, party_id) owners; None for all."""
    date_from: datetime | None = None
    date_to: datetime | None = None
    offset: int = 0
    limit: int = 50
    after: int | str | None = None
    """Continue after this position (a previous `Page.last_position`) instead of skipping `offset` objects:
    the same page, found through the index instead of by counting every object before it."""
    audiences: Sequence[str] | None = None
    """Only objects whose `audience` is one of these `CC/PID` (a partner's parties, for its Sessions and CDRs);
    None: no such filter."""


class Store(Protocol):
    """Where a node's objects live: what `SqlStore` implements (which also keeps the node's partners, credentials
    and change log), and what a store of objects over your own database implements (`get_application(objects=...)`;
    guide: "Bringing your own data")."""

    async def get(self, key: ObjectKey) -> StoredObject | None: ...

    async def get_rendered(self, key: ObjectKey, version: str) -> bytes | None:
        """`get(key).rendered[version]` without the rest: the object's JSON in `version`, None when there is no
        object or it cannot be expressed in `version`. Every read of one object through the API comes here."""
        ...

    async def put(
        self,
        key: ObjectKey,
        last_updated: datetime,
        canonical: bytes,
        rendered: Mapping[str, bytes | None],
        *,
        expected: bytes | None = None,
        audience: str | None = None,
    ) -> PutOutcome:
        """Create or replace, unless the stored object is newer (then STALE and nothing changes). With
        `expected` (the canonical JSON a read-modify-write started from), replace only if the stored object is
        still that one, else CONFLICT: the caller reads again and retries. `audience`: see
        `StoredObject.audience`; `page` filters on it (`ListQuery.audiences`), `get` returns it."""
        ...

    async def delete(self, key: ObjectKey) -> bool: ...

    async def page(self, query: ListQuery) -> Page:
        """Objects in creation order; `date_from` inclusive, `date_to` exclusive, on `last_updated`; only those
        of `owners` and `audiences` when given."""
        ...

    async def close(self) -> None: ...


class TokenKind(enum.StrEnum):
    A = "A"
    """Issued out of band for registration: versions and credentials only, single use, expires."""
    C = "C"
    """Issued to a registered partner in the handshake (or by hand): every module."""


@dataclass(frozen=True, slots=True)
class PartyRole:
    """One (role, country_code, party_id) a partner acts as."""

    role: str
    country_code: str
    party_id: str


@dataclass(slots=True)
class Party:
    """A partner platform. `roles` say under which (country_code, party_id) it may write."""

    pk: int
    name: str
    roles: list[PartyRole]
    state: str = "invited"
    version: str | None = None
    versions_url: str | None = None
    endpoints: list[dict[str, str]] = field(default_factory=list)
    outbound_token: str | None = None
    """The token we send when calling the partner (its token B or C); needed in clear to send it."""
    settings: dict[str, Any] = field(default_factory=dict)
    """Interop settings of this partner (`ocpi.client.PartnerSettings` fields: `base64_token`, `timeout`,
    ...): named options instead of code forks for a partner's quirks."""
    allowed_parties: list[tuple[str, str]] | None = None
    """The (country_code, party_id) this partner may ever claim, from the token A it registered with (`parties`
    of `issue_token`); None: any that no one else holds."""

    def owns(self, country_code: str, party_id: str) -> bool:
        cc, pid = country_code.upper(), party_id.upper()
        return any(r.country_code.upper() == cc and r.party_id.upper() == pid for r in self.roles)

    @property
    def hub(self) -> PartyRole | None:
        """The partner's party as a Roaming Hub (2.2.1: its role HUB; 2.3.0: its `hub_party_id`, kept as role HUB
        by the handshake), None when the partner is no hub."""
        return next((r for r in self.roles if r.role == "HUB"), None)

    def audiences(self) -> list[str]:
        """Its parties as `StoredObject.audience` names them."""
        return list(dict.fromkeys(audience_name(r.country_code, r.party_id) for r in self.roles))


class PartyClaimed(Exception):
    """A party (country_code, party_id) claimed by a partner is another live partner's already."""

    def __init__(self, claimed: PartyRole, holder: str):
        super().__init__(f"{claimed.country_code}/{claimed.party_id} is registered by another partner ({holder})")
        self.claimed = claimed
        self.holder = holder


@dataclass(frozen=True, slots=True)
class TokenClaim:
    """A token A taken for one registration (`claim_token_a`): no other can use it while it lasts; given back
    (`release_token_a`) when that registration fails."""

    token_pk: int
    claimed_at: datetime
    parties: list[tuple[str, str]] | None
    """The parties the token may register (`issue_token(..., parties=...)`); None: any."""


@dataclass(slots=True)
class Credential:
    """A token a partner may call us with, found by the hash of the token (the token itself is not kept)."""

    kind: TokenKind
    party: Party | None
    expires_at: datetime | None = None


class CredentialLookup(Protocol):
    """Who a token belongs to: the store, or the application's own (`get_application(authenticator=...)`)."""

    async def find_credential(self, token: str) -> Credential | None: ...


async def read_every_item(store: Store, query: ListQuery) -> list[bytes]:
    """Every item of the list `query` names, `query.limit` a page: each page after the previous one's last
    position, found through the index instead of by counting every object before it (at the offset reached
    when a store gives no position)."""
    items: list[bytes] = []
    after = None
    while True:
        page = await store.page(replace(query, offset=len(items), after=after))
        items += page.items
        if len(page.items) < query.limit or len(items) >= page.total:
            return items
        after = page.last_position
