"""A partner that comes back after a long outage converges within 30 s of its return (issue 24), whatever the
length of the outage: while it is down the worker probes its versions endpoint, and the first answer releases its
whole retry set. Time is simulated (the worker's clock); the partner is a real node on 127.0.0.1 that goes away
and comes back at the same address. Nothing is lost, and what piled up goes as one request per object, each the
smallest that carries what the partner missed."""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ocpi.core.data_types import format_datetime
from ocpi.node.handshake import register
from ocpi.push import PushWorker
from ocpi.storage.base import TokenKind
from tests.nodes import serve_node
from tests.test_e2e.test_push_changes import recording
from tests.test_e2e.test_sync import CPO, EMSP, VERSIONS, example, stored

LOCATIONS = 10
OUTAGE = timedelta(minutes=15)
STATUSES = ("AVAILABLE", "CHARGING", "BLOCKED", "OUTOFORDER")


class Clock:
    """Simulated naive UTC, moved by the test."""

    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1)

    def __call__(self) -> datetime:
        return self.now


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_partner_back_after_a_long_outage_converges_within_30_s(tmp_path: Path, version: str) -> None:
    emsp_db, clock = tmp_path / "emsp.db", Clock()
    rng = random.Random(24)
    async with serve_node(tmp_path / "cpo.db", [CPO], versions=(version,), push=False) as cpo:
        worker = PushWorker(cpo.node, clock=clock)
        async with serve_node(emsp_db, [EMSP], versions=(version,), push=False) as emsp:
            await register(emsp.node, f"{cpo.base_url}/ocpi/cpo/versions", await cpo.store.issue_token(TokenKind.A))
            port = int(emsp.base_url.rsplit(":", 1)[1])
            [partner] = await cpo.store.list_parties()
            template = example("location_example.json")
            for index in range(LOCATIONS):
                location = copy.deepcopy(template) | {"id": f"LOC{index}", "last_updated": stamp(clock)}
                await cpo.node.locations.put(location, version="2.2.1")
            assert await worker.run_once() == LOCATIONS
            last_success = (await worker.ledger.state(partner.pk)).last_success_at
            assert last_success == aware(clock.now)

        # The eMSP is gone for 15 minutes of simulated time; EVSE statuses keep changing (of the last two
        # Locations both EVSEs', of the others one EVSE's), and the worker keeps working every 5 s.
        outage_ends = clock.now + OUTAGE
        while clock.now < outage_ends:
            clock.now += timedelta(seconds=5)
            for _ in range(3):
                index = rng.randrange(LOCATIONS)
                evse = rng.choice(("3256", "3257")) if index >= LOCATIONS - 2 else "3256"
                change = {"status": rng.choice(STATUSES), "last_updated": stamp(clock)}
                await cpo.node.locations.patch(f"LOC{index}", change, path=(evse,))
            assert await worker.run_once() == 0
        state = await worker.ledger.state(partner.pk)
        assert state.lag == 0 and len(state.failing) == LOCATIONS  # what changed waits in the retry set, once each
        assert "Connection refused" in str(state.last_error)
        assert state.last_success_at == last_success, "a round where every delivery failed is no success"

        async with serve_node(emsp_db, [EMSP], versions=(version,), port=port, push=False) as emsp:
            received = recording(emsp)
            returned = clock.now
            while not await converged(cpo, emsp, worker, partner.pk, version):
                assert clock.now - returned <= timedelta(seconds=30), "not converged within 30 s of the return"
                clock.now += timedelta(seconds=1)
                await worker.run_once()
            # One request per object, each the smallest that carries what it missed: the PATCH of the one EVSE
            # whose status changed, or the PUT of a Location whose two EVSEs changed.
            sent = {r.object_id: r for r in received}
            assert len(received) == len(sent) == LOCATIONS, received
            for r in received:
                if r.method == "PATCH":
                    assert r.path == ("3256",) and set(r.body) == {"status", "last_updated"}, r
                else:
                    assert r.path == () and r.object_id in {f"LOC{i}" for i in range(LOCATIONS - 2, LOCATIONS)}, r
            assert sum(r.method == "PATCH" for r in received) == LOCATIONS - 2
            assert (await worker.ledger.state(partner.pk)).last_success_at == aware(clock.now)


async def converged(cpo: Any, emsp: Any, worker: PushWorker, party_pk: int, version: str) -> bool:
    state = await worker.ledger.state(party_pk)
    if state.failing or state.lag:
        return False
    for index in range(LOCATIONS):
        sent = await stored(cpo, "locations", f"LOC{index}", version)
        if await stored(emsp, "locations", f"LOC{index}", version) != sent:
            return False
    return True


def stamp(clock: Clock) -> str:
    return format_datetime(aware(clock.now))


def aware(naive: datetime) -> datetime:
    return naive.replace(tzinfo=UTC)
