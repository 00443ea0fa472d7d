"""After a partner was unreachable, the node resyncs by itself from the last good sync minus an overlap."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ocpi.core.data_types import format_datetime
from ocpi.node.handshake import register
from ocpi.push.pull import Resyncer
from ocpi.storage.base import ObjectKey, TokenKind
from tests.nodes import OWN_DATA, own_data, serve_node
from tests.test_e2e.test_sync import CPO, EMSP, example


@pytest.mark.parametrize("data", OWN_DATA)
@pytest.mark.parametrize("version", ["2.1.1", "2.3.0"])
async def test_resync_after_an_outage_pulls_only_what_changed(tmp_path: Path, version: str, data: str) -> None:
    cpo_db, cpo_data = tmp_path / "cpo.db", own_data(data)
    template = example("location_example.json")

    async def put_location(node: object, object_id: str, last_updated: str) -> None:
        location = copy.deepcopy(template)
        location["id"], location["last_updated"] = object_id, last_updated
        await node.locations.put(location, version="2.2.1")  # type: ignore[attr-defined]

    async with serve_node(tmp_path / "emsp.db", [EMSP], versions=(version,), push=False, **own_data(data)) as emsp:
        async with serve_node(cpo_db, [CPO], versions=(version,), push=False, **cpo_data) as cpo:
            token_a = await cpo.store.issue_token(TokenKind.A)
            await register(emsp.node, f"{cpo.base_url}/ocpi/cpo/versions", token_a)
            port = int(cpo.base_url.rsplit(":", 1)[1])
            for index in range(3):
                await put_location(cpo.node, f"OLD{index}", "2019-01-01T00:00:00Z")
            resyncer = Resyncer(emsp.node, interval=3600, retry=0.01)
            await resyncer.run_once()
            [cpo_as_partner] = await emsp.store.list_parties()
            [first] = resyncer.last_reports[cpo_as_partner.pk][:1]
            assert (first.module, first.received, first.stored) == ("locations", 3, 3)
            new_stamp = format_datetime(datetime.now(UTC))
            await put_location(cpo.node, "NEW0", new_stamp)
        # the CPO is down: the resync fails and is retried soon, not in an hour
        await resyncer.run_once()
        assert resyncer.failures == {cpo_as_partner.pk: 1}
        assert resyncer.next_delay() < 1
        assert "Connection refused" in resyncer.last_error[cpo_as_partner.pk]
        async with serve_node(cpo_db, [CPO], versions=(version,), push=False, port=port, **cpo_data):
            await resyncer.run_once()
        assert resyncer.failures == {} and resyncer.next_delay() == 3600
        [again] = resyncer.last_reports[cpo_as_partner.pk][:1]
        assert (again.received, again.stored) == (1, 1), "the resync starts from the last good sync"
        assert await emsp.objects.get(ObjectKey.of("locations", "BE", "BEC", "NEW0")) is not None
