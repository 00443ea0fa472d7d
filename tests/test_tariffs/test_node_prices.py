"""A CPO node with `fill_total_cost` prices its own Sessions and CDRs against the tariff that applies."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import orjson

from ocpi.core.enums import RoleEnum
from ocpi.node.config import NodeConfig, OwnParty
from ocpi.node.node import Node
from ocpi.storage.sql import SqlStore
from tests.spec import SPEC_DIR

CPO = OwnParty(RoleEnum.CPO, "BE", "BEC")


def example(name: str) -> dict[str, Any]:
    document = orjson.loads((SPEC_DIR / "2.2.1" / "examples" / name).read_bytes())
    assert isinstance(document, dict)
    return document


async def test_a_cdr_gets_the_total_cost_of_its_embedded_tariff(sqlite_store: SqlStore) -> None:
    node = Node(NodeConfig(parties=[CPO], fill_total_cost=True), sqlite_store)
    cdr = example("cdr_example.json")
    cdr["total_cost"] = {"excl_vat": 999, "incl_vat": 999}  # wrong on purpose: the node computes it
    await node.cdrs.put(cdr, version="2.2.1")
    stored = await node.cdrs.get("12345", version="2.2.1")
    # 1.973 h of TIME at 2.00/h, billed per 300 s: 2 h -> 4.00 excl., 4.40 incl. 10% VAT (as the example says)
    assert stored["total_cost"] == {"excl_vat": 4, "incl_vat": 4.4}
    assert stored["total_time_cost"] == {"excl_vat": 4, "incl_vat": 4.4}


async def test_a_session_is_priced_with_its_connectors_tariff(sqlite_store: SqlStore) -> None:
    node = Node(NodeConfig(parties=[CPO], fill_total_cost=True), sqlite_store)
    location = example("location_example.json")
    location["evses"][0]["connectors"][0]["tariff_ids"] = ["16"]
    await node.locations.put(location, version="2.2.1")
    tariff = {**example("tariff_8_simple_025kwh.json"), "country_code": "BE", "party_id": "BEC"}
    await node.tariffs.put(tariff, version="2.2.1")
    session = copy.deepcopy(example("session_example_2_short_finished.json"))
    session["charging_periods"] = [
        {"start_date_time": session["start_date_time"], "dimensions": [{"type": "ENERGY", "volume": 20}]}
    ]
    session["kwh"] = 20
    await node.sessions.put(session, version="2.2.1")
    stored = await node.sessions.get("101", version="2.3.0")
    # 20 kWh at 0.25 EUR/kWh, 10% VAT: tariff_8's worked example, 5.00 excl. / 5.50 incl.
    assert Decimal(str(stored["total_cost"]["before_taxes"])) == Decimal("5.00")
    assert sum(Decimal(str(t["amount"])) for t in stored["total_cost"]["taxes"]) == Decimal("0.50")


async def test_without_a_tariff_the_given_total_cost_stays(sqlite_store: SqlStore) -> None:
    node = Node(NodeConfig(parties=[CPO], fill_total_cost=True), sqlite_store)
    session = {**example("session_example_1_simple_start.json"), "country_code": "BE", "party_id": "BEC"}
    await node.sessions.put(session, version="2.2.1")
    stored = await node.sessions.get(session["id"], version="2.2.1")
    assert stored.get("total_cost") == session.get("total_cost")
