"""A write in an older version keeps what that version cannot express (the three-way merge through canonical), on
the real store, however many writes follow one another, in whichever versions: what the older version changed is
applied, what only canonical holds stays, and what another version changed meanwhile is never reverted."""

from __future__ import annotations

from typing import Any

import orjson

from ocpi.modules.locations.interfaces import LOCATION
from ocpi.storage.base import ObjectKey
from ocpi.storage.repository import Repository
from ocpi.storage.sql import SqlStore
from tests.test_e2e.test_sync import example

OWNER = ("BE", "BEC")
KEY = ObjectKey.of("locations", *OWNER, "LOC1")
PLUG_AND_CHARGE = ["ISO_15118_2_PLUG_AND_CHARGE"]


def stamp(second: int) -> str:
    return f"2030-01-01T00:00:{second:02d}Z"


async def canonical(store: SqlStore) -> dict[str, Any]:
    found = await store.get(KEY)
    assert found is not None
    document = orjson.loads(found.canonical)
    assert isinstance(document, dict)
    return document


def connector(document: dict[str, Any], evse: int = 0, index: int = 1) -> dict[str, Any]:
    found = document["evses"][evse]["connectors"][index]
    assert isinstance(found, dict)
    return found


async def test_writes_in_older_versions_keep_what_only_canonical_holds(store: SqlStore) -> None:
    repository = Repository(store)
    location = example("location_example.json") | {"help_phone": "+32 9 123 45 67", "last_updated": stamp(0)}
    location["evses"][0]["connectors"][1] |= {"capabilities": PLUG_AND_CHARGE, "max_electric_power": 22000}
    await repository.put(LOCATION, "2.3.0", location, owner=OWNER)

    # EVSE status PATCHes in 2.2.1, one after the other (the second starts from what the first converted up),
    # then in 2.1.1: the status changes, the 2.3.0-only fields stay.
    for second, (version, status) in enumerate([("2.2.1", "CHARGING"), ("2.2.1", "BLOCKED"), ("2.1.1", "OUTOFORDER")]):
        change = {"status": status, "last_updated": stamp(second + 1)}
        await repository.patch(LOCATION, version, change, owner=OWNER, object_id="LOC1", path=("3256",))
        stored = await canonical(store)
        assert stored["evses"][0]["status"] == status, version
        assert stored["help_phone"] == "+32 9 123 45 67", version
        assert connector(stored)["capabilities"] == PLUG_AND_CHARGE, version
        assert connector(stored)["max_electric_power"] == 22000, version  # 2.1.1 has no such field

    # A field both versions have, changed in 2.3.0 between two 2.2.1 writes, is not reverted by the second.
    await repository.patch(
        LOCATION, "2.3.0", {"name": "Gent Sint-Pieters", "last_updated": stamp(10)}, owner=OWNER, object_id="LOC1"
    )
    change = {"status": "AVAILABLE", "last_updated": stamp(11)}
    await repository.patch(LOCATION, "2.2.1", change, owner=OWNER, object_id="LOC1", path=("3256",))
    stored = await canonical(store)
    assert (stored["name"], stored["evses"][0]["status"]) == ("Gent Sint-Pieters", "AVAILABLE")

    # A 2.3.0-only field changed between two 2.2.1 writes (the 2.2.1 rendering does not move): kept as changed.
    await repository.patch(
        LOCATION, "2.3.0", {"help_phone": "+32 9 765 43 21", "last_updated": stamp(12)}, owner=OWNER, object_id="LOC1"
    )
    await repository.patch(
        LOCATION, "2.2.1", {"name": "Gent", "last_updated": stamp(13)}, owner=OWNER, object_id="LOC1"
    )
    stored = await canonical(store)
    assert (stored["name"], stored["help_phone"]) == ("Gent", "+32 9 765 43 21")
    assert connector(stored)["capabilities"] == PLUG_AND_CHARGE

    # What the older version does express is changed by it: the connector's power in 2.2.1 (`max_electric_power`),
    # its voltage in 2.1.1 (`voltage` there).
    await repository.patch(
        LOCATION,
        "2.2.1",
        {"max_electric_power": 11000, "last_updated": stamp(14)},
        owner=OWNER,
        object_id="LOC1",
        path=("3256", "2"),
    )
    await repository.patch(
        LOCATION,
        "2.1.1",
        {"voltage": 400, "last_updated": stamp(15)},
        owner=OWNER,
        object_id="LOC1",
        path=("3256", "2"),
    )
    stored = await canonical(store)
    assert (connector(stored)["max_electric_power"], connector(stored)["max_voltage"]) == (11000, 400)
    assert connector(stored)["capabilities"] == PLUG_AND_CHARGE
    assert stored["help_phone"] == "+32 9 765 43 21"


async def test_a_change_in_canonical_between_two_older_writes_is_merged_from_what_is_stored(store: SqlStore) -> None:
    """An EVSE with a connector 2.2.1 cannot express (MCS): written in 2.2.1, changed in 2.3.0 where 2.2.1 sees it
    too, written in 2.2.1 again. The second 2.2.1 write merges from the stored rendering, not from the first's."""
    repository = Repository(store)
    location = example("location_example.json") | {"last_updated": stamp(0)}
    mcs = connector(location, 0, 0) | {"id": "3", "standard": "MCS", "power_type": "DC"}
    location["evses"][0]["connectors"].append(mcs)
    await repository.put(LOCATION, "2.3.0", location, owner=OWNER)
    change = {"status": "CHARGING", "last_updated": stamp(1)}
    await repository.patch(LOCATION, "2.2.1", change, owner=OWNER, object_id="LOC1", path=("3256",))
    await repository.patch(
        LOCATION,
        "2.3.0",
        {"max_voltage": 400, "last_updated": stamp(2)},
        owner=OWNER,
        object_id="LOC1",
        path=("3256", "1"),
    )
    change = {"status": "AVAILABLE", "last_updated": stamp(3)}
    await repository.patch(LOCATION, "2.2.1", change, owner=OWNER, object_id="LOC1", path=("3256",))
    stored = await canonical(store)
    assert [c["id"] for c in stored["evses"][0]["connectors"]] == ["1", "2", "3"]
    assert (connector(stored, 0, 0)["max_voltage"], connector(stored, 0, 2)["standard"]) == (400, "MCS")
    assert stored["evses"][0]["status"] == "AVAILABLE"


async def test_a_second_repository_on_the_same_store_merges_from_what_is_stored(store: SqlStore) -> None:
    """Two processes (two repositories) writing one object in turn: neither merges from what it remembers of its
    own last write once the other has written since."""
    first, second = Repository(store), Repository(store)
    location = example("location_example.json") | {"help_phone": "+32 9 123 45 67", "last_updated": stamp(0)}
    await first.put(LOCATION, "2.3.0", location, owner=OWNER)
    await first.patch(LOCATION, "2.2.1", {"name": "one", "last_updated": stamp(1)}, owner=OWNER, object_id="LOC1")
    await second.patch(
        LOCATION, "2.2.1", {"address": "Grote Markt 1", "last_updated": stamp(2)}, owner=OWNER, object_id="LOC1"
    )
    await first.patch(
        LOCATION,
        "2.2.1",
        {"status": "CHARGING", "last_updated": stamp(3)},
        owner=OWNER,
        object_id="LOC1",
        path=("3256",),
    )
    stored = await canonical(store)
    assert (stored["name"], stored["address"], stored["evses"][0]["status"]) == ("one", "Grote Markt 1", "CHARGING")
    assert stored["help_phone"] == "+32 9 123 45 67"
