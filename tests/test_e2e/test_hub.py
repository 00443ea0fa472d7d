"""A node playing a Roaming Hub, end to end: real nodes on 127.0.0.1 that connect only through it (issue 26)."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa

from ocpi.client.client import PartnerSettings
from ocpi.core.enums import RoleEnum
from ocpi.core.errors import UnknownToken
from ocpi.core.utils import authorization_header
from ocpi.node.config import OwnParty
from ocpi.node.handshake import register
from ocpi.node.hooks import AuthorizationDecision, Command, CommandAnswer, KeepResults, Requester
from ocpi.node.outbound import authorize_token, send_command
from ocpi.server.app import get_application
from ocpi.storage.base import ObjectKey, Party, PartyRole, TokenKind
from ocpi.storage.hubs import hub_reports
from ocpi.storage.push import PushLedger
from ocpi.testing import listening, serving
from tests.conftest import POSTGRES_URL, open_clean_store
from tests.nodes import RunningNode, eventually, serve_node
from tests.spec import SPEC_DIR
from tests.test_cli.nodes import OCPI, cli_env, ocpi_serve

HUB = OwnParty(RoleEnum.HUB, "NL", "HUB", name="The hub")
CPO1 = OwnParty(RoleEnum.CPO, "NL", "CP1", name="CPO one")
CPO2 = OwnParty(RoleEnum.CPO, "BE", "CP2", name="CPO two")
EMSP1 = OwnParty(RoleEnum.EMSP, "DE", "EM1", name="eMSP one")
EMSP2 = OwnParty(RoleEnum.EMSP, "FR", "EM2", name="eMSP two")
QUIET = {"still_alive_interval": 3600.0}  # the tests run each still-alive check themselves


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def hub_db(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """The hub's database on every backend (its directory, routing and fan-out are what these tests are about);
    the members, ordinary nodes, stay on SQLite files."""
    if request.param == "sqlite":
        return tmp_path / "hub.db"
    if not POSTGRES_URL:
        pytest.skip("OCPI_TEST_POSTGRES_URL is not set")
    await (await open_clean_store(POSTGRES_URL)).close()
    return POSTGRES_URL


@dataclass
class Member:
    """A node connected to the hub, with the hub as its registered partner (and the hub's view of it)."""

    running: RunningNode
    hub_partner: Party
    at_hub: Party

    @property
    def party(self) -> OwnParty:
        return self.running.node.config.parties[0]


async def join(hub: RunningNode, running: RunningNode) -> Member:
    """`running` registers with the hub through the ordinary handshake (token A, initiated by the member)."""
    token_a = await hub.store.issue_token(TokenKind.A)
    hub_partner = await register(running.node, hub.versions_url, token_a)
    party = running.node.config.parties[0]
    at_hub = next(p for p in await hub.store.list_parties() if p.owns(party.country_code, party.party_id))
    return Member(running, hub_partner, at_hub)


@asynccontextmanager
async def topology(
    tmp_path: Path,
    versions: dict[str, str],
    members: list[OwnParty],
    member_options: dict[str, Any] | None = None,
    *,
    hub_db: Path | str | None = None,
    **hub_options: Any,
) -> AsyncIterator[tuple[RunningNode, dict[str, Member]]]:
    """A hub on `hub_db` (a SQLite file beside the members' when not given) and `members`, each serving the
    version `versions[party_id]` (default 2.2.1), all joined to it."""
    async with AsyncExitStack() as stack:
        hub = await stack.enter_async_context(
            serve_node(hub_db or tmp_path / "hub.db", [HUB], **{**QUIET, **hub_options})
        )
        joined: dict[str, Member] = {}
        for party in members:
            version = versions.get(party.party_id, "2.2.1")
            running = await stack.enter_async_context(
                serve_node(tmp_path / f"{party.party_id}.db", [party], versions=(version,), **(member_options or {}))
            )
            joined[party.party_id] = await join(hub, running)
        yield hub, joined


async def client_info(member: Member, country_code: str, party_id: str) -> dict[str, Any] | None:
    """The ClientInfo a member holds about a party, as stored (canonical), None when it holds none."""
    stored = await member.running.store.get(ObjectKey.of("hubclientinfo", country_code, party_id, ""))
    return None if stored is None else orjson.loads(stored.canonical)


async def status_at(member: Member, party: OwnParty) -> str | None:
    info = await client_info(member, party.country_code, party.party_id)
    return None if info is None else info["status"]


@pytest.mark.parametrize("version", ["2.2.1", "2.3.0"])
async def test_parties_register_with_the_hub_and_learn_of_each_other(
    tmp_path: Path, hub_db: Path | str, version: str
) -> None:
    everyone = [CPO1, CPO2, EMSP1, EMSP2]
    versions = {p.party_id: version for p in everyone}
    async with topology(tmp_path, versions, everyone, hub_db=hub_db) as (_hub, members):
        # R2 / R3: what the hub says of itself in its Credentials, per version.
        member = members["EM1"]
        async with httpx.AsyncClient() as http:
            credentials_url = next(e["url"] for e in member.hub_partner.endpoints if e["identifier"] == "credentials")
            token = member.hub_partner.outbound_token or ""
            answer = await http.get(credentials_url, headers={"Authorization": authorization_header(token, version)})
        credentials = answer.json()["data"]
        if version == "2.2.1":
            assert credentials["roles"] == [
                {"role": "HUB", "party_id": "HUB", "country_code": "NL", "business_details": {"name": "The hub"}}
            ]
            assert "hub_party_id" not in credentials
        else:
            assert credentials["hub_party_id"] == "NLHUB"
            assert credentials["roles"][0] == {
                "role": "OTHER",
                "party_id": "HUB",
                "country_code": "NL",
                "business_details": {"name": "The hub"},
            }
            reachable = {(r["role"], r["country_code"], r["party_id"]) for r in credentials["roles"][1:]}
            # the parties reachable through the hub, but the caller's own
            assert reachable == {(p.role.value, p.country_code, p.party_id) for p in everyone if p != EMSP1}
        # Each member keeps the hub as a partner whose party is the hub (2.3.0: from hub_party_id).
        for joined in members.values():
            assert joined.hub_partner.hub is not None
            assert (joined.hub_partner.hub.country_code, joined.hub_partner.hub.party_id) == ("NL", "HUB")

        # The hub's directory, as its Sender interface lists it: every party CONNECTED.
        async with httpx.AsyncClient() as http:
            url = next(e["url"] for e in member.hub_partner.endpoints if e["identifier"] == "hubclientinfo")
            listed = await http.get(url, headers={"Authorization": authorization_header(token, version)})
        assert listed.status_code == 200, listed.text
        assert listed.headers["X-Total-Count"] == "4"
        assert {(i["country_code"], i["party_id"], i["role"], i["status"]) for i in listed.json()["data"]} == {
            (p.country_code, p.party_id, p.role.value, "CONNECTED") for p in everyone
        }

        # R18: every member receives (pushed by the hub) a ClientInfo of each other party, CONNECTED; none of
        # itself.
        for joined in members.values():
            for other in everyone:
                expected = None if other == joined.party else "CONNECTED"

                async def arrived(joined: Member = joined, other: OwnParty = other, expected: Any = expected) -> bool:
                    return await status_at(joined, other) == expected

                await eventually(arrived, f"{joined.party.party_id} holds {other.party_id} as {expected}")


async def test_a_party_going_offline_and_unregistering_is_reported_to_the_others(
    tmp_path: Path, hub_db: Path | str
) -> None:
    async with topology(tmp_path, {"EM2": "2.3.0"}, [CPO1, EMSP1], hub_db=hub_db) as (hub, members):
        cpo, emsp = members["CP1"], members["EM1"]
        assert hub.node.hub is not None
        await eventually(lambda: _is(cpo, EMSP1, "CONNECTED"), "the CPO knows the eMSP as CONNECTED")

        # The eMSP stops answering: the still-alive check reports it OFFLINE to the CPO.
        async with serve_node(tmp_path / "EM2.db", [EMSP2], versions=("2.3.0",)) as emsp2:
            late = await join(hub, emsp2)
            await eventually(lambda: _is(cpo, EMSP2, "CONNECTED"), "the CPO learns of the eMSP that joined later")
            await eventually(lambda: _is(late, CPO1, "CONNECTED"), "the late eMSP learns of the CPO")
        await hub.node.hub.check_still_alive()
        assert await hub.node.hub.status("FR", "EM2") == "OFFLINE"
        assert await hub.node.hub.status("NL", "CP1") == "CONNECTED"
        await eventually(lambda: _is(cpo, EMSP2, "OFFLINE"), "the CPO learns the eMSP is OFFLINE")
        await eventually(lambda: _is(emsp, EMSP2, "OFFLINE"), "the other eMSP too")

        # The first eMSP unregisters (DELETE of its credentials at the hub): SUSPENDED.
        async with httpx.AsyncClient() as http:
            credentials_url = next(e["url"] for e in emsp.hub_partner.endpoints if e["identifier"] == "credentials")
            token = emsp.hub_partner.outbound_token or ""
            auth = {"Authorization": authorization_header(token, "2.2.1")}
            deleted = await http.delete(credentials_url, headers=auth)
        assert deleted.json()["status_code"] == 1000
        assert await hub.node.hub.status("DE", "EM1") == "SUSPENDED"
        await eventually(lambda: _is(cpo, EMSP1, "SUSPENDED"), "the CPO learns the eMSP is SUSPENDED")


async def _is(member: Member, party: OwnParty, status: str) -> bool:
    return await status_at(member, party) == status


async def test_a_hub_serves_no_2_1_1_and_plays_one_party() -> None:
    from ocpi.node.config import NodeConfig

    assert NodeConfig(parties=[HUB]).versions == ("2.2.1", "2.3.0")
    with pytest.raises(ValueError, match="a hub plays one party, of role HUB"):
        NodeConfig(parties=[HUB, CPO1])
    with pytest.raises(ValueError, match=r"2\.1\.1 has no hub"):
        NodeConfig(parties=[HUB], versions=("2.1.1",))


async def test_ocpi_serve_runs_a_hub_that_parties_register_with(tmp_path: Path) -> None:
    """`ocpi serve --role hub`: the hub as a user runs it; two in-process nodes register with it and learn of
    each other through its ClientInfo pushes."""
    db = f"sqlite:///{tmp_path / 'hub.db'}"
    args = ["--port", "0", "--db", db, "--role", "hub", "--party", "NL/HUB", "--allow-private-urls"]
    with ocpi_serve(args, tmp_path) as served:
        assert served.lines[0].endswith(f"{db}: HUB NL/HUB; OCPI 2.2.1, 2.3.0")
        versions_url = served.banner["Versions URL"]

        def token_a() -> str:
            created = subprocess.run(
                [OCPI, "tokens", "create", "-q", "--db", db], env=cli_env(), capture_output=True, text=True, timeout=60
            )
            assert created.returncode == 0, created.stderr
            return created.stdout.strip()

        async with (
            serve_node(tmp_path / "cpo.db", [CPO1], versions=("2.2.1",)) as cpo,
            serve_node(tmp_path / "emsp.db", [EMSP1], versions=("2.3.0",)) as emsp,
        ):
            hub_of_cpo = await register(cpo.node, versions_url, token_a())
            hub_of_emsp = await register(emsp.node, versions_url, token_a())
            assert (hub_of_cpo.version, hub_of_emsp.version) == ("2.2.1", "2.3.0")
            assert hub_of_cpo.roles == [PartyRole("HUB", "NL", "HUB")]
            assert hub_of_emsp.roles == [PartyRole("HUB", "NL", "HUB")]  # those behind it are known by ClientInfo
            cpo_member, emsp_member = Member(cpo, hub_of_cpo, hub_of_cpo), Member(emsp, hub_of_emsp, hub_of_emsp)
            await eventually(lambda: _is(cpo_member, EMSP1, "CONNECTED"), "the CPO learns of the eMSP")
            await eventually(lambda: _is(emsp_member, CPO1, "CONNECTED"), "the eMSP learns of the CPO")


async def test_without_a_hub_a_partner_writes_client_info_only_about_itself(tmp_path: Path) -> None:
    """The receiver takes ClientInfo about other parties from a hub only: a plain partner (a CPO) is refused
    for another party's, as for any object it does not own."""
    async with (
        serve_node(tmp_path / "cpo.db", [CPO1], versions=("2.2.1",)) as cpo,
        serve_node(tmp_path / "emsp.db", [EMSP1], versions=("2.2.1",)) as emsp,
    ):
        token_a = await emsp.store.issue_token(TokenKind.A)
        await register(cpo.node, emsp.versions_url, token_a)
        [emsp_at_cpo] = await cpo.store.list_parties()
        url = next(e["url"] for e in emsp_at_cpo.endpoints if e["identifier"] == "hubclientinfo")
        info = {"party_id": "XYZ", "country_code": "BE", "role": "CPO", "status": "CONNECTED"}
        headers = {"Authorization": authorization_header(emsp_at_cpo.outbound_token or "", "2.2.1")}
        async with httpx.AsyncClient() as http:
            answer = await http.put(
                f"{url}/BE/XYZ", json={**info, "last_updated": "2026-01-01T00:00:00Z"}, headers=headers
            )
        assert (answer.status_code, answer.json()["status_code"]) == (404, 2001)
        assert answer.json()["status_message"] == "BE/XYZ is not one of your parties"


# --- step 2: requests routed by OCPI-to through the hub --------------------------------------------------------


def location(location_id: str, owner: OwnParty = CPO1) -> dict[str, Any]:
    """The spec's 2.2.1 Location example, as `owner`'s, under `location_id`."""
    document = orjson.loads((SPEC_DIR / "2.2.1/examples/location_example.json").read_bytes())
    return {**document, "country_code": owner.country_code, "party_id": owner.party_id, "id": location_id}


def hub_url(member: Member, module: str, side: str) -> str:
    """The hub's endpoint of `module` for requests to a party's `side` interface, from the member's view of it."""
    return next(e["url"] for e in member.hub_partner.endpoints if e["identifier"] == module and e.get("role") == side)


def routed(member: Member, to: OwnParty | tuple[str, str], **extra: str) -> dict[str, str]:
    """What a party sends the hub for a request to `to`: its token, and the routing headers."""
    cc, pid = (to.country_code, to.party_id) if isinstance(to, OwnParty) else to
    return {
        "Authorization": authorization_header(
            member.hub_partner.outbound_token or "", member.hub_partner.version or ""
        ),
        "OCPI-from-country-code": member.party.country_code,
        "OCPI-from-party-id": member.party.party_id,
        "OCPI-to-country-code": cc,
        "OCPI-to-party-id": pid,
        **extra,
    }


MIXES = [("2.2.1", "2.2.1"), ("2.3.0", "2.3.0"), ("2.2.1", "2.3.0"), ("2.3.0", "2.2.1")]


@pytest.mark.parametrize(("cpo_version", "emsp_version"), MIXES)
async def test_a_get_to_a_cpo_goes_through_the_hub_in_each_partys_version(
    tmp_path: Path, hub_db: Path | str, cpo_version: str, emsp_version: str
) -> None:
    versions = {"CP1": cpo_version, "EM1": emsp_version}
    # No push from the members here: every request in this test is one they send through the hub themselves.
    async with topology(tmp_path, versions, [CPO1, EMSP1], {"push": False}, hub_db=hub_db) as (_hub, members):
        cpo, emsp = members["CP1"], members["EM1"]
        for location_id in ("LOC1", "LOC2", "LOC3"):
            await cpo.running.node.locations.put(location(location_id), version="2.2.1")
        expected = await cpo.running.node.locations.get("LOC1", version=emsp_version)
        sender = hub_url(emsp, "locations", "SENDER")
        assert "/ocpi/hub/" in sender
        async with httpx.AsyncClient() as http:
            one = await http.get(f"{sender}/LOC1", headers=routed(emsp, CPO1, **{"X-Correlation-ID": "corr-1"}))
            assert (one.status_code, one.json()["status_code"]) == (200, 1000), one.text
            assert one.json()["data"] == expected
            # R6: the answer comes back with the receiver's routing headers: from the CPO, to the eMSP.
            assert (one.headers["OCPI-from-country-code"], one.headers["OCPI-from-party-id"]) == ("NL", "CP1")
            assert (one.headers["OCPI-to-country-code"], one.headers["OCPI-to-party-id"]) == ("DE", "EM1")
            assert one.headers["X-Correlation-ID"] == "corr-1"

            # A list, paginated by the CPO: its count and a next link that points back at the hub.
            page = await http.get(sender, params={"limit": 2}, headers=routed(emsp, CPO1))
            assert page.status_code == 200, page.text
            assert page.headers["X-Total-Count"] == "3" and len(page.json()["data"]) == 2
            assert page.json()["data"][0]["id"] == "LOC1"
            next_url = page.headers["Link"].split(";")[0].strip("<>")
            assert next_url.startswith(sender + "?")
            rest = await http.get(next_url, headers=routed(emsp, CPO1))
            assert [item["id"] for item in rest.json()["data"]] == ["LOC3"]
            assert rest.json()["data"][0] == await cpo.running.node.locations.get("LOC3", version=emsp_version)

            # A push from the CPO to the eMSP's receiver, as the CPO's: stored at the eMSP under NL/CP1.
            receiver = hub_url(cpo, "locations", "RECEIVER")
            body = await cpo.running.node.locations.get("LOC2", version=cpo_version)
            pushed = await http.put(f"{receiver}/NL/CP1/LOC2", json=body, headers=routed(cpo, EMSP1))
            assert (pushed.status_code, pushed.json()["status_code"]) == (201, 1000), pushed.text
            assert (pushed.headers["OCPI-from-party-id"], pushed.headers["OCPI-to-party-id"]) == ("EM1", "CP1")
        at_emsp = await emsp.running.store.get(ObjectKey.of("locations", "NL", "CP1", "LOC2"))
        assert at_emsp is not None
        assert orjson.loads(at_emsp.rendered[emsp_version] or b"") == await cpo.running.node.locations.get(
            "LOC2", version=emsp_version
        )


async def test_what_the_hub_answers_itself(tmp_path: Path, hub_db: Path | str) -> None:
    """R17: unknown receiver 4001, a receiver not connected 4003 at once, and the requests it refuses (2001)."""
    async with topology(tmp_path, {}, [CPO1, EMSP1], hub_db=hub_db) as (hub, members):
        assert hub.node.hub is not None
        emsp = members["EM1"]
        sender = hub_url(emsp, "locations", "SENDER")
        async with httpx.AsyncClient() as http:

            async def answer(headers: dict[str, str]) -> tuple[int, int, str]:
                got = await http.get(f"{sender}/LOC1", headers=headers)
                return got.status_code, got.json()["status_code"], got.json()["status_message"]

            assert await answer(routed(emsp, ("XX", "NOP"))) == (
                200,
                4001,
                "unknown receiver: no party XX/NOP is connected to this hub",
            )
            no_to = {k: v for k, v in routed(emsp, CPO1).items() if not k.startswith("OCPI-to")}
            assert await answer(no_to) == (
                200,
                2001,
                "OCPI-to-country-code/OCPI-to-party-id: required for a GET of one locations object: the hub "
                "forwards it to the party they name (itself it answers only a GET All)",
            )
            other_from = routed(emsp, CPO1, **{"OCPI-from-country-code": "FR", "OCPI-from-party-id": "EM2"})
            assert await answer(other_from) == (200, 2001, "OCPI-from FR/EM2 is not one of your parties")

            # The CPO unregisters: SUSPENDED, and nothing is sent to it.
            cpo = members["CP1"]
            credentials_url = next(e["url"] for e in cpo.hub_partner.endpoints if e["identifier"] == "credentials")
            auth = {"Authorization": authorization_header(cpo.hub_partner.outbound_token or "", "2.2.1")}
            assert (await http.delete(credentials_url, headers=auth)).json()["status_code"] == 1000
            assert await answer(routed(emsp, CPO1)) == (
                200,
                4003,
                "receiver NL/CP1 is SUSPENDED, not connected to this hub",
            )


async def test_a_party_that_never_answers_gets_4002_and_holds_back_no_other(tmp_path: Path) -> None:
    """R17/D7: a receiver that accepts the connection and never answers: 4002 once the hub's deadline for a call
    has passed, while a request to another party, sent after it, is answered first; once the still-alive check
    found it silent it is OFFLINE, and a request to it answers 4003 without a connection attempt."""
    outbound = PartnerSettings(timeout=2.0, read_retries=0)
    async with AsyncExitStack() as stack:
        hub = await stack.enter_async_context(serve_node(tmp_path / "hub.db", [HUB], outbound=outbound, **QUIET))
        assert hub.node.hub is not None
        cpo = await join(hub, await stack.enter_async_context(serve_node(tmp_path / "cpo.db", [CPO1])))
        emsp = await join(hub, await stack.enter_async_context(serve_node(tmp_path / "emsp.db", [EMSP1])))
        await cpo.running.node.locations.put(location("LOC1"), version="2.2.1")
        async with serve_node(tmp_path / "slow.db", [CPO2]) as slow_node:
            await join(hub, slow_node)
            port = int(slow_node.base_url.rsplit(":", 1)[1])
        silent = await stack.enter_async_context(listening(port=port))
        silent.listen(8)  # connections are accepted by the kernel, and never answered

        sender = hub_url(emsp, "locations", "SENDER")
        finished: list[str] = []
        async with httpx.AsyncClient(timeout=30) as http:

            async def ask(to: OwnParty) -> httpx.Response:
                answer = await http.get(f"{sender}/LOC1", headers=routed(emsp, to))
                finished.append(to.party_id)
                return answer

            to_slow = asyncio.create_task(ask(CPO2))
            await asyncio.sleep(0)  # the request to the silent party leaves first
            fast = await ask(CPO1)
            assert fast.json()["status_code"] == 1000 and fast.json()["data"]["id"] == "LOC1"
            slow = await to_slow
            assert finished == ["CP1", "CP2"]
            assert (slow.status_code, slow.json()["status_code"]) == (200, 4002)
            assert slow.json()["status_message"].startswith("BE/CP2 did not answer in time: GET ")

            await hub.node.hub.check_still_alive()
            assert await hub.node.hub.status("BE", "CP2") == "OFFLINE"
            offline = await http.get(f"{sender}/LOC1", headers=routed(emsp, CPO2))
            assert offline.json()["status_code"] == 4003
            assert offline.json()["status_message"] == "receiver BE/CP2 is OFFLINE, not connected to this hub"


# --- step 3: Broadcast Push, Sessions and CDRs to their eMSP only, GET All via the hub --------------------------


def example(name: str, owner: OwnParty, **fields: Any) -> dict[str, Any]:
    document = orjson.loads((SPEC_DIR / "2.2.1/examples" / name).read_bytes())
    return {**document, "country_code": owner.country_code, "party_id": owner.party_id, **fields}


def token_of(emsp: OwnParty) -> dict[str, Any]:
    """A CdrToken of one of `emsp`'s tokens: whose Sessions and CDRs go to that eMSP alone."""
    return {"country_code": emsp.country_code, "party_id": emsp.party_id, "uid": "UID1", "type": "RFID",
            "contract_id": f"{emsp.country_code}-{emsp.party_id}-C1"}  # fmt: skip


async def held(member: Member, module: str, owner: OwnParty, object_id: str, variant: str = "") -> Any:
    stored = await member.running.store.get(
        ObjectKey.of(module, owner.country_code, owner.party_id, object_id, variant)
    )
    return None if stored is None else stored


@pytest.mark.parametrize(
    "versions",
    [{}, {p.party_id: "2.3.0" for p in (CPO1, CPO2, EMSP1, EMSP2)}, {"CP1": "2.3.0", "EM1": "2.3.0"}],
    ids=["2.2.1", "2.3.0", "mixed"],
)
async def test_broadcast_push_and_party_specific_objects_through_the_hub(
    tmp_path: Path, hub_db: Path | str, versions: dict[str, str]
) -> None:
    everyone = [CPO1, CPO2, EMSP1, EMSP2]
    async with topology(tmp_path, versions, everyone, {"push_interval": 0.2}, hub_db=hub_db) as (hub, members):
        cpo1, cpo2, emsp1, emsp2 = (members[p.party_id] for p in everyone)
        assert hub.node.hub is not None
        for joined in members.values():  # every member knows every other party from the hub's ClientInfo
            for other in everyone:
                if other != joined.party:
                    await eventually(lambda j=joined, o=other: _is(j, o, "CONNECTED"), "the directory arrived")

        # R7/R8/R11/R14: a CPO's Location reaches every eMSP (FROM the hub, under the CPO's URL, last_updated as
        # the CPO set it), in each eMSP's version; the other CPO receives nothing.
        await cpo1.running.node.locations.put(location("LOC1"), version="2.2.1")
        await cpo2.running.node.locations.put(location("LOC2", CPO2), version="2.2.1")
        original = await held(cpo1, "locations", CPO1, "LOC1")
        for emsp in (emsp1, emsp2):
            await eventually(lambda e=emsp: _holds(e, "locations", CPO1, "LOC1"), "the eMSP received the Location")
            received = await held(emsp, "locations", CPO1, "LOC1")
            assert received.last_updated == original.last_updated
            version = emsp.hub_partner.version
            assert orjson.loads(received.rendered[version]) == orjson.loads(original.rendered[version])
        # An eMSP's Token reaches every CPO, not the other eMSP.
        token = example("token_example_2_full_rfid.json", EMSP2, uid="TOK1")
        await emsp2.running.node.tokens.put(token, version="2.2.1")
        for cpo in (cpo1, cpo2):
            await eventually(lambda c=cpo: _holds(c, "tokens", EMSP2, "TOK1", "RFID"), "the CPO received the Token")

        # R10: a Session and a CDR of one of eMSP two's tokens go to eMSP two alone (OCPI-to that eMSP).
        session = example("session_example_1_simple_start.json", CPO1, id="S1", cdr_token=token_of(EMSP2),
                          location_id="LOC1")  # fmt: skip
        await cpo1.running.node.sessions.put(session, version="2.2.1")
        cdr = example("cdr_example.json", CPO1, id="CDR1", cdr_token=token_of(EMSP2))
        cdr["cdr_location"] = {**cdr["cdr_location"], "id": "LOC1"}
        await cpo1.running.node.cdrs.put(cdr, version="2.2.1")
        await eventually(lambda: _holds(emsp2, "sessions", CPO1, "S1"), "eMSP two received the Session")
        await eventually(lambda: _holds(emsp2, "cdrs", CPO1, "CDR1"), "eMSP two received the CDR")

        # What the others were given: everything sent to them is delivered by now (nothing failing, cursors at the
        # head), and none of it is the Session, the CDR, another CPO's Location or the eMSP's own Token.
        for joined in (cpo1, cpo2, emsp1):
            await eventually(lambda j=joined: _synced(hub, j), f"the hub is done with {joined.party.party_id}")
        await eventually(lambda: _synced(cpo1, cpo1.hub_partner), "the CPO is done with the hub")
        assert await held(emsp1, "sessions", CPO1, "S1") is None
        assert await held(emsp1, "cdrs", CPO1, "CDR1") is None
        assert await held(hub_member(hub), "sessions", CPO1, "S1") is None  # the hub keeps no party's Session
        assert await held(cpo2, "locations", CPO1, "LOC1") is None
        assert await held(emsp1, "tokens", EMSP2, "TOK1", "RFID") is None

        async with httpx.AsyncClient() as http:
            # R13: GET All via the hub: the Locations of both CPOs, paginated, each naming its owner.
            sender = hub_url(emsp1, "locations", "SENDER")
            to_hub = routed(emsp1, HUB)
            first = await http.get(sender, params={"limit": 1}, headers=to_hub)
            assert first.status_code == 200 and first.headers["X-Total-Count"] == "2", first.text
            assert (first.headers["OCPI-from-party-id"], first.headers["OCPI-to-party-id"]) == ("HUB", "EM1")
            following = first.headers["Link"].split(";")[0].strip("<>")
            assert following.startswith(sender + "?")
            second = await http.get(following, headers=to_hub)
            owners = {(i["country_code"], i["party_id"], i["id"]) for i in first.json()["data"] + second.json()["data"]}
            assert owners == {("NL", "CP1", "LOC1"), ("BE", "CP2", "LOC2")}

            # A CPO's Sessions asked for through the hub: each eMSP sees its own alone, never another's.
            sessions = hub_url(emsp1, "sessions", "SENDER")
            since = {"date_from": "2000-01-01T00:00:00Z"}
            for member, expected in ((emsp1, []), (emsp2, ["S1"])):
                listed = await http.get(sessions, params=since, headers=routed(member, CPO1))
                assert listed.status_code == 200, listed.text
                assert [item["id"] for item in listed.json()["data"]] == expected

            # D1: a CDR pushed to the hub itself is refused, naming the rule.
            receiver = hub_url(cpo1, "cdrs", "RECEIVER")
            refused = await http.post(receiver, json=cdr, headers=routed(cpo1, HUB))
            assert refused.json()["status_code"] == 2001
            assert refused.json()["status_message"] == (
                "a POST of cdrs with OCPI-to naming this hub: the hub broadcasts and lists only locations, tariffs, "
                "tokens (information meant for everyone); send cdrs with OCPI-to naming the party it is for"
            )


def hub_member(hub: RunningNode) -> Member:
    """The hub's own store seen like a member's, to read what it holds."""
    return Member(hub, Party(0, "hub", []), Party(0, "hub", []))


async def _holds(member: Member, module: str, owner: OwnParty, object_id: str, variant: str = "") -> bool:
    return await held(member, module, owner, object_id, variant) is not None


async def _synced(sender: RunningNode | Member, to: Member | Party) -> bool:
    """Whether `sender` has delivered all it had for `to` (its cursor at the head of its change log, nothing
    failing)."""
    node = (sender.running if isinstance(sender, Member) else sender).node
    party = (
        to
        if isinstance(to, Party)
        else next(p for p in await node.store.list_parties() if p.owns(to.party.country_code, to.party.party_id))
    )
    state = await PushLedger(node.store).state(party.pk)
    return state.lag == 0 and not state.failing


# --- step 4: commands with their asynchronous result, real-time authorization, through the hub ----------------


class AcceptingCommands:
    """A CPO's command hook that accepts every command, the final result following at once."""

    def __init__(self) -> None:
        self.received: list[tuple[str, Command, Requester]] = []

    async def handle(self, command: str, request: Command, requester: Requester) -> CommandAnswer:
        self.received.append((command, request, requester))
        return CommandAnswer(result="ACCEPTED", timeout=15, final_result="ACCEPTED")


class RecordingAuthorization:
    """An eMSP's authorization hook that allows every token it holds, remembering who asked."""

    def __init__(self) -> None:
        self.requesters: list[Requester] = []

    async def authorize(self, token: Any, location: Any, requester: Requester) -> AuthorizationDecision:
        self.requesters.append(requester)
        return AuthorizationDecision("ALLOWED")


@pytest.mark.parametrize(("cpo_version", "emsp_version"), MIXES)
async def test_start_session_authorization_and_patch_through_the_hub(
    tmp_path: Path, hub_db: Path | str, cpo_version: str, emsp_version: str
) -> None:
    """In each version and across them (the hub converting the command, its response and its asynchronous
    result, the authorization and its answer, a PATCH of an EVSE between the two versions): before, a mixed pair
    was refused 4000. A hook's requester is the party behind the hub, not the hub."""
    versions = {"CP1": cpo_version, "EM1": emsp_version}
    async with topology(tmp_path, versions, [CPO1, EMSP1], {"push": False}, hub_db=hub_db) as (hub, members):
        cpo, emsp = members["CP1"], members["EM1"]
        commands = AcceptingCommands()
        cpo.running.node.hooks.commands = commands
        authorizations = RecordingAuthorization()
        emsp.running.node.hooks.authorization = authorizations
        await cpo.running.node.locations.put(location("LOC1"), version="2.2.1")
        token = example("token_example_2_full_rfid.json", EMSP1, uid="TOK1")
        await emsp.running.node.tokens.put(token, version="2.2.1")
        await eventually(lambda: _is(cpo, EMSP1, "CONNECTED"), "the CPO knows the eMSP")
        await eventually(lambda: _is(emsp, CPO1, "CONNECTED"), "the eMSP knows the CPO")

        # START_SESSION from the eMSP, OCPI-to the CPO: the CPO's answer comes back through the hub ...
        request = {"token": await emsp.running.node.tokens.get("TOK1", version=emsp_version), "location_id": "LOC1",
                   "evse_uid": "3256"}  # fmt: skip
        answer, reference = await send_command(
            emsp.running.node, emsp.hub_partner, "START_SESSION", request, to=(CPO1.country_code, CPO1.party_id)
        )
        assert answer.result == "ACCEPTED" and answer.timeout == 15
        [(command, received, requester)] = commands.received
        assert command == "START_SESSION" and received.location_id == "LOC1" and received.token.uid == "TOK1"
        # The hook's requester is the eMSP behind the hub (its one role), over the hub's connection.
        assert requester.party.roles == [PartyRole("EMSP", "DE", "EM1")] and requester.party.name == "DE/EM1"
        assert requester.via is not None and requester.via.hub is not None
        assert requester.version == cpo_version
        assert "/ocpi/hub/" in str(received.response_url)  # the hub put itself in front of the eMSP's response_url
        # ... and so does its asynchronous result, at the eMSP's own response_url under its reference.
        results = emsp.running.node.hooks.results
        assert isinstance(results, KeepResults)

        async def result_arrived() -> bool:
            return any(ref == reference for _, ref, _ in results.results)

        await eventually(result_arrived, "the CommandResult reached the eMSP")
        [(_, _, result)] = [r for r in results.results if r[1] == reference]
        assert result.result == "ACCEPTED"
        assert await hub.node.hub.callback(reference) is None  # forwarded: no longer awaited

        # Real-time authorization from the CPO, OCPI-to the eMSP that owns the token.
        info = await authorize_token(
            cpo.running.node,
            cpo.hub_partner,
            "TOK1",
            location={"location_id": "LOC1", "evse_uids": ["3256"]},
            to=(EMSP1.country_code, EMSP1.party_id),
        )
        assert info.allowed == "ALLOWED" and info.token.uid == "TOK1"
        assert info.location.location_id == "LOC1" and info.location.evse_uids == ["3256"]
        [asked] = authorizations.requesters
        assert asked.party.roles == [PartyRole("CPO", "NL", "CP1")] and asked.via is not None
        with pytest.raises(UnknownToken):
            await authorize_token(cpo.running.node, cpo.hub_partner, "NOPE", to=(EMSP1.country_code, EMSP1.party_id))

        # A PATCH of an EVSE's status from the CPO to the eMSP's receiver, in the CPO's version.
        async with httpx.AsyncClient() as http:
            receiver = hub_url(cpo, "locations", "RECEIVER")
            body = await cpo.running.node.locations.get("LOC1", version=cpo_version)
            put = await http.put(f"{receiver}/NL/CP1/LOC1", json=body, headers=routed(cpo, EMSP1))
            assert put.json()["status_code"] == 1000, put.text
            change = {"status": "CHARGING", "last_updated": "2030-01-01T00:00:00Z"}
            patched = await http.patch(f"{receiver}/NL/CP1/LOC1/3256", json=change, headers=routed(cpo, EMSP1))
            assert (patched.status_code, patched.json()["status_code"]) == (200, 1000), patched.text
        at_emsp = orjson.loads((await held(emsp, "locations", CPO1, "LOC1")).rendered[emsp_version])
        [evse] = [e for e in at_emsp["evses"] if e["uid"] == "3256"]
        assert evse["status"] == "CHARGING" and evse["last_updated"] == "2030-01-01T00:00:00Z"


# --- a party with a hub and a direct partner; what reaches the receiver of a forwarded request ----------------


async def test_a_direct_partner_wins_over_the_hub_and_forwarded_requests_carry_new_request_ids(
    tmp_path: Path, hub_db: Path | str
) -> None:
    """D9: eMSP one is connected to the hub and, directly, to CPO two (also behind the hub): the hub may speak for
    CPO one, not for CPO two, whose requests come over the direct connection. R15: a request forwarded by the
    hub reaches the CPO with a new X-Request-ID and the same X-Correlation-ID, and the routing headers as sent."""
    seen: list[dict[str, str]] = []
    async with AsyncExitStack() as stack:
        hub = await stack.enter_async_context(serve_node(hub_db, [HUB], **QUIET))
        sock = await stack.enter_async_context(listening())
        cpo_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        cpo_app = get_application(parties=[CPO1], store=f"sqlite:///{tmp_path / 'cpo.db'}", base_url=cpo_url,
                                  allow_private_urls=True, push=False)  # fmt: skip

        async def recording(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http" and "/locations" in scope["path"]:
                seen.append({k.decode().lower(): v.decode() for k, v in scope["headers"]})
            await cpo_app(scope, receive, send)

        await stack.enter_async_context(serving(recording, sock))
        cpo1 = await join(hub, RunningNode(cpo_app, cpo_url))
        cpo2 = await join(hub, await stack.enter_async_context(serve_node(tmp_path / "cpo2.db", [CPO2])))
        emsp_node = await stack.enter_async_context(serve_node(tmp_path / "emsp.db", [EMSP1]))
        emsp = await join(hub, emsp_node)
        direct_token = await cpo2.running.store.issue_token(TokenKind.A)
        await register(emsp_node.node, cpo2.running.versions_url, direct_token)
        await eventually(lambda: _is(emsp, CPO1, "CONNECTED"), "the eMSP knows CPO one")
        await eventually(lambda: _is(emsp, CPO2, "CONNECTED"), "the eMSP knows CPO two")

        speaking_for = await emsp_node.node.through_hub(emsp.hub_partner)
        assert speaking_for.owns("NL", "CP1") and not speaking_for.owns("BE", "CP2")
        async with httpx.AsyncClient() as http:
            # What the hub would forward to the eMSP: from CPO one accepted, from CPO two (direct) refused.
            emsp_locations = next(
                e["url"]
                for e in emsp.at_hub.endpoints
                if e["identifier"] == "locations" and e.get("role") == "RECEIVER"
            )
            as_hub = {"Authorization": authorization_header(emsp.at_hub.outbound_token or "", "2.2.1")}
            for owner, expected in ((CPO1, 201), (CPO2, 404)):
                headers = {**as_hub, "OCPI-from-country-code": owner.country_code, "OCPI-from-party-id": owner.party_id,
                           "OCPI-to-country-code": "DE", "OCPI-to-party-id": "EM1"}  # fmt: skip
                body = location("LOC1", owner)
                put = await http.put(
                    f"{emsp_locations}/{owner.country_code}/{owner.party_id}/LOC1", json=body, headers=headers
                )
                assert put.status_code == expected, put.text
            assert put.json()["status_message"] == "BE/CP2 is not one of your parties"

            # R15 at the receiving CPO.
            await cpo1.running.node.locations.put(location("LOC1"), version="2.2.1")
            sent = routed(emsp, CPO1, **{"X-Request-ID": "req-1", "X-Correlation-ID": "corr-1"})
            answer = await http.get(f"{hub_url(emsp, 'locations', 'SENDER')}/LOC1", headers=sent)
            assert answer.json()["status_code"] == 1000
        [arrived] = seen
        assert arrived["x-correlation-id"] == "corr-1"
        assert arrived["x-request-id"] not in ("", "req-1")
        assert (arrived["ocpi-from-country-code"], arrived["ocpi-from-party-id"]) == ("DE", "EM1")
        assert (arrived["ocpi-to-country-code"], arrived["ocpi-to-party-id"]) == ("NL", "CP1")


# --- charging profiles: their asynchronous results through the hub (D4) ----------------------------------------

SCSP = OwnParty(RoleEnum.SCSP, "DE", "SC1", name="Smart charging")


@pytest.mark.parametrize(("cpo_version", "scsp_version"), MIXES)
async def test_charging_profile_results_come_back_through_the_hub(
    tmp_path: Path, cpo_version: str, scsp_version: str
) -> None:
    """A SetChargingProfile (response_url in its body) and a GET of the active profile (response_url in the query)
    from an SCSP, OCPI-to the CPO: the hub puts itself in front of each response_url and forwards the CPO's result
    to the SCSP's own, converted to its version. Before, the CPO posted to the SCSP's URL itself, which a party
    behind a hub cannot reach (and the hub refused the mixed pairs with 4000)."""
    versions = {"CP1": cpo_version, "SC1": scsp_version}
    async with topology(tmp_path, versions, [CPO1, SCSP], {"push": False}) as (_hub, members):
        cpo, scsp = members["CP1"], members["SC1"]
        session = example("session_example_1_simple_start.json", CPO1, id="S1", location_id="LOC1")
        await cpo.running.node.sessions.put(session, version="2.2.1")
        own_results = next(e["url"] for e in scsp.at_hub.endpoints if e["identifier"] == "chargingprofiles")
        receiver = hub_url(scsp, "chargingprofiles", "RECEIVER")
        profile = {"charging_rate_unit": "W", "charging_profile_period": [{"start_period": 0, "limit": 11000.0}]}
        async with httpx.AsyncClient() as http:
            body = {"charging_profile": profile, "response_url": f"{own_results}/set/REF1"}
            put = await http.put(f"{receiver}/S1", json=body, headers=routed(scsp, CPO1))
            assert (put.status_code, put.json()["status_code"]) == (200, 1000), put.text
            assert put.json()["data"]["result"] == "ACCEPTED"
            query = {"duration": "900", "response_url": f"{own_results}/active/REF2"}
            got = await http.get(f"{receiver}/S1", params=query, headers=routed(scsp, CPO1))
            assert got.json()["data"]["result"] == "ACCEPTED", got.text
        results = scsp.running.node.hooks.results
        assert isinstance(results, KeepResults)

        async def arrived(reference: str) -> bool:
            return any(ref == reference for _, ref, _ in results.results)

        await eventually(lambda: arrived("REF1"), "the ChargingProfileResult reached the SCSP")
        await eventually(lambda: arrived("REF2"), "the ActiveChargingProfileResult reached the SCSP")
        found = {ref: (kind, result) for kind, ref, result in results.results}
        assert found["REF1"][0] == "chargingprofiles/set" and found["REF1"][1].result == "ACCEPTED"
        kind, active = found["REF2"]
        assert kind == "chargingprofiles/active" and active.result == "ACCEPTED"
        assert active.profile.charging_profile.charging_profile_period[0].limit == 11000.0


async def test_a_broadcast_delete_of_a_tariff_reaches_every_receiver(tmp_path: Path) -> None:
    """A CPO's Tariff, broadcast through the hub to both eMSPs, then deleted with OCPI-to the hub: the hub drops
    its copy, answers, and sends the DELETE on to each eMSP (before: refused, the hub broadcast PUT and PATCH
    only)."""
    everyone = [CPO1, EMSP1, EMSP2]
    async with topology(tmp_path, {}, everyone, {"push_interval": 0.2}) as (hub, members):
        cpo, emsp1, emsp2 = (members[p.party_id] for p in everyone)
        for joined in (emsp1, emsp2):
            await eventually(lambda j=joined: _is(j, CPO1, "CONNECTED"), "the eMSP knows the CPO")
        tariff = example("tariff_10_025kwh_parking_start.json", CPO1, id="TAR1")
        await cpo.running.node.tariffs.put(tariff, version="2.2.1")
        for emsp in (emsp1, emsp2):
            await eventually(lambda e=emsp: _holds(e, "tariffs", CPO1, "TAR1"), "the eMSP received the Tariff")
        async with httpx.AsyncClient() as http:
            receiver = hub_url(cpo, "tariffs", "RECEIVER")
            deleted = await http.delete(f"{receiver}/NL/CP1/TAR1", headers=routed(cpo, HUB))
            assert (deleted.status_code, deleted.json()["status_code"]) == (200, 1000), deleted.text
            assert (deleted.headers["OCPI-from-party-id"], deleted.headers["OCPI-to-party-id"]) == ("HUB", "CP1")
            again = await http.delete(f"{receiver}/NL/CP1/TAR1", headers=routed(cpo, HUB))
            assert (again.json()["status_code"], again.json()["status_message"]) == (2003, "Tariff TAR1 not found")
            # A Location is not deleted by a broadcast: its Receiver takes no DELETE.
            refused = await http.delete(
                f"{hub_url(cpo, 'locations', 'RECEIVER')}/NL/CP1/LOC1", headers=routed(cpo, HUB)
            )
            assert refused.json()["status_message"] == "the locations Receiver takes no DELETE"
        assert await held(hub_member(hub), "tariffs", CPO1, "TAR1") is None
        for emsp in (emsp1, emsp2):
            await eventually(lambda e=emsp: _gone(e, "tariffs", CPO1, "TAR1"), "the eMSP deleted the Tariff")


async def _gone(member: Member, module: str, owner: OwnParty, object_id: str) -> bool:
    return await held(member, module, owner, object_id) is None


# --- Open Routing Requests: no OCPI-to, the hub finds the receiver from the content (D14) ---------------------


def unrouted(member: Member) -> dict[str, str]:
    """A request to the hub with no OCPI-to headers (an Open Routing Request)."""
    headers = routed(member, HUB)
    del headers["OCPI-to-country-code"], headers["OCPI-to-party-id"]
    return headers


async def test_the_hub_routes_an_open_request_by_its_content(tmp_path: Path) -> None:
    """transport_and_format, Open Routing Request: "the 'OCPI-to-' headers can be omitted ... The Hub can then
    decide to which party a request needs to be routed". Before, each of these was refused with 2001 (or, for a
    Session, refused as a broadcast of a module meant for one party)."""
    everyone = [CPO1, CPO2, EMSP1, EMSP2]
    async with topology(tmp_path, {"CP2": "2.3.0"}, everyone, {"push_interval": 0.2}) as (hub, members):
        cpo1, cpo2, emsp1, emsp2 = (members[p.party_id] for p in everyone)
        for joined in members.values():
            for other in everyone:
                if other != joined.party:
                    await eventually(lambda j=joined, o=other: _is(j, o, "CONNECTED"), "the directory arrived")
        commands = AcceptingCommands()
        cpo2.running.node.hooks.commands = commands
        await cpo1.running.node.locations.put(location("LOC1"), version="2.2.1")
        await cpo2.running.node.locations.put(location("LOC2", CPO2), version="2.2.1")
        await emsp2.running.node.tokens.put(
            example("token_example_2_full_rfid.json", EMSP2, uid="TOK2"), version="2.2.1"
        )
        held_by_hub = hub_member(hub)
        await eventually(lambda: _holds(held_by_hub, "locations", CPO2, "LOC2"), "the hub holds CPO two's Location")
        await eventually(lambda: _holds(held_by_hub, "tokens", EMSP2, "TOK2", "RFID"), "the hub holds the Token")

        async with httpx.AsyncClient() as http:
            # A GET of one Location: to the CPO whose Location of that id the hub holds, in its answer's version.
            one = await http.get(f"{hub_url(emsp1, 'locations', 'SENDER')}/LOC2", headers=unrouted(emsp1))
            assert one.json()["status_code"] == 1000, one.text
            assert (one.headers["OCPI-from-party-id"], one.headers["OCPI-to-party-id"]) == ("CP2", "EM1")
            assert one.json()["data"] == await cpo2.running.node.locations.get("LOC2", version="2.2.1")

            # A command naming a Location: to that Location's CPO (CPO two, not CPO one).
            await emsp1.running.node.tokens.put(
                example("token_example_2_full_rfid.json", EMSP1, uid="TOK1"), version="2.2.1"
            )
            start = {"token": await emsp1.running.node.tokens.get("TOK1", version="2.2.1"), "location_id": "LOC2",
                     "response_url": "https://emsp.example.com/results/1"}  # fmt: skip
            answer = await http.post(
                f"{hub_url(emsp1, 'commands', 'RECEIVER')}/START_SESSION", json=start, headers=unrouted(emsp1)
            )
            assert answer.json()["data"]["result"] == "ACCEPTED", answer.text
            [(_, received, requester)] = commands.received
            assert received.location_id == "LOC2" and requester.party.roles == [PartyRole("EMSP", "DE", "EM1")]

            # A real-time authorization: to the eMSP whose Token the hub holds.
            authorize = f"{hub_url(cpo1, 'tokens', 'SENDER')}/TOK2/authorize"
            info = await http.post(authorize, params={"type": "RFID"}, headers=unrouted(cpo1))
            assert info.json()["data"]["allowed"] == "ALLOWED", info.text
            assert info.headers["OCPI-from-party-id"] == "EM2"

            # A Session: to the eMSP of its token alone.
            session = example("session_example_1_simple_start.json", CPO1, id="S9", cdr_token=token_of(EMSP2),
                              location_id="LOC1")  # fmt: skip
            pushed = await http.put(
                f"{hub_url(cpo1, 'sessions', 'RECEIVER')}/NL/CP1/S9", json=session, headers=unrouted(cpo1)
            )
            assert (pushed.status_code, pushed.json()["status_code"]) == (201, 1000), pushed.text
            assert await held(emsp2, "sessions", CPO1, "S9") is not None
            assert await held(emsp1, "sessions", CPO1, "S9") is None

            # Where the content names no one the hub knows, it answers as before: OCPI-to is needed.
            unknown = {**start, "location_id": "NOWHERE"}
            refused = await http.post(
                f"{hub_url(emsp1, 'commands', 'RECEIVER')}/START_SESSION", json=unknown, headers=unrouted(emsp1)
            )
            assert refused.json()["status_code"] == 2001
            assert refused.json()["status_message"].startswith("a POST of commands without OCPI-to")


# --- two hubs reporting one party (D15) -------------------------------------------------------------------------

HUB2 = OwnParty(RoleEnum.HUB, "BE", "HB2", name="The other hub")


async def test_of_two_hubs_reporting_one_party_the_first_to_report_it_connected_acts_for_it(tmp_path: Path) -> None:
    """A CPO and an eMSP both connected to two hubs: each hub reports the CPO CONNECTED to the eMSP. The eMSP takes
    the CPO's requests (and objects) from the hub that reported it CONNECTED first, not from the other (before,
    from either); once that hub reports it OFFLINE, from the other."""
    async with AsyncExitStack() as stack:
        hub1 = await stack.enter_async_context(serve_node(tmp_path / "hub1.db", [HUB], **QUIET))
        hub2 = await stack.enter_async_context(serve_node(tmp_path / "hub2.db", [HUB2], **QUIET))
        cpo_node = await stack.enter_async_context(serve_node(tmp_path / "cpo.db", [CPO1], push=False))
        emsp_node = await stack.enter_async_context(serve_node(tmp_path / "emsp.db", [EMSP1], push=False))
        emsp_via1 = await join(hub1, emsp_node)
        cpo_via1 = await join(hub1, cpo_node)
        await eventually(lambda: _reported_by(emsp_via1, CPO1, "CONNECTED"), "hub one reported the CPO")
        emsp_via2 = await join(hub2, emsp_node)
        cpo_via2 = await join(hub2, cpo_node)
        await eventually(lambda: _reported_by(emsp_via2, CPO1, "CONNECTED"), "hub two reported the CPO")

        async def answer_via(cpo: Member) -> int:
            async with httpx.AsyncClient() as http:
                got = await http.get(hub_url(cpo, "tokens", "SENDER"), headers=routed(cpo, EMSP1))
            return int(got.json()["status_code"])

        assert await answer_via(cpo_via1) == 1000
        assert await answer_via(cpo_via2) == 2001  # "OCPI-from NL/CP1 is not one of your parties"
        [behind1] = [p for p in await emsp_node.node.partners() if p.pk == emsp_via1.hub_partner.pk]
        assert behind1.owns("NL", "CP1")

        assert hub1.node.hub is not None
        await hub1.node.hub.record(cpo_via1.at_hub, "OFFLINE")  # as a failed still-alive check leaves it
        await eventually(lambda: _reported_by(emsp_via1, CPO1, "OFFLINE"), "hub one reported the CPO OFFLINE")
        assert await answer_via(cpo_via2) == 1000


async def _reported_by(member: Member, party: OwnParty, status: str) -> bool:
    """Whether the hub of `member` reported `party` as `status` to it (as the member noted it)."""
    query = sa.select(hub_reports.c.status).where(
        hub_reports.c.hub_pk == member.hub_partner.pk,
        hub_reports.c.country_code == party.country_code,
        hub_reports.c.party_id == party.party_id,
    )
    async with member.running.store.engine.connect() as conn:
        return await conn.scalar(query) == status


# --- a result awaited across a restart of the hub (D4) ---------------------------------------------------------


class AnsweringLater(AcceptingCommands):
    """A CPO's command hook that accepts every command and posts the result itself, later."""

    async def handle(self, command: str, request: Command, requester: Requester) -> CommandAnswer:
        self.received.append((command, request, requester))
        return CommandAnswer(result="ACCEPTED", timeout=60, final_result=None)


async def test_a_result_awaited_by_the_hub_survives_its_restart(tmp_path: Path) -> None:
    """The eMSP's StartSession goes through the hub, which is then stopped and started again on its database; the
    CPO's result, posted after, still reaches the eMSP. Before, the hub kept what it awaited in memory and
    refused the result (2001, no result expected under that reference)."""
    async with AsyncExitStack() as stack:
        first_run = AsyncExitStack()
        hub = await first_run.enter_async_context(serve_node(tmp_path / "hub.db", [HUB], **QUIET))
        port = httpx.URL(hub.versions_url).port
        cpo_node = await stack.enter_async_context(serve_node(tmp_path / "cpo.db", [CPO1], push=False))
        emsp_node = await stack.enter_async_context(serve_node(tmp_path / "emsp.db", [EMSP1], push=False))
        cpo, emsp = await join(hub, cpo_node), await join(hub, emsp_node)
        await eventually(lambda: _is(emsp, CPO1, "CONNECTED"), "the eMSP knows the CPO")
        commands = AnsweringLater()
        cpo_node.node.hooks.commands = commands
        await cpo_node.node.locations.put(location("LOC1"), version="2.2.1")
        await emsp_node.node.tokens.put(example("token_example_2_full_rfid.json", EMSP1, uid="TOK1"), version="2.2.1")
        request = {"token": await emsp_node.node.tokens.get("TOK1", version="2.2.1"), "location_id": "LOC1"}
        answer, reference = await send_command(
            emsp_node.node, emsp.hub_partner, "START_SESSION", request, to=(CPO1.country_code, CPO1.party_id)
        )
        assert answer.result == "ACCEPTED"
        [(_, received, _)] = commands.received
        await first_run.aclose()

        async with serve_node(tmp_path / "hub.db", [HUB], port=port, **QUIET):
            result = {"result": "ACCEPTED"}
            await cpo_node.node.post_result(str(received.response_url), result, cpo.hub_partner, "2.2.1")
            results = emsp_node.node.hooks.results
            assert isinstance(results, KeepResults)

            async def arrived() -> bool:
                return any(ref == reference for _, ref, _ in results.results)

            await eventually(arrived, "the CommandResult reached the eMSP after the hub's restart")


async def test_a_member_drops_what_it_has_for_a_party_the_hub_reports_offline(tmp_path: Path) -> None:
    """R20 on a member's side: once its hub reports eMSP two OFFLINE, the CPO's push worker drops the Session of
    eMSP two's token (not sent, not kept for a retry), and does not send it once eMSP two is CONNECTED again (it
    GETs what it missed); eMSP one's Session goes on. Before, the CPO pushed it, the hub answered 4003, and the
    CPO retried it."""
    everyone = [CPO1, EMSP1, EMSP2]
    async with topology(tmp_path, {}, everyone, {"push_interval": 0.2}) as (hub, members):
        cpo, emsp1, emsp2 = (members[p.party_id] for p in everyone)
        assert hub.node.hub is not None
        await eventually(lambda: _is(cpo, EMSP2, "CONNECTED"), "the CPO knows eMSP two")
        await hub.node.hub.record(emsp2.at_hub, "OFFLINE")  # as a failed still-alive check leaves it
        await eventually(lambda: _is(cpo, EMSP2, "OFFLINE"), "the CPO heard eMSP two is OFFLINE")
        for session_id, emsp in (("S1", EMSP1), ("S2", EMSP2)):
            session = example("session_example_1_simple_start.json", CPO1, id=session_id, cdr_token=token_of(emsp),
                              location_id="LOC1")  # fmt: skip
            await cpo.running.node.sessions.put(session, version="2.2.1")
        await eventually(lambda: _holds(emsp1, "sessions", CPO1, "S1"), "eMSP one received its Session")
        await eventually(lambda: _synced(cpo, cpo.hub_partner), "the CPO has nothing left for the hub")
        assert await held(emsp2, "sessions", CPO1, "S2") is None

        await hub.node.hub.record(emsp2.at_hub, "CONNECTED")
        await eventually(lambda: _is(cpo, EMSP2, "CONNECTED"), "the CPO heard eMSP two is back")
        await eventually(lambda: _synced(cpo, cpo.hub_partner), "the CPO has nothing left for the hub")
        assert await held(emsp2, "sessions", CPO1, "S2") is None


# --- registration races -------------------------------------------------------------------------------------------


async def test_the_hubs_first_client_info_reaches_a_party_still_registering(
    tmp_path: Path, hub_db: Path | str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hub pushes its directory to a party the moment it registered it, which may be before the party stored
    the hub's answer: that push waits for the party's registration to complete and is taken at once (before: a
    2001 refusal, "not one of your parties", and a retry about 2 s later)."""
    async with (
        serve_node(hub_db, [HUB], push=False, **QUIET) as hub,
        serve_node(tmp_path / "cpo.db", [CPO1]) as cpo,
        serve_node(tmp_path / "emsp.db", [EMSP1], push=False) as emsp,
    ):
        await join(hub, cpo)  # the hub holds CPO one's ClientInfo, owed to whoever joins next
        store, waiting = emsp.store, asyncio.Event()
        real_update, real_get = store.update_party, store.get_party
        pushes: list[asyncio.Task[int]] = []

        async def get_party(pk: int) -> Party | None:
            waiting.set()  # the eMSP waits, reading its partner again, for its registration to complete
            return await real_get(pk)

        async def update_party(pk: int, **fields: Any) -> Party:
            if fields.get("state") == "registered" and not pushes:
                # The hub's push of its directory, sent while the eMSP has not yet stored the hub's answer.
                waiting.clear()  # set by this node's own reads so far
                pushes.append(asyncio.create_task(hub.node.push.run_once()))
                arrived = asyncio.create_task(waiting.wait())
                await asyncio.wait([pushes[0], arrived], return_when=asyncio.FIRST_COMPLETED)
                arrived.cancel()
            return await real_update(pk, **fields)

        monkeypatch.setattr(store, "get_party", get_party)
        monkeypatch.setattr(store, "update_party", update_party)
        member = await join(hub, emsp)
        assert await pushes[0] == 2  # CPO one's ClientInfo to the eMSP, the eMSP's to CPO one: both taken
        assert await status_at(member, CPO1) == "CONNECTED"
        assert (await PushLedger(hub.store).state(member.at_hub.pk)).failing == []


async def test_a_session_for_a_party_heard_of_later_is_pushed_once_the_hub_tells_of_it(
    tmp_path: Path, hub_db: Path | str
) -> None:
    """A CPO's Session for an eMSP it has not heard of yet (no ClientInfo of it) is not sent to the hub (it could
    not know the party is reachable); once the hub's ClientInfo tells it the eMSP is CONNECTED, the Session is
    pushed to it through the hub (before: never, the eMSP had to GET it)."""
    async with (
        serve_node(hub_db, [HUB], push=False, **QUIET) as hub,
        serve_node(tmp_path / "cpo.db", [CPO1], push=False) as cpo_node,
        serve_node(tmp_path / "emsp.db", [EMSP1], push=False) as emsp_node,
    ):
        cpo = await join(hub, cpo_node)
        session = example("session_example_1_simple_start.json", CPO1, id="S1", cdr_token=token_of(EMSP1))
        await cpo_node.node.sessions.put(session, version="2.2.1")
        assert await cpo_node.node.push.run_once() == 0  # DE/EM1 is nobody the CPO knows of
        emsp = await join(hub, emsp_node)
        assert await hub.node.push.run_once() >= 1  # the hub tells the CPO of the eMSP (and the eMSP of the CPO)
        assert await status_at(cpo, EMSP1) == "CONNECTED"
        assert await cpo_node.node.push.run_once() == 1
        assert await held(emsp, "sessions", CPO1, "S1") is not None
        assert await cpo_node.node.push.run_once() == 0  # sent once
