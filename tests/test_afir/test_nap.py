"""A National Access Point is a partner like any other: a CPO node serves it Locations and Tariffs in 2.3.0,
and a node playing NAP receives them through the normal receiver interfaces; what arrives is checked."""

from __future__ import annotations

import httpx

from ocpi.afir.report import report_of_store
from ocpi.core.enums import RoleEnum
from ocpi.modules.locations.interfaces import LOCATION
from ocpi.modules.tariffs.interfaces import TARIFF
from ocpi.node.config import OwnParty
from ocpi.storage.repository import Repository
from ocpi.storage.sql import SqlStore
from tests.conftest import PartnerFactory, node_app
from tests.test_afir.data import ad_hoc_tariff, complete_location

ROUTING = {
    "OCPI-from-country-code": "NL",
    "OCPI-from-party-id": "CPO",
    "OCPI-to-country-code": "NL",
    "OCPI-to-party-id": "NAP",
}


async def test_a_nap_node_receives_locations_and_tariffs_in_2_3_0(
    store: SqlStore, make_partner: PartnerFactory
) -> None:
    app = node_app(store, parties=[OwnParty(RoleEnum.NAP, "NL", "NAP", name="Test NAP")])
    cpo = await make_partner("CPO", "NL", "CPO")
    headers = cpo.headers("2.3.0", **ROUTING)
    flawed = complete_location("LOC2")
    del flawed["help_phone"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        details = (await http.get("/ocpi/nap/2.3.0", headers=headers)).json()["data"]["endpoints"]
        assert {
            "identifier": "locations",
            "role": "RECEIVER",
            "url": "http://testserver/ocpi/nap/2.3.0/locations",
        } in details
        assert {
            "identifier": "tariffs",
            "role": "RECEIVER",
            "url": "http://testserver/ocpi/nap/2.3.0/tariffs",
        } in details

        put = await http.put("/ocpi/nap/2.3.0/tariffs/NL/CPO/T1", json=ad_hoc_tariff(), headers=headers)
        assert (put.status_code, put.json()["status_code"]) == (201, 1000), put.text
        for location in (complete_location(), flawed):
            url = f"/ocpi/nap/2.3.0/locations/NL/CPO/{location['id']}"
            put = await http.put(url, json=location, headers=headers)
            assert (put.status_code, put.json()["status_code"]) == (201, 1000), put.text
        received = (await http.get("/ocpi/nap/2.3.0/locations/NL/CPO/LOC1", headers=headers)).json()["data"]
        assert received == complete_location()

    report = await report_of_store(store)
    assert [(r.label, r.score) for r in report.locations[:1]] == [("NL/CPO/LOC1", 1.0)]
    assert {f.item for f in report.locations[1].findings if f.severity.is_flag} == {"A5"}
    assert report.exit_status == 1


async def test_a_cpo_node_serves_a_nap_partner_in_2_3_0(
    client: httpx.AsyncClient, store: SqlStore, make_partner: PartnerFactory
) -> None:
    repository = Repository(store)
    await repository.put(TARIFF, "2.3.0", ad_hoc_tariff(), owner=("NL", "CPO"))
    await repository.put(LOCATION, "2.3.0", complete_location(), owner=("NL", "CPO"))
    nap = await make_partner("NAP", "DE", "NAP")
    headers = nap.headers(
        "2.3.0",
        **{"OCPI-from-country-code": "DE", "OCPI-from-party-id": "NAP"},
        **{"OCPI-to-country-code": "NL", "OCPI-to-party-id": "CPO"},
    )
    locations = await client.get("/ocpi/cpo/2.3.0/locations", headers=headers)
    tariffs = await client.get("/ocpi/cpo/2.3.0/tariffs", headers=headers)
    assert locations.status_code == tariffs.status_code == 200, locations.text
    assert locations.json()["data"] == [complete_location()]
    assert tariffs.json()["data"] == [ad_hoc_tariff()]
