"""`ocpi.get_application`: roles under one party, a custom authenticator, and version details per role."""

from __future__ import annotations

import httpx
import pytest

import ocpi
from ocpi.storage.base import Credential, Party, PartyRole, TokenKind
from ocpi.storage.sql import SqlStore


class OneTokenAuthenticator:
    """What an application with its own partner registry plugs in instead of the store's tokens."""

    async def find_credential(self, token: str) -> Credential | None:
        if token != "partner-secret":
            return None
        party = Party(pk=0, name="from my registry", roles=[PartyRole("EMSP", "DE", "EMS")], state="registered")
        return Credential(TokenKind.C, party)


async def test_roles_under_one_party_and_a_custom_authenticator(sqlite_store: SqlStore) -> None:
    app = ocpi.get_application(
        roles=["cpo", "emsp"], party=("NL", "ABC"), store=sqlite_store, authenticator=OneTokenAuthenticator()
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://node") as http:
        denied = await http.get("/ocpi/versions", headers={"Authorization": "Token something-else"})
        assert denied.status_code == 401 and denied.json()["status_code"] == 2000
        details = await http.get("/ocpi/2.2.1", headers={"Authorization": "Token partner-secret"})
        assert details.status_code == 200
        endpoints = {(e["identifier"], e["role"]) for e in details.json()["data"]["endpoints"]}
        assert ("locations", "SENDER") in endpoints and ("locations", "RECEIVER") in endpoints
        assert ("tokens", "SENDER") in endpoints and ("tokens", "RECEIVER") in endpoints
        answer = await http.get("/ocpi/cpo/2.2.1/credentials", headers={"Authorization": "Token partner-secret"})
        roles = {(r["role"], r["country_code"], r["party_id"]) for r in answer.json()["data"]["roles"]}
        assert roles == {("CPO", "NL", "ABC"), ("EMSP", "NL", "ABC")}
        # the store's own tokens are not consulted when an authenticator is given
        stored = await sqlite_store.issue_token(TokenKind.C)
        assert (await http.get("/ocpi/versions", headers={"Authorization": f"Token {stored}"})).status_code == 401


def test_an_unsupported_version_is_refused_with_a_clear_error(sqlite_store: SqlStore) -> None:
    with pytest.raises(
        ValueError, match=r"unsupported OCPI version '9\.9\.9': a node serves some of 2\.1\.1, 2\.2\.1, 2\.3\.0"
    ):
        ocpi.get_application(roles=["cpo"], party=("NL", "ABC"), store=sqlite_store, versions=("2.2.1", "9.9.9"))
    with pytest.raises(ValueError, match="no version: a node serves some of"):
        ocpi.get_application(roles=["cpo"], party=("NL", "ABC"), store=sqlite_store, versions=())
