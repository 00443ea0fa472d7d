"""2.3.0 Payments terminal management (PTP side, with the Terminal created at the CPO) and the Bookings
extension (BookingLocations, requests, cancellation), through real nodes and the real app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from ocpi.core.enums import RoleEnum
from ocpi.modules.bookings.interfaces import BOOKING_LOCATION
from ocpi.node.config import OwnParty
from ocpi.node.handshake import register
from ocpi.storage.base import ObjectKey, PartyRole, TokenKind
from ocpi.storage.sql import SqlStore
from tests.conftest import node_app
from tests.nodes import eventually, serve_node
from tests.spec import SPEC_DIR

TERMS = {"supported_access_methods": ["OPEN"], "change_until_minutes": 30, "cancel_until_minutes": 15}
PTP = OwnParty(RoleEnum.PTP, "NL", "PTP", name="PTP node")
CPO = OwnParty(RoleEnum.CPO, "NL", "CPO", name="CPO node")


def example(name: str, folder: str = "2.3.0") -> dict[str, Any]:
    document = orjson.loads((SPEC_DIR / folder / "examples" / name).read_bytes())
    assert isinstance(document, dict)
    return document


async def test_cpo_activates_a_terminal_at_the_ptp_which_creates_it_at_the_cpo(tmp_path: Path) -> None:
    async with (
        serve_node(tmp_path / "ptp.db", [PTP], versions=("2.3.0",)) as ptp,
        serve_node(tmp_path / "cpo.db", [CPO], versions=("2.3.0",)) as cpo,
    ):
        token_a = await ptp.store.issue_token(TokenKind.A)
        await register(cpo.node, f"{ptp.base_url}/ocpi/versions", token_a)
        [ptp_as_partner] = await cpo.store.list_parties()
        async with cpo.node.partner_client(ptp_as_partner) as client:
            terminals = client.endpoint("payments", "SENDER").rstrip("/") + "/terminals"
            activation = example("payment_terminal_activate.json")
            terminal = await client.post(f"{terminals}/activate", activation)
            terminal_id = terminal["terminal_id"]
            assert terminal["reference"] == activation["reference"]

            async def created_at_cpo() -> bool:
                [ptp_party] = [p for p in await cpo.store.list_parties()]
                key = ObjectKey.of(
                    "payments.terminals", ptp_party.roles[0].country_code, ptp_party.roles[0].party_id, terminal_id
                )
                return await cpo.store.get(key) is not None

            await eventually(created_at_cpo, "the Terminal POSTed to the CPO")

            await client.patch(f"{terminals}/{terminal_id}", {"location_ids": ["LOC1", "LOC2"]})
            assert (await client.get(f"{terminals}/{terminal_id}"))["location_ids"] == ["LOC1", "LOC2"]
            update = {**terminal, "customer_reference": "cust-1", "last_updated": "2030-01-01T00:00:00Z"}
            await client.put(f"{terminals}/{terminal_id}", update)
            listed = await client.get(terminals)
            assert [t["customer_reference"] for t in listed] == ["cust-1"]
            await client.post(f"{terminals}/{terminal_id}/deactivate")
            with pytest.raises(Exception, match="not found"):
                await client.post(f"{terminals}/UNKNOWN/deactivate")


async def test_booking_request_reserves_and_its_cancellation_cancels(sqlite_store: SqlStore) -> None:
    app = node_app(sqlite_store, bookings=True)
    node = app.state.node
    party = await sqlite_store.create_party("eMSP", [PartyRole("EMSP", "DE", "EMS")], state="registered")
    token = await sqlite_store.issue_token(TokenKind.C, party.pk)
    headers = {"Authorization": f"Token {token}"}
    location = {
        "country_code": "NL",
        "party_id": "CPO",
        "id": "BL1",
        "location_id": "LOC1",
        "booking_terms": TERMS,
        "tariff_ids": ["T1"],
        "calendars": [
            {
                "id": "C1",
                "begin_from": "2030-01-01T00:00:00Z",
                "end_before": "2030-01-02T00:00:00Z",
                "available_timeslots": [
                    {"start_date_time": "2030-01-01T10:00:00Z", "end_date_time": "2030-01-01T11:00:00Z"}
                ],
                "last_updated": "2029-12-01T00:00:00Z",
            }
        ],
        "last_updated": "2029-12-01T00:00:00Z",
    }
    await node.repository.put(BOOKING_LOCATION, "2.3.0", location, owner=("NL", "CPO"))
    request = {
        "country_code": "DE",
        "party_id": "EMS",
        "request_id": "REQ1",
        "location_id": "LOC1",
        "booking_location_id": "BL1",
        "authorization_reference": "AUTH1",
        "period": {"start_date_time": "2030-01-01T10:00:00Z", "end_date_time": "2030-01-01T11:00:00Z"},
    }
    base = "/ocpi/cpo/2.3.0/bookings"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        calendar = (await http.get(f"{base}/booking_locations/BL1/C1", headers=headers)).json()
        assert calendar["data"]["id"] == "C1"
        booked = (await http.post(base, json=request, headers=headers)).json()
        assert booked["status_code"] == 1000, booked
        assert booked["data"]["reservation_status"] == "RESERVED"
        assert booked["data"]["booking_terms"] == TERMS
        canceled = (
            await http.post(
                base,
                headers=headers,
                json={**request, "canceled": {"cancellation_reason": "TRAFFIC", "who_canceled": "EMSP"}},
            )
        ).json()
        assert canceled["data"]["reservation_status"] == "CANCELED"
        assert len(canceled["data"]["booking_requests"]) == 2
        listed = (await http.get(base, headers=headers)).json()
        assert [b["id"] for b in listed["data"]] == ["REQ1"]
        unknown = (await http.post(base, headers=headers, json={**request, "booking_location_id": "NOPE"})).json()
        assert unknown["status_code"] == 2003
