"""Delivery bookkeeping for push: each partner's cursor over the change log, and the objects that failed for
it. One write appends one change record whatever the number of partners; a partner's state is two small
tables, so a slow partner holds back no one."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ocpi.storage.base import ListQuery, ObjectKey, Page, PutOutcome, Store, StoredObject
from ocpi.storage.changes import EVERY_VERSION, Part, part_in, unite
from ocpi.storage.claims import PartnerClaims
from ocpi.storage.direct_sql import OBJECT_COLUMN_NAMES
from ocpi.storage.sql import SqlStore
from ocpi.storage.statements import key_params, storable, stored_object
from ocpi.storage.tables import aware, changes, metadata, naive_utc, object_refs, objects, parties, utcnow

push_cursors = sa.Table(
    "ocpi_push_cursors",
    metadata,
    sa.Column("party_pk", sa.Integer, sa.ForeignKey("ocpi_parties.pk"), primary_key=True),
    sa.Column("last_seq", sa.Integer, nullable=False),
    sa.Column("last_success_at", sa.DateTime(), nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("last_error_at", sa.DateTime(), nullable=True),
)

push_failures = sa.Table(
    "ocpi_push_failures",
    metadata,
    sa.Column("party_pk", sa.Integer, sa.ForeignKey("ocpi_parties.pk"), primary_key=True),
    sa.Column("object_pk", sa.Integer, primary_key=True),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
    sa.Column("last_error", sa.Text, nullable=False),
    # What the partner misses of the object since it last had it (a scope, `ocpi.storage.changes`); NULL: all.
    sa.Column("scope", sa.LargeBinary, nullable=True),
)

pull_state = sa.Table(
    "ocpi_pull_state",
    metadata,
    sa.Column("party_pk", sa.Integer, sa.ForeignKey("ocpi_parties.pk"), primary_key=True),
    sa.Column("module", sa.String(32), primary_key=True),
    sa.Column("last_sync_at", sa.DateTime(), nullable=False),
)


@dataclass(frozen=True, slots=True)
class Backlog:
    """What a partner at cursor `after` has to be sent: each changed object once, as (seq of its latest change,
    object pk), in the order of those changes; `head` is the last change read."""

    after: int
    entries: list[tuple[int, int]]
    head: int
    scopes: dict[int, set[bytes] | None] = field(default_factory=dict)
    """Per object pk, the distinct scopes of its changes after `after`; None (or absent): the whole object."""


@dataclass(slots=True)
class Failure:
    object_pk: int
    attempts: int
    next_attempt_at: datetime
    last_error: str
    scope: bytes | None = None
    """What the partner misses of the object (None: all of it)."""


@dataclass(slots=True)
class DeliveryState:
    """What an operator asks about a partner: how far behind, what fails, when it last worked."""

    party_pk: int
    cursor: int
    head: int
    last_success_at: datetime | None
    last_error: str | None
    failing: list[Failure]

    @property
    def lag(self) -> int:
        return max(0, self.head - self.cursor)


def backoff(attempts: int, base: float = 2.0, cap: float = 600.0) -> timedelta:
    """The least wait after `attempts` failures of one object; `jittered` adds up to half of it."""
    return timedelta(seconds=min(cap, base ** min(attempts, 12)))


def jittered(wait: timedelta) -> timedelta:
    """`wait` and up to half again: the objects that failed together are not all retried in the same second."""
    return wait * random.uniform(1.0, 1.5)


def scope_of(part: Part | None) -> bytes | None:
    return None if part is None else orjson.dumps({EVERY_VERSION: part.to_json()})


def united_scope(scopes: Iterable[bytes | None], version: str) -> bytes | None:
    """One scope that carries all of `scopes`, for a partner in `version` (None: the whole object)."""
    return scope_of(unite(None if scope is None else part_in(scope, version) for scope in scopes))


class PushLedger:
    def __init__(self, store: SqlStore, clock: Callable[[], datetime] = utcnow, *, objects: Store | None = None):
        """`store`: the node's SQL database, which keeps the change log and every partner's state; `objects`: where
        the node's objects are (default: `store` itself), read when their changes are sent. `clock`: now, as naive
        UTC (the ledger's times; a test's simulated clock)."""
        self.store = store
        self.engine = store.engine
        self.clock = clock
        self.objects_store: Store = store if objects is None else objects

    async def changed(self, key: ObjectKey, scope: bytes | None = None) -> None:
        """Append a change of an object kept outside the SQL store (`SqlStore.put` appends those of its own objects
        in their write's transaction): push sends the object as it is then. The object is named in the log by its
        key's row in `ocpi_object_refs`, negated, so that it shares the log and the retry sets with the others.
        `scope`: what changed (`ocpi.storage.changes`); None: the whole object."""
        if not storable(key):
            return
        params = key_params(key)
        matches = sa.and_(*(object_refs.c[name] == value for name, value in params.items()))
        async with self.store.transaction() as conn:
            ref = (await conn.execute(sa.select(object_refs.c.pk).where(matches))).scalar()
            if ref is None:
                inserted = await conn.execute(
                    sa.insert(object_refs).values(object_id=key.object_id, **params).returning(object_refs.c.pk)
                )
                ref = inserted.scalar_one()
            await conn.execute(
                sa.insert(changes).values(object_pk=-ref, module=key.module, changed_at=utcnow(), scope=scope)
            )

    def claim(self, party_pk: int) -> AbstractAsyncContextManager[bool]:
        """Hold the partner for one sync: yields False when another worker (of any process) holds it."""
        return PartnerClaims.of(self.engine).claim(party_pk)

    async def head(self, conn: AsyncConnection | None = None) -> int:
        query = sa.select(sa.func.coalesce(sa.func.max(changes.c.seq), 0))
        if conn is not None:
            return int((await conn.execute(query)).scalar_one())
        async with self.engine.connect() as connection:
            return int((await connection.execute(query)).scalar_one())

    async def cursor(self, party_pk: int) -> int:
        """The partner's cursor; a partner seen for the first time starts at the head of the change log
        (it pulls the state before its registration with GET, as the spec intends)."""
        query = sa.select(push_cursors.c.last_seq).where(push_cursors.c.party_pk == party_pk)
        try:
            async with self.store.transaction() as conn:
                found = (await conn.execute(query)).scalar()
                if found is not None:
                    return int(found)
                head = await self.head(conn)
                await conn.execute(sa.insert(push_cursors).values(party_pk=party_pk, last_seq=head))
                return head
        except IntegrityError:
            # Created at the same moment elsewhere (the push worker meets a partner the handshake registers).
            async with self.engine.connect() as conn:
                return int((await conn.execute(query)).scalar_one())

    async def backlog(self, seq: int) -> Backlog:
        """Every object changed after `seq`, once, whatever the number of its changes: N changes over M objects
        are M entries (the database collapses them)."""
        async with self.engine.connect() as conn:
            head = await self.head(conn)
            if head <= seq:
                return Backlog(seq, [], seq)
            rows = await conn.execute(
                sa.select(changes.c.seq, changes.c.object_pk, changes.c.scope)
                .where(changes.c.seq > seq, changes.c.seq <= head)
                .order_by(changes.c.seq)
            )
            latest: dict[int, int] = {}
            scopes: dict[int, set[bytes] | None] = {}
            for change, pk, scope in rows:
                latest.pop(pk, None)  # kept in the order of each object's latest change
                latest[pk] = change
                if scope is None:
                    scopes[pk] = None
                elif pk not in scopes:
                    scopes[pk] = {scope}
                else:
                    kept = scopes[pk]
                    if kept is not None:
                        kept.add(scope)
        return Backlog(seq, [(change, pk) for pk, change in latest.items()], head, scopes)

    async def objects(self, pks: list[int]) -> dict[int, StoredObject]:
        async with self.engine.connect() as conn:
            return await self._objects(conn, pks)

    async def _objects(self, conn: AsyncConnection, pks: list[int]) -> dict[int, StoredObject]:
        """The objects by their numbers in the log: rows of `ocpi_objects`, or (negated) keys of objects kept
        elsewhere, read from where they are (those gone since are missing)."""
        found: dict[int, StoredObject] = {}
        own = [pk for pk in pks if pk > 0]
        if own:
            rows = (await conn.execute(sa.select(objects).where(objects.c.pk.in_(own)))).all()
            found.update((row.pk, _stored(row)) for row in rows)
        refs = [-pk for pk in pks if pk < 0]
        if refs:
            rows = (await conn.execute(sa.select(object_refs).where(object_refs.c.pk.in_(refs)))).all()
            keys = {
                -row.pk: ObjectKey(row.module, row.country_code, row.party_id, row.object_id, row.variant)
                for row in rows
            }
            for pk, obj in zip(
                keys, await asyncio.gather(*(self.objects_store.get(k) for k in keys.values())), strict=True
            ):
                if obj is not None:
                    obj.pk = pk
                    found[pk] = obj
        return found

    async def advance(self, party_pk: int, seq: int, *, delivered: bool = False, error: str | None = None) -> None:
        """Move the cursor to `seq`; `delivered`: the partner took something on the way (its last success)."""
        values: dict[str, Any] = {"last_seq": seq}
        if delivered:
            values["last_success_at"] = self.clock()
        if error is not None:
            values.update(last_error=error[:2000], last_error_at=self.clock())
        async with self.store.transaction() as conn:
            await conn.execute(
                sa.update(push_cursors)
                .where(push_cursors.c.party_pk == party_pk, push_cursors.c.last_seq <= seq)
                .values(**values)
            )

    async def fail(self, party_pk: int, object_pk: int, error: str, scope: bytes | None = None) -> None:
        """Remember that `object_pk` failed for the partner; one row per (partner, object), however often. `scope`:
        what the partner misses of it (united with what it missed before, `united_scope`); None: all of it."""
        await self._keep(party_pk, [(object_pk, scope)], error, attempted=True)

    async def hold(self, party_pk: int, missed: list[tuple[int, bytes | None]], error: str) -> None:
        """Put objects (pk, scope) in the partner's retry set without trying them (it does not answer): no
        attempt counted, each due when the partner is back (`retry_now`)."""
        await self._keep(party_pk, missed, error, attempted=False)

    async def _keep(
        self, party_pk: int, missed: list[tuple[int, bytes | None]], error: str, *, attempted: bool
    ) -> None:
        if not missed:
            return
        now = self.clock()
        where = push_failures.c.party_pk == party_pk
        async with self.store.transaction() as conn:
            rows = await conn.execute(
                sa.select(push_failures.c.object_pk, push_failures.c.attempts, push_failures.c.scope).where(
                    where, push_failures.c.object_pk.in_([pk for pk, _ in missed])
                )
            )
            kept = {row.object_pk: row for row in rows}
            for object_pk, scope in missed:
                current = kept.get(object_pk)
                attempts = (0 if current is None else int(current.attempts)) + int(attempted)
                if current is not None:
                    scope = None if scope is None or current.scope is None else united_scope([current.scope, scope], "")
                values = {
                    "attempts": attempts,
                    "next_attempt_at": now + jittered(backoff(max(attempts, 1))),
                    "last_error": error[:2000],
                    "scope": scope,
                }
                if current is None:
                    await conn.execute(
                        sa.insert(push_failures).values(party_pk=party_pk, object_pk=object_pk, **values)
                    )
                else:
                    await conn.execute(
                        sa.update(push_failures).where(where, push_failures.c.object_pk == object_pk).values(**values)
                    )
            await conn.execute(
                sa.update(push_cursors)
                .where(push_cursors.c.party_pk == party_pk)
                .values(last_error=error[:2000], last_error_at=now)
            )

    async def succeeded(self, party_pk: int, object_pk: int) -> None:
        async with self.store.transaction() as conn:
            await conn.execute(
                sa.delete(push_failures).where(
                    push_failures.c.party_pk == party_pk, push_failures.c.object_pk == object_pk
                )
            )
            await conn.execute(
                sa.update(push_cursors).where(push_cursors.c.party_pk == party_pk).values(last_success_at=self.clock())
            )

    async def owe(self, party_pk: int, module: str) -> int:
        """Send the partner every object of `module` held now, besides what changes after its cursor (a party
        joining a hub is owed the hub's whole directory): each object joins the partner's due objects, sent by the
        next sync like a retry (attempt 0). Returns how many."""
        async with self.store.transaction() as conn:
            held = {row.pk for row in await conn.execute(sa.select(objects.c.pk).where(objects.c.module == module))}
            held |= {
                -row.pk for row in await conn.execute(sa.select(object_refs.c.pk).where(object_refs.c.module == module))
            }
            listed = await conn.execute(
                sa.select(push_failures.c.object_pk).where(push_failures.c.party_pk == party_pk)
            )
            due = sorted(held - {row.object_pk for row in listed})
            if due:
                now = self.clock() - timedelta(seconds=1)
                rows = [
                    {"party_pk": party_pk, "object_pk": pk, "attempts": 0, "next_attempt_at": now, "last_error": ""}
                    for pk in due
                ]
                await conn.execute(sa.insert(push_failures), rows)
        return len(due)

    async def failing(self, party_pk: int) -> dict[int, bytes | None]:
        """The partner's retry set: object pk -> what it misses of the object (None: all of it)."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(push_failures.c.object_pk, push_failures.c.scope).where(push_failures.c.party_pk == party_pk)
            )
            return {row.object_pk: row.scope for row in rows}

    async def due(self, party_pk: int, *, now: datetime | None = None, limit: int = 100) -> list[Failure]:
        query = (
            sa.select(push_failures)
            .where(push_failures.c.party_pk == party_pk, push_failures.c.next_attempt_at <= (now or self.clock()))
            .order_by(push_failures.c.next_attempt_at)
            .limit(limit)
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_failure(r) for r in rows]

    async def retry_now(self, party_pk: int) -> None:
        """Make every failed object of the partner due at once (it is back, or an operator asks)."""
        async with self.store.transaction() as conn:
            await conn.execute(
                sa.update(push_failures)
                .where(push_failures.c.party_pk == party_pk)
                .values(next_attempt_at=self.clock() - timedelta(seconds=1))
            )

    async def state(self, party_pk: int) -> DeliveryState:
        cursor = await self.cursor(party_pk)
        async with self.engine.connect() as conn:
            row = (await conn.execute(sa.select(push_cursors).where(push_cursors.c.party_pk == party_pk))).one()
            failures = (await conn.execute(sa.select(push_failures).where(push_failures.c.party_pk == party_pk))).all()
            head = await self.head(conn)
        return DeliveryState(
            party_pk=party_pk,
            cursor=cursor,
            head=head,
            last_success_at=None if row.last_success_at is None else aware(row.last_success_at),
            last_error=row.last_error,
            failing=[_failure(f) for f in failures],
        )

    async def prune(self) -> int:
        """Drop change records every registered partner's cursor has passed."""
        async with self.store.transaction() as conn:
            floor = (
                await conn.execute(
                    sa.select(sa.func.min(push_cursors.c.last_seq))
                    .select_from(push_cursors.join(parties, parties.c.pk == push_cursors.c.party_pk))
                    .where(parties.c.state == "registered")
                )
            ).scalar()
            if floor is None:
                floor = await self.head(conn)
            result = await conn.execute(sa.delete(changes).where(changes.c.seq <= floor))
        return int(result.rowcount or 0)

    # --- pull -------------------------------------------------------------------------------------------

    async def last_pull(self, party_pk: int, module: str) -> datetime | None:
        async with self.engine.connect() as conn:
            value = (
                await conn.execute(
                    sa.select(pull_state.c.last_sync_at).where(
                        pull_state.c.party_pk == party_pk, pull_state.c.module == module
                    )
                )
            ).scalar()
        return None if value is None else aware(value)

    async def pulled(self, party_pk: int, module: str, at: datetime) -> None:
        stamp = naive_utc(at)
        async with self.store.transaction() as conn:
            updated = await conn.execute(
                sa.update(pull_state)
                .where(pull_state.c.party_pk == party_pk, pull_state.c.module == module)
                .values(last_sync_at=stamp)
            )
            if not updated.rowcount:
                await conn.execute(sa.insert(pull_state).values(party_pk=party_pk, module=module, last_sync_at=stamp))


def _failure(row: Any) -> Failure:
    return Failure(row.object_pk, row.attempts, aware(row.next_attempt_at), row.last_error, row.scope)


def _stored(row: Any) -> StoredObject:
    key = ObjectKey(row.module, row.country_code, row.party_id, row.object_id, row.variant)
    return stored_object(key, [getattr(row, name) for name in OBJECT_COLUMN_NAMES])


class LoggedChanges:
    """An application's own `Store` for the node's objects, each write appended to the node's change log (in the
    node's SQL database, `PushLedger.changed`) once the store took it, so push sends it as it sends the built-in
    store's. The store and the log are two databases: a write the store took whose change could not be appended
    (the node stopped in between) is sent with the object's next change."""

    keeps_scopes = True
    """`put` takes the `scope` of a change, kept with its change record."""

    def __init__(self, store: Store, ledger: PushLedger):
        self.store = store
        self.ledger = ledger

    async def get(self, key: ObjectKey) -> StoredObject | None:
        return await self.store.get(key)

    async def get_rendered(self, key: ObjectKey, version: str) -> bytes | None:
        return await self.store.get_rendered(key, version)

    async def put(
        self,
        key: ObjectKey,
        last_updated: datetime,
        canonical: bytes,
        rendered: Mapping[str, bytes | None],
        *,
        expected: bytes | None = None,
        audience: str | None = None,
        scope: bytes | None = None,
    ) -> PutOutcome:
        outcome = await self.store.put(key, last_updated, canonical, rendered, expected=expected, audience=audience)
        if outcome is PutOutcome.UPDATED:
            await self.ledger.changed(key, scope)
        elif outcome is PutOutcome.CREATED:
            await self.ledger.changed(key)
        return outcome

    async def delete(self, key: ObjectKey) -> bool:
        return await self.store.delete(key)

    async def page(self, query: ListQuery) -> Page:
        return await self.store.page(query)

    async def close(self) -> None:
        await self.store.close()
