"""Checks over every answer the peer gave during the run: the envelope, the HTTP status of valid requests,
the echoed correlation headers."""

from __future__ import annotations

from ocpi.conformance.checks import Result, SpecRef, Stage, check, skipped, verdict
from ocpi.conformance.context import Context
from ocpi.conformance.formats import datetime_problem

RESPONSE_FORMAT = SpecRef("transport_and_format", "Response format")
STATUS_CODES = SpecRef("status_codes", "Status codes")
UNIQUE_IDS = SpecRef("transport_and_format", "Unique message IDs")


@check("envelope.shape", "Every answer is the OCPI envelope, errors included", RESPONSE_FORMAT, Stage.answers)
async def envelope_shape(ctx: Context) -> Result:
    problems = []
    for exchange in ctx.probe.exchanges:
        envelope = exchange.envelope
        if envelope is None:
            problems.append(f"{exchange.label}: HTTP {exchange.status} without a JSON envelope")
            continue
        code = envelope.get("status_code")
        if not isinstance(code, int) or isinstance(code, bool) or not 1000 <= code <= 4999:
            problems.append(f"{exchange.label}: status_code {code!r} is not a 4-digit OCPI code")
        if "timestamp" not in envelope:
            problems.append(f"{exchange.label}: no timestamp")
        message = envelope.get("status_message")
        if message is not None and not isinstance(message, str):
            problems.append(f"{exchange.label}: status_message {message!r} is not a string")
    return verdict(problems, f"{len(ctx.probe.exchanges)} answers", "answers without a proper envelope")


@check("envelope.timestamp", "Every envelope timestamp is an RFC 3339 UTC DateTime", RESPONSE_FORMAT, Stage.answers)
async def envelope_timestamp(ctx: Context) -> Result:
    stamped = [x for x in ctx.probe.exchanges if x.envelope is not None and "timestamp" in x.envelope]
    problems = []
    for exchange in stamped:
        assert exchange.envelope is not None
        problem = datetime_problem(exchange.envelope["timestamp"])
        if problem:
            problems.append(f"{exchange.label}: timestamp {problem}")
    if not stamped:
        return skipped("no envelope carried a timestamp")
    return verdict(problems, f"{len(stamped)} timestamps", "malformed timestamps")


@check("envelope.data", "`data` is a list for lists, an object for one object", RESPONSE_FORMAT, Stage.answers)
async def envelope_data(ctx: Context) -> Result:
    expected = [x for x in ctx.probe.exchanges if x.expect is not None and x.succeeded]
    problems = []
    for exchange in expected:
        kind = list if exchange.expect == "list" else dict
        if not isinstance(exchange.data, kind):
            problems.append(f"{exchange.label}: data is {type(exchange.data).__name__}, expected {exchange.expect}")
    return verdict(problems, f"{len(expected)} answers of the right shape", "data of the wrong shape")


@check("http.status", "No HTTP error status for a valid, authenticated request", STATUS_CODES, Stage.answers)
async def http_status(ctx: Context) -> Result:
    valid = [x for x in ctx.probe.exchanges if x.valid]
    problems = [f"{x.label}: HTTP {x.status} (status_code {x.status_code})" for x in valid if x.status >= 400]
    return verdict(problems, f"{len(valid)} valid requests answered without an HTTP error", "HTTP errors")


@check(
    "headers.correlation",
    "X-Request-ID and X-Correlation-ID are echoed",
    UNIQUE_IDS,
    Stage.answers,
    versions=("2.2.1", "2.3.0"),
)
async def headers_correlation(ctx: Context) -> Result:
    problems = []
    for exchange in ctx.probe.exchanges:
        for name in ("X-Request-ID", "X-Correlation-ID"):
            sent = exchange.request_headers.get(name)
            echoed = exchange.headers.get(name)
            if sent and echoed != sent:
                problems.append(f"{exchange.label}: {name} {'missing' if echoed is None else repr(echoed)}")
    return verdict(problems, f"echoed on {len(ctx.probe.exchanges)} answers", "answers not echoing the ids")
