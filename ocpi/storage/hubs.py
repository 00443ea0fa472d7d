"""What the hub role keeps in the node's database besides objects.

- On a hub: the results it awaits on behalf of its parties (an asynchronous result it asked a receiver to post to
  it, to forward on to the requester's own `response_url`), so that a restart of the hub loses none. Each is a
  JSON document under its reference, filed by the requester it is for; a requester awaits at most so many at
  once, its oldest forgotten first.
- On a party connected to hubs: which hub reported which party with which status since when, to tell which hub
  acts for a party two hubs report (`HubReports.holders`)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ocpi.storage.sql import SqlStore
from ocpi.storage.tables import metadata, utcnow

hub_results = sa.Table(
    "ocpi_hub_results",
    metadata,
    sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("reference", sa.String(64), nullable=False, unique=True),
    sa.Column("requester_pk", sa.Integer, sa.ForeignKey("ocpi_parties.pk"), nullable=False, index=True),
    sa.Column("document", sa.LargeBinary, nullable=False),
)


class AwaitedResults:
    """The results a hub awaits, in `store`."""

    def __init__(self, store: SqlStore):
        self.store = store

    async def add(self, reference: str, requester_pk: int, document: bytes, *, keep: int) -> None:
        """Await a result under `reference`; of the requester's, the `keep` most recent stay (the oldest go)."""
        async with self.store.transaction() as conn:
            await conn.execute(
                hub_results.insert().values(reference=reference, requester_pk=requester_pk, document=document)
            )
            oldest_kept = (
                sa.select(hub_results.c.pk)
                .where(hub_results.c.requester_pk == requester_pk)
                .order_by(hub_results.c.pk.desc())
                .offset(keep - 1)
                .limit(1)
                .scalar_subquery()
            )
            await conn.execute(
                hub_results.delete().where(hub_results.c.requester_pk == requester_pk, hub_results.c.pk < oldest_kept)
            )

    async def get(self, reference: str) -> bytes | None:
        async with self.store.engine.connect() as conn:
            found = await conn.scalar(sa.select(hub_results.c.document).where(hub_results.c.reference == reference))
        return None if found is None else bytes(found)

    async def remove(self, reference: str) -> None:
        async with self.store.transaction() as conn:
            await conn.execute(hub_results.delete().where(hub_results.c.reference == reference))

    async def references(self) -> list[str]:
        """Every reference awaited, oldest first."""
        async with self.store.engine.connect() as conn:
            return list((await conn.scalars(sa.select(hub_results.c.reference).order_by(hub_results.c.pk))).all())


hub_reports = sa.Table(
    "ocpi_hub_reports",
    metadata,
    sa.Column("hub_pk", sa.Integer, sa.ForeignKey("ocpi_parties.pk"), primary_key=True),
    sa.Column("country_code", sa.String(2), primary_key=True),
    sa.Column("party_id", sa.String(3), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("since", sa.DateTime(), nullable=False),
)

CONNECTED = "CONNECTED"


class HubReports:
    """Which hub partner reported which party (its ClientInfo) with which status, since when, in `store`."""

    def __init__(self, store: SqlStore):
        self.store = store

    async def note(self, hub_pk: int, country_code: str, party_id: str, status: str) -> None:
        """`hub_pk` reports the party as `status`: `since` moves only when the status changes."""
        row = {"hub_pk": hub_pk, "country_code": country_code.upper(), "party_id": party_id.upper()}
        insert = (postgresql if self.store.engine.dialect.name == "postgresql" else sqlite).insert(hub_reports)
        upsert = insert.values(**row, status=status, since=utcnow()).on_conflict_do_update(
            index_elements=[hub_reports.c.hub_pk, hub_reports.c.country_code, hub_reports.c.party_id],
            set_={
                "status": insert.excluded.status,
                "since": sa.case(
                    (hub_reports.c.status == insert.excluded.status, hub_reports.c.since),
                    else_=insert.excluded.since,
                ),
            },
        )
        async with self.store.transaction() as conn:
            await conn.execute(upsert)

    async def holders(self) -> dict[tuple[str, str], tuple[int, str]]:
        """The hub (pk) that acts for each party a hub reported, with the status it reports: of those reporting it
        CONNECTED, the first to (the earliest `since`, then the lowest pk); when none does, the first to report
        it at all."""
        query = sa.select(
            hub_reports.c.country_code, hub_reports.c.party_id, hub_reports.c.hub_pk, hub_reports.c.status
        ).order_by(sa.case((hub_reports.c.status == CONNECTED, 0), else_=1), hub_reports.c.since, hub_reports.c.hub_pk)
        async with self.store.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        found: dict[tuple[str, str], tuple[int, str]] = {}
        for country_code, party_id, hub_pk, status in rows:
            found.setdefault((country_code, party_id), (hub_pk, status))
        return found
