"""The soak test behind `make soak`: a CPO node on PostgreSQL (`ocpi serve --workers 2`: the app's push worker
and two worker processes) under mixed reads and writes for `SOAK_SECONDS` (default 180), pushing to a real
eMSP node that registered with it. Fails on any error; prints throughput and the memory (RSS) of every node
process sampled over time: first, last, max.

    SOAK_SECONDS=180 python -m benchmarks.soak --postgres postgresql://postgres@127.0.0.1:5432/ocpi_soak

The database given is emptied first (every ocpi table is dropped and migrated again): give it one of its own.
Traffic: an application process writing the CPO's own objects through the library (EVSE status PATCHes,
sessions, CDRs: all pushed), and the eMSP reading the CPO's lists and objects and writing Tokens over HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import sqlalchemy as sa

from ocpi.core.data_types import format_datetime
from ocpi.core.enums import RoleEnum
from ocpi.core.utils import authorization_header
from ocpi.node.config import NodeConfig, OwnParty
from ocpi.node.handshake import register
from ocpi.node.node import Node
from ocpi.push.pull import pull
from ocpi.storage.base import ListQuery, TokenKind
from ocpi.storage.push import PushLedger
from ocpi.storage.secrets import KEY_VARIABLE, new_key
from ocpi.storage.sql import SqlStore, metadata
from ocpi.testing import local_node

SPEC = Path(__file__).resolve().parents[1] / "standards" / "ocpi-spec" / "2.2.1" / "examples"
CPO = OwnParty(RoleEnum.CPO, "BE", "BEC", name="soak CPO")
EMSP = OwnParty(RoleEnum.EMSP, "DE", "TNM", name="soak eMSP")
LOCATIONS = 200
CLIENTS = 8
GROWTH_ALLOWED = 1.25  # last RSS over the post-warm-up RSS; a leak grows without bound, noise does not


def example(name: str) -> dict[str, Any]:
    document = orjson.loads((SPEC / name).read_bytes())
    assert isinstance(document, dict)
    return document


@dataclass
class Tally:
    operations: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def failed(self, what: str) -> None:
        if len(self.errors) < 20:
            self.errors.append(what)
        self.operations["errors"] += 1


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def children_of(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


async def empty_database(url: str) -> None:
    store = await SqlStore.open(url, create=False)
    async with store.engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
        await conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    await store.migrate()
    await store.close()


async def serve_cpo(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    ocpi = str(Path(sys.executable).with_name("ocpi"))
    args = ["serve", "--db", url, "--role", "cpo", "--party", "BE/BEC", "--port", str(port), "--workers", "2"]
    env = {**os.environ, "OCPI_ALLOW_PRIVATE_URLS": "1"}
    process = subprocess.Popen([ocpi, *args], stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env)
    async with httpx.AsyncClient() as http:
        for _ in range(300):
            try:
                await http.get(f"http://127.0.0.1:{port}/ocpi/versions")
                return process
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    process.kill()
    raise SystemExit(f"ocpi serve did not start: {log.read_text()}")


async def application_writes(node: Node, tally: Tally, until: float) -> None:
    """The CPO's application: EVSE status changes mostly, sessions and CDRs now and then."""
    rng = random.Random(1)
    stamp = datetime.now(UTC)
    statuses = ["AVAILABLE", "CHARGING", "BLOCKED", "OUTOFORDER"]
    session = {**example("session_example_1_simple_start.json"), "country_code": "BE", "party_id": "BEC"}
    session["cdr_token"] |= {"country_code": "DE", "party_id": "TNM"}  # the eMSP's customers (the CDRs' too)
    cdr = example("cdr_example.json")
    n = 0
    while time.monotonic() < until:
        n += 1
        stamp += timedelta(milliseconds=1)
        when = format_datetime(stamp)
        try:
            roll = rng.random()
            if roll < 0.8:
                location_id = f"LOC{rng.randrange(LOCATIONS):03d}"
                await node.locations.patch(
                    location_id, {"status": rng.choice(statuses), "last_updated": when}, version="2.2.1", path=("3256",)
                )
                tally.operations["evse status (pushed)"] += 1
            elif roll < 0.95:
                body = {**copy.deepcopy(session), "id": f"S{n % 500}", "kwh": n % 70, "last_updated": when}
                await node.sessions.put(body, version="2.2.1")
                tally.operations["session (pushed)"] += 1
            else:
                await node.cdrs.put({**copy.deepcopy(cdr), "id": f"CDR{n}", "last_updated": when}, version="2.2.1")
                tally.operations["cdr (pushed)"] += 1
        except Exception as error:  # every error counts; none is expected
            tally.failed(f"application write: {type(error).__name__}: {error}")
        await asyncio.sleep(0.002)


async def partner_traffic(base: str, token: str, tally: Tally, until: float, seed: int) -> None:
    """The eMSP reading the CPO's lists and objects and pushing its Tokens, over HTTP."""
    rng = random.Random(seed)
    headers = {"Authorization": authorization_header(token, "2.2.1")}
    token_template = {**example("token_example_1_app_user.json"), "country_code": "DE", "party_id": "TNM"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
        while time.monotonic() < until:
            roll = rng.random()
            try:
                if roll < 0.4:
                    kind = "list locations"
                    page = {"offset": rng.randrange(LOCATIONS), "limit": 20}
                    response = await http.get("/ocpi/cpo/2.2.1/locations", params=page)
                elif roll < 0.7:
                    kind = "get location"
                    response = await http.get(f"/ocpi/cpo/2.2.1/locations/LOC{rng.randrange(LOCATIONS):03d}")
                elif roll < 0.8:
                    kind = "list sessions"
                    since = format_datetime(datetime.now(UTC) - timedelta(seconds=5))
                    response = await http.get("/ocpi/cpo/2.2.1/sessions", params={"date_from": since, "limit": 50})
                else:
                    kind = "put token"
                    uid = f"U{rng.randrange(1000)}"
                    body = {**token_template, "uid": uid, "last_updated": format_datetime(datetime.now(UTC))}
                    url = f"/ocpi/cpo/2.2.1/tokens/DE/TNM/{uid}"
                    response = await http.put(url, params={"type": "APP_USER"}, json=body)
                document = response.json()
                if response.status_code not in (200, 201) or document.get("status_code") != 1000:
                    tally.failed(f"{kind}: HTTP {response.status_code} {response.text[:200]}")
                else:
                    tally.operations[kind] += 1
            except Exception as error:
                tally.failed(f"partner call: {type(error).__name__}: {error}")


async def sample_memory(pid: int, samples: dict[int, list[int]], until: float, every: float) -> None:
    while time.monotonic() < until:
        for process in [pid, *children_of(pid)]:
            kib = rss_kib(process)
            if kib is not None:
                samples.setdefault(process, []).append(kib)
        await asyncio.sleep(every)


async def converged(cpo: SqlStore, emsp: SqlStore, party_pk: int) -> bool:
    state = await PushLedger(cpo).state(party_pk)
    if state.lag or state.failing:
        return False
    for module in ("locations", "sessions", "cdrs"):
        ours = await cpo.page(ListQuery(module, "2.2.1", None, None, None, 0, 100_000))
        theirs = await emsp.page(ListQuery(module, "2.2.1", None, None, None, 0, 100_000))
        if sorted(ours.items) != sorted(theirs.items):
            return False
    return True


async def difference(cpo: SqlStore, emsp: SqlStore, party_pk: int) -> str:
    state = await PushLedger(cpo).state(party_pk)
    parts = [f"lag {state.lag}, {len(state.failing)} failing, last error {state.last_error}"]
    for module in ("locations", "sessions", "cdrs"):
        ours = await cpo.page(ListQuery(module, "2.2.1", None, None, None, 0, 100_000))
        theirs = await emsp.page(ListQuery(module, "2.2.1", None, None, None, 0, 100_000))
        missing = set(ours.items) - set(theirs.items)
        parts.append(f"{module}: {len(ours.items)} here, {len(theirs.items)} there, {len(missing)} differ")
        if missing:
            sample = orjson.loads(min(missing))
            there = [t for t in theirs.items if orjson.loads(t)["id"] == sample["id"]]
            parts.append(f"  e.g. ours {min(missing)[:400]!r}\n  theirs {there[0][:400] if there else None!r}")
    return "\n".join(parts)


async def soak(url: str, seconds: float) -> int:
    await empty_database(url)
    cpo_store = await SqlStore.open(url, create=False)
    app_node = Node(NodeConfig(parties=[CPO], push=False), cpo_store)
    location = example("location_example.json")
    for index in range(LOCATIONS):
        await app_node.locations.put({**copy.deepcopy(location), "id": f"LOC{index:03d}"}, version="2.2.1")
    token_a = await cpo_store.issue_token(TokenKind.A)

    port = _free_port()
    workdir = Path(tempfile.mkdtemp(prefix="ocpi-soak-"))
    server = await serve_cpo(url, port, workdir / "serve.log")
    tally = Tally()
    samples: dict[int, list[int]] = {}
    try:
        async with local_node(parties=[EMSP], store=f"sqlite:///{workdir / 'emsp.db'}", push=False) as emsp:
            partner = await register(emsp.node, f"http://127.0.0.1:{port}/ocpi/cpo/versions", token_a)
            assert partner.outbound_token
            await pull(emsp.node, partner, "locations")  # what existed before registration (push: changes since)
            [cpo_side] = await cpo_store.list_parties()
            started = time.monotonic()
            until = started + seconds
            print(f"soak: {seconds:.0f} s against ocpi serve --workers 2 on {url.split('@')[-1]} ...", flush=True)
            base, token = f"http://127.0.0.1:{port}", partner.outbound_token
            await asyncio.gather(
                application_writes(app_node, tally, until),
                *(partner_traffic(base, token, tally, until, client) for client in range(CLIENTS)),
                sample_memory(server.pid, samples, until, max(1.0, seconds / 60)),
            )
            elapsed = time.monotonic() - started
            app_node.nudge_push()
            for _ in range(1200):  # pushes drain: the eMSP converges to the latest state of everything
                if await converged(cpo_store, emsp.node.store, cpo_side.pk):
                    break
                await asyncio.sleep(0.1)
            else:
                tally.failed(f"the eMSP did not converge: {await difference(cpo_store, emsp.node.store, cpo_side.pk)}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        await cpo_store.close()
    return report(tally, samples, elapsed, server.pid)


def report(tally: Tally, samples: dict[int, list[int]], elapsed: float, pid: int) -> int:
    total = sum(v for k, v in tally.operations.items() if k != "errors")
    print(f"\n{total} operations in {elapsed:.0f} s ({total / elapsed:.0f}/s), {tally.operations['errors']} errors")
    for kind, count in sorted(tally.operations.items()):
        if kind != "errors":
            print(f"  {kind:<22} {count:>8}")
    print("\nmemory (RSS, MiB)       first     last      max   samples")
    leaking = []
    for process, values in samples.items():
        name = "ocpi serve" if process == pid else f"child process {process}"
        first, last, peak = values[0] / 1024, values[-1] / 1024, max(values) / 1024
        print(f"  {name:<20} {first:>8.1f} {last:>8.1f} {peak:>8.1f} {len(values):>8}")
        settled = values[len(values) // 10] / 1024  # after warm-up
        if last > settled * GROWTH_ALLOWED:
            leaking.append(f"{name}: {settled:.1f} -> {last:.1f} MiB")
    for error in tally.errors:
        print(f"ERROR {error}")
    for growth in leaking:
        print(f"MEMORY GROWTH {growth}")
    ok = not tally.operations["errors"] and not leaking and len(samples) >= 3
    print("\nsoak:", "OK" if ok else "FAILED")
    return 0 if ok else 1


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("SOAK_POSTGRES_URL") or os.environ.get("OCPI_TEST_POSTGRES_URL"),
        help="PostgreSQL URL (emptied first). Default: $SOAK_POSTGRES_URL, else $OCPI_TEST_POSTGRES_URL.",
    )
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", "180")))
    options = parser.parse_args()
    if not options.postgres:
        raise SystemExit("give a PostgreSQL URL: --postgres URL or SOAK_POSTGRES_URL (its ocpi tables are emptied)")
    # The CPO on PostgreSQL keeps its partner's token encrypted with the node key (docs/guides/security.md).
    os.environ.setdefault(KEY_VARIABLE, new_key())
    sys.exit(asyncio.run(soak(options.postgres, options.seconds)))


if __name__ == "__main__":
    main()
