"""The push worker: claims a partner, reads its whole backlog (every object changed after its cursor, once), sends
each object's current state in the partner's version, advances the cursor; failures go to the partner's retry
set with backoff. Several workers may run against one PostgreSQL: a partner is claimed with an advisory lock,
so no two workers send to the same partner at once.

What one partner may hold is its own: its requests in flight (`concurrency`), its connections (a client per
partner, kept across rounds), its claim. Nothing is shared with the others but the CPU and the database pool,
which a query holds only while it runs; so a partner that answers slowly, or not at all until the deadline of
each call, delays no one else."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import orjson

from ocpi.client import OcpiClient
from ocpi.core.errors import OcpiError
from ocpi.modules.registry import module_interfaces
from ocpi.push.context import SyncContext, Synced, context_of
from ocpi.storage.base import Party, StoredObject
from ocpi.storage.push import Backlog, PushLedger

log = logging.getLogger("ocpi.push")


class PushWorker:
    """Brings every registered partner up to date with the node's own objects (see the module docstring):
    `run_forever(stop)` in a worker, `run_once()` for one round."""

    def __init__(self, node: SyncContext | Synced, *, batch: int = 500, interval: float = 1.0, concurrency: int = 16):
        """`node`: the node (or its `SyncContext`) whose changes are pushed; `batch`: objects read from the store at
        a time; `concurrency`: requests in flight per partner."""
        self.context = context_of(node)
        self.ledger = self.context.ledger
        self.batch = batch
        self.interval = interval
        self._concurrency = concurrency
        self._in_flight: dict[int, asyncio.Semaphore] = {}
        # Each partner's client with its connections, kept while `run_forever` runs (`_running`).
        self._clients: dict[int, tuple[tuple[Any, ...], OcpiClient]] = {}
        self._running = 0
        self._wake = asyncio.Event()
        self._again: set[int] = set()
        self._failed: dict[int, tuple[int, str | None]] = {}  # per partner syncing: failures, the last error

    def nudge(self) -> None:
        """Something changed: run now instead of at the next interval."""
        self._wake.set()

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Sync every partner on each nudge or interval. Each partner is synced in its own task and a round
        does not wait for the slowest: a partner that hangs until its timeout delays no one else."""
        syncing: dict[int, asyncio.Task[int]] = {}
        self._running += 1
        try:
            while not stop.is_set():
                try:
                    shared = SharedChanges(self.ledger, self.batch)
                    partners = await self._partners()
                    for party in partners:
                        if party.pk not in syncing or syncing[party.pk].done():
                            syncing[party.pk] = asyncio.create_task(self._keep_synced(party, shared))
                            syncing[party.pk].add_done_callback(_log_failure)
                        else:
                            # Still syncing: a change it no longer looks for would wait for the next interval.
                            self._again.add(party.pk)
                    await self._tidy_clients({p.pk for p in partners}, syncing)
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
            self._running -= 1
            if not self._running:
                await self.close()

    async def run_once(self) -> int:
        """One round over every registered partner; returns how many objects were delivered."""
        shared = SharedChanges(self.ledger, self.batch)
        results = await asyncio.gather(*(self.sync(p, shared) for p in await self._partners()))
        return sum(results)

    async def _nothing_to_send(self, party: Party, object_pk: int, failing: set[int]) -> int:
        """An object the partner is not sent: no longer due either, if it was (owed, or failed before)."""
        if object_pk in failing:
            await self.ledger.succeeded(party.pk, object_pk)
            failing.discard(object_pk)
        return 0

    async def close(self) -> None:
        """Close the partners' connections."""
        clients = [client for _, client in self._clients.values()]
        self._clients.clear()
        for client in clients:
            await client.aclose()

    async def _keep_synced(self, party: Party, shared: SharedChanges) -> int:
        delivered = 0
        while True:
            self._again.discard(party.pk)
            delivered += await self.sync(party, shared)
            if party.pk not in self._again:
                return delivered
            shared = SharedChanges(self.ledger, self.batch)

    async def _partners(self) -> list[Party]:
        return [p for p in await self.context.list_parties() if p.state == "registered" and p.endpoints]

    def _client(self, party: Party) -> OcpiClient:
        """The partner's client, kept from round to round with its connections, and made again when what it
        was made from changes (token, version, endpoints, settings)."""
        made_from = (party.outbound_token, party.version, orjson.dumps(party.endpoints), orjson.dumps(party.settings))
        kept = self._clients.get(party.pk)
        if kept is not None and kept[0] == made_from:
            return kept[1]
        if kept is not None:
            kept[1].transport.close()  # idle: the partner's requests all ran within a sync of its own
        client = self.context.client_for(party)
        self._clients[party.pk] = (made_from, client)
        return client

    async def _tidy_clients(self, registered: set[int], syncing: dict[int, asyncio.Task[int]]) -> None:
        """Close the clients of partners gone, and the idle connections that can no longer be reused."""
        for pk in list(self._clients):
            if pk not in registered and (pk not in syncing or syncing[pk].done()):
                await self._clients.pop(pk)[1].aclose()
        for _, client in self._clients.values():
            client.transport.prune()

    async def sync(self, party: Party, shared: SharedChanges | None = None) -> int:
        """Bring one partner up to date: every change after its cursor, then its failed objects that are due.
        `shared`: the change log as read in this round, for partners at the same cursor to share."""
        changes = shared or SharedChanges(self.ledger, self.batch)
        async with self.ledger.claim(party.pk) as claimed:
            if not claimed:
                return 0
            # Looked up on the first object to send: most rounds find nothing new for most partners.
            made: list[OcpiClient] = []

            def client() -> OcpiClient:
                if not made:
                    made.append(self._client(party))
                return made[0]

            started = time.perf_counter()
            delivered = 0
            try:
                delivered = await self._sync(party, client, changes)
                return delivered
            finally:
                failed, error = self._failed.pop(party.pk, (0, None))
                self.context.events.push_synced(
                    party, delivered=delivered, failed=failed, seconds=time.perf_counter() - started, error=error
                )
                if not self._running and party.pk in self._clients:  # a round of its own: nothing to keep for
                    await self._clients.pop(party.pk)[1].aclose()

    async def _sync(self, party: Party, client: Callable[[], OcpiClient], shared: SharedChanges) -> int:
        delivered = 0
        failing = await self.ledger.failing(party.pk)
        cursor = await self.ledger.cursor(party.pk)
        backlog = await shared.backlog(cursor)
        # Each object once, in the order of its latest change, a batch at a time: once a batch is delivered (or
        # in the retry set), every change up to its last object's is done with, since an object not sent yet has
        # a later change, which stays after the cursor. The objects of a batch travel side by side.
        starts = range(0, len(backlog.entries), self.batch)
        reads = {start: asyncio.ensure_future(shared.objects(backlog, start)) for start in starts[:1]}
        try:
            for start in starts:
                found = await reads.pop(start)
                following = start + self.batch
                if following < len(backlog.entries):  # read while this batch travels
                    reads[following] = asyncio.ensure_future(shared.objects(backlog, following))
                batch = backlog.entries[start:following]
                sent = await asyncio.gather(
                    *(self._deliver(party, client(), found[pk], failing) for _, pk in batch if pk in found)
                )
                delivered += sum(sent)
                await self.ledger.advance(party.pk, batch[-1][0])
        finally:
            for read in reads.values():
                read.cancel()
        if backlog.head > cursor:
            await self.ledger.advance(party.pk, backlog.head)
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
        key = obj.key
        delivery = module_interfaces(key.module).delivery
        if (
            delivery is None
            or not self.context.pushes(obj)
            or party.version is None
            or not self.context.may_receive(party, obj)
        ):
            return await self._nothing_to_send(party, obj.pk, failing)
        body = obj.rendered.get(party.version)
        if body is None:
            return await self._nothing_to_send(party, obj.pk, failing)
        where = client.delivery(delivery, key.module, key.country_code, key.party_id, key.object_id, key.variant)
        if where is None:
            return await self._nothing_to_send(party, obj.pk, failing)
        url, params = where
        method = delivery.method
        started = time.perf_counter()
        try:
            async with self._in_flight.setdefault(party.pk, asyncio.Semaphore(self._concurrency)):
                headers = self.context.routing(party, obj)
                await client.call(method, url, body=_Raw(body), params=params or None, headers=headers or None)
        except OcpiError as error:
            self.context.events.push_sent(
                party, obj.key.module, time.perf_counter() - started, error.message, _named(obj)
            )
            self._failed[party.pk] = (self._failed.get(party.pk, (0, None))[0] + 1, error.message)
            await self.ledger.fail(party.pk, obj.pk, error.message)
            failing.add(obj.pk)
            return 0
        self.context.events.push_sent(party, obj.key.module, time.perf_counter() - started, None)
        if obj.pk in failing:
            await self.ledger.succeeded(party.pk, obj.pk)
            failing.discard(obj.pk)
        return 1


class SharedChanges:
    """The change log as one round reads it: most partners stand at the same cursor, and read its backlog
    once, and each batch of its objects once while they move through it together."""

    KEPT_BATCHES = 4

    def __init__(self, ledger: PushLedger, batch: int):
        self.ledger = ledger
        self.batch = batch
        self._backlogs: dict[int, asyncio.Future[Backlog]] = {}
        self._batches: OrderedDict[tuple[int, int], asyncio.Future[dict[int, StoredObject]]] = OrderedDict()

    async def backlog(self, seq: int) -> Backlog:
        """Every object changed after `seq`, once (see `PushLedger.backlog`)."""
        read = self._backlogs.get(seq)
        if read is None:
            read = self._backlogs[seq] = asyncio.ensure_future(self.ledger.backlog(seq))
        return await asyncio.shield(read)

    async def objects(self, backlog: Backlog, start: int) -> dict[int, StoredObject]:
        """The objects of the batch of `backlog` that begins at `start`, by pk (deleted ones missing)."""
        key = (backlog.after, start)
        read = self._batches.get(key)
        if read is None:
            pks = [pk for _, pk in backlog.entries[start : start + self.batch]]
            read = self._batches[key] = asyncio.ensure_future(self.ledger.objects(pks))
            while len(self._batches) > self.KEPT_BATCHES:
                self._batches.popitem(last=False)
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
