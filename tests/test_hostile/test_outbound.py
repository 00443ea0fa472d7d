"""Every URL a partner hands us is attacker-influenced: its versions URL, the endpoints in its version
details, a command's `response_url`. By default a node calls only public HTTPS hosts (checked after DNS
resolution) and never follows a redirect; `allow_private_urls` (CLI `--allow-private-urls`, env
`OCPI_ALLOW_PRIVATE_URLS=1`) lifts that for development. No token ever reaches the logs."""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import logging
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest

from ocpi.client import OcpiClient, PartnerSettings, UrlPolicy
from ocpi.client import policy as policy_module
from ocpi.core.enums import RoleEnum
from ocpi.core.errors import OcpiError, UnableToUseClientApi
from ocpi.core.utils import authorization_header
from ocpi.node.config import NodeConfig, OwnParty
from ocpi.node.handshake import our_credentials, register
from ocpi.push import PushWorker
from ocpi.storage.base import PartyRole, TokenKind
from ocpi.storage.secrets import KEY_VARIABLE
from ocpi.storage.sql import SqlStore
from tests.conftest import node_app
from tests.nodes import eventually, serve_app, serve_node
from tests.test_cli.nodes import cli_env, free_port, ocpi_serve
from tests.test_e2e.test_sync import example
from tests.test_hostile.support import FakePartner, HostilePartner, sized

EMSP = OwnParty(RoleEnum.EMSP, "DE", "TNM", name="eMSP node")
CPO = OwnParty(RoleEnum.CPO, "BE", "BEC", name="CPO node")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://partner.example.com/ocpi/versions", "plain HTTP"),
        ("https://127.0.0.1/ocpi/versions", "not a public address"),
        ("https://[::1]/ocpi/versions", "not a public address"),
        ("https://10.1.2.3/ocpi/versions", "not a public address"),
        ("https://192.168.0.10/ocpi/versions", "not a public address"),
        ("https://169.254.169.254/latest/meta-data", "not a public address"),  # cloud metadata
        ("https://[fe80::1]/ocpi/versions", "not a public address"),
        ("https://localhost/ocpi/versions", "not a public address"),  # resolved first: loopback
        ("file:///etc/passwd", "not an http(s) URL"),
        ("gopher://partner.example.com/", "not an http(s) URL"),
    ],
)
async def test_the_default_policy_refuses_what_is_not_a_public_https_host(url: str, reason: str) -> None:
    with pytest.raises(UnableToUseClientApi) as refused:
        await UrlPolicy().check(url)
    assert reason in refused.value.message and refused.value.status_code == 3001


NOT_PUBLIC = [
    "::127.0.0.1",  # IPv4-compatible (deprecated ::/96): loopback on many stacks
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:0:7f00:1",  # IPv4-translated (SIIT)
    "64:ff9b::7f00:1",  # NAT64 well-known prefix carrying 127.0.0.1
    "64:ff9b::a00:1",  # ... carrying 10.0.0.1
    "64:ff9b:1::808:808",  # NAT64 local-use prefix: never public, whatever it carries
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254 (cloud metadata)
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "fc00::1",  # unique local
    "fec0::1",  # site-local (deprecated)
    "ff02::1",  # multicast
    "::",
    "2001:db8::1",  # documentation
    "0.0.0.0",
    "100.64.0.1",  # shared address space (carrier-grade NAT)
    "192.0.0.8",  # IETF protocol assignments
    "198.18.0.1",  # benchmarking
    "224.0.0.1",  # multicast
    "255.255.255.255",
]
PUBLIC = ["8.8.8.8", "2606:4700:4700::1111", "64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8"]


def _bracketed(address: str) -> str:
    return f"[{address}]" if ":" in address else address


@pytest.mark.parametrize("address", NOT_PUBLIC)
async def test_no_reading_of_a_private_address_passes_the_policy(address: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Written in the URL, or what a name resolves to: an address that is not globally routable in any of its
    readings (an IPv6 address carrying an IPv4 one is judged by that one too) is refused."""
    with pytest.raises(UnableToUseClientApi, match="is not a public address"):
        await UrlPolicy().check(f"https://{_bracketed(address)}/ocpi/versions")

    async def resolves(host: str, port: int) -> list[Any]:
        return [ipaddress.ip_address(address)]

    monkeypatch.setattr(policy_module, "_addresses", resolves)
    with pytest.raises(UnableToUseClientApi, match="is not a public address"):
        await UrlPolicy().check("https://partner.example.com/ocpi/versions")


@pytest.mark.parametrize("address", PUBLIC)
async def test_public_addresses_pass_the_policy_in_every_spelling(address: str) -> None:
    assert await UrlPolicy().check(f"https://{_bracketed(address)}/ocpi/versions") == [ipaddress.ip_address(address)]


async def test_the_connection_goes_to_the_address_that_was_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS rebinding: a name that resolves to a public address for the check and to loopback a moment later.
    The node resolves once and connects to what it judged; the server on loopback is never reached."""
    internal = HostilePartner(sized(100))
    resolutions: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def rebinding(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("partner.rebind.example", b"partner.rebind.example"):  # some resolvers pass IDNA bytes
            return real_getaddrinfo(host, port, *args, **kwargs)
        answer = "93.184.215.14" if not resolutions else "127.0.0.1"
        resolutions.append(answer)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer, port))]

    connected_to: list[tuple[str, int]] = []

    async def no_internet(host: str, port: int, **kwargs: Any) -> Any:
        connected_to.append((host, port))
        raise ConnectionRefusedError(111, "refused (the test stands in for the internet)")

    async with internal.serving() as internal_url:
        port = int(internal_url.rsplit(":", 1)[1])
        monkeypatch.setattr(socket, "getaddrinfo", rebinding)
        monkeypatch.setattr(asyncio, "open_connection", no_internet)
        async with OcpiClient(token="t", settings=PartnerSettings(timeout=3, read_retries=0)) as client:
            with pytest.raises(UnableToUseClientApi):
                await client.get(f"https://partner.rebind.example:{port}/ocpi/versions")
    assert internal.connections == 0, "the second resolution reached the server on loopback"
    assert resolutions == ["93.184.215.14"]
    assert connected_to == [("93.184.215.14", port)]


async def test_the_policy_judges_the_resolved_address_not_the_name(monkeypatch: pytest.MonkeyPatch) -> None:
    async def resolves_to(addresses: list[str]) -> Any:
        import ipaddress

        async def fake(host: str, port: int) -> list[Any]:
            return [ipaddress.ip_address(a) for a in addresses]

        return fake

    monkeypatch.setattr(policy_module, "_addresses", await resolves_to(["93.184.215.14"]))
    await UrlPolicy().check("https://partner.example.com/ocpi/versions")
    # A public-looking name that resolves (also) to a private address is refused (DNS rebinding style).
    monkeypatch.setattr(policy_module, "_addresses", await resolves_to(["93.184.215.14", "10.0.0.7"]))
    with pytest.raises(UnableToUseClientApi, match=r"10\.0\.0\.7 is not a public address"):
        await UrlPolicy().check("https://partner.example.com/ocpi/versions")
    await UrlPolicy(allow_private=True).check("http://10.0.0.7/ocpi/versions")


async def _post_credentials(app: Any, store: SqlStore, partner_versions_url: str, partner_token: str) -> Any:
    token_a = await store.issue_token(TokenKind.A)
    body = our_credentials(NodeConfig(parties=[EMSP]), "2.2.1", RoleEnum.EMSP, partner_token, "")
    body["url"] = partner_versions_url
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        response = await http.post(
            "/ocpi/cpo/2.2.1/credentials", json=body, headers={"Authorization": authorization_header(token_a, "2.2.1")}
        )
    return response


async def test_a_handshake_with_a_partner_on_loopback_is_refused_by_default(
    sqlite_store: SqlStore, tmp_path: Path
) -> None:
    async with serve_node(tmp_path / "emsp.db", [EMSP]) as partner:
        partner_token = await partner.store.issue_token(TokenKind.C)
        strict = node_app(sqlite_store, allow_private_urls=False)
        response = await _post_credentials(strict, sqlite_store, partner.versions_url, partner_token)
        document = response.json()
        assert (response.status_code, document["status_code"]) == (200, 3001), document
        assert "refusing to call" in document["status_message"] and "plain HTTP" in document["status_message"]
        assert [p.state for p in await sqlite_store.list_parties()] == []  # nothing registered

        https_loopback = partner.versions_url.replace("http://", "https://")
        response = await _post_credentials(strict, sqlite_store, https_loopback, partner_token)
        assert response.json()["status_code"] == 3001
        assert "127.0.0.1 is not a public address" in response.json()["status_message"]

        # The same handshake passes once private URLs are allowed: the policy was the only obstacle.
        lenient = node_app(sqlite_store, allow_private_urls=True)
        response = await _post_credentials(lenient, sqlite_store, partner.versions_url, partner_token)
        assert response.json()["status_code"] == 1000, response.text


async def test_registering_with_a_loopback_partner_is_refused_by_default(tmp_path: Path) -> None:
    async with (
        serve_node(tmp_path / "cpo.db", [CPO]) as cpo,
        serve_node(tmp_path / "emsp.db", [EMSP], allow_private_urls=False) as emsp,
    ):
        token_a = await cpo.store.issue_token(TokenKind.A)
        with pytest.raises(UnableToUseClientApi, match=r"refusing to call .*plain HTTP"):
            await register(emsp.node, f"{cpo.base_url}/ocpi/cpo/versions", token_a)
        assert await cpo.store.list_parties() == []


class Redirector:
    """Answers every request with a redirect to `target`."""

    def __init__(self, target: str):
        self.target = target

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        headers = [(b"location", self.target.encode())]
        await send({"type": "http.response.start", "status": 302, "headers": headers})
        await send({"type": "http.response.body", "body": b""})


async def test_a_redirect_to_a_private_host_is_not_followed() -> None:
    internal = FakePartner("ok")
    async with serve_app(internal) as internal_url:
        redirector = Redirector(f"{internal_url}/admin")
        # Even with private URLs allowed (both are on loopback here), a redirect is never followed.
        client = OcpiClient(token="t", policy=UrlPolicy(allow_private=True))
        async with serve_app(redirector) as redirector_url, client:
            for call in (client.get, lambda url: client.put(url, {"id": "x"})):
                with pytest.raises(UnableToUseClientApi, match="HTTP 302 without an OCPI envelope"):
                    await call(f"{redirector_url}/ocpi/versions")
    assert internal.requests == 0


async def test_a_command_result_is_not_posted_to_a_private_response_url(
    sqlite_store: SqlStore, caplog: pytest.LogCaptureFixture
) -> None:
    listener = FakePartner("ok")
    party = await sqlite_store.create_party(
        "eMSP", [PartyRole("EMSP", "DE", "TNM")], state="registered", version="2.2.1", outbound_token="their-token"
    )
    token = await sqlite_store.issue_token(TokenKind.C, party.pk)
    async with serve_app(listener) as listener_url:
        for allowed, posted in ((False, 0), (True, 1)):
            app = node_app(sqlite_store, allow_private_urls=allowed)
            body = {"response_url": f"{listener_url}/results/1", "session_id": "S1"}
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as http:
                with caplog.at_level(logging.WARNING, logger="ocpi"):
                    answer = await http.post(
                        "/ocpi/cpo/2.2.1/commands/STOP_SESSION",
                        json=body,
                        headers={"Authorization": authorization_header(token, "2.2.1")},
                    )
            assert answer.json()["data"]["result"] == "ACCEPTED", answer.text
            await eventually(lambda posted=posted: _at_least(listener, posted), "the result reached the listener")
            assert listener.requests == posted, (allowed, listener.requests)
            if not allowed:
                assert any("refusing to call" in r.getMessage() for r in caplog.records), caplog.text


async def _at_least(fake: FakePartner, count: int) -> bool:
    return fake.requests >= count


def _registered_in(db: Path) -> list[str]:
    async def states() -> list[str]:
        store = await SqlStore.open(f"sqlite:///{db}")
        try:
            return [p.state for p in await store.list_parties()]
        finally:
            await store.close()

    return asyncio.run(states())


@pytest.mark.parametrize("how", ["default", "flag", "env"])
def test_the_cli_refuses_private_partner_urls_unless_allowed(
    tmp_path: Path, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ocpi serve` as a user runs it; a partner on loopback registers with it. The node calls the partner's
    versions URL back during the handshake: refused by default, allowed by the flag or the variable."""
    db = tmp_path / "cpo.db"
    monkeypatch.delenv(KEY_VARIABLE, raising=False)  # as in the user's shell: the node key is the file beside db

    async def token_a() -> str:
        store = await SqlStore.open(f"sqlite:///{db}")
        try:
            return await store.issue_token(TokenKind.A)
        finally:
            await store.close()

    token = asyncio.run(token_a())
    args = ["--db", f"sqlite:///{db}", "--role", "cpo", "--party", "BE/BEC", "--port", str(free_port())]
    env = cli_env()
    if how == "flag":
        args.append("--allow-private-urls")
    elif how == "env":
        env = cli_env(OCPI_ALLOW_PRIVATE_URLS="1")

    async def partner_registers(versions_url: str) -> str:
        async with serve_node(tmp_path / "emsp.db", [EMSP]) as emsp:
            try:
                await register(emsp.node, versions_url, token)
            except OcpiError as error:  # the node's 3001 answer, as the partner's client raises it
                assert error.status_code == 3001
                return error.message
            return "registered"

    with ocpi_serve(args, tmp_path, env) as served:
        outcome = asyncio.run(partner_registers(served.banner["Versions URL"].replace("/versions", "/cpo/versions")))
    if how == "default":
        assert "refusing to call" in outcome and "plain HTTP" in outcome, outcome
        assert _registered_in(db) == []
    else:
        assert outcome == "registered"
        assert _registered_in(db) == ["registered"]


DATABASE_STATEMENT_LOGGERS = ("aiosqlite", "sqlalchemy.engine")


async def test_no_token_reaches_the_logs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Every log record of every logger (ours, our outbound transport among them, uvicorn) at DEBUG, through a
    handshake, pushes that succeed, and pushes that fail: none carries a token, raw or Base64.

    Left out: the database drivers' statement logs (aiosqlite at DEBUG, SQLAlchemy `echo`), which print SQL
    parameters and so the one token a node keeps readable, the partner's outbound token (see
    test_auth.test_no_token_that_lets_anyone_in_is_stored_in_clear); they are off unless asked for."""
    caplog.set_level(logging.DEBUG)
    failing = FakePartner("500")
    async with (
        serve_node(tmp_path / "cpo.db", [CPO], push_interval=0.05) as cpo,
        serve_node(tmp_path / "emsp.db", [EMSP], push_interval=0.05) as emsp,
        serve_app(failing) as failing_url,
    ):
        token_a = await cpo.store.issue_token(TokenKind.A)
        issued = [token_a]
        original = emsp.store.issue_token

        async def remember(*args: Any, **kwargs: Any) -> str:
            issued.append(await original(*args, **kwargs))
            return issued[-1]

        emsp.store.issue_token = remember  # type: ignore[method-assign]
        partner = await register(emsp.node, f"{cpo.base_url}/ocpi/cpo/versions", token_a)
        issued.append(partner.outbound_token or "")
        broken = await cpo.store.create_party(
            "broken",
            [PartyRole("EMSP", "DE", "BRK")],
            state="registered",
            version="2.2.1",
            outbound_token="broken-partner-secret-token",
            endpoints=[{"identifier": "locations", "url": f"{failing_url}/locations", "role": "RECEIVER"}],
        )
        issued.append("broken-partner-secret-token")
        await PushWorker(cpo.node).ledger.cursor(broken.pk)
        await cpo.node.locations.put(example("location_example.json"), version="2.2.1")

        async def pushed() -> bool:
            delivered = await emsp.store.list_parties()
            return bool(delivered) and failing.requests > 0 and await _has_location(emsp.store)

        await eventually(pushed, "pushed to the eMSP and attempted at the failing partner")
    assert any(record.name == "ocpi.client" for record in caplog.records)  # the capture did see traffic
    spellings = {s for token in issued if token for s in (token, base64.b64encode(token.encode()).decode())}
    for record in caplog.records:
        if record.name.startswith(DATABASE_STATEMENT_LOGGERS):
            continue
        text = record.getMessage() + (record.exc_text or "") + repr(record.args)
        for secret in spellings:
            assert secret not in text, (record.name, text[:300])


async def _has_location(store: SqlStore) -> bool:
    from ocpi.storage.base import ObjectKey

    return await store.get(ObjectKey.of("locations", "BE", "BEC", "LOC1")) is not None
