"""The write ceiling: a bare Starlette app doing the least a receiver's write needs, on SQLite set up as our
store sets it up (`ocpi.storage.sqlite_writer.SQLITE_PRAGMAS`: WAL, synchronous NORMAL, 16 KB pages). Per request it
checks the token, parses and validates the body with one small Pydantic model, updates one row and commits,
then answers the OCPI success envelope. `uvicorn benchmarks.write_ceiling_app:app`.

The same requests as the ingest figures: `PUT .../locations/{cc}/{pid}/{id}` (the whole Location body kept in
its row) and `PATCH .../locations/{cc}/{pid}/{id}/{evse_uid}` (an EVSE's status). `OCPI_BENCH_WRITE_DB` is a
file made by `seed(path, documents)`; `OCPI_BENCH_TOKEN` the Authorization header value expected.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ocpi.storage.sqlite_writer import SQLITE_PRAGMAS

OWNER_PATH = "/ocpi/emsp/2.2.1/locations/{country_code}/{party_id}/{location_id}"
_OK = b'{"status_code":1000,"status_message":"Success","timestamp":"2025-01-01T00:00:00Z"}'
_INVALID = b'{"status_code":2001,"status_message":"invalid","timestamp":"2025-01-01T00:00:00Z"}'


class LocationWrite(BaseModel):
    id: str
    country_code: str
    party_id: str
    last_updated: datetime


class StatusWrite(BaseModel):
    status: str
    last_updated: datetime


def connect(path: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in SQLITE_PRAGMAS:
        connection.execute(pragma)
    return connection


def seed(path: str, documents: Iterable[tuple[str, bytes, Iterable[str]]]) -> None:
    """One row per Location (id, body, last_updated) and one per EVSE (location id, uid, status)."""
    connection = connect(path)
    connection.execute("CREATE TABLE locations (id TEXT PRIMARY KEY, body BLOB NOT NULL, last_updated TEXT)")
    connection.execute(
        "CREATE TABLE evses (location_id TEXT, uid TEXT, status TEXT, last_updated TEXT,"
        " PRIMARY KEY (location_id, uid))"
    )
    connection.execute("BEGIN")
    for location_id, body, evse_uids in documents:
        connection.execute("INSERT INTO locations VALUES (?, ?, NULL)", (location_id, body))
        connection.executemany(
            "INSERT INTO evses VALUES (?, ?, 'AVAILABLE', NULL)", [(location_id, uid) for uid in evse_uids]
        )
    connection.execute("COMMIT")
    connection.close()


_db: sqlite3.Connection | None = None
_TOKEN = os.environ.get("OCPI_BENCH_TOKEN", "")


def _connection() -> sqlite3.Connection:
    global _db
    if _db is None:
        _db = connect(os.environ["OCPI_BENCH_WRITE_DB"])
    return _db


def _answer(body: bytes, status: int = 200) -> Response:
    return Response(body, status, media_type="application/json")


async def put_location(request: Request) -> Response:
    if request.headers.get("authorization") != _TOKEN:
        return _answer(_INVALID, 401)
    body = await request.body()
    try:
        location = LocationWrite.model_validate_json(body)
    except ValidationError:
        return _answer(_INVALID)
    params: Any = request.path_params
    _connection().execute(
        "UPDATE locations SET body = ?, last_updated = ? WHERE id = ?",
        (body, location.last_updated.isoformat(), params["location_id"]),
    )
    return _answer(_OK)


async def patch_evse(request: Request) -> Response:
    if request.headers.get("authorization") != _TOKEN:
        return _answer(_INVALID, 401)
    try:
        change = StatusWrite.model_validate_json(await request.body())
    except ValidationError:
        return _answer(_INVALID)
    params: Any = request.path_params
    _connection().execute(
        "UPDATE evses SET status = ?, last_updated = ? WHERE location_id = ? AND uid = ?",
        (change.status, change.last_updated.isoformat(), params["location_id"], params["evse_uid"]),
    )
    return _answer(_OK)


app = Starlette(
    routes=[
        Route(OWNER_PATH, put_location, methods=["PUT"]),
        Route(OWNER_PATH + "/{evse_uid}", patch_evse, methods=["PATCH"]),
    ]
)
