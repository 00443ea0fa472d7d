"""Partners that fail: answering 500 (with and without the envelope), garbage, JSON that is not the envelope,
or nothing at all. Each gets its failing objects retried with backoff, visible in the ledger; no worker dies;
and a healthy partner is brought up to date while a faulty one hangs."""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from ocpi.core.data_types import format_datetime
from ocpi.core.enums import RoleEnum
from ocpi.node.config import NodeConfig, OwnParty
from ocpi.node.node import Node
from ocpi.push import PushWorker
from ocpi.storage.base import Party, PartyRole
from ocpi.storage.push import PushLedger, backoff
from ocpi.storage.sql import SqlStore
from tests.nodes import eventually, serve_app
from tests.test_e2e.test_sync import example
from tests.test_hostile.support import FakePartner

CPO = OwnParty(RoleEnum.CPO, "BE", "BEC", name="CPO node")
OBJECTS = 40


@asynccontextmanager
async def partners(store: SqlStore, behaviours: dict[str, FakePartner]) -> AsyncIterator[dict[str, Party]]:
    """Each fake partner served on 127.0.0.1 and registered with the CPO (2.2.1, a locations receiver)."""
    async with AsyncExitStack() as stack:
        registered = {}
        for name, fake in behaviours.items():
            base = await stack.enter_async_context(serve_app(fake))
            party = await store.create_party(
                name,
                [PartyRole("EMSP", "DE", name[:3].upper())],
                state="registered",
                version="2.2.1",
                outbound_token=f"token-of-{name}",
                endpoints=[{"identifier": "locations", "url": f"{base}/ocpi/2.2.1/locations", "role": "RECEIVER"}],
            )
            await PushLedger(store).cursor(party.pk)
            registered[name] = party
        try:
            yield registered
        finally:
            for fake in behaviours.values():
                fake.release()


async def write_locations(node: Node, wave: int) -> None:
    template = example("location_example.json")
    stamp = datetime(2030, 1, 1, tzinfo=UTC) + timedelta(minutes=wave)
    for index in range(OBJECTS):
        location = copy.deepcopy(template)
        location.update(id=f"LOC{index:03d}", name=f"wave {wave}", last_updated=format_datetime(stamp))
        await node.locations.put(location, version="2.2.1")


def waited(attempts: int) -> timedelta:
    """The least time from the first attempt to the next one after `attempts` failures: each retry waits
    for the backoff of the failures before it."""
    return sum((backoff(n) for n in range(1, attempts + 1)), timedelta())


def names_at(fake: FakePartner) -> set[str]:
    return {orjson.loads(body)["name"] for body in fake.received.values()}


async def test_faulty_partners_are_retried_and_hold_back_no_one(tmp_path: Path) -> None:
    store = await SqlStore.open(f"sqlite:///{tmp_path / 'cpo.db'}")
    node = Node(NodeConfig(parties=[CPO], allow_private_urls=True), store)
    fakes = {
        "healthy": FakePartner("ok"),
        "stuck": FakePartner("hang"),  # default 10 s timeout: hangs through the whole test
        "slow": FakePartner("hang"),
        "broken": FakePartner("500"),
        "crashed": FakePartner("500-bare"),
        "garbled": FakePartner("garbage"),
        "naked": FakePartner("bare"),
    }
    stop = asyncio.Event()
    worker = PushWorker(node, interval=0.05)
    async with partners(store, fakes) as registered:
        await store.update_party(registered["slow"].pk, settings={"timeout": 0.5})
        running = asyncio.create_task(worker.run_forever(stop))
        try:
            started = datetime.now(UTC)
            await write_locations(node, 0)
            node.nudge_push()

            async def healthy_has(wave: int) -> bool:
                return len(fakes["healthy"].received) == OBJECTS and names_at(fakes["healthy"]) == {f"wave {wave}"}

            async def stuck_hangs() -> bool:
                return fakes["stuck"].hanging > 0

            # Both are asked at once: the healthy partner may even have everything before the stuck one's request
            # has reached it; what matters is that the healthy one did not wait for the stuck one's answer.
            await eventually(stuck_hangs, "the stuck partner is asked")
            await eventually(lambda: healthy_has(0), "the healthy partner has every location")
            assert fakes["stuck"].hanging > 0, "converged while the stuck partner still hangs"

            faulty = {"slow": "timed out", "broken": "down", "crashed": "HTTP 500", "garbled": "envelope",
                      "naked": "envelope"}  # fmt: skip

            async def all_failed() -> bool:
                states = [await worker.ledger.state(registered[name].pk) for name in faulty]
                return all(len(state.failing) == OBJECTS for state in states)

            await eventually(all_failed, "every faulty partner has its objects in the retry set")
            for name, words in faulty.items():
                state = await worker.ledger.state(registered[name].pk)
                assert state.lag == 0  # the cursor moved on: failures wait in the retry set, not in the log
                assert state.last_error and words in state.last_error, (name, state.last_error)
                for failure in state.failing:
                    assert failure.next_attempt_at >= started + waited(failure.attempts), (name, failure)

            # Retried when due, with a longer wait after each failure.
            async def retried() -> bool:
                state = await worker.ledger.state(registered["broken"].pk)
                return all(f.attempts >= 2 for f in state.failing)

            await eventually(retried, "the broken partner's objects retried")
            for failure in (await worker.ledger.state(registered["broken"].pk)).failing:
                assert failure.next_attempt_at >= started + waited(failure.attempts), failure

            # No worker died: a second wave still reaches the healthy partner.
            assert not running.done()
            await write_locations(node, 1)
            node.nudge_push()
            await eventually(lambda: healthy_has(1), "the healthy partner has the second wave")

            # The broken partner recovers: once retried it converges to the latest state, nothing replayed.
            fakes["broken"].mode = "ok"
            await worker.ledger.retry_now(registered["broken"].pk)
            node.nudge_push()

            async def recovered() -> bool:
                if (await worker.ledger.state(registered["broken"].pk)).failing:
                    # Deliveries in flight when it came back may fail after a retry_now: ask again.
                    await worker.ledger.retry_now(registered["broken"].pk)
                    node.nudge_push()
                    return False
                fake = fakes["broken"]
                return len(fake.received) == OBJECTS and names_at(fake) == {"wave 1"}

            await eventually(recovered, "the broken partner converged after recovering")
            assert not (await worker.ledger.state(registered["broken"].pk)).failing
            assert not running.done()
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
    await store.close()
