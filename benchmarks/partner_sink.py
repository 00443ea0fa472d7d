"""Many lightweight eMSPs in one loopback server, for the push benchmarks: `uvicorn benchmarks.partner_sink:app`.

A bare ASGI app (no framework), served like every benchmark server (one uvicorn worker, h11). Partner `n` lives
under `/p/{n}`: its versions (`/p/{n}/versions`, 2.2.1 only) and version details (`/p/{n}/2.2.1`: a credentials
and a locations receiver endpoint) answer whatever the token, so that a node can register it through the real
credentials handshake; its locations receiver (`/p/{n}/ocpi/emsp/2.2.1/locations/...`) acknowledges every PUT
and PATCH with the OCPI success envelope and notes, per partner:
- `requests`, `bytes` (request line, headers and body as they arrived);
- for each `name` seen in a body, the first arrival (`time.time()`), for the fan-out of one update;
- the lag of each request: its arrival minus the body's `last_updated` (the state's write time, when the writer
  stamps it so), the newest `last_updated` seen, and the largest lag.
Control paths: `GET /_bench/stats` (every partner's figures), `POST /_bench/reset` (forget them).
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import orjson

from benchmarks.push_receiver import read_body

_ACCEPTED = b'{"status_code":1000,"status_message":"Success","timestamp":"2025-01-01T00:00:00Z"}'
_JSON = [(b"content-type", b"application/json")]

partners: dict[str, dict[str, Any]] = {}


def _partner(number: str) -> dict[str, Any]:
    found = partners.get(number)
    if found is None:
        found = partners[number] = {"requests": 0, "bytes": 0, "names": {}, "newest": 0.0, "max_lag": 0.0}
    return found


def _envelope(data: Any) -> bytes:
    return orjson.dumps(
        {"data": data, "status_code": 1000, "status_message": "Success", "timestamp": "2025-01-01T00:00:00Z"}
    )


def _stamp(text: Any) -> float | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _discovery(base: str, number: str, rest: str) -> bytes | None:
    root = f"{base}/p/{number}"
    if rest == "/versions":
        return _envelope([{"version": "2.2.1", "url": f"{root}/2.2.1"}])
    if rest == "/2.2.1":
        endpoints = [
            {"identifier": "credentials", "role": "RECEIVER", "url": f"{root}/ocpi/emsp/2.2.1/credentials"},
            {"identifier": "locations", "role": "RECEIVER", "url": f"{root}/ocpi/emsp/2.2.1/locations"},
        ]
        return _envelope({"version": "2.2.1", "endpoints": endpoints})
    return None


def _receive(number: str, scope: dict[str, Any], body: bytes) -> None:
    arrived = time.time()
    noted = _partner(number)
    noted["requests"] += 1
    head = len(scope["method"]) + len(scope["raw_path"]) + len(scope["query_string"]) + 12
    noted["bytes"] += head + sum(len(name) + len(value) + 4 for name, value in scope["headers"]) + len(body)
    try:
        document = orjson.loads(body) if body else {}
    except orjson.JSONDecodeError:
        return
    if not isinstance(document, dict):
        return
    name = document.get("name")
    if isinstance(name, str):
        noted["names"].setdefault(name, arrived)
    written = _stamp(document.get("last_updated"))
    if written is not None:
        noted["newest"] = max(noted["newest"], written)
        noted["max_lag"] = max(noted["max_lag"], arrived - written)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = await read_body(receive)
    path: str = scope["path"]
    answer = _ACCEPTED
    if path == "/_bench/stats":
        answer = orjson.dumps(partners)
    elif path == "/_bench/reset" and scope["method"] == "POST":
        partners.clear()
        answer = b"{}"
    elif path.startswith("/p/"):
        number, _, rest = path[3:].partition("/")
        rest = "/" + rest
        host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "127.0.0.1")
        found = _discovery(f"http://{host}", number, rest) if scope["method"] == "GET" else None
        if found is not None:
            answer = found
        else:
            _receive(number, scope, body)
    headers = [*_JSON, (b"content-length", str(len(answer)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": answer})
