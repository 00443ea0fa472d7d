"""Benchmark data: valid 2.2.1 locations made from the official example, stored through our Repository.

Each location goes through `Repository.put` (parse, convert to canonical, render every version), as any write
does; only the final insert is batched: the Repository writes into a collecting store, and its rows go into the
real database in one transaction per chunk instead of one per object.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import orjson
import sqlalchemy as sa

from ocpi.modules.locations.interfaces import LOCATION
from ocpi.storage.base import ListQuery, ObjectKey, Page, PartyRole, PutOutcome, StoredObject, TokenKind
from ocpi.storage.repository import Repository
from ocpi.storage.sql import SqlStore, object_row, objects

EXAMPLE = Path(__file__).resolve().parents[1] / "standards" / "ocpi-spec" / "2.2.1" / "examples"
EXAMPLE_FILE = "location_example.json"
VERSION = "2.2.1"
CHUNK = 2000

# Our node plays CPO NL/CPO (its locations) and eMSP NL/EMS; the benchmark partner reads as eMSP DE/EMS and
# pushes as CPO DE/BCP, with one token.
OUR_CPO = ("NL", "CPO")
OUR_EMSP = ("NL", "EMS")
PARTNER_CPO = ("DE", "BCP")
PARTNER_EMSP = ("DE", "EMS")
PARTNER_TOKEN = "benchmark-partner-token"
EVSE_UID = "3256"


def example_path() -> Path:
    """The official 2.2.1 location example, from the spec copy kept in the repository."""
    return EXAMPLE / EXAMPLE_FILE


def location_id(number: int) -> str:
    return f"LOC{number:07d}"


def location_document(number: int, owner: tuple[str, str], template: Mapping[str, Any]) -> dict[str, Any]:
    """The official example under `owner`, with its own id and name."""
    document = dict(template)
    document["country_code"], document["party_id"] = owner
    document["id"] = location_id(number)
    document["name"] = f"{template['name']} {number}"
    return document


class _CollectingStore:
    """Receives the Repository's writes as rows of the objects table, ready for a bulk insert."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    async def get(self, key: ObjectKey) -> StoredObject | None:
        return None

    async def get_rendered(self, key: ObjectKey, version: str) -> bytes | None:
        return None

    async def delete(self, key: ObjectKey) -> bool:
        raise NotImplementedError

    async def page(self, query: ListQuery) -> Page:
        raise NotImplementedError

    async def close(self) -> None:
        return None

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
        row = object_row(key, last_updated, canonical, rendered, audience)
        self.rows.append(row)
        return PutOutcome.CREATED


async def seed_locations(
    urls: Sequence[str],
    owner: tuple[str, str],
    start: int,
    stop: int,
    *,
    export: IO[bytes] | None = None,
) -> None:
    """Store locations `start`..`stop - 1` of `owner` in every database of `urls`; with `export`, also write
    each location's 2.2.1 JSON there, one per line (what a peer is given to serve)."""
    template = orjson.loads(example_path().read_bytes())
    stores = [await SqlStore.open(url) for url in urls]
    try:
        collector = _CollectingStore()
        repository = Repository(collector)
        for number in range(start, stop):
            await repository.put(LOCATION, VERSION, location_document(number, owner, template), owner=owner)
            if len(collector.rows) >= CHUNK or number == stop - 1:
                for store in stores:
                    async with store.engine.begin() as conn:
                        await conn.execute(objects.insert(), collector.rows)
                if export is not None:
                    export.writelines(row["json_2_2_1"] + b"\n" for row in collector.rows)
                collector.rows.clear()
        for store in stores:
            await analyze(store)
    finally:
        for store in stores:
            await store.close()


async def analyze(store: SqlStore) -> None:
    """Give PostgreSQL's planner statistics on what was just loaded, as autovacuum does for a production
    database: without them it picked the listing index over the unique key for a single lookup (8 ms instead
    of 0.02 ms). SQLite needs nothing here."""
    if store.engine.dialect.name == "postgresql":
        async with store.engine.begin() as conn:
            await conn.execute(sa.text("ANALYZE"))


async def settle(urls: Sequence[str]) -> None:
    """Write out what seeding left in memory before anything is timed: PostgreSQL's dirty buffers (a
    CHECKPOINT, when the role may) and the kernel's dirty pages (seeding writes hundreds of MB, which the
    kernel would otherwise flush during the first measurements)."""
    for url in urls:
        if not url.startswith("postgresql"):
            continue
        store = await SqlStore.open(url, create=False, listen=False)
        try:
            async with store.engine.connect() as conn:
                await conn.execute(sa.text("CHECKPOINT"))
        except sa.exc.DBAPIError:
            pass  # not a superuser or pg_checkpoint member: the kernel's flush below still helps
        finally:
            await store.close()
    os.sync()


async def register_partner(url: str) -> str:
    """A registered partner (eMSP DE/EMS reading, CPO DE/BCP pushing) and its token C."""
    store = await SqlStore.open(url)
    try:
        roles = [PartyRole("EMSP", *PARTNER_EMSP), PartyRole("CPO", *PARTNER_CPO)]
        party = await store.create_party("benchmark partner", roles, state="registered")
        return await store.issue_token(TokenKind.C, party.pk, token=PARTNER_TOKEN)
    finally:
        await store.close()
