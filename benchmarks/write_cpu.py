"""In-process CPU per receiver write: a partner's PATCH of an EVSE status and PUT of a Location, through the
real app (`get_application`, SQLite file store), called as an ASGI app without a network, so that what is
measured is the node's own work per request (routing, auth, validation, conversion, rendering, the write).

`python benchmarks/write_cpu.py [--requests N] [--version 2.2.1]` prints one JSON line:
`{"patch_ms": ..., "patch_loop_ms": ..., "put_ms": ..., ...}`: CPU milliseconds per request, of the whole process
(`*_ms`, the SQLite writer thread included) and of the event loop's thread alone (`*_loop_ms`); the GET of one
Location beside them for scale (a read through the read lane). Take the lowest of a few runs on a busy machine."""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from ocpi import get_application
from ocpi.core.data_types import format_datetime
from ocpi.core.enums import RoleEnum
from ocpi.node.config import OwnParty
from ocpi.storage.base import PartyRole, TokenKind
from ocpi.storage.sql import SqlStore

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "standards" / "ocpi-spec" / "2.2.1" / "examples" / "location_example.json"


async def call(app: Any, method: str, path: str, token: str, body: bytes = b"") -> tuple[int, bytes]:
    """One request through the ASGI app: (HTTP status, body)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"authorization", f"Token {token}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    sent = False
    answer: dict[str, Any] = {"status": 0, "body": b""}

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return answer["status"], answer["body"]


def cpu_ms_per(requests: int, started: float, clock: Any = time.process_time) -> float:
    return round((clock() - started) * 1000 / requests, 3)


async def measure(requests: int, version: str, workdir: Path) -> dict[str, float]:
    store = await SqlStore.open(f"sqlite:///{workdir / 'emsp.db'}")
    app = get_application(parties=[OwnParty(RoleEnum.EMSP, "DE", "TNM")], store=store, push=False, versions=(version,))
    partner = await store.create_party(
        "CPO", [PartyRole("CPO", "BE", "BEC")], state="registered", version=version, endpoints=[]
    )
    token = await store.issue_token(TokenKind.C, partner.pk)
    base = f"/ocpi/emsp/{version}/locations/BE/BEC/LOC1"
    location = orjson.loads(EXAMPLE.read_bytes())
    if version == "2.1.1":
        del location["country_code"], location["party_id"], location["parking_type"]
        location["type"] = "ON_STREET"
        for evse in location["evses"]:
            evse.pop("parking_restrictions", None)
            for connector in evse["connectors"]:
                connector["voltage"], connector["amperage"] = (
                    connector.pop("max_voltage"),
                    connector.pop("max_amperage"),
                )
                connector.pop("max_electric_power", None)
    stamp = datetime(2030, 1, 1, tzinfo=UTC)
    status, answer = await call(
        app, "PUT", base, token, orjson.dumps(location | {"last_updated": format_datetime(stamp)})
    )
    assert status in (200, 201), answer
    statuses = ("CHARGING", "AVAILABLE")

    def next_stamp() -> str:
        nonlocal stamp
        stamp += timedelta(seconds=1)
        return format_datetime(stamp)

    async def patches(count: int) -> None:
        for n in range(count):
            body = orjson.dumps({"status": statuses[n % 2], "last_updated": next_stamp()})
            status, answer = await call(app, "PATCH", f"{base}/3256", token, body)
            assert status == 200 and b'"status_code":1000' in answer, answer

    async def puts(count: int) -> None:
        for _ in range(count):
            whole = copy.deepcopy(location)
            whole["last_updated"] = next_stamp()
            status, answer = await call(app, "PUT", base, token, orjson.dumps(whole))
            assert status == 200 and b'"status_code":1000' in answer, answer

    async def gets(count: int) -> None:
        for _ in range(count):
            status, answer = await call(app, "GET", base, token)
            assert status == 200, answer

    figures = {}
    for name, run in (("patch_ms", patches), ("put_ms", puts), ("get_ms", gets)):
        await run(max(20, requests // 10))  # warm up
        started, loop_started = time.process_time(), time.thread_time()
        await run(requests)
        figures[name] = cpu_ms_per(requests, started)
        figures[name.replace("_ms", "_loop_ms")] = cpu_ms_per(requests, loop_started, time.thread_time)
    await store.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--version", default="2.2.1")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        figures = asyncio.run(measure(arguments.requests, arguments.version, Path(workdir)))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
