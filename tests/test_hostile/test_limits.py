"""Limits are explicit and hold: body size (declared and streamed), page size, JSON that is not JSON, and
URLs no one should send. Every refusal is an envelope with the spec's HTTP status; none is a 500."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import orjson
import pytest

from ocpi.core.enums import RoleEnum
from ocpi.node.config import OwnParty
from ocpi.server.http import MAX_JSON_DEPTH
from ocpi.storage.base import ObjectKey, PartyRole, TokenKind
from ocpi.storage.sql import SqlStore
from tests.conftest import PartnerFactory
from tests.nodes import serve_node
from tests.test_e2e.test_sync import example
from tests.test_hostile.support import check_answer

LOCATION_URL = "/ocpi/emsp/2.2.1/locations/BE/BEC/LOC1"


def located() -> dict[str, object]:
    return {**example("location_example.json"), "country_code": "BE", "party_id": "BEC"}


def refused_with(response: httpx.Response, http_status: int, *words: str) -> None:
    document = check_answer(response.status_code, response.content)
    assert response.status_code == http_status, (response.status_code, document)
    assert 2000 <= document["status_code"] < 3000, document
    for word in words:
        assert word in (document.get("status_message") or ""), document


async def test_a_body_over_the_limit_is_413_declared_or_streamed(
    client: httpx.AsyncClient, store: SqlStore, make_partner: PartnerFactory
) -> None:
    partner = await make_partner("CPO", "BE", "BEC")
    limit = client.app.state.node.config.max_body_bytes  # type: ignore[attr-defined]
    assert limit == 1024 * 1024
    # Valid JSON, one byte too large: the limit is on bytes, not on what they mean.
    body = orjson.dumps({**located(), "padding": ""})
    body = body.replace(b'"padding":""', b'"padding":"' + b"x" * (limit - len(body) + 1) + b'"')
    assert len(body) == limit + 1

    declared = await client.put(LOCATION_URL, content=body, headers=partner.headers())
    refused_with(declared, 413, str(limit))

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: chunked transfer
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    streamed = await client.put(LOCATION_URL, content=chunks(), headers=partner.headers())
    refused_with(streamed, 413, str(limit))
    # A lying Content-Length (small) does not let a large body through either.
    lying = await client.put(LOCATION_URL, content=chunks(), headers={**partner.headers(), "Content-Length": "10"})
    assert lying.status_code in (400, 413), lying.text
    check_answer(lying.status_code, lying.content)
    assert await store.get(ObjectKey.of("locations", "BE", "BEC", "LOC1")) is None

    # Just under the limit is accepted.
    fitting = orjson.dumps({**located(), "padding": "x" * (limit - len(orjson.dumps(located())) - 100)})
    accepted = await client.put(LOCATION_URL, content=fitting, headers=partner.headers())
    assert accepted.status_code == 201, accepted.text


@pytest.mark.parametrize(
    ("what", "body", "words"),
    [
        ("truncated JSON", b'{"id": "LOC1", ', "not valid JSON"),
        ("not JSON at all", b"<xml>hello</xml>", "not valid JSON"),
        ("non-UTF-8 bytes", b'{"id": "\xff\xfe\xfa"}', "not valid JSON"),
        ("UTF-16", '{"id": "LOC1"}'.encode("utf-16"), "not valid JSON"),
        ("NaN", b'{"id": NaN}', "not valid JSON"),
        ("deep nesting, beyond the parser", b'{"a":' * 5000 + b"1" + b"}" * 5000, "not valid JSON"),
        ("deep nesting, within the parser", b'{"a":' * 300 + b"1" + b"}" * 300, f"deeper than {MAX_JSON_DEPTH}"),
        ("deep list nesting", b"[" * 200 + b"]" * 200, f"deeper than {MAX_JSON_DEPTH}"),
    ],
)
async def test_what_is_not_json_is_400(
    client: httpx.AsyncClient, make_partner: PartnerFactory, what: str, body: bytes, words: str
) -> None:
    partner = await make_partner("CPO", "BE", "BEC")
    for method, url in (
        ("PUT", LOCATION_URL),
        ("PATCH", LOCATION_URL),
        ("POST", "/ocpi/emsp/2.2.1/cdrs"),
        ("POST", "/ocpi/cpo/2.2.1/commands/STOP_SESSION"),
        ("PUT", "/ocpi/cpo/2.2.1/credentials"),
    ):
        response = await client.request(method, url, content=body, headers=partner.headers())
        refused_with(response, 400, words)


async def test_deep_nesting_in_unknown_fields_is_refused_not_a_500(
    client: httpx.AsyncClient, store: SqlStore, make_partner: PartnerFactory
) -> None:
    """Unknown fields are kept (lenient in), so a deeply nested one would reach the serializers, which stop
    near 255 levels: it must be refused on the way in. Reasonable nesting is still kept."""
    partner = await make_partner("CPO", "BE", "BEC")
    nested: object = "bottom"
    for _ in range(300):
        nested = {"x": nested}
    response = await client.put(LOCATION_URL, json={**located(), "extension": nested}, headers=partner.headers())
    refused_with(response, 400, "deeper")
    shallow: object = "bottom"
    for _ in range(20):
        shallow = {"x": shallow}
    response = await client.put(LOCATION_URL, json={**located(), "extension": shallow}, headers=partner.headers())
    assert response.status_code == 201, response.text
    stored = await store.get(ObjectKey.of("locations", "BE", "BEC", "LOC1"))
    assert stored is not None and b'"extension"' in stored.canonical


async def test_limit_over_the_maximum_is_clamped_and_said_in_x_limit(
    client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    partner = await make_partner("EMSP", "BE", "BEE")
    maximum = client.app.state.node.config.max_page_size  # type: ignore[attr-defined]
    for asked, expected in ((maximum * 10, maximum), (10**30, maximum), (5, 5)):
        response = await client.get(f"/ocpi/cpo/2.2.1/locations?limit={asked}", headers=partner.headers())
        assert response.status_code == 200, response.text
        assert response.headers["X-Limit"] == str(expected)
    for query in ("limit=0", "limit=-1", "limit=abc", "offset=-5", f"offset={10**30}", "date_from=yesterday"):
        response = await client.get(f"/ocpi/cpo/2.2.1/locations?{query}", headers=partner.headers())
        refused_with(response, 200)
        assert response.json()["status_code"] == 2001, (query, response.text)


async def test_oversized_query_strings_and_ids_are_refused_cleanly(
    client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    partner = await make_partner("CPO", "BE", "BEC")
    long = "x" * 30_000  # httpx itself refuses URLs over 64 KiB
    for method, url in (
        ("GET", f"/ocpi/cpo/2.2.1/locations?date_from={long}"),
        ("GET", f"/ocpi/cpo/2.2.1/locations?{'&'.join(f'p{i}=v' for i in range(5000))}"),
        ("GET", f"/ocpi/emsp/2.2.1/locations/BE/BEC/{long}"),
        ("PUT", f"/ocpi/emsp/2.2.1/locations/BE/BEC/{long}"),
        ("GET", f"/ocpi/emsp/2.2.1/tokens/BE/BEC/{long}?type={long}"),
        ("GET", "/ocpi/emsp/2.2.1/locations/BE/BEC/a%00b"),
        ("GET", f"/ocpi/{long}"),
    ):
        response = await client.request(method, url, headers=partner.headers(), json=located())
        check_answer(response.status_code, response.content)


async def test_a_real_server_refuses_an_oversized_request_line_and_keeps_serving(tmp_path: Path) -> None:
    """Beyond what the HTTP parser takes (uvicorn/h11: 64 KiB of head), the connection is answered with a
    4xx by the server itself, before the app; the node goes on serving."""
    async with serve_node(tmp_path / "node.db", [OwnParty(RoleEnum.CPO, "NL", "CPO")], push=False) as running:
        party = await running.store.create_party("p", [PartyRole("EMSP", "BE", "BEE")], state="registered")
        token = await running.store.issue_token(TokenKind.C, party.pk)
        host, port = running.base_url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"GET /ocpi/cpo/2.2.1/locations?q=" + b"x" * 200_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        await writer.drain()
        status_line = await reader.readline()
        writer.close()
        assert status_line.startswith(b"HTTP/1.1 4"), status_line
        async with httpx.AsyncClient() as http:
            answer = await http.get(
                f"{running.base_url}/ocpi/cpo/2.2.1/locations", headers={"Authorization": f"Token {token}"}
            )
        assert answer.status_code == 200, answer.text


async def test_a_partner_that_disconnects_mid_body_leaves_no_error_behind(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A partner that goes down halfway through sending a body: nothing is stored, nothing is logged as an
    application error (it was an unhandled ClientDisconnect, a 500 with a traceback), and the node serves on."""
    async with serve_node(tmp_path / "node.db", [OwnParty(RoleEnum.EMSP, "NL", "EMS")], push=False) as running:
        party = await running.store.create_party("p", [PartyRole("CPO", "BE", "BEC")], state="registered")
        token = await running.store.issue_token(TokenKind.C, party.pk)
        host, port = running.base_url.removeprefix("http://").split(":")
        uvicorn_errors = logging.getLogger("uvicorn.error")  # does not propagate to the root logger
        uvicorn_errors.addHandler(caplog.handler)
        try:
            with caplog.at_level(logging.ERROR):
                _, writer = await asyncio.open_connection(host, int(port))
                writer.write(
                    b"PUT /ocpi/emsp/2.2.1/locations/BE/BEC/LOC1 HTTP/1.1\r\nHost: x\r\n"
                    + b"Content-Type: application/json\r\n"
                    + f"Authorization: Token {token}\r\nContent-Length: 5000\r\n\r\n".encode()
                    + b'{"id": "LOC1", '
                )
                await writer.drain()
                await asyncio.sleep(0.2)  # the app is reading the body when the partner goes away
                writer.close()
                async with httpx.AsyncClient() as http:
                    answer = await http.get(
                        f"{running.base_url}/ocpi/emsp/2.2.1/locations/BE/BEC/LOC1",
                        headers={"Authorization": f"Token {token}"},
                    )
        finally:
            uvicorn_errors.removeHandler(caplog.handler)
        assert answer.status_code == 404, answer.text
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
