"""Two real nodes in each version (issue 24): what changes at the CPO reaches the eMSP as the smallest correct
request, an EVSE status as a PATCH of the EVSE, a new EVSE as a PUT of it, an address as a PATCH of the Location,
a session's progress as a PATCH of the Session; the eMSP ends with exactly the CPO's objects."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ocpi.core.data_types import format_datetime
from tests.nodes import OWN_DATA, RunningNode, eventually
from tests.test_e2e.test_sync import VERSIONS, example, registered_pair, stored
from tests.test_storage.test_patched_alike import with_mcs_evse


@dataclass(frozen=True)
class Received:
    method: str
    module: str
    path: tuple[str, ...]
    body: dict[str, Any]
    object_id: str | None = field(default=None, compare=False)


def recording(running: RunningNode) -> list[Received]:
    """Every object write the node's receiver endpoints make, as the partner sent it."""
    received: list[Received] = []
    repository = running.node.repository
    put, patch = repository.put, repository.patch

    async def recorded_put(object_type: Any, version: str, payload: Any, **options: Any) -> Any:
        path = tuple(options.get("path", ()))
        received.append(Received("PUT", object_type.module, path, payload, options.get("object_id")))
        return await put(object_type, version, payload, **options)

    async def recorded_patch(object_type: Any, version: str, payload: Any, **options: Any) -> Any:
        path = tuple(options.get("path", ()))
        received.append(Received("PATCH", object_type.module, path, payload, options.get("object_id")))
        return await patch(object_type, version, payload, **options)

    repository.put = recorded_put  # type: ignore[method-assign]
    repository.patch = recorded_patch  # type: ignore[method-assign]
    return received


async def converged(cpo: RunningNode, emsp: RunningNode, module: str, object_id: str, version: str) -> None:
    async def same() -> bool:
        sent = await stored(cpo, module, object_id, version)
        return sent is not None and await stored(emsp, module, object_id, version) == sent

    await eventually(same, f"{module} {object_id} at the eMSP as at the CPO, in {version}")


@pytest.mark.parametrize("data", OWN_DATA)
@pytest.mark.parametrize("version", VERSIONS)
async def test_each_change_arrives_as_the_smallest_correct_request(tmp_path: Path, version: str, data: str) -> None:
    async with registered_pair(tmp_path, version, data) as (cpo, emsp, _):
        received = recording(emsp)
        base = datetime.now(UTC).replace(microsecond=0)
        stamps = (format_datetime(base + timedelta(seconds=n)) for n in range(1, 100))

        async def step(write: Any, module: str, object_id: str) -> list[Received]:
            received.clear()
            await write
            await converged(cpo, emsp, module, object_id, version)
            return list(received)

        location = example("location_example.json") | {"last_updated": next(stamps)}
        [new] = await step(cpo.node.locations.put(location, version="2.2.1"), "locations", "LOC1")
        assert (new.method, new.path) == ("PUT", ())

        # An EVSE's status, written as a PATCH of the EVSE: a PATCH of that EVSE, with last_updated.
        stamp = next(stamps)
        patch = cpo.node.locations.patch("LOC1", {"status": "CHARGING", "last_updated": stamp}, path=("3256",))
        assert await step(patch, "locations", "LOC1") == [
            Received("PATCH", "locations", ("3256",), {"status": "CHARGING", "last_updated": stamp})
        ]

        # The same, written by an application that PUTs its whole Location each time.
        stamp = next(stamps)
        whole = copy.deepcopy(location) | {"last_updated": stamp}
        whole["evses"][1] |= {"status": "AVAILABLE", "last_updated": stamp}
        whole["evses"][0] |= {
            "status": "CHARGING",
            "last_updated": patch_stamp(await stored(cpo, "locations", "LOC1", "2.2.1")),
        }
        assert await step(cpo.node.locations.put(whole, version="2.2.1"), "locations", "LOC1") == [
            Received("PATCH", "locations", ("3257",), {"status": "AVAILABLE", "last_updated": stamp})
        ]

        # A connector, its field named as the partner's version names it (2.1.1: `voltage`).
        stamp = next(stamps)
        connector = cpo.node.locations.patch("LOC1", {"max_voltage": 400, "last_updated": stamp}, path=("3256", "2"))
        voltage = "voltage" if version == "2.1.1" else "max_voltage"
        assert await step(connector, "locations", "LOC1") == [
            Received("PATCH", "locations", ("3256", "2"), {voltage: 400, "last_updated": stamp})
        ]

        # A changed address: a PATCH of the Location's own fields.
        stamp = next(stamps)
        address = cpo.node.locations.patch("LOC1", {"address": "Grote Markt 1", "last_updated": stamp})
        assert await step(address, "locations", "LOC1") == [
            Received("PATCH", "locations", (), {"address": "Grote Markt 1", "last_updated": stamp})
        ]

        # A new EVSE: a PUT of that EVSE.
        stamp = next(stamps)
        evse = copy.deepcopy(location["evses"][1]) | {
            "uid": "NEW1",
            "evse_id": "BE*BEC*E041503004",
            "last_updated": stamp,
        }
        [added] = await step(
            cpo.node.locations.put_child("LOC1", ("NEW1",), evse, version="2.2.1"), "locations", "LOC1"
        )
        assert (added.method, added.path, added.body["uid"], added.body["last_updated"]) == (
            "PUT",
            ("NEW1",),
            "NEW1",
            stamp,
        )

        # A session: created with a PUT, then its progress as PATCHes of the Session.
        session = example("session_example_2_short_finished.json") | {"status": "ACTIVE", "last_updated": next(stamps)}
        del session["end_date_time"]
        session["cdr_token"] |= {"country_code": "DE", "party_id": "TNM"}  # the eMSP's customer
        [created] = await step(cpo.node.sessions.put(session, version="2.2.1"), "sessions", "101")
        assert (created.method, created.path) == ("PUT", ())
        stamp = next(stamps)
        progress = cpo.node.sessions.patch("101", {"kwh": 16, "last_updated": stamp}, version="2.2.1")
        assert await step(progress, "sessions", "101") == [
            Received("PATCH", "sessions", (), {"kwh": 16, "last_updated": stamp})
        ]
        stamp = next(stamps)
        period = {"start_date_time": stamp, "dimensions": [{"type": "ENERGY", "volume": 2}]}
        more = {"kwh": 18, "charging_periods": [period], "last_updated": stamp}
        [went] = await step(cpo.node.sessions.patch("101", more, version="2.2.1"), "sessions", "101")
        if version == "2.1.1":  # 2.1.1 does not say that a PATCH appends charging periods: the whole Session
            assert (went.method, went.path) == ("PUT", ())
            assert len(went.body["charging_periods"]) == len(session["charging_periods"]) + 1
        else:
            assert went == Received("PATCH", "sessions", (), more)

        # Nothing lost: the eMSP holds what the CPO holds, in this version.
        assert await stored(emsp, "locations", "LOC1", version) == await stored(cpo, "locations", "LOC1", version)
        assert await stored(emsp, "sessions", "101", version) == await stored(cpo, "sessions", "101", version)


def patch_stamp(document: dict[str, Any]) -> str:
    """The EVSE 3256's own last_updated as stored: an application that PUTs its whole Location keeps it."""
    return str(next(evse["last_updated"] for evse in document["evses"] if evse["uid"] == "3256"))


async def test_a_write_in_an_older_version_pushes_its_change_and_keeps_what_it_cannot_express(tmp_path: Path) -> None:
    """The CPO's Location holds an EVSE that 2.2.1 cannot express (MCS only); its application changes another
    EVSE's floor level in 2.2.1. A 2.3.0 partner receives a PATCH of that EVSE and still has the MCS EVSE."""
    async with registered_pair(tmp_path, "2.3.0") as (cpo, emsp, _):
        received = recording(emsp)
        await cpo.node.locations.put(with_mcs_evse() | {"last_updated": "2031-01-01T00:00:00Z"})
        await converged(cpo, emsp, "locations", "LOC1", "2.3.0")
        received.clear()
        change = {"floor_level": "-3", "last_updated": "2031-01-01T00:00:01Z"}
        await cpo.node.locations.patch("LOC1", change, version="2.2.1", path=("3256",))
        await converged(cpo, emsp, "locations", "LOC1", "2.3.0")
        assert received == [Received("PATCH", "locations", ("3256",), change)]
        location = await stored(emsp, "locations", "LOC1", "2.3.0")
        assert [evse["uid"] for evse in location["evses"]] == ["3256", "3257", "MCS1"]
