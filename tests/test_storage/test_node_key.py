"""The node key (`ocpi.storage.secrets`): the partner tokens a store must keep readable are encrypted with it;
where it comes from; a missing or wrong key is an error that says what to set; `ocpi secrets rotate`."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from ocpi.cli.main import app
from ocpi.core.utils import authorization_header
from ocpi.storage.base import PartyRole, TokenKind
from ocpi.storage.secrets import KEY_FILE_VARIABLE, KEY_VARIABLE, NodeKey, SecretKeyError, new_key
from ocpi.storage.sql import SqlStore, parties
from ocpi.testing import local_node
from tests.test_hostile.test_handshake import VICTIM, credentials, discovery_partner

runner = CliRunner()


@pytest.fixture(autouse=True)
def no_key_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    monkeypatch.delenv(KEY_FILE_VARIABLE, raising=False)


async def stored_token(store: SqlStore) -> str:
    async with store.engine.connect() as conn:
        return str((await conn.execute(sa.select(parties.c.outbound_token))).scalar_one())


async def partner_with_token(store: SqlStore, token: str = "their-token") -> int:
    party = await store.create_party("p", [PartyRole("EMSP", "DE", "AAA")], state="registered", outbound_token=token)
    return party.pk


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, list(args), env={"COLUMNS": "200", **(env or {})})


async def run(*args: str, env: dict[str, str] | None = None) -> Any:
    """`invoke` from a test's event loop (a command runs its own)."""
    return await asyncio.to_thread(invoke, *args, env=env)


async def test_a_sqlite_database_gets_a_key_file_beside_it_on_first_use(tmp_path: Path) -> None:
    """A fresh machine needs no setup (`make demo`, the README): the key is made when a token is first stored."""
    database = tmp_path / "node.db"
    store = await SqlStore.open(f"sqlite:///{database}")
    key_file = tmp_path / "node.db.key"
    try:
        assert not key_file.exists()
        pk = await partner_with_token(store)
        assert key_file.stat().st_mode & 0o777 == 0o600
        raw = await stored_token(store)
        assert raw.startswith("fernet:") and "their-token" not in raw
        assert Fernet(key_file.read_text().strip().encode()).decrypt(raw.removeprefix("fernet:").encode()) == (
            b"their-token"
        )
        party = await store.get_party(pk)
        assert party is not None and party.outbound_token == "their-token"
    finally:
        await store.close()


async def test_a_missing_key_is_an_error_naming_the_variable(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'node.db'}"
    store = await SqlStore.open(url)
    await partner_with_token(store)
    await store.close()
    (tmp_path / "node.db.key").unlink()
    with pytest.raises(SecretKeyError) as missing:
        await SqlStore.open(url)
    assert f"no node key ({tmp_path / 'node.db.key'} does not exist). Set {KEY_VARIABLE}" in str(missing.value)
    listed = await run("parties", "list", "--db", url)
    assert listed.exit_code == 2 and listed.output.startswith("error: cannot read a partner token: no node key")
    assert len(listed.output.strip().splitlines()) == 1

    wrong = await run("parties", "list", "--db", url, env={KEY_VARIABLE: new_key()})
    assert wrong.exit_code == 2
    assert f"encrypted with a key that {KEY_VARIABLE} does not hold" in wrong.output


async def test_a_malformed_key_is_an_error_naming_where_it_came_from(tmp_path: Path) -> None:
    result = await run("tokens", "create", "--db", f"sqlite:///{tmp_path / 'x.db'}", env={KEY_VARIABLE: "not-a-key"})
    assert result.exit_code == 2 and f"error: {KEY_VARIABLE} holds something that is not a Fernet key" in result.output


async def test_without_a_key_a_handshake_answers_3000_and_says_why_in_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """What a node on PostgreSQL without OCPI_SECRET_KEY does (no key file there): it keeps no token in clear; the
    partner is told to retry later, the operator what to set; the token A is given back."""
    store = await SqlStore.open(f"sqlite:///{tmp_path / 'node.db'}")
    store.node_key = NodeKey()  # as on PostgreSQL with no key configured
    try:
        async with discovery_partner() as partner, local_node(parties=VICTIM, store=store) as node:
            token_a = await store.issue_token(TokenKind.A)
            with caplog.at_level(logging.ERROR, logger="ocpi.server"):
                async with httpx.AsyncClient() as http:
                    answer = await http.post(
                        f"{node.base_url}/ocpi/cpo/2.2.1/credentials",
                        json=credentials(partner.base_url + "/versions", ("DE", "AAA")),
                        headers={"Authorization": authorization_header(token_a, "2.2.1")},
                    )
            assert (answer.status_code, answer.json()["status_code"]) == (200, 3000)
            assert "cannot store your credentials token" in answer.json()["status_message"]
            assert f"cannot store a partner token: no node key. Set {KEY_VARIABLE}" in caplog.text
            assert await store.list_parties() == []  # nothing kept: the token could not be
            assert await store.find_credential(token_a) is not None
    finally:
        await store.close()


async def test_the_key_may_come_from_the_environment_with_older_keys_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = new_key(), new_key()
    monkeypatch.setenv(KEY_VARIABLE, old)
    url = f"sqlite:///{tmp_path / 'node.db'}"
    store = await SqlStore.open(url)
    try:
        await partner_with_token(store)
        assert not (tmp_path / "node.db.key").exists()
    finally:
        await store.close()
    monkeypatch.setenv(KEY_VARIABLE, f"{new}, {old}")
    assert (await run("secrets", "rotate", "--db", url)).exit_code == 0
    monkeypatch.setenv(KEY_VARIABLE, new)
    store = await SqlStore.open(url)
    try:
        [party] = await store.list_parties()
        assert party.outbound_token == "their-token"
    finally:
        await store.close()


async def test_rotating_the_key_file_re_encrypts_every_token_and_running_nodes_follow(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'node.db'}"
    running = await SqlStore.open(url)  # a node that stays up through the rotation
    try:
        await partner_with_token(running, "first-token")
        legacy = await running.create_party("legacy", [PartyRole("EMSP", "DE", "OLD")], state="registered")
        async with running.engine.begin() as conn:  # a token kept in clear before encryption existed
            await conn.execute(sa.update(parties).where(parties.c.pk == legacy.pk).values(outbound_token="in-clear"))
        old_key = (tmp_path / "node.db.key").read_text()

        rotated = await run("secrets", "rotate", "--db", url)
        assert rotated.exit_code == 0, rotated.output
        assert f"2 partner token(s) encrypted with a new key in {tmp_path / 'node.db.key'}" in rotated.output
        new_key_text = (tmp_path / "node.db.key").read_text()
        assert new_key_text != old_key and len(new_key_text.split()) == 1
        fresh = NodeKey(keys=[new_key_text.strip().encode()])
        async with running.engine.connect() as conn:
            stored = dict((await conn.execute(sa.select(parties.c.name, parties.c.outbound_token))).all())
        assert fresh.decrypt(stored["p"]) == "first-token" and fresh.decrypt(stored["legacy"]) == "in-clear"

        # The running node reads the rotated file: it reads the tokens, and writes new ones with the new key.
        assert {p.outbound_token for p in await running.list_parties()} == {"first-token", "in-clear"}
        await running.update_party(legacy.pk, outbound_token="second-token")
        assert fresh.decrypt(await _token_of(running, legacy.pk)) == "second-token"
    finally:
        await running.close()


async def _token_of(store: SqlStore, pk: int) -> str:
    async with store.engine.connect() as conn:
        return str((await conn.execute(sa.select(parties.c.outbound_token).where(parties.c.pk == pk))).scalar_one())


def test_new_key_prints_a_fernet_key() -> None:
    result = invoke("secrets", "new-key")
    assert result.exit_code == 0
    Fernet(result.output.strip().encode())
