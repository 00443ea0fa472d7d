"""Sessions and CDRs reach only the partner whose customer charged: the party that owns the token they carry
(`cdr_token`; 2.1.1: the issuer named by the eMA-ID prefix of `auth_id`), in lists and in push, unless the node
is set to broadcast them (`broadcast_sessions_and_cdrs`). The spec allows a CPO exactly that: "it is allowed to
only send CDRs to the eMSP that a CDR is relevant to" (mod_cdrs, 2.2.1). Before (issue 20, item 4), every
registered eMSP listed, and was pushed, every other eMSP's customers' Sessions and CDRs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from ocpi.core.enums import RoleEnum
from ocpi.node.config import OwnParty
from ocpi.node.handshake import register
from ocpi.storage.base import ListQuery, ObjectKey, TokenKind
from ocpi.storage.direct_sql import numbered, page_statement
from ocpi.storage.push import PushLedger
from ocpi.storage.sql import SqlStore
from tests.conftest import Partner, PartnerFactory, node_app
from tests.nodes import RunningNode, eventually, serve_node
from tests.test_hostile.support import envelope_of
from tests.test_server import samples

AAA, BBB = ("DE", "AAA"), ("DE", "BBB")
OURS = ("NL", "CPO")
# What the node's CPO writes: sessions and CDRs of two eMSPs' customers, one session written in 2.1.1.
CHARGES = {
    "session": [("SA1", "2.2.1", AAA), ("SA2", "2.1.1", AAA), ("SA3", "2.3.0", AAA), ("SB1", "2.2.1", BBB)],
    "cdr": [("CA1", "2.2.1", AAA), ("CA2", "2.3.0", AAA), ("CB1", "2.2.1", BBB), ("CB2", "2.1.1", BBB)],
}
MODULES = {"session": "sessions", "cdr": "cdrs"}


def whose(kind: str, owner: tuple[str, str]) -> set[str]:
    return {object_id for object_id, _, token_owner in CHARGES[kind] if token_owner == owner}


async def write_charges(node: Any) -> None:
    for kind, charges in CHARGES.items():
        for object_id, version, token_owner in charges:
            charge = samples.sample(kind, version, object_id, OURS, token_owner=token_owner)
            await node.own(MODULES[kind]).put(charge, version=version)


async def listed(client: httpx.AsyncClient, partner: Partner, module: str, version: str) -> tuple[list[str], int]:
    """Every id of a list, a page of one at a time through `Link`, and the first page's X-Total-Count."""
    url: str | None = f"/ocpi/cpo/{version}/{module}?limit=1&date_from=2000-01-01T00:00:00Z"
    ids, total = [], None
    while url:
        response = await client.get(url, headers=partner.headers(version))
        document = envelope_of(response.status_code, response.content)
        assert response.status_code == 200, document
        ids += [item["id"] for item in document["data"]]
        total = int(response.headers["X-Total-Count"]) if total is None else total
        link = response.headers.get("Link")
        url = link.split(">")[0].lstrip("<").removeprefix("http://testserver") if link else None
    assert total is not None
    return ids, total


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
async def test_each_emsp_lists_only_its_customers_sessions_and_cdrs(
    client: httpx.AsyncClient, make_partner: PartnerFactory, version: str
) -> None:
    """Page by page (keyset `Link`s), with the right X-Total-Count, through the read lane, on every backend."""
    partners = {AAA: await make_partner("EMSP", *AAA), BBB: await make_partner("EMSP", *BBB)}
    await write_charges(client.app.state.node)  # type: ignore[attr-defined]
    for owner, partner in partners.items():
        for kind, module in MODULES.items():
            ids, total = await listed(client, partner, module, version)
            assert (sorted(ids), total) == (sorted(whose(kind, owner)), len(whose(kind, owner))), (owner, kind)


async def test_a_node_set_to_broadcast_lists_every_session_and_cdr_to_every_emsp(
    store: SqlStore, make_partner: PartnerFactory
) -> None:
    app = node_app(store, broadcast_sessions_and_cdrs=True)
    partner = await make_partner("EMSP", *AAA)
    await write_charges(app.state.node)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        for kind, module in MODULES.items():
            everyone = {object_id for object_id, _, _ in CHARGES[kind]}
            ids, total = await listed(client, partner, module, "2.2.1")
            assert (set(ids), total) == (everyone, len(everyone))


async def test_an_emsp_cannot_set_charging_preferences_of_another_emsps_session(
    client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    """Answered as for a session that does not exist (the spec's 404 with 2001): its existence stays private."""
    partner = await make_partner("EMSP", *AAA)
    await write_charges(client.app.state.node)  # type: ignore[attr-defined]
    for session_id, because in (("SB1", "Session SB1 not found"), ("SA1", "does not accept charging preferences")):
        response = await client.put(
            f"/ocpi/cpo/2.2.1/sessions/{session_id}/charging_preferences",
            json={"profile_type": "GREEN"},
            headers=partner.headers("2.2.1"),
        )
        document = envelope_of(response.status_code, response.content)
        assert (response.status_code, document["status_code"]) == (404, 2001), document
        assert because in document["status_message"]


async def test_the_audience_index_serves_a_partners_page_without_reading_the_others(store: SqlStore) -> None:
    """The page of one eMSP's sessions is read from its own range of an index, whatever the others hold: the
    plan names the audience index (SQLite's and PostgreSQL's planners, on the statements the readers run)."""
    query = ListQuery("sessions", "2.2.1", [OURS], limit=50, audiences=["DE/AAA"])
    sql, params = page_statement(query, "json_2_2_1", 2)
    async with store.engine.connect() as conn:
        if store.engine.dialect.name == "sqlite":
            raw = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", tuple(params))
            plan = " ".join(str(row[-1]) for row in raw.all())
        else:
            await conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a small table: judge what the plan can use
            raw = await conn.exec_driver_sql(f"EXPLAIN {numbered(sql)}", tuple(params))
            plan = " ".join(str(row[0]) for row in raw.all())
    assert "ix_ocpi_objects_audience" in plan, plan


# --- push, between real nodes -------------------------------------------------------------------------------

CPO = OwnParty(RoleEnum.CPO, "NL", "CPO", name="CPO node")


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1"])
async def test_each_emsp_is_pushed_only_its_customers_sessions_and_cdrs(tmp_path: Path, version: str) -> None:
    emsps = {owner: OwnParty(RoleEnum.EMSP, *owner, name=f"eMSP {owner[1]}") for owner in (AAA, BBB)}
    async with (
        serve_node(tmp_path / "cpo.db", [CPO], versions=(version,), push_interval=0.1) as cpo,
        serve_node(tmp_path / "a.db", [emsps[AAA]], versions=(version,)) as emsp_a,
        serve_node(tmp_path / "b.db", [emsps[BBB]], versions=(version,)) as emsp_b,
    ):
        nodes = {AAA: emsp_a, BBB: emsp_b}
        for emsp in nodes.values():
            await register(emsp.node, cpo.role_versions_url("cpo"), await cpo.store.issue_token(TokenKind.A))
        await write_charges(cpo.node)
        ledger = PushLedger(cpo.store)

        async def everything_sent() -> bool:
            states = [await ledger.state(p.pk) for p in await cpo.store.list_parties()]
            return all(state.lag == 0 and not state.failing for state in states)

        await eventually(everything_sent, "the change log delivered to both eMSPs")
        for owner, emsp in nodes.items():
            for kind, module in MODULES.items():
                assert await received(emsp, module) == whose(kind, owner), (owner, kind)


async def received(emsp: RunningNode, module: str) -> set[str]:
    found = set()
    for object_id, _, _ in CHARGES["session" if module == "sessions" else "cdr"]:
        if await emsp.store.get(ObjectKey.of(module, *OURS, object_id)) is not None:
            found.add(object_id)
    return found
