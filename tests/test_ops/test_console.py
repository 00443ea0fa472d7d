"""The operator's console through the real ASGI app and store: sign-in, CSRF, and each page and action."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from ocpi.core import rules
from ocpi.core.rules import Deviation
from ocpi.push import PushWorker
from ocpi.server.app import get_application
from ocpi.storage.base import PartyRole, TokenKind
from ocpi.storage.operations import save_check_report
from ocpi.storage.push import PushLedger
from ocpi.storage.sql import SqlStore, hash_token
from ocpi.testing import local_node
from tests.conftest import NODE_PARTIES, node_app
from tests.test_cli.nodes import free_port
from tests.test_hostile.test_handshake import accepted, credentials, discovery_partner, post_credentials, refused
from tests.test_ops.support import our_location

CONSOLE_TOKEN = "console-token-for-the-tests"


@pytest.fixture
async def console(store: SqlStore) -> AsyncIterator[httpx.AsyncClient]:
    app = node_app(store, console_token=CONSOLE_TOKEN)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        http.app = app  # type: ignore[attr-defined]
        yield http


async def sign_in(http: httpx.AsyncClient) -> None:
    answer = await http.post("/console/login", data={"token": CONSOLE_TOKEN})
    assert answer.status_code == 303 and answer.headers["location"] == "/console/"


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', page.text)
    assert found, page.text
    return found.group(1)


async def test_the_console_is_off_unless_given_a_token(client: httpx.AsyncClient) -> None:
    answer = await client.get("/console/")
    assert answer.status_code == 404 and answer.json()["status_message"] == "no such endpoint"


async def test_signing_in_and_out(console: httpx.AsyncClient) -> None:
    first = await console.get("/console/")
    assert first.status_code == 303 and first.headers["location"] == "/console/login"
    wrong = await console.post("/console/login", data={"token": "not the token"})
    assert wrong.status_code == 401 and "That is not the console token." in wrong.text
    assert "set-cookie" not in wrong.headers
    right = await console.post("/console/login", data={"token": CONSOLE_TOKEN})
    cookie = right.headers["set-cookie"]
    assert right.status_code == 303 and "ocpi_console=" in cookie
    assert {"HttpOnly", "SameSite=strict", "Path=/console"} <= {part.strip() for part in cookie.split(";")}
    assert CONSOLE_TOKEN not in cookie
    page = await console.get("/console/")
    assert page.status_code == 200 and "No partners yet" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none'; style-src 'self'")
    assert page.headers["cache-control"] == "no-store" and page.headers["x-content-type-options"] == "nosniff"
    assert (await console.get("/console/console.css")).headers["content-type"].startswith("text/css")
    out = await console.post("/console/logout", data={"csrf": csrf_of(page)})
    assert out.status_code == 303 and out.headers["location"] == "/console/login"
    assert (await console.get("/console/")).status_code == 303


async def test_a_session_from_another_token_is_refused(store: SqlStore, console: httpx.AsyncClient) -> None:
    await sign_in(console)
    other = get_application(parties=NODE_PARTIES, store=store, console_token="another-console-token")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=other), base_url="http://testserver") as http:
        http.cookies = console.cookies
        answer = await http.get("/console/")
    assert answer.status_code == 303 and answer.headers["location"] == "/console/login"


async def failing_partner(store: SqlStore, http: httpx.AsyncClient) -> int:
    """A registered partner that cannot be reached, with two objects failing for it after a push round."""
    node = http.app.state.node  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{free_port()}/ocpi/emsp/2.2.1/locations"
    party = await store.create_party(
        "Down eMSP", [PartyRole("EMSP", "DE", "DWN")], state="registered", version="2.2.1",
        versions_url="http://127.0.0.1:9/ocpi/versions", endpoints=[{"identifier": "locations", "role": "RECEIVER",
                                                                     "url": url}],
        outbound_token="token-we-send",
    )  # fmt: skip
    worker = PushWorker(node)  # not node.push: the app (and its worker) served the previous test's store too
    await worker.ledger.cursor(party.pk)
    await node.locations.put(our_location("FAIL1"), version="2.2.1")
    await node.locations.put(our_location("FAIL2"), version="2.2.1")
    await worker.run_once()
    return int(party.pk)


async def test_partners_their_failing_objects_and_retry_now(store: SqlStore, console: httpx.AsyncClient) -> None:
    pk = await failing_partner(store, console)
    await sign_in(console)
    overview = await console.get("/console/")
    assert "Down eMSP" in overview.text and "EMSP DE/DWN" in overview.text
    assert re.search(r'<td class="number"><strong>2</strong></td>', overview.text)
    assert "Connection refused" in overview.text and "token-we-send" not in overview.text
    page = await console.get(f"/console/partners/{pk}")
    assert page.status_code == 200
    assert "locations NL/CPO/FAIL1" in page.text and "locations NL/CPO/FAIL2" in page.text
    assert "0 changes behind, 2 objects failing" in page.text and "No report yet" in page.text
    ledger = PushLedger(store)

    refused = await console.post(f"/console/partners/{pk}/retry", data={})
    assert refused.status_code == 403 and "refused: stale or missing CSRF token" in refused.text
    elsewhere = await console.post(
        f"/console/partners/{pk}/retry", data={"csrf": csrf_of(page)}, headers={"Origin": "https://evil.example"}
    )
    assert elsewhere.status_code == 403 and "the form was posted from another site" in elsewhere.text
    assert await ledger.due(pk) == []

    retried = await console.post(f"/console/partners/{pk}/retry", data={"csrf": csrf_of(page)})
    assert retried.status_code == 303
    assert len(await ledger.due(pk)) == 2
    after = await console.get(retried.headers["location"])
    assert "Every failing object is due now: the push worker retries them." in after.text
    missing = await console.get("/console/partners/999")
    assert missing.status_code == 404 and "no partner #999" in missing.text


async def test_the_last_conformance_report_of_a_partner(store: SqlStore, console: httpx.AsyncClient) -> None:
    party = await store.create_party("Checked", [PartyRole("CPO", "BE", "BEC")], state="registered")
    report = {
        "schema": "ocpi-conformance-report/1", "generated_at": "2025-03-12T10:00:00Z",
        "target": {"versions_url": "http://x/ocpi/versions", "version": "2.2.1"},
        "summary": {"passed": 1, "failed": 1, "skipped": 0, "exit_status": 1},
        "results": [
            {"id": "envelope.timestamp", "title": "Envelope timestamp", "subject": None, "outcome": "passed",
             "message": "ok", "details": [], "spec": {"file": "2.2.1/transport_and_format.asciidoc",
                                                    "section": "Response format"}},
            {"id": "pagination.link", "title": "Link header", "subject": "locations", "outcome": "failed",
             "message": "no Link <b>header</b>", "details": ["page 1"], "spec": {"file": "f", "section": "s"}},
        ],
    }  # fmt: skip
    await save_check_report(store, party.pk, report)
    await sign_in(console)
    page = await console.get(f"/console/partners/{party.pk}")
    assert "OCPI 2.2.1 checked 2025-03-12T10:00:00Z: <strong>1 passed, 1 failed, 0 skipped</strong>" in page.text
    assert "pagination.link" in page.text and "no Link &lt;b&gt;header&lt;/b&gt;" in page.text


async def test_tokens_issue_shows_the_token_once_and_revoke(store: SqlStore, console: httpx.AsyncClient) -> None:
    await sign_in(console)
    listing = await console.get("/console/tokens")
    assert "No tokens issued yet." in listing.text
    issued = await console.post("/console/tokens", data={"csrf": csrf_of(listing), "expires_in": "1d"})
    assert issued.status_code == 200
    token = re.search(r'<code id="new-token">([^<]+)</code>', issued.text)
    assert token is not None
    credential = await store.find_credential(token.group(1))
    assert credential is not None and credential.kind is TokenKind.A and credential.party is None
    again = await console.get("/console/tokens")
    assert token.group(1) not in again.text and hash_token(token.group(1))[:12] in again.text
    bad = await console.post("/console/tokens", data={"csrf": csrf_of(again), "expires_in": "forever"})
    assert bad.status_code == 400 and "expires in: choose 1h, 1d, 7d, 30d" in bad.text

    revoked = await console.post(f"/console/tokens/{hash_token(token.group(1))}/revoke", data={"csrf": csrf_of(again)})
    assert revoked.status_code == 303
    assert await store.find_credential(token.group(1)) is None
    assert "revoked" in (await console.get("/console/tokens")).text
    twice = await console.post(f"/console/tokens/{hash_token(token.group(1))}/revoke", data={"csrf": csrf_of(again)})
    assert twice.status_code == 404 and "no live token with that hash" in twice.text


async def test_objects_per_module_with_search_and_each_version(store: SqlStore, console: httpx.AsyncClient) -> None:
    node = console.app.state.node  # type: ignore[attr-defined]
    for location_id in ("GENT-1", "GENT-2", "BRUSSELS-1"):
        await node.locations.put(our_location(location_id), version="2.2.1")
    await sign_in(console)
    everything = await console.get("/console/objects?module=locations")
    assert "3 locations." in everything.text
    found = await console.get("/console/objects", params={"module": "locations", "q": "gent"})
    assert "2 locations matching “gent”." in found.text and "BRUSSELS-1" not in found.text
    owner = await console.get("/console/objects", params={"module": "locations", "q": "nl/cpo"})
    assert "3 locations matching" in owner.text
    pk = re.search(r'href="/console/objects/(\d+)">GENT-1<', found.text)
    assert pk is not None
    shown = await console.get(f"/console/objects/{pk.group(1)}")
    assert [v for v in ("2.1.1", "2.2.1", "2.3.0") if f"<h2>OCPI {v}</h2>" in shown.text] == ["2.1.1", "2.2.1", "2.3.0"]
    assert shown.text.count("&#34;id&#34;: &#34;GENT-1&#34;") == 3
    assert (await console.get("/console/objects?module=nothing")).status_code == 404
    assert (await console.get("/console/objects/99999")).status_code == 404


async def test_a_partner_s_quirks(store: SqlStore, console: httpx.AsyncClient) -> None:
    party = await store.create_party("Sloppy", [PartyRole("CPO", "BE", "BEC")], state="registered")
    node = console.app.state.node  # type: ignore[attr-defined]
    await sign_in(console)
    assert re.search(r"<h2>Quirks</h2>\s*<p>None.</p>", (await console.get(f"/console/partners/{party.pk}")).text)
    no_seconds = Deviation(rules.DATETIME_FORMAT, "$.last_updated", "'2025-03-12T10:00' has no seconds <b>")
    node.quirks.note(party.pk, [no_seconds], "PUT /ocpi/emsp/2.2.1/locations/BE/BEC/L1")
    page = await console.get(f"/console/partners/{party.pk}")
    assert re.search(r'<td><code>datetime-format</code></td>\s*<td class="number">1</td>', page.text)
    assert (
        "PUT /ocpi/emsp/2.2.1/locations/BE/BEC/L1 $.last_updated: &#39;2025-03-12T10:00&#39; has no seconds &lt;b&gt;"
        in (page.text)
    )
    assert "DateTime is RFC 3339" in page.text


async def test_a_token_a_issued_in_the_console_is_bound_to_the_parties_named(tmp_path: Path) -> None:
    """Issue 20.1: the console binds a token A as `ocpi tokens create --party` does, and the real handshake of a
    partner on 127.0.0.1 holds it to those parties."""
    database = f"sqlite:///{tmp_path / 'node.db'}"
    async with (
        discovery_partner() as partner,
        local_node(parties=NODE_PARTIES, store=database, console_token=CONSOLE_TOKEN) as node,
        httpx.AsyncClient(base_url=node.base_url) as console,
    ):
        await sign_in(console)
        listing = await console.get("/console/tokens")
        wrong = await console.post(
            "/console/tokens", data={"csrf": csrf_of(listing), "expires_in": "1d", "parties": "DE/XEM, Germany"}
        )
        assert wrong.status_code == 400
        assert "not a party: &#39;Germany&#39; (expected CC/PID, like DE/XEM)" in wrong.text
        assert await node.store.list_tokens() == []

        issued = await console.post(
            "/console/tokens", data={"csrf": csrf_of(listing), "expires_in": "1d", "parties": "de/xem DE*XE2,DE/XEM"}
        )
        assert issued.status_code == 200 and "It registers only DE/XEM, DE/XE2." in issued.text
        found = re.search(r'<code id="new-token">([^<]+)</code>', issued.text)
        assert found is not None
        token_a = found.group(1)
        [listed] = await node.store.list_tokens()
        assert listed.parties == [("DE", "XEM"), ("DE", "XE2")]
        assert "<td>DE/XEM, DE/XE2</td>" in (await console.get("/console/tokens")).text

        versions = partner.base_url + "/versions"
        outside = credentials(versions, ("DE", "XEM"), ("DE", "OTH"))
        refused(
            await post_credentials(node, token_a, outside),
            "roles.1: DE/OTH is not a party your token may register (it may: DE/XEM, DE/XE2)",
        )
        assert await node.store.list_parties() == []
        accepted(await post_credentials(node, token_a, credentials(versions, ("DE", "XEM"))))
        [party] = [p for p in await node.store.list_parties() if p.state == "registered"]
        assert party.allowed_parties == [("DE", "XEM"), ("DE", "XE2")]

        unbound = await console.post("/console/tokens", data={"csrf": csrf_of(listing), "expires_in": "1h"})
        assert "It registers any party no one holds." in unbound.text
        assert "<td>any</td>" in (await console.get("/console/tokens")).text
