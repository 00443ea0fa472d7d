"""A partner as third-party OCPI implementations behave in the wild, on 127.0.0.1, against a real node: it wraps
single objects in a one-element list, leaves `status_message` out and the timestamp too, sends `Link: ""` on the
last page, a Link with the wrong scheme and one with Python enum names in its path, objects with DateTimes
without seconds and numbers as strings, and calls us with a raw token where 2.2.1 says Base64. The node reads
each where the meaning is unambiguous, loses nothing, returns typed answers, and records each deviation as the
partner's quirk, which `ocpi parties show` lists."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ocpi.core.enums import RoleEnum
from ocpi.core.rules import RULES
from ocpi.modules.commands.v_2_2_1.schemas import CommandResponse
from ocpi.modules.tokens.v_2_2_1.schemas import AuthorizationInfo
from ocpi.node.config import OwnParty
from ocpi.node.handshake import register
from ocpi.node.outbound import authorize_token, send_command
from ocpi.push.pull import pull
from ocpi.storage.base import ObjectKey
from ocpi.storage.secrets import KEY_FILE_VARIABLE, KEY_VARIABLE
from tests.nodes import serve_app, serve_node
from tests.spec import SPEC_DIR
from tests.test_cli.nodes import OCPI, cli_env

PARTNER = ("DE", "QRK")
OURS = [OwnParty(RoleEnum.EMSP, "NL", "EMS"), OwnParty(RoleEnum.CPO, "NL", "CPO")]


def location(index: int) -> dict[str, Any]:
    document = json.loads((SPEC_DIR / "2.2.1/examples/location_example.json").read_text())
    document.update(country_code=PARTNER[0], party_id=PARTNER[1], id=f"LOC{index}")
    document["last_updated"] = f"2024-05-0{index}T10:00"  # no seconds
    document["evses"][0]["connectors"][0]["max_voltage"] = "220"  # an int written as a string
    return document


def envelope(data: Any, **headers: str) -> JSONResponse:
    """The envelope such partners send: no status_message, no timestamp, the status code as a string."""
    return JSONResponse({"data": data, "status_code": "1000"}, headers=headers)


@dataclass
class QuirkyPartner:
    base_url: str = ""
    token_b: str = ""
    """The token our node gave it in the credentials handshake, to call us with."""
    served: list[str] = field(default_factory=list)

    def app(self) -> Starlette:
        async def versions(request: Request) -> JSONResponse:
            return envelope([{"version": "2.2.1", "url": f"{self.base_url}/ocpi/2.2.1"}])

        async def details(request: Request) -> JSONResponse:
            endpoints = [
                ("credentials", "SENDER", "credentials"),
                ("locations", "SENDER", "locations"),
                ("commands", "RECEIVER", "commands"),
                ("tokens", "SENDER", "tokens"),
            ]
            listed = [{"identifier": i, "role": r, "url": f"{self.base_url}/ocpi/2.2.1/{p}"} for i, r, p in endpoints]
            return envelope({"version": "2.2.1", "endpoints": listed})

        async def credentials(request: Request) -> JSONResponse:
            ours = await request.json()
            self.token_b = ours["token"]
            theirs = {
                "token": "quirky-partner-token-c",
                "url": f"{self.base_url}/ocpi/versions",
                "roles": [
                    {
                        "role": role,
                        "country_code": PARTNER[0],
                        "party_id": PARTNER[1],
                        "business_details": {"name": "Quirky"},
                    }
                    for role in ("CPO", "EMSP")
                ],
            }
            return envelope([theirs])  # one object, wrapped in a list

        async def locations(request: Request) -> JSONResponse:
            offset = int(request.query_params.get("offset", 0))
            self.served.append(request.url.path)
            page = [location(offset + 1), location(offset + 2)][: 5 - offset]
            headers = {"X-Total-Count": "5", "X-Limit": "2"}
            after = f"offset={offset + 2}&limit=2"
            if offset == 0:  # the Link in https while the list is served over http
                headers["Link"] = (
                    f'<{self.base_url.replace("http:", "https:")}/ocpi/2.2.1/locations?{after}>; rel="next"'
                )
            elif offset == 2:  # a Python enum's name where its value belongs
                headers["Link"] = f'<{self.base_url}/ocpi/2.2.1/ModuleID.locations?{after}>; rel="next"'
            else:
                headers["Link"] = ""  # the last page
            return envelope(page, **headers)

        async def start_session(request: Request) -> JSONResponse:
            return envelope([{"result": "ACCEPTED", "timeout": 30}])

        async def authorize(request: Request) -> JSONResponse:
            token = json.loads((SPEC_DIR / "2.2.1/examples/token_example_2_full_rfid.json").read_text())
            return envelope([{"allowed": "ALLOWED", "token": token, "authorization_reference": "Q-1"}])

        return Starlette(
            routes=[
                Route("/ocpi/versions", versions),
                Route("/ocpi/2.2.1", details),
                Route("/ocpi/2.2.1/credentials", credentials, methods=["POST"]),
                Route("/ocpi/2.2.1/locations", locations),
                Route("/ocpi/2.2.1/ModuleID.locations", locations),
                Route("/ocpi/2.2.1/commands/START_SESSION", start_session, methods=["POST"]),
                Route("/ocpi/2.2.1/tokens/{uid}/authorize", authorize, methods=["POST"]),
            ]
        )


async def test_a_quirky_partner_is_read_and_its_quirks_are_listed(tmp_path: Path) -> None:
    database = tmp_path / "ours.db"
    partner = QuirkyPartner()
    async with serve_app(partner.app()) as partner_url, serve_node(database, OURS, versions=("2.2.1",)) as ours:
        partner.base_url = partner_url
        party = await register(ours.node, f"{partner_url}/ocpi/versions", "token-a", role=RoleEnum.EMSP)
        assert party.outbound_token == "quirky-partner-token-c" and party.owns(*PARTNER)

        # every page read, each Link repaired, nothing dropped
        report = await pull(ours.node, party, "locations")
        assert (report.received, report.stored, report.rejected, report.skipped) == (5, 5, [], [])
        assert partner.served == ["/ocpi/2.2.1/locations", "/ocpi/2.2.1/locations", "/ocpi/2.2.1/locations"]
        stored = await ours.store.get(ObjectKey.of("locations", *PARTNER, "LOC5"))
        assert stored is not None and json.loads(stored.rendered["2.2.1"])["last_updated"] == "2024-05-05T10:00:00Z"

        # typed answers, read from the one-element lists
        answer, _ = await send_command(ours.node, party, "START_SESSION", {"location_id": "LOC1"})
        assert isinstance(answer, CommandResponse) and (answer.result, answer.timeout) == ("ACCEPTED", 30)
        info = await authorize_token(ours.node, party, "012345678")
        assert isinstance(info, AuthorizationInfo) and info.authorization_reference == "Q-1"

        # and it calls us with the raw token where 2.2.1 says Base64, with a sloppy Location
        async with httpx.AsyncClient() as http:
            put = await http.put(
                f"{ours.base_url}/ocpi/emsp/2.2.1/locations/DE/QRK/LOC9",
                json=location(9),
                headers={"Authorization": f"Token {partner.token_b}"},
            )
        assert put.status_code == 201 and put.json()["status_code"] == 1000
    # the node has stopped: what it noted is in the store

    # as an operator runs it, with the node key this process's node used (the environment's, else the file
    # beside the database)
    command = [OCPI, "parties", "show", "DE/QRK", "--db", f"sqlite:///{database}"]
    key = {name: os.environ[name] for name in (KEY_VARIABLE, KEY_FILE_VARIABLE) if os.environ.get(name)}
    shown = subprocess.run(command, env=cli_env(COLUMNS="500", **key), capture_output=True, text=True, check=False)
    assert shown.returncode == 0, shown.stderr
    assert "Quirks (read out of spec)" in shown.stdout
    rows = {line.split("│")[1].strip(): line for line in shown.stdout.splitlines() if line.count("│") > 4}
    counts = {kind: int(rows[kind].split("│")[2]) for kind in rows if kind in RULES}
    assert counts == {
        "data-in-list": 3,  # the credentials, the CommandResponse, the AuthorizationInfo
        # every answer once it is a partner (the credentials, three pages, the command, the authorization): the
        # string status code and the missing timestamp count once per answer; the versions and details read
        # before it is one are not counted
        "envelope": 6,
        "link": 3,  # https for http, ModuleID.locations for locations, Link: "" on the last page
        "datetime-format": 6,  # five pulled Locations and the one it PUT
        "json-integer": 6,
        "token-encoding": 1,
    }, shown.stdout
    assert "a raw token where this version's requests carry it Base64" in rows["token-encoding"]
    assert "one AuthorizationInfo wrapped in a list" in rows["data-in-list"]  # the last one
