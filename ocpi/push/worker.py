"""The push worker: claims a partner, reads the changes after its cursor (latest per object), sends each
object's current state in the partner's version, advances the cursor; failures go to the partner's retry
set with backoff. Several workers may run against one PostgreSQL: a partner is claimed with an advisory
lock, so no two workers send to the same partner at once."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import sqlalchemy as sa

from ocpi.client import OcpiClient
from ocpi.core.errors import OcpiError
from ocpi.storage.base import Party, StoredObject
from ocpi.storage.push import Change, PushLedger

if TYPE_CHECKING:
    from ocpi.server.node import Node

log = logging.getLogger("ocpi.push")

# How each module's objects reach a partner's receiver: PUT to the owner-keyed URL, or POST (CDRs).
DELIVERY = {"locations": "PUT", "sessions": "PUT", "tariffs": "PUT", "tokens": "PUT", "cdrs": "POST"}
_ADVISORY_NAMESPACE = 0x0C91


class PushWorker:
    def __init__(self, node: Node, *, batch: int = 500, interval: float = 1.0, concurrency: int = 16):
        self.node = node
        self.ledger = PushLedger(node.store)
        self.batch = batch
        self.interval = interval
        engine = node.store.engine
        if engine.dialect.name == "postgresql" and isinstance(engine.pool, sa.pool.QueuePool):
            # A partner being synced holds a connection for its advisory lock and needs another for each query:
            # more partners at once than half the pool would leave their queries waiting on each other's locks.
            concurrency = max(1, min(concurrency, engine.pool.size() // 2))
        self._parallel = asyncio.Semaphore(concurrency)
        self._concurrency = concurrency
        # Requests in flight are bounded per partner: a partner that hangs holds its own slots, never the
        # slots of the others (one shared bound let a hanging partner starve every healthy one).
        self._in_flight: dict[int, asyncio.Semaphore] = {}
        self._wake = asyncio.Event()
        self._again: set[int] = set()
        self._local_claims: dict[int, asyncio.Lock] = {}
        self._failed: dict[int, tuple[int, str | None]] = {}  # per partner syncing: failures, the last error

    def nudge(self) -> None:
        """Something changed: run now instead of at the next interval."""
        self._wake.set()

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Sync every partner on each nudge or interval. Each partner is synced in its own task and a round
        does not wait for the slowest: a partner that hangs until its timeout delays no one else."""
        syncing: dict[int, asyncio.Task[int]] = {}
        try:
            while not stop.is_set():
                try:
                    shared = SharedChanges(self.ledger, self.batch)
                    for party in await self._partners():
                        if party.pk not in syncing or syncing[party.pk].done():
                            syncing[party.pk] = asyncio.create_task(self._keep_synced(party, shared))
                            syncing[party.pk].add_done_callback(_log_failure)
                        else:
                            # Still syncing: a change it no longer looks for would wait for the next interval.
                            self._again.add(party.pk)
                except Exception:  # a worker never dies of one bad round
                    log.exception("push round failed")
                self._wake.clear()
                waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
                await asyncio.wait(waiters, timeout=self.interval, return_when=asyncio.FIRST_COMPLETED)
                for waiter in waiters:
                    waiter.cancel()
        finally:
            # What was not acknowledged is sent again by the next worker: the cursor only moves after a batch.
            for task in syncing.values():
                task.cancel()
            await asyncio.gather(*syncing.values(), return_exceptions=True)

    async def run_once(self) -> int:
        """One round over every registered partner; returns how many objects were delivered."""
        shared = SharedChanges(self.ledger, self.batch)
        results = await asyncio.gather(*(self._bounded(p, shared) for p in await self._partners()))
        return sum(results)

    async def _keep_synced(self, party: Party, shared: SharedChanges) -> int:
        delivered = 0
        while True:
            self._again.discard(party.pk)
            delivered += await self._bounded(party, shared)
            if party.pk not in self._again:
                return delivered
            shared = SharedChanges(self.ledger, self.batch)

    async def _partners(self) -> list[Party]:
        return [p for p in await self.node.store.list_parties() if p.state == "registered" and p.endpoints]

    async def _bounded(self, party: Party, shared: SharedChanges | None = None) -> int:
        async with self._parallel:
            return await self.sync(party, shared)

    async def sync(self, party: Party, shared: SharedChanges | None = None) -> int:
        """Bring one partner up to date: every change after its cursor, then its failed objects that are due.
        `shared`: the change log as read in this round, for partners at the same cursor to share."""
        changes = shared or SharedChanges(self.ledger, self.batch)
        async with self._claim(party.pk) as claimed:
            if not claimed:
                return 0
            # Made on the first object to send: most rounds find nothing new for most partners.
            clients: list[OcpiClient] = []

            def client() -> OcpiClient:
                if not clients:
                    clients.append(self.node.partner_client(party))
                return clients[0]

            started = time.perf_counter()
            delivered = 0
            try:
                delivered = await self._sync(party, client, changes)
                return delivered
            finally:
                failed, error = self._failed.pop(party.pk, (0, None))
                self.node.events.push_synced(
                    party, delivered=delivered, failed=failed, seconds=time.perf_counter() - started, error=error
                )
                for opened in clients:
                    await opened.aclose()

    async def _sync(self, party: Party, client: Callable[[], OcpiClient], shared: SharedChanges) -> int:
        delivered = 0
        failing = await self.ledger.failing(party.pk)
        cursor = await self.ledger.cursor(party.pk)
        while True:
            changes, last_seq = await shared.after(cursor)
            if last_seq == cursor:
                break
            # Each object appears once per batch, so the batch's objects may travel side by side.
            sent = await asyncio.gather(*(self._deliver(party, client(), c.obj, failing) for c in changes))
            delivered += sum(sent)
            await self.ledger.advance(party.pk, last_seq)
            cursor = last_seq
        if not failing:  # kept up to date by every delivery since it was read: nothing can be due
            return delivered
        due = await self.ledger.due(party.pk)
        found = await self.ledger.objects([f.object_pk for f in due])
        for failure in due:
            if failure.object_pk not in found:  # deleted since: nothing left to send
                await self.ledger.succeeded(party.pk, failure.object_pk)
                continue
            delivered += await self._deliver(party, client(), found[failure.object_pk], failing)
        return delivered

    async def _deliver(self, party: Party, client: OcpiClient, obj: StoredObject, failing: set[int]) -> int:
        assert obj.pk is not None
        method = DELIVERY.get(obj.key.module)
        if method is None or not self._ours(obj) or party.version is None or not self.node.may_receive(party, obj):
            return 0
        body = obj.rendered.get(party.version)
        role = None if party.version == "2.1.1" else "RECEIVER"
        if body is None or not client.has_endpoint(obj.key.module, role):
            return 0
        url = client.endpoint(obj.key.module, role).rstrip("/")
        params = {}
        if method == "PUT":
            key = obj.key
            url = f"{url}/{key.country_code}/{key.party_id}/{key.object_id}"
            if key.module == "tokens" and party.version != "2.1.1":
                params["type"] = key.variant
        started = time.perf_counter()
        try:
            async with self._in_flight.setdefault(party.pk, asyncio.Semaphore(self._concurrency)):
                await client.call(method, url, body=_Raw(body), params=params or None)
        except OcpiError as error:
            self.node.events.push_sent(party, obj.key.module, time.perf_counter() - started, error.message, _named(obj))
            self._failed[party.pk] = (self._failed.get(party.pk, (0, None))[0] + 1, error.message)
            await self.ledger.fail(party.pk, obj.pk, error.message)
            failing.add(obj.pk)
            return 0
        self.node.events.push_sent(party, obj.key.module, time.perf_counter() - started, None)
        if obj.pk in failing:
            await self.ledger.succeeded(party.pk, obj.pk)
            failing.discard(obj.pk)
        return 1

    def _ours(self, obj: StoredObject) -> bool:
        owner = (obj.key.country_code, obj.key.party_id)
        return any(owner == (p.country_code.upper(), p.party_id.upper()) for p in self.node.config.parties)

    @asynccontextmanager
    async def _claim(self, party_pk: int) -> AsyncIterator[bool]:
        engine = self.node.store.engine
        if engine.dialect.name != "postgresql":
            # SQLite: one process; a lock per partner keeps overlapping rounds apart.
            lock = self._local_claims.setdefault(party_pk, asyncio.Lock())
            if lock.locked():
                yield False
                return
            async with lock:
                yield True
            return
        async with engine.connect() as conn:
            locked = (
                await conn.execute(sa.select(sa.func.pg_try_advisory_lock(_ADVISORY_NAMESPACE, party_pk)))
            ).scalar()
            try:
                yield bool(locked)
            finally:
                if locked:
                    await conn.execute(sa.select(sa.func.pg_advisory_unlock(_ADVISORY_NAMESPACE, party_pk)))
                    await conn.commit()


class SharedChanges:
    """The change log as one round reads it: most partners stand at the same cursor, and read it once."""

    def __init__(self, ledger: PushLedger, batch: int):
        self.ledger = ledger
        self.batch = batch
        self._reads: dict[int, asyncio.Future[tuple[list[Change], int]]] = {}

    async def after(self, seq: int) -> tuple[list[Change], int]:
        """The latest change per object after `seq` (a batch), and the last sequence number read."""
        read = self._reads.get(seq)
        if read is None:
            read = self._reads[seq] = asyncio.ensure_future(self.ledger.changes_after(seq, self.batch))
        return await asyncio.shield(read)


def _named(obj: StoredObject) -> str:
    key = obj.key
    return f"{key.module} {key.country_code}/{key.party_id}/{key.object_id}"


def _log_failure(task: asyncio.Task[int]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("push to a partner failed", exc_info=task.exception())


class _Raw:
    """Already-rendered JSON, sent as is."""

    def __init__(self, body: bytes):
        self.body = body

    def to_json(self) -> bytes:
        return self.body
