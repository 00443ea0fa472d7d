"""Load generation, in a process of its own: wrk when it is installed, else the async httpx client below.

A `Plan` describes the requests: a method, a path and an optional body, where `{n}` is replaced by a request
counter (modulo `count`, zero-padded like the seeded ids) and `{ts}` by an RFC 3339 time that grows by one
second per request from `epoch` (so every PATCH is newer than the last one).

`python -m benchmarks.loadgen PLAN_JSON BASE_URL DURATION CONNECTIONS` prints one JSON line:
`{"requests", "seconds", "rps", "p50_ms", "p99_ms", "errors"}`.
"""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ID_DIGITS = 7


@dataclass(frozen=True)
class Plan:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    count: int = 1
    epoch: int = 0

    def expand(self, counter: int) -> tuple[str, bytes | None]:
        number = f"{counter % self.count:0{ID_DIGITS}d}"
        stamp = datetime.fromtimestamp(self.epoch + counter, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        path = self.path.replace("{n}", number)
        body = None if self.body is None else self.body.replace("{n}", number).replace("{ts}", stamp).encode()
        return path, body


@dataclass
class Sample:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


# --- the async httpx client -------------------------------------------------------------------------------


async def _drive(plan: Plan, base_url: str, duration: float, connections: int) -> Sample:
    latencies: list[float] = []
    errors = 0
    counter = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30.0) as client:
        started = time.perf_counter()
        deadline = started + duration

        async def worker() -> None:
            nonlocal counter, errors
            while time.perf_counter() < deadline:
                counter += 1
                path, body = plan.expand(counter)
                sent = time.perf_counter()
                try:
                    response = await client.request(plan.method, path, content=body, headers=plan.headers)
                    ok = response.status_code < 400
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - sent)
                errors += not ok

        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    return _sample(latencies, elapsed, errors)


def _sample(latencies: list[float], elapsed: float, errors: int) -> Sample:
    if len(latencies) < 2:
        only = latencies[0] * 1000 if latencies else 0.0
        return Sample(len(latencies), elapsed, len(latencies) / elapsed, only, only, errors)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return Sample(len(latencies), elapsed, len(latencies) / elapsed, cuts[49] * 1000, cuts[98] * 1000, errors)


# --- wrk ---------------------------------------------------------------------------------------------------


def _lua_text(template: str) -> str:
    """A Lua expression building `template`, with `n` and `ts` Lua variables in place of `{n}` and `{ts}`."""
    parts = []
    for piece in re.split(r"(\{n\}|\{ts\})", template):
        if piece == "{n}":
            parts.append("n")
        elif piece == "{ts}":
            parts.append("ts")
        elif piece:
            parts.append(json.dumps(piece))  # a JSON string literal is a valid Lua string literal here
    return " .. ".join(parts) or '""'


def wrk_script(plan: Plan) -> str:
    headers = ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in plan.headers.items())
    body = "nil" if plan.body is None else _lua_text(plan.body)
    return f"""
local counter = 0
local headers = {{{headers}}}
request = function()
  counter = counter + 1
  local n = string.format("%0{ID_DIGITS}d", counter % {plan.count})
  local ts = os.date("!%Y-%m-%dT%H:%M:%SZ", {plan.epoch} + counter)
  return wrk.format({json.dumps(plan.method)}, {_lua_text(plan.path)}, headers, {body})
end
"""


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * _UNITS[unit]


def run_wrk(plan: Plan, base_url: str, duration: float, connections: int, script_dir: Path) -> Sample:
    script = script_dir / "plan.lua"
    script.write_text(wrk_script(plan))
    command = [
        "wrk",
        "--threads",
        "1",
        "--connections",
        str(connections),
        "--duration",
        f"{max(1, round(duration))}s",
        "--timeout",
        "30s",
        "--latency",
        "--script",
        str(script),
        base_url,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    totals = re.search(r"(\d+) requests in ([\d.]+\w+),", output)
    assert totals is not None, output
    errors = 0
    for pattern in (r"Non-2xx or 3xx responses: (\d+)", r"Socket errors: connect (\d+), read (\d+), write (\d+)"):
        found = re.search(pattern, output)
        if found:
            errors += sum(int(g) for g in found.groups())
    return Sample(
        requests=int(totals.group(1)),
        seconds=_ms(totals.group(2)) / 1000,
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        p50_ms=_ms(re.search(r"\s50%\s+(\S+)", output).group(1)),  # type: ignore[union-attr]
        p99_ms=_ms(re.search(r"\s99%\s+(\S+)", output).group(1)),  # type: ignore[union-attr]
        errors=errors,
    )


def run_python(plan: Plan, base_url: str, duration: float, connections: int) -> Sample:
    """The async client in a subprocess, so its CPU is not the harness's."""
    command = [sys.executable, "-m", "benchmarks.loadgen", json.dumps(asdict(plan)), base_url, str(duration)]
    command.append(str(connections))
    root = Path(__file__).resolve().parents[1]
    output = subprocess.run(command, capture_output=True, text=True, check=True, cwd=root).stdout
    return Sample(**json.loads(output.strip().splitlines()[-1]))


def main(argv: list[str]) -> None:
    plan_json, base_url, duration, connections = argv
    plan: dict[str, Any] = json.loads(plan_json)
    sample = asyncio.run(_drive(Plan(**plan), base_url, float(duration), int(connections)))
    print(json.dumps(asdict(sample)))


if __name__ == "__main__":
    main(sys.argv[1:])
