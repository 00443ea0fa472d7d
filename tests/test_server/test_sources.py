"""The application as the source of truth (`ocpi.storage.sources`), through the node's real ASGI app: its objects
read from typed sources and rendered per version, keyset pages on the source's own cursor, and what a source gets
wrong answered as an OCPI error naming it (never a crash), so no object reaches a partner it is not for."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import pytest

from ocpi.core.enums import RoleEnum
from ocpi.core.errors import ServerError
from ocpi.modules.locations.v_2_3_0.schemas import Location
from ocpi.modules.sessions.v_2_3_0.schemas import Session
from ocpi.node.config import OwnParty
from ocpi.server.app import get_application
from ocpi.storage.base import ObjectKey
from ocpi.storage.sources import SourcePage, SourceQuery, Sources, SourcesGiven
from ocpi.storage.sql import SqlStore
from tests.conftest import NODE_PARTIES, Partner, PartnerFactory
from tests.nodes import guide_classes
from tests.test_server.samples import sample, stamp
from tests.test_server.support import envelope, refused, url

MemorySource: Any = guide_classes()["MemorySource"]


def location(object_id: str, owner: tuple[str, str] = ("NL", "CPO"), offset: int = 0) -> Location:
    return Location.model_validate(sample("location", "2.3.0", object_id, owner, last_updated=stamp(offset)))


def session(object_id: str, token_owner: tuple[str, str]) -> Session:
    document = sample("session", "2.3.0", object_id, ("NL", "CPO"), last_updated=stamp(), token_owner=token_owner)
    return Session.model_validate(document)


@pytest.fixture
async def partner(make_partner: PartnerFactory) -> Partner:
    return await make_partner("EMSP", "DE", "EMS")  # type: ignore[no-any-return]


CPO_ONLY = (OwnParty(RoleEnum.CPO, "NL", "CPO"),)


async def client_on(
    store: SqlStore, sources: SourcesGiven, parties: Sequence[OwnParty] = CPO_ONLY
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app of a node with `sources` (a CPO alone unless told: it receives no locations, so its
    locations source may be read-only)."""
    app = get_application(parties=parties, store=store, sources=sources, base_url="http://testserver")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        http.app = app  # type: ignore[attr-defined]
        yield http


@pytest.fixture
async def locations() -> Any:
    return MemorySource()


@pytest.fixture
async def http(store: SqlStore, locations: Any) -> AsyncIterator[httpx.AsyncClient]:
    async for client in client_on(store, Sources(locations=locations), NODE_PARTIES):
        yield client


async def test_objects_are_read_from_the_source_in_every_version(
    http: httpx.AsyncClient, locations: Any, partner: Partner, store: SqlStore
) -> None:
    await locations.put(location("LOC1"))
    for version in ("2.1.1", "2.2.1", "2.3.0"):
        found = envelope(
            await http.get(url(RoleEnum.CPO, version, "locations", "loc1"), headers=partner.headers(version))
        )
        assert found["data"]["id"] == "LOC1"
        assert ("country_code" in found["data"]) is (version != "2.1.1")
    assert await store.get(ObjectKey.of("locations", "NL", "CPO", "LOC1")) is None  # nothing copied into SQL


async def test_a_list_pages_on_the_sources_own_cursor(
    http: httpx.AsyncClient, locations: Any, partner: Partner
) -> None:
    for index in range(5):
        await locations.put(location(f"LOC{index}", offset=index))
    await locations.put(location("OTHER", owner=("DE", "XYZ")))  # not the node's: never listed
    listing, seen = url(RoleEnum.CPO, "2.2.1", "locations"), []
    answer = await http.get(listing, params={"limit": 2}, headers=partner.headers())
    while True:
        seen += [item["id"] for item in envelope(answer)["data"]]
        assert answer.headers["x-total-count"] == "5"
        link = answer.headers.get("link")
        if not link:
            break
        assert "after=" in link
        answer = await http.get(link.split(">")[0].strip("<"), headers=partner.headers())
    assert seen == ["LOC0", "LOC1", "LOC2", "LOC3", "LOC4"]


async def test_a_cursor_the_source_cannot_read_is_2001_naming_after(http: httpx.AsyncClient, partner: Partner) -> None:
    answer = await http.get(url(RoleEnum.CPO, "2.2.1", "locations"), params={"after": "xyz"}, headers=partner.headers())
    refused(answer, 200, 2001, "after: the list cannot continue after 'xyz'")


async def test_a_cursor_the_built_in_store_did_not_give_is_2001(client: httpx.AsyncClient, partner: Partner) -> None:
    for after in ("xyz", "-1", str(2**63)):
        answer = await client.get(
            url(RoleEnum.CPO, "2.2.1", "locations"), params={"after": after}, headers=partner.headers()
        )
        refused(answer, 200, 2001, f"after: '{after}' is not a position this node's Link header gave")


class Failing:
    async def get(self, key: ObjectKey) -> Location | None:
        raise ConnectionError("the database is down")

    async def page(self, query: SourceQuery) -> SourcePage[Location]:
        raise ConnectionError("the database is down")


async def test_a_source_that_fails_is_3000_naming_it(store: SqlStore, partner: Partner) -> None:
    async for http in client_on(store, Sources(locations=Failing())):
        one = await http.get(url(RoleEnum.CPO, "2.2.1", "locations", "LOC1"), headers=partner.headers())
        refused(one, 200, 3000, "the application's locations source failed (get: ConnectionError)", "log")
        listed = await http.get(url(RoleEnum.CPO, "2.2.1", "locations"), headers=partner.headers())
        refused(listed, 200, 3000, "the application's locations source failed (page: ConnectionError)")


class Wrong:
    """Answers every question with the object it was given, whatever was asked."""

    def __init__(self, answer: Any, listed: list[Any]):
        self.answer = answer
        self.listed = listed

    async def get(self, key: ObjectKey) -> Any:
        return self.answer

    async def page(self, query: SourceQuery) -> SourcePage[Any]:
        return SourcePage(self.listed, total=len(self.listed))


async def test_a_source_giving_another_object_than_asked_is_refused(store: SqlStore, partner: Partner) -> None:
    async for http in client_on(store, Sources(locations=Wrong(location("LOC2"), [location("X", ("DE", "XYZ"))]))):
        answer = await http.get(url(RoleEnum.CPO, "2.2.1", "locations", "LOC1"), headers=partner.headers())
        refused(answer, 200, 3000, "locations source returned 'LOC2' of NL/CPO when asked for 'LOC1' of NL/CPO")
        listed = await http.get(url(RoleEnum.CPO, "2.2.1", "locations"), headers=partner.headers())
        refused(listed, 200, 3000, "locations source listed 'X' of DE/XYZ, which is of an owner not asked for")
    as_dict = sample("location", "2.3.0", "LOC1", ("NL", "CPO"))
    async for http in client_on(store, Sources(locations=Wrong(as_dict, []))):
        answer = await http.get(url(RoleEnum.CPO, "2.2.1", "locations", "LOC1"), headers=partner.headers())
        refused(answer, 200, 3000, "locations source returned a dict, not a Location (OCPI 2.3.0)")


async def test_a_session_of_another_emsps_customer_never_reaches_a_partner(store: SqlStore, partner: Partner) -> None:
    theirs = session("S1", token_owner=("FR", "OTH"))
    async for http in client_on(store, Sources(sessions=Wrong(theirs, [theirs]))):
        since = {"date_from": "2020-01-01T00:00:00Z"}
        listed = await http.get(url(RoleEnum.CPO, "2.2.1", "sessions"), params=since, headers=partner.headers())
        message = refused(listed, 200, 3000, "listed 'S1' of NL/CPO, which belongs to another party's token")
        assert "FR" not in message and "data" not in listed.json()


async def test_a_source_the_node_writes_to_must_take_writes(store: SqlStore) -> None:
    read_only = Wrong(None, [])
    emsp = [OwnParty(RoleEnum.EMSP, "NL", "EMS")]
    with pytest.raises(ValueError, match=r"the locations source must take writes .* receives locations from partners"):
        get_application(parties=emsp, store=store, sources=Sources(locations=read_only))
    app = get_application(
        parties=[OwnParty(RoleEnum.CPO, "NL", "CPO")], store=store, sources=Sources(locations=read_only)
    )
    with pytest.raises(ServerError, match=r"come from the application's source, which takes no writes.*changed"):
        await app.node.locations.put(location("LOC1"))


async def test_a_partners_writes_go_to_a_writable_source(store: SqlStore, make_partner: PartnerFactory) -> None:
    cpo = await make_partner("CPO", "DE", "CPX")
    received = MemorySource()
    async for http in client_on(store, Sources(locations=received), NODE_PARTIES):
        body = sample("location", "2.2.1", "LOC9", ("DE", "CPX"), last_updated=stamp())
        target = url(RoleEnum.EMSP, "2.2.1", "locations", "DE", "CPX", "LOC9")
        envelope(await http.put(target, json=body, headers=cpo.headers()), 201)
        patch = {"name": "Renamed", "last_updated": stamp(5)}
        envelope(await http.patch(target, json=patch, headers=cpo.headers()))
        kept = await received.get(ObjectKey.of("locations", "DE", "CPX", "loc9"))
        assert isinstance(kept, Location) and kept.name == "Renamed"


async def test_sources_may_be_given_by_module_id(store: SqlStore, partner: Partner) -> None:
    locations = MemorySource()
    await locations.put(location("LOC1"))
    async for http in client_on(store, {"locations": locations}):
        found = envelope(await http.get(url(RoleEnum.CPO, "2.2.1", "locations", "LOC1"), headers=partner.headers()))
        assert found["data"]["id"] == "LOC1"
    with pytest.raises(ValueError, match="a source is given for 'chargers', which is no module with a list of objects"):
        get_application(parties=CPO_ONLY, store=store, sources={"chargers": locations})
