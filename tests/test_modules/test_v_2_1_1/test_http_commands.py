"""OCPI 2.1.1 commands over HTTP: the real app and store (see tests/test_server/http_suites.py)."""

import httpx

from tests.conftest import Partner
from tests.test_server import http_suites, samples
from tests.test_server.support import refused


class TestCommands(http_suites.CommandsSuite):
    version = "2.1.1"

    async def test_an_id_2_1_1_allows_and_2_2_does_not_is_2001_with_its_path(
        self, client: httpx.AsyncClient, partner: Partner
    ) -> None:
        """2.1.1 types a session_id string(39), any characters; the canonical (2.2+) form a CiString(36) of
        printable ASCII. The hook gets canonical objects, so such a command is refused, naming the field."""
        body = {**samples.command_body("STOP_SESSION", self.version), "session_id": "S\u00e9ance-1"}
        response = await client.post(self.command("STOP_SESSION"), json=body, headers=partner.headers(self.version))
        refused(response, 200, 2001, "StopSession cannot be read in OCPI 2.2+ terms: session_id")
