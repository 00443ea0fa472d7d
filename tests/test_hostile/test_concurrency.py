"""Concurrent writes of one object: the newest state wins whatever the arrival order, on every store."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import httpx
import orjson

from ocpi.core.data_types import format_datetime
from ocpi.storage.base import ObjectKey
from ocpi.storage.sql import SqlStore
from tests.conftest import PartnerFactory
from tests.test_e2e.test_sync import example
from tests.test_hostile.support import check_answer

STATUSES = ["AVAILABLE", "BLOCKED", "CHARGING", "INOPERATIVE", "OUTOFORDER", "PLANNED", "RESERVED", "UNKNOWN"]
WRITERS = 50


async def test_50_concurrent_evse_patches_in_random_order_leave_the_newest(
    client: httpx.AsyncClient, store: SqlStore, make_partner: PartnerFactory
) -> None:
    partner = await make_partner("CPO", "BE", "BEC")
    start = datetime(2030, 1, 1, tzinfo=UTC)
    location = {**example("location_example.json"), "country_code": "BE", "party_id": "BEC"}
    location["last_updated"] = format_datetime(start)
    for evse in location["evses"]:
        evse["last_updated"] = format_datetime(start)
    url = "/ocpi/emsp/2.2.1/locations/BE/BEC/LOC1"
    assert (await client.put(url, json=location, headers=partner.headers())).status_code == 201

    patches = [
        {"status": STATUSES[n % len(STATUSES)], "last_updated": format_datetime(start + timedelta(seconds=n + 1))}
        for n in range(WRITERS)
    ]
    shuffled = patches[:]
    random.Random(20300101).shuffle(shuffled)
    assert shuffled[-1] != patches[-1]  # the newest does not simply arrive last
    answers = await asyncio.gather(
        *(client.patch(f"{url}/3256", json=body, headers=partner.headers()) for body in shuffled)
    )
    for answer in answers:
        document = check_answer(answer.status_code, answer.content)
        assert answer.status_code == 200 and document["status_code"] == 1000, document

    stored = await store.get(ObjectKey.of("locations", "BE", "BEC", "LOC1"))
    assert stored is not None
    document = orjson.loads(stored.rendered["2.2.1"] or b"{}")
    evse = next(e for e in document["evses"] if e["uid"] == "3256")
    assert (evse["status"], evse["last_updated"]) == (patches[-1]["status"], patches[-1]["last_updated"])
    assert document["last_updated"] == patches[-1]["last_updated"]
    # An older update arriving now is acknowledged and ignored.
    late = await client.patch(f"{url}/3256", json=patches[0], headers=partner.headers())
    assert "ignored" in (late.json().get("status_message") or ""), late.text
    again = await store.get(ObjectKey.of("locations", "BE", "BEC", "LOC1"))
    assert again is not None and again.canonical == stored.canonical


async def test_50_concurrent_creates_of_one_object_all_succeed_and_the_newest_wins(
    client: httpx.AsyncClient, store: SqlStore, make_partner: PartnerFactory
) -> None:
    """On PostgreSQL two writers may both find no row and both INSERT: the second must become an update,
    not a 500 (the unique key violation was unhandled)."""
    partner = await make_partner("CPO", "BE", "BEC")
    start = datetime(2030, 1, 1, tzinfo=UTC)
    bodies = []
    for n in range(WRITERS):
        location = {**example("location_example.json"), "country_code": "BE", "party_id": "BEC", "id": "NEW"}
        location["name"] = f"version {n}"
        location["last_updated"] = format_datetime(start + timedelta(seconds=n))
        bodies.append(location)
    shuffled = bodies[:]
    random.Random(7).shuffle(shuffled)
    url = "/ocpi/emsp/2.2.1/locations/BE/BEC/NEW"
    answers = await asyncio.gather(*(client.put(url, json=body, headers=partner.headers()) for body in shuffled))
    statuses = sorted(answer.status_code for answer in answers)
    for answer in answers:
        assert check_answer(answer.status_code, answer.content)["status_code"] == 1000, answer.text
    assert statuses.count(201) == 1 and statuses.count(200) == WRITERS - 1, statuses
    stored = await store.get(ObjectKey.of("locations", "BE", "BEC", "NEW"))
    assert stored is not None
    assert orjson.loads(stored.canonical)["name"] == f"version {WRITERS - 1}"


async def test_concurrent_patches_of_different_evses_all_survive(
    client: httpx.AsyncClient, store: SqlStore, make_partner: PartnerFactory
) -> None:
    """A PATCH of one EVSE rewrites its whole Location: two at once must not lose either (compare-and-swap)."""
    partner = await make_partner("CPO", "BE", "BEC")
    start = datetime(2030, 1, 1, tzinfo=UTC)
    location = {**example("location_example.json"), "country_code": "BE", "party_id": "BEC"}
    template = location["evses"][0]
    location["evses"] = [{**template, "uid": f"E{n}", "evse_id": f"BE*BEC*E{n}"} for n in range(20)]
    location["last_updated"] = format_datetime(start)
    url = "/ocpi/emsp/2.2.1/locations/BE/BEC/LOC1"
    assert (await client.put(url, json=location, headers=partner.headers())).status_code == 201
    stamp = format_datetime(start + timedelta(seconds=1))  # the same for all: none is older than another
    answers = await asyncio.gather(
        *(
            client.patch(f"{url}/E{n}", json={"status": "CHARGING", "last_updated": stamp}, headers=partner.headers())
            for n in range(20)
        )
    )
    assert all(a.status_code == 200 and a.json()["status_code"] == 1000 for a in answers), [a.text for a in answers]
    stored = await store.get(ObjectKey.of("locations", "BE", "BEC", "LOC1"))
    assert stored is not None
    document = orjson.loads(stored.rendered["2.2.1"] or b"{}")
    assert [e["status"] for e in document["evses"]] == ["CHARGING"] * 20
