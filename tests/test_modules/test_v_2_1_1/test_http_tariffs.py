"""OCPI 2.1.1 tariffs over HTTP: the real app and store (see tests/test_server/http_suites.py)."""

import httpx

from tests.conftest import Partner
from tests.test_server import http_suites
from tests.test_server.samples import stamp
from tests.test_server.support import envelope


class TestTariffs(http_suites.TariffsSuite):
    version = "2.1.1"

    async def test_patch_changes_named_fields(self, client: httpx.AsyncClient, partner: Partner) -> None:
        headers = partner.headers(self.version)
        envelope(
            await client.put(self.at("T1"), json=self.sample("tariff", "T1", last_updated=stamp(0)), headers=headers),
            201,
        )
        envelope(await client.patch(self.at("T1"), json={"currency": "USD"}, headers=headers))
        data = envelope(await client.get(self.at("T1"), headers=headers))["data"]
        assert data["currency"] == "USD"
        assert data["last_updated"] > stamp(0)  # 2.1.1 PATCH needs no last_updated: the receiver stamps it
