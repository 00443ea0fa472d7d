"""Nobody gets in, nobody acts as someone else, and no token is kept or compared in a way that leaks it."""

from __future__ import annotations

import base64
import hashlib
import inspect
import re
from pathlib import Path
from typing import Any
from unittest import mock

import httpx
import orjson
import pytest
import sqlalchemy as sa
from fastapi.routing import APIRoute

from ocpi.core import utils
from ocpi.core.data_types import format_datetime
from ocpi.core.enums import RoleEnum
from ocpi.core.utils import authorization_header, tokens_equal
from ocpi.node.config import OwnParty
from ocpi.node.handshake import register
from ocpi.push import PushWorker
from ocpi.server import auth
from ocpi.storage import statements
from ocpi.storage.base import ObjectKey, PartyRole, TokenKind
from ocpi.storage.direct_sql import credential_statement
from ocpi.storage.secrets import KEY_VARIABLE
from ocpi.storage.sql import SqlStore, hash_token, metadata
from tests.conftest import PartnerFactory
from tests.nodes import RunningNode, eventually, serve_node
from tests.test_e2e.test_sync import example
from tests.test_hostile.support import envelope_of

DISCOVERY = re.compile(r"/(versions|[0-9.]+|credentials)$")


def ocpi_routes(app: Any) -> list[tuple[str, str]]:
    """(method, concrete path) of every OCPI route of the app, path parameters filled in."""
    routes = []
    for route in app.routes:
        if not isinstance(route, APIRoute) or not route.path.startswith("/ocpi"):
            continue
        path = re.sub(r"\{(country_code)\}", "NL", route.path)
        path = re.sub(r"\{(party_id)\}", "XYZ", path)
        path = re.sub(r"\{[a-z_]+\}", "ID1", path)
        routes.extend((method, path) for method in sorted(route.methods))
    return routes


async def _tokens_that_must_fail(store: SqlStore, make_partner: PartnerFactory) -> dict[str, str | None]:
    revoked = await make_partner("CPO", "BE", "REV")
    await store.revoke_tokens(token=revoked.token)
    gone = await make_partner("CPO", "BE", "GON")
    await store.update_party(gone.party.pk, state="unregistered")
    return {
        "no token": None,
        "wrong token": "not-a-token-anyone-issued",
        "revoked token": revoked.token,
        "unregistered partner's token": gone.token,
    }


async def test_every_route_refuses_every_bad_token_with_401(
    client: httpx.AsyncClient, store: SqlStore, make_partner: PartnerFactory
) -> None:
    bad = await _tokens_that_must_fail(store, make_partner)
    token_a = await store.issue_token(TokenKind.A)
    routes = ocpi_routes(client.app)  # type: ignore[attr-defined]
    assert len(routes) > 150
    for method, path in routes:
        cases = dict(bad)
        if not DISCOVERY.search(path):
            cases["token A outside versions/credentials"] = token_a
        for what, token in cases.items():
            headers = {"Authorization": authorization_header(token, "2.2.1")} if token else {}
            response = await client.request(method, path, headers=headers, content=b"{}")
            document = envelope_of(response.status_code, response.content)
            assert response.status_code == 401, (what, method, path, response.status_code, document)
            assert document["status_code"] == 2000, (what, method, path, document)
    # Token A itself works where it is meant to, and the raw (2.1.1) spelling is accepted too.
    for header in (authorization_header(token_a, "2.2.1"), authorization_header(token_a, "2.1.1")):
        answer = await client.get("/ocpi/versions", headers={"Authorization": header})
        assert answer.status_code == 200, answer.text


async def test_malformed_authorization_headers_are_401_in_the_envelope(client: httpx.AsyncClient) -> None:
    headers: list[str | bytes] = ["", "Token", "Token ", "Bearer abc", "Token " + "A" * 10_000, "Token ====="]
    headers.append("Token \u00e9\u00e9".encode("latin-1"))
    for header in headers:
        response = await client.get("/ocpi/cpo/2.2.1/locations", headers={"Authorization": header})
        assert response.status_code == 401, (header[:20], response.text)
        envelope_of(response.status_code, response.content)


async def test_a_partner_cannot_write_or_read_under_another_partys_owner(
    client: httpx.AsyncClient, store: SqlStore, make_partner: PartnerFactory
) -> None:
    victim = await make_partner("CPO", "BE", "VIC")
    attacker = await make_partner("CPO", "BE", "ATT")
    location = {**example("location_example.json"), "country_code": "BE", "party_id": "VIC"}
    url = "/ocpi/emsp/2.2.1/locations/BE/VIC/LOC1"
    created = await client.put(url, json=location, headers=victim.headers())
    assert created.status_code == 201, created.text
    tariff = {**example("tariff_8_simple_025kwh.json"), "country_code": "BE", "party_id": "VIC", "id": "T1"}
    tariff_url = "/ocpi/emsp/2.2.1/tariffs/BE/VIC/T1"
    assert (await client.put(tariff_url, json=tariff, headers=victim.headers())).status_code == 201
    before = await store.get(ObjectKey.of("locations", "BE", "VIC", "LOC1"))

    later = format_datetime(before.last_updated.replace(year=before.last_updated.year + 1))  # type: ignore[union-attr]
    attempts = [
        ("PUT", url, {**location, "name": "hijacked", "last_updated": later}),
        ("PATCH", url, {"name": "hijacked", "last_updated": later}),
        ("PATCH", url + "/3256", {"status": "OUTOFORDER", "last_updated": later}),
        ("GET", url, None),
        ("DELETE", tariff_url, None),
        ("GET", tariff_url, None),
    ]
    for method, target, body in attempts:
        response = await client.request(
            method, target, headers=attacker.headers(), content=None if body is None else orjson.dumps(body)
        )
        document = envelope_of(response.status_code, response.content)
        assert response.status_code == 404 and "not one of your parties" in document["status_message"], document
    # The routing headers cannot be used to pose as the victim either.
    posing = attacker.headers(**{"OCPI-from-country-code": "BE", "OCPI-from-party-id": "VIC"})
    response = await client.put(url, json={**location, "name": "hijacked"}, headers=posing)
    assert response.status_code == 404, response.text
    # A POSTed CDR names its owner in the body: the victim's is refused.
    cdr = {**example("cdr_example.json"), "country_code": "BE", "party_id": "VIC", "id": "FORGED"}
    response = await client.post("/ocpi/emsp/2.2.1/cdrs", json=cdr, headers=attacker.headers())
    assert response.status_code == 404, response.text
    assert await store.get(ObjectKey.of("cdrs", "BE", "VIC", "FORGED")) is None

    after = await store.get(ObjectKey.of("locations", "BE", "VIC", "LOC1"))
    assert after is not None and before is not None and after.canonical == before.canonical
    assert await store.get(ObjectKey.of("tariffs", "BE", "VIC", "T1")) is not None


async def test_every_owner_keyed_route_refuses_someone_elses_owner(
    client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    await make_partner("EMSP", "BE", "VIC")
    attacker = await make_partner("CPO", "BE", "ATT", ("EMSP", "BE", "AT2"), ("PTP", "BE", "AT3"))
    checked = 0
    for method, path in ocpi_routes(client.app):  # type: ignore[attr-defined]
        if "/NL/XYZ" not in path:
            continue
        path = path.replace("/NL/XYZ", "/BE/VIC")
        response = await client.request(method, path, headers=attacker.headers(), content=b"{}")
        document = envelope_of(response.status_code, response.content)
        assert response.status_code == 404, (method, path, document)
        assert "not one of your parties" in document["status_message"], (method, path, document)
        checked += 1
    assert checked > 50


def test_tokens_are_compared_in_constant_time_by_design() -> None:
    """How a token is checked, by construction:

    - `ocpi.server.auth.identify` hands the token from the header to `find_credential` and never compares it
      with anything itself;
    - `SqlStore.find_credential` hashes it (SHA-256) and lets the database find the row by that hash
      (`statements.FIND_CREDENTIAL`, or `direct_sql.credential_statement` on a direct reader: a bound parameter). The
      stored side is a hash, so what any comparison could leak through timing is the prefix of a SHA-256 the
      caller cannot steer, never a prefix of a live token;
    - where two secrets are compared in Python, `ocpi.core.utils.tokens_equal` uses `hmac.compare_digest`.
    The checks below hold those three facts to the code."""
    identify = inspect.getsource(auth.identify)
    assert "==" not in identify and "!=" not in identify
    assert "find_credential(token)" in identify
    find = inspect.getsource(SqlStore.find_credential)
    assert "hash_token(token)" in find and "token ==" not in find and "== token" not in find
    assert "token_hash" in str(statements.FIND_CREDENTIAL)
    statement, bound = credential_statement("a-hash")
    assert bound == ("a-hash",) and "a-hash" not in statement
    assert hash_token("abc") == hashlib.sha256(b"abc").hexdigest()
    with mock.patch.object(utils.hmac, "compare_digest", wraps=utils.hmac.compare_digest) as compare:
        assert tokens_equal("secret-1", "secret-1") and not tokens_equal("secret-1", "secret-2")
    assert compare.call_count == 2


async def test_the_database_sees_only_the_hash_of_a_presented_token(
    client: httpx.AsyncClient, store: SqlStore, make_partner: PartnerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every way a statement reaches the database: the engine, and the direct readers (SQLite in place,
    asyncpg on the reader's own connections)."""
    partner = await make_partner("CPO", "BE", "BEC")
    parameters: list[Any] = []

    def record(_conn: Any, _cursor: Any, _statement: str, params: Any, _context: Any, _many: bool) -> None:
        parameters.append(params)

    def recording(read: Any) -> Any:
        def read_and_record(sql: str, params: Any) -> Any:
            parameters.append(params)
            return read(sql, params)

        return read_and_record

    if store._reader is not None:
        monkeypatch.setattr(store._reader, "_all", recording(store._reader._all))
    if store._postgres_reader is not None:
        monkeypatch.setattr(store._postgres_reader, "_fetch", recording(store._postgres_reader._fetch))
    sa.event.listen(store.engine.sync_engine, "before_cursor_execute", record)
    try:
        response = await client.get("/ocpi/cpo/2.2.1/locations", headers=partner.headers())
    finally:
        sa.event.remove(store.engine.sync_engine, "before_cursor_execute", record)
    assert response.status_code == 200
    seen = repr(parameters)
    assert hash_token(partner.token) in seen
    assert partner.token not in seen


# --- no plaintext token at rest ---------------------------------------------------------------------

CPO = OwnParty(RoleEnum.CPO, "BE", "BEC", name="CPO node")
EMSP = OwnParty(RoleEnum.EMSP, "DE", "TNM", name="eMSP node")


async def _every_value(store: SqlStore) -> list[tuple[str, str, str]]:
    """(table, column, value as text) of every cell of every table, the migrations' own table included."""
    cells = []
    reflected = sa.MetaData()
    async with store.engine.connect() as conn:
        await conn.run_sync(reflected.reflect)
        for table in reflected.sorted_tables:
            for row in (await conn.execute(sa.select(table))).mappings():
                for column, value in row.items():
                    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                    cells.append((table.name, column, text))
    names = set(reflected.tables)
    assert {t.name for t in metadata.sorted_tables} | {"alembic_version"} <= names
    return cells


def _spellings(token: str) -> list[str]:
    return [token, base64.b64encode(token.encode()).decode()]


async def test_no_token_that_lets_anyone_in_is_stored_in_clear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a full handshake (token A, B, C) and pushes between two real nodes, neither database holds, in any
    column of any table, any token exchanged: not those that open the node (kept as hashes), and not the
    partner's token the node must present when calling that partner (`ocpi_parties.outbound_token`, which
    cannot be hashed because it is sent): that one is encrypted with the node key (`ocpi.storage.secrets`;
    here the key file beside each SQLite database), and read back in clear through the store."""
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    async with (
        serve_node(tmp_path / "cpo.db", [CPO], push_interval=0.1) as cpo,
        serve_node(tmp_path / "emsp.db", [EMSP], push_interval=0.1) as emsp,
    ):
        token_a = await cpo.store.issue_token(TokenKind.A)
        issued_by_emsp = []
        original_issue = emsp.store.issue_token

        async def remember(*args: Any, **kwargs: Any) -> str:
            token = await original_issue(*args, **kwargs)
            issued_by_emsp.append(token)
            return token

        emsp.store.issue_token = remember  # type: ignore[method-assign]
        await register(emsp.node, f"{cpo.base_url}/ocpi/cpo/versions", token_a)
        [emsp_at_cpo] = await cpo.store.list_parties()
        [cpo_at_emsp] = await emsp.store.list_parties()
        token_c = cpo_at_emsp.outbound_token
        assert token_c and issued_by_emsp

        await cpo.node.locations.put(example("location_example.json"), version="2.2.1")
        await eventually(lambda: _arrived(emsp), "the location pushed to the eMSP")
        await PushWorker(cpo.node).run_once()

        exchanged = {token_a, token_c, *issued_by_emsp}
        assert emsp_at_cpo.outbound_token in issued_by_emsp
        for name, running in (("cpo", cpo), ("emsp", emsp)):
            cells = await _every_value(running.store)
            for table, column, text in cells:
                for token in exchanged:
                    assert not any(spelling in text for spelling in _spellings(token)), f"{name}: {table}.{column}"
            stored = [text for table, column, text in cells if (table, column) == ("ocpi_parties", "outbound_token")]
            assert len(stored) == 1 and stored[0].startswith("fernet:"), stored
            assert (tmp_path / f"{name}.db.key").stat().st_mode & 0o777 == 0o600


async def _arrived(emsp: RunningNode) -> bool:
    return await emsp.store.get(ObjectKey.of("locations", "BE", "BEC", "LOC1")) is not None


@pytest.mark.parametrize("version", ["2.1.1", "2.2.1"])
async def test_registration_as_another_nodes_party_does_not_grant_its_owner(
    client: httpx.AsyncClient, store: SqlStore, make_partner: PartnerFactory, version: str
) -> None:
    """A registered partner's token is bound to the parties it registered: the node's own parties are
    not among them, so it cannot write objects filed under the node itself."""
    partner = await make_partner("CPO", "BE", "ATT")
    location = {**example("location_example.json"), "country_code": "NL", "party_id": "CPO"}
    response = await client.put(
        f"/ocpi/emsp/{version}/locations/NL/CPO/LOC1", json=location, headers=partner.headers(version)
    )
    assert response.status_code == 404, response.text
    assert await store.get(ObjectKey.of("locations", "NL", "CPO", "LOC1")) is None
    assert PartyRole("CPO", "NL", "CPO") not in partner.party.roles
