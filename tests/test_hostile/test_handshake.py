"""A token A lets its holder register once, as the parties it may hold, and nothing more (issue 20, items 1 and 2).

Every test drives the real handshake over HTTP against nodes on 127.0.0.1: a real partner node (tests/nodes.py)
or a partner that answers the discovery (`DiscoveryPartner`). A claim that cannot be granted is refused with
HTTP 200 and 2001 on the Credentials' `roles` (spec, status_codes: 2xxx "the data sent by the client can not be
processed by the server"; credentials: "The combination of country_code and party_id should always be
unique")."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from ocpi.core.enums import RoleEnum
from ocpi.core.errors import OcpiError
from ocpi.core.utils import authorization_header
from ocpi.node.config import OwnParty
from ocpi.node.handshake import register
from ocpi.push.pull import pull
from ocpi.storage.base import ObjectKey, Party, PartyRole, PutOutcome, TokenKind
from ocpi.storage.sql import SqlStore
from ocpi.testing import LocalNode, local_node
from tests.nodes import eventually, serve_app, serve_node
from tests.test_e2e.test_sync import example
from tests.test_hostile.support import DiscoveryPartner, envelope_of
from tests.test_server import samples

VICTIM = [OwnParty(RoleEnum.CPO, "NL", "CPO", name="victim CPO"), OwnParty(RoleEnum.EMSP, "NL", "EMS", name="eMSP")]


def credentials(url: str, *parties: tuple[str, str], role: str = "EMSP", token: str = "token-b") -> dict[str, Any]:
    """A 2.2.1 Credentials object claiming `parties`."""
    roles = [
        {"role": role, "country_code": cc, "party_id": pid, "business_details": {"name": f"{cc}/{pid}"}}
        for cc, pid in parties
    ]
    return {"token": token, "url": url, "roles": roles}


async def post_credentials(node: LocalNode, token: str, body: dict[str, Any], method: str = "POST") -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as http:
        return await http.request(
            method,
            f"{node.base_url}/ocpi/cpo/2.2.1/credentials",
            json=body,
            headers={"Authorization": authorization_header(token, "2.2.1")},
        )


def refused(response: httpx.Response, *words: str) -> None:
    document = envelope_of(response.status_code, response.content)
    assert (response.status_code, document["status_code"]) == (200, 2001), document
    for word in words:
        assert word in document["status_message"], document


def accepted(response: httpx.Response) -> dict[str, Any]:
    document = envelope_of(response.status_code, response.content)
    assert (response.status_code, document["status_code"]) == (200, 1000), document
    data = document["data"]
    assert isinstance(data, dict)
    return data


async def registered(store: SqlStore) -> list[Party]:
    return [p for p in await store.list_parties() if p.state == "registered"]


@asynccontextmanager
async def discovery_partner(*, gated: bool = False) -> AsyncIterator[DiscoveryPartner]:
    partner = DiscoveryPartner(gated=gated)
    async with serve_app(partner) as base_url:
        partner.base_url = base_url
        yield partner


@asynccontextmanager
async def victim_and_partner(tmp_path: Path) -> AsyncIterator[tuple[LocalNode, str]]:
    """The victim node, and the versions URL of a partner that answers its discovery."""
    database = f"sqlite:///{tmp_path / 'victim.db'}"
    async with discovery_partner() as partner, local_node(parties=VICTIM, store=database) as node:
        yield node, partner.base_url + "/versions"


# --- the node's own parties ---------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
async def test_a_token_a_holder_cannot_register_as_the_nodes_own_party(tmp_path: Path, version: str) -> None:
    """The attack of issue 20: a real node registers with a victim's token A as the victim's own CPO party
    (2.1.1: its country_code/party_id, as the eMSP of that connection). Before, it was registered, and its token
    then wrote Locations the victim served and pushed as its own. Now the victim refuses the claim and keeps
    nothing of it; the attacker's own node records the refusal."""
    role = RoleEnum.EMSP if version == "2.1.1" else RoleEnum.CPO
    async with (
        serve_node(tmp_path / "victim.db", VICTIM, versions=(version,)) as victim,
        serve_node(tmp_path / "attacker.db", [OwnParty(role, "NL", "CPO")], versions=(version,)) as attacker,
    ):
        token_a = await victim.store.issue_token(TokenKind.A)
        with pytest.raises(OcpiError) as refusal:
            await register(attacker.node, victim.role_versions_url("cpo"), token_a)
        assert refusal.value.status_code == 2001
        where = "country_code/party_id" if version == "2.1.1" else "roles.0"
        assert f"invalid Credentials: {where}: NL/CPO is a party of this node, not yours" in refusal.value.message
        assert await victim.store.list_parties() == []
        assert [p.state for p in await attacker.store.list_parties()] == ["unregistered"]


async def test_a_partner_cannot_switch_to_the_nodes_own_party_with_put(tmp_path: Path) -> None:
    async with victim_and_partner(tmp_path) as (node, versions):
        token_a = await node.store.issue_token(TokenKind.A)
        token_c = accepted(await post_credentials(node, token_a, credentials(versions, ("DE", "AAA"))))["token"]
        [before] = await registered(node.store)
        switch = credentials(versions, ("DE", "AAA"), ("NL", "EMS"), token="token-b2")
        refused(await post_credentials(node, token_c, switch, "PUT"), "roles.1: NL/EMS is a party of this node")
        [after] = await registered(node.store)
        assert after == before
        assert await node.store.find_credential(token_c) is not None  # nothing changed: its token works on


# --- another partner's parties ------------------------------------------------------------------------------


async def test_another_partners_party_cannot_be_claimed_on_post_or_put(tmp_path: Path) -> None:
    """A second token A holder cannot register as a party a partner holds; a registered partner cannot switch
    to it with PUT (before: it could, and then read that partner's Tokens at the receiver). Nothing of the
    partner changes."""
    emsp = OwnParty(RoleEnum.EMSP, "DE", "AAA", name="honest eMSP")
    async with (
        serve_node(tmp_path / "victim.db", VICTIM) as victim,
        serve_node(tmp_path / "honest.db", [emsp]) as honest,
        serve_node(tmp_path / "attacker.db", [OwnParty(RoleEnum.EMSP, "DE", "AAA")]) as impostor,
        discovery_partner() as attacker,
    ):
        await register(honest.node, victim.versions_url, await victim.store.issue_token(TokenKind.A))
        [honest_at_victim] = await registered(victim.store)
        [victim_at_honest] = await honest.store.list_parties()
        token = {**example("token_example_2_full_rfid.json"), "country_code": "DE", "party_id": "AAA", "uid": "T1"}
        async with httpx.AsyncClient() as http:
            pushed = await http.put(
                f"{victim.base_url}/ocpi/cpo/2.2.1/tokens/DE/AAA/T1",
                json=token,
                headers={"Authorization": authorization_header(victim_at_honest.outbound_token or "", "2.2.1")},
            )
        assert pushed.status_code == 201, pushed.text

        token_a = await victim.store.issue_token(TokenKind.A)
        with pytest.raises(OcpiError) as refusal:
            await register(impostor.node, victim.versions_url, token_a)
        assert "roles.0: DE/AAA is registered by another partner" in refusal.value.message
        assert await registered(victim.store) == [honest_at_victim]

        # The same holder registers under a party of its own, then claims the honest partner's with PUT.
        versions = attacker.base_url + "/versions"
        token_c = accepted(await post_credentials(victim, token_a, credentials(versions, ("DE", "BBB"))))["token"]
        grab = credentials(versions, ("DE", "BBB"), ("DE", "AAA"), token="token-b2")
        answer = await post_credentials(victim, token_c, grab, "PUT")
        refused(answer, "roles.1: DE/AAA is registered by another partner")
        parties = {p.name: p for p in await registered(victim.store)}
        assert parties[honest_at_victim.name] == honest_at_victim
        assert parties["DE/BBB"].roles == [PartyRole("EMSP", "DE", "BBB")]
        async with httpx.AsyncClient() as http:
            read = await http.get(
                f"{victim.base_url}/ocpi/cpo/2.2.1/tokens/DE/AAA/T1",
                headers={"Authorization": authorization_header(token_c, "2.2.1")},
            )
        document = envelope_of(read.status_code, read.content)
        assert read.status_code == 404 and "DE/AAA is not one of your parties" in document["status_message"]


# --- token A bound to parties -------------------------------------------------------------------------------


async def test_a_token_a_bound_to_parties_registers_only_those(tmp_path: Path) -> None:
    async with victim_and_partner(tmp_path) as (node, versions):
        token_a = await node.store.issue_token(TokenKind.A, parties=[("DE", "XEM"), ("de", "xe2")])
        outside = credentials(versions, ("DE", "XEM"), ("DE", "OTH"))
        refused(
            await post_credentials(node, token_a, outside),
            "roles.1: DE/OTH is not a party your token may register (it may: DE/XEM, DE/XE2)",
        )
        assert await node.store.list_parties() == []
        token_c = accepted(await post_credentials(node, token_a, credentials(versions, ("de", "xem"))))["token"]
        [party] = await registered(node.store)
        assert party.allowed_parties == [("DE", "XEM"), ("DE", "XE2")]
        # The binding outlives the registration: an update may not leave it either.
        moved = credentials(versions, ("DE", "OTH"), token="token-b2")
        refused(await post_credentials(node, token_c, moved, "PUT"), "roles.0: DE/OTH is not a party your token")
        both = credentials(versions, ("DE", "XEM"), ("DE", "XE2"), token="token-b3")
        accepted(await post_credentials(node, token_c, both, "PUT"))
        [party] = await registered(node.store)
        assert {(r.country_code, r.party_id) for r in party.roles} == {("DE", "XEM"), ("DE", "XE2")}


async def test_only_a_token_a_is_bound_to_parties(sqlite_store: SqlStore) -> None:
    with pytest.raises(ValueError, match="only a token A"):
        await sqlite_store.issue_token(TokenKind.C, parties=[("DE", "XEM")])


# --- token A, once ------------------------------------------------------------------------------------------


async def test_eight_concurrent_posts_with_one_token_a_register_exactly_one(store: SqlStore) -> None:
    """Before, the token was revoked only after the outbound discovery: eight POSTs that all reached the
    discovery registered eight parties. The partner here holds every discovery until the eight POSTs are each
    either held there or answered, so the race is certain, not likely."""
    async with discovery_partner(gated=True) as partner, local_node(parties=VICTIM, store=store) as node:
        token_a = await node.store.issue_token(TokenKind.A)
        bodies = [credentials(partner.base_url + "/versions", ("DE", f"P0{n}")) for n in range(8)]
        posts = [asyncio.create_task(post_credentials(node, token_a, body)) for body in bodies]

        async def all_arrived() -> bool:
            return sum(p.done() for p in posts) + partner.waiting == len(posts)

        await eventually(all_arrived, "every POST answered or in the discovery")
        partner.release()
        answers = await asyncio.gather(*posts)
    statuses = sorted((a.status_code, envelope_of(a.status_code, a.content)["status_code"]) for a in answers)
    assert statuses == [(200, 1000)] + [(401, 2000)] * 7
    messages = {envelope_of(a.status_code, a.content)["status_message"] for a in answers if a.status_code == 401}
    assert messages <= {"this token A has been used by another registration", "unknown, revoked or expired token"}
    assert len(await registered(store)) == 1
    assert await store.find_credential(token_a) is None


async def test_a_failed_handshake_gives_token_a_back_and_a_successful_one_uses_it_up(tmp_path: Path) -> None:
    """Our choice, from the spec ("After the credentials exchange has finished ... CREDENTIALS_TOKEN_A ... MAY no
    longer be used"): a token A is used up by a registration that succeeds; one that fails (the partner's
    versions unreachable, a claim refused) gives it back, so the partner can fix its side and try again."""
    async with victim_and_partner(tmp_path) as (node, versions):
        token_a = await node.store.issue_token(TokenKind.A)
        unreachable = await post_credentials(node, token_a, credentials("http://127.0.0.1:9/versions", ("DE", "AAA")))
        assert envelope_of(unreachable.status_code, unreachable.content)["status_code"] == 3001
        refused(await post_credentials(node, token_a, credentials(versions, ("NL", "CPO"))))
        accepted(await post_credentials(node, token_a, credentials(versions, ("DE", "AAA"))))
        again = await post_credentials(node, token_a, credentials(versions, ("DE", "BBB")))
        assert again.status_code == 401
        assert [p.roles for p in await node.store.list_parties()] == [[PartyRole("EMSP", "DE", "AAA")]]


# --- objects the node owns ----------------------------------------------------------------------------------


async def test_a_partner_holding_the_nodes_party_from_before_still_cannot_touch_its_objects(tmp_path: Path) -> None:
    """A database from before claims were checked may hold a partner registered as the node's own party. The
    receiver refuses it whatever the URL, the body or the routing headers say. Before: its Location with a
    far-future last_updated replaced the node's own, was served and pushed as the node's, and the node's later
    write of that Location was ignored as stale."""
    async with local_node(parties=VICTIM, store=f"sqlite:///{tmp_path / 'v.db'}") as node:
        store = node.store
        legacy = await store.create_party("legacy", [PartyRole("CPO", "NL", "CPO")], state="registered")
        token = await store.issue_token(TokenKind.C, legacy.pk)
        own = {**example("location_example.json"), "country_code": "NL", "party_id": "CPO"}
        own["last_updated"] = "2024-01-01T00:00:00Z"
        await node.node.locations.put(own, version="2.2.1")
        before = await store.get(ObjectKey.of("locations", "NL", "CPO", "LOC1"))

        forged = {**own, "name": "forged", "last_updated": "2999-01-01T00:00:00Z"}
        cdr = {**example("cdr_example.json"), "country_code": "NL", "party_id": "CPO", "id": "FORGED"}
        posing = {"OCPI-from-country-code": "NL", "OCPI-from-party-id": "CPO"}
        attempts: list[tuple[str, str, str, Any, dict[str, str]]] = [
            ("PUT", "2.2.1", "/ocpi/emsp/2.2.1/locations/NL/CPO/LOC1", forged, {}),
            ("PUT", "2.2.1", "/ocpi/emsp/2.2.1/locations/NL/CPO/LOC1", forged, posing),
            ("PUT", "2.1.1", "/ocpi/emsp/2.1.1/locations/NL/CPO/LOC1", samples.sample("location", "2.1.1", "LOC1"), {}),
            ("PATCH", "2.2.1", "/ocpi/emsp/2.2.1/locations/NL/CPO/LOC1", {"name": "forged", **forged}, {}),
            ("PATCH", "2.2.1", "/ocpi/emsp/2.2.1/locations/NL/CPO/LOC1/3256", {"status": "REMOVED"}, {}),
            ("GET", "2.2.1", "/ocpi/emsp/2.2.1/locations/NL/CPO/LOC1", None, {}),
            ("POST", "2.2.1", "/ocpi/emsp/2.2.1/cdrs", cdr, {}),
            ("POST", "2.1.1", "/ocpi/emsp/2.1.1/cdrs", samples.sample("cdr", "2.1.1", "FORGED"), {}),  # its 1st party
        ]
        async with httpx.AsyncClient(base_url=node.base_url) as http:
            for method, version, path, body, extra in attempts:
                headers = {"Authorization": authorization_header(token, version), **extra}
                content = None if body is None else orjson.dumps(body)
                response = await http.request(method, path, content=content, headers=headers)
                document = envelope_of(response.status_code, response.content)
                assert response.status_code == 404, (method, path, document)
                assert "NL/CPO is a party of this node, not one of yours" in document["status_message"], document
        after = await store.get(ObjectKey.of("locations", "NL", "CPO", "LOC1"))
        assert after is not None and before is not None and after.canonical == before.canonical
        assert await store.get(ObjectKey.of("cdrs", "NL", "CPO", "FORGED")) is None

        later = await node.node.locations.put({**own, "name": "renamed", "last_updated": "2025-01-01T00:00:00Z"})
        assert later.outcome is PutOutcome.UPDATED
        assert (await node.node.locations.get("LOC1"))["name"] == "renamed"


async def test_a_pull_from_a_partner_holding_the_nodes_party_from_before_stores_nothing_under_it(
    tmp_path: Path,
) -> None:
    """The same partner from before claims were checked, pulled from: its list's objects under the node's own
    party are reported as rejected, and the node's own Location stays as it was."""
    async with (
        local_node(parties=VICTIM, store=f"sqlite:///{tmp_path / 'victim.db'}") as node,
        local_node(parties=[OwnParty(RoleEnum.CPO, "NL", "CPO")], store=f"sqlite:///{tmp_path / 'a.db'}") as other,
    ):
        own = {**example("location_example.json"), "country_code": "NL", "party_id": "CPO"}
        await node.node.locations.put({**own, "last_updated": "2024-01-01T00:00:00Z"}, version="2.2.1")
        forged = {**own, "name": "forged", "last_updated": "2999-01-01T00:00:00Z"}
        await other.node.locations.put(forged, version="2.2.1")
        reader = await other.store.create_party("victim", [PartyRole("EMSP", "NL", "EMS")], state="registered")
        locations = {"identifier": "locations", "role": "SENDER", "url": f"{other.base_url}/ocpi/cpo/2.2.1/locations"}
        legacy = await node.store.create_party(
            "legacy",
            [PartyRole("CPO", "NL", "CPO")],
            state="registered",
            version="2.2.1",
            endpoints=[locations],
            outbound_token=await other.store.issue_token(TokenKind.C, reader.pk),
        )
        report = await pull(node.node, legacy, "locations")
        assert (report.received, report.stored) == (1, 0)
        assert report.rejected and "locations object without a party of yours" in report.rejected[0]
        assert (await node.node.locations.get("LOC1"))["name"] == own["name"]
