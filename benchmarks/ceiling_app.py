"""The framework ceiling: a bare Starlette app answering pre-encoded bytes (our node's own answers), so the
gap to it is everything an OCPI node does beyond HTTP. `uvicorn benchmarks.ceiling_app:app`.

`OCPI_BENCH_LIST_BODY` and `OCPI_BENCH_ONE_BODY` are files with the list and single-location bodies. It also
acknowledges any PUT under an eMSP locations endpoint: the receivers of the push fan-out benchmark.
"""

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

_LIST = Path(os.environ["OCPI_BENCH_LIST_BODY"]).read_bytes()
_ONE = Path(os.environ["OCPI_BENCH_ONE_BODY"]).read_bytes()
_ACCEPTED = b'{"status_code":1000,"status_message":"Success","timestamp":"2025-01-01T00:00:00Z"}'


async def location_list(_request: Request) -> Response:
    return Response(_LIST, media_type="application/json")


async def one_location(_request: Request) -> Response:
    return Response(_ONE, media_type="application/json")


async def accept(_request: Request) -> Response:
    return Response(_ACCEPTED, media_type="application/json")


app = Starlette(
    routes=[
        Route("/ocpi/cpo/2.2.1/locations", location_list),
        Route("/ocpi/cpo/2.2.1/locations/{location_id}", one_location),
        Route("/ocpi/emsp/2.2.1/locations/{owner_and_id:path}", accept, methods=["PUT"]),
    ]
)
