"""Partners as the built-in store keeps them: a row per partner (its roles, endpoints and settings as JSON, its
outbound token encrypted with the node key), and the rule that a party belongs to at most one live partner."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ocpi.storage.base import Party, PartyClaimed, PartyRole
from ocpi.storage.secrets import NodeKey
from ocpi.storage.tables import parties

PARTY_FIELDS = ("name", "state", "version", "versions_url", "outbound_token")
_CLAIMS_LOCK = 0x0C92
"""The advisory lock (namespace, 0) under which PostgreSQL checks partners' claims of parties."""


def dump_roles(roles: Sequence[PartyRole]) -> str:
    data = [{"role": r.role, "country_code": r.country_code, "party_id": r.party_id} for r in roles]
    return orjson.dumps(data).decode()


def dump_parties(found: Sequence[tuple[str, str]] | None) -> str | None:
    return None if found is None else orjson.dumps([[cc.upper(), pid.upper()] for cc, pid in found]).decode()


def load_parties(text: str | None) -> list[tuple[str, str]] | None:
    return None if text is None else [(cc, pid) for cc, pid in orjson.loads(text)]


def party_columns(fields: Mapping[str, Any], node_key: NodeKey) -> dict[str, Any]:
    """The columns of a partner's `fields`; its outbound token encrypted with the node key."""
    unknown = set(fields) - set(PARTY_FIELDS) - {"endpoints", "roles", "settings", "allowed_parties"}
    if unknown:
        raise TypeError(f"unknown party fields: {sorted(unknown)}")
    values = {k: v for k, v in fields.items() if k in PARTY_FIELDS}
    if values.get("outbound_token") is not None:
        values["outbound_token"] = node_key.encrypt(values["outbound_token"])
    if "endpoints" in fields:
        values["endpoints"] = orjson.dumps(fields["endpoints"]).decode()
    if "settings" in fields:
        values["settings"] = orjson.dumps(fields["settings"]).decode()
    if "allowed_parties" in fields:
        values["allowed_parties"] = dump_parties(fields["allowed_parties"])
    return values


def party_of(row: Any, node_key: NodeKey) -> Party:
    """A partner's row (or the partner's columns of a credential's row) as the partner."""
    return Party(
        pk=row.pk,
        name=row.name,
        roles=[PartyRole(**r) for r in orjson.loads(row.roles)],
        state=row.state,
        version=row.version,
        versions_url=row.versions_url,
        endpoints=orjson.loads(row.endpoints),
        outbound_token=None if row.outbound_token is None else node_key.decrypt(row.outbound_token),
        settings=orjson.loads(row.settings or "{}"),
        allowed_parties=load_parties(row.allowed_parties),
    )


async def lock_claims(conn: AsyncConnection) -> None:
    """Claims are checked one transaction at a time: on PostgreSQL under a transaction-level advisory lock;
    SQLite takes one writer at a time anyway (the check follows the transaction's first write)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_CLAIMS_LOCK, 0)))


async def check_claims(conn: AsyncConnection, pk: int, roles: Sequence[PartyRole]) -> None:
    """A (country_code, party_id) belongs to at most one live partner (spec, credentials: "The combination
    of country_code and party_id should always be unique"); objects are filed under it, whatever the role."""
    if not roles:
        return
    live = await conn.execute(
        sa.select(parties.c.name, parties.c.roles).where(parties.c.pk != pk, parties.c.state != "unregistered")
    )
    for row in live:
        held = {(r["country_code"].upper(), r["party_id"].upper()) for r in orjson.loads(row.roles)}
        for role in roles:
            if (role.country_code.upper(), role.party_id.upper()) in held:
                raise PartyClaimed(role, row.name)
