"""The framework ceiling: a bare Starlette app answering pre-encoded bytes (our node's own answers), so the
gap to it is everything an OCPI node does beyond HTTP. `uvicorn benchmarks.ceiling_app:app`.

`OCPI_BENCH_LIST_BODY` and `OCPI_BENCH_ONE_BODY` are files with the list and single-location bodies.
"""

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

_LIST = Path(os.environ["OCPI_BENCH_LIST_BODY"]).read_bytes()
_ONE = Path(os.environ["OCPI_BENCH_ONE_BODY"]).read_bytes()


async def location_list(_request: Request) -> Response:
    return Response(_LIST, media_type="application/json")


async def one_location(_request: Request) -> Response:
    return Response(_ONE, media_type="application/json")


app = Starlette(
    routes=[
        Route("/ocpi/cpo/2.2.1/locations", location_list),
        Route("/ocpi/cpo/2.2.1/locations/{location_id}", one_location),
    ]
)
