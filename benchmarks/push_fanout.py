"""Push fan-out as issue #7 states it: the time from one location update to its delivery at `partners` registered
partners (receivers on loopback). Target: under 1 s.

Our side runs in this process as an application runs it: a Node on its own SQLite store, with the push worker
loop the app starts (`node.push.run_forever`). The partners are one sink process (`benchmarks.fanout_sink`)
that notes when each PUT arrives. Per update: note the time, write the location with `node.locations.put`
(which nudges the worker), poll the sink until every partner has it; the latency is the last arrival minus the
time noted, read on the same clock (`time.time()`, one machine).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson

from benchmarks.seed import OUR_CPO, example_path, location_document
from ocpi.core.enums import RoleEnum
from ocpi.node.config import NodeConfig, OwnParty
from ocpi.node.node import Node
from ocpi.storage.base import PartyRole
from ocpi.storage.push import PushLedger
from ocpi.storage.sql import SqlStore

TARGET_S = 1.0
POLL_EVERY_S = 0.005
GIVE_UP_AFTER_S = 30.0
# A pause between updates, so that each one meets a worker done with the previous one, as a lone update would:
# a partner still being synced when the nudge comes is only looked at again on the next interval.
PAUSE_BETWEEN_S = 0.5


async def register_receivers(store: SqlStore, sink_url: str, partners: int) -> None:
    """`partners` registered eMSPs (2.2.1), partner `n` receiving locations at the sink under `/p/n`."""
    ledger = PushLedger(store)
    for number in range(partners):
        endpoint = {
            "identifier": "locations",
            "role": "RECEIVER",
            "url": f"{sink_url}/p/{number}/ocpi/emsp/2.2.1/locations",
        }
        party = await store.create_party(
            f"receiver {number}",
            [PartyRole("EMSP", "DE", f"R{number:02d}")],
            state="registered",
            version="2.2.1",
            endpoints=[endpoint],
            outbound_token=f"receiver-token-{number}",
        )
        await ledger.cursor(party.pk)  # from now on: only the updates below


async def time_one_update(node: Node, sink: httpx.AsyncClient, document: dict[str, Any], partners: int) -> list[float]:
    """Write `document`, wait until every partner has received it; each arrival in seconds after the write."""
    name = document["name"]
    started = time.time()
    await node.locations.put(document, version="2.2.1")
    deadline = time.monotonic() + GIVE_UP_AFTER_S
    while True:
        arrivals = (await sink.get("/arrivals")).json()
        times = [received[name] - started for received in arrivals.values() if name in received]
        if len(times) == partners:
            return times
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name!r} reached {len(times)} of {partners} partners within {GIVE_UP_AFTER_S:.0f} s")
        await asyncio.sleep(POLL_EVERY_S)


async def measure_fan_out(sink_url: str, workdir: Path, *, partners: int, updates: int) -> dict[str, Any]:
    store = await SqlStore.open(f"sqlite:///{workdir / 'push.db'}")
    stop = asyncio.Event()
    worker: asyncio.Task[None] | None = None
    try:
        config = NodeConfig(parties=[OwnParty(RoleEnum.CPO, *OUR_CPO)], allow_private_urls=True, push_interval=1.0)
        node = Node(config, store)
        await register_receivers(store, sink_url, partners)
        worker = asyncio.create_task(node.push.run_forever(stop))

        template = orjson.loads(example_path().read_bytes())
        stamp = datetime.now(UTC)

        def update(label: str) -> dict[str, Any]:
            nonlocal stamp
            stamp += timedelta(seconds=1)
            document = location_document(0, OUR_CPO, template)
            document.update(name=f"fan-out {label}", last_updated=stamp.strftime("%Y-%m-%dT%H:%M:%SZ"))
            return document

        last, first = [], []
        async with httpx.AsyncClient(base_url=sink_url, timeout=10) as sink:
            await time_one_update(node, sink, update("warm-up"), partners)  # opens the connections
            for number in range(updates):
                await asyncio.sleep(PAUSE_BETWEEN_S)
                arrivals = await time_one_update(node, sink, update(str(number)), partners)
                last.append(max(arrivals))
                first.append(min(arrivals))
    finally:
        stop.set()
        if worker is not None:
            await worker
        await store.close()
    return {
        "measured": True,
        "partners": partners,
        "updates": updates,
        "latency_s": statistics.median(last),
        "latency_max_s": max(last),
        "first_delivery_s": statistics.median(first),
        "target_s": TARGET_S,
        "runs_s": last,
    }
