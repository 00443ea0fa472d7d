"""Push fan-out as issue #7 states it: the time from one location update to its delivery at `partners` registered
partners (receivers on loopback). Target: under 1 s.

Our node is `ocpi serve` on a SQLite file (`benchmarks.cpo_node`), the partners are the eMSPs of one loopback
server (`benchmarks.partner_sink`), each registered with the node through the real credentials handshake. Per
update: the CPO's application writes the location through the library on the node's database
(`node.locations.put`, in this process), noting the time; the node's push worker finds the change (a write
from another process is seen at its next round: `push_interval`, 1 s) and sends it; the sink notes when each
partner got it. The latency is the last arrival minus the time noted, read on the same clock (`time.time()`,
one machine).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson

from benchmarks.cpo_node import application, register_partners, serving_cpo
from benchmarks.run import free_port, server, uvicorn_command
from benchmarks.seed import OUR_CPO, example_path, location_document
from ocpi.node.node import Node

TARGET_S = 1.0
POLL_EVERY_S = 0.005
GIVE_UP_AFTER_S = 30.0
PUSH_INTERVAL_S = 1.0
"""`ocpi serve`'s push interval: a write from another process waits up to this long for the worker."""
# A pause between updates, so that each one meets a worker done with the previous one, as a lone update would;
# plus a random part up to one push interval, so the updates do not fall at one phase of the worker's rounds.
PAUSE_BETWEEN_S = 0.5


async def time_one_update(node: Node, sink: httpx.AsyncClient, document: dict[str, Any], partners: int) -> list[float]:
    """Write `document`, wait until every partner has received it; each arrival in seconds after the write."""
    name = document["name"]
    started = time.time()
    await node.locations.put(document, version="2.2.1")
    deadline = time.monotonic() + GIVE_UP_AFTER_S
    while True:
        found = (await sink.get("/_bench/stats")).json()
        times = [noted["names"][name] - started for noted in found.values() if name in noted["names"]]
        if len(times) == partners:
            return times
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name!r} reached {len(times)} of {partners} partners within {GIVE_UP_AFTER_S:.0f} s")
        await asyncio.sleep(POLL_EVERY_S)


async def _measure(node_url: str, database: str, sink_url: str, partners: int, updates: int) -> dict[str, Any]:
    template = orjson.loads(example_path().read_bytes())
    stamp = datetime.now(UTC)

    def update(label: str) -> dict[str, Any]:
        nonlocal stamp
        stamp += timedelta(seconds=1)
        document = location_document(0, OUR_CPO, template)
        document.update(name=f"fan-out {label}", last_updated=stamp.strftime("%Y-%m-%dT%H:%M:%SZ"))
        return document

    last, first = [], []
    phases = random.Random(7)
    async with application(database) as node, httpx.AsyncClient(base_url=sink_url, timeout=10) as sink:
        await time_one_update(node, sink, update("warm-up"), partners)  # opens the connections
        for number in range(updates):
            await asyncio.sleep(PAUSE_BETWEEN_S + phases.uniform(0, PUSH_INTERVAL_S))
            arrivals = await time_one_update(node, sink, update(str(number)), partners)
            last.append(max(arrivals))
            first.append(min(arrivals))
    return {
        "measured": True,
        "partners": partners,
        "updates": updates,
        "latency_s": statistics.median(last),
        "latency_max_s": max(last),
        "first_delivery_s": statistics.median(first),
        "target_s": TARGET_S,
        "push_interval_s": PUSH_INTERVAL_S,
        "runs_s": last,
        "node": "ocpi serve (SQLite); the update written by the application through the library",
    }


def measure_fan_out(workdir: Path, *, partners: int, updates: int) -> dict[str, Any]:
    database = f"sqlite:///{workdir / 'fanout.db'}"
    sink_command = uvicorn_command(sys.executable, "benchmarks.partner_sink:app", free_port())
    with server("fanout_sink", sink_command, {}, workdir) as sink, serving_cpo("fanout_node", database, workdir) as cpo:
        asyncio.run(register_partners(cpo, database, sink.base_url, range(partners)))
        return asyncio.run(_measure(cpo.base_url, database, sink.base_url, partners, updates))
