"""The lightweight loopback receiver of the outbound benchmark: `uvicorn benchmarks.push_receiver:app`.

A bare ASGI app (no framework), served like every benchmark server (one uvicorn worker, h11), standing in for a
partner's receiver endpoints. Every request is answered with the OCPI success envelope and kept (method, target,
headers, body) with the time it arrived. Control paths, under `/_bench/`:
- `GET /_bench/stats`: `{"requests": n, "distinct": n, "first": t, "last": t}` (arrival times, `time.time()`;
  `distinct` counts different method + target);
- `GET /_bench/requests`: every request kept, as JSON (bodies as latin-1 text), for the replays;
- `POST /_bench/reset`: forget them.
"""

from __future__ import annotations

import time
from typing import Any

import orjson

_ACCEPTED = b'{"status_code":1000,"status_message":"Success","timestamp":"2025-01-01T00:00:00Z"}'

requests: list[dict[str, Any]] = []
arrivals: list[float] = []


def _control(method: str, path: str) -> bytes:
    if path == "/_bench/stats":
        return orjson.dumps(
            {
                "requests": len(requests),
                "distinct": len({(r["method"], r["target"]) for r in requests}),
                "first": arrivals[0] if arrivals else None,
                "last": arrivals[-1] if arrivals else None,
            }
        )
    if path == "/_bench/requests":
        return orjson.dumps(requests)
    if path == "/_bench/reset" and method == "POST":
        requests.clear()
        arrivals.clear()
        return b"{}"
    return b'{"error": "unknown control path"}'


async def read_body(receive: Any) -> bytes:
    """The whole body of an ASGI request, however many messages it comes in."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = await read_body(receive)
    path = scope["path"]
    if path.startswith("/_bench/"):
        answer = _control(scope["method"], path)
    else:
        arrivals.append(time.time())
        target = scope["raw_path"].decode("latin-1")
        if scope["query_string"]:
            target += "?" + scope["query_string"].decode("latin-1")
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
        kept = {"method": scope["method"], "target": target, "headers": headers, "body": body.decode("latin-1")}
        requests.append(kept)
        answer = _ACCEPTED
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(answer)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": answer})
