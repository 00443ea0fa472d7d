"""`ocpi serve`: run a node (uvicorn) with its push workers, optionally with demo data."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import signal
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import typer
import uvicorn

from ocpi.cli.common import (
    DbOption,
    PartyOption,
    PrivateUrlsOption,
    Role,
    RoleOption,
    UserError,
    check_versions,
    node_config,
    open_store,
    plural,
    run,
    shown_parties,
    shown_url,
)
from ocpi.core.enums import RoleEnum
from ocpi.demo import load_demo
from ocpi.logs import logging_to_stderr
from ocpi.node.config import NodeConfig
from ocpi.node.node import Node
from ocpi.push import PushWorker
from ocpi.server.app import get_application
from ocpi.server.deadlines import BODY_TIMEOUT, HEADERS_TIMEOUT, protocol_with_deadlines
from ocpi.storage.base import TokenKind
from ocpi.storage.sql import SqlStore

WILDCARD_HOSTS = ("0.0.0.0", "::", "")
DEMO_TOKEN_LIFETIME = timedelta(days=1)


def serve(
    role: list[Role] | None = RoleOption,
    version: list[str] | None = typer.Option(
        None, "--version", help="An OCPI version to serve (repeat). Default: all."
    ),
    db: str = DbOption,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0: every interface)."),
    port: int = typer.Option(8000, "--port", help="Port to listen on (0: any free port)."),
    base_url: str | None = typer.Option(
        None, "--base-url", help="Public URL of the node (https://ocpi.example.com). Default: from each request."
    ),
    party: list[str] | None = PartyOption,
    workers: int = typer.Option(
        0, "--workers", min=0, help="Extra push workers: processes on PostgreSQL, tasks in this process on SQLite."
    ),
    demo: bool = typer.Option(False, "--demo", help="Load demo data, allow private URLs, print how to connect."),
    allow_private_urls: bool = PrivateUrlsOption,
    pull_interval: float = typer.Option(
        0, "--pull-interval", min=0, help="Pull every partner's lists this often (seconds; 0: never, the default)."
    ),
    log_level: str = typer.Option(
        "info", "--log-level", help="debug, info (registrations, pushes, pulls, refused requests), warning, error."
    ),
    log_format: str = typer.Option("text", "--log-format", help="text, or json: one JSON object a line."),
    access_log: bool = typer.Option(False, "--access-log", help="Also log every request, one line each."),
    metrics: bool = typer.Option(False, "--metrics", help="Serve Prometheus metrics at /metrics."),
    metrics_token: str | None = typer.Option(
        None, "--metrics-token", envvar="OCPI_METRICS_TOKEN", help="The bearer token /metrics requires."
    ),
    console: bool = typer.Option(False, "--console", help="Serve the operator's console at /console."),
    console_token: str | None = typer.Option(
        None, "--console-token", envvar="OCPI_CONSOLE_TOKEN", help="The token to sign in to the console with."
    ),
    headers_timeout: float = typer.Option(
        HEADERS_TIMEOUT, "--headers-timeout", min=0.1, help="Seconds a request's headers may take to arrive."
    ),
    body_timeout: float = typer.Option(
        BODY_TIMEOUT, "--body-timeout", min=0.1, help="Seconds a request's body may take to arrive after its headers."
    ),
    strict: bool = typer.Option(
        False,
        "--strict",
        help="Refuse what partners send out of spec (2001, naming each deviation) instead of reading it and "
        "recording it as their quirks (ocpi parties show).",
    ),
    broadcast_sessions_and_cdrs: bool = typer.Option(
        False,
        "--broadcast-sessions-and-cdrs",
        help="List and push every Session and CDR to every partner, not only to the eMSP owning its token "
        "(a test platform, a single-eMSP operator).",
    ),
) -> None:
    """Run an OCPI node: every module of its roles, in every version, with push to registered partners.

    The first run on a database keeps the node's --role/--party in it; later runs (and the other commands)
    read them from there."""
    check_versions(version)

    async def main() -> None:
        settings = {
            "versions": version,
            "base_url": base_url,
            "allow_private_urls": demo or allow_private_urls,
            "pull_interval": pull_interval or None,
            "metrics": metrics,
            "metrics_token": metrics_token or None,
            "console_token": _console_token(console, console_token),
            "strict": strict,
            "broadcast_sessions_and_cdrs": broadcast_sessions_and_cdrs,
        }
        listening = Listening(host, port, access_log, headers_timeout, body_timeout)
        with logging_to_stderr(log_level, log_format, access_log=access_log):
            await _serve(db, role, party, settings, listening, workers, demo)

    run(main())


@dataclass(frozen=True)
class Listening:
    """Where and how the HTTP server listens."""

    host: str
    port: int
    access_log: bool
    headers_timeout: float
    body_timeout: float


class NodeServer(uvicorn.Server):
    """uvicorn's server, except that SIGINT/SIGTERM only stop it: then `ocpi serve` stops its push workers and
    closes the store (uvicorn would raise the signal again on the way out, ending the process first)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        original = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, made with protocol IPPROTO_TCP: asyncio sets TCP_NODELAY on an accepted connection
    only when its socket says so (`socket.create_server` makes protocol 0). Without it, Nagle's algorithm and the
    client's delayed ACK held every response written in two pieces on a kept-alive connection for 40 ms."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen()
    except OSError as error:
        sock.close()
        raise UserError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    sock.setblocking(False)
    return sock


async def _serve(
    db: str,
    roles: list[Role] | None,
    parties: list[str] | None,
    settings: dict[str, Any],
    listening: Listening,
    workers: int,
    demo: bool,
) -> None:
    sock = _listen(listening.host, listening.port)
    port = sock.getsockname()[1]
    host = "127.0.0.1" if listening.host in WILDCARD_HOSTS else listening.host
    try:
        async with open_store(db) as store:
            config = await node_config(store, roles, parties, **settings)
            root = config.base_url or f"http://{host}:{port}"
            app = get_application(config=config, store=store, freeze_after_startup=True)
            node: Node = app.state.node
            versions = ", ".join(config.versions)
            lines = [f"OCPI node on {shown_url(db)}: {shown_parties(config.parties)}; OCPI {versions}"]
            if demo:
                loaded = await load_demo(node)
                created = ", ".join(plural(count, module) for module, count in loaded.created.items()) or "nothing new"
                lines.append(f"Demo data:    {created} ({loaded.kept} already there)")
            lines += [f"Versions URL: {root}{config.prefix}/versions", f"API docs:     {root}/docs"]
            lines += _operations(config, root)
            if demo:
                expires = datetime.now(UTC) + DEMO_TOKEN_LIFETIME
                token_a = await store.issue_token(TokenKind.A, expires_at=expires)
                lines.append(f"Token A:      {token_a} (single use, expires {expires:%Y-%m-%d %H:%M} UTC)")
                lines += _partner_commands(config, root, port, token_a)
            else:
                lines.append("Token A for a new partner: ocpi tokens create")
            await _run_server(app, db, sock, listening, workers, lines)
    finally:
        sock.close()


async def _run_server(
    app: Any, db: str, sock: socket.socket, listening: Listening, workers: int, banner: list[str]
) -> None:
    """Serve the node's `app` on `sock` until stopped (SIGINT, SIGTERM), with `workers` extra push workers on its
    database `db`; `banner` is printed once the server listens."""
    node: Node = app.state.node
    protocol = protocol_with_deadlines(listening.headers_timeout, listening.body_timeout)
    config = uvicorn.Config(app, log_config=None, log_level=None, access_log=listening.access_log, http=protocol)
    server = NodeServer(config)
    stop = asyncio.Event()
    helpers = _start_workers(node, node.store, node.config, db, workers, stop)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not serving.done():
        await asyncio.sleep(0.02)
    if server.started:
        for line in banner:
            print(line, flush=True)
    try:
        await serving
    finally:
        stop.set()
        await _stop_workers(helpers)
    if not server.started:
        raise UserError("the server did not start (see the messages above)")


def _console_token(console: bool, token: str | None) -> str | None:
    if not console:
        return None
    if not token or len(token) < 16:
        raise UserError("--console needs a token of at least 16 characters to sign in with: set OCPI_CONSOLE_TOKEN")
    return token


def _operations(config: NodeConfig, root: str) -> list[str]:
    lines = ["Log:          registrations, pushes, pulls, refused requests (every request: --access-log)"]
    lines.append(f"Health:       {root}/health/live, {root}/health/ready")
    if config.metrics:
        protected = "bearer token required" if config.metrics_token else "open: set OCPI_METRICS_TOKEN to protect it"
        lines.append(f"Metrics:      {root}/metrics ({protected})")
    if config.console_token:
        lines.append(f"Console:      {root}/console/ (sign in with OCPI_CONSOLE_TOKEN)")
    return lines


def _partner_commands(config: NodeConfig, root: str, port: int, token_a: str) -> list[str]:
    """What a second node on this machine runs to register with this one."""
    role = "emsp" if RoleEnum.CPO in config.roles else "cpo"
    flags = "--db sqlite:///./partner.db --allow-private-urls"
    partner_root = f"http://127.0.0.1:{port + 1}"
    return [
        "A second node registers with this one:",
        f"  ocpi serve --port {port + 1} {flags} --role {role} --party DE/{role.upper()[:3]} &",
        f"  ocpi register {root}{config.prefix}/versions {token_a} --base-url {partner_root} {flags}",
    ]


Helpers = tuple[list[asyncio.Task[None]], list[Any]]


def _start_workers(
    node: Node, store: SqlStore, config: NodeConfig, db: str, count: int, stop: asyncio.Event
) -> Helpers:
    """Push workers besides the one inside the app. On PostgreSQL, processes (partners are claimed with advisory
    locks); on SQLite, tasks here that share the app worker's claims, so no partner is sent to twice at once."""
    tasks: list[asyncio.Task[None]] = []
    processes: list[Any] = []
    if count == 0:
        return tasks, processes
    if store.engine.dialect.name == "postgresql":
        context = multiprocessing.get_context("spawn")
        for number in range(1, count + 1):
            process = context.Process(target=_worker_process, args=(config, db), daemon=True)
            process.start()
            processes.append(process)
            node.workers[f"push process {number}"] = process.is_alive
        return tasks, processes
    for _ in range(count):
        worker = PushWorker(node, interval=config.push_interval)
        tasks.append(asyncio.create_task(worker.run_forever(stop)))
    node.watch({f"push task {number}": task for number, task in enumerate(tasks, 1)})
    return tasks, processes


async def _stop_workers(helpers: Helpers) -> None:
    tasks, processes = helpers
    await asyncio.gather(*tasks)
    for process in processes:
        process.terminate()
    for process in processes:
        await asyncio.to_thread(process.join, 10)


def _worker_process(config: NodeConfig, db: str) -> None:
    """A push worker process: the same node configuration, on the same database, no HTTP server."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_work(config, db))


async def _work(config: NodeConfig, db: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    store = await SqlStore.open(db, create=False)
    node = Node(config, store)
    try:
        await node.push.run_forever(stop)
    finally:
        await node.close()
        await store.close()


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
