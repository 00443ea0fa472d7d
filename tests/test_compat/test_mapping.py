"""What `ocpi.compat` makes of a seed-system application's answers, through a real node: its enum spellings,
paging by offset as the node's cursor, the filters it ignored, and a clear error for each answer the node cannot
use."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import httpx
import pytest

from ocpi import compat
from ocpi.core.enums import ModuleID, RoleEnum, VersionNumber
from ocpi.core.utils import authorization_header
from ocpi.storage.base import PartyRole, TokenKind
from ocpi.testing import LocalNode
from tests.test_compat import seed_cpo
from tests.test_compat.test_seed_port import example, seed_node

PARTNER_TOKEN = "my-cpo-token-123"


def test_the_seed_systems_enum_spellings_are_accepted() -> None:
    assert compat.ModuleID.charging_profile == ModuleID.CHARGING_PROFILES == "chargingprofiles"
    assert compat.ModuleID.credentials_and_registration == ModuleID.CREDENTIALS
    assert compat.ModuleID.hub_client_info == ModuleID.HUB_CLIENT_INFO
    assert compat.RoleEnum.emsp == RoleEnum.EMSP and compat.RoleEnum.ptp == RoleEnum.PTP
    assert (
        compat.VersionNumber.latest is compat.VersionNumber.v_2_3_0
        and compat.VersionNumber.v_2_2_1 == VersionNumber.V_2_2_1
    )
    assert compat.Action.send_command == "SendCommand" and compat.Action.authorize_token == "AuthorizeToken"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"adapter": object()}, "adapter: ocpi.compat converts between OCPI versions itself"),
        ({"websocket_push": True}, "websocket_push: not offered"),
        ({"version_numbers": [compat.VersionNumber.v_2_0]}, "version_numbers: ['2.0']"),
    ],
)
def test_what_the_node_does_itself_is_refused_clearly(arguments: dict[str, Any], message: str) -> None:
    given = {
        "version_numbers": [compat.VersionNumber.v_2_3_0],
        "roles": [compat.RoleEnum.cpo],
        "crud": seed_cpo.CpoCrud,
        "modules": [compat.ModuleID.locations],
        "authenticator": seed_cpo.CpoAuthenticator,
        **arguments,
    }
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        compat.get_application(**given)


async def bind_partner_token(cpo: LocalNode) -> None:
    """The migration path the refusal of an unbound token C names: the partner created, its token bound to it."""
    party = await cpo.store.create_party(
        "old partner",
        [PartyRole("EMSP", "DE", "TNM")],
        state="registered",
        version="2.3.0",
        versions_url="http://127.0.0.1:9/versions",
        endpoints=[],
        outbound_token="theirs",
    )
    await cpo.store.issue_token(TokenKind.C, party.pk, token=PARTNER_TOKEN)


def location(number: int, last_updated: str = "2024-01-01T00:00:00Z") -> dict[str, Any]:
    return {
        **copy.deepcopy(example("2.3.0", "location_example.json")),
        "id": f"LOC{number}",
        "last_updated": last_updated,
    }


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COUNTRY_CODE", "BE")
    monkeypatch.setenv("PARTY_ID", "BEC")
    seed_cpo.storage.clear()


async def test_offset_paging_becomes_the_nodes_cursor_and_ignored_filters_hold(tmp_path: Path, env: None) -> None:
    for number in range(1, 4):
        seed_cpo.storage[f"locations:LOC{number}"] = location(number, f"202{number}-01-01T00:00:00Z")
    async with seed_node(seed_cpo.create_app, tmp_path / "cpo.db") as cpo, httpx.AsyncClient() as http:
        await bind_partner_token(cpo)
        headers = {"Authorization": authorization_header(PARTNER_TOKEN, "2.3.0")}
        first = await http.get(f"{cpo.base_url}/ocpi/cpo/2.3.0/locations?limit=2", headers=headers)
        assert first.status_code == 200, first.text
        assert [o["id"] for o in first.json()["data"]] == ["LOC1", "LOC2"] and first.headers["X-Total-Count"] == "3"
        following = first.headers["Link"].partition("<")[2].partition(">")[0]
        assert "after=2" in following
        rest = await http.get(following, headers=headers)
        assert [o["id"] for o in rest.json()["data"]] == ["LOC3"] and "Link" not in rest.headers
        # the application's `list` ignores date_from: what it gives outside of it is left out of the page
        recent = await http.get(
            f"{cpo.base_url}/ocpi/cpo/2.3.0/locations?date_from=2022-06-01T00:00:00Z", headers=headers
        )
        assert [o["id"] for o in recent.json()["data"]] == ["LOC3"]
        # and every version is rendered from the application's one
        older = await http.get(f"{cpo.base_url}/ocpi/cpo/2.2.1/locations/LOC1", headers=headers)
        assert older.json()["data"]["id"] == "LOC1" and "time_zone" in older.json()["data"]


async def test_an_object_the_node_cannot_read_is_named_with_its_path(tmp_path: Path, env: None) -> None:
    seed_cpo.storage["locations:LOC1"] = {**location(1), "coordinates": {"latitude": "north"}}
    async with seed_node(seed_cpo.create_app, tmp_path / "cpo.db") as cpo, httpx.AsyncClient() as http:
        await bind_partner_token(cpo)
        answer = await http.get(
            f"{cpo.base_url}/ocpi/cpo/2.3.0/locations/LOC1",
            headers={"Authorization": authorization_header(PARTNER_TOKEN, "2.3.0")},
        )
    body = answer.json()
    assert body["status_code"] == 3000
    assert body["status_message"].startswith(
        "the application's Crud.get(locations, CPO) returned no valid 2.3.0 Location: coordinates."
    )


async def test_the_push_request_needs_the_applications_token_and_a_module_it_keeps(tmp_path: Path, env: None) -> None:
    seed_cpo.storage["locations:LOC1"] = location(1)
    async with seed_node(seed_cpo.create_app, tmp_path / "cpo.db") as cpo, httpx.AsyncClient() as http:
        url = f"{cpo.base_url}/push/2.3.0"
        body = {"module_id": "locations", "object_id": "LOC1", "receivers": []}
        stranger = await http.post(url, json=body, headers={"Authorization": "Token someone"})
        assert stranger.status_code == 401 and "get_valid_token_c()" in stranger.json()["status_message"]
        own = {"Authorization": f"Token {PARTNER_TOKEN}"}
        wrong = await http.post(url, json={**body, "module_id": "cdrs"}, headers=own)
        assert (
            wrong.json()["status_code"] == 2001
            and "module_id: one of locations, sessions, tokens" in wrong.json()["status_message"]
        )
        missing = await http.post(url, json={**body, "object_id": "NOPE"}, headers=own)
        assert missing.status_code == 404 and "the Crud has no locations 'NOPE'" in missing.json()["status_message"]


async def test_an_application_in_211_gives_objects_without_owner_and_the_node_supplies_it(
    tmp_path: Path, env: None
) -> None:
    seed_cpo.storage["locations:LOC1"] = {
        "id": "LOC1",
        "type": "ON_STREET",
        "address": "Stationsplein 1",
        "city": "Amsterdam",
        "postal_code": "1012AB",
        "country": "NLD",
        "coordinates": {"latitude": "52.378900", "longitude": "4.900700"},
        "last_updated": "2024-01-01T00:00:00Z",
    }

    def create_app(**settings: Any) -> Any:
        return compat.get_application(
            version_numbers=[compat.VersionNumber.v_2_1_1],
            roles=[compat.RoleEnum.cpo],
            crud=seed_cpo.CpoCrud,
            modules=[compat.ModuleID.locations],
            authenticator=seed_cpo.CpoAuthenticator,
            **settings,
        )

    async with seed_node(create_app, tmp_path / "cpo.db") as cpo, httpx.AsyncClient() as http:
        await bind_partner_token(cpo)
        headers = {"Authorization": authorization_header(PARTNER_TOKEN, "2.1.1")}
        listed = await http.get(f"{cpo.base_url}/ocpi/cpo/2.1.1/locations", headers=headers)
        one = await http.get(f"{cpo.base_url}/ocpi/cpo/2.1.1/locations/LOC1", headers=headers)
        stored = await cpo.node.locations.get("LOC1")
    assert [o["id"] for o in listed.json()["data"]] == ["LOC1"]
    assert one.json()["data"]["address"] == "Stationsplein 1"
    assert (stored["country_code"], stored["party_id"], stored["id"]) == ("BE", "BEC", "LOC1")  # canonical
