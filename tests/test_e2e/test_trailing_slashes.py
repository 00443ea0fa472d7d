"""Every call our node makes to a partner uses the URLs the partner advertised exactly (issue 21, item 4): a
FastAPI-based eMSP advertises its endpoints with a trailing slash (`.../cdrs/`) and answers only those exact
URLs; any other spelling gets FastAPI's 307, which a node must never need to follow. Before, the push stripped
the slash and no CDR ever reached such a partner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from fastapi import FastAPI, Request

from ocpi.node.handshake import register
from ocpi.node.outbound import authorize_token
from tests.nodes import eventually, serve_app, serve_node
from tests.test_e2e.test_sync import CPO, example

PARTY = {"country_code": "DE", "party_id": "TNM"}  # the eMSP the example CDR's token belongs to
STAMP = "2030-01-01T00:00:00Z"


def envelope(data: Any = None) -> dict[str, Any]:
    return {"status_code": 1000, "timestamp": STAMP, **({"data": data} if data is not None else {})}


class SlashedEmsp:
    """A 2.2.1 eMSP whose versions, version details and module endpoints all end in `/`, as FastAPI routers
    mounted at a prefix with a route "/" do; FastAPI redirects every other spelling (307)."""

    def __init__(self) -> None:
        self.answered: list[tuple[str, str, int]] = []
        self.received: dict[str, dict[str, Any]] = {}
        self.app = FastAPI()
        app = self.app

        @app.middleware("http")
        async def record(request: Request, call_next: Any) -> Any:
            response = await call_next(request)
            self.answered.append((request.method, request.url.path, response.status_code))
            return response

        def base(request: Request) -> str:
            return str(request.base_url).rstrip("/")

        @app.get("/ocpi/versions/")
        async def versions(request: Request) -> Any:
            return envelope([{"version": "2.2.1", "url": f"{base(request)}/ocpi/2.2.1/"}])

        @app.get("/ocpi/2.2.1/")
        async def details(request: Request) -> Any:
            root = f"{base(request)}/ocpi/emsp/2.2.1"
            endpoints = [
                ("credentials", "RECEIVER", f"{base(request)}/ocpi/2.2.1/credentials/"),
                ("locations", "RECEIVER", f"{root}/locations/"),
                ("cdrs", "RECEIVER", f"{root}/cdrs/"),
                ("tokens", "SENDER", f"{root}/tokens/"),
            ]
            return envelope(
                {
                    "version": "2.2.1",
                    "endpoints": [{"identifier": i, "role": r, "url": u} for i, r, u in endpoints],
                }
            )

        @app.post("/ocpi/2.2.1/credentials/")
        async def credentials(request: Request) -> Any:
            return envelope(
                {
                    "token": "token-c-of-the-emsp",
                    "url": f"{base(request)}/ocpi/versions/",
                    "roles": [{"role": "EMSP", **PARTY, "business_details": {"name": "slashed eMSP"}}],
                }
            )

        @app.put("/ocpi/emsp/2.2.1/locations/{country_code}/{party_id}/{location_id}")
        async def location(location_id: str, request: Request) -> Any:
            self.received[f"location {location_id}"] = orjson.loads(await request.body())
            return envelope()

        @app.post("/ocpi/emsp/2.2.1/cdrs/")
        async def cdr(request: Request) -> Any:
            body = orjson.loads(await request.body())
            self.received[f"cdr {body['id']}"] = body
            return envelope()

        @app.post("/ocpi/emsp/2.2.1/tokens/{uid}/authorize")
        async def authorize(uid: str, request: Request) -> Any:
            token = {**PARTY, "uid": uid, "type": "RFID", "contract_id": "DE-TNM-C1", "issuer": "TNM"}
            token.update(valid=True, whitelist="ALLOWED", last_updated=STAMP)
            return envelope({"allowed": "ALLOWED", "token": token})


async def test_a_partner_advertising_trailing_slashes_is_called_at_exactly_its_urls(tmp_path: Path) -> None:
    emsp = SlashedEmsp()
    async with serve_app(emsp.app) as emsp_url, serve_node(tmp_path / "cpo.db", [CPO], push_interval=0.05) as cpo:
        partner = await register(cpo.node, f"{emsp_url}/ocpi/versions/", "token-a-from-the-emsp")
        assert partner.state == "registered" and partner.version == "2.2.1"

        await cpo.node.locations.put(example("location_example.json"), version="2.2.1")
        await cpo.node.cdrs.put(example("cdr_example.json"), version="2.2.1")

        async def delivered() -> bool:
            return {"location LOC1", "cdr 12345"} <= set(emsp.received)

        await eventually(delivered, "the location and the CDR at the eMSP")
        info = await authorize_token(cpo.node, partner, "012345678")
        assert info.allowed == "ALLOWED"

    assert [status for *_, status in emsp.answered if status != 200] == [], emsp.answered
    calls = [(method, path) for method, path, _ in emsp.answered]
    assert calls[:3] == [("GET", "/ocpi/versions/"), ("GET", "/ocpi/2.2.1/"), ("POST", "/ocpi/2.2.1/credentials/")]
    assert sorted(calls[3:]) == [
        ("POST", "/ocpi/emsp/2.2.1/cdrs/"),
        ("POST", "/ocpi/emsp/2.2.1/tokens/012345678/authorize"),
        ("PUT", "/ocpi/emsp/2.2.1/locations/BE/BEC/LOC1"),
    ]
