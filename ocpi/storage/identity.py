"""The node's own identity kept with its database: the parties it plays (role, country_code, party_id, name),
written the first time a node runs on the database (`ocpi serve`, `ocpi init`), so later commands on the
same database need not be told again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ocpi.storage.sql import SqlStore
from ocpi.storage.tables import metadata, utcnow

node_parties = sa.Table(
    "ocpi_node_parties",
    metadata,
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("role", sa.String(8), nullable=False),
    sa.Column("country_code", sa.String(2), nullable=False),
    sa.Column("party_id", sa.String(3), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
)


@dataclass(frozen=True)
class NodeParty:
    role: str
    country_code: str
    party_id: str
    name: str

    @property
    def shown(self) -> str:
        return f"{self.role} {self.country_code}/{self.party_id}"


async def read_identity(store: SqlStore) -> list[NodeParty] | None:
    """The parties stored with the database, in order; None before the first node ran on it."""
    async with store.engine.connect() as conn:
        rows = (await conn.execute(sa.select(node_parties).order_by(node_parties.c.position))).all()
    return [NodeParty(r.role, r.country_code, r.party_id, r.name) for r in rows] or None


async def write_identity(store: SqlStore, parties: Sequence[NodeParty], *, replace: bool = False) -> list[NodeParty]:
    """Store `parties` as the node's identity unless one is stored already (then `replace` decides); returns the
    identity in force. Two first runs at once: the first to commit wins (position is the key), the other reads it."""
    if not parties:
        raise ValueError("a node plays at least one party")
    now = utcnow()
    rows = [
        {"position": index, "role": p.role, "country_code": p.country_code, "party_id": p.party_id, "name": p.name}
        for index, p in enumerate(parties)
    ]
    try:
        async with store.transaction() as conn:
            if replace:
                await conn.execute(node_parties.delete())
            elif (await conn.execute(sa.select(sa.func.count()).select_from(node_parties))).scalar_one():
                rows = []
            if rows:
                await conn.execute(node_parties.insert(), [{**row, "created_at": now} for row in rows])
    except IntegrityError:
        pass
    stored = await read_identity(store)
    assert stored is not None
    return stored
