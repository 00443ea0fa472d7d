"""The results a hub awaits on behalf of its parties (an asynchronous result it asked a receiver to post to it,
to forward on to the requester's own `response_url`), kept in the node's database so that a restart of the hub
loses none. Each is a JSON document under its reference, filed by the requester it is for; a requester awaits
at most so many at once, its oldest forgotten first."""

from __future__ import annotations

import sqlalchemy as sa

from ocpi.storage.sql import SqlStore
from ocpi.storage.tables import metadata

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
