"""The partners of the push fan-out benchmark: one Starlette app standing in for every receiver.
`uvicorn benchmarks.fanout_sink:app`.

Partner `n`'s locations endpoint is `/p/{n}/ocpi/emsp/2.2.1/locations`. Each PUT or PATCH (a changed `name` is
pushed as a PATCH of the Location) is acknowledged with the OCPI success envelope, and the time it arrived
(`time.time()`) is kept per partner under the location's `name`.
`GET /arrivals` answers `{partner: {name: arrival time}}`, first arrival of each name.
"""

import time

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

_ACCEPTED = b'{"status_code":1000,"status_message":"Success","timestamp":"2025-01-01T00:00:00Z"}'

arrivals: dict[str, dict[str, float]] = {}


async def receive_location(request: Request) -> Response:
    arrived = time.time()
    name = str(orjson.loads(await request.body()).get("name"))
    arrivals.setdefault(request.path_params["partner"], {}).setdefault(name, arrived)
    return Response(_ACCEPTED, media_type="application/json")


async def list_arrivals(_request: Request) -> Response:
    return Response(orjson.dumps(arrivals), media_type="application/json")


app = Starlette(
    routes=[
        Route("/p/{partner}/ocpi/emsp/2.2.1/locations/{rest:path}", receive_location, methods=["PUT", "PATCH"]),
        Route("/arrivals", list_arrivals),
    ]
)
