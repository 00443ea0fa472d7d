"""A hub's directory on every store backend: each party connecting is pushed to the others and owed the directory
as it stands (its own ClientInfo excepted), each change of status reaches every other party, and nothing is left
in a party's retry set once it was sent what it is owed."""

from __future__ import annotations

import orjson
import pytest

from ocpi.core.enums import RoleEnum
from ocpi.core.errors import NotFound
from ocpi.node.config import NodeConfig, OwnParty
from ocpi.node.hub import CONNECTED, OFFLINE, PENDING_RESULTS_PER_REQUESTER, Callback, relay_result
from ocpi.node.node import Node
from ocpi.push import PushWorker
from ocpi.storage.base import Party, PartyRole
from ocpi.storage.push import PushLedger
from ocpi.storage.sql import SqlStore
from tests.nodes import serve_app
from tests.test_hostile.support import FakePartner


async def member(store: SqlStore, role: str, cc: str, pid: str, url: str) -> Party:
    """A party registered with the hub (as the handshake leaves it), with a Hub Client Info receiver at `url`."""
    party = await store.create_party(
        f"{cc}/{pid}",
        [PartyRole(role, cc, pid)],
        state="registered",
        version="2.2.1",
        outbound_token=f"token-of-{pid}",
        endpoints=[{"identifier": "hubclientinfo", "url": url, "role": "RECEIVER"}],
    )
    await PushLedger(store).cursor(party.pk)
    return party


def statuses(receiver: FakePartner) -> dict[str, str]:
    return {path: orjson.loads(body)["status"] for path, body in receiver.received.items()}


async def test_the_directory_reaches_every_party_and_leaves_nothing_due(store: SqlStore) -> None:
    hub = Node(NodeConfig(parties=[OwnParty(RoleEnum.HUB, "NL", "HUB")], allow_private_urls=True), store)
    assert hub.hub is not None
    first, second = FakePartner("ok"), FakePartner("ok")
    async with serve_app(first) as first_url, serve_app(second) as second_url:
        cpo = await member(store, "CPO", "BE", "CPO", f"{first_url}/hubclientinfo")
        await hub.hub.connected(cpo)
        assert await PushWorker(hub).run_once() == 0  # nothing to tell it of yet (its own ClientInfo is not sent)
        emsp = await member(store, "EMSP", "DE", "EMS", f"{second_url}/hubclientinfo")
        await hub.hub.connected(emsp)
        assert await PushWorker(hub).run_once() == 2
        assert statuses(first) == {"/hubclientinfo/DE/EMS": "CONNECTED"}
        assert statuses(second) == {"/hubclientinfo/BE/CPO": "CONNECTED"}  # owed: it was there before

        await hub.hub.suspended(emsp)
        await store.update_party(emsp.pk, state="unregistered")
        assert await PushWorker(hub).run_once() == 1
        assert statuses(first) == {"/hubclientinfo/DE/EMS": "SUSPENDED"}
        ledger = PushLedger(store)
        for party in (cpo, emsp):
            assert (await ledger.state(party.pk)).failing == []
        assert await hub.hub.status("DE", "EMS") == "SUSPENDED"
        assert await hub.hub.reachable() == [(PartyRole("CPO", "BE", "CPO"), "BE/CPO")]


async def test_a_requester_awaits_at_most_so_many_results_through_the_hub(store: SqlStore) -> None:
    """Results that never come cannot grow the hub's memory: beyond `PENDING_RESULTS_PER_REQUESTER` pending for
    one requester its oldest is forgotten (a late result for it is refused like an unknown one); other
    requesters' pending results stay."""
    hub = Node(NodeConfig(parties=[OwnParty(RoleEnum.HUB, "NL", "HUB")], allow_private_urls=True), store)
    assert hub.hub is not None
    cpo = await member(store, "CPO", "BE", "CPO", "http://127.0.0.1:9/hubclientinfo")
    flooding = await member(store, "EMSP", "DE", "EMS", "http://127.0.0.1:9/hubclientinfo")
    quiet = await member(store, "EMSP", "DE", "QUI", "http://127.0.0.1:9/hubclientinfo")

    def callback(requester: Party) -> Callback:
        return Callback(
            "http://127.0.0.1:9/results",
            requester.pk,
            cpo.pk,
            ("DE", "EMS"),
            ("BE", "CPO"),
            "commands",
            "results",
            ("2.2.1", "2.3.0"),
        )

    await hub.hub.remember("quiet-1", callback(quiet))
    for number in range(PENDING_RESULTS_PER_REQUESTER + 5):
        await hub.hub.remember(f"flood-{number}", callback(flooding))

    awaited = await hub.hub.awaited.references()
    assert len(awaited) == PENDING_RESULTS_PER_REQUESTER + 1
    assert "quiet-1" in awaited and "flood-5" in awaited
    assert not any(f"flood-{number}" in awaited for number in range(5))
    with pytest.raises(NotFound) as refused:
        await relay_result(hub.hub, cpo, "flood-0", b"{}")
    assert refused.value.status_code == 2001
    assert refused.value.message == "no result is expected from you under flood-0"

    # Kept in the database: a hub started again on it (a new Node) still awaits them, as they were.
    again = Node(NodeConfig(parties=[OwnParty(RoleEnum.HUB, "NL", "HUB")], allow_private_urls=True), store)
    assert again.hub is not None
    assert await again.hub.callback("quiet-1") == callback(quiet)
    assert len(await again.hub.awaited.references()) == PENDING_RESULTS_PER_REQUESTER + 1


async def test_nothing_is_queued_for_a_party_that_is_offline(store: SqlStore) -> None:
    """R20 (mod_hub_client_info, "Another Party goes OFFLINE": "No requests can be sent. Do not queue Push
    messages. When the other party comes back online, it is their responsibility to do a GET"): while the hub
    reports a party OFFLINE, what changes is not sent to it nor kept for a retry, and not sent once it is
    CONNECTED again. Before, the hub pushed to it (or retried until it answered)."""
    hub = Node(NodeConfig(parties=[OwnParty(RoleEnum.HUB, "NL", "HUB")], allow_private_urls=True), store)
    assert hub.hub is not None
    first, second, third = FakePartner("ok"), FakePartner("ok"), FakePartner("ok")
    async with serve_app(first) as first_url, serve_app(second) as second_url, serve_app(third) as third_url:
        cpo = await member(store, "CPO", "BE", "CPO", f"{first_url}/hubclientinfo")
        emsp = await member(store, "EMSP", "DE", "EMS", f"{second_url}/hubclientinfo")
        other = await member(store, "EMSP", "FR", "EM2", f"{third_url}/hubclientinfo")
        for party in (cpo, emsp, other):
            await hub.hub.connected(party)
        await PushWorker(hub).run_once()
        for partner in (first, second, third):
            partner.received.clear()

        await hub.hub.record(emsp, OFFLINE)  # as a failed still-alive check leaves it
        await hub.hub.suspended(other)
        await PushWorker(hub).run_once()
        assert statuses(first) == {"/hubclientinfo/DE/EMS": "OFFLINE", "/hubclientinfo/FR/EM2": "SUSPENDED"}
        assert statuses(second) == {}  # the eMSP, up all along, was sent nothing while reported OFFLINE
        state = await PushLedger(store).state(emsp.pk)
        assert (state.lag, state.failing) == (0, [])  # and nothing is kept for it

        await hub.hub.record(emsp, CONNECTED)
        await PushWorker(hub).run_once()
        assert statuses(second) == {}  # back online: it GETs what it missed
        assert statuses(first)["/hubclientinfo/DE/EMS"] == "CONNECTED"
