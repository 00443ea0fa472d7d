"""A PATCH of an EVSE's status (fields every version holds alike, `Child.patched_alike`) is made in the stored
canonical JSON and in every stored rendering as it is, without converting or rendering the Location again: what
is stored is byte for byte what converting the object and rendering every version gives, in every version, for
every Location of the spec's examples (and one whose EVSE an older version leaves out). And what an older
version cannot express survives such a PATCH made in it, an EVSE it leaves out too."""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import pytest

from ocpi.core.convert import ConversionContext, Converted
from ocpi.core.errors import InvalidParameters, NotFound
from ocpi.core.interfaces import ObjectType
from ocpi.modules.locations import convert
from ocpi.modules.locations.interfaces import CONNECTOR, EVSE, LOCATION
from ocpi.storage.base import ObjectKey, PutOutcome
from ocpi.storage.repository import Repository
from ocpi.storage.sql import SqlStore
from tests.spec import FIXTURES_DIR, SPEC_DIR

EVERY_RENDERING = replace(
    LOCATION,
    children=(replace(EVSE, patched_alike=frozenset(), children=(replace(CONNECTOR, patched_alike=frozenset()),)),),
)
"""The Location as a module that declares nothing alike: every PATCH converted and rendered in every version."""


def with_mcs_evse() -> dict[str, Any]:
    """The spec's 2.3.0 example with a third EVSE whose only connector is MCS: 2.2.1 and 2.1.1 leave it out."""
    location = orjson.loads((SPEC_DIR / "2.3.0" / "examples" / "location_example.json").read_bytes())
    mcs = copy.deepcopy(location["evses"][0]) | {"uid": "MCS1", "evse_id": "BE*BEC*E041503003"}
    mcs["connectors"] = [mcs["connectors"][0] | {"id": "1", "standard": "MCS"}]
    location["evses"].append(mcs)
    assert isinstance(location, dict)
    return location


def examples() -> list[Any]:
    location_211 = orjson.loads((FIXTURES_DIR / "2.1.1" / "locations" / "location.json").read_bytes())
    found = [pytest.param("2.1.1", location_211, id="2.1.1-location")]
    for version in ("2.2.1", "2.3.0"):
        for path in sorted((SPEC_DIR / version / "examples").glob("location_example*.json")):
            location = orjson.loads(path.read_bytes())
            found.append(pytest.param(version, location, id=f"{version}-{path.stem}"))
    found.append(pytest.param("2.3.0", with_mcs_evse(), id="2.3.0-mcs-evse"))
    return found


WRITERS = ("2.1.1", "2.2.1", "2.3.0")


def stamp(second: int) -> str:
    return f"2031-01-01T00:00:{second:02d}Z"


async def stored_bytes(store: SqlStore, key: ObjectKey) -> tuple[bytes, dict[str, bytes | None]]:
    found = await store.get(key)
    assert found is not None
    return found.canonical, found.rendered


@pytest.mark.parametrize(("version", "location"), examples())
async def test_a_status_patch_stores_what_rendering_every_version_gives(
    version: str, location: dict[str, Any], tmp_path: Path
) -> None:
    owner = (location.get("country_code", "BE"), location.get("party_id", "BEC"))  # 2.1.1: the URL's
    key = ObjectKey.of("locations", *owner, location["id"])
    repositories: dict[str, tuple[Repository, ObjectType]] = {}
    for name, object_type in (("alike", LOCATION), ("rendered", EVERY_RENDERING)):
        store = await SqlStore.open(f"sqlite:///{tmp_path / name}.db")
        repositories[name] = (Repository(store), object_type)
        await repositories[name][0].put(object_type, version, location, owner=owner)

    evses = [evse["uid"] for evse in location.get("evses") or []]
    writes: list[tuple[str, tuple[str, ...], dict[str, Any]]] = []
    for second, uid in enumerate(evses):
        for offset, writer in enumerate(WRITERS):
            status = ("CHARGING", "BLOCKED", "OUTOFORDER")[offset]
            writes.append((writer, (uid,), {"status": status, "last_updated": stamp(second * 4 + offset)}))
    if evses:
        uid = evses[0]
        connector = location["evses"][0]["connectors"][0]["id"]
        writes += [
            (WRITERS[-1], (uid,), {"status": "AVAILABLE", "last_updated": "2000-01-01T00:00:00Z"}),  # older: stale
            (WRITERS[-1], (uid,), {"status": "RESERVED", "last_updated": "2031-01-01T01:00:00.250+01:00"}),
            (WRITERS[0], (uid, connector), {"last_updated": stamp(59)}),
        ]
    try:
        for writer, path, change in writes:
            outcomes: list[PutOutcome | str] = []
            for repository, object_type in repositories.values():
                try:
                    result = await repository.patch(
                        object_type, writer, change, owner=owner, object_id=key.object_id, path=path
                    )
                    outcomes.append(result.outcome)
                except NotFound as error:  # an EVSE the writer's version leaves out
                    outcomes.append(str(error))
            assert outcomes[0] == outcomes[1], (writer, path, change)
            alike, rendered = [await stored_bytes(r.store, key) for r, _ in repositories.values()]
            assert alike == rendered, (writer, path, change)
        if evses:
            assert outcomes[0] is PutOutcome.UPDATED
    finally:
        for repository, _ in repositories.values():
            await repository.store.close()


@pytest.mark.parametrize("writer", ["2.1.1", "2.2.1"])
async def test_a_status_patch_in_an_older_version_keeps_an_evse_it_cannot_express(writer: str, store: SqlStore) -> None:
    repository = Repository(store)
    await repository.put(LOCATION, "2.3.0", with_mcs_evse(), owner=("BE", "BEC"))
    change = {"status": "CHARGING", "last_updated": stamp(1)}
    await repository.patch(LOCATION, writer, change, owner=("BE", "BEC"), object_id="LOC1", path=("3256",))
    found = await store.get(ObjectKey.of("locations", "BE", "BEC", "LOC1"))
    assert found is not None
    evses = orjson.loads(found.canonical)["evses"]
    assert [(evse["uid"], evse["status"]) for evse in evses] == [
        ("3256", "CHARGING"),
        ("3257", "RESERVED"),
        ("MCS1", "AVAILABLE"),
    ]


class CountedConverter:
    """The Locations converter, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def to_canonical(self, obj: Any, version: str, context: ConversionContext | None = None) -> Converted[Any]:
        self.calls += 1
        return convert.to_canonical(obj, version, context)

    def from_canonical(self, obj: Any, version: str, context: ConversionContext | None = None) -> Converted[Any]:
        self.calls += 1
        return convert.from_canonical(obj, version, context)


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
async def test_a_status_patch_converts_and_renders_nothing(version: str, store: SqlStore) -> None:
    converter = CountedConverter()
    location_type = replace(LOCATION, converter=converter)
    repository = Repository(store)
    location = orjson.loads((SPEC_DIR / "2.2.1" / "examples" / "location_example.json").read_bytes())
    await repository.put(location_type, "2.2.1", location, owner=("BE", "BEC"))
    converter.calls = 0
    change = {"status": "CHARGING", "last_updated": stamp(1)}
    result = await repository.patch(
        location_type, version, change, owner=("BE", "BEC"), object_id="LOC1", path=("3256",)
    )
    assert (result.outcome, converter.calls) == (PutOutcome.UPDATED, 0)
    found = await store.get(ObjectKey.of("locations", "BE", "BEC", "LOC1"))
    assert found is not None
    for rendering in [found.canonical, *found.rendered.values()]:
        assert rendering is not None
        document = orjson.loads(rendering)
        assert (document["last_updated"], document["evses"][0]["status"]) == (stamp(1), "CHARGING")
    # What the version's EVSE refuses is refused naming the field, as a PATCH that is rendered again is.
    for refused, message in (
        ({"status": "DANCING"}, "invalid EVSE: status: Input should be 'AVAILABLE'"),
        ({"last_updated": "yesterday"}, "invalid EVSE: last_updated: Input should be a valid"),
    ):
        with pytest.raises(InvalidParameters, match=re.escape(message)):
            change = {"status": "CHARGING", "last_updated": stamp(3)} | refused
            await repository.patch(
                location_type, version, change, owner=("BE", "BEC"), object_id="LOC1", path=("3256",)
            )
    # A change beyond those fields is converted and rendered as ever.
    change = {"status": "AVAILABLE", "floor_level": "-1", "last_updated": stamp(2)}
    await repository.patch(location_type, version, change, owner=("BE", "BEC"), object_id="LOC1", path=("3256",))
    assert converter.calls > 0
