"""A partner whose versions endpoint answers while its receivers fail (issue 24): each probe that succeeds releases
its retry set, but a release after which it took nothing doubles the wait for the next probe, so such a partner
is not sent everything every few seconds; once it takes something again, probes are as frequent as before."""

from __future__ import annotations

import copy
import itertools
from datetime import datetime, timedelta
from typing import Any

from ocpi.node.config import NodeConfig
from ocpi.node.node import Node
from ocpi.push import PushWorker
from ocpi.storage.base import PartyRole
from ocpi.storage.push import PushLedger
from ocpi.storage.sql import SqlStore
from tests.nodes import serve_app
from tests.test_e2e.test_sync import CPO, example

OK = b'{"data":[],"status_code":1000,"timestamp":"2030-01-01T00:00:00Z"}'
DOWN = b'{"status_code":3000,"status_message":"down","timestamp":"2030-01-01T00:00:00Z"}'


class HalfBroken:
    """Answers its versions endpoint; its locations receiver answers 500 until `healed`."""

    def __init__(self) -> None:
        self.healed = False
        self.pushes = 0
        self.probes = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        probe = scope["path"] == "/versions"
        self.probes += probe
        self.pushes += not probe
        status, body = (200, OK) if probe or self.healed else (500, DOWN)
        await send(
            {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]}
        )
        await send({"type": "http.response.body", "body": body})


async def test_a_partner_that_answers_only_its_probes_is_probed_less_and_less(store: SqlStore) -> None:
    node = Node(NodeConfig(parties=[CPO], allow_private_urls=True), store)
    now = datetime(2030, 1, 1)
    worker = PushWorker(node, probe_interval=5.0, clock=lambda: now)
    partner = HalfBroken()
    async with serve_app(partner) as base:
        party = await store.create_party(
            "half",
            [PartyRole("EMSP", "DE", "HAL")],
            state="registered",
            version="2.2.1",
            versions_url=f"{base}/versions",
            outbound_token="token",
            endpoints=[{"identifier": "locations", "url": f"{base}/locations", "role": "RECEIVER"}],
        )
        await PushLedger(store).cursor(party.pk)
        for index in range(5):
            await node.locations.put(
                copy.deepcopy(example("location_example.json")) | {"id": f"LOC{index}"}, version="2.2.1"
            )
        releases = []
        for _ in range(600):  # ten minutes of simulated time, a round a second
            now += timedelta(seconds=1)
            pushes = partner.pushes
            await worker.run_once()
            if partner.pushes > pushes:
                releases.append(now)
        # Released at about 5, 10, 20, 40, 80, 160, 320 s after the last (each jittered by half): not every 5 s.
        assert 4 <= len(releases) <= 9, releases
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(releases)]
        assert gaps[-1] > 60, gaps
        assert partner.probes >= len(releases) - 1

        # Healed: the next release delivers everything, and the partner is probed at the usual pace again.
        partner.healed = True
        while (await worker.ledger.state(party.pk)).failing:
            now += timedelta(seconds=1)
            await worker.run_once()
        assert worker._releases.get(party.pk) is None
