"""A busy CPO (issue 24, item 4): how many EVSE status changes a second `ocpi serve` keeps 10 partners up to date
with, every partner's lag under 5 s.

The node is `ocpi serve` (SQLite: one process, its push worker inside; PostgreSQL: `--workers 2`) holding
10,000 EVSEs (5,000 Locations of the official example, two EVSEs each). Ten eMSPs of one loopback server
(`benchmarks.partner_sink`) register with it through the real credentials handshake (`benchmarks.cpo_node`).
The CPO's application (this process, the library on the node's database, `node.locations.patch`) then writes
EVSE status changes at stepped rates, each for `step_seconds`, to random EVSEs, stamping each change's
`last_updated` with the moment it writes it.

Per step and partner:
- `max_lag_s`: the largest arrival time minus `last_updated` of any request the partner received (a request
  carries the newest state of its object, so this is how old the freshest state was when it arrived);
- `drain_s`: from the step's last write until the partner holds a state at least that new (the newest
  `last_updated` it has seen);
- bytes received (request line, headers, body) per change written.
A step is sustained when every partner's `max_lag_s` and `drain_s` are under `LAG_LIMIT_S`. The steps stop at
the first one that is not, or whose writes fell behind the rate asked (the application's writes, on the same
machine, are then the limit: `writer_bound`). The figure is the highest rate written in a sustained step.

    python -m benchmarks.busy_cpo [--postgres URL] [--rates 50,100,200] [--step-seconds 20] [--quick]

`--postgres URL` empties that database first (every ocpi table dropped and migrated again): give it its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import sqlalchemy as sa

from benchmarks import seed
from benchmarks.cpo_node import application, register_partners, serving_cpo
from benchmarks.run import free_port, log, server, uvicorn_command
from ocpi.core.data_types import format_datetime
from ocpi.storage.sql import SqlStore, metadata

EVSES = 10_000
PARTNERS = 10
LAG_LIMIT_S = 5.0
RATES = (25, 50, 100, 150, 200, 300, 400, 600, 800)
STEP_SECONDS = 20.0
WRITERS = 8
"""Writes in flight at once (the application's concurrency)."""
BEHIND = 0.9
"""A step whose writes reached less than this share of the rate asked is the writer's limit, not the node's."""
STATUSES = ("AVAILABLE", "CHARGING", "BLOCKED", "OUTOFORDER")
POLL_S = 0.1
QUICK = {"evses": 1_000, "rates": (20, 50), "step_seconds": 3.0}


async def empty_database(url: str) -> None:
    store = await SqlStore.open(url, create=False, listen=False)
    try:
        async with store.engine.begin() as conn:
            await conn.run_sync(metadata.drop_all)
            await conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        await store.close()


async def write_step(node: Any, rate: float, seconds: float, locations: int, uids: list[str]) -> dict[str, Any]:
    """`rate * seconds` changes on schedule (change i at start + i / rate), `WRITERS` in flight."""
    total = max(1, int(rate * seconds))
    chooser = random.Random(rate)
    changes = [
        (seed.location_id(chooser.randrange(locations)), chooser.choice(uids), STATUSES[i % len(STATUSES)])
        for i in range(total)
    ]
    started = time.monotonic()
    next_change = 0
    last_stamp = 0.0

    async def writer() -> None:
        nonlocal next_change, last_stamp
        while next_change < total:
            number = next_change
            next_change += 1
            delay = started + number / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            location_id, uid, status = changes[number]
            now = datetime.now(UTC)
            change = {"status": status, "last_updated": format_datetime(now)}
            await node.locations.patch(location_id, change, version="2.2.1", path=(uid,))
            last_stamp = max(last_stamp, now.timestamp())

    await asyncio.gather(*(writer() for _ in range(WRITERS)))
    elapsed = time.monotonic() - started
    return {"changes": total, "written_per_s": total / elapsed, "last_stamp": last_stamp}


async def wait_drained(sink: httpx.AsyncClient, last_stamp: float, partners: int) -> dict[str, float | None]:
    """Each partner's time from the step's last write to holding a state that new (None: not within the
    limit and a margin)."""
    written_at = last_stamp
    drained: dict[str, float | None] = {}
    give_up = time.time() + LAG_LIMIT_S + 10
    # The stamps are written with millisecond precision: a state that new rounds down by up to 1 ms.
    needed = written_at - 0.0011
    while len(drained) < partners and time.time() < give_up:
        found = (await sink.get("/_bench/stats")).json()
        now = time.time()
        for name, noted in found.items():
            if name not in drained and noted["newest"] >= needed:
                drained[name] = now - written_at
        await asyncio.sleep(POLL_S)
    for number in range(partners):
        drained.setdefault(str(number), None)
    return drained


async def run_steps(
    database: str, sink_url: str, *, evses: int, rates: tuple[float, ...], step_seconds: float
) -> list[dict[str, Any]]:
    locations = evses // 2
    uids = [evse["uid"] for evse in orjson.loads(seed.example_path().read_bytes())["evses"]][:2]
    steps = []
    async with application(database) as node, httpx.AsyncClient(base_url=sink_url, timeout=30) as sink:
        for rate in rates:
            await sink.post("/_bench/reset")
            written = await write_step(node, rate, step_seconds, locations, uids)
            drained = await wait_drained(sink, written["last_stamp"], PARTNERS)
            found = (await sink.get("/_bench/stats")).json()
            lags = {name: noted["max_lag"] for name, noted in found.items()}
            sent = sum(noted["bytes"] for noted in found.values())
            step = {
                "rate": rate,
                "changes": written["changes"],
                "written_per_s": written["written_per_s"],
                "max_lag_s": max(lags.values(), default=None),
                "lag_s": lags,
                "drain_s": drained,
                "requests": sum(noted["requests"] for noted in found.values()),
                "bytes_per_change": sent / (written["changes"] * PARTNERS),
            }
            late = [name for name, seconds in drained.items() if seconds is None or seconds >= LAG_LIMIT_S]
            step["writer_behind"] = written["written_per_s"] < BEHIND * rate
            step["sustained"] = not late and len(lags) == PARTNERS and all(lag < LAG_LIMIT_S for lag in lags.values())
            steps.append(step)
            log(summary_line(step))
            if not step["sustained"] or step["writer_behind"]:
                break
    return steps


def summary_line(step: dict[str, Any]) -> str:
    drains = [seconds for seconds in step["drain_s"].values() if seconds is not None]
    return (
        f"busy CPO {step['rate']:g}/s: written {step['written_per_s']:.0f}/s, max lag {step['max_lag_s'] or 0:.2f} s, "
        f"slowest drain {max(drains, default=float('nan')):.2f} s"
        + (
            f" ({len(step['drain_s']) - len(drains)} partners not drained)"
            if len(drains) < len(step["drain_s"])
            else ""
        )
        + f", {step['bytes_per_change']:.0f} B a change a partner, {step['requests']} requests"
        + ("" if step["sustained"] else " -> not sustained")
        + (" (the writer fell behind the rate asked)" if step["writer_behind"] else "")
    )


def measure_busy_cpo(
    workdir: Path,
    database: str,
    *,
    evses: int = EVSES,
    rates: tuple[float, ...] = RATES,
    step_seconds: float = STEP_SECONDS,
    workers: int = 0,
) -> dict[str, Any]:
    """The steps on `database` (a SQLite URL of a new file, or an emptied PostgreSQL database)."""
    if database.startswith("postgresql"):
        asyncio.run(empty_database(database))
    log(f"busy CPO: seeding {evses} EVSEs ({evses // 2} locations) into {database.split('@')[-1]}")
    asyncio.run(seed.seed_locations([database], seed.OUR_CPO, 0, evses // 2))
    extra = ("--workers", str(workers)) if workers else ()
    sink_command = uvicorn_command(sys.executable, "benchmarks.partner_sink:app", free_port())
    with (
        server("busy_sink", sink_command, {}, workdir) as sink,
        serving_cpo("busy_node", database, workdir, *extra) as node,
    ):
        asyncio.run(register_partners(node, database, sink.base_url, range(PARTNERS)))
        steps = asyncio.run(run_steps(database, sink.base_url, evses=evses, rates=rates, step_seconds=step_seconds))
    sustained = [step["written_per_s"] for step in steps if step["sustained"]]
    return {
        "measured": True,
        "evses": evses,
        "partners": PARTNERS,
        "lag_limit_s": LAG_LIMIT_S,
        "step_seconds": step_seconds,
        "node": "ocpi serve" + (f" --workers {workers}" if workers else ""),
        "highest_sustained_per_s": max(sustained, default=None),
        "writer_bound": bool(steps) and steps[-1]["writer_behind"] and steps[-1]["sustained"],
        "bytes_per_change": statistics.median(step["bytes_per_change"] for step in steps) if steps else None,
        "steps": steps,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.busy_cpo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", help="an emptied PostgreSQL database (ocpi serve --workers 2) instead of SQLite")
    parser.add_argument("--rates", help="changes a second per step, comma separated")
    parser.add_argument("--step-seconds", type=float)
    parser.add_argument("--evses", type=int)
    parser.add_argument("--quick", action="store_true", help="1,000 EVSEs, two short steps (a smoke run)")
    args = parser.parse_args(argv)
    options: dict[str, Any] = dict(QUICK) if args.quick else {}
    if args.rates:
        options["rates"] = tuple(float(rate) for rate in args.rates.split(","))
    if args.step_seconds:
        options["step_seconds"] = args.step_seconds
    if args.evses:
        options["evses"] = args.evses
    with tempfile.TemporaryDirectory(prefix="ocpi-busy-") as directory:
        workdir = Path(directory)
        database = args.postgres or f"sqlite:///{workdir / 'busy.db'}"
        results = measure_busy_cpo(workdir, database, workers=2 if args.postgres else 0, **options)
    print(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
