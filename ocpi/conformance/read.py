"""Read-side checks: what a registered partner (token C) sees of the peer."""

from __future__ import annotations

import email.utils
import importlib
import uuid
from datetime import timedelta
from typing import Any

from pydantic import BaseModel

from ocpi.conformance.checks import Result, SpecRef, Stage, check, failed, passed, skipped, verdict
from ocpi.conformance.context import Context, Subject, Walk, now_utc
from ocpi.conformance.formats import datetime_fields, is_absolute, link_problem, pointer
from ocpi.conformance.probe import Exchange
from ocpi.core import rules
from ocpi.core.data_types import format_datetime, parse_datetime
from ocpi.core.pagination import next_link
from ocpi.core.rules import Deviation
from ocpi.core.validation import deviations
from ocpi.modules.versions.v_2_3_0.schemas import Version

VERSIONS_INFO = SpecRef("version_information_endpoint", "Version information endpoint")
VERSION_DETAILS = SpecRef("version_information_endpoint", "Version details endpoint")
ENDPOINT_CLASS = SpecRef("version_information_endpoint", "Endpoint class")
AUTHORIZATION = SpecRef("transport_and_format", "Authorization header", "Request format")
PAGINATED_RESPONSE = SpecRef("transport_and_format", "Paginated Response")
PAGINATED_REQUEST = SpecRef("transport_and_format", "Paginated Request")
RESPONSE_FORMAT = SpecRef("transport_and_format", "Response format")
STATUS_CODES = SpecRef("status_codes", "Status codes")
OBJECTS = SpecRef("mod_{module}", "Object description")
DATETIME = SpecRef("types", "DateTime type")
MAX_DETAILS = 50


def versions_model(version: str) -> Any:
    return importlib.import_module(f"ocpi.modules.versions.v_{version.replace('.', '_')}.schemas")


def deviation_detail(label: str, prefix: tuple[int | str, ...], deviation: Deviation) -> str:
    """`GET <url> /data/3/last_updated: '...' has no seconds [datetime-format]`."""
    return f"{label} {pointer(*prefix, *deviation.loc)}: {deviation.detail} [{deviation.rule.id}]"


def capped(details: list[str]) -> list[str]:
    if len(details) <= MAX_DETAILS:
        return details
    return [*details[:MAX_DETAILS], f"... and {len(details) - MAX_DETAILS} more"]


# --- versions -------------------------------------------------------------------------------------------


@check("versions.list", "The versions endpoint lists the peer's versions", VERSIONS_INFO)
async def versions_list(ctx: Context) -> Result:
    data = ctx.versions.data
    if not isinstance(data, list) or not data:
        return failed(f"{ctx.versions.label}: `data` is not a non-empty list of Version")
    problems = [
        deviation_detail(ctx.versions.label, ("data", index), deviation)
        for index, item in enumerate(data)
        for deviation in deviations(Version, item, version=ctx.version)
        if deviation.rule is not rules.URL_FORMAT  # versions.urls' to report
    ]
    offered = [item.get("version") for item in data if isinstance(item, dict)]
    return verdict(problems, f"offers {', '.join(map(str, offered))}", "invalid Version objects")


@check("versions.details", "The version details validate", VERSION_DETAILS)
async def versions_details(ctx: Context) -> Result:
    model = versions_model(ctx.version).VersionDetails
    found = [d for d in deviations(model, ctx.details.data, version=ctx.version) if d.rule is not rules.URL_FORMAT]
    if found:
        return failed("invalid VersionDetails", [deviation_detail(ctx.details.label, ("data",), d) for d in found])
    details = model.model_validate(ctx.details.data)  # exact but for URLs: readable
    if str(details.version) != ctx.version:
        return failed(f"the details of {ctx.version} say version {details.version}")
    return passed(f"{len(details.endpoints)} endpoints")


@check("versions.urls", "Every URL in versions and details is absolute", ENDPOINT_CLASS)
async def versions_urls(ctx: Context) -> Result:
    listed: list[tuple[Exchange, tuple[int | str, ...], Any]] = [
        (ctx.versions, ("data", i, "url"), v.get("url")) for i, v in enumerate(_dicts(ctx.versions.data))
    ]
    listed += [(ctx.details, ("data", "endpoints", i, "url"), e.get("url")) for i, e in enumerate(_endpoints(ctx))]
    problems = [f"{x.label} {pointer(*path)}: {url!r}" for x, path, url in listed if not is_absolute(url)]
    return verdict(problems, f"{len(listed)} absolute URLs", "URLs that are not absolute")


@check("versions.roles", "Endpoints carry a role in 2.2.1+, none in 2.1.1", ENDPOINT_CLASS)
async def versions_roles(ctx: Context) -> Result:
    endpoints = _endpoints(ctx)
    if ctx.version == "2.1.1":
        problems = [f"{e.get('identifier')}: role {e['role']!r} (no roles in 2.1.1)" for e in endpoints if "role" in e]
    else:
        problems = [f"{e.get('identifier')}: role {e.get('role')!r}" for e in endpoints if e.get("role") not in _ROLES]
    return verdict(problems, "roles as the version requires", "endpoints with a wrong role")


_ROLES = ("SENDER", "RECEIVER")


@check("versions.credentials", "The details list the credentials endpoint", VERSION_DETAILS)
async def versions_credentials(ctx: Context) -> Result:
    url = ctx.endpoint("credentials")
    return passed(url) if url else failed("no `credentials` endpoint in the version details")


def _endpoints(ctx: Context) -> list[dict[str, Any]]:
    return _dicts(ctx.details.data.get("endpoints") if isinstance(ctx.details.data, dict) else None)


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


# --- authentication -------------------------------------------------------------------------------------


def _guarded_urls(ctx: Context) -> list[str]:
    functional = ctx.subjects[0].url if ctx.subjects else ctx.endpoint("credentials")
    return [ctx.options.versions_url, *([functional] if functional else [])]


@check("auth.missing_token", "A request without a token is refused with HTTP 401", AUTHORIZATION)
async def auth_missing_token(ctx: Context) -> Result:
    problems = []
    for url in _guarded_urls(ctx):
        answer = await ctx.probe.get(url, authorize=False)
        if answer.status != 401:
            problems.append(f"{answer.label} without Authorization: HTTP {answer.status}")
    return verdict(problems, "HTTP 401", "accepted without a token")


@check("auth.wrong_token", "A request with an unknown token is refused with HTTP 401", AUTHORIZATION)
async def auth_wrong_token(ctx: Context) -> Result:
    problems = []
    unknown = f"ocpi-check-{uuid.uuid4()}"
    for url in _guarded_urls(ctx):
        answer = await ctx.probe.get(url, headers={"Authorization": ctx.probe.authorization(unknown)})
        if answer.status != 401:
            problems.append(f"{answer.label} with an unknown token: HTTP {answer.status}")
    return verdict(problems, "HTTP 401", "accepted with an unknown token")


@check("auth.token_encoding", "The token is read as the version spells it (Base64 2.2.1+, raw 2.1.1)", AUTHORIZATION)
async def auth_token_encoding(ctx: Context) -> Result:
    required = ctx.version != "2.1.1"
    spelling = {True: "Base64", False: "raw"}
    answers = {}
    for base64_token in (required, not required):
        header = ctx.probe.authorization(base64_token=base64_token)
        answers[base64_token] = await ctx.probe.get(ctx.details.url, headers={"Authorization": header})
    other = "also accepts" if answers[not required].succeeded else "refuses"
    if not answers[required].succeeded:
        return failed(
            f"refuses the {spelling[required]} token {ctx.version} requires (HTTP {answers[required].status}); "
            f"{other} the {spelling[not required]} form"
        )
    return passed(f"accepts the {spelling[required]} token; {other} the {spelling[not required]} form")


# --- pagination -----------------------------------------------------------------------------------------


async def _readable(ctx: Context, subject: Subject) -> Walk | Result:
    walk = await ctx.walk(subject)
    error = walk.error
    return skipped(f"the list could not be read: {error}") if error else walk


@check(
    "pagination.link", 'Link headers are `<URL>; rel="next"` and lead to every page', PAGINATED_RESPONSE, per_list=True
)
async def pagination_link(ctx: Context, subject: Subject) -> Result:
    walk = await _readable(ctx, subject)
    if isinstance(walk, Result):
        return walk
    problems = []
    read = 0
    for number, page in enumerate(walk.pages, 1):
        read += len(page.data)
        header = page.headers.get("link")
        total = page.header_int("x-total-count")
        if header is None:
            if total is not None and read < total and page.data:
                problems.append(f"page {number} ({page.url}): no Link, but only {read} of {total} objects so far")
            continue
        problem = link_problem(header)
        if problem:
            problems.append(f"page {number} ({page.url}): {problem}")
        target = next_link(header) or ""
        problems += [
            f"page {number}: Link {target!r} drops the filter {name}"
            for name in subject.base_params
            if f"{name}=" not in target
        ]
    if walk.loop and walk.note:
        problems.append(walk.note)
    if not problems and len(walk.pages) < 2:
        return skipped(f"{read} object(s) fit in one page: no Link to check")
    note = f"; {walk.note}" if walk.note else ""
    return verdict(problems, f"followed {len(walk.pages)} pages{note}", "Link problems")


@check(
    "pagination.total_count",
    "X-Total-Count is on every page and matches the objects",
    PAGINATED_RESPONSE,
    per_list=True,
)
async def pagination_total_count(ctx: Context, subject: Subject) -> Result:
    walk = await _readable(ctx, subject)
    if isinstance(walk, Result):
        return walk
    pages = [walk.first, *walk.pages]
    problems = [
        f"{p.label}: X-Total-Count missing or not an integer" for p in pages if p.header_int("x-total-count") is None
    ]
    totals = {p.header_int("x-total-count") for p in walk.pages}
    read = len(walk.objects)
    if not problems and walk.complete and len(totals) == 1 and read != next(iter(totals)):
        problems.append(f"X-Total-Count says {next(iter(totals))}, the pages held {read} objects")
    return verdict(problems, f"{read} object(s), as announced", "X-Total-Count problems")


@check(
    "pagination.limit", "X-Limit is on every page and no page exceeds it or `limit`", PAGINATED_RESPONSE, per_list=True
)
async def pagination_limit(ctx: Context, subject: Subject) -> Result:
    walk = await _readable(ctx, subject)
    if isinstance(walk, Result):
        return walk
    problems = []
    for page in [walk.first, *walk.pages]:
        server_limit = page.header_int("x-limit")
        if server_limit is None or server_limit < 1:
            problems.append(f"{page.label}: X-Limit missing or not a positive integer")
        elif len(page.data) > server_limit:
            problems.append(f"{page.label}: {len(page.data)} objects, more than X-Limit {server_limit}")
    problems += [
        f"{p.label}: {len(p.data)} objects for limit={walk.limit}"
        for p in walk.pages
        if walk.limit and len(p.data) > walk.limit
    ]
    return verdict(problems, f"pages of at most {walk.limit or 'X-Limit'} object(s)", "X-Limit problems")


@check("pagination.offset", "The peer applies `offset`", PAGINATED_REQUEST, per_list=True)
async def pagination_offset(ctx: Context, subject: Subject) -> Result:
    walk = await _readable(ctx, subject)
    if isinstance(walk, Result):
        return walk
    count = len(walk.objects)
    problems = []
    beyond = await ctx.probe.get(
        subject.url, params={**subject.base_params, "offset": count, "limit": 1}, expect="list", valid=True
    )
    if beyond.succeeded and beyond.data:
        problems.append(f"{beyond.label}: offset past the end still returned {len(beyond.data)} object(s)")
    if count < 2:
        return verdict(problems, "empty page past the end (2 objects needed to compare pages)", "offset ignored")
    pages = [
        await ctx.probe.get(
            subject.url, params={**subject.base_params, "offset": o, "limit": 1}, expect="list", valid=True
        )
        for o in (0, 1)
    ]
    if all(p.succeeded and p.data for p in pages) and pages[0].data[0] == pages[1].data[0]:
        problems.append(f"{pages[1].label} returned the same object as offset=0")
    ids = [_identity(subject, item) for _, _, item in walk.objects]
    repeated = sorted({i for i in ids if ids.count(i) > 1 and i is not None})
    if repeated:
        problems.append(f"following Link returned some objects twice: {', '.join(repeated[:10])}")
    return verdict(problems, "each offset gives the next objects", "offset ignored")


def _identity(subject: Subject, item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    keys = ("country_code", "party_id", subject.pattern.object_type.id_field)
    return "/".join(str(item.get(k, "")) for k in keys)


def _last_updated(walk: Walk) -> list[Any]:
    values = [parse_datetime(item.get("last_updated")) for _, _, item in walk.objects if isinstance(item, dict)]
    return sorted(v for v in values if v is not None)


def _stamps(answer: Exchange) -> list[Any]:
    return [parse_datetime(i.get("last_updated")) if isinstance(i, dict) else None for i in answer.data or []]


@check("pagination.date_from", "The peer applies `date_from` (inclusive in 2.2.1+)", PAGINATED_REQUEST, per_list=True)
async def pagination_date_from(ctx: Context, subject: Subject) -> Result:
    walk = await _readable(ctx, subject)
    if isinstance(walk, Result):
        return walk
    problems = []
    future = format_datetime((now_utc() + timedelta(days=365)).replace(microsecond=0))
    answer = await ctx.probe.get(subject.url, params={"date_from": future}, expect="list", valid=True)
    if answer.succeeded and answer.data:
        problems.append(f"{answer.label}: {len(answer.data)} object(s) from a date a year ahead")
    stamps = _last_updated(walk)
    if stamps:
        newest = stamps[-1]
        answer = await ctx.probe.get(
            subject.url, params={"date_from": format_datetime(newest)}, expect="list", valid=True
        )
        found = _stamps(answer)
        older = [s for s in found if s is None or s < newest]
        if answer.succeeded and older:
            problems.append(f"{answer.label}: {len(older)} object(s) last updated before date_from")
        if answer.succeeded and ctx.version != "2.1.1" and not found:
            problems.append(f"{answer.label}: empty, but date_from is inclusive and an object has that last_updated")
    return verdict(problems, "filters on last_updated", "date_from not applied")


@check("pagination.date_to", "The peer applies `date_to` (exclusive in 2.2.1+)", PAGINATED_REQUEST, per_list=True)
async def pagination_date_to(ctx: Context, subject: Subject) -> Result:
    walk = await _readable(ctx, subject)
    if isinstance(walk, Result):
        return walk
    stamps = _last_updated(walk)
    if not stamps:
        return skipped("no object with a last_updated to filter on")
    oldest = stamps[0]
    params = {**subject.base_params, "date_to": format_datetime(oldest)}
    answer = await ctx.probe.get(subject.url, params=params, expect="list", valid=True)
    if ctx.version == "2.1.1":  # 2.1.1 only says "before this Date/Time"
        late = [s for s in _stamps(answer) if s is None or s > oldest]
    else:
        late = [s for s in _stamps(answer) if s is None or s >= oldest]
    if answer.succeeded and late:
        return failed(f"{answer.label}: {len(late)} object(s) last updated at or after date_to")
    return passed("filters on last_updated")


# --- objects --------------------------------------------------------------------------------------------


async def _objects(ctx: Context, subject: Subject) -> list[tuple[str, tuple[int | str, ...], Any]]:
    """Every object read from the list, and the one read by id: (where, JSON path, object)."""
    walk = await ctx.walk(subject)
    found: list[tuple[str, tuple[int | str, ...], Any]] = [
        (page.label, ("data", index), item) for page, index, item in walk.objects
    ]
    known = await ctx.known_object(subject)
    if known is not None and known.succeeded and isinstance(known.data, dict):
        found.append((known.label, ("data",), known.data))
    return found


_DATETIME_RULES = (rules.DATETIME_FORMAT, rules.DATETIME_UTC)


async def _deviations(ctx: Context, subject: Subject) -> tuple[int, list[tuple[str, tuple[int | str, ...], Deviation]]]:
    """How many objects were read, and every deviation of each (the strict reading, `deviations`)."""
    model: type[BaseModel] = subject.model(ctx.version)
    found = await _objects(ctx, subject)
    return len(found), [
        (where, path, deviation)
        for where, path, item in found
        for deviation in deviations(model, item, version=ctx.version)
    ]


@check(
    "objects.schema",
    "Every object keeps the version's tables: fields, types, lengths, enums and formats",
    OBJECTS,
    per_list=True,
)
async def objects_schema(ctx: Context, subject: Subject) -> Result:
    count, found = await _deviations(ctx, subject)
    if not count:
        return skipped("the peer returned no objects")
    problems = [deviation_detail(*f) for f in found if f[2].rule not in _DATETIME_RULES]
    model = subject.model(ctx.version).__name__
    return verdict(capped(problems), f"{count} exact {model} object(s)", "deviations from the spec")


@check("objects.datetime", "Every DateTime field is RFC 3339 in UTC", DATETIME, per_list=True)
async def objects_datetime(ctx: Context, subject: Subject) -> Result:
    model: type[BaseModel] = subject.model(ctx.version)
    checked = sum(1 for _, _, item in await _objects(ctx, subject) for _ in datetime_fields(model, item))
    if not checked:
        return skipped("no DateTime field to check")
    _, found = await _deviations(ctx, subject)
    problems = [deviation_detail(*f) for f in found if f[2].rule in _DATETIME_RULES]
    return verdict(capped(problems), f"{checked} DateTime values", "malformed DateTime values")


@check("objects.unknown_id", "GET of an unknown id answers HTTP 404", STATUS_CODES, per_list=True)
async def objects_unknown_id(ctx: Context, subject: Subject) -> Result:
    if not subject.pattern.get_one:
        return skipped(f"{subject.name} has no GET of one object")
    if ctx.hub is not None and ctx.options.to is None:
        return skipped("a hub answers GET All itself; a GET of one object goes to its owner (OCPI-to)")
    answer = await ctx.probe.get(f"{subject.url.rstrip('/')}/ocpi-check-{uuid.uuid4().hex[:12]}")
    if answer.status != 404:
        return failed(f"{answer.label}: HTTP {answer.status}, expected 404")
    return passed("HTTP 404")


# --- clock ----------------------------------------------------------------------------------------------


@check(
    "clock.skew", "The peer's clock agrees with ours (envelope timestamp, Date header)", RESPONSE_FORMAT, Stage.answers
)
async def clock_skew(ctx: Context) -> Result:
    worst: tuple[float, str] = (0.0, "")
    for exchange in ctx.probe.exchanges:
        midpoint = (exchange.sent_at + exchange.received_at) / 2
        slack = (exchange.received_at - exchange.sent_at) / 2
        envelope = exchange.envelope or {}
        stamp = parse_datetime(envelope.get("timestamp"))
        if stamp is not None:
            worst = max(worst, (abs(stamp.timestamp() - midpoint) - slack, f"{exchange.label} timestamp"))
        parsed = _http_date(exchange.headers.get("date"))
        if parsed is not None:
            worst = max(worst, (abs(parsed.timestamp() - midpoint) - slack - 1, f"{exchange.label} Date header"))
    if not worst[1]:
        return skipped("no answer carried a timestamp")
    if worst[0] > ctx.options.max_skew:
        return failed(f"{worst[0]:.0f} s off our clock (at most {ctx.options.max_skew:.0f} s): {worst[1]}")
    return passed(f"within {max(worst[0], 0):.1f} s of our clock")


def _http_date(value: str | None) -> Any:
    try:
        return email.utils.parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None
