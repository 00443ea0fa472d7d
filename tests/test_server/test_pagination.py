"""Sender lists page through the store: Link, X-Total-Count and X-Limit (transport_and_format, pagination),
the `date_from` (inclusive) and `date_to` (exclusive) filters, and the Sessions rule that `date_from` is
required."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from ocpi import get_application
from ocpi.core.enums import RoleEnum
from ocpi.modules.sessions.interfaces import SESSION
from ocpi.modules.tariffs.interfaces import TARIFF
from ocpi.storage.sql import SqlStore
from tests.conftest import NODE_PARTIES, Partner, PartnerFactory, node_app
from tests.test_server import samples
from tests.test_server.samples import stamp
from tests.test_server.support import envelope, refused, seed, url

MAX_PAGE = 100
LINK = re.compile(r'^<http://testserver(?P<target>[^>]+)>; rel="next"$')


@pytest.fixture
async def small_pages(store: SqlStore) -> AsyncIterator[httpx.AsyncClient]:
    """The node with a maximum page size of MAX_PAGE."""
    app = node_app(store, max_page_size=MAX_PAGE)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        http.app = app  # type: ignore[attr-defined]
        yield http


@pytest.fixture
async def partner(make_partner: PartnerFactory) -> Partner:
    return await make_partner("EMSP", "BE", "BEC")


async def seed_tariffs(client: httpx.AsyncClient, count: int) -> list[str]:
    ids = [f"T{n:03}" for n in range(count)]
    for n, tariff_id in enumerate(ids):
        tariff = samples.sample("tariff", "2.2.1", tariff_id, ("NL", "CPO"), last_updated=stamp(n))
        await seed(client, TARIFF, "2.2.1", tariff, RoleEnum.CPO)
    return ids


async def walk(client: httpx.AsyncClient, first: str, partner: Partner, version: str) -> list[httpx.Response]:
    pages = [await client.get(first, headers=partner.headers(version))]
    while "Link" in pages[-1].headers:
        match = LINK.match(pages[-1].headers["Link"])
        assert match, pages[-1].headers["Link"]
        pages.append(await client.get(match["target"], headers=partner.headers(version)))
        assert len(pages) < 100, "the Link header never ends"
    return pages


async def test_following_link_gives_every_object_exactly_once(small_pages: httpx.AsyncClient, partner: Partner) -> None:
    ids = await seed_tariffs(small_pages, 250)
    for version in samples.VERSIONS:
        pages = await walk(small_pages, url(RoleEnum.CPO, version, "tariffs") + "?limit=50", partner, version)
        seen = [item["id"] for page in pages for item in envelope(page)["data"]]
        assert seen == ids, version  # oldest first, each once
        assert len(pages) == 5
        for page in pages:
            assert page.headers["X-Total-Count"] == "250"
            assert page.headers["X-Limit"] == "50"


async def test_a_limit_over_the_maximum_is_clamped(small_pages: httpx.AsyncClient, partner: Partner) -> None:
    ids = await seed_tariffs(small_pages, 150)
    first = await small_pages.get(
        url(RoleEnum.CPO, "2.2.1", "tariffs"), params={"limit": 1000}, headers=partner.headers()
    )
    assert [item["id"] for item in envelope(first)["data"]] == ids[:MAX_PAGE]
    assert first.headers["X-Limit"] == str(MAX_PAGE)
    assert first.headers["X-Total-Count"] == "150"
    match = LINK.match(first.headers["Link"])
    assert match and "offset=100" in match["target"] and f"limit={MAX_PAGE}" in match["target"]
    pages = await walk(small_pages, url(RoleEnum.CPO, "2.2.1", "tariffs") + "?limit=1000", partner, "2.2.1")
    assert [item["id"] for page in pages for item in envelope(page)["data"]] == ids


async def test_without_a_limit_the_default_page_size_applies(client: httpx.AsyncClient, partner: Partner) -> None:
    await seed_tariffs(client, 120)
    config = client.app.state.node.config  # type: ignore[attr-defined]
    response = await client.get(url(RoleEnum.CPO, "2.2.1", "tariffs"), headers=partner.headers())
    assert len(envelope(response)["data"]) == config.default_page_size
    assert response.headers["X-Limit"] == str(config.default_page_size)


async def test_date_from_is_inclusive_and_date_to_exclusive(client: httpx.AsyncClient, partner: Partner) -> None:
    ids = await seed_tariffs(client, 10)
    params = {"date_from": stamp(3), "date_to": stamp(6), "limit": "2"}
    first = await client.get(url(RoleEnum.CPO, "2.3.0", "tariffs"), params=params, headers=partner.headers("2.3.0"))
    assert first.headers["X-Total-Count"] == "3"
    match = LINK.match(first.headers["Link"])
    assert match, first.headers
    assert "date_from=" in match["target"] and "date_to=" in match["target"]  # the Link keeps the filters
    pages = await walk(client, first.request.url.raw_path.decode(), partner, "2.3.0")
    assert [item["id"] for page in pages for item in envelope(page)["data"]] == ids[3:6]


async def test_an_update_moves_an_object_in_time_but_not_in_order(client: httpx.AsyncClient, partner: Partner) -> None:
    ids = await seed_tariffs(client, 5)
    updated = samples.sample("tariff", "2.2.1", ids[0], ("NL", "CPO"), last_updated=stamp(100))
    await seed(client, TARIFF, "2.2.1", updated, RoleEnum.CPO)
    listed = await client.get(url(RoleEnum.CPO, "2.2.1", "tariffs"), headers=partner.headers())
    assert [item["id"] for item in envelope(listed)["data"]] == ids
    recent = await client.get(
        url(RoleEnum.CPO, "2.2.1", "tariffs"), params={"date_from": stamp(50)}, headers=partner.headers()
    )
    assert [item["id"] for item in envelope(recent)["data"]] == [ids[0]]


@pytest.mark.parametrize("version", samples.VERSIONS)
async def test_the_sessions_list_requires_date_from(version: str, client: httpx.AsyncClient, partner: Partner) -> None:
    for n in range(3):
        session = samples.sample("session", version, f"S{n}", ("NL", "CPO"), last_updated=stamp(n))
        await seed(client, SESSION, version, session, RoleEnum.CPO)
    sessions = url(RoleEnum.CPO, version, "sessions")
    refused(await client.get(sessions, headers=partner.headers(version)), 200, 2001, "date_from")
    listed = await client.get(sessions, params={"date_from": stamp(1)}, headers=partner.headers(version))
    assert [item["id"] for item in envelope(listed)["data"]] == ["S1", "S2"]


async def test_bad_paging_parameters_are_2001(client: httpx.AsyncClient, partner: Partner) -> None:
    tariffs = url(RoleEnum.CPO, "2.2.1", "tariffs")
    for params in ({"limit": 0}, {"offset": -1}, {"limit": "many"}, {"date_to": "soon"}):
        refused(await client.get(tariffs, params=params, headers=partner.headers()), 200, 2001)


async def test_the_link_keeps_other_parameters_as_written_and_replaces_the_paging_ones(
    client: httpx.AsyncClient, partner: Partner
) -> None:
    await seed_tariffs(client, 5)
    since = "2019-01-01T00:00:00%2B00:00"  # percent-encoded by the client: kept so
    query = f"date_from={since}&off%73et=0&limit=2&after=0&extra=a+b"  # `off%73et` is `offset`, spelled oddly
    first = await client.get(url(RoleEnum.CPO, "2.2.1", "tariffs") + "?" + query, headers=partner.headers())
    match = LINK.match(first.headers["Link"])
    assert match, first.headers
    path, _, link_query = match["target"].partition("?")
    assert path == url(RoleEnum.CPO, "2.2.1", "tariffs")
    parts = link_query.split("&")
    assert parts[:2] == [f"date_from={since}", "extra=a+b"]
    assert parts[2:4] == ["offset=2", "limit=2"] and parts[4].startswith("after=") and len(parts) == 5


@pytest.mark.parametrize("read_lane", [True, False])
async def test_the_link_names_the_host_each_request_was_sent_to(
    store: SqlStore, partner: Partner, read_lane: bool
) -> None:
    app = get_application(parties=NODE_PARTIES, store=store, read_lane=read_lane)  # no base_url
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        http.app = app  # type: ignore[attr-defined]
        await seed_tariffs(http, 3)
        for host in ("one.example", "two.example:8443", "one.example"):
            listed = await http.get(
                url(RoleEnum.CPO, "2.2.1", "tariffs"), params={"limit": 1}, headers={**partner.headers(), "Host": host}
            )
            assert listed.headers["Link"].startswith(f"<http://{host}/ocpi/cpo/2.2.1/tariffs?"), listed.headers


async def test_behind_a_root_path_the_link_names_it_once(store: SqlStore, partner: Partner) -> None:
    """Mounted under a root path (a proxy's prefix), the Link is the root URL, root path included, then the
    list's own path: as the version details build every URL."""
    app = get_application(parties=NODE_PARTIES, store=store)  # no base_url: the request's root
    transport = httpx.ASGITransport(app=app, root_path="/api")
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        http.app = app  # type: ignore[attr-defined]
        await seed_tariffs(http, 3)
        listed = await http.get(
            "/api" + url(RoleEnum.CPO, "2.2.1", "tariffs"), params={"limit": 1}, headers=partner.headers()
        )
        assert envelope(listed)["data"], listed.text
        assert listed.headers["Link"].startswith("<http://testserver/api/ocpi/cpo/2.2.1/tariffs?"), listed.headers
