"""OCPI 2.1.1 tokens over HTTP: the real app and store (see tests/test_server/http_suites.py)."""

import httpx

from ocpi.core.enums import RoleEnum
from ocpi.modules.tokens.interfaces import TOKEN
from tests.conftest import Partner
from tests.test_server import http_suites, samples
from tests.test_server.support import OWN, envelope, seed


class TestTokens(http_suites.TokensSuite):
    version = "2.1.1"

    async def test_authorize_unknown_token_is_404(self, client: httpx.AsyncClient, partner: Partner) -> None:
        # 2.1.1 has no 2004 (status_codes.md): a plain client error.
        envelope(await self.authorize(client, partner, "NOPE"), 404, 2000)

    async def test_authorize_reads_token_type_or_type(self, client: httpx.AsyncClient, partner: Partner) -> None:
        app_user = {**samples.sample("token", self.version, "APP1", OWN[RoleEnum.EMSP]), "type": "OTHER"}
        await seed(client, TOKEN, self.version, app_user, RoleEnum.EMSP)
        envelope(await self.authorize(client, partner, "APP1"), 404, 2000)
        for name in ("token_type", "type"):
            data = envelope(await self.authorize(client, partner, "APP1", **{name: "OTHER"}))["data"]
            assert data["allowed"] == "ALLOWED"
