"""A partner must not be able to exhaust the node through the calls the node makes to it (issue 20, item 3):
answers too large to hold (a gzip bomb, bodies without end), answers that never finish (a byte at a time),
sixteen slow partners at once, and error answers that would make the handshake a scanner of our network.
Each through real servers on 127.0.0.1, the hostile ones speaking raw bytes (`support.HostilePartner`)."""

from __future__ import annotations

import asyncio
import logging
import resource
from typing import Any

import httpx
import orjson
import pytest

from ocpi.client import OcpiClient, PartnerSettings, UrlPolicy
from ocpi.conformance import Options
from ocpi.conformance import UserError as ConformanceUserError
from ocpi.conformance import run as run_check
from ocpi.core.errors import UnableToUseClientApi
from ocpi.node.config import NodeConfig
from ocpi.node.handshake import UNUSABLE_VERSIONS
from ocpi.node.node import Node
from ocpi.push import PushWorker
from ocpi.storage.base import Party, PartyRole
from ocpi.storage.push import PushLedger
from ocpi.storage.sql import SqlStore
from tests.conftest import node_app
from tests.nodes import eventually, serve_app
from tests.test_cli.nodes import free_port
from tests.test_e2e.test_sync import example
from tests.test_hostile.support import FakePartner, HostilePartner, bomb, endless, head, sized, trickle, write
from tests.test_hostile.test_outbound import CPO, _post_credentials

LIMIT = PartnerSettings().max_response_bytes


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def client(**settings: Any) -> OcpiClient:
    return OcpiClient(token="t", settings=PartnerSettings(**settings), policy=UrlPolicy(allow_private=True))


async def given_up(partner: HostilePartner, count: int = 1) -> None:
    async def seen() -> bool:
        return partner.given_up >= count

    await eventually(seen, "the node closed the connection in the middle of the answer")


@pytest.mark.parametrize(
    ("answer", "endless_body"),
    [
        pytest.param(bomb(chunked=False), False, id="gzip-1MB-to-1GiB"),
        pytest.param(bomb(chunked=True), False, id="gzip-1MB-to-1GiB-chunked"),
        pytest.param(endless("length"), True, id="content-length-200MB"),
        pytest.param(endless("chunked"), True, id="chunked-without-end"),
        pytest.param(endless("close"), True, id="until-close-without-end"),
    ],
)
async def test_an_answer_beyond_the_size_limit_fails_cleanly_in_bounded_memory(answer: Any, endless_body: bool) -> None:
    partner = HostilePartner(answer)
    before = peak_rss_mb()
    async with partner.serving() as base, client() as ocpi:
        with pytest.raises(UnableToUseClientApi) as refused:
            await ocpi.get(f"{base}/ocpi/versions")
        if endless_body:
            await given_up(partner)
    assert refused.value.message == f"GET {base}/ocpi/versions failed: the answer exceeds the limit of {LIMIT:,} bytes"
    assert partner.requests == 1  # a read, but not retried: the partner would only answer the same
    # Before: the bomb inflated whole took the node from 107 MB to 2.3 GB. Now at most the limit is held.
    assert peak_rss_mb() - before < 3 * LIMIT / 2**20


async def test_an_httpx_client_of_yours_is_held_to_the_same_limits() -> None:
    """`OcpiClient(http=...)` sends through the caller's httpx client, under the same cap and deadline."""
    bombing, trickling = HostilePartner(bomb(chunked=True)), HostilePartner(trickle(0.2))
    async with (
        bombing.serving() as bomb_url,
        trickling.serving() as trickle_url,
        httpx.AsyncClient() as http,
    ):
        ocpi = OcpiClient(
            token="t", settings=PartnerSettings(timeout=1.0), policy=UrlPolicy(allow_private=True), http=http
        )
        with pytest.raises(UnableToUseClientApi, match=f"the answer exceeds the limit of {LIMIT:,} bytes"):
            await ocpi.get(f"{bomb_url}/ocpi/versions")
        with pytest.raises(UnableToUseClientApi, match="timed out, no complete answer within 1 s"):
            await ocpi.put(f"{trickle_url}/locations/X", {"id": "X"})
        await ocpi.aclose()
        assert not http.is_closed  # the caller's client is the caller's to close


async def test_the_size_limit_is_a_setting_of_the_node_that_a_partner_may_override(sqlite_store: SqlStore) -> None:
    """`NodeConfig.outbound` holds what every partner's client starts from; a partner's stored settings win."""
    partner = HostilePartner(sized(3000))
    config = NodeConfig(parties=[CPO], allow_private_urls=True, outbound=PartnerSettings(max_response_bytes=2000))
    node = Node(config, sqlite_store)
    async with partner.serving() as base:
        inherits = await register_receiver(sqlite_store, "inherits", f"{base}/inherits/locations")
        overrides = await register_receiver(
            sqlite_store, "overrides", f"{base}/overrides/locations", max_response_bytes=4000
        )
        await node.locations.put(example("location_example.json"), version="2.2.1")
        assert await PushWorker(node).run_once() == 1
    failed = await PushLedger(sqlite_store).state(inherits.pk)
    assert failed.last_error is not None and "the answer exceeds the limit of 2,000 bytes" in failed.last_error
    assert len(failed.failing) == 1
    delivered = await PushLedger(sqlite_store).state(overrides.pk)
    assert not delivered.failing and delivered.last_error is None


async def test_a_partner_answering_a_byte_at_a_time_holds_a_call_no_longer_than_its_deadline() -> None:
    """Before, the 10 s timeout applied to each read, and a byte a second held a push for ten minutes."""
    partner = HostilePartner(trickle(0.2))
    async with partner.serving() as base, client(timeout=1.0) as ocpi:
        for call in (lambda: ocpi.put(f"{base}/locations/X", {"id": "X"}), lambda: ocpi.get(f"{base}/versions")):
            with pytest.raises(UnableToUseClientApi, match="timed out, no complete answer within 1 s"):
                await call()
        await given_up(partner, 2)
    # The deadline covers the retries of a read too: one attempt took all of it.
    assert partner.requests == 2


async def test_a_push_to_a_partner_answering_a_byte_at_a_time_ends_at_the_deadline(sqlite_store: SqlStore) -> None:
    partner = HostilePartner(trickle(0.2))
    node = Node(NodeConfig(parties=[CPO], allow_private_urls=True), sqlite_store)
    stop = asyncio.Event()
    async with partner.serving() as base:
        slow = await register_receiver(sqlite_store, "slow", f"{base}/locations", timeout=1.0)
        worker = asyncio.create_task(PushWorker(node, interval=0.05).run_forever(stop))
        try:
            await node.locations.put(example("location_example.json"), version="2.2.1")

            async def failed() -> bool:
                return bool((await PushLedger(sqlite_store).state(slow.pk)).failing)

            await eventually(failed, "the push failed at its deadline")
            await given_up(partner)
        finally:
            stop.set()
            await worker
    state = await PushLedger(sqlite_store).state(slow.pk)
    assert state.last_error is not None and "timed out, no complete answer within 1 s" in state.last_error


async def test_sixteen_slow_partners_do_not_hold_back_a_healthy_one(store: SqlStore) -> None:
    """Before, sixteen partners answering a byte a second held every shared push slot (and, on PostgreSQL, a
    pooled connection each) and healthy partners received nothing for 96 s. A partner holds its own share."""
    slow = HostilePartner(trickle(1.0))
    healthy = FakePartner("ok")
    node = Node(NodeConfig(parties=[CPO], allow_private_urls=True), store)
    stop = asyncio.Event()
    async with slow.serving() as slow_url, serve_app(healthy) as healthy_url:
        for number in range(16):  # registered first: they are claimed first
            await register_receiver(store, f"s{number:02d}", f"{slow_url}/slow{number}/locations")
        await register_receiver(store, "healthy", f"{healthy_url}/locations")
        worker = asyncio.create_task(PushWorker(node, interval=0.05).run_forever(stop))
        try:
            await node.locations.put(example("location_example.json"), version="2.2.1")

            async def all_slow_ones_trickling() -> bool:
                return slow.writing == 16

            async def healthy_has_it() -> bool:
                return healthy.requests == 1

            await eventually(all_slow_ones_trickling, "every slow partner being answered, a byte a second")
            await eventually(healthy_has_it, "the healthy partner received the location")
            assert slow.writing == 16, "the slow partners had finished: the test proves nothing"
            body = orjson.loads(healthy.received["/locations/BE/BEC/LOC1"])
            assert body["id"] == "LOC1"
        finally:
            stop.set()
            await worker


async def test_3001_tells_a_token_a_holder_nothing_of_our_network(
    sqlite_store: SqlStore, caplog: pytest.LogCaptureFixture
) -> None:
    """Whatever stood at the versions URL (nothing, a port that hangs, a server answering something else, a
    name that does not resolve), the caller holding token A gets the same answer; the node's log says what it
    was."""

    async def not_found(writer: asyncio.StreamWriter) -> None:
        await write(writer, head("404 Not Found", content_length=9) + b"not found")

    app = node_app(sqlite_store, allow_private_urls=True, outbound=PartnerSettings(timeout=1.0))
    hanging, answering = HostilePartner(trickle(0.2)), HostilePartner(not_found)
    messages = {}
    async with (
        hanging.serving() as hanging_url,
        answering.serving() as answering_url,
        serve_app(FakePartner("garbage")) as garbage_url,
    ):
        urls = {
            "closed port": f"http://127.0.0.1:{free_port()}/ocpi/versions",
            "hangs": f"{hanging_url}/ocpi/versions",
            "answers 404": f"{answering_url}/ocpi/versions",
            "answers garbage": f"{garbage_url}/ocpi/versions",
            "does not resolve": "http://no-such-host.invalid/ocpi/versions",
        }
        with caplog.at_level(logging.WARNING, logger="ocpi"):
            for name, url in urls.items():
                response = await _post_credentials(app, sqlite_store, url, "their-token")
                document = response.json()
                assert (response.status_code, document["status_code"]) == (200, 3001), (name, document)
                messages[name] = document["status_message"].replace(url, "<url>")
    assert set(messages.values()) == {f"cannot use your API at <url>: {UNUSABLE_VERSIONS}"}, messages
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for detail in ("Connection refused", "timed out", "HTTP 404", "without an OCPI envelope", "cannot resolve"):
        assert detail in logged, detail
    assert [p.state for p in await sqlite_store.list_parties()] == []


async def register_receiver(store: SqlStore, name: str, locations_url: str, **settings: Any) -> Party:
    """A registered eMSP (2.2.1) with a locations receiver at `locations_url`, its cursor at the head."""
    party = await store.create_party(
        name,
        [PartyRole("EMSP", "DE", name[:3].upper())],
        state="registered",
        version="2.2.1",
        outbound_token=f"token-of-{name}",
        endpoints=[{"identifier": "locations", "url": locations_url, "role": "RECEIVER"}],
        settings=settings,
    )
    await PushLedger(store).cursor(party.pk)
    return party


@pytest.mark.parametrize(
    ("answer", "options", "failure"),
    [
        pytest.param(bomb(chunked=True), {}, f"the answer exceeds the limit of {LIMIT:,} bytes", id="gzip-bomb"),
        pytest.param(endless("chunked"), {}, f"the answer exceeds the limit of {LIMIT:,} bytes", id="endless"),
        pytest.param(
            trickle(0.2),
            {"outbound": PartnerSettings(timeout=1.0)},
            "timed out, no complete answer within 1 s",
            id="trickle",
        ),
    ],
)
async def test_ocpi_check_is_held_to_the_same_limits(answer: Any, options: dict[str, Any], failure: str) -> None:
    """`ocpi check` (ocpi.conformance.run) calls the peer through the same transport, size limit and deadline:
    before, its own httpx client inflated a bomb whole and waited 15 s per read of a trickle."""
    partner = HostilePartner(answer)
    before = peak_rss_mb()
    async with partner.serving() as base:
        with pytest.raises(ConformanceUserError) as refused:
            await run_check(Options(versions_url=f"{base}/ocpi/versions", token="t", **options))
    assert str(refused.value) == f"cannot reach the peer: GET {base}/ocpi/versions: {failure}"
    assert peak_rss_mb() - before < 3 * LIMIT / 2**20
