"""The push worker: claims a partner, reads its whole backlog (every object changed after its cursor, once), sends
each object's current state in the partner's version, advances the cursor; failures go to the partner's retry
set with backoff. Several workers may run against one PostgreSQL: a partner is claimed with an advisory lock,
so no two workers send to the same partner at once.

Each object goes as the smallest correct request: what changed since the partner last had it (the scopes of its
change records, and of its retry-set row, united: `ocpi.storage.changes`) decides between a PATCH of the EVSE,
connector or object and a PUT of a new child or of the whole object; the body is always taken from the object's
current state. A PATCH or child PUT the partner refuses is followed at once by a PUT of the whole object (the
spec: when a PATCH fails, PUT the object).

A partner that does not answer at all (nothing delivered, connections refused, timeouts, 5xx) is *down*: instead
of sending it what changes, the worker keeps those objects in its retry set, and probes the partner's versions
endpoint (with its token) every few seconds, jittered. The first answer releases its whole retry set, so it
converges within seconds of its return, whatever the length of the outage; per-object backoff (jittered) stays for
the objects a partner refuses while it answers everything else.

What one partner may hold is its own: its requests in flight (`concurrency`), its connections (a client per
partner, kept across rounds), its claim. Nothing is shared with the others but the CPU and the database pool,
which a query holds only while it runs; so a partner that answers slowly, or not at all until the deadline of
each call, delays no one else."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson

from ocpi.client import OcpiClient
from ocpi.client.client import join_url
from ocpi.core.errors import AuthenticationError, ClientError, OcpiError
from ocpi.core.interfaces import ObjectType, SenderList
from ocpi.modules.registry import module_interfaces
from ocpi.push.context import SyncContext, Synced, context_of
from ocpi.storage.base import Party, StoredObject
from ocpi.storage.changes import Part, Request, part_in, request_for, unite
from ocpi.storage.push import Backlog, PushLedger, scope_of
from ocpi.storage.tables import utcnow

log = logging.getLogger("ocpi.push")

PROBE_INTERVAL = 5.0
"""Seconds between two probes of a partner that is down (jittered: half of it to one and a half)."""
UNREACHABLE = "the partner does not answer"


class PushWorker:
    """Brings every registered partner up to date with the node's own objects (see the module docstring):
    `run_forever(stop)` in a worker, `run_once()` for one round."""

    def __init__(
        self,
        node: SyncContext | Synced,
        *,
        batch: int = 500,
        interval: float = 1.0,
        concurrency: int = 16,
        probe_interval: float = PROBE_INTERVAL,
        clock: Callable[[], datetime] = utcnow,
    ):
        """`node`: the node (or its `SyncContext`) whose changes are pushed; `batch`: objects read from the store at
        a time; `concurrency`: requests in flight per partner; `probe_interval`: seconds between probes of a
        partner that is down; `clock`: now as naive UTC (a test's simulated time)."""
        self.context = context_of(node)
        self.clock = clock
        self.probe_interval = probe_interval
        given = self.context.ledger
        self.ledger = PushLedger(given.store, clock, objects=given.objects_store)
        self._down: dict[int, tuple[datetime, str]] = {}  # partners that do not answer: next probe, last error
        self._releases: dict[int, int] = {}  # retry sets released since the partner last took something
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

    async def retry_now(self, party_pk: int) -> None:
        """Try the partner at once (an operator says it is back): its whole retry set due, no probe awaited."""
        await self.ledger.retry_now(party_pk)
        self.forget_outage(party_pk)

    def forget_outage(self, party_pk: int) -> None:
        """Send to the partner at once again, without waiting for its next probe (its retry set made due)."""
        self._down.pop(party_pk, None)
        self._releases.pop(party_pk, None)
        self.nudge()

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
        failing = await self.ledger.failing(party.pk)
        round_ = _Round(up=await self._answers(party, client))
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
                    *(
                        self._deliver(
                            party, client, found[pk], self._missed(party, backlog, pk, failing), failing, round_
                        )
                        for _, pk in batch
                        if pk in found
                    )
                )
                await self._held(party, round_)
                await self.ledger.advance(party.pk, batch[-1][0], delivered=any(sent))
                self._judge(party, round_)
        finally:
            for read in reads.values():
                read.cancel()
        if backlog.head > cursor:
            await self.ledger.advance(party.pk, backlog.head)
        delivered = round_.delivered
        if not failing or not round_.up:  # kept up to date by every delivery since it was read: nothing can be due
            return delivered
        # Every due object, a batch at a time, side by side: a partner back after an outage has its whole retry
        # set due at once. An object that fails again is not due again in this round (its backoff).
        tried: set[int] = set()
        while round_.up and (due := await self.ledger.due(party.pk, limit=self.batch)):
            if tried.issuperset(f.object_pk for f in due):
                break
            tried.update(f.object_pk for f in due)
            found = await self.ledger.objects([f.object_pk for f in due])
            for failure in due:
                if failure.object_pk not in found:  # deleted since: nothing left to send
                    await self.ledger.succeeded(party.pk, failure.object_pk)
                    failing.pop(failure.object_pk, None)
            await asyncio.gather(
                *(
                    self._deliver(
                        party, client, found[f.object_pk], _part(failing, f.object_pk, party), failing, round_
                    )
                    for f in due
                    if f.object_pk in found
                )
            )
            await self._held(party, round_)
            self._judge(party, round_)
        return round_.delivered

    def _missed(self, party: Party, backlog: Backlog, pk: int, failing: dict[int, bytes | None]) -> Part | None:
        """What the partner misses of object `pk`: its changes in the backlog, and what it missed before."""
        version = party.version or ""
        scopes = backlog.scopes.get(pk)
        if scopes is None:
            return None
        parts = [part_in(scope, version) for scope in scopes]
        if pk in failing:
            parts.append(_part(failing, pk, party))
        return unite(parts)

    async def _answers(self, party: Party, client: Callable[[], OcpiClient]) -> bool:
        """Whether to send to the partner now: yes unless it is down; when it is, and its probe is due, probe
        it: the first answer releases its whole retry set."""
        down = self._down.get(party.pk)
        if down is None:
            return True
        if self.clock() < down[0] or not party.versions_url:
            return False
        try:
            await client().get(party.versions_url, configuration=True, retry=False)
        except OcpiError as error:
            log.debug("partner %s still down: %s", party.name, error.message)
            self._down[party.pk] = (self.clock() + self._probe_wait(party.pk), error.message)
            return False
        del self._down[party.pk]
        self._releases[party.pk] = self._releases.get(party.pk, 0) + 1  # forgotten once something is delivered
        await self.ledger.retry_now(party.pk)
        return True

    def _probe_wait(self, party_pk: int) -> timedelta:
        """The probe interval, jittered; doubled for each release after which the partner took nothing (its
        versions endpoint answers, its receivers do not): such a partner is not asked for everything every
        few seconds."""
        doubled = 2 ** min(self._releases.get(party_pk, 0), 6)
        return timedelta(seconds=self.probe_interval * doubled * random.uniform(0.5, 1.5))

    def _judge(self, party: Party, round_: _Round) -> None:
        """After a batch: a partner that took nothing of it and failed for reasons of its own, not the objects'
        (no answer, 5xx, our token refused), is down; the rest of the round is kept for it, and it is probed
        (partners without a versions URL to probe keep being tried, object by object)."""
        if round_.up and round_.unreachable and not round_.batch_delivered and party.versions_url:
            round_.up = False
            self._down[party.pk] = (self.clock() + self._probe_wait(party.pk), round_.error)
        round_.unreachable = round_.batch_delivered = 0

    async def _held(self, party: Party, round_: _Round) -> None:
        if round_.held:
            error = self._down.get(party.pk, (None, UNREACHABLE))[1]
            await self.ledger.hold(party.pk, round_.held, error)
            round_.held = []

    async def _deliver(
        self,
        party: Party,
        client: Callable[[], OcpiClient],
        obj: StoredObject,
        missed: Part | None,
        failing: dict[int, bytes | None],
        round_: _Round,
    ) -> int:
        """Bring the partner's copy of `obj` up to date, `missed` being what it misses of it; 1 when delivered."""
        assert obj.pk is not None
        key = obj.key
        delivery = module_interfaces(key.module).delivery
        if (
            delivery is None
            or not self.context.pushes(obj)
            or party.version is None
            or not self.context.may_receive(party, obj)
        ):
            if obj.pk in failing:  # not to be sent to this partner (owed by a hub, or sent before): no longer due
                await self.ledger.succeeded(party.pk, obj.pk)
                del failing[obj.pk]
            return 0
        body = obj.rendered.get(party.version)
        where = client().delivery(delivery, key.module, key.country_code, key.party_id, key.object_id, key.variant)
        if body is None or where is None:
            if obj.pk in failing:  # nothing to send it any more (its endpoint is gone)
                await self.ledger.succeeded(party.pk, obj.pk)
                del failing[obj.pk]
            return 0
        if not round_.up:  # down: kept in the retry set, with what it misses, until the partner answers again
            round_.held.append((obj.pk, scope_of(missed)))
            failing[obj.pk] = scope_of(missed)
            return 0
        request = Request(delivery.method, (), body)
        if delivery.owner_keyed:
            request = request_for(_object_type(key.module), party.version, body, missed)
        started = time.perf_counter()
        try:
            try:
                await self._send(party, client(), obj, request)
            except ClientError as error:
                if (request.method != "PATCH" and not request.path) or isinstance(error, AuthenticationError):
                    raise
                # Refused (the partner lacks the object, or reads the change otherwise): the whole object.
                self.context.events.push_sent(
                    party, obj.key.module, time.perf_counter() - started, error.message, _named(obj)
                )
                request, missed = Request("PUT", (), body), None
                await self._send(party, client(), obj, request)
        except OcpiError as error:
            self.context.events.push_sent(
                party, obj.key.module, time.perf_counter() - started, error.message, _named(obj)
            )
            self._failed[party.pk] = (self._failed.get(party.pk, (0, None))[0] + 1, error.message)
            if not isinstance(error, ClientError) or isinstance(error, AuthenticationError):
                round_.unreachable += 1
                round_.error = error.message
            await self.ledger.fail(party.pk, obj.pk, error.message, scope_of(missed))
            failing[obj.pk] = scope_of(missed)
            return 0
        self.context.events.push_sent(party, obj.key.module, time.perf_counter() - started, None)
        round_.delivered += 1
        self._releases.pop(party.pk, None)
        round_.batch_delivered += 1
        if obj.pk in failing:
            await self.ledger.succeeded(party.pk, obj.pk)
            del failing[obj.pk]
        return 1

    async def _send(self, party: Party, client: OcpiClient, obj: StoredObject, request: Request) -> None:
        key = obj.key
        delivery = module_interfaces(key.module).delivery
        assert delivery is not None
        where = client.delivery(delivery, key.module, key.country_code, key.party_id, key.object_id, key.variant)
        assert where is not None
        url, params = where
        if request.path:
            url = join_url(url, *request.path)
        headers = self.context.routing(party, obj)
        async with self._in_flight.setdefault(party.pk, asyncio.Semaphore(self._concurrency)):
            await client.call(
                request.method, url, body=_Raw(request.body), params=params or None, headers=headers or None
            )


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


@dataclass(slots=True)
class _Round:
    """One sync of one partner as it goes: whether it answers, what was delivered, and what is kept for it."""

    up: bool
    delivered: int = 0
    batch_delivered: int = 0
    unreachable: int = 0
    error: str = UNREACHABLE
    held: list[tuple[int, bytes | None]] = field(default_factory=list)


def _part(failing: dict[int, bytes | None], pk: int, party: Party) -> Part | None:
    scope = failing.get(pk)
    return None if scope is None else part_in(scope, party.version or "")


def _object_type(module: str) -> ObjectType:
    interfaces = module_interfaces(module)
    assert interfaces.sender is not None
    return next(p.object_type for p in interfaces.sender.patterns if isinstance(p, SenderList))


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
