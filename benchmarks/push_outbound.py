"""Outbound at machine speed (issue 27): how fast one push worker process delivers a backlog to a partner, against
the machine's ceiling for the very same requests.

The node is `ocpi serve` as users start it (SQLite, one process: its push worker runs inside), holding `locations`
Locations and a registered eMSP (2.2.1) whose locations receiver is the lightweight loopback receiver
(`benchmarks.push_receiver`, a bare ASGI app under uvicorn). Before the node starts, `changes_each` EVSE status
changes per Location are written through the library (`node.locations.patch`), the Locations taking turns: a
backlog of N changes over M objects, which must cost M requests (each object's latest state, once).

Each round: the partner's cursor is put back before the backlog, `ocpi serve` starts and drains it (16 requests
in flight, the worker's default per partner) and is stopped; the receiver keeps every request. Then the same
requests are replayed to the same receiver, 16 in flight, by:
- `ceiling`: a raw asyncio HTTP/1.1 keep-alive sender (16 connections, the request bytes prepared beforehand);
- `httpx`: a bare `httpx.AsyncClient`, what the node used before;
- `transport`: the node's own transport (`ocpi.client.transport`) alone, without the worker;
- `aiohttp`, `httpcore`: the other candidates, when installed.
Rates are read at the receiver (requests between the first and the last arrival); CPU per request is the
sender's (for the push: the node process, from the first arrival to the last). Figures are medians of `rounds`.

    python -m benchmarks.push_outbound [--locations 2000] [--changes-each 3] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from benchmarks import seed
from benchmarks.run import Running, cpu_seconds, free_port, log, ocpi_serve_command, server, uvicorn_command
from ocpi.client import UrlPolicy
from ocpi.client.transport import Transport
from ocpi.core.data_types import format_datetime
from ocpi.core.enums import RoleEnum
from ocpi.node.config import NodeConfig, OwnParty
from ocpi.node.node import Node
from ocpi.storage.base import PartyRole
from ocpi.storage.push import PushLedger, push_cursors
from ocpi.storage.sql import SqlStore

IN_FLIGHT = 16
TARGET = 0.5
RECEIVER_TOKEN = "receiver-token"
GIVE_UP_AFTER_S = 120.0
STATUSES = ("CHARGING", "AVAILABLE", "BLOCKED")
HOP_BY_HOP = frozenset({"host", "content-length", "connection", "accept-encoding", "user-agent", "accept"})

Request = tuple[str, str, dict[str, str], bytes]


# --- the node's database -------------------------------------------------------------------------------------


async def prepare(database: str, receiver_url: str, locations: int, changes_each: int) -> int:
    """The Locations, the receiver registered, then the backlog; returns the cursor to put back each round."""
    await seed.seed_locations([database], seed.OUR_CPO, 0, locations)
    store = await SqlStore.open(database)
    try:
        party = await store.create_party(
            "benchmark receiver",
            [PartyRole("EMSP", *seed.PARTNER_EMSP)],
            state="registered",
            version="2.2.1",
            outbound_token=RECEIVER_TOKEN,
            endpoints=[
                {"identifier": "locations", "role": "RECEIVER", "url": f"{receiver_url}/ocpi/emsp/2.2.1/locations"}
            ],
        )
        before = await PushLedger(store).cursor(party.pk)
        node = Node(NodeConfig(parties=[OwnParty(RoleEnum.CPO, *seed.OUR_CPO)]), store)
        stamp = datetime.now(UTC)
        for change in range(locations * changes_each):
            stamp += timedelta(milliseconds=1)
            status = {"status": STATUSES[change // locations % len(STATUSES)], "last_updated": format_datetime(stamp)}
            location_id = seed.location_id(change % locations)
            await node.locations.patch(location_id, status, version="2.2.1", path=(seed.EVSE_UID,))
        return before
    finally:
        await store.close()


async def rewind(database: str, cursor: int) -> None:
    store = await SqlStore.open(database)
    try:
        async with store.transaction() as conn:
            await conn.execute(sa.update(push_cursors).values(last_seq=cursor))
    finally:
        await store.close()


# --- the receiver --------------------------------------------------------------------------------------------


def stats(receiver: str) -> dict[str, Any]:
    result: dict[str, Any] = httpx.get(f"{receiver}/_bench/stats", timeout=30).json()
    return result


def reset(receiver: str) -> None:
    httpx.post(f"{receiver}/_bench/reset", timeout=30)


def rate(found: dict[str, Any]) -> float:
    window = found["last"] - found["first"]
    return (found["requests"] - 1) / window if window > 0 else float("nan")


# --- the push: ocpi serve ------------------------------------------------------------------------------------


def push_round(database: str, receiver: str, expected: int, workdir: Path) -> dict[str, Any]:
    """`ocpi serve` as the README starts it, until the receiver has `expected` requests; ended by its PID."""
    reset(receiver)
    command = [*ocpi_serve_command(database, "CPO", free_port()), "--allow-private-urls"]
    with server("outbound_node", command, {}, workdir) as node:
        deadline = time.monotonic() + GIVE_UP_AFTER_S
        started: tuple[float, int] | None = None
        while True:
            found = stats(receiver)
            if started is None and found["requests"]:
                started = (cpu_seconds(node.pid), found["requests"])
            if found["requests"] >= expected:
                cpu = cpu_seconds(node.pid)
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{found['requests']} of {expected} requests within {GIVE_UP_AFTER_S:.0f} s")
            time.sleep(0.02)
        time.sleep(0.5)  # anything sent beyond the backlog would show now
        found = stats(receiver)
    assert started is not None
    return {
        "rps": rate(found),
        "cpu_ms": (cpu - started[0]) * 1000 / max(1, expected - started[1]),
        "requests": found["requests"],
        "distinct": found["distinct"],
    }


# --- the replays ---------------------------------------------------------------------------------------------


def recorded(receiver: str) -> list[Request]:
    answer = httpx.get(f"{receiver}/_bench/requests", timeout=60).json()
    return [
        (
            r["method"],
            r["target"],
            {k: v for k, v in r["headers"].items() if k not in HOP_BY_HOP},
            r["body"].encode("latin-1"),
        )
        for r in answer
    ]


async def in_flight(requests: list[Request], send: Callable[[Request], Awaitable[None]]) -> None:
    queue = iter(requests)

    async def sender() -> None:
        for request in queue:
            await send(request)

    await asyncio.gather(*(sender() for _ in range(IN_FLIGHT)))


async def raw(base: str, requests: list[Request]) -> None:
    host, port = base.removeprefix("http://").split(":")
    prepared = [
        (
            f"{method} {target} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            + f"Content-Length: {len(body)}\r\n\r\n"
        ).encode("latin-1")
        + body
        for method, target, headers, body in requests
    ]
    connections: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(IN_FLIGHT):
        connections.put_nowait(await asyncio.open_connection(host, int(port)))
    position = iter(range(len(prepared)))

    async def sender() -> None:
        reader, writer = await connections.get()
        for index in position:
            writer.write(prepared[index])
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
            await reader.readexactly(length)
        writer.close()

    await asyncio.gather(*(sender() for _ in range(IN_FLIGHT)))


async def with_httpx(base: str, requests: list[Request]) -> None:
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=IN_FLIGHT)) as client:

        async def send(request: Request) -> None:
            method, target, headers, body = request
            (await client.request(method, base + target, headers=headers, content=body)).raise_for_status()

        await in_flight(requests, send)


async def with_transport(base: str, requests: list[Request]) -> None:
    from ocpi.client.client import PartnerSettings, tls_context

    transport = Transport(UrlPolicy(allow_private=True), tls_context(), PartnerSettings().max_response_bytes)

    async def send(request: Request) -> None:
        method, target, headers, body = request
        answer = await transport.request(method, base + target, headers, body)
        assert answer.status_code == 200

    try:
        await in_flight(requests, send)
    finally:
        await transport.aclose()


async def with_aiohttp(base: str, requests: list[Request]) -> None:
    import aiohttp

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=IN_FLIGHT)) as session:

        async def send(request: Request) -> None:
            method, target, headers, body = request
            async with session.request(method, base + target, headers=headers, data=body) as answer:
                await answer.read()
                assert answer.status == 200

        await in_flight(requests, send)


async def with_httpcore(base: str, requests: list[Request]) -> None:
    import httpcore

    async with httpcore.AsyncConnectionPool(max_connections=IN_FLIGHT) as pool:

        async def send(request: Request) -> None:
            method, target, headers, body = request
            answer = await pool.request(method, base + target, headers=list(headers.items()), content=body)
            assert answer.status == 200

        await in_flight(requests, send)


SENDERS: dict[str, Callable[[str, list[Request]], Awaitable[None]]] = {
    "ceiling": raw,
    "httpx": with_httpx,
    "transport": with_transport,
    "aiohttp": with_aiohttp,
    "httpcore": with_httpcore,
}


def available() -> list[str]:
    return [name for name in SENDERS if name not in ("aiohttp", "httpcore") or importlib.util.find_spec(name)]


def replay(name: str, receiver: str, requests: list[Request]) -> dict[str, Any]:
    reset(receiver)
    before = time.process_time()
    asyncio.run(SENDERS[name](receiver, requests))
    cpu = time.process_time() - before
    found = stats(receiver)
    if found["requests"] != len(requests):
        raise RuntimeError(f"{name}: {found['requests']} of {len(requests)} requests arrived")
    return {"rps": rate(found), "cpu_ms": cpu * 1000 / len(requests)}


# --- the measurement -----------------------------------------------------------------------------------------


def measure_outbound(workdir: Path, *, locations: int, changes_each: int, rounds: int) -> dict[str, Any]:
    command = uvicorn_command(sys.executable, "benchmarks.push_receiver:app", free_port())
    with server("push_receiver", command, {}, workdir) as receiving:
        return _measure(receiving, workdir, locations, changes_each, rounds)


def _measure(receiving: Running, workdir: Path, locations: int, changes_each: int, rounds: int) -> dict[str, Any]:
    receiver = receiving.base_url
    database = f"sqlite:///{workdir / 'outbound.db'}"
    log(f"outbound: {locations} locations, {locations * changes_each} EVSE status changes pending for one partner")
    cursor = asyncio.run(prepare(database, receiver, locations, changes_each))
    senders = available()
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in ["push", *senders]}
    for number in range(rounds):
        asyncio.run(rewind(database, cursor))
        runs["push"].append(push_round(database, receiver, locations, workdir))
        requests = recorded(receiver)
        for name in senders:
            runs[name].append(replay(name, receiver, requests))
        log(
            f"outbound round {number + 1}: "
            + ", ".join(
                f"{name} {figures[-1]['rps']:.0f}/s ({figures[-1]['cpu_ms']:.3f} ms CPU)"
                for name, figures in runs.items()
            )
        )
    results: dict[str, Any] = {
        "measured": True,
        "locations": locations,
        "changes": locations * changes_each,
        "in_flight": IN_FLIGHT,
        "rounds": rounds,
        "requests": [run["requests"] for run in runs["push"]],
        "distinct": [run["distinct"] for run in runs["push"]],
        "target": TARGET,
    }
    for name, figures in runs.items():
        results[name] = {
            "rps": statistics.median(f["rps"] for f in figures),
            "cpu_ms": statistics.median(f["cpu_ms"] for f in figures),
            "runs": figures,
        }
    return results


def summary(results: dict[str, Any]) -> str:
    ceiling = results["ceiling"]
    return (
        f"outbound: {results['changes']} changes over {results['locations']} locations sent as "
        f"{results['requests']} requests ({results['distinct']} distinct); per s: "
        + ", ".join(
            f"{name} {results[name]['rps']:.0f} ({results[name]['rps'] / ceiling['rps']:.2f}x the ceiling, "
            f"{results[name]['cpu_ms']:.3f} ms CPU a request)"
            for name in ("push", *available())
            if name in results
        )
    )


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.push_outbound", description=__doc__.split("\n\n")[0])
    parser.add_argument("--locations", type=int, default=2000)
    parser.add_argument("--changes-each", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ocpi-outbound-") as directory:
        results = measure_outbound(
            Path(directory), locations=args.locations, changes_each=args.changes_each, rounds=args.rounds
        )
    print(json.dumps(results, indent=2))
    log(summary(results))
    return results


if __name__ == "__main__":
    main()
