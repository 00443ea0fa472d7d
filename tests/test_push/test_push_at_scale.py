"""Push at scale: the cost of a write does not grow with the number of partners, and several workers over
one PostgreSQL never work the same partner at once."""

from __future__ import annotations

import asyncio
import copy
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from ocpi.core.data_types import format_datetime
from ocpi.core.enums import RoleEnum
from ocpi.node.config import NodeConfig, OwnParty
from ocpi.node.handshake import register
from ocpi.node.node import Node
from ocpi.push import PushWorker
from ocpi.storage.base import ObjectKey, PartyRole, TokenKind
from ocpi.storage.push import PushLedger
from ocpi.storage.sql import SqlStore, metadata
from tests.conftest import POSTGRES_URL, open_clean_store
from tests.nodes import serve_node
from tests.test_e2e.test_sync import CPO, example


async def _rows(store: SqlStore) -> dict[str, int]:
    async with store.engine.connect() as conn:
        return {
            table.name: (await conn.execute(sa.select(sa.func.count()).select_from(table))).scalar_one()
            for table in metadata.sorted_tables
        }


async def _rows_added_by_one_write(store: SqlStore, partners: int, index: int) -> dict[str, int]:
    node = Node(NodeConfig(parties=[CPO]), store)
    for number in range(partners):
        party = await store.create_party(f"p{index}-{number}", [PartyRole("EMSP", "DE", f"{index}{number:02d}")])
        await store.update_party(party.pk, state="registered")
        await PushLedger(store).cursor(party.pk)
    before = await _rows(store)
    location = {**example("location_example.json"), "id": f"SCALE{index}"}
    await node.locations.put(location, version="2.2.1")
    after = await _rows(store)
    return {name: after[name] - before[name] for name in after if after[name] != before[name]}


async def test_a_write_costs_the_same_rows_with_50_partners_as_with_one(store: SqlStore) -> None:
    with_one = await _rows_added_by_one_write(store, 1, 1)
    with_fifty = await _rows_added_by_one_write(store, 50, 2)
    assert with_one == with_fifty == {"ocpi_objects": 1, "ocpi_changes": 1}


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="OCPI_TEST_POSTGRES_URL is not set")
async def test_two_workers_deliver_1000_changes_to_three_partners(tmp_path: Path) -> None:
    assert POSTGRES_URL
    await (await open_clean_store(POSTGRES_URL)).close()
    receivers = [OwnParty(RoleEnum.EMSP, "DE", f"E{n}{n}", name=f"eMSP {n}") for n in range(3)]
    async with (
        serve_node(POSTGRES_URL, [CPO], push=False) as cpo,
        serve_node(tmp_path / "e0.db", [receivers[0]], push=False) as e0,
        serve_node(tmp_path / "e1.db", [receivers[1]], push=False) as e1,
        serve_node(tmp_path / "e2.db", [receivers[2]], push=False) as e2,
    ):
        for receiver in (e0, e1, e2):
            token_a = await cpo.store.issue_token(TokenKind.A)
            await register(receiver.node, f"{cpo.base_url}/ocpi/cpo/versions", token_a)
        second_store = await SqlStore.open(POSTGRES_URL)
        second = Node(cpo.node.config, second_store)
        workers = [PushWorker(cpo.node, batch=200), PushWorker(second, batch=200)]

        in_flight: Counter[tuple[int, int]] = Counter()
        overlaps: list[int] = []

        def instrument(worker: PushWorker, me: int) -> None:
            deliver = worker._deliver

            async def watched(party: Any, *args: Any) -> int:
                in_flight[(me, party.pk)] += 1
                if in_flight[(1 - me, party.pk)] > 0:
                    overlaps.append(party.pk)
                try:
                    return await deliver(party, *args)
                finally:
                    in_flight[(me, party.pk)] -= 1

            worker._deliver = watched  # type: ignore[method-assign]

        for me, worker in enumerate(workers):
            instrument(worker, me)

        template = example("location_example.json")
        stamp = datetime.now(UTC)
        for change in range(1000):
            location = copy.deepcopy(template)
            location["id"] = f"LOC{change % 100:03d}"
            location["name"] = f"version {change // 100}"
            location["last_updated"] = format_datetime(stamp + timedelta(milliseconds=change))
            await cpo.node.repository.put(cpo.node.locations.object_type, "2.2.1", location, owner=("BE", "BEC"))

        for _ in range(20):
            await asyncio.gather(*(worker.run_once() for worker in workers))
            states = [await workers[0].ledger.state(p.pk) for p in await cpo.store.list_parties()]
            if all(s.lag == 0 and not s.failing for s in states):
                break
        await second_store.close()

        assert overlaps == [], "two workers sent to the same partner at once"
        for receiver in (e0, e1, e2):
            for index in range(100):
                found = await receiver.store.get(ObjectKey.of("locations", "BE", "BEC", f"LOC{index:03d}"))
                assert found is not None
                assert b'"name":"version 9"' in (found.rendered["2.2.1"] or b"")
