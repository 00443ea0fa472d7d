"""A receiver reads what a partner sends out of spec where the meaning is unambiguous, and records it as that
partner's quirk (per kind: a count, the last example and when); a strict node refuses it instead, naming each
deviation. Through the real app and store."""

from __future__ import annotations

import httpx

from ocpi.core.utils import authorization_header, encode_string_base64
from tests.conftest import PartnerFactory, node_app
from tests.test_server import samples
from tests.test_server.support import envelope, refused, url

OWNER = ("BE", "BEC")


def sloppy_location(object_id: str) -> dict:
    location = samples.sample("location", "2.2.1", object_id, OWNER)
    location["last_updated"] = "2024-05-01T12:00"  # no seconds
    location["coordinates"]["latitude"] = "51.04"  # two decimals
    location["evses"][0]["connectors"][0]["max_voltage"] = "220"  # a string
    return location


async def test_a_partner_s_deviations_are_read_and_recorded_as_its_quirks(
    client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    cpo = await make_partner("CPO", *OWNER)
    base = url("EMSP", "2.2.1", "locations", *OWNER)
    headers = cpo.headers("2.2.1")

    envelope(await client.put(f"{base}/LOC1", json=sloppy_location("LOC1"), headers=headers), 201)
    stored = envelope(await client.get(f"{base}/LOC1", headers=headers))["data"]
    assert stored["last_updated"] == "2024-05-01T12:00:00Z"  # read, and written back exactly
    assert stored["evses"][0]["connectors"][0]["max_voltage"] == 220
    envelope(await client.put(f"{base}/LOC2", json=sloppy_location("LOC2"), headers=headers), 201)
    evse = stored["evses"][0]["uid"]
    patch = {"status": "CHARGING", "last_updated": "2024-05-01 12:05:00"}  # a space for the T
    envelope(await client.patch(f"{base}/LOC1/{evse}", json=patch, headers=headers))
    assert envelope(await client.get(f"{base}/LOC1/{evse}", headers=headers))["data"]["status"] == "CHARGING"

    node = client.app.state.node  # type: ignore[attr-defined]
    quirks = {q.kind: q for q in await node.quirks.of(cpo.party.pk)}
    assert {kind: q.count for kind, q in quirks.items()} == {
        "datetime-format": 3,  # once per message
        "geo-coordinate": 2,
        "json-integer": 2,
    }
    assert quirks["datetime-format"].example == (
        f"PATCH {base}/LOC1/{evse} $.last_updated: '2024-05-01 12:05:00' separates date and time with a space, not `T`"
    )
    assert quirks["json-integer"].example == f"PUT {base}/LOC2 $.evses[0].connectors[0].max_voltage: '220' is a string"
    assert quirks["geo-coordinate"].rule is not None and "Regex" in quirks["geo-coordinate"].rule.title


async def test_what_no_one_can_read_is_refused_and_not_a_quirk(
    client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    cpo = await make_partner("CPO", *OWNER)
    location = samples.sample("location", "2.2.1", "LOC1", OWNER)
    location["coordinates"]["latitude"] = "north"
    answer = await client.put(url("EMSP", "2.2.1", "locations", *OWNER, "LOC1"), json=location, headers=cpo.headers())
    refused(answer, 200, 2001, "coordinates.latitude: 'north' is not a number of degrees from -90 to 90")
    assert await client.app.state.node.quirks.of(cpo.party.pk) == []  # type: ignore[attr-defined]


async def test_a_token_spelt_against_its_version_is_read_and_recorded(
    client: httpx.AsyncClient, make_partner: PartnerFactory
) -> None:
    cpo = await make_partner("CPO", *OWNER)
    raw = {"Authorization": f"Token {cpo.token}"}
    encoded = {"Authorization": f"Token {encode_string_base64(cpo.token)}"}
    for version, headers in (("2.2.1", encoded), ("2.1.1", raw), ("2.3.0", raw), ("2.1.1", encoded)):
        listed = await client.get(url("CPO", version, "locations"), headers=headers)
        envelope(listed)  # read all the same
    node = client.app.state.node  # type: ignore[attr-defined]
    [quirk] = await node.quirks.of(cpo.party.pk)
    assert (quirk.kind, quirk.count) == ("token-encoding", 2)
    assert quirk.example == (
        "GET /ocpi/cpo/2.1.1/locations Authorization: a Base64 token where this version's requests carry it raw"
    )
    assert authorization_header(cpo.token, "2.2.1") == encoded["Authorization"]


async def test_a_strict_node_refuses_deviations_naming_each(store, make_partner: PartnerFactory) -> None:
    app = node_app(store, strict=True)
    cpo = await make_partner("CPO", *OWNER)
    base = url("EMSP", "2.2.1", "locations", *OWNER)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        answer = await http.put(f"{base}/LOC1", json=sloppy_location("LOC1"), headers=cpo.headers())
        message = refused(answer, 200, 2001, "invalid Location (this node reads strictly)")
        assert "last_updated: '2024-05-01T12:00' has no seconds (DateTime is RFC 3339" in message
        assert "coordinates.latitude: '51.04' is not decimal degrees" in message
        assert "evses.0.connectors.0.max_voltage: '220' is a string" in message
        refused(await http.get(f"{base}/LOC1", headers=cpo.headers()), 404, 2003)  # nothing stored
        exact = samples.sample("location", "2.2.1", "LOC1", OWNER)
        envelope(await http.put(f"{base}/LOC1", json=exact, headers=cpo.headers()), 201)
        evse = exact["evses"][0]["uid"]
        late = {"status": "CHARGING", "last_updated": "2030-01-01T00:00"}
        refused(await http.patch(f"{base}/LOC1/{evse}", json=late, headers=cpo.headers()), 200, 2001, "no seconds")
        back = envelope(await http.get(f"{base}/LOC1/{evse}", headers=cpo.headers()))["data"]
        assert back["status"] == exact["evses"][0]["status"]  # the refused PATCH changed nothing
