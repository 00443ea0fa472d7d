"""Servers the checker is pointed at, each on 127.0.0.1 in a background thread with its own event loop (the
`ocpi check` command runs `asyncio.run` itself, so the peers cannot share the test's loop):

- `our_node`: our real node (tests/nodes.py) with a registered partner and a few objects of every module;
- `defective_peer`: a small Starlette OCPI 2.2.1 CPO whose defects are switched on one by one.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import threading
import uuid
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ocpi.core.data_types import parse_datetime
from ocpi.core.enums import RoleEnum
from ocpi.node.config import OwnParty
from ocpi.storage.base import PartyRole, TokenKind
from tests.nodes import RunningNode, serve_node
from tests.spec import SPEC_DIR

T = TypeVar("T")


class LoopThread:
    """An event loop running in a daemon thread; `run(coro)` waits for a coroutine scheduled on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


# --- our node -------------------------------------------------------------------------------------------

NODE_PARTIES = [OwnParty(RoleEnum.CPO, "NL", "CPO", name="CPO"), OwnParty(RoleEnum.EMSP, "NL", "EMS", name="eMSP")]


@dataclass
class OurNode:
    running: RunningNode
    token_c: str
    thread: LoopThread

    @property
    def versions_url(self) -> str:
        return self.running.versions_url

    def issue_token_a(self) -> str:
        return self.thread.run(self.running.store.issue_token(TokenKind.A))


def example(name: str) -> dict[str, Any]:
    document = orjson.loads((SPEC_DIR / "2.2.1" / "examples" / name).read_bytes())
    assert isinstance(document, dict)
    return {**document, "country_code": "NL", "party_id": "CPO"}


async def _seed(running: RunningNode) -> str:
    node = running.node
    for index in range(4):
        location = copy.deepcopy(example("location_example.json"))
        location["id"] = f"LOC{index}"
        location["last_updated"] = f"2015-06-29T20:3{index}:09Z"
        await node.locations.put(location, version="2.2.1")
    for name in ("tariff_8_simple_025kwh.json", "tariff_9_025kwh_start.json"):
        await node.tariffs.put(example(name), version="2.2.1")
    # The partner's customer charged: its Sessions and CDRs are shown to it alone (they carry its token).
    for own, name in ((node.sessions, "session_example_2_short_finished.json"), (node.cdrs, "cdr_example.json")):
        charge = example(name)
        charge["cdr_token"] = {**charge["cdr_token"], "country_code": "DE", "party_id": "ABC"}
        await own.put(charge, version="2.2.1")
    token = {**example("token_example_2_full_rfid.json"), "country_code": "NL", "party_id": "EMS"}
    await node.tokens.put(token, version="2.2.1")
    partner = await running.store.create_party(
        "partner", [PartyRole("EMSP", "DE", "ABC"), PartyRole("CPO", "DE", "ABD")], state="registered"
    )
    return await running.store.issue_token(TokenKind.C, partner.pk)


@contextmanager
def our_node(tmp_path: Path) -> Iterator[OurNode]:
    thread = LoopThread()
    context = serve_node(tmp_path / "peer.db", NODE_PARTIES, push=False)
    try:
        running = thread.run(context.__aenter__())
        try:
            yield OurNode(running, thread.run(_seed(running)), thread)
        finally:
            thread.run(context.__aexit__(None, None, None))
    finally:
        thread.stop()


# --- a defective peer -----------------------------------------------------------------------------------

DEFECTS = (
    "envelope",  # no status_code in the envelope
    "timestamp",  # envelope timestamp with an offset instead of UTC `Z`
    "clock_skew",  # envelope timestamp an hour behind
    "data_shape",  # GET of one object answers a list
    "link",  # Link: <...>; rel=next (unquoted)
    "total_count",  # no X-Total-Count
    "x_limit",  # no X-Limit
    "offset_ignored",
    "date_from_ignored",
    "date_to_inclusive",
    "datetime",  # a last_updated with an offset
    "invalid_objects",  # a Location without its address
    "sloppy_objects",  # Locations a lenient reader reads: a latitude of 4 decimals, `publish` a string, LF in a name
    "sloppy_datetime",  # a last_updated without seconds
    "unknown_id_200",  # GET of an unknown id answers 200
    "no_token_accepted",  # a request without Authorization is served
    "any_token_accepted",  # a request with an unknown token is served
    "raw_only",  # the 2.2.1 Base64 token is refused, only the raw one works
    "http_error",  # GET of a known Location answers HTTP 400
    "no_echo",  # X-Request-ID / X-Correlation-ID not echoed
    "relative_urls",  # the versions list gives a relative URL
    "no_credentials",  # the version details omit the credentials endpoint
)

PEER_TOKEN = "defective-peer-partner-token"


def _location(index: int) -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "FIX",
        "id": f"LOC{index}",
        "publish": True,
        "address": f"Straat {index}",
        "city": "Utrecht",
        "country": "NLD",
        "coordinates": {"latitude": "52.090737", "longitude": "5.121420"},
        "time_zone": "Europe/Amsterdam",
        "last_updated": f"2020-01-0{index}T10:00:00Z",
    }


def _tariff(index: int) -> dict[str, Any]:
    component = {"type": "ENERGY", "price": 0.25, "step_size": 1}
    return {
        "country_code": "NL",
        "party_id": "FIX",
        "id": f"T{index}",
        "currency": "EUR",
        "elements": [{"price_components": [component]}],
        "last_updated": f"2020-02-0{index}T10:00:00Z",
    }


@dataclass
class DefectivePeer:
    defects: set[str] = field(default_factory=set)
    base_url: str = ""

    @property
    def versions_url(self) -> str:
        return f"{self.base_url}/ocpi/versions"

    def objects(self, module: str) -> list[dict[str, Any]]:
        if module == "tariffs":
            return [_tariff(1), _tariff(2)]
        locations = [_location(1), _location(2), _location(3)]
        if "datetime" in self.defects:
            locations[1]["last_updated"] = "2020-01-02T11:00:00+01:00"
        if "invalid_objects" in self.defects:
            del locations[2]["address"]
        if "sloppy_objects" in self.defects:
            locations[0]["coordinates"]["latitude"] = "52.0907"
            locations[0]["publish"] = "true"
            locations[1]["name"] = "Stationsplein\nUtrecht"
        if "sloppy_datetime" in self.defects:
            locations[2]["last_updated"] = "2020-01-03T10:00"
        return locations

    def answer(
        self,
        request: Request,
        data: Any = None,
        *,
        code: int = 1000,
        http: int = 200,
        headers: dict[str, str] | None = None,
    ) -> Response:
        headers = dict(headers or {})
        now = datetime.now(UTC).replace(microsecond=0)
        if "clock_skew" in self.defects:
            now -= timedelta(hours=1)
        stamp = now.isoformat() if "timestamp" in self.defects else now.strftime("%Y-%m-%dT%H:%M:%SZ")
        envelope: dict[str, Any] = {"data": data, "status_code": code, "timestamp": stamp}
        if "envelope" in self.defects:
            del envelope["status_code"]
        if "no_echo" not in self.defects:
            for name in ("X-Request-ID", "X-Correlation-ID"):
                headers[name] = request.headers.get(name, str(uuid.uuid4()))
        return Response(orjson.dumps(envelope), http, headers, media_type="application/json")

    def authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization")
        if header is None:
            return "no_token_accepted" in self.defects
        if "any_token_accepted" in self.defects:
            return True
        encoded = base64.b64encode(PEER_TOKEN.encode()).decode()
        accepted = {f"Token {PEER_TOKEN}"} | (set() if "raw_only" in self.defects else {f"Token {encoded}"})
        return header in accepted

    def app(self) -> Starlette:
        async def guarded(request: Request) -> Response:
            if not self.authorized(request):
                return self.answer(request, code=2000, http=401)
            return await route(request)

        async def route(request: Request) -> Response:
            path = request.url.path
            if path == "/ocpi/versions":
                url = "/ocpi/2.2.1" if "relative_urls" in self.defects else f"{self.base_url}/ocpi/2.2.1"
                return self.answer(request, [{"version": "2.2.1", "url": url}])
            if path == "/ocpi/2.2.1":
                modules = (
                    ["locations", "tariffs"]
                    if "no_credentials" in self.defects
                    else ["credentials", "locations", "tariffs"]
                )
                endpoints = [
                    {"identifier": m, "role": "SENDER", "url": f"{self.base_url}/ocpi/2.2.1/{m}"} for m in modules
                ]
                return self.answer(request, {"version": "2.2.1", "endpoints": endpoints})
            if path == "/ocpi/2.2.1/credentials":
                role = {"role": "CPO", "country_code": "NL", "party_id": "FIX", "business_details": {"name": "x"}}
                return self.answer(request, {"token": PEER_TOKEN, "url": self.versions_url, "roles": [role]})
            module, _, object_id = path.removeprefix("/ocpi/2.2.1/").partition("/")
            if object_id:
                return self.one(request, module, object_id)
            return self.page(request, module)

        return Starlette(routes=[Route("/{path:path}", guarded)])

    def one(self, request: Request, module: str, object_id: str) -> Response:
        found = [o for o in self.objects(module) if o["id"] == object_id]
        if not found:
            if "unknown_id_200" in self.defects:
                return self.answer(request)
            return self.answer(request, code=2003, http=404)
        if "http_error" in self.defects:
            return self.answer(request, code=2000, http=400)
        return self.answer(request, found if "data_shape" in self.defects else found[0])

    def page(self, request: Request, module: str) -> Response:
        query = request.query_params
        since, until = parse_datetime(query.get("date_from")), parse_datetime(query.get("date_to"))
        matching = []
        for item in self.objects(module):
            updated = parse_datetime(item["last_updated"])
            assert updated is not None
            if since and updated < since and "date_from_ignored" not in self.defects:
                continue
            if until and (updated > until if "date_to_inclusive" in self.defects else updated >= until):
                continue
            matching.append(item)
        offset, limit = int(query.get("offset", 0)), min(int(query.get("limit", 10)), 10)
        start = 0 if "offset_ignored" in self.defects else offset
        items = matching[start : start + limit]
        headers: dict[str, str] = {}
        if "total_count" not in self.defects:
            headers["X-Total-Count"] = str(len(matching))
        if "x_limit" not in self.defects:
            headers["X-Limit"] = str(limit)
        if offset + len(items) < len(matching):
            kept = [(k, v) for k, v in query.multi_items() if k not in ("offset", "limit")]
            query_string = urlencode([*kept, ("offset", offset + len(items)), ("limit", limit)])
            url = f"{self.base_url}{request.url.path}?{query_string}"
            headers["Link"] = f"<{url}>; rel=next" if "link" in self.defects else f'<{url}>; rel="next"'
        return self.answer(request, items, headers=headers)


@contextmanager
def defective_peer() -> Iterator[DefectivePeer]:
    """The peer on a free port; switch defects by changing `peer.defects`."""
    peer = DefectivePeer()
    config = uvicorn.Config(peer.app(), host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = LoopThread()

    async def start() -> asyncio.Task[None]:
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        return task

    task = thread.run(start())
    port = server.servers[0].sockets[0].getsockname()[1]
    peer.base_url = f"http://127.0.0.1:{port}"
    try:
        yield peer
    finally:
        server.should_exit = True

        async def stop() -> None:
            await task

        thread.run(stop())
        thread.stop()
