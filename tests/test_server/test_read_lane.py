"""The read lane (ocpi/server/lane.py) answers the sender GETs itself: it must pick the route the app would
pick, answer exactly what the app answers, and leave every request it cannot answer with success to the app."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import orjson
import pytest
from starlette.requests import Request
from starlette.routing import Match

from ocpi.core.enums import RoleEnum
from ocpi.modules.locations.interfaces import LOCATION
from ocpi.server.app import get_application
from ocpi.server.lane import LaneRoutes
from ocpi.storage.base import ObjectKey
from ocpi.storage.sql import SqlStore
from tests.conftest import NODE_PARTIES, Partner, PartnerFactory, node_app
from tests.test_server import samples
from tests.test_server.samples import stamp
from tests.test_server.support import envelope, refused, seed, url

VOLATILE = {"date", "x-request-id", "x-correlation-id"}


@pytest.fixture
async def partner(make_partner: PartnerFactory) -> Partner:
    return await make_partner("EMSP", "BE", "BEC")


def _lane(store: SqlStore) -> LaneRoutes:
    lane: LaneRoutes = node_app(store).state.read_lane
    return lane


async def test_every_lane_route_is_the_route_the_app_would_choose(store: SqlStore) -> None:
    app = node_app(store)
    lane = _lane(store)
    assert len(lane.routes) > 20  # every sender list and GET of one object, per role and version
    assert {method for method, _, _ in lane.routes} == {"GET", "PUT", "PATCH", "DELETE"}  # and the receivers' writes
    for (method, prefix, count), route in lane.routes.items():
        path = prefix + "".join(f"/value{n}" for n in range(count))
        scope = {"type": "http", "method": method, "path": path, "root_path": ""}
        chosen = next(r for r in app.router.routes if r.matches(scope)[0] is Match.FULL)
        assert chosen.path == route.path, path  # type: ignore[attr-defined]
        assert lane.match(path, method) == (route, [f"value{n}" for n in range(count)])


async def _answers(store: SqlStore, partner: Partner, path: str, version: str, **params: Any) -> list[Any]:
    """The answer of the node with the lane and of the node without it, minus what differs per request."""
    answers = []
    for read_lane in (True, False):
        app = node_app(store, read_lane=read_lane)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            response = await http.get(path, params=params, headers=partner.headers(version, **{"X-Request-ID": "r1"}))
        body = response.json()
        body.pop("timestamp")
        headers = {k: v for k, v in response.headers.items() if k not in VOLATILE}
        answers.append((response.status_code, body, headers, response.headers["x-request-id"]))
    return answers


@pytest.mark.parametrize("version", samples.VERSIONS)
async def test_the_lane_answers_exactly_what_the_app_answers(version: str, store: SqlStore, partner: Partner) -> None:
    app = node_app(store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        http.app = app  # type: ignore[attr-defined]
        for n in range(3):
            location = samples.sample("location", version, f"L{n}", ("NL", "CPO"), last_updated=stamp(n))
            await seed(http, LOCATION, version, location, RoleEnum.CPO)
    evse = location["evses"][0]
    connector = evse["connectors"][0]
    locations = url(RoleEnum.CPO, version, "locations")
    for path, params in [
        (locations, {"limit": "2"}),
        (locations, {"offset": "1", "limit": "1"}),
        (locations, {"date_from": stamp(1)}),
        (f"{locations}/L2", {}),
        (f"{locations}/L2/{evse['uid']}", {}),
        (f"{locations}/L2/{evse['uid']}/{connector['id']}", {}),
        (f"{locations}/NOPE", {}),  # the app's 404, through the lane or not
        (locations, {"limit": "0"}),  # the app's 2001
    ]:
        with_lane, without = await _answers(store, partner, path, version, **params)
        assert with_lane == without, path
        assert with_lane[3] == "r1"  # the correlation headers wrap the lane too


async def test_the_lane_answers_only_what_succeeds(store: SqlStore, partner: Partner) -> None:
    app = node_app(store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        http.app = app  # type: ignore[attr-defined]
        location = samples.sample("location", "2.2.1", "L1", ("NL", "CPO"), last_updated=stamp(1))
        await seed(http, LOCATION, "2.2.1", location, RoleEnum.CPO)
        locations = url(RoleEnum.CPO, "2.2.1", "locations")
        lane = _lane(store)

        async def answered(path: str, query: bytes = b"", token: str | None = partner.token) -> int | None:
            headers = [] if token is None else [(b"authorization", f"Token {token}".encode())]
            scope = {"type": "http", "method": "GET", "path": path, "query_string": query, "headers": headers}
            found = lane.match(path)
            assert found is not None, path
            response = await lane.answer(*found, Request(scope))
            return None if response is None else response.status_code

        assert await answered(locations) == 200
        assert await answered(locations + "/L1") == 200
        assert await answered(locations, b"limit=1&offset=0") == 200
        for query in (b"limit=0", b"limit=many", b"offset=-1", b"date_to=soon", b"after=x"):
            assert await answered(locations, query) is None, query
        assert await answered(locations + "/L2") is None
        assert await answered(locations, token=None) is None
        assert await answered(locations, token="not-a-token") is None
        # ... and the app answers each of those as always.
        refused(await http.get(locations, params={"limit": "many"}, headers=partner.headers()), 200, 2001, "limit")
        refused(await http.get(locations + "/L2", headers=partner.headers()), 404, 2003)
        refused(await http.get(locations, headers={"Authorization": "Token not-a-token"}), 401, 2000)
        assert envelope(await http.get(locations + "/L1", headers=partner.headers()))["data"]["id"] == "L1"


async def test_the_lane_generates_correlation_ids_the_request_has_none_of(store: SqlStore, partner: Partner) -> None:
    app = node_app(store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        answers = [await http.get(url(RoleEnum.CPO, "2.2.1", "locations"), headers=partner.headers()) for _ in range(3)]
    assert {answer.status_code for answer in answers} == {200}
    ids = [answer.headers[name] for answer in answers for name in ("x-request-id", "x-correlation-id")]
    assert len(set(ids)) == 6 and all(uuid.UUID(i).version == 4 for i in ids), ids


async def test_the_lane_keeps_a_few_queries_validated_per_route(
    store: SqlStore, partner: Partner, monkeypatch: Any
) -> None:
    monkeypatch.setattr("ocpi.server.lane.MAX_KEPT_QUERIES", 2)
    app = node_app(store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        http.app = app  # type: ignore[attr-defined]
        for n in range(3):
            location = samples.sample("location", "2.2.1", f"L{n}", ("NL", "CPO"), last_updated=stamp(n))
            await seed(http, LOCATION, "2.2.1", location, RoleEnum.CPO)
        locations = url(RoleEnum.CPO, "2.2.1", "locations")
        lane: LaneRoutes = app.state.read_lane
        for limit in (1, 2, 3, 1, 2, 1):
            answer = await http.get(locations, params={"limit": str(limit)}, headers=partner.headers())
            assert (answer.headers["x-limit"], len(envelope(answer)["data"])) == (str(limit), limit)
            assert len(lane._parsed) <= 2
        # The same query string on another route is that route's own: GET of one object takes no `limit`.
        answer = await http.get(locations + "/L1", params={"limit": "1"}, headers=partner.headers())
        assert envelope(answer)["data"]["id"] == "L1"
        assert (locations + "/{location_id}", b"limit=1") in {(path, query) for path, query in lane._parsed}


async def _seed_one_location(http: httpx.AsyncClient) -> None:
    location = samples.sample("location", "2.2.1", "L1", ("NL", "CPO"), last_updated=stamp(1))
    await seed(http, LOCATION, "2.2.1", location, RoleEnum.CPO)


async def test_alone_the_lane_answers_in_front_of_the_apps_layers(
    store: SqlStore, partner: Partner, monkeypatch: Any
) -> None:
    app = get_application(parties=NODE_PARTIES, store=store, base_url="http://testserver")
    tries = 0
    answer = LaneRoutes.answer

    async def counted(self: LaneRoutes, *args: Any) -> Any:
        nonlocal tries
        tries += 1
        return await answer(self, *args)

    monkeypatch.setattr(LaneRoutes, "answer", counted)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        http.app = app  # type: ignore[attr-defined]
        await _seed_one_location(http)
        locations = url(RoleEnum.CPO, "2.2.1", "locations")
        assert envelope(await http.get(locations + "/L1", headers=partner.headers()))["data"]["id"] == "L1"
        assert app.front_lane is app.state.read_lane
        through_stack = []
        stack = app.middleware_stack

        async def spy(scope: Any, receive: Any, send: Any) -> None:
            through_stack.append(scope["path"])
            await stack(scope, receive, send)

        app.middleware_stack = spy
        tries = 0
        answer_one = await http.get(locations + "/L1", headers=partner.headers(**{"X-Request-ID": "r1"}))
        assert (envelope(answer_one)["data"]["id"], answer_one.headers["x-request-id"]) == ("L1", "r1")
        assert (through_stack, tries) == ([], 1)
        # What the lane does not answer goes through the whole stack once, and is not tried again inside.
        refused(await http.get(locations + "/L2", headers=partner.headers()), 404, 2003)
        assert (through_stack, tries) == ([locations + "/L2"], 2)


async def test_with_middleware_of_its_own_the_app_sees_every_lane_answer(store: SqlStore, partner: Partner) -> None:
    app = get_application(parties=NODE_PARTIES, store=store, base_url="http://testserver")

    @app.middleware("http")
    async def stamp_answers(request: Any, call_next: Any) -> Any:
        response = await call_next(request)
        response.headers["x-seen-by"] = "the application"
        return response

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        http.app = app  # type: ignore[attr-defined]
        await _seed_one_location(http)
        answer = await http.get(url(RoleEnum.CPO, "2.2.1", "locations") + "/L1", headers=partner.headers())
    assert (envelope(answer)["data"]["id"], answer.headers["x-seen-by"]) == ("L1", "the application")
    assert app.front_lane is None


async def test_with_fastapi_telemetry_on_the_lane_answers_inside_it(
    store: SqlStore, partner: Partner, monkeypatch: Any
) -> None:
    app = get_application(parties=NODE_PARTIES, store=store, base_url="http://testserver")
    monkeypatch.setattr(app._native_telemetry, "enabled", lambda: True)  # as with OpenTelemetry configured
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        http.app = app  # type: ignore[attr-defined]
        await _seed_one_location(http)
        answer = await http.get(url(RoleEnum.CPO, "2.2.1", "locations") + "/L1", headers=partner.headers())
    assert envelope(answer)["data"]["id"] == "L1"
    assert app.front_lane is None


@pytest.mark.parametrize("version", samples.VERSIONS)
async def test_the_lane_writes_as_the_app_writes(version: str, store: SqlStore, make_partner: PartnerFactory) -> None:
    """A receiver's PUT and PATCH through the lane: the same answers as the app's, successes and refusals alike
    (each refusal answered by the app, which reads the body the lane read), and the same objects stored."""
    cpo = await make_partner("CPO", "BE", "BEC")
    location = samples.sample("location", version, "L1", ("BE", "BEC"), last_updated=stamp(1))
    evse = location["evses"][0]["uid"]
    base = url(RoleEnum.EMSP, version, "locations", "BE", "BEC")
    requests: list[tuple[str, str, Any]] = [
        ("PUT", f"{base}/L1", location),
        ("PUT", f"{base}/L1", location),
        ("PATCH", f"{base}/L1/{evse}", {"status": "CHARGING", "last_updated": stamp(2)}),
        ("PATCH", f"{base}/L1/{evse}", {"status": "BLOCKED", "last_updated": stamp(0)}),  # older: ignored
        ("PATCH", f"{base}/L1/{evse}", {"status": "DANCING", "last_updated": stamp(3)}),
        ("PATCH", f"{base}/L1/NOPE", {"status": "CHARGING", "last_updated": stamp(3)}),
        ("PATCH", f"{base}/NOPE", {"name": "x", "last_updated": stamp(3)}),
        ("PATCH", f"{base}/L1", b'{"name": '),
        ("PUT", f"{base}/L2", location),  # the body's id is L1
        ("PATCH", f"{base}/L1", {"name": "Grote Markt"}),  # 2.2.1+: last_updated required
    ]
    answers: dict[bool, list[Any]] = {}
    stored: dict[bool, Any] = {}
    lane: LaneRoutes = node_app(store, read_lane=True).state.read_lane
    answered: list[int] = []
    answer = lane.answer

    async def counted(*args: Any) -> Any:
        response = await answer(*args)
        if response is not None:
            answered.append(response.status_code)
        return response

    lane.answer = counted  # type: ignore[method-assign]
    for read_lane in (True, False):
        app = node_app(store, read_lane=read_lane)
        answers[read_lane] = []
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            for method, path, body in requests:
                content = body if isinstance(body, bytes) else orjson.dumps(body)
                headers = cpo.headers(version, **{"X-Request-ID": "r1", "Content-Type": "application/json"})
                response = await http.request(method, path, content=content, headers=headers)
                document = response.json()
                document.pop("timestamp")
                kept = {k: v for k, v in response.headers.items() if k not in VOLATILE}
                answers[read_lane].append((method, path, response.status_code, document, kept))
        found = await store.get(ObjectKey.of("locations", "BE", "BEC", "L1"))
        assert found is not None
        stored[read_lane] = orjson.loads(found.canonical)
        if version == "2.1.1":  # its last PATCH, without last_updated, is stamped on receipt
            del stored[read_lane]["last_updated"]
        assert await store.delete(found.key)
    assert answers[True] == answers[False]
    assert stored[True] == stored[False]
    # The successes are the lane's (2.1.1 takes a PATCH without last_updated); the refusals, the app's.
    assert answered == [201, 200, 200, 200] + ([200] if version == "2.1.1" else [])
    statuses = [(status, document["status_code"]) for _, _, status, document, _ in answers[True]]
    assert statuses[4:] == [(200, 2001), (404, 2003), (404, 2003), (400, 2000), (200, 2001)] + (
        [(200, 2001)] if version != "2.1.1" else [(200, 1000)]
    )


@pytest.mark.parametrize("version", samples.VERSIONS)
async def test_the_lane_deletes_as_the_app_deletes(version: str, store: SqlStore, make_partner: PartnerFactory) -> None:
    """A receiver's DELETE (a Tariff) through the lane: the same answers as the app's, the success the lane's and
    the refusal (nothing left to delete) the app's, and the object gone."""
    cpo = await make_partner("CPO", "BE", "BEC")
    tariff = samples.sample("tariff", version, "T1", ("BE", "BEC"), last_updated=stamp(1))
    base = url(RoleEnum.EMSP, version, "tariffs", "BE", "BEC")
    requests = [("PUT", f"{base}/T1", tariff), ("DELETE", f"{base}/T1", None), ("DELETE", f"{base}/T1", None)]
    answers: dict[bool, list[Any]] = {}
    lane: LaneRoutes = node_app(store, read_lane=True).state.read_lane
    answered: list[tuple[str, int]] = []
    answer = lane.answer

    async def counted(route: Any, values: list[str], request: Request) -> Any:
        response = await answer(route, values, request)
        if response is not None:
            answered.append((request.method, response.status_code))
        return response

    lane.answer = counted  # type: ignore[method-assign]
    for read_lane in (True, False):
        app = node_app(store, read_lane=read_lane)
        answers[read_lane] = []
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            for method, path, body in requests:
                content = b"" if body is None else orjson.dumps(body)
                headers = cpo.headers(version, **{"X-Request-ID": "r1", "Content-Type": "application/json"})
                response = await http.request(method, path, content=content, headers=headers)
                document = response.json()
                document.pop("timestamp")
                kept = {k: v for k, v in response.headers.items() if k not in VOLATILE}
                answers[read_lane].append((method, response.status_code, document, kept))
        assert await store.get(ObjectKey.of("tariffs", "BE", "BEC", "T1")) is None
    assert answers[True] == answers[False]
    assert [(status, document["status_code"]) for _, status, document, _ in answers[True]] == [
        (201, 1000),
        (200, 1000),
        (404, 2003),
    ]
    assert answered == [("PUT", 201), ("DELETE", 200)]
