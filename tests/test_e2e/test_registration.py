"""Two real nodes register with each other through token A, in every version, in both directions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from ocpi.core.enums import RoleEnum
from ocpi.core.utils import authorization_header
from ocpi.node.config import OwnParty
from ocpi.node.handshake import our_credentials, register
from ocpi.storage.base import TokenKind
from ocpi.storage.push import push_cursors
from tests.nodes import RunningNode, serve_node

CPO = OwnParty(RoleEnum.CPO, "NL", "CPO", name="CPO node")
EMSP = OwnParty(RoleEnum.EMSP, "DE", "EMS", name="eMSP node")


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3.0"])
@pytest.mark.parametrize("initiator", ["emsp", "cpo"])
async def test_handshake_rotation_and_unregistering(tmp_path: Path, version: str, initiator: str) -> None:
    async with (
        serve_node(tmp_path / "cpo.db", [CPO], versions=(version,)) as cpo,
        serve_node(tmp_path / "emsp.db", [EMSP], versions=(version,)) as emsp,
    ):
        first, second = (emsp, cpo) if initiator == "emsp" else (cpo, emsp)
        token_a = await second.store.issue_token(TokenKind.A)
        versions_url = f"{second.base_url}/ocpi/{second.node.config.roles[0].value.lower()}/versions"
        partner_of_first = await register(first.node, versions_url, token_a)

        [partner_of_second] = await second.store.list_parties()
        assert partner_of_first.state == partner_of_second.state == "registered"
        assert partner_of_first.version == partner_of_second.version == version
        assert {r.role for r in partner_of_first.roles} == {second.node.config.roles[0].value}
        assert {(r.country_code, r.party_id) for r in partner_of_second.roles} == {
            (p.country_code, p.party_id) for p in first.node.config.parties
        }
        assert {e["identifier"] for e in partner_of_first.endpoints} >= {"credentials", "locations"}
        assert {e["identifier"] for e in partner_of_second.endpoints} >= {"credentials", "locations"}

        async with httpx.AsyncClient() as http:
            credentials_url = next(e["url"] for e in partner_of_first.endpoints if e["identifier"] == "credentials")
            token_c = partner_of_first.outbound_token
            assert token_c

            def auth(token: str) -> dict[str, str]:
                return {"Authorization": authorization_header(token, version)}

            # token A was single use
            assert (await http.get(versions_url, headers=auth(token_a))).status_code == 401
            # token C works for functional modules, and POST again is refused (already registered)
            answer = await http.get(credentials_url, headers=auth(token_c))
            assert answer.status_code == 200 and answer.json()["data"]["token"] == token_c
            again = await http.post(credentials_url, headers=auth(token_c), json=answer.json()["data"])
            assert again.status_code == 405

            # rotation: PUT with a new token B; the old token C stops working, the new one works
            token_b = await first.store.issue_token(TokenKind.C, partner_of_first.pk)
            ours = answer.json()["data"]
            body = {**_our_credentials(first, version), "token": token_b}
            rotated = await http.put(credentials_url, headers=auth(token_c), json=body)
            assert rotated.status_code == 200, rotated.text
            new_token = rotated.json()["data"]["token"]
            assert new_token != token_c and ours["url"] == rotated.json()["data"]["url"]
            assert (await http.get(credentials_url, headers=auth(token_c))).status_code == 401
            assert (await http.get(credentials_url, headers=auth(new_token))).status_code == 200

            # unregistering: DELETE, then the token no longer works at all
            deleted = await http.delete(credentials_url, headers=auth(new_token))
            assert deleted.status_code == 200 and deleted.json()["status_code"] == 1000
            assert (await http.get(credentials_url, headers=auth(new_token))).status_code == 401
            [after] = await second.store.list_parties()
            assert after.state == "unregistered"


def _our_credentials(running: RunningNode, version: str) -> dict[str, object]:
    config = running.node.config
    return our_credentials(config, version, config.roles[0], "placeholder", running.base_url)


async def test_registration_with_unreachable_partner_answers_3001(tmp_path: Path) -> None:
    async with serve_node(tmp_path / "cpo.db", [CPO]) as cpo:
        token_a = await cpo.store.issue_token(TokenKind.A)
        body = {
            "token": "token-b",
            "url": "http://127.0.0.1:9/ocpi/versions",
            "roles": [{"role": "EMSP", "business_details": {"name": "x"}, "party_id": "EMS", "country_code": "DE"}],
        }
        async with httpx.AsyncClient() as http:
            url = f"{cpo.base_url}/ocpi/cpo/2.2.1/credentials"
            answer = await http.post(url, json=body, headers={"Authorization": authorization_header(token_a, "2.2.1")})
        assert answer.status_code == 200
        assert answer.json()["status_code"] == 3001
        assert await cpo.store.list_parties() == []


@pytest.mark.parametrize("initiator", ["emsp", "cpo"])
async def test_push_cursor_is_placed_before_a_partner_counts_as_registered(tmp_path: Path, initiator: str) -> None:
    """A change made just after a partner becomes registered must be pushed to it (it will not pull it: it is
    newer than its registration). So each side places the partner's push cursor before marking it registered;
    placed lazily by the push worker, the cursor could land after such a change and skip it."""
    async with (
        serve_node(tmp_path / "cpo.db", [CPO]) as cpo,
        serve_node(tmp_path / "emsp.db", [EMSP]) as emsp,
    ):
        cursor_when_registered: list[bool] = []
        for running in (cpo, emsp):
            store = running.store
            update_party = store.update_party

            async def checked_update(
                pk: int, *, _store: Any = store, _update: Any = update_party, **fields: Any
            ) -> Any:
                if fields.get("state") == "registered":
                    async with _store.engine.connect() as conn:
                        found = await conn.execute(sa.select(push_cursors).where(push_cursors.c.party_pk == pk))
                        cursor_when_registered.append(found.first() is not None)
                return await _update(pk, **fields)

            store.update_party = checked_update  # type: ignore[method-assign]
        first, second = (emsp, cpo) if initiator == "emsp" else (cpo, emsp)
        token_a = await second.store.issue_token(TokenKind.A)
        await register(first.node, f"{second.base_url}/ocpi/versions", token_a)
        assert cursor_when_registered == [True, True]  # the responder's and the initiator's
