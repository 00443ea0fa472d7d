"""The Roaming Hub's rules (transport_and_format § Message Routing, credentials, mod_hub_client_info, status codes
4xxx), R1-R22, and the checks of those a caller can see from outside: `ocpi check` against a hub (found from its
Credentials or its Hub Client Info Sender) runs them; against a party reached through a hub (`--to`), every
request to a functional module carries the routing headers for that party and `routed.answers` judges the
answers' headers (the other checks judge the answers as the party's)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson

from ocpi.conformance.checks import Result, SpecRef, Stage, check, failed, passed, skipped, verdict
from ocpi.conformance.context import EPOCH, Context, HubPeer
from ocpi.conformance.probe import Exchange
from ocpi.core.convert import ConversionContext
from ocpi.core.enums import InterfaceRole, RoleEnum
from ocpi.demo import cdrs
from ocpi.modules.cdrs.interfaces import CDR
from ocpi.modules.registry import module_interfaces

HUB_VERSIONS = ("2.2.1", "2.3.0")
ROUTING_HEADERS = SpecRef("transport_and_format", "Message Routing Headers")
VIA_HUB = SpecRef("transport_and_format", "Party to Party via Hub")
BROADCAST = SpecRef("transport_and_format", "Broadcast Push")
OPEN_ROUTING = SpecRef("transport_and_format", "Open Routing Request")
GET_ALL = SpecRef("transport_and_format", "GET All via Hubs")
TIMESTAMPS = SpecRef("transport_and_format", "Timestamps and Objects send via Hubs")
UNIQUE_IDS = SpecRef("transport_and_format", "Unique message IDs")
HUB_ERRORS = SpecRef("status_codes", "4xxx: Hub errors")
CREDENTIALS_OBJECT = SpecRef("credentials", "Credentials object")
CLIENT_INFO_PUSH = SpecRef("mod_hub_client_info", "Push model")
CLIENT_INFO_SENDER = SpecRef("mod_hub_client_info", "Sender Interface")
CLIENT_INFO_SCENARIOS = SpecRef("mod_hub_client_info", "Scenarios")
STILL_ALIVE = SpecRef("mod_hub_client_info", "Still alive check.")


@dataclass(frozen=True)
class Rule:
    id: str
    text: str
    spec: SpecRef


HUB_RULES: tuple[Rule, ...] = (
    Rule("R1", "Every request and answer of a functional module carries the four routing headers.", ROUTING_HEADERS),
    Rule("R2", "2.2.1: the hub's Credentials name it alone, with role HUB.", CREDENTIALS_OBJECT),
    Rule(
        "R3",
        "2.3.0: the hub's Credentials name it in `hub_party_id` (country code and party id as one string) and list "
        "the parties reachable through it in `roles`.",
        CREDENTIALS_OBJECT,
    ),
    Rule(
        "R4", "Configuration modules (credentials, versions, hubclientinfo) carry no routing headers.", ROUTING_HEADERS
    ),
    Rule("R5", "A request the hub forwards keeps its routing headers: TO the receiver, FROM the requester.", VIA_HUB),
    Rule("R6", "The answer comes back TO the requesting party, FROM the receiving party.", VIA_HUB),
    Rule("R7", "A Broadcast Push is sent TO the hub; the hub answers TO the sender (FROM the hub).", BROADCAST),
    Rule("R8", "The hub sends a broadcast on, FROM itself, to every party implementing the module.", BROADCAST),
    Rule("R9", "A broadcast goes to the opposite roles (Other counts as an eMSP; Other's go to CPOs only).", BROADCAST),
    Rule("R10", "Broadcast only what is meant for everyone: never Sessions or CDRs.", BROADCAST),
    Rule("R11", "A broadcast Client Owned Object keeps its original owner in the URL.", BROADCAST),
    Rule("R12", "Without OCPI-to, the hub may route a request by its content (Open Routing Request).", OPEN_ROUTING),
    Rule(
        "R13",
        "GET All via the hub: a GET of a Sender with OCPI-to the hub is answered by the hub (FROM the hub, TO the "
        "requester), each object naming its owner.",
        GET_ALL,
    ),
    Rule("R14", "The hub does not change `last_updated` of the objects it passes on.", TIMESTAMPS),
    Rule(
        "R15",
        "A forwarded request carries a new X-Request-ID and the same X-Correlation-ID; the answer echoes the "
        "requester's.",
        UNIQUE_IDS,
    ),
    Rule("R16", "GET is not used with Broadcast Push.", BROADCAST),
    Rule(
        "R17",
        "The hub's errors: 4001 unknown receiver, 4002 forwarded request timed out, 4003 not connected.",
        HUB_ERRORS,
    ),
    Rule("R18", "The hub pushes (PUT) a ClientInfo to the connected parties on every change.", CLIENT_INFO_PUSH),
    Rule("R19", "The hub's Hub Client Info Sender lists the ClientInfo of the connected parties.", CLIENT_INFO_SENDER),
    Rule(
        "R20",
        "No request goes to an OFFLINE, PLANNED or SUSPENDED party; pushes to it are not queued.",
        CLIENT_INFO_SCENARIOS,
    ),
    Rule("R21", "The hub checks a silent party's versions endpoint (still alive) and reports its status.", STILL_ALIVE),
    Rule("R22", "A ClientInfo is never deleted: the hub reports the party SUSPENDED instead.", CLIENT_INFO_PUSH),
)

NOT_CONNECTED = ("OFFLINE", "PLANNED", "SUSPENDED")


def _name(party: tuple[str, str] | None) -> str:
    return "?" if party is None else f"{party[0]}/{party[1]}"


def _routing_of(exchange: Exchange, direction: str) -> tuple[str, str] | None:
    country_code = (exchange.headers.get(f"ocpi-{direction}-country-code") or "").strip().upper()
    party_id = (exchange.headers.get(f"ocpi-{direction}-party-id") or "").strip().upper()
    return (country_code, party_id) if country_code or party_id else None


def answer_headers(exchange: Exchange, sender: tuple[str, str], receiver: tuple[str, str] | None) -> list[str]:
    """What is wrong with the routing headers of `exchange`'s answer: it must come FROM `sender`, TO `receiver`
    (when the checker knows its own party; else TO someone, neither the sender nor nobody)."""
    problems = []
    got_from, got_to = _routing_of(exchange, "from"), _routing_of(exchange, "to")
    if got_from != sender:
        problems.append(
            f"{exchange.label}: OCPI-from {_name(got_from)}, expected {_name(sender)} (the answer's sender)"
        )
    if receiver is not None and got_to != receiver:
        problems.append(f"{exchange.label}: OCPI-to {_name(got_to)}, expected {_name(receiver)} (the requester)")
    elif receiver is None and (got_to is None or got_to == sender):
        problems.append(f"{exchange.label}: OCPI-to {_name(got_to)}, expected the requester")
    return problems


async def _hub(ctx: Context) -> HubPeer | Result:
    if ctx.options.to is not None:
        return skipped(f"checking {_name(ctx.options.to)} through the hub (--to), not the hub")
    return (
        ctx.hub if ctx.hub is not None else skipped("the peer is no hub (no HUB role, hub_party_id or ClientInfo list)")
    )


HubCheck = Callable[[Context, HubPeer], Awaitable[Result]]


def hub_check(
    check_id: str, title: str, spec: SpecRef, *, versions: tuple[str, ...] = HUB_VERSIONS
) -> Callable[[HubCheck], HubCheck]:
    """A check of the hub itself (`check`), given the hub; skipped when the peer is no hub or is checked through
    one (`--to`)."""

    def register(function: HubCheck) -> HubCheck:
        async def of_the_hub(ctx: Context) -> Result:
            hub = await _hub(ctx)
            return hub if isinstance(hub, Result) else await function(ctx, hub)

        check(check_id, title, spec, versions=versions)(of_the_hub)
        return function

    return register


def _routed(ctx: Context, to: tuple[str, str]) -> dict[str, str]:
    headers = {"OCPI-to-country-code": to[0], "OCPI-to-party-id": to[1]}
    if ctx.options.from_party is not None:
        headers |= {
            "OCPI-from-country-code": ctx.options.from_party[0],
            "OCPI-from-party-id": ctx.options.from_party[1],
        }
    return headers


def _sender_url(ctx: Context, role: str) -> str | None:
    """The hub's Sender endpoint of a module a party of `role` sends; None: none."""
    try:
        played = RoleEnum(role)
    except ValueError:
        return None
    for endpoint in ctx.endpoints:
        if endpoint.role == "SENDER" and endpoint.identifier not in ("credentials", "hubclientinfo"):
            sides = module_interfaces(endpoint.identifier).sides
            if sides.get(played) is InterfaceRole.SENDER:
                return endpoint.url
    return None


async def _routed_get(ctx: Context, hub: HubPeer) -> tuple[tuple[str, str], Exchange] | Result:
    """A GET of a Sender list of a CONNECTED party, through the hub (once per run)."""
    if "routed_get" not in ctx.cache:
        ctx.cache["routed_get"] = skipped("the hub lists no CONNECTED party (but ours) with a Sender list it offers")
        for info in hub.clients:
            party = (str(info.get("country_code", "")).upper(), str(info.get("party_id", "")).upper())
            url = _sender_url(ctx, str(info.get("role")))
            if info.get("status") != "CONNECTED" or party == ctx.options.from_party or url is None:
                continue
            params = {"date_from": EPOCH, "limit": 1}  # Sessions and CDRs require date_from
            answer = await ctx.probe.get(url, params=params, headers=_routed(ctx, party), expect="list", valid=True)
            ctx.cache["routed_get"] = (party, answer)
            break
    found_get: tuple[tuple[str, str], Exchange] | Result = ctx.cache["routed_get"]
    return found_get


@hub_check(
    "hub.R2.credentials", "R2: the hub's Credentials name it alone, role HUB", CREDENTIALS_OBJECT, versions=("2.2.1",)
)
async def hub_credentials_221(ctx: Context, hub: HubPeer) -> Result:
    roles = hub.roles
    listed = ", ".join(f"{r.get('role')} {r.get('country_code')}/{r.get('party_id')}" for r in roles)
    if len(roles) != 1 or roles[0].get("role") != "HUB":
        return failed(
            f"{hub.credentials.label} $.data.roles: {listed or 'none'}, expected one role HUB (the hub alone)"
        )
    return passed(f"role HUB {_name(hub.party)}")


@hub_check(
    "hub.R3.credentials",
    "R3: the hub's Credentials give hub_party_id, one of its roles",
    CREDENTIALS_OBJECT,
    versions=("2.3.0",),
)
async def hub_credentials_230(ctx: Context, hub: HubPeer) -> Result:
    data = hub.credentials.data if isinstance(hub.credentials.data, dict) else {}
    named = data.get("hub_party_id")
    if not isinstance(named, str) or len(named) != 5:
        return failed(
            f"{hub.credentials.label} $.data.hub_party_id: {named!r}, expected the hub's CCPID (5 characters)"
        )
    owned = {f"{r.get('country_code')}{r.get('party_id')}".upper() for r in hub.roles}
    if named.upper() not in owned:
        return failed(f"{hub.credentials.label} $.data.hub_party_id: {named!r} is none of the parties in $.data.roles")
    return passed(f"hub_party_id {named}, {len(hub.roles)} role(s)")


@hub_check("hub.R4.unrouted", "R4: configuration modules answer without routing headers", ROUTING_HEADERS)
async def hub_unrouted(ctx: Context, hub: HubPeer) -> Result:
    configuration = [ctx.versions, ctx.details, hub.credentials, *([hub.listed] if hub.listed else [])]
    problems = [
        f"{x.label}: {name} {x.headers[name]!r} on a configuration module's answer"
        for x in configuration
        for name in ("ocpi-from-country-code", "ocpi-from-party-id", "ocpi-to-country-code", "ocpi-to-party-id")
        if name in x.headers
    ]
    return verdict(problems, f"{len(configuration)} answers without routing headers", "routing headers where none go")


@hub_check("hub.R19.client_info", "R19: the Hub Client Info Sender lists the parties", CLIENT_INFO_SENDER)
async def hub_client_info(ctx: Context, hub: HubPeer) -> Result:
    if hub.listed is None:
        return failed("the version details list no hubclientinfo endpoint with role SENDER")
    if not hub.listed.succeeded or not isinstance(hub.listed.data, list):
        return failed(f"{hub.listed.label}: HTTP {hub.listed.status}, status_code {hub.listed.status_code}, no list")
    return passed(f"{len(hub.clients)} ClientInfo")


@hub_check("hub.R6.routed_answer", "R6: a routed answer comes FROM the receiver, TO the requester", VIA_HUB)
async def hub_routed_answer(ctx: Context, hub: HubPeer) -> Result:
    routed = await _routed_get(ctx, hub)
    if isinstance(routed, Result):
        return routed
    party, answer = routed
    if not answer.succeeded:
        return failed(
            f"{answer.label} OCPI-to {_name(party)} (CONNECTED): HTTP {answer.status}, status_code "
            f"{answer.status_code} {(answer.envelope or {}).get('status_message')!r}"
        )
    problems = answer_headers(answer, party, ctx.options.from_party)
    return verdict(problems, f"FROM {_name(party)}, TO the requester", "routing headers not swapped")


@hub_check(
    "hub.R15.request_ids", "R15: a routed answer echoes the requester's X-Request-ID and X-Correlation-ID", UNIQUE_IDS
)
async def hub_request_ids(ctx: Context, hub: HubPeer) -> Result:
    routed = await _routed_get(ctx, hub)
    if isinstance(routed, Result):
        return routed
    _, answer = routed
    problems = [
        f"{answer.label}: {name} {answer.headers.get(name)!r}, sent {answer.request_headers[name]!r}"
        for name in ("X-Request-ID", "X-Correlation-ID")
        if answer.headers.get(name) != answer.request_headers[name]
    ]
    return verdict(problems, "both echoed", "ids not echoed")


def _unknown(hub: HubPeer) -> tuple[str, str]:
    listed = {(str(i.get("country_code", "")).upper(), str(i.get("party_id", "")).upper()) for i in hub.clients}
    while True:
        candidate = ("ZZ", uuid.uuid4().hex[:3].upper())
        if candidate not in listed:
            return candidate


async def _hub_error(ctx: Context, to: tuple[str, str], expected: int, why: str) -> Result:
    url = ctx.endpoint("locations", "SENDER") or next((e.url for e in ctx.endpoints if e.role == "SENDER"), None)
    if url is None:
        return skipped("the hub offers no Sender endpoint to send a request through")
    answer = await ctx.probe.get(f"{url.rstrip('/')}/ocpi-check", headers=_routed(ctx, to))
    if answer.status_code != expected:
        return failed(
            f"{answer.label} OCPI-to-country-code/OCPI-to-party-id {_name(to)} ({why}): "
            f"status_code {answer.status_code}, expected {expected}"
        )
    return passed(f"{expected} for {_name(to)} ({why})")


@hub_check("hub.R17.unknown_receiver", "R17: an unknown receiver is answered 4001", HUB_ERRORS)
async def hub_unknown_receiver(ctx: Context, hub: HubPeer) -> Result:
    return await _hub_error(ctx, _unknown(hub), 4001, "in no ClientInfo")


@hub_check("hub.R17.offline_receiver", "R17: a receiver not connected is answered 4003", HUB_ERRORS)
async def hub_offline_receiver(ctx: Context, hub: HubPeer) -> Result:
    for info in hub.clients:
        if info.get("status") in NOT_CONNECTED:
            party = (str(info.get("country_code", "")).upper(), str(info.get("party_id", "")).upper())
            return await _hub_error(ctx, party, 4003, f"{info.get('status')} in its ClientInfo")
    return skipped("the hub lists no party OFFLINE, PLANNED or SUSPENDED")


@hub_check("hub.R10.no_broadcast", "R10: a CDR pushed to the hub itself is refused (2001), not broadcast", BROADCAST)
async def hub_no_broadcast(ctx: Context, hub: HubPeer) -> Result:
    url = ctx.endpoint("cdrs", "RECEIVER")
    if url is None or hub.party is None:
        return skipped(
            "the hub offers no CDRs Receiver endpoint" if url is None else "the hub names no party of its own"
        )
    owner = ctx.options.from_party or ctx.options.party
    cdr = CDR.models["2.3.0"].model_validate(cdrs(owner, owner)[0])  # a whole CDR, in the version checked
    body: Any = orjson.loads(
        CDR.converter.from_canonical(cdr, ctx.version, ConversionContext()).value.model_dump_json(
            by_alias=True, exclude_none=True
        )
    )
    answer = await ctx.probe.request("POST", url, body=body, headers=_routed(ctx, hub.party))
    if answer.status_code != 2001:
        return failed(
            f"{answer.label} OCPI-to {_name(hub.party)} (the hub): status_code {answer.status_code}, expected 2001 "
            "(Sessions and CDRs are never broadcast)"
        )
    return passed("2001")


@hub_check(
    "hub.R13.get_all", "R13: GET All via the hub is answered FROM the hub, each object naming its owner", GET_ALL
)
async def hub_get_all(ctx: Context, hub: HubPeer) -> Result:
    subject = next((s for s in ctx.subjects if s.module != "hubclientinfo"), None)
    if subject is None or hub.party is None:
        return skipped("the hub answers no GET All" if hub.party else "the hub names no party of its own")
    walk = await ctx.walk(subject)
    problems = [
        p for page in [walk.first, *walk.pages] for p in answer_headers(page, hub.party, ctx.options.from_party)
    ]
    problems += [
        f"{page.label} $.data[{index}]: no country_code/party_id naming its owner"
        for page, index, item in walk.objects
        if not isinstance(item, dict) or not item.get("country_code") or not item.get("party_id")
    ]
    return verdict(problems, f"{subject.name}: FROM the hub, owners named", "GET All problems")


@check(
    "routed.answers",
    "R1/R6: every answer through the hub comes FROM the party checked, TO us",
    VIA_HUB,
    Stage.answers,
    versions=HUB_VERSIONS,
)
async def routed_answers(ctx: Context) -> Result:
    to = ctx.options.to
    if to is None:
        return skipped("not checking a party through a hub (--to)")
    routed = [x for x in ctx.probe.exchanges if x.request_headers.get("OCPI-to-party-id") == to[1] and x.succeeded]
    problems = [p for x in routed for p in answer_headers(x, to, ctx.options.from_party)]
    if not routed:
        return skipped("no request through the hub was answered")
    return verdict(problems, f"{len(routed)} answers FROM {_name(to)}", "answers with wrong routing headers")
