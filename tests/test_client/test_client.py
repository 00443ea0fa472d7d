"""The OCPI client against a real peer on loopback: discovery, pagination, skipped objects, retries, errors,
token encoding per version and per partner, and the URL policy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ocpi.client import OcpiClient, PartnerSettings, UrlPolicy
from ocpi.core.errors import AuthenticationError, NotFound, OcpiError, ServerError, UnableToUseClientApi
from ocpi.core.pagination import next_link
from ocpi.modules.tokens.v_2_2_1.schemas import Token
from tests.nodes import serve_app

TOKEN = {
    "country_code": "DE",
    "party_id": "TNM",
    "uid": "U{n}",
    "type": "RFID",
    "contract_id": "C{n}",
    "issuer": "TNM",
    "valid": True,
    "whitelist": "ALLOWED",
    "last_updated": "2020-01-01T00:00:00Z",
}


def envelope(data: Any, status_code: int = 1000, **headers: str) -> JSONResponse:
    body = {"data": data, "status_code": status_code, "timestamp": "2020-01-01T00:00:00Z"}
    return JSONResponse(body, headers=headers)


class Peer:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        self.flaky = 2

    def app(self) -> Starlette:
        async def record(request: Request) -> None:
            self.seen.append((request.method, request.url.path, dict(request.headers)))

        async def versions(request: Request) -> JSONResponse:
            await record(request)
            base = str(request.base_url).rstrip("/")
            return envelope(
                [
                    {"version": "2.1.1", "url": f"{base}/211"},
                    {"version": "2.2.1", "url": f"{base}/221"},
                    {"version": "9.9", "url": f"{base}/99"},
                ]
            )

        async def details(request: Request) -> JSONResponse:
            await record(request)
            base = str(request.base_url).rstrip("/")
            return envelope(
                {
                    "version": "2.2.1",
                    "endpoints": [
                        {"identifier": "tokens", "role": "SENDER", "url": f"{base}/tokens"},
                        {"identifier": "tokens", "role": "RECEIVER", "url": f"{base}/tokens-in"},
                    ],
                }
            )

        async def tokens(request: Request) -> JSONResponse:
            await record(request)
            offset = int(request.query_params.get("offset", 0))
            page = []
            for n in range(offset, min(offset + 2, 5)):
                item = {k: v.format(n=n) if isinstance(v, str) else v for k, v in TOKEN.items()}
                if n == 3:
                    item["whitelist"] = "SOMETIMES"  # not a WhitelistType: skipped and reported
                page.append(item)
            base = str(request.base_url).rstrip("/")
            headers = {"X-Total-Count": "5", "X-Limit": "2"}
            if offset + 2 < 5:
                headers["Link"] = f'<{base}/tokens?offset={offset + 2}&limit=2>; rel="next"'
            return envelope(page, **headers)

        async def looping(request: Request) -> JSONResponse:
            await record(request)
            return envelope([{"n": 1}], Link=f'<{request.url}>; rel="next"')

        async def short(request: Request) -> JSONResponse:
            return envelope([{"n": 1}], **{"X-Total-Count": "3"})  # and no Link

        async def flaky(request: Request) -> JSONResponse:
            await record(request)
            if self.flaky:
                self.flaky -= 1
                return JSONResponse({"oops": True}, status_code=503)
            return envelope({"ok": True})

        async def refuse(request: Request) -> JSONResponse:
            await record(request)
            return JSONResponse({"status_code": 2001, "status_message": "bad", "timestamp": "x"}, status_code=200)

        async def missing(request: Request) -> JSONResponse:
            return JSONResponse({"status_code": 2003, "timestamp": "x"}, status_code=404)

        async def unauthorized(request: Request) -> JSONResponse:
            return JSONResponse({"status_code": 2000, "timestamp": "x"}, status_code=401)

        async def server_error(request: Request) -> JSONResponse:
            await record(request)
            return JSONResponse({"status_code": 3000, "timestamp": "x"}, status_code=200)

        return Starlette(
            routes=[
                Route("/versions", versions),
                Route("/221", details),
                Route("/tokens", tokens),
                Route("/loop", looping),
                Route("/short", short),
                Route("/flaky", flaky, methods=["GET", "PUT"]),
                Route("/refuse", refuse),
                Route("/missing", missing),
                Route("/unauthorized", unauthorized),
                Route("/server", server_error),
            ]
        )


@pytest.fixture
async def peer() -> AsyncIterator[tuple[Peer, str]]:
    instance = Peer()
    async with serve_app(instance.app()) as base:
        yield instance, base


def client(**kwargs: Any) -> OcpiClient:
    return OcpiClient(token="secret-token", policy=UrlPolicy(allow_private=True), **kwargs)


async def test_discovery_picks_the_highest_common_version(peer: tuple[Peer, str]) -> None:
    _, base = peer
    async with client() as ocpi:
        endpoints = await ocpi.discover(f"{base}/versions")
        assert ocpi.version == "2.2.1"
        assert {(e.identifier, e.role) for e in endpoints} == {("tokens", "SENDER"), ("tokens", "RECEIVER")}
        assert ocpi.endpoint("tokens", "RECEIVER").endswith("/tokens-in")


async def test_iterate_follows_link_and_skips_invalid_objects(peer: tuple[Peer, str]) -> None:
    recorded, base = peer
    async with client() as ocpi:
        await ocpi.discover(f"{base}/versions")
        tokens = [t async for t in ocpi.iterate("tokens", model=Token)]
    assert [t.uid for t in tokens] == ["U0", "U1", "U2", "U4"]
    [skipped] = ocpi.skipped
    assert skipped.pointer == "/data/1" and "whitelist" in skipped.reason and "offset=2" in skipped.url
    pages = [path for method, path, _ in recorded.seen if path == "/tokens"]
    assert len(pages) == 3
    headers = recorded.seen[-1][2]
    assert headers["authorization"] == "Token c2VjcmV0LXRva2Vu"  # Base64 in 2.2.1
    assert headers["x-request-id"] and headers["x-correlation-id"]


async def test_iterate_stops_on_a_link_that_loops(peer: tuple[Peer, str]) -> None:
    _, base = peer
    async with client() as ocpi:
        ocpi.endpoints = [type("E", (), {"identifier": "loop", "url": f"{base}/loop", "role": "SENDER"})()]  # type: ignore[list-item]
        items = [item async for item in ocpi.iterate("loop")]
    assert items == [{"n": 1}]
    [(where, noted)] = ocpi.deviations  # not silently: the loop is noted
    assert noted.rule.id == "link" and noted.detail.startswith("the Link points back to a page already read")
    assert where == f"GET {base}/loop"


async def test_a_last_page_short_of_the_total_is_noted(peer: tuple[Peer, str]) -> None:
    _, base = peer
    async with client() as ocpi:
        await ocpi.discover(f"{base}/versions")
        tokens = [t async for t in ocpi.iterate("tokens", model=Token, limit=2)]
        assert len(tokens) == 4 and ocpi.deviations == []  # the list's own Link, to its end: nothing to note
        ocpi.endpoints = [type("E", (), {"identifier": "short", "url": f"{base}/short", "role": "SENDER"})()]  # type: ignore[list-item]
        assert [item async for item in ocpi.iterate("short")] == [{"n": 1}]
    [(_, noted)] = ocpi.deviations
    assert noted.detail == "no Link on a page, though X-Total-Count is 3 and 1 objects were read"


async def test_read_object_takes_one_object_even_in_a_list_and_nothing_else(peer: tuple[Peer, str]) -> None:
    async with client() as ocpi:
        token = {k: v.format(n=1) if isinstance(v, str) else v for k, v in TOKEN.items()}
        assert ocpi.read_object(Token, [token], "GET x").uid == "U1"
        [(where, noted)] = ocpi.deviations
        assert (where, noted.rule.id, noted.detail) == ("GET x", "data-in-list", "one Token wrapped in a list")
        with pytest.raises(UnableToUseClientApi, match=r"GET y: data is not a Token object: \[\{"):
            ocpi.read_object(Token, [token, token], "GET y")
        with pytest.raises(UnableToUseClientApi, match="GET z: invalid Token: whitelist: Input should be"):
            ocpi.read_object(Token, {**token, "whitelist": "SOMETIMES"}, "GET z")


async def test_reads_are_retried_with_backoff_writes_are_not(peer: tuple[Peer, str]) -> None:
    recorded, base = peer
    async with client(settings=PartnerSettings(backoff=0.01)) as ocpi:
        assert await ocpi.get(f"{base}/flaky") == {"ok": True}
        assert [m for m, p, _ in recorded.seen if p == "/flaky"] == ["GET"] * 3
        recorded.flaky = 1
        with pytest.raises(UnableToUseClientApi, match="HTTP 503"):
            await ocpi.put(f"{base}/flaky", {"x": 1})
        assert [m for m, p, _ in recorded.seen if p == "/flaky"].count("PUT") == 1


async def test_error_answers_raise_what_they_mean(peer: tuple[Peer, str]) -> None:
    _, base = peer
    async with client() as ocpi:
        with pytest.raises(OcpiError) as caught:
            await ocpi.get(f"{base}/refuse")
        assert caught.value.status_code == 2001 and "bad" in caught.value.message
        with pytest.raises(NotFound):
            await ocpi.get(f"{base}/missing")
        with pytest.raises(AuthenticationError):
            await ocpi.get(f"{base}/unauthorized")
        with pytest.raises(ServerError):
            await ocpi.get(f"{base}/server")


async def test_token_encoding_follows_version_and_partner_settings(peer: tuple[Peer, str]) -> None:
    recorded, base = peer
    async with client(version="2.1.1") as ocpi:
        await ocpi.get(f"{base}/versions")
    async with client(version="2.2.1", settings=PartnerSettings(base64_token=False)) as ocpi:
        await ocpi.get(f"{base}/versions")
    assert [h["authorization"] for _, p, h in recorded.seen if p == "/versions"] == [
        "Token secret-token",
        "Token secret-token",
    ]


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/ocpi/versions",
        "https://127.0.0.1/ocpi",
        "https://10.1.2.3/x",
        "https://169.254.1.1/",
        "ftp://example.com/",
        "https://[::1]/",
    ],
)
async def test_url_policy_refuses_private_and_plain_http_by_default(url: str) -> None:
    async with OcpiClient(token="t") as ocpi:
        with pytest.raises(UnableToUseClientApi, match="refusing"):
            await ocpi.get(url)


def test_link_header_parsing_is_tolerant() -> None:
    assert next_link('<https://a/x?offset=2>; rel="next"') == "https://a/x?offset=2"
    assert next_link('<https://a/p>; rel="prev", <https://a/n>; rel=next') == "https://a/n"
    assert next_link('<https://a/n>; title="t"; rel="next last"') == "https://a/n"
    assert next_link('<https://a/p>; rel="prev"') is None
    assert next_link(None) is None


async def test_partner_settings_are_kept_with_the_partner_and_used_by_its_client(sqlite_store: Any) -> None:
    from ocpi.core.enums import RoleEnum
    from ocpi.node.config import NodeConfig, OwnParty
    from ocpi.node.node import Node
    from ocpi.storage.base import PartyRole

    node = Node(NodeConfig(parties=[OwnParty(RoleEnum.CPO, "NL", "CPO")]), sqlite_store)
    party = await sqlite_store.create_party("old peer", [PartyRole("EMSP", "DE", "OLD")], state="registered")
    party = await sqlite_store.update_party(
        party.pk, version="2.2.1", outbound_token="raw-token", settings={"base64_token": False, "timeout": 3.0}
    )
    assert party.settings == {"base64_token": False, "timeout": 3.0}
    async with node.partner_client(party) as ocpi:
        assert ocpi.headers(configuration=True)["Authorization"] == "Token raw-token"
        assert ocpi.settings.timeout == 3.0
