"""OCPI 2.1.1 locations over HTTP: the real app and store (see tests/test_server/http_suites.py)."""

import httpx

from tests.conftest import Partner
from tests.test_server import http_suites


class TestLocations(http_suites.LocationsSuite):
    version = "2.1.1"

    async def test_routing_headers_are_neither_checked_nor_answered(
        self, client: httpx.AsyncClient, partner: Partner
    ) -> None:
        headers = {**partner.headers(self.version), "OCPI-from-country-code": "DE", "OCPI-from-party-id": "OTH"}
        answer = await client.put(self.at("LOC1"), json=self.sample("location", "LOC1"), headers=headers)
        assert answer.status_code == 201
        assert not [name for name in answer.headers if name.lower().startswith("ocpi-")]

    async def test_a_raw_token_is_accepted(self, client: httpx.AsyncClient, partner: Partner) -> None:
        headers = {"Authorization": f"Token {partner.token}"}
        assert (await client.get(self.at("NOPE"), headers=headers)).status_code == 404
