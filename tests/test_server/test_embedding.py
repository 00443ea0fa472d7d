"""The node as users embed and call it: mounted in their own FastAPI app (`app.mount(...)`, served by uvicorn on
127.0.0.1), and every route answered with or without a trailing slash."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute

from ocpi import get_application
from ocpi.core.enums import RoleEnum
from ocpi.core.utils import authorization_header
from ocpi.node.config import OwnParty
from ocpi.node.handshake import register
from ocpi.storage.base import ListQuery, TokenKind
from ocpi.storage.sql import SqlStore
from ocpi.testing import listening, local_node, serving
from tests.conftest import Partner, PartnerFactory
from tests.spec import SPEC_DIR


def location(location_id: str) -> dict[str, Any]:
    document = json.loads((SPEC_DIR / "2.2.1/examples/location_example.json").read_text())
    return {**document, "country_code": "NL", "party_id": "CPO", "id": location_id}


async def test_a_node_mounted_in_an_app_works_as_users_write_it(tmp_path: Path) -> None:
    """Issue 21: Starlette runs no lifespan of a mounted app, so the node never opened its store and answered
    every request 3000 "internal error". Now it starts on its first request (or first write): its store, its
    push worker; a partner registers through the mount and receives what the node writes."""
    app = FastAPI()

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    store = f"sqlite:///{tmp_path / 'cpo.db'}"
    # Private URLs: the partner below listens on loopback.
    roaming = get_application(roles=["CPO"], party=("NL", "CPO"), store=store, allow_private_urls=True)
    app.mount("/roaming", roaming, name="ocpi")
    roaming_node = roaming.state.node

    async with listening() as sock, serving(app, sock), httpx.AsyncClient() as http:
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        assert (await http.get(f"{base}/health")).json() == {"status": "ok"}
        unauthorized = await http.get(f"{base}/roaming/ocpi/versions")
        assert unauthorized.status_code == 401 and unauthorized.json()["status_code"] == 2000

        token_a = await roaming_node.store.issue_token(TokenKind.A)
        emsp_party = OwnParty(RoleEnum.EMSP, "DE", "EMS")
        async with local_node(parties=[emsp_party], store=f"sqlite:///{tmp_path / 'emsp.db'}") as emsp:
            partner = await register(emsp.node, f"{base}/roaming/ocpi/versions", token_a)
            assert partner.state == "registered" and partner.version == "2.3.0"
            assert all(e["url"].startswith(f"{base}/roaming/ocpi/cpo/2.3.0/") for e in partner.endpoints)

            await roaming_node.locations.put(location("LOC1"), version="2.2.1")  # pushed to the eMSP
            query = ListQuery("locations", "2.2.1", None, None, None, 0, 10)
            for _ in range(200):
                if (await emsp.store.page(query)).items:
                    break
                await asyncio.sleep(0.05)
            received = [json.loads(item) for item in (await emsp.store.page(query)).items]
            assert [item["id"] for item in received] == ["LOC1"]

            token_c = partner.outbound_token
            assert token_c is not None
            headers = {"Authorization": authorization_header(token_c, "2.2.1")}
            listed = await http.get(f"{base}/roaming/ocpi/cpo/2.2.1/locations", headers=headers)
            assert listed.status_code == 200 and [o["id"] for o in listed.json()["data"]] == ["LOC1"]
            one = await http.get(f"{base}/roaming/ocpi/cpo/2.2.1/locations/LOC1/", headers=headers)
            assert one.status_code == 200 and one.json()["data"]["id"] == "LOC1"


async def test_a_mounted_node_that_cannot_start_says_so(tmp_path: Path) -> None:
    app = FastAPI()
    app.mount("/roaming", get_application(roles=["CPO"], party=("NL", "CPO"), store="sqlite:////no/such/dir/x.db"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        answer = await http.get("/roaming/ocpi/versions")
    assert answer.status_code == 503
    assert answer.json()["status_code"] == 3000
    assert answer.json()["status_message"] == "the OCPI node did not start: OperationalError (its log tells more)"


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "X1", path)


async def test_every_route_answers_with_or_without_a_trailing_slash(
    client: httpx.AsyncClient, make_partner: PartnerFactory, store: SqlStore
) -> None:
    """Issue 21: `GET /ocpi/versions/` (any route with a trailing slash) answered 307 outside the envelope, with
    a Location built from the Host header; partners' clients often do not follow it. Now both spellings get
    the same answer, directly, read lane included."""
    partner: Partner = await make_partner("EMSP", "DE", "EMS", ("CPO", "DE", "CPO"))
    await client.app.state.node.locations.put(location("X1"), version="2.2.1")  # type: ignore[attr-defined]
    app: Any = client.app  # type: ignore[attr-defined]
    routes = [r for r in app.routes if isinstance(r, APIRoute) and r.path.startswith("/ocpi/")]
    assert len(routes) > 150
    checked = 0
    for route in routes:
        path = concrete(route.path)
        for method in sorted(route.methods):
            if path.endswith("/credentials") and method != "GET":
                continue  # the handshake and unregistering (their own tests): they change who the partner is
            body = b"{}" if method in ("PUT", "POST", "PATCH") else None
            plain = await client.request(method, path, content=body, headers=partner.headers())
            slashed = await client.request(method, path + "/", content=body, headers=partner.headers())
            assert slashed.status_code == plain.status_code != 307, f"{method} {path}/"
            assert slashed.json()["status_code"] == plain.json()["status_code"], f"{method} {path}/"
            if method == "GET":
                assert slashed.json().get("data") == plain.json().get("data"), f"{method} {path}/"
            checked += 1
    assert checked > 150
    listed = await client.get("/ocpi/cpo/2.2.1/locations/", headers=partner.headers())
    assert [o["id"] for o in listed.json()["data"]] == ["X1"]


async def test_a_mounted_node_stops_with_the_app_that_runs_its_lifespan(tmp_path: Path) -> None:
    """As the embedding guide says: `FastAPI(lifespan=node_app.router.lifespan_context)` starts the node with
    the app and closes its store when the app stops."""
    roaming = get_application(roles=["CPO"], party=("NL", "CPO"), store=f"sqlite:///{tmp_path / 'cpo.db'}")
    app = FastAPI(lifespan=roaming.router.lifespan_context)
    app.mount("/roaming", roaming)
    async with listening() as sock, serving(app, sock):
        assert roaming.lifecycle.started  # before any request
        async with httpx.AsyncClient() as http:
            answer = await http.get(f"http://127.0.0.1:{sock.getsockname()[1]}/roaming/ocpi/versions")
            assert answer.status_code == 401
    assert not roaming.lifecycle.started
