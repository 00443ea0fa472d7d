"""Input that once reached a 500 or destroyed data (issue 20, item 4), against a real server on 127.0.0.1:

- a DateTime that overflows when converted to UTC (`0001-01-01T00:00:00+14:00` is in year 0 in UTC,
  `9999-12-31T23:59:59-14:00` in year 10000) is invalid input: HTTP 200 with 2001 and the field's name (the
  status_codes chapter: no HTTP error for an authenticated request to an existing endpoint), one report line
  per error from `ocpi validate`, never a traceback;
- `null` in a PATCH reads as absent, as everywhere in the library: `{"evses": null}` removed every EVSE."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from typer.testing import CliRunner

from ocpi.cli.main import app
from ocpi.core.enums import RoleEnum
from ocpi.core.utils import authorization_header
from ocpi.node.config import OwnParty
from ocpi.storage.base import PartyRole, TokenKind
from ocpi.testing import local_node
from tests.test_e2e.test_sync import example
from tests.test_hostile.support import envelope_of

NODE = [OwnParty(RoleEnum.CPO, "NL", "CPO"), OwnParty(RoleEnum.EMSP, "NL", "EMS")]
EARLY, LATE = "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"
LOCATION = "/ocpi/emsp/2.2.1/locations/BE/BEC/LOC1"


@pytest.fixture
async def http(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a real node with a registered CPO partner BE/BEC that has pushed Location LOC1."""
    async with local_node(parties=NODE, store=f"sqlite:///{tmp_path / 'node.db'}") as node:
        partner = await node.store.create_party("BE/BEC", [PartyRole("CPO", "BE", "BEC")], state="registered")
        token = await node.store.issue_token(TokenKind.C, partner.pk)
        headers = {"Authorization": authorization_header(token, "2.2.1")}
        async with httpx.AsyncClient(base_url=node.base_url, headers=headers) as client:
            created = await client.put(LOCATION, json=location())
            assert created.status_code == 201, created.text
            yield client


def location(**changes: Any) -> dict[str, Any]:
    return {**example("location_example.json"), "country_code": "BE", "party_id": "BEC"} | changes


def invalid(response: httpx.Response, *words: str) -> None:
    document = envelope_of(response.status_code, response.content)
    assert (response.status_code, document["status_code"]) == (200, 2001), document
    for word in words:
        assert word in document["status_message"], document


@pytest.mark.parametrize("moment", [EARLY, LATE])
async def test_a_query_date_that_overflows_in_utc_is_2001(http: httpx.AsyncClient, moment: str) -> None:
    for name in ("date_from", "date_to"):
        invalid(await http.get("/ocpi/cpo/2.2.1/locations", params={name: moment}), f"{name}: not an RFC 3339")
        # `+` unencoded in the query string reads as a space (form encoding): the same refusal.
        raw = f"/ocpi/cpo/2.2.1/locations?{name}={moment}"
        invalid(await http.get(raw), f"{name}: not an RFC 3339 DateTime (years 1 to 9999 in UTC)")


@pytest.mark.parametrize("moment", [EARLY, LATE])
async def test_a_body_date_that_overflows_in_utc_is_2001_with_its_path(http: httpx.AsyncClient, moment: str) -> None:
    reason = "DateTime out of range once converted to UTC"
    invalid(await http.put(LOCATION, json=location(last_updated=moment)), "last_updated", reason)
    evses = location()["evses"]
    evses[0]["connectors"][0]["last_updated"] = moment
    invalid(await http.put(LOCATION, json=location(evses=evses)), "evses.0.connectors.0.last_updated", reason)
    invalid(await http.patch(LOCATION, json={"name": "x", "last_updated": moment}), "last_updated", reason)
    invalid(await http.patch(LOCATION + "/3256", json={"status": "CHARGING", "last_updated": moment}), reason)
    stored = envelope_of(*_answer(await http.get(LOCATION)))["data"]
    assert stored["name"] == location()["name"] and stored["evses"][0]["status"] == "AVAILABLE"


def test_ocpi_validate_reports_a_date_that_overflows_in_utc_without_a_traceback(tmp_path: Path) -> None:
    source = tmp_path / "location.json"
    source.write_text(orjson.dumps(location(last_updated=LATE)).decode())
    result = CliRunner().invoke(app, ["validate", str(source), "--module", "locations", "--version", "2.2.1"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception  # not a crash
    assert "$.last_updated: Value error, DateTime out of range once converted to UTC" in result.output


async def test_patch_with_null_lists_removes_nothing(http: httpx.AsyncClient) -> None:
    before = envelope_of(*_answer(await http.get(LOCATION)))["data"]
    assert len(before["evses"]) == 2
    nulled = {"evses": None, "name": "renamed", "last_updated": "2030-01-01T00:00:00Z"}
    patched = await http.patch(LOCATION, json=nulled)
    assert envelope_of(*_answer(patched))["status_code"] == 1000
    evse = await http.patch(
        LOCATION + "/3256", json={"connectors": None, "status": "CHARGING", "last_updated": "2030-01-01T00:00:01Z"}
    )
    assert envelope_of(*_answer(evse))["status_code"] == 1000
    after = envelope_of(*_answer(await http.get(LOCATION)))["data"]
    assert after["name"] == "renamed" and [e["uid"] for e in after["evses"]] == [e["uid"] for e in before["evses"]]
    assert after["evses"][0]["status"] == "CHARGING"
    assert after["evses"][0]["connectors"] == before["evses"][0]["connectors"]
    # A required field cannot be nulled away either: `last_updated: null` is a missing last_updated.
    invalid(await http.patch(LOCATION, json={"name": "x", "last_updated": None}), "last_updated: Field required")


def _answer(response: httpx.Response) -> tuple[int, bytes]:
    return response.status_code, response.content
