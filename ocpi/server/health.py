"""Liveness and readiness of a node, as container platforms probe them (Kubernetes, Docker, Nomad, a load
balancer): `GET /health/live` and `GET /health/ready`, without a token, answering HTTP 200 or 503 with a small
JSON body naming each check.

- live: the process answers and its background workers (push, pull, worker processes) are running. A worker
  that died is fixed by a restart, so a platform that restarts on a failing liveness probe does the right
  thing. The database is not checked here: an outage of the database would restart every replica at once
  and fix nothing.
- ready: the store answers and its schema is the one this version expects (`ocpi.storage.migrations`). A
  platform stops sending traffic to a node that is not ready, and sends it again once it is, without a
  restart.

They answer outside the OCPI envelope and without a token: probes are not OCPI parties, read only the HTTP
status, and must be able to ask before any partner exists; the envelope's rule that an authenticated request
gets HTTP 200 whatever its outcome would hide exactly what they ask. They name checks, never an address,
a token or a database error (those go to the node's log)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import Response

from ocpi.node.node import Node
from ocpi.storage.migrations import current_revision, head_revision

log = logging.getLogger("ocpi.server")

LIVE_PATH = "/health/live"
READY_PATH = "/health/ready"
STORE_TIMEOUT = 2.0
"""Seconds the store has to answer a readiness probe (probes themselves time out after a few seconds)."""


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str = "ok"


def worker_checks(node: Node) -> list[Check]:
    return [Check(name, running(), "running" if running() else "stopped") for name, running in node.workers.items()]


async def store_checks(node: Node) -> list[Check]:
    """The store answers a query within `STORE_TIMEOUT`, and its schema is at the shipped migrations' head."""
    store = getattr(node, "store", None)
    if store is None:
        return [Check("store", False, "not opened")]
    try:
        async with asyncio.timeout(STORE_TIMEOUT):
            async with store.engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
            revision = await current_revision(store.engine)
    except TimeoutError:
        return [Check("store", False, f"no answer within {STORE_TIMEOUT:g} s")]
    except Exception as error:  # whatever the driver raises: the probe says "unreachable", the log says why
        log.warning("readiness: the store is unreachable: %s", error)
        return [Check("store", False, "unreachable")]
    head = head_revision()
    schema = (
        Check("schema", True, f"at {head}")
        if revision == head
        else Check("schema", False, f"at {revision or 'nothing'}, expected {head}: run the migrations")
    )
    return [Check("store", True), schema]


def _answer(checks: list[Check], good: str, bad: str) -> Response:
    ok = all(check.ok for check in checks)
    body = {"status": good if ok else bad, "checks": {check.name: check.detail for check in checks}}
    return Response(
        orjson.dumps(body),
        status_code=200 if ok else 503,
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


def install(app: Any, node: Node) -> None:
    """Add `/health/live` and `/health/ready` to the app (outside the OpenAPI document)."""

    async def live(_request: Request) -> Response:
        return _answer(worker_checks(node), "alive", "a worker stopped")

    async def ready(_request: Request) -> Response:
        return _answer(await store_checks(node), "ready", "not ready")

    router = app.router
    router.add_route(LIVE_PATH, live, methods=["GET"], include_in_schema=False)
    router.add_route(READY_PATH, ready, methods=["GET"], include_in_schema=False)
