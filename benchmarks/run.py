"""The benchmark harness behind `make bench`: our node against extrawest-ocpi and a bare Starlette ceiling.

One run on 127.0.0.1: our node is `ocpi serve` as the README runs it (`ocpi serve --port P --db URL --role R
--party CC/PID`, on a database seeded beforehand), the others are uvicorn (one worker, asyncio loop, h11,
warnings only, no access log), each a subprocess on a free port, ended by its PID; the load generator is a
process of its own (wrk, else an async httpx client). Each figure is the median of `--repeats` runs, each after
a warm-up; the reads of our nodes and of the ceiling take turns, run after run, so that their ratios compare the
same machine state. It prints a table and writes `benchmarks/results/latest.json`.

The figures (issue #7):
- read: GET the locations list (limit=50) and one location, at `locations` stored (SQLite, PostgreSQL if
  asked) and at `big_locations` stored (SQLite), beside the ceiling and the peer;
- ingest: PUT a location and PATCH an EVSE status on our eMSP (receiver), beside the write ceiling (a bare
  Starlette app on SQLite set up as our store sets it up: token check, the body validated by one small Pydantic
  model, one row updated per request; `benchmarks/write_ceiling_app.py`), measured in turns; targets (issue 24)
  PATCH >= 0.5x and PUT >= 0.35x of its req/s;
- validation: parse+dump of the official location example per second, ours and the peer's;
- rss_mb: peak RSS after reading every location, at `locations` and `big_locations` stored;
- crawl: a full crawl of the `big_locations` through our client (limit 1000), target under 60 s;
- push: time from one location update (written by the CPO's application through the library on the database of
  `ocpi serve`) to its delivery at `push_partners` partners registered through the handshake, target under 1 s
  (`benchmarks/push_fanout.py`);
- outbound: one push worker process (`ocpi serve`) draining a backlog of `outbound_changes_each` EVSE status
  changes over each of `outbound_locations` Locations to a loopback receiver, against a raw asyncio sender
  replaying the same requests (the ceiling) and a bare httpx client; target 0.5x of the ceiling
  (`benchmarks/push_outbound.py`).

    python -m benchmarks.run [--quick] [--postgres URL] [--skip-peer] [--loader auto|wrk|python]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson

from benchmarks import seed
from benchmarks.loadgen import Plan, Sample, run_python, run_wrk
from ocpi.core.utils import authorization_header

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
PEER_DIR = HERE / ".peer"
PEER_REQUIREMENT = "extrawest-ocpi==2025.7.16"
BENCH_DATABASES = ("ocpi_bench", "ocpi_bench_ingest", "ocpi_bench_busy")
BENCHMARKS = ("read", "ingest", "validation", "push", "outbound", "busy_cpo")
"""What `--only` may name: the reads (with RSS and crawl), ingest, validation, push fan-out, outbound, busy CPO."""
PUSH_NOT_MEASURED = "not measured"
CRAWL_LIMIT = 1000
CRAWL_TARGET_S = 60.0
OUTBOUND_SENDERS = ("push", "ceiling", "httpx", "transport", "aiohttp", "httpcore")


@dataclass(frozen=True)
class Settings:
    locations: int = 10_000
    big_locations: int = 100_000
    duration: float = 5.0
    warmup: float = 1.0
    repeats: int = 3
    connections: int = 32
    validation_seconds: float = 2.0
    push_partners: int = 50
    outbound_locations: int = 2000
    outbound_changes_each: int = 3
    busy_evses: int = 10_000
    busy_rates: tuple[float, ...] = (25, 50, 100, 150, 200, 300, 400, 600, 800)
    busy_step_seconds: float = 20.0
    only: tuple[str, ...] = BENCHMARKS
    postgres: str | None = None
    peer: bool = True
    loader: str = "auto"
    install: bool = True
    output: Path = RESULTS / "latest.json"


QUICK = {
    "locations": 200,
    "big_locations": 1_000,
    "duration": 1.0,
    "warmup": 0.5,
    "validation_seconds": 0.2,
    "push_partners": 3,
    "outbound_locations": 200,
    "outbound_changes_each": 10,
    "busy_evses": 1_000,
    "busy_rates": (20, 50),
    "busy_step_seconds": 3.0,
}


_STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[bench {time.monotonic() - _STARTED:5.0f} s] {message}", file=sys.stderr, flush=True)


# --- servers -----------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def uvicorn_command(python: str, app: str, port: int, *app_dir: str) -> list[str]:
    return [
        python,
        "-m",
        "uvicorn",
        app,
        *app_dir,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--loop",
        "asyncio",
        "--http",
        "h11",
        "--log-level",
        "warning",
        "--no-access-log",
    ]


def ocpi_serve_command(db: str, role: str, port: int) -> list[str]:
    """Our node, as a user starts it: `ocpi serve` of this virtualenv (which listens with uvicorn's defaults:
    here the asyncio loop and h11, as the other servers; see `server_stack`)."""
    party = "/".join(seed.OUR_CPO if role == "CPO" else seed.OUR_EMSP)
    ocpi = str(Path(sys.executable).with_name("ocpi"))
    return [ocpi, "serve", "--port", str(port), "--db", db, "--role", role.lower(), "--party", party]


def server_stack() -> str:
    """The event loop and HTTP parser uvicorn picks by default, as `ocpi serve` does: uvloop and httptools when
    installed (then our node would not run on the same stack as the ceiling and the peer)."""
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"{loop} loop, {http}"


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


@dataclass(frozen=True)
class Running:
    base_url: str
    pid: int
    """uvicorn with one worker serves in the process it was started as."""


@contextlib.contextmanager
def server(name: str, command: list[str], env: dict[str, str], workdir: Path) -> Iterator[Running]:
    """Start a server, wait until it answers HTTP, yield it; end it by its PID."""
    port = int(command[command.index("--port") + 1])
    log_file = (workdir / f"{name}.log").open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=log_file, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited: {(workdir / f'{name}.log').read_text()[-2000:]}")
            try:
                httpx.get(base_url + "/", timeout=1.0)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not start within 60 s") from None
                time.sleep(0.1)
        yield Running(base_url, process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_file.close()


# --- load --------------------------------------------------------------------------------------------------


@dataclass
class Measured:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    server_cpu_ms: float
    """Server CPU per request: unlike req/s, barely moved by whatever else the machine is running."""
    window_s: float
    runs: list[dict[str, float]] = field(default_factory=list)


class Load:
    def __init__(self, settings: Settings, kind: str, workdir: Path):
        self.settings = settings
        self.kind = kind
        self.workdir = workdir
        self._epoch = int(time.time())

    def _once(self, plan: Plan, base_url: str, seconds: float) -> Sample:
        # Every run writes newer `last_updated` values than the one before, so no write is ignored as stale.
        self._epoch += 10_000_000
        plan = replace(plan, epoch=self._epoch)
        if self.kind == "wrk":
            return run_wrk(plan, base_url, seconds, self.settings.connections, self.workdir)
        return run_python(plan, base_url, seconds, self.settings.connections)

    def measure(self, plan: Plan, running: Running) -> Measured:
        return self.measure_together([(plan, running)])[0]

    def measure_together(self, jobs: Sequence[tuple[Plan, Running]]) -> list[Measured]:
        """Each job measured `repeats` times, the jobs taking turns (round after round): figures that are
        compared as a ratio are then measured under the same machine state, not minutes apart. Every run starts
        after a warm-up of its own (its server sat idle while the others ran)."""
        windows = [self._window(plan, running) for plan, running in jobs]
        samples: list[list[Sample]] = [[] for _ in jobs]
        cpu: list[list[float]] = [[] for _ in jobs]
        for _ in range(self.settings.repeats):
            for (plan, running), duration, taken, spent in zip(jobs, windows, samples, cpu, strict=True):
                if self.settings.warmup > 0:
                    self._once(plan, running.base_url, self.settings.warmup)
                    check(plan, running.base_url)
                before = cpu_seconds(running.pid)
                taken.append(self._once(plan, running.base_url, duration))
                # The load generator leaves up to `connections` requests in flight, which a slow server still
                # works through after the window: wait for them (a request queued behind them returns last),
                # or the next run would start behind them. Its CPU counts them, and the probe.
                check(plan, running.base_url)
                served = taken[-1].requests + self.settings.connections + 1
                spent.append((cpu_seconds(running.pid) - before) * 1000 / served)
        return [
            Measured(
                rps=statistics.median(s.rps for s in taken),
                p50_ms=statistics.median(s.p50_ms for s in taken),
                p99_ms=statistics.median(s.p99_ms for s in taken),
                errors=sum(s.errors for s in taken),
                requests=sum(s.requests for s in taken),
                server_cpu_ms=statistics.median(spent),
                window_s=duration,
                runs=[asdict(s) for s in taken],
            )
            for taken, spent, duration in zip(samples, cpu, windows, strict=True)
        ]

    def _window(self, plan: Plan, running: Running) -> float:
        """The length of each run: `duration`, longer for a server too slow to answer within it."""
        check(plan, running.base_url)
        if self.settings.warmup <= 0:
            return self.settings.duration
        self._once(plan, running.base_url, self.settings.warmup)
        started = time.perf_counter()
        check(plan, running.base_url)
        # That check waited for the warm-up's requests still in flight: one round of `connections` requests.
        # A server answering them round-robin answers none within a shorter window, so a slow one gets windows
        # of three rounds (at most 30 s).
        return max(self.settings.duration, min(30.0, 3 * (time.perf_counter() - started)))


def check(plan: Plan, base_url: str) -> None:
    """One request, answered with success: a benchmark of error answers would measure nothing."""
    path, body = plan.expand(1)
    response = httpx.request(plan.method, base_url + path, content=body, headers=plan.headers, timeout=300)
    if response.status_code >= 300 or response.json().get("status_code") != 1000:
        raise RuntimeError(f"{plan.method} {path} answered {response.status_code}: {response.text[:500]}")


def pick_loader(settings: Settings) -> str:
    if settings.loader == "python":
        return "python"
    if shutil.which("wrk") is None and settings.install and os.geteuid() == 0:
        log("installing wrk (apt-get)")
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": _apt_env()}
        if subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], **quiet).returncode != 0:  # type: ignore[call-overload]
            subprocess.run(["apt-get", "update", "-q"], **quiet)  # type: ignore[call-overload]
            subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], **quiet)  # type: ignore[call-overload]
    if shutil.which("wrk") is not None:
        return "wrk"
    if settings.loader == "wrk":
        raise SystemExit("wrk is not installed (and could not be installed)")
    log("wrk unavailable: using the async httpx load client")
    return "python"


def _apt_env() -> dict[str, str]:
    return {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}


# --- the peer ----------------------------------------------------------------------------------------------


def peer_python() -> str:
    """The peer's own virtualenv (benchmarks/.peer), created and filled on first use."""
    python = PEER_DIR / "bin" / "python"
    marker = PEER_DIR / f".installed-{PEER_REQUIREMENT}"
    if not marker.exists():
        log(f"installing {PEER_REQUIREMENT} into {PEER_DIR}")
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(PEER_DIR)], check=True)
        # The same uvicorn as ours, so the server loop is not part of the difference.
        uvicorn = f"uvicorn=={importlib.metadata.version('uvicorn')}"
        subprocess.run([str(python), "-m", "pip", "install", "-q", PEER_REQUIREMENT, uvicorn], check=True)
        marker.touch()
    return str(python)


# --- databases ---------------------------------------------------------------------------------------------


async def recreate_postgres_databases(url: str, *, drop_only: bool = False) -> list[str]:
    """Our own databases next to the one in `url` (never that one): dropped and created empty."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    from ocpi.storage.sql import async_url

    admin = create_async_engine(async_url(url), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            for name in BENCH_DATABASES:
                await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
                if not drop_only:
                    await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    base = make_url(async_url(url))
    return [base.set(database=name).render_as_string(hide_password=False) for name in BENCH_DATABASES]


@dataclass
class Databases:
    get: list[str]
    """Our locations (CPO NL/CPO), one URL per backend: SQLite first, then PostgreSQL if asked."""
    ingest: list[str]
    """The partner's locations (CPO DE/BCP), pushed onto our eMSP."""
    big: str
    peer_get: Path
    peer_ingest: Path
    ceiling_ingest: Path
    """The write ceiling's SQLite file: the partner's locations, as rows (`benchmarks.write_ceiling_app`)."""
    busy: list[str]
    """The busy CPO's databases: SQLite, then PostgreSQL if asked (seeded by `benchmarks.busy_cpo`)."""


async def prepare(settings: Settings, workdir: Path) -> Databases:
    pg = await recreate_postgres_databases(settings.postgres) if settings.postgres else []
    databases = Databases(
        get=[f"sqlite:///{workdir / 'get.db'}", *pg[:1]],
        ingest=[f"sqlite:///{workdir / 'ingest.db'}", *pg[1:]],
        big=f"sqlite:///{workdir / 'big.db'}",
        peer_get=workdir / "peer_get.jsonl",
        peer_ingest=workdir / "peer_ingest.jsonl",
        ceiling_ingest=workdir / "ceiling_ingest.db",
        busy=[f"sqlite:///{workdir / 'busy.db'}", *pg[2:]],
    )
    started = time.perf_counter()
    count = settings.locations
    seeded: list[str] = []
    if "read" in settings.only:
        log(f"seeding {count} locations into {len(databases.get) + 1} databases")
        with databases.peer_get.open("wb") as export:
            await seed.seed_locations([*databases.get, databases.big], seed.OUR_CPO, 0, count, export=export)
        if settings.big_locations > count:
            log(f"seeding up to {settings.big_locations} locations for the memory figure")
            await seed.seed_locations([databases.big], seed.OUR_CPO, count, settings.big_locations)
        seeded += [*databases.get, databases.big]
    if "ingest" in settings.only:
        log(f"seeding {count} partner locations into {len(databases.ingest)} databases")
        with databases.peer_ingest.open("wb") as export:
            await seed.seed_locations(databases.ingest, seed.PARTNER_CPO, 0, count, export=export)
        seed_write_ceiling(databases.ceiling_ingest, count)
        seeded += databases.ingest
    for url in seeded:
        await seed.register_partner(url)
    await seed.settle([url for url in seeded if url != databases.big])
    log(f"seeded in {time.perf_counter() - started:.0f} s")
    return databases


def seed_write_ceiling(path: Path, count: int) -> None:
    from benchmarks.write_ceiling_app import seed as seed_rows

    template = orjson.loads(seed.example_path().read_bytes())
    uids = [evse["uid"] for evse in template.get("evses", [])]
    documents = (
        (seed.location_id(n), orjson.dumps(seed.location_document(n, seed.PARTNER_CPO, template)), uids)
        for n in range(count)
    )
    seed_rows(str(path), documents)


# --- the scenarios -----------------------------------------------------------------------------------------


def headers(content: bool = False) -> dict[str, str]:
    auth = {"Authorization": authorization_header(seed.PARTNER_TOKEN, "2.2.1")}
    return {**auth, "Content-Type": "application/json"} if content else auth


def read_plans(settings: Settings, *, peer: bool = False, stored: int | None = None) -> dict[str, Plan]:
    """`stored`: how many locations the server holds (the single GETs spread over them); `locations` unless told."""
    base = "/ocpi/cpo/2.2.1/locations"
    return {
        # py_ocpi mounts its list at `.../locations/` and redirects the path without the slash.
        "list": Plan("GET", base + ("/" if peer else "") + "?limit=50", headers()),
        "one": Plan("GET", base + "/LOC{n}", headers(), count=stored or settings.locations),
    }


def big_read_target(settings: Settings) -> str:
    """The read target of our SQLite node holding `big_locations`, named by its size: `ours_sqlite_100k`."""
    size = settings.big_locations
    return f"ours_sqlite_{size // 1000}k" if size % 1000 == 0 else f"ours_sqlite_{size}"


def ingest_plans(settings: Settings) -> dict[str, Plan]:
    template = orjson.loads(seed.example_path().read_bytes())
    document = seed.location_document(0, seed.PARTNER_CPO, template)
    document.update(id="LOC{n}", last_updated="{ts}")
    owner = "/ocpi/emsp/2.2.1/locations/{}/{}".format(*seed.PARTNER_CPO)
    status = orjson.dumps({"status": "CHARGING", "last_updated": "{ts}"}).decode()
    return {
        "put_location": Plan(
            "PUT", owner + "/LOC{n}", headers(True), orjson.dumps(document).decode(), settings.locations
        ),
        "patch_evse_status": Plan(
            "PATCH", owner + f"/LOC{{n}}/{seed.EVSE_UID}", headers(True), status, settings.locations
        ),
    }


def walk_rss(running: Running, *, peer: bool = False) -> float:
    """Read every location through the list (1000 a page), then the server's peak RSS."""
    url = running.base_url + "/ocpi/cpo/2.2.1/locations" + ("/" if peer else "")
    offset = 0
    with httpx.Client(headers=headers(), timeout=120) as client:
        while True:
            response = client.get(url, params={"offset": offset, "limit": 1000})
            items = response.json()["data"]
            if not items:
                break
            offset += len(items)
            if offset >= int(response.headers.get("X-Total-Count", 0)):
                break
    return peak_rss_mb(running.pid)


class Bench:
    def __init__(self, settings: Settings, workdir: Path):
        self.settings = settings
        self.workdir = workdir
        self.loader = pick_loader(settings)
        self.load = Load(settings, self.loader, workdir)
        self.peer = peer_python() if settings.peer else None
        self.results: dict[str, Any] = {
            "read": {"list": {}, "one": {}},
            "ingest": {"put_location": {}, "patch_evse_status": {}},
            "validation": {},
            "rss_mb": {},
            "crawl": {},
            "push": {"measured": False, "note": PUSH_NOT_MEASURED},
            "outbound": {"measured": False, "note": PUSH_NOT_MEASURED},
            "busy_cpo": {},
        }

    def ours(self, name: str, store: str, role: str = "CPO") -> contextlib.AbstractContextManager[Running]:
        return server(name, ocpi_serve_command(store, role, free_port()), {}, self.workdir)

    def their(self, name: str, data: Path, role: str) -> contextlib.AbstractContextManager[Running]:
        assert self.peer is not None
        command = uvicorn_command(self.peer, "peer_app:app", free_port(), "--app-dir", str(HERE))
        env = {"OCPI_BENCH_PEER_DATA": str(data), "OCPI_BENCH_ROLE": role, "OCPI_BENCH_TOKEN": seed.PARTNER_TOKEN}
        return server(name, command, env, self.workdir)

    def record(self, group: str, measure: str, target: str, measured: Measured) -> None:
        self.results[group][measure][target] = asdict(measured)
        log(
            f"{group} {measure} {target}: {measured.rps:.0f} req/s, p99 {measured.p99_ms:.1f} ms"
            + (f", {measured.errors} errors" if measured.errors else "")
        )

    def run(self, databases: Databases) -> None:
        only = self.settings.only
        if "read" in only:
            self._reads(databases)
            if self.peer is not None:
                with self.their("peer", databases.peer_get, "CPO") as peer:
                    self.results["rss_mb"][f"peer_{self.settings.locations}"] = walk_rss(peer, peer=True)
                    for measure, plan in read_plans(self.settings, peer=True).items():
                        self.record("read", measure, "peer", self.load.measure(plan, peer))

        if "ingest" in only:
            self._ingest(databases)
            if self.peer is not None:
                with self.their("peer_ingest", databases.peer_ingest, "EMSP") as peer:
                    for measure, plan in ingest_plans(self.settings).items():
                        self.record("ingest", measure, "peer", self.load.measure(plan, peer))

        if "validation" in only:
            self._validation()
        if "push" in only:
            self._push_fan_out()
        if "outbound" in only:
            self._outbound()
        if "busy_cpo" in only:
            self._busy_cpo(databases)

    def _reads(self, databases: Databases) -> None:
        """Our nodes' reads and the ceiling's, every server up at once and measured in turns (`measure_together`):
        a ratio to the ceiling compares runs seconds apart, not minutes. Before them, with the others idle: the
        peak RSS of each node after reading all it holds, and the crawl."""
        big = self.settings.big_locations
        with contextlib.ExitStack() as servers:
            nodes: dict[str, tuple[Running, int]] = {}
            for backend, url in zip(["sqlite", "postgres"], databases.get, strict=False):
                nodes[f"ours_{backend}"] = (
                    servers.enter_context(self.ours(f"ours_{backend}", url)),
                    self.settings.locations,
                )
            sqlite_node = nodes["ours_sqlite"][0]
            self.results["rss_mb"][f"ours_{self.settings.locations}"] = walk_rss(sqlite_node)
            self._save_ceiling_bodies(sqlite_node.base_url)
            ceiling_env = {
                "OCPI_BENCH_LIST_BODY": str(self.workdir / "list.json"),
                "OCPI_BENCH_ONE_BODY": str(self.workdir / "one.json"),
            }
            command = uvicorn_command(sys.executable, "benchmarks.ceiling_app:app", free_port())
            nodes["ceiling"] = (servers.enter_context(server("ceiling", command, ceiling_env, self.workdir)), 0)
            big_node = servers.enter_context(self.ours("ours_big", databases.big))
            # The RSS first: what the crawl and the reads hold would count in it.
            self.results["rss_mb"][f"ours_{big}"] = walk_rss(big_node)
            self._crawl(big_node)
            nodes[big_read_target(self.settings)] = (big_node, big)

            jobs = [
                (target, measure, plan, running)
                for target, (running, stored) in nodes.items()
                for measure, plan in read_plans(self.settings, stored=stored or None).items()
            ]
            measured = self.load.measure_together([(plan, running) for _, _, plan, running in jobs])
            for (target, measure, _, _), figures in zip(jobs, measured, strict=True):
                self.record("read", measure, target, figures)

    def _ingest(self, databases: Databases) -> None:
        """Our eMSP's receiver on SQLite and the write ceiling (the least a write needs, on the same SQLite
        settings) measured in turns, as the reads are; then our node on PostgreSQL."""
        plans = ingest_plans(self.settings)
        command = uvicorn_command(sys.executable, "benchmarks.write_ceiling_app:app", free_port())
        env = {"OCPI_BENCH_WRITE_DB": str(databases.ceiling_ingest), "OCPI_BENCH_TOKEN": headers()["Authorization"]}
        with (
            self.ours("ours_sqlite_ingest", databases.ingest[0], "EMSP") as node,
            server("ceiling_ingest", command, env, self.workdir) as ceiling,
        ):
            for measure, plan in plans.items():
                ours, theirs = self.load.measure_together([(plan, node), (plan, ceiling)])
                self.record("ingest", measure, "ours_sqlite", ours)
                self.record("ingest", measure, "ceiling", theirs)
        for url in databases.ingest[1:]:
            with self.ours("ours_postgres_ingest", url, "EMSP") as node:
                for measure, plan in plans.items():
                    self.record("ingest", measure, "ours_postgres", self.load.measure(plan, node))

    def _crawl(self, node: Running) -> None:
        command = [sys.executable, "-m", "benchmarks.crawl", node.base_url, str(CRAWL_LIMIT)]
        output = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT).stdout
        crawled = json.loads(output.strip().splitlines()[-1])
        self.results["crawl"] = {
            **crawled,
            "objects_per_s": crawled["objects"] / crawled["seconds"],
            "limit": CRAWL_LIMIT,
            "target_s": CRAWL_TARGET_S,
        }
        log(f"crawl: {crawled['objects']} locations in {crawled['seconds']:.1f} s ({crawled['skipped']} skipped)")

    def _push_fan_out(self) -> None:
        from benchmarks.push_fanout import measure_fan_out

        settings = self.settings
        try:
            self.results["push"] = measure_fan_out(
                self.workdir, partners=settings.push_partners, updates=max(5, settings.repeats)
            )
        except Exception as error:  # push is young: its failure must not cost the other figures
            self.results["push"] = {"measured": False, "note": f"not measured: push failed: {error!r}"[:300]}
            log(self.results["push"]["note"])
            return
        push = self.results["push"]
        log(
            f"push: one update reached {push['partners']} partners in {push['latency_s']:.3f} s "
            f"(median of {push['updates']}, max {push['latency_max_s']:.3f} s)"
        )

    def _outbound(self) -> None:
        from benchmarks.push_outbound import measure_outbound, summary

        settings = self.settings
        try:
            self.results["outbound"] = measure_outbound(
                self.workdir,
                locations=settings.outbound_locations,
                changes_each=settings.outbound_changes_each,
                rounds=settings.repeats,
            )
        except Exception as error:  # its failure must not cost the other figures
            self.results["outbound"] = {"measured": False, "note": f"not measured: {error!r}"[:300]}
            log(self.results["outbound"]["note"])
            return
        log(summary(self.results["outbound"]))

    def _busy_cpo(self, databases: Databases) -> None:
        """The busy CPO on SQLite (`ocpi serve`) and, if asked, PostgreSQL (`ocpi serve --workers 2`)."""
        from benchmarks.busy_cpo import measure_busy_cpo

        settings = self.settings
        for backend, url in zip(["sqlite", "postgres"], databases.busy, strict=False):
            try:
                found = measure_busy_cpo(
                    self.workdir,
                    url,
                    evses=settings.busy_evses,
                    rates=settings.busy_rates,
                    step_seconds=settings.busy_step_seconds,
                    workers=2 if backend == "postgres" else 0,
                )
            except Exception as error:  # its failure must not cost the other figures
                found = {"measured": False, "note": f"not measured: {error!r}"[:300]}
                log(found["note"])
            self.results["busy_cpo"][f"ours_{backend}"] = found

    def _save_ceiling_bodies(self, base_url: str) -> None:
        for name, plan in read_plans(self.settings).items():
            path, _ = plan.expand(0)
            response = httpx.get(base_url + path, headers=plan.headers, timeout=30)
            response.raise_for_status()
            (self.workdir / f"{name}.json").write_bytes(response.content)

    def _validation(self) -> None:
        example = str(seed.example_path())
        pythons = {"ours": sys.executable, **({"peer": self.peer} if self.peer else {})}
        for name, python in pythons.items():
            command = [python, str(HERE / "validation.py"), name, example, str(self.settings.validation_seconds)]
            command.append(str(self.settings.repeats))
            output = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT).stdout
            runs = json.loads(output.strip().splitlines()[-1])["runs"]
            self.results["validation"][name] = {"ops_per_s": statistics.median(runs), "runs": runs}
            log(f"validation {name}: {statistics.median(runs):.0f} parse+dump/s")


# --- ratios and the table ----------------------------------------------------------------------------------


def _ratio(ours: float | None, other: float | None) -> float | None:
    return None if not ours or not other else ours / other


def ratios(results: dict[str, Any], settings: Settings) -> dict[str, float | None]:
    """`<figure>/peer` and `<figure>/ceiling`: throughput and validation higher is better; p99 and RSS lower.
    The peer serves `locations`: our reads at `big_locations` get no peer ratio (the ceiling's are the same bytes)."""
    found: dict[str, float | None] = {}
    big = big_read_target(settings)
    for group in ("read", "ingest"):
        for measure, targets in results[group].items():
            peer = targets.get("peer") or {}
            ceiling = targets.get("ceiling") or {}
            for target, figures in targets.items():
                if not target.startswith("ours"):
                    continue
                prefix = f"{group}.{measure}.{target}"
                if target != big:
                    found[f"{prefix}.rps/peer"] = _ratio(figures["rps"], peer.get("rps"))
                    found[f"{prefix}.p99/peer"] = _ratio(figures["p99_ms"], peer.get("p99_ms"))
                    found[f"{prefix}.cpu/peer"] = _ratio(figures["server_cpu_ms"], peer.get("server_cpu_ms"))
                if group == "ingest" and target != "ours_sqlite":
                    continue  # the write ceiling is a SQLite one
                found[f"{prefix}.rps/ceiling"] = _ratio(figures["rps"], ceiling.get("rps"))
                found[f"{prefix}.cpu/ceiling"] = _ratio(figures["server_cpu_ms"], ceiling.get("server_cpu_ms"))
                if group == "ingest":
                    found[f"{prefix}.p99/ceiling"] = _ratio(figures["p99_ms"], ceiling.get("p99_ms"))
    validation = results["validation"]
    found["validation.ours/peer"] = _ratio(
        (validation.get("ours") or {}).get("ops_per_s"), (validation.get("peer") or {}).get("ops_per_s")
    )
    outbound = results["outbound"]
    for sender in OUTBOUND_SENDERS:
        found[f"outbound.{sender}.rps/ceiling"] = _ratio(
            (outbound.get(sender) or {}).get("rps"), (outbound.get("ceiling") or {}).get("rps")
        )
        found[f"outbound.{sender}.cpu/ceiling"] = _ratio(
            (outbound.get(sender) or {}).get("cpu_ms"), (outbound.get("ceiling") or {}).get("cpu_ms")
        )
    rss = results["rss_mb"]
    found[f"rss.ours_{settings.locations}/peer"] = _ratio(
        rss.get(f"ours_{settings.locations}"), rss.get(f"peer_{settings.locations}")
    )
    return found


def _fmt(value: float | None, spec: str = ".0f", suffix: str = "") -> str:
    return "—" if value is None else f"{value:{spec}}{suffix}"


def print_table(results: dict[str, Any], settings: Settings) -> None:
    from rich.console import Console
    from rich.table import Table

    found = results["ratios"]
    table = Table(title=f"ocpi-python benchmarks ({results['meta']['loader']}, {settings.connections} connections)")
    columns = ("measure", "target", "req/s", "p50 ms", "p99 ms", "CPU ms/req")
    for column in (*columns, "req/s ÷ peer", "req/s ÷ ceiling", "p99 ÷ peer", "p99 ÷ ceiling"):
        table.add_column(column, justify="left" if column in ("measure", "target") else "right")
    big = big_read_target(settings)
    titles = {
        "list": "GET locations list (limit=50, {} stored)",
        "one": "GET one location ({} stored)",
        "put_location": "PUT location (receiver)",
        "patch_evse_status": "PATCH EVSE status (receiver)",
    }
    for group in ("read", "ingest"):
        for measure, targets in results[group].items():
            for target, figures in targets.items():
                prefix = f"{group}.{measure}.{target}"
                stored = settings.big_locations if target == big else settings.locations
                table.add_row(
                    titles[measure].format(stored),
                    target,
                    _fmt(figures["rps"]),
                    _fmt(figures["p50_ms"], ".2f"),
                    _fmt(figures["p99_ms"], ".2f") + (f" ({figures['errors']} errors)" if figures["errors"] else ""),
                    _fmt(figures["server_cpu_ms"], ".3f"),
                    _fmt(found.get(f"{prefix}.rps/peer"), ".2f", "x"),
                    _fmt(found.get(f"{prefix}.rps/ceiling"), ".2f", "x"),
                    _fmt(found.get(f"{prefix}.p99/peer"), ".3f", "x"),
                    _fmt(found.get(f"{prefix}.p99/ceiling"), ".2f", "x"),
                )
    validation = results["validation"]
    for name, figures in validation.items():
        ratio = found["validation.ours/peer"] if name == "ours" else None
        table.add_row(
            "parse+dump location example (/s)", name, _fmt(figures["ops_per_s"]), "", "", "", _fmt(ratio, ".2f", "x")
        )
    for name, megabytes in results["rss_mb"].items():
        ratio = found.get(f"rss.{name}/peer")
        table.add_row(
            "peak RSS after reading all (MB)", name, _fmt(megabytes, ".1f"), "", "", "", _fmt(ratio, ".2f", "x")
        )
    crawl = results["crawl"]
    if crawl:
        title = f"crawl {crawl['objects']} locations via our client (s, < {crawl['target_s']:g})"
        table.add_row(title, "ours", _fmt(crawl["seconds"], ".1f"))
    push = results["push"]
    if push["measured"]:
        target, slowest = push["target_s"], push["latency_max_s"]
        title = f"push: one update to {push['partners']} partners (s, < {target:g}; max {slowest:.2f})"
        table.add_row(title, "ours", _fmt(push["latency_s"], ".3f"))
    else:
        table.add_row(f"push: {push['note']}", "ours")
    outbound = results["outbound"]
    if outbound["measured"]:
        title = (
            f"push: {outbound['changes']} changes over {outbound['locations']} locations "
            f"({statistics.median(outbound['requests']):.0f} requests)"
        )
        for sender in OUTBOUND_SENDERS:
            if sender in outbound:
                figures = outbound[sender]
                ratio = found.get(f"outbound.{sender}.rps/ceiling")
                table.add_row(
                    title,
                    sender,
                    _fmt(figures["rps"]),
                    "",
                    "",
                    _fmt(figures["cpu_ms"], ".3f"),
                    "",
                    _fmt(ratio, ".2f", "x"),
                )
    else:
        table.add_row(f"outbound push: {outbound['note']}", "ours")
    for target, busy in results["busy_cpo"].items():
        if not busy["measured"]:
            table.add_row(f"busy CPO: {busy['note']}", target)
            continue
        title = (
            f"busy CPO: EVSE changes/s to {busy['partners']} partners, every lag < {busy['lag_limit_s']:g} s "
            f"({busy['evses']:,} EVSEs, {busy['node']}; {_fmt(busy['bytes_per_change'])} B a change a partner"
            + ("; the writer's limit, not the node's" if busy["writer_bound"] else "")
            + ")"
        )
        table.add_row(title, target, _fmt(busy["highest_sustained_per_s"]))
    Console(width=200).print(table)


# --- entry point -------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> Settings:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes and short runs (a smoke run)")
    parser.add_argument(
        "--postgres",
        help="PostgreSQL URL (default: $OCPI_TEST_POSTGRES_URL); its server hosts "
        f"our own databases {', '.join(BENCH_DATABASES)}, the one named in the URL is not touched",
    )
    parser.add_argument("--skip-peer", action="store_true", help="do not install nor measure extrawest-ocpi")
    parser.add_argument("--loader", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--no-install", action="store_true", help="never apt-get install wrk")
    parser.add_argument("--locations", type=int)
    parser.add_argument("--big-locations", type=int)
    parser.add_argument("--duration", type=float, help="seconds per measured run")
    parser.add_argument("--warmup", type=float, help="seconds of warm-up before the runs")
    parser.add_argument("--repeats", type=int)
    parser.add_argument("--connections", type=int)
    parser.add_argument("--output", type=Path)
    parser.add_argument(
        "--only", action="append", choices=BENCHMARKS, help="run only this benchmark (repeatable; default: all)"
    )
    args = parser.parse_args(argv)
    settings = Settings(
        postgres=args.postgres or os.environ.get("OCPI_TEST_POSTGRES_URL") or None,
        peer=not args.skip_peer,
        loader=args.loader,
        install=not args.no_install,
    )
    if args.quick:
        settings = replace(settings, **QUICK)  # type: ignore[arg-type]
    overrides = {
        name: getattr(args, name)
        for name in ("locations", "big_locations", "duration", "warmup", "repeats", "connections", "output")
        if getattr(args, name) is not None
    }
    if args.only:
        overrides["only"] = tuple(args.only)
    return replace(settings, **overrides)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    settings = parse_args(argv)
    if server_stack() != "asyncio loop, h11":
        log(f"note: ocpi serve runs on {server_stack()} here, the ceiling and the peer on asyncio and h11")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ocpi-bench-") as directory:
        workdir = Path(directory)
        bench = Bench(settings, workdir)
        try:
            databases = asyncio.run(prepare(settings, workdir))
            bench.run(databases)
        finally:
            if settings.postgres:
                asyncio.run(recreate_postgres_databases(settings.postgres, drop_only=True))
    results = bench.results
    results["meta"] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "loader": bench.loader,
        "connections": settings.connections,
        "duration_s": settings.duration,
        "repeats": settings.repeats,
        "locations": settings.locations,
        "big_locations": settings.big_locations,
        "peer": PEER_REQUIREMENT if settings.peer else None,
        "postgres": bool(settings.postgres),
        "server": f"ours: ocpi serve ({server_stack()}); others: uvicorn, 1 worker, asyncio loop, h11",
        "latency": "percentiles of the requests answered within each run (wrk: unanswered ones are not counted)",
        "wall_s": round(time.perf_counter() - started, 1),
        "only": list(settings.only),
    }
    results["ratios"] = ratios(results, settings)
    settings.output.parent.mkdir(parents=True, exist_ok=True)
    scratch = settings.output.with_suffix(".tmp")
    scratch.write_text(json.dumps(results, indent=2) + "\n")
    scratch.replace(settings.output)
    print_table(results, settings)
    log(f"wrote {settings.output} in {results['meta']['wall_s']} s")
    return results


if __name__ == "__main__":
    main()
