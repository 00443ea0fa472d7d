"""A write in an older version keeps what that version cannot express (the three-way merge through canonical), on
the real store, however many writes follow one another, in whichever versions: what the older version changed is
applied, what only canonical holds stays, and what another version changed meanwhile is never reverted."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from ocpi.core.enums import RoleEnum
from ocpi.core.interfaces import Child
from ocpi.modules.locations.interfaces import LOCATION
from ocpi.storage.base import ObjectKey
from ocpi.storage.repository import Repository, merge_changes
from ocpi.storage.sql import SqlStore
from tests.conftest import Partner, PartnerFactory
from tests.test_e2e.test_sync import example
from tests.test_server.support import envelope, url
from tests.test_storage.test_patched_alike import with_mcs_evse

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


# --- through a node's receiver, a Location holding what older versions cannot express --------------------------
# Stored in 2.3.0: an EVSE whose only connector is MCS (2.2.1 and 2.1.1 leave the EVSE out), the Location's
# `help_phone` and a connector's `capabilities` (2.3.0 only). Then one write in an older version: what it changes
# is applied, what it cannot see stays, where it was. A whole-object PUT too: it replaces all that its version
# expresses (an EVSE it leaves out is removed), and nothing of what its version cannot express.

HIDDEN_EVSE = "MCS1"
OLDER = ("2.1.1", "2.2.1")


@pytest.fixture
async def cpo(make_partner: PartnerFactory) -> Partner:
    return await make_partner("CPO", *OWNER)


async def received(client: httpx.AsyncClient, cpo: Partner, version: str, *path: str) -> dict[str, Any]:
    response = await client.get(url(RoleEnum.EMSP, version, "locations", *OWNER, *path), headers=cpo.headers(version))
    data = envelope(response)["data"]
    assert isinstance(data, dict)
    return data


async def written(
    client: httpx.AsyncClient,
    cpo: Partner,
    method: str,
    version: str,
    body: dict[str, Any],
    *path: str,
    http_status: int = 200,
) -> dict[str, Any]:
    """The Location as 2.3.0 reads it after the write; the write read back in its own version as written."""
    target = url(RoleEnum.EMSP, version, "locations", *OWNER, *path)
    envelope(await client.request(method, target, json=body, headers=cpo.headers(version)), http_status)
    mine = await received(client, cpo, version, *path)
    for name, value in body.items():
        if name != "last_updated":
            assert mine[name] == value, (name, mine[name], value)
    return await received(client, cpo, "2.3.0", "LOC1")


@pytest.fixture
async def stored(client: httpx.AsyncClient, cpo: Partner) -> dict[str, Any]:
    """The Location as 2.3.0 reads it, after the CPO PUT it in 2.3.0."""
    location = with_mcs_evse() | {"help_phone": "+32 9 123 45 67", "last_updated": stamp(0)}
    location["evses"][0]["connectors"][1] |= {"capabilities": PLUG_AND_CHARGE}
    target = url(RoleEnum.EMSP, "2.3.0", "locations", *OWNER, "LOC1")
    envelope(await client.put(target, json=location, headers=cpo.headers("2.3.0")), 201)
    for version in OLDER:
        assert HIDDEN_EVSE not in uids(await received(client, cpo, version, "LOC1"))
    return await received(client, cpo, "2.3.0", "LOC1")


def uids(location: dict[str, Any]) -> list[str]:
    return [evse["uid"] for evse in location.get("evses") or []]


def assert_hidden_parts_kept(before: dict[str, Any], after: dict[str, Any]) -> None:
    """What the older versions cannot express is in `after` as it was in `before`."""
    assert after["evses"][uids(after).index(HIDDEN_EVSE)] == before["evses"][uids(before).index(HIDDEN_EVSE)]
    assert after["help_phone"] == before["help_phone"]
    assert connector(after)["capabilities"] == PLUG_AND_CHARGE


@pytest.mark.parametrize("version", OLDER)
async def test_a_patch_of_an_evse_field_in_an_older_version_keeps_an_evse_it_cannot_express(
    version: str, client: httpx.AsyncClient, cpo: Partner, stored: dict[str, Any]
) -> None:
    after = await written(
        client, cpo, "PATCH", version, {"floor_level": "-3", "last_updated": stamp(1)}, "LOC1", "3256"
    )
    assert uids(after) == ["3256", "3257", HIDDEN_EVSE]
    assert (after["evses"][0]["floor_level"], after["last_updated"]) == ("-3", stamp(1))
    assert_hidden_parts_kept(stored, after)


@pytest.mark.parametrize("version", OLDER)
async def test_a_patch_of_a_connector_in_an_older_version_keeps_an_evse_it_cannot_express(
    version: str, client: httpx.AsyncClient, cpo: Partner, stored: dict[str, Any]
) -> None:
    voltage = "voltage" if version == "2.1.1" else "max_voltage"
    change = {voltage: 400, "last_updated": stamp(1)}
    after = await written(client, cpo, "PATCH", version, change, "LOC1", "3256", "2")
    assert uids(after) == ["3256", "3257", HIDDEN_EVSE]
    assert connector(after)["max_voltage"] == 400
    assert_hidden_parts_kept(stored, after)


@pytest.mark.parametrize("version", OLDER)
async def test_a_patch_of_the_locations_own_fields_in_an_older_version_keeps_what_it_cannot_express(
    version: str, client: httpx.AsyncClient, cpo: Partner, stored: dict[str, Any]
) -> None:
    after = await written(client, cpo, "PATCH", version, {"name": "Gent", "last_updated": stamp(1)}, "LOC1")
    assert (uids(after), after["name"]) == (["3256", "3257", HIDDEN_EVSE], "Gent")
    assert_hidden_parts_kept(stored, after)


@pytest.mark.parametrize("version", OLDER)
async def test_a_put_of_an_evse_in_an_older_version_keeps_an_evse_it_cannot_express(
    version: str, client: httpx.AsyncClient, cpo: Partner, stored: dict[str, Any]
) -> None:
    evse = await received(client, cpo, version, "LOC1", "3257") | {"floor_level": "-3", "last_updated": stamp(1)}
    after = await written(client, cpo, "PUT", version, evse, "LOC1", "3257")
    assert uids(after) == ["3256", "3257", HIDDEN_EVSE]
    assert after["evses"][1]["floor_level"] == "-3"
    assert_hidden_parts_kept(stored, after)

    # A new EVSE comes after the one the older version cannot express, as it came after the last it sees.
    evse |= {"uid": "3258", "evse_id": "BE*BEC*E041503004", "last_updated": stamp(2)}
    after = await written(client, cpo, "PUT", version, evse, "LOC1", "3258", http_status=201)
    assert uids(after) == ["3256", "3257", HIDDEN_EVSE, "3258"]
    assert_hidden_parts_kept(stored, after)


@pytest.mark.parametrize("version", OLDER)
async def test_a_put_of_the_location_in_an_older_version_replaces_what_it_expresses_and_keeps_the_rest(
    version: str, client: httpx.AsyncClient, cpo: Partner, stored: dict[str, Any]
) -> None:
    location = await received(client, cpo, version, "LOC1")
    del location["evses"][1], location["operator"]  # 3257 and the operator: removed by this PUT
    location |= {"name": "Gent", "last_updated": stamp(1)}
    after = await written(client, cpo, "PUT", version, location, "LOC1")
    assert (uids(after), after["name"], "operator" in after) == (["3256", HIDDEN_EVSE], "Gent", False)
    assert_hidden_parts_kept(stored, after)


EVSES = Child("evses", "uid", {})


def test_children_are_matched_on_their_id_in_the_order_written() -> None:
    """An EVSE only canonical holds (H) stays after the one it followed, however the write orders the others;
    ids compare as `_find_child` compares them (case-insensitive)."""
    old = {"evses": [{"uid": "A", "x": 1}, {"uid": "H"}, {"uid": "B", "x": 1, "only_canonical": True}]}
    before = {"evses": [{"uid": "A", "x": 1}, {"uid": "B", "x": 1}]}
    after = {"evses": [{"uid": "b", "x": 2}, {"uid": "A", "x": 1}]}
    merged = merge_changes(old, before, after, (EVSES,))
    assert merged == {"evses": [{"uid": "b", "x": 2, "only_canonical": True}, {"uid": "A", "x": 1}, {"uid": "H"}]}
    # A write that leaves out every EVSE its version sees removes those, not the one it cannot see.
    assert merge_changes(old, before, {}, (EVSES,)) == {"evses": [{"uid": "H"}]}
    assert merge_changes({"evses": old["evses"][:1]}, before, {}, (EVSES,)) == {}


def test_children_without_one_id_each_are_merged_by_position() -> None:
    old = {"evses": [{"uid": "A", "only_canonical": True}, {"uid": "A"}]}
    before = {"evses": [{"uid": "A"}, {"uid": "A"}]}
    after = {"evses": [{"uid": "A", "x": 2}, {"uid": "A"}]}
    assert merge_changes(old, before, after, (EVSES,)) == {
        "evses": [{"uid": "A", "only_canonical": True, "x": 2}, {"uid": "A"}]
    }
    # Of another length: as written.
    assert merge_changes(old, before, {"evses": [{"uid": "A"}]}, (EVSES,)) == {"evses": [{"uid": "A"}]}
