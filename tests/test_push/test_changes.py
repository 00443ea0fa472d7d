"""What a write changed (its scope) and the request that carries it (issue 24): the smallest correct one, taken from
the current state, or the whole object whenever a smaller one would not leave the partner where we are."""

from __future__ import annotations

import copy
from typing import Any

import orjson

from ocpi.modules.locations.interfaces import LOCATION
from ocpi.modules.sessions.interfaces import SESSION
from ocpi.storage.changes import Part, describe, part_in, request_for, unite
from tests.test_e2e.test_sync import example

LATER = "2030-01-01T00:00:00Z"


def location() -> dict[str, Any]:
    return example("location_example.json")


def scope(before: dict[str, Any], after: dict[str, Any], version: str = "2.2.1", object_type: Any = LOCATION) -> Any:
    found = describe(object_type, {version: orjson.dumps(before)}, {version: orjson.dumps(after)})
    return None if found is None else part_in(found, version)


def stamped(document: dict[str, Any], *path: int) -> dict[str, Any]:
    """`document` with `last_updated` LATER on the object and on the EVSE / connector at `path` (indexes)."""
    document["last_updated"] = LATER
    node = document
    for depth, index in enumerate(path):
        node = node["evses" if depth == 0 else "connectors"][index]
        node["last_updated"] = LATER
    return document


def test_an_evse_status_change_is_a_patch_of_that_evse() -> None:
    before = location()
    after = stamped(copy.deepcopy(before), 0)
    after["evses"][0]["status"] = "CHARGING"
    part = scope(before, after)
    assert part == Part(("3256",), {"status": None})
    request = request_for(LOCATION, "2.2.1", orjson.dumps(after), part)
    assert (request.method, request.path) == ("PATCH", ("3256",))
    assert orjson.loads(request.body) == {"status": "CHARGING", "last_updated": LATER}


def test_a_connector_change_is_a_patch_of_that_connector() -> None:
    before = location()
    after = stamped(copy.deepcopy(before), 0, 1)
    after["evses"][0]["connectors"][1]["max_voltage"] = 400
    part = scope(before, after)
    assert part == Part(("3256", "2"), {"max_voltage": None})
    request = request_for(LOCATION, "2.2.1", orjson.dumps(after), part)
    assert orjson.loads(request.body) == {"max_voltage": 400, "last_updated": LATER}


def test_a_changed_address_is_a_patch_of_the_location() -> None:
    before = location()
    after = stamped(copy.deepcopy(before))
    after["address"] = "Grote Markt 1"
    request = request_for(LOCATION, "2.1.1", orjson.dumps(after), scope(before, after, "2.1.1"))
    assert (request.method, request.path) == ("PATCH", ())
    assert orjson.loads(request.body) == {"address": "Grote Markt 1", "last_updated": LATER}


def test_a_new_evse_is_a_put_of_that_evse() -> None:
    before = location()
    after = stamped(copy.deepcopy(before))
    added = stamped(copy.deepcopy(before))["evses"][1] | {"uid": "NEW1", "last_updated": LATER}
    after["evses"].append(added)
    part = scope(before, after)
    assert part == Part(("NEW1",), None)
    request = request_for(LOCATION, "2.2.1", orjson.dumps(after), part)
    assert (request.method, request.path, orjson.loads(request.body)) == ("PUT", ("NEW1",), added)


def test_what_only_a_put_carries_is_the_whole_object() -> None:
    before = location()
    two = stamped(copy.deepcopy(before), 0, 1)
    two["evses"][0]["status"] = two["evses"][1]["status"] = "CHARGING"
    removed = stamped(copy.deepcopy(before))
    del removed["parking_type"]
    reordered = stamped(copy.deepcopy(before))
    reordered["evses"].reverse()
    evse_and_name = stamped(copy.deepcopy(before), 0)
    evse_and_name["evses"][0]["status"], evse_and_name["name"] = "CHARGING", "elsewhere"
    # The writer stamped the Location later than the EVSE: a receiver given the EVSE alone would not.
    unfollowed = stamped(copy.deepcopy(before), 0)
    unfollowed["evses"][0]["status"], unfollowed["evses"][0]["last_updated"] = "CHARGING", "2029-01-01T00:00:00Z"
    for after in (two, removed, reordered, evse_and_name, unfollowed):
        assert scope(before, after) is None
        assert request_for(LOCATION, "2.2.1", orjson.dumps(after), None).method == "PUT"
    assert describe(LOCATION, None, {"2.2.1": orjson.dumps(before)}) is None  # a new object


def test_changes_since_the_cursor_are_united() -> None:
    status = Part(("3256",), {"status": None})
    floor = Part(("3256",), {"floor_level": None})
    assert unite([status, status, floor]) == Part(("3256",), {"status": None, "floor_level": None})
    assert unite([status, Part(("3256", "1"), {"max_voltage": None})]) == Part(("3256",), None)  # PUT of the EVSE
    assert unite([status, Part(("3257",), {"status": None})]) is None
    assert unite([status, Part((), {"name": None})]) is None
    assert unite([status, None]) is None
    # A write that changed nothing (the same status again) does not widen the request...
    assert unite([status, Part((), {}), status]) == status
    # ... but a child's request is sent alone only when the object's last_updated is the child's.
    after = stamped(location(), 0)
    after["evses"][0]["last_updated"] = "2029-01-01T00:00:00Z"
    assert request_for(LOCATION, "2.2.1", orjson.dumps(after), status).method == "PUT"


def test_session_charging_periods_are_appended_from_where_the_partner_is() -> None:
    before = example("session_example_2_short_finished.json") | {"status": "ACTIVE"}
    period = {"start_date_time": "2030-01-01T00:00:00Z", "dimensions": [{"type": "ENERGY", "volume": 1}]}
    after = copy.deepcopy(before) | {"kwh": 16, "last_updated": LATER}
    after["charging_periods"] = before["charging_periods"] + [period]
    part = scope(before, after, "2.2.1", SESSION)
    assert part == Part((), {"kwh": None, "charging_periods": len(before["charging_periods"])})
    later = copy.deepcopy(after) | {"charging_periods": after["charging_periods"] + [period]}
    united = unite([part, scope(after, later, "2.2.1", SESSION)])
    request = request_for(SESSION, "2.2.1", orjson.dumps(later), united)
    assert request.method == "PATCH"
    assert orjson.loads(request.body) == {"kwh": 16, "charging_periods": [period, period], "last_updated": LATER}
    # Replaced periods, or any change of them in 2.1.1 (which does not say a PATCH appends them): a PUT.
    replaced = copy.deepcopy(after) | {"charging_periods": [period]}
    assert scope(before, replaced, "2.2.1", SESSION) is None
    assert scope(before, after, "2.1.1", SESSION) is None
    only_kwh = copy.deepcopy(before) | {"kwh": 16, "last_updated": LATER}
    assert scope(before, only_kwh, "2.1.1", SESSION) == Part((), {"kwh": None})


def test_scopes_differ_per_version_where_the_renderings_do() -> None:
    before, after = location(), stamped(location(), 0)
    after["evses"][0]["status"] = "CHARGING"
    same = describe(LOCATION, {"2.2.1": orjson.dumps(before)}, {"2.2.1": orjson.dumps(after), "2.3.0": None})
    assert same == b'{"*":[["3256"],{"status":null}]}'
    newer = describe(LOCATION, {"2.2.1": orjson.dumps(before)}, {"2.2.1": orjson.dumps(after), "2.3.0": b"{}"})
    assert newer is not None
    assert part_in(newer, "2.2.1") == Part(("3256",), {"status": None}) and part_in(newer, "2.3.0") is None
