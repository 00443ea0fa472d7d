"""Shared fixtures: a real store (SQLite always; PostgreSQL when OCPI_TEST_POSTGRES_URL is set), a node's
ASGI app on it, and registered partners with their tokens."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from hypothesis import settings

from ocpi.core.enums import RoleEnum
from ocpi.core.utils import authorization_header
from ocpi.node.config import OwnParty
from ocpi.node.hooks import Hooks
from ocpi.server.app import get_application
from ocpi.storage.base import Party, PartyRole, TokenKind
from ocpi.storage.secrets import KEY_VARIABLE, new_key
from ocpi.storage.sql import SqlStore, metadata

POSTGRES_URL = os.environ.get("OCPI_TEST_POSTGRES_URL")
if POSTGRES_URL:
    # A node on PostgreSQL is given the key that encrypts partner tokens (ocpi.storage.secrets), as in production;
    # SQLite databases get theirs from a key file beside them, as on a machine with no setup.
    os.environ.setdefault(KEY_VARIABLE, new_key())

# CI runs the property tests on a fixed set of examples, so a run is reproducible; locally they explore.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# The node under test plays CPO NL/CPO, eMSP NL/EMS and PTP NL/PTP.
NODE_PARTIES = (
    OwnParty(RoleEnum.CPO, "NL", "CPO", name="Test CPO"),
    OwnParty(RoleEnum.EMSP, "NL", "EMS", name="Test eMSP"),
    OwnParty(RoleEnum.PTP, "NL", "PTP", name="Test PTP"),
)


_MIGRATED: set[str] = set()


async def open_clean_store(url: str) -> SqlStore:
    """A store on an empty database: the first time in a run every table is dropped and migrated from
    scratch; after that the tables are emptied (much faster than migrating per test)."""
    store = await SqlStore.open(url, create=False)
    async with store.engine.begin() as conn:
        if url in _MIGRATED:
            names = ", ".join(table.name for table in metadata.sorted_tables)
            await conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return store
        await conn.run_sync(metadata.drop_all)
        await conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    await store.migrate()
    _MIGRATED.add(url)
    return store


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlStore]:
    """The store on every backend: SQLite always, PostgreSQL when OCPI_TEST_POSTGRES_URL is set."""
    if request.param == "postgres":
        if not POSTGRES_URL:
            pytest.skip("OCPI_TEST_POSTGRES_URL is not set")
        opened = await open_clean_store(POSTGRES_URL)
    else:
        opened = await SqlStore.open(f"sqlite:///{tmp_path / 'ocpi.db'}")
    yield opened
    await opened.close()


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    opened = await SqlStore.open(f"sqlite:///{tmp_path / 'ocpi.db'}")
    yield opened
    await opened.close()


@dataclass
class Partner:
    party: Party
    token: str

    def headers(self, version: str = "2.2.1", **extra: str) -> dict[str, str]:
        return {"Authorization": authorization_header(self.token, version), **extra}


PartnerFactory = Callable[..., Any]


@pytest.fixture
def make_partner(store: SqlStore) -> PartnerFactory:
    """`await make_partner("CPO", "BE", "BEC")`: a registered partner and its token (kind C)."""

    async def make(role: str, country_code: str, party_id: str, *more: tuple[str, str, str]) -> Partner:
        roles = [PartyRole(role, country_code, party_id), *(PartyRole(*r) for r in more)]
        party = await store.create_party(f"{country_code}/{party_id}", roles, state="registered")
        token = await store.issue_token(TokenKind.C, party.pk)
        return Partner(party, token)

    return make


_APPS: dict[Any, Any] = {}


def node_app(store: SqlStore, parties: Sequence[OwnParty] = NODE_PARTIES, **options: Any) -> Any:
    """The node's app on `store`. Building one mounts ~700 routes, so an app is built once per configuration
    and handed to later tests with the new store attached and fresh hooks."""
    options.setdefault("allow_private_urls", True)  # the test partners' response_urls are on loopback
    try:
        key: Any = (tuple(parties), tuple(sorted(options.items())))
        hash(key)
    except TypeError:
        key = None
    app = _APPS.get(key) if key is not None else None
    if app is None:
        app = get_application(parties=parties, store=store, base_url="http://testserver", **options)
        if key is not None:
            _APPS[key] = app
        return app
    node = app.state.node
    node.attach(store)
    node.hooks = Hooks()
    return app


@pytest.fixture
async def client(store: SqlStore) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the node's real ASGI app (CPO + eMSP + PTP) over the `store` fixture."""
    app = node_app(store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        http.app = app  # type: ignore[attr-defined]
        yield http
