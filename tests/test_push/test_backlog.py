"""A partner's backlog is sent once per object (issue 27): N changes over M objects cost at most M requests,
each carrying the object's latest state, however the backlog falls into the batches the worker reads. Before,
the backlog was collapsed per batch of 500 changes, and 2,000 EVSE status changes over 200 Locations cost 800
full PUTs. Each of those requests is the PATCH of the EVSE whose status changed (issue 24), not a PUT of its
Location."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from ocpi.core.data_types import format_datetime
from ocpi.node.config import NodeConfig
from ocpi.node.node import Node
from ocpi.push import PushWorker
from ocpi.storage.sql import SqlStore
from tests.nodes import serve_app
from tests.test_e2e.test_sync import CPO, example
from tests.test_hostile.support import FakePartner
from tests.test_hostile.test_outbound_limits import register_receiver

LOCATIONS = 60
CHANGES_EACH = 10
STATUSES = ("AVAILABLE", "CHARGING", "BLOCKED", "OUTOFORDER", "RESERVED")


@pytest.mark.parametrize("batch", [500, 7])
async def test_n_changes_over_m_objects_cost_m_requests(store: SqlStore, batch: int) -> None:
    node = Node(NodeConfig(parties=[CPO], allow_private_urls=True), store)
    template = example("location_example.json")
    stamp = datetime(2030, 1, 1, tzinfo=UTC)
    for index in range(LOCATIONS):  # before the partner registers: not part of its backlog
        await node.locations.put({**copy.deepcopy(template), "id": f"LOC{index:02d}"}, version="2.2.1")
    receiver = FakePartner("ok")
    async with serve_app(receiver) as receiver_url:
        await register_receiver(store, "eMSP", f"{receiver_url}/locations")
        # 600 EVSE status changes, the Locations taking turns, so that each one's changes spread over the log.
        for change in range(LOCATIONS * CHANGES_EACH):
            stamp += timedelta(seconds=1)
            status = {"status": STATUSES[change // LOCATIONS % len(STATUSES)], "last_updated": format_datetime(stamp)}
            await node.locations.patch(f"LOC{change % LOCATIONS:02d}", status, version="2.2.1", path=("3256",))
        delivered = await PushWorker(node, batch=batch).run_once()
    assert receiver.requests == delivered == LOCATIONS
    final = STATUSES[(CHANGES_EACH - 1) % len(STATUSES)]
    for index in range(LOCATIONS):
        evse = f"/locations/BE/BEC/LOC{index:02d}/3256"
        assert receiver.methods == {evse: "PATCH" for evse in receiver.methods} and evse in receiver.methods
        body = orjson.loads(receiver.received[evse])
        assert body == {"status": final, "last_updated": body["last_updated"]}, index
        last = datetime(2030, 1, 1, tzinfo=UTC) + timedelta(seconds=LOCATIONS * (CHANGES_EACH - 1) + index + 1)
        assert body["last_updated"] == format_datetime(last), index
