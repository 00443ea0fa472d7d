"""One store serves every version: an object written through one version's endpoint is read back through
the other two versions' endpoints, and validates there."""

from __future__ import annotations

import httpx
import pytest

from ocpi.core.data_types import parse_datetime
from ocpi.core.enums import RoleEnum
from ocpi.core.interfaces import ObjectType
from ocpi.core.validation import parse
from ocpi.modules.cdrs.interfaces import CDR
from ocpi.modules.locations.interfaces import LOCATION
from ocpi.modules.sessions.interfaces import SESSION
from ocpi.modules.tariffs.interfaces import TARIFF
from ocpi.modules.tokens.interfaces import TOKEN
from tests.conftest import Partner, PartnerFactory
from tests.test_server import samples
from tests.test_server.support import OWN, envelope, seed, url

THEM = ("BE", "BEC")

# kind -> (object type, the node role that receives it, the node role that sends its own)
KINDS: dict[str, tuple[ObjectType, RoleEnum, RoleEnum]] = {
    "location": (LOCATION, RoleEnum.EMSP, RoleEnum.CPO),
    "session": (SESSION, RoleEnum.EMSP, RoleEnum.CPO),
    "cdr": (CDR, RoleEnum.EMSP, RoleEnum.CPO),
    "tariff": (TARIFF, RoleEnum.EMSP, RoleEnum.CPO),
    "token": (TOKEN, RoleEnum.CPO, RoleEnum.EMSP),
}
CASES = [(kind, version) for kind in KINDS for version in samples.VERSIONS]


@pytest.fixture
async def partner(make_partner: PartnerFactory) -> Partner:
    return await make_partner("CPO", *THEM, ("EMSP", *THEM))


def assert_same_object(kind: str, written: dict[str, object], read: dict[str, object], version: str) -> None:
    id_field = "uid" if kind == "token" else "id"
    assert read[id_field] == written[id_field]
    assert parse_datetime(read["last_updated"]) == parse_datetime(written["last_updated"])
    if version != "2.1.1":
        assert (read["country_code"], read["party_id"]) == THEM


@pytest.mark.parametrize(("kind", "written_in"), CASES)
async def test_a_received_object_reads_back_in_every_version(
    kind: str, written_in: str, client: httpx.AsyncClient, partner: Partner
) -> None:
    object_type, role, _ = KINDS[kind]
    written = samples.sample(kind, written_in, "X1", THEM)
    if kind == "cdr":
        response = await client.post(url(role, written_in, "cdrs"), json=written, headers=partner.headers(written_in))
    else:
        target = url(role, written_in, object_type.module, *THEM, "X1")
        response = await client.put(target, json=written, headers=partner.headers(written_in))
    envelope(response, 201)
    for version in samples.VERSIONS:
        target = url(role, version, object_type.module, *THEM, "X1")
        read = envelope(await client.get(target, headers=partner.headers(version)))["data"]
        parse(object_type.models[version], read)
        assert_same_object(kind, written, read, version)


@pytest.mark.parametrize(("kind", "written_in"), CASES)
async def test_an_own_object_is_listed_in_every_version(
    kind: str, written_in: str, client: httpx.AsyncClient, partner: Partner
) -> None:
    object_type, _, role = KINDS[kind]
    written = samples.sample(kind, written_in, "MINE", OWN[role])
    await seed(client, object_type, written_in, written, role)
    for version in samples.VERSIONS:
        listing = await client.get(
            url(role, version, object_type.module),
            params={"date_from": "2000-01-01T00:00:00Z"},
            headers=partner.headers(version),
        )
        [read] = envelope(listing)["data"]
        parse(object_type.models[version], read)
        assert read["uid" if kind == "token" else "id"] == "MINE"


async def test_a_2_1_1_session_keeps_the_location_it_came_with(client: httpx.AsyncClient, partner: Partner) -> None:
    """A 2.1.1 Session embeds its Location. A CPO may send the session before the latest state of that Location
    (pushes travel side by side): the session reads back with the Location it was sent with, not with the
    older state this node holds."""
    session = samples.sample("session", "2.1.1", "S1", THEM)
    location_id = session["location"]["id"]
    older = {**samples.sample("location", "2.1.1", location_id, THEM), "last_updated": "2015-01-01T00:00:00Z"}
    older["evses"][0]["status"] = "AVAILABLE"
    headers = partner.headers("2.1.1")
    envelope(
        await client.put(url(RoleEnum.EMSP, "2.1.1", "locations", *THEM, location_id), json=older, headers=headers), 201
    )
    session["location"]["evses"][0]["status"] = "CHARGING"
    envelope(await client.put(url(RoleEnum.EMSP, "2.1.1", "sessions", *THEM, "S1"), json=session, headers=headers), 201)
    read = envelope(await client.get(url(RoleEnum.EMSP, "2.1.1", "sessions", *THEM, "S1"), headers=headers))["data"]
    assert read["location"]["evses"][0]["status"] == "CHARGING"
    # As any 2.1.1 Location, one without a time zone gets the documented invented "UTC".
    assert read["location"] == {"time_zone": "UTC", **session["location"]}
