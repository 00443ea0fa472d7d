"""Push fan-out: how fast our push worker brings `partners` receivers up to date after `changes` location writes.

The worker runs in this process against its own SQLite store; every partner's locations endpoint is a bare
Starlette sink (`benchmarks.ceiling_app`) on 127.0.0.1 answering each PUT with a success envelope, so what is
measured is our side: reading the change log, rendering nothing (bytes are stored rendered), sending.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from benchmarks.seed import OUR_CPO, example_path, location_document
from ocpi.core.enums import RoleEnum
from ocpi.modules.locations.interfaces import LOCATION
from ocpi.server.config import NodeConfig, OwnParty
from ocpi.storage.base import PartyRole
from ocpi.storage.repository import Repository
from ocpi.storage.sql import SqlStore


async def measure_fan_out(sink_url: str, workdir: Path, *, partners: int, changes: int, repeats: int) -> dict[str, Any]:
    from ocpi.push import PushWorker
    from ocpi.server.node import Node
    from ocpi.storage.push import PushLedger

    store = await SqlStore.open(f"sqlite:///{workdir / 'push.db'}")
    try:
        config = NodeConfig(parties=[OwnParty(RoleEnum.CPO, *OUR_CPO)], allow_private_urls=True)
        node = Node(config, store)
        ledger = PushLedger(store)
        endpoint = {"identifier": "locations", "role": "RECEIVER", "url": f"{sink_url}/ocpi/emsp/2.2.1/locations"}
        for number in range(partners):
            party = await store.create_party(
                f"receiver {number}",
                [PartyRole("EMSP", "DE", f"R{number:02d}")],
                state="registered",
                version="2.2.1",
                endpoints=[endpoint],
                outbound_token=f"receiver-token-{number}",
            )
            await ledger.cursor(party.pk)  # from now on: only what the rounds below change
        repository = Repository(store)
        template = orjson.loads(example_path().read_bytes())
        stamp = datetime.now(UTC)
        rates, seconds, delivered_counts = [], [], []
        for _ in range(repeats):
            stamp += timedelta(seconds=1)
            for number in range(changes):
                document = location_document(number, OUR_CPO, template)
                document["last_updated"] = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
                await repository.put(LOCATION, "2.2.1", document, owner=OUR_CPO)
            worker = PushWorker(node)
            started = time.perf_counter()
            delivered = await worker.run_once()
            elapsed = time.perf_counter() - started
            rates.append(delivered / elapsed)
            seconds.append(elapsed)
            delivered_counts.append(delivered)
        await node.close()
    finally:
        await store.close()
    return {
        "measured": True,
        "partners": partners,
        "changes": changes,
        "expected_deliveries": partners * changes,
        "delivered": delivered_counts,
        "deliveries_per_s": statistics.median(rates),
        "seconds": statistics.median(seconds),
    }
