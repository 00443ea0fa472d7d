"""Health probes and Prometheus metrics through the real ASGI app on the real store."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ocpi.push.pull import pull
from ocpi.server.app import get_application
from ocpi.storage.base import PartyRole, TokenKind
from ocpi.storage.sql import SqlStore
from tests.conftest import NODE_PARTIES, Partner, PartnerFactory
from tests.nodes import serve_app
from tests.test_cli.nodes import free_port
from tests.test_ops.support import our_location
from tests.test_server.support import url
from tests.test_server.test_quirks import OWNER, sloppy_location
from tests.test_storage.test_sql_store import head_revision

METRICS_TOKEN = "metrics-token-for-tests"
HEAD = head_revision()


@pytest.fixture
async def metered(store: SqlStore) -> AsyncIterator[httpx.AsyncClient]:
    """A node of its own (its counts start at zero) with metrics on, behind a bearer token."""
    app = get_application(
        parties=NODE_PARTIES, store=store, base_url="http://testserver", allow_private_urls=True, metrics=True,
        metrics_token=METRICS_TOKEN,
    )  # fmt: skip
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        http.app = app  # type: ignore[attr-defined]
        yield http


async def scrape(http: httpx.AsyncClient) -> str:
    answer = await http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return answer.text


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of the series `name` whose labels include `labels`."""
    for line in text.splitlines():
        series, _, value = line.rpartition(" ")
        if not series.startswith(name + "{") and series != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', series))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(value)
    return None


async def test_live_and_ready_answer_200_with_their_checks(client: httpx.AsyncClient) -> None:
    client.app.state.node.workers.clear()  # type: ignore[attr-defined]
    live = await client.get("/health/live")
    assert live.status_code == 200 and live.json() == {"status": "alive", "checks": {}}
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"store": "ok", "schema": f"at {HEAD}"}}
    assert ready.headers["cache-control"] == "no-store"
    assert "/health/ready" not in (await client.get("/openapi.json")).text


async def test_a_stopped_worker_fails_liveness_only(client: httpx.AsyncClient) -> None:
    node = client.app.state.node  # type: ignore[attr-defined]
    node.workers.clear()
    node.workers.update({"push": lambda: True, "push process 1": lambda: False})
    try:
        live = await client.get("/health/live")
        assert live.status_code == 503
        assert live.json() == {"status": "a worker stopped", "checks": {"push": "running", "push process 1": "stopped"}}
        assert (await client.get("/health/ready")).status_code == 200
    finally:
        node.workers.clear()


async def test_a_schema_behind_the_code_is_not_ready(client: httpx.AsyncClient, store: SqlStore) -> None:
    async with store.engine.begin() as conn:
        await conn.execute(sa.text("UPDATE alembic_version SET version_num = '0006'"))
    try:
        ready = await client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json()["checks"]["schema"] == f"at 0006, expected {HEAD}: run the migrations"
        assert ready.json()["status"] == "not ready"
    finally:
        async with store.engine.begin() as conn:
            await conn.execute(sa.text("UPDATE alembic_version SET version_num = :head"), {"head": HEAD})


async def test_an_unreachable_store_is_not_ready_and_says_no_more(client: httpx.AsyncClient) -> None:
    node = client.app.state.node  # type: ignore[attr-defined]
    kept = node.store
    down = SqlStore(create_async_engine(f"postgresql+asyncpg://ocpi:secret@127.0.0.1:{free_port()}/ocpi"))
    node.workers.clear()
    node.store = down
    try:
        ready = await client.get("/health/ready")
        live = await client.get("/health/live")
    finally:
        node.store = kept
        await down.close()
    assert ready.status_code == 503 and ready.json() == {"status": "not ready", "checks": {"store": "unreachable"}}
    assert "secret" not in ready.text and "127.0.0.1" not in ready.text
    assert live.status_code == 200  # a database outage must not restart the node


async def test_metrics_are_off_unless_asked(client: httpx.AsyncClient) -> None:
    assert client.app.observe_request is None  # type: ignore[attr-defined]
    answer = await client.get("/metrics")
    assert answer.status_code == 404 and answer.json()["status_message"] == "no such endpoint"


async def test_metrics_need_the_bearer_token(metered: httpx.AsyncClient) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Token {METRICS_TOKEN}"}):
        refused = await metered.get("/metrics", headers=headers)
        assert refused.status_code == 401
        assert refused.text == "a bearer token is required (Authorization: Bearer <metrics token>)\n"
        assert refused.headers["www-authenticate"] == 'Bearer realm="metrics"'


async def test_requests_are_counted_by_module_version_role_method_and_status_lane_answers_too(
    metered: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    partner: Partner = await make_partner("EMSP", "BE", "BEM")
    listed = await metered.get("/ocpi/cpo/2.2.1/locations", headers=partner.headers())
    assert listed.status_code == 200
    assert metered.app.front_lane is not None  # type: ignore[attr-defined]  (the lane answered the list)
    invalid = await metered.put(
        "/ocpi/emsp/2.2.1/locations/BE/BEM/L1", json={"id": "L1"}, headers=partner.headers()
    )  # the receiver refuses the object: HTTP 400? no: 200 with 2001, as the spec says
    assert invalid.json()["status_code"] == 2001
    assert (await metered.get("/ocpi/cpo/2.2.1/locations", headers={"Authorization": "Token eA=="})).status_code == 401
    await metered.get("/ocpi/versions", headers=partner.headers())
    text = await scrape(metered)
    count = "ocpi_request_duration_seconds_count"
    lane = {"role": "cpo", "version": "2.2.1", "module": "locations", "method": "GET"}
    assert sample(text, count, **lane, http_status="200", ocpi_status="1000") == 1.0
    assert sample(text, count, **lane, http_status="401", ocpi_status="2000") == 1.0
    assert sample(text, count, role="emsp", module="locations", method="PUT", http_status=str(invalid.status_code),
                  ocpi_status="2001") == 1.0  # fmt: skip
    assert sample(text, count, role="-", version="-", module="versions", ocpi_status="1000") == 1.0
    assert (sample(text, "ocpi_request_duration_seconds_bucket", **lane, http_status="200", le="10.0") or 0) == 1.0


async def test_request_labels_stay_bounded(metered: httpx.AsyncClient, make_partner: PartnerFactory) -> None:
    """Ids, unknown versions, roles and modules never become labels: their number is bounded."""
    partner: Partner = await make_partner("EMSP", "BE", "BEM")
    for number in range(30):
        await metered.get(f"/ocpi/cpo/2.2.1/locations/NL/CPO/LOC{number}", headers=partner.headers())
        await metered.get(f"/ocpi/cpo/9.{number}/locations", headers=partner.headers())
        await metered.get(f"/ocpi/role{number}/2.2.1/x{number}", headers=partner.headers())
        await metered.get(f"/ocpi/cpo/2.2.1/module{number}/y", headers=partner.headers())
    text = await scrape(metered)
    count = "ocpi_request_duration_seconds_count"
    series = {line.rpartition(" ")[0] for line in text.splitlines() if line.startswith(count)}
    assert len(series) == 4, series
    assert "LOC" not in text and "9.1" not in text and "role1" not in text and "module1" not in text
    assert sample(text, "ocpi_request_duration_seconds_count", version="other", module="other") == 30.0
    assert sample(text, "ocpi_request_duration_seconds_count", role="-", version="other", module="other") == 30.0
    assert sample(text, "ocpi_request_duration_seconds_count", role="cpo", version="2.2.1", module="other") == 30.0


async def test_a_failing_partner_shows_within_one_push_round(metered: httpx.AsyncClient, store: SqlStore) -> None:
    """A partner that cannot be reached: after one push round, /metrics says how many objects fail for it, how
    far behind it is, and how long the failed pushes took."""
    node = metered.app.state.node  # type: ignore[attr-defined]
    down = f"http://127.0.0.1:{free_port()}/ocpi/emsp/2.2.1"
    party = await store.create_party(
        "Down eMSP",
        [PartyRole("EMSP", "DE", "DWN")],
        state="registered",
        version="2.2.1",
        endpoints=[{"identifier": "locations", "role": "RECEIVER", "url": f"{down}/locations"}],
        outbound_token="token-we-send",
    )
    await store.issue_token(TokenKind.C, party.pk)
    await node.push.ledger.cursor(party.pk)
    before = await scrape(metered)
    labels = {"partner": "Down eMSP", "partner_pk": str(party.pk)}
    assert sample(before, "ocpi_partner_failing_objects", **labels) == 0.0
    await node.locations.put(our_location("FAIL1"), version="2.2.1")
    await node.locations.put(our_location("FAIL2"), version="2.2.1")
    assert sample(await scrape(metered), "ocpi_partner_changes_behind", **labels) == 2.0

    await node.push.run_once()

    after = await scrape(metered)
    assert sample(after, "ocpi_partner_failing_objects", **labels) == 2.0
    assert sample(after, "ocpi_partner_changes_behind", **labels) == 0.0  # passed over: retried from the failures
    assert sample(after, "ocpi_partner_push_duration_seconds_count", partner="Down eMSP", outcome="failed") == 2.0
    assert sample(after, "ocpi_partners", state="registered") == 1.0
    assert sample(after, "ocpi_store_up") == 1.0 and sample(after, "ocpi_schema_current") == 1.0
    assert "token-we-send" not in after


async def test_a_partner_s_quirks_are_counted_by_kind(metered: httpx.AsyncClient, make_partner: PartnerFactory) -> None:
    """What a partner sends out of spec and the node reads all the same shows per partner and kind of deviation
    (a rule of ocpi.core.rules): one per message, no ids or examples as labels."""
    cpo: Partner = await make_partner("CPO", *OWNER)
    base = url("EMSP", "2.2.1", "locations", *OWNER)
    labels = {"partner": cpo.party.name, "partner_pk": str(cpo.party.pk)}
    assert sample(await scrape(metered), "ocpi_partner_quirks_total", **labels) is None
    for location_id in ("LOC1", "LOC2"):
        answer = await metered.put(f"{base}/{location_id}", json=sloppy_location(location_id), headers=cpo.headers())
        assert answer.status_code == 201, answer.text

    text = await scrape(metered)
    quirks = {
        dict(re.findall(r'(\w+)="([^"]*)"', line))["kind"]: float(line.rpartition(" ")[2])
        for line in text.splitlines()
        if line.startswith("ocpi_partner_quirks_total{") and f'partner_pk="{cpo.party.pk}"' in line
    }
    assert quirks == {"datetime-format": 2.0, "geo-coordinate": 2.0, "json-integer": 2.0}
    assert "# TYPE ocpi_partner_quirks_total counter" in text
    assert "LOC1" not in text and "51.04" not in text


async def test_a_partner_s_last_push_success_and_last_pull_are_timestamps(
    metered: httpx.AsyncClient, store: SqlStore
) -> None:
    """A partner on 127.0.0.1 that takes our pushes and serves its tariffs: after one push round and one pull,
    /metrics has when each last succeeded (an operator alerts on `time() - ...`, the age)."""
    node = metered.app.state.node  # type: ignore[attr-defined]
    ok = {"status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"}

    async def receive(request: Request) -> JSONResponse:
        return JSONResponse({**ok, "data": None})

    async def tariffs(request: Request) -> JSONResponse:
        return JSONResponse({**ok, "data": []}, headers={"X-Total-Count": "0", "X-Limit": "50"})

    partner_app = Starlette(routes=[
        Route("/ocpi/emsp/2.2.1/locations/{rest:path}", receive, methods=["PUT", "PATCH"]),
        Route("/ocpi/cpo/2.2.1/tariffs", tariffs),
    ])  # fmt: skip
    async with serve_app(partner_app) as base:
        party = await store.create_party(
            "Up partner",
            [PartyRole("EMSP", "DE", "UPP"), PartyRole("CPO", "DE", "UPP")],
            state="registered",
            version="2.2.1",
            endpoints=[
                {"identifier": "locations", "role": "RECEIVER", "url": f"{base}/ocpi/emsp/2.2.1/locations"},
                {"identifier": "tariffs", "role": "SENDER", "url": f"{base}/ocpi/cpo/2.2.1/tariffs"},
            ],
            outbound_token="token-we-send",
        )
        await store.issue_token(TokenKind.C, party.pk)
        await node.push.ledger.cursor(party.pk)
        labels = {"partner": "Up partner", "partner_pk": str(party.pk)}
        before = await scrape(metered)
        assert sample(before, "ocpi_partner_last_push_success_timestamp_seconds", **labels) is None
        assert sample(before, "ocpi_partner_last_pull_timestamp_seconds", **labels) is None
        started = time.time()
        await node.locations.put(our_location("UP1"), version="2.2.1")
        await node.push.run_once()
        report = await pull(node, party, "tariffs")
        assert (report.received, report.rejected) == (0, []), report

    after = await scrape(metered)
    assert sample(after, "ocpi_partner_failing_objects", **labels) == 0.0
    pushed = sample(after, "ocpi_partner_last_push_success_timestamp_seconds", **labels)
    pulled = sample(after, "ocpi_partner_last_pull_timestamp_seconds", **labels, module="tariffs")
    assert pushed is not None and pushed >= started - 1, after
    assert pulled is not None and pulled >= started - 1, after
