"""Partners' quirks: what a partner sends out of spec that we read all the same, per partner and kind (a rule of
`ocpi.core.rules`): how often, the last example and when. An operator reads them (`ocpi parties show`) to tell
a partner what to fix.

Nothing on a request's path waits for the database: `QuirkRecorder.note` adds to counts kept in memory (a dict
update, and only when something deviated) and the counts are written in one transaction `flush_seconds` after
the first note since the last write, and when the node stops. The write adds to what is stored (an upsert), so
several processes on one database (`ocpi serve --workers N`) add up. A process that dies loses at most the
counts of its last interval: they are diagnostics, not data.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ocpi.core.rules import RULES, Deviation, Rule
from ocpi.storage.sql import SqlStore
from ocpi.storage.tables import aware, metadata, utcnow

log = logging.getLogger("ocpi.storage")

EXAMPLE_CHARACTERS = 500

quirks = sa.Table(
    "ocpi_quirks",
    metadata,
    sa.Column("party_pk", sa.Integer, sa.ForeignKey("ocpi_parties.pk"), primary_key=True),
    sa.Column("kind", sa.String(32), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("example", sa.Text, nullable=False),
    sa.Column("first_seen_at", sa.DateTime(), nullable=False),
    sa.Column("last_seen_at", sa.DateTime(), nullable=False),
)


@dataclass(slots=True)
class Quirk:
    """One kind of deviation a partner sends: how often (one per message showing it), the last example."""

    kind: str
    count: int
    example: str
    first_seen_at: datetime
    last_seen_at: datetime

    @property
    def rule(self) -> Rule | None:
        return RULES.get(self.kind)


@dataclass(slots=True)
class _Pending:
    count: int
    example: str
    first_seen_at: datetime
    last_seen_at: datetime


class QuirkRecorder:
    """Counts quirks in memory and writes them now and then (see the module's docstring)."""

    def __init__(self, store: SqlStore, *, flush_seconds: float = 5.0):
        self.store = store
        self.flush_seconds = flush_seconds
        self._pending: dict[tuple[int, str], _Pending] = {}
        self._flush: asyncio.TimerHandle | None = None
        self._writing: set[asyncio.Task[None]] = set()

    def note(self, party_pk: int | None, deviations: Iterable[Deviation], where: str = "") -> None:
        """One message from the partner showed these deviations: each kind counts once, its last example kept.
        Nothing is kept for a caller that is not a registered partner (`party_pk` None)."""
        if party_pk is None:
            return
        now = utcnow()
        for kind, deviation in {d.rule.id: d for d in reversed(list(deviations))}.items():
            example = f"{where + ' ' if where else ''}{deviation.path}: {deviation.detail}"[:EXAMPLE_CHARACTERS]
            pending = self._pending.get((party_pk, kind))
            if pending is None:
                self._pending[(party_pk, kind)] = _Pending(1, example, now, now)
            else:
                pending.count += 1
                pending.example, pending.last_seen_at = example, now
            self._schedule()

    def _schedule(self) -> None:
        if self._flush is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # noted outside an event loop: written by the next flush
            return
        self._flush = loop.call_later(self.flush_seconds, self._start_flush)

    def _start_flush(self) -> None:
        self._flush = None
        task = asyncio.get_running_loop().create_task(self._flush_logged())
        self._writing.add(task)
        task.add_done_callback(self._writing.discard)

    async def _flush_logged(self) -> None:
        try:
            await self.flush()
        except Exception as error:
            log.warning("writing partners' quirks failed: %s", error)

    async def flush(self) -> None:
        """Write the counts noted so far (added to the stored ones)."""
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        pending, self._pending = self._pending, {}
        if not pending:
            return
        rows = [
            {
                "party_pk": party_pk,
                "kind": kind,
                "count": p.count,
                "example": p.example,
                "first_seen_at": p.first_seen_at,
                "last_seen_at": p.last_seen_at,
            }
            for (party_pk, kind), p in pending.items()
        ]
        insert = (postgresql if self.store.engine.dialect.name == "postgresql" else sqlite).insert(quirks)
        upsert = insert.on_conflict_do_update(
            index_elements=[quirks.c.party_pk, quirks.c.kind],
            set_={
                "count": quirks.c.count + insert.excluded.count,
                "example": insert.excluded.example,
                "last_seen_at": insert.excluded.last_seen_at,
            },
        )
        try:
            async with self.store.transaction() as conn:
                await conn.execute(upsert, rows)
        except BaseException:
            for key, p in pending.items():  # kept for the next flush
                merged = self._pending.setdefault(key, p)
                if merged is not p:
                    merged.count += p.count
            raise

    async def close(self) -> None:
        """Write what is pending (the node stops)."""
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*self._writing)
        await self.flush()

    async def of(self, party_pk: int) -> list[Quirk]:
        """The partner's quirks, most frequent first (what this process noted included)."""
        await self.flush()
        return await party_quirks(self.store, party_pk)


async def party_quirks(store: SqlStore, party_pk: int) -> list[Quirk]:
    """The quirks stored for a partner, most frequent first."""
    query = (
        sa.select(quirks.c.kind, quirks.c.count, quirks.c.example, quirks.c.first_seen_at, quirks.c.last_seen_at)
        .where(quirks.c.party_pk == party_pk)
        .order_by(quirks.c.count.desc(), quirks.c.kind)
    )
    async with store.engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [Quirk(kind, count, example, aware(first), aware(last)) for kind, count, example, first, last in rows]


async def quirk_counts(store: SqlStore) -> dict[tuple[int, str], int]:
    """Every partner's count per kind of quirk: {(party_pk, kind): count}."""
    query = sa.select(quirks.c.party_pk, quirks.c.kind, quirks.c.count)
    async with store.engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return {(party_pk, kind): count for party_pk, kind, count in rows}
