"""A node playing a Roaming Hub (a party of role HUB, `NodeConfig.hub`): its directory of the parties connected
to it, each with its connection status, kept as the ClientInfo objects the hub owns (spec, mod_hub_client_info).

Every status change is a write of that party's ClientInfo, so the push machinery brings every other connected
party up to date (`PUT {url}/{country_code}/{party_id}` to its Hub Client Info receiver, one cursor per party,
nothing shared between them); the Sender interface lists them. A party is CONNECTED once it registered, OFFLINE
when the still-alive check of its versions endpoint fails (and CONNECTED again when it answers), SUSPENDED once
it unregistered."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

import orjson

from ocpi.client.client import PartnerTimeout, join_url
from ocpi.core.convert import ConversionContext
from ocpi.core.data_types import format_datetime, parse_datetime
from ocpi.core.enums import InterfaceRole, RoleEnum
from ocpi.core.envelope import envelope, envelope_bytes
from ocpi.core.errors import HubError, InvalidParameters, NotFound, OcpiError
from ocpi.core.interfaces import ObjectType, OwnerKeyedReceiver, PostReceiver, SenderList
from ocpi.core.status import StatusCode
from ocpi.core.validation import parse
from ocpi.modules.hubclientinfo.interfaces import CLIENT_INFO
from ocpi.modules.registry import module_interfaces
from ocpi.node.config import OwnParty
from ocpi.storage.base import ListQuery, ObjectKey, Party, PartyRole, PutOutcome, StoredObject

if TYPE_CHECKING:
    from ocpi.node.node import Node

log = logging.getLogger("ocpi.hub")

CONNECTED, OFFLINE, PLANNED, SUSPENDED = "CONNECTED", "OFFLINE", "PLANNED", "SUSPENDED"


def _role(name: str) -> RoleEnum | None:
    try:
        return RoleEnum(name)
    except ValueError:
        return None


@dataclass(frozen=True)
class Callback:
    """Where an asynchronous result (a CommandResult) the hub asked a receiver to post to it goes on to (D4)."""

    url: str
    """The requester's own `response_url`."""
    requester: int
    """The partner (pk) the request came from, which the result is forwarded to."""
    receiver: int
    """The partner (pk) the request went to: the only one that may post its result."""
    sender: tuple[str, str]
    target: tuple[str, str]


class Hub:
    def __init__(self, node: Node):
        self.node = node
        self.callbacks: dict[str, Callback] = {}
        """Pending asynchronous results by reference, kept in memory (a restart of the hub forgets them)."""
        self.awaited: dict[int, collections.deque[str]] = {}
        """Each requester's references, oldest first (see `PENDING_RESULTS_PER_REQUESTER`)."""

    def remember(self, reference: str, callback: Callback) -> None:
        """Keep a pending result; beyond `PENDING_RESULTS_PER_REQUESTER` of one requester, its oldest is forgotten."""
        self.callbacks[reference] = callback
        references = self.awaited.setdefault(callback.requester, collections.deque())
        references.append(reference)
        while len(references) > PENDING_RESULTS_PER_REQUESTER:
            self.callbacks.pop(references.popleft(), None)

    @property
    def party(self) -> OwnParty:
        hub = self.node.config.hub
        assert hub is not None
        return hub

    def receiving_party(self, partner: Party, module: str) -> tuple[str, str] | None:
        """The party of `partner` that receives a push of `module`: one whose role implements the module's
        Receiver interface (spec, Broadcast Push: "every connected client implementing the corresponding
        applicable module"); None: none does. Hub Client Info: the partner's first party."""
        sides = module_interfaces(module).sides
        for role in self.parties_of(partner):
            played = _role(role.role)
            if module == CLIENT_INFO.module or (played is not None and sides.get(played) is InterfaceRole.RECEIVER):
                return role.country_code, role.party_id
        return None

    def may_receive(self, partner: Party, obj: StoredObject) -> bool:
        """What the hub sends a connected party: every ClientInfo but its own (R18), and the objects broadcast
        through the hub by another party, when it implements the module's Receiver (R7, R8)."""
        key = obj.key
        if partner.owns(key.country_code, key.party_id):
            return False
        return key.module == CLIENT_INFO.module or self.receiving_party(partner, key.module) is not None

    @staticmethod
    def parties_of(party: Party) -> list[PartyRole]:
        """The parties a partner connects to the hub with: one per (country_code, party_id), the first role it
        gives for it (a ClientInfo is filed under its party alone: `{url}/{country_code}/{party_id}`)."""
        seen: dict[tuple[str, str], PartyRole] = {}
        for role in party.roles:
            if role.role != RoleEnum.HUB.value:
                seen.setdefault((role.country_code.upper(), role.party_id.upper()), role)
        return list(seen.values())

    async def status(self, country_code: str, party_id: str) -> str | None:
        """The connection status the hub reports for a party; None: a party it never connected."""
        stored = await self.node.objects.get(ObjectKey.of(CLIENT_INFO.module, country_code, party_id, ""))
        if stored is None:
            return None
        status = orjson.loads(stored.canonical).get("status")
        return str(status) if status else None

    async def record(self, party: Party, status: str) -> None:
        """Report every party of `party` as `status` to the others (a write each, when it changed)."""
        now = format_datetime(datetime.now(UTC))
        changed = False
        for role in self.parties_of(party):
            if await self.status(role.country_code, role.party_id) == status:
                continue
            info = {
                "party_id": role.party_id,
                "country_code": role.country_code,
                "role": role.role,
                "status": status,
                "last_updated": now,
            }
            await self.node.repository.put(
                CLIENT_INFO, "2.3.0", info, owner=(role.country_code, role.party_id), object_id=""
            )
            log.info("hub: %s/%s (%s) is %s", role.country_code, role.party_id, party.name, status)
            changed = True
        if changed:
            self.node.nudge_push()

    def expect_result(
        self, body: bytes, request: Relayed, caller: Party, target: Party, sender: tuple[str, str], to: tuple[str, str]
    ) -> bytes:
        """`body` with its `response_url` replaced by one of the hub's, remembered to forward the result on."""
        return _expect_result(self, body, request, caller, target, sender, to)

    async def connected(self, party: Party) -> None:
        """A party registered (or renewed its credentials): CONNECTED to the others, and owed the directory as
        it stands (its push cursor starts at its registration; the ClientInfo of itself is not sent to it)."""
        await self.record(party, CONNECTED)
        if await self.node.ledger.owe(party.pk, CLIENT_INFO.module):
            self.node.nudge_push()

    async def suspended(self, party: Party) -> None:
        await self.record(party, SUSPENDED)

    async def partners(self) -> list[Party]:
        return [p for p in await self.node.store.list_parties() if p.state == "registered"]

    async def reachable(self) -> list[tuple[PartyRole, str]]:
        """The parties reachable through the hub now (CONNECTED), with their partner's name."""
        found = []
        for party in await self.partners():
            for role in self.parties_of(party):
                if await self.status(role.country_code, role.party_id) == CONNECTED:
                    found.append((role, party.name))
        return found

    async def holder(self, country_code: str, party_id: str) -> Party | None:
        """The registered partner that connects the party (country_code, party_id) to the hub."""
        for party in await self.partners():
            if party.owns(country_code, party_id):
                return party
        return None

    async def still_alive(self, party: Party) -> bool:
        """Whether the party still answers: a GET of its versions endpoint with its token (spec: the still
        alive check)."""
        if not party.versions_url:
            return False
        try:
            async with self.node.partner_client(party) as client:
                await client.get(party.versions_url, configuration=True)
        except OcpiError as error:
            log.info("hub: %s does not answer its versions endpoint: %s", party.name, error.message)
            return False
        return True

    async def check_still_alive(self) -> None:
        """One still-alive check of every registered party, side by side (a party that hangs until the deadline
        delays no other)."""
        partners = await self.partners()
        answers = await asyncio.gather(*(self.still_alive(p) for p in partners))
        for party, alive in zip(partners, answers, strict=True):
            await self.record(party, CONNECTED if alive else OFFLINE)

    async def run_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.check_still_alive()
            except Exception:  # a check never ends the hub's worker
                log.exception("hub: the still-alive check failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.node.config.still_alive_interval)


# --- routing: a request with OCPI-to naming a connected party, forwarded to it ---------------------------------


@dataclass(frozen=True)
class Relayed:
    """A request a party sends through the hub to one of the hub's module endpoints."""

    method: str
    version: str
    """The version of the hub's endpoint the caller speaks."""
    side: InterfaceRole
    """The interface of the receiving party the request is for (a push to an eMSP's locations: RECEIVER)."""
    module: str
    path: tuple[str, ...]
    """The URL's segments after the module's endpoint."""
    query: str
    body: bytes | None
    routing: Mapping[str, str]
    """The request's `OCPI-*` headers by lower-case name."""
    correlation_id: str | None
    hub_url: str
    """The URL of this endpoint of the hub, which pagination links of the answer are rewritten to."""


@dataclass
class RelayAnswer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


ANSWER_HEADERS = ("ocpi-from-country-code", "ocpi-from-party-id", "ocpi-to-country-code", "ocpi-to-party-id")
LIST_HEADERS = ("x-total-count", "x-limit")


class _RawBody:
    def __init__(self, body: bytes):
        self.body = body

    def to_json(self) -> bytes:
        return self.body


def _routed_party(routing: Mapping[str, str], direction: str) -> tuple[str, str] | None:
    country_code = routing.get(f"ocpi-{direction}-country-code", "").strip().upper()
    party_id = routing.get(f"ocpi-{direction}-party-id", "").strip().upper()
    return (country_code, party_id) if country_code and party_id else None


async def forward(hub: Hub, caller: Party, request: Relayed) -> RelayAnswer:
    """Forward `request` from `caller` to the party its OCPI-to names (spec, transport_and_format: Message
    Routing, "Party to Party via Hub"): the same routing headers and X-Correlation-ID, a new X-Request-ID, the
    body converted between the two parties' versions where they differ; the receiver's answer comes back
    unchanged but for that conversion (status_codes: 4xxx). The hub's own errors: 4001 unknown receiver, 4003
    receiver not connected (no connection attempted), 4002 no answer within the deadline, 4000 anything else."""
    sender = _routed_party(request.routing, "from")
    if sender is None:
        own = Hub.parties_of(caller)
        if len(own) != 1:
            raise InvalidParameters("OCPI-from-country-code/OCPI-from-party-id: required (you connect several parties)")
        sender = (own[0].country_code, own[0].party_id)
    elif not caller.owns(*sender):
        raise InvalidParameters(f"OCPI-from {sender[0]}/{sender[1]} is not one of your parties")
    receiver = _routed_party(request.routing, "to")
    if receiver is None or hub.node.config.is_own(*receiver):
        return await _answer_itself(hub, caller, sender, request, addressed=receiver is not None)
    status = await hub.status(*receiver)
    if status is None:
        raise HubError(
            f"unknown receiver: no party {receiver[0]}/{receiver[1]} is connected to this hub", status_code=4001
        )
    target = await hub.holder(*receiver) if status == CONNECTED else None
    if target is None:
        raise HubError(f"receiver {receiver[0]}/{receiver[1]} is {status}, not connected to this hub", status_code=4003)
    endpoint = _endpoint(target, request.module, request.side)
    if endpoint is None:
        raise HubError(
            f"{receiver[0]}/{receiver[1]} offers no {request.module} {request.side.value} interface", status_code=4000
        )
    target_version = target.version or request.version
    converting = target_version != request.version
    body = request.body
    if converting and body:
        body = _convert_body(request, body, request.version, target_version)
    if body and request.method == "POST" and request.module in CALLBACK_MODULES:
        body = hub.expect_result(body, request, caller, target, sender, receiver)
    url = join_url(endpoint, *request.path) + (f"?{request.query}" if request.query else "")
    headers = {
        "OCPI-from-country-code": sender[0],
        "OCPI-from-party-id": sender[1],
        "OCPI-to-country-code": receiver[0],
        "OCPI-to-party-id": receiver[1],
    }
    if request.correlation_id:
        headers["X-Correlation-ID"] = request.correlation_id
    try:
        async with hub.node.partner_client(target) as client:
            answer = await client.request(
                request.method, url, body=None if body is None else _RawBody(body), headers=headers
            )
    except PartnerTimeout as error:
        raise HubError(
            f"{receiver[0]}/{receiver[1]} did not answer in time: {error.message}", status_code=4002
        ) from None
    except OcpiError as error:
        raise HubError(f"cannot reach {receiver[0]}/{receiver[1]}: {error.message}", status_code=4003) from None
    content = answer.content
    if converting:
        content = _convert_answer(request, content, target_version, request.version)
    relayed = {name: answer.headers[name] for name in (*ANSWER_HEADERS, *LIST_HEADERS) if name in answer.headers}
    link = answer.headers.get("link")
    if link:
        relayed["Link"] = link.replace(endpoint.rstrip("/"), request.hub_url.rstrip("/"))
    return RelayAnswer(answer.status_code, content, relayed)


def _endpoint(party: Party, module: str, side: InterfaceRole) -> str | None:
    for endpoint in party.endpoints:
        if endpoint["identifier"] == module and endpoint.get("role", side.value) == side.value:
            return endpoint["url"]
    return None


def _object_type(module: str, side: InterfaceRole) -> ObjectType | None:
    interfaces = module_interfaces(module)
    interface = interfaces.sender if side is InterfaceRole.SENDER else interfaces.receiver
    for pattern in interface.patterns if interface is not None else ():
        if isinstance(pattern, SenderList | OwnerKeyedReceiver | PostReceiver):
            return pattern.object_type
    return None


def _whole_objects(request: Relayed) -> tuple[ObjectType, bool] | None:
    """What the request's body (for a write) or its answer's data (for a GET) is, where it is whole objects of
    the module: the object type and whether a list of them; None: something else (a child object, a PATCH, a
    command), which the hub cannot convert between versions."""
    object_type = _object_type(request.module, request.side)
    if object_type is None:
        return None
    depth = len(request.path)
    if request.side is InterfaceRole.SENDER and request.method == "GET":
        return (object_type, True) if depth == 0 else (object_type, False) if depth == 1 else None
    if request.side is InterfaceRole.RECEIVER:
        if request.method in ("GET", "PUT") and depth == 3:
            return object_type, False
        if request.method == "POST" and depth == 0:
            return object_type, False
    return None


def _convert_object(object_type: ObjectType, data: Any, source: str, target: str) -> Any:
    owner = (data.get("country_code"), data.get("party_id")) if isinstance(data, dict) else (None, None)
    context = ConversionContext(country_code=owner[0], party_id=owner[1])
    model = parse(object_type.models[source], data, what=object_type.name)
    canonical = object_type.converter.to_canonical(model, source, context).value
    converted = object_type.converter.from_canonical(canonical, target, context).value
    return converted.model_dump(mode="json", exclude_none=True, by_alias=True)


def _cannot_convert(request: Relayed, source: str, target: str) -> HubError:
    return HubError(
        f"this hub converts whole {request.module} objects between versions, not a {request.method} of "
        f"{'/'.join((request.module, *request.path))} from {source} to {target}",
        status_code=4000,
    )


def _convert_body(request: Relayed, body: bytes, source: str, target: str) -> bytes:
    found = _whole_objects(request)
    if found is None or request.method == "GET":
        raise _cannot_convert(request, source, target)
    try:
        return orjson.dumps(_convert_object(found[0], orjson.loads(body), source, target))
    except (orjson.JSONDecodeError, ValueError, TypeError) as error:
        raise InvalidParameters(f"cannot convert this {found[0].name} from {source} to {target}: {error}") from None


def _convert_answer(request: Relayed, content: bytes, source: str, target: str) -> bytes:
    try:
        envelope = orjson.loads(content)
    except orjson.JSONDecodeError:
        return content  # not an envelope: the requester sees the receiver's answer as it was
    if not isinstance(envelope, dict) or envelope.get("data") is None:
        return content
    found = _whole_objects(request)
    if found is None or request.method != "GET":
        raise _cannot_convert(request, source, target)
    object_type, listed = found
    try:
        data = envelope["data"]
        envelope["data"] = (
            [_convert_object(object_type, item, source, target) for item in data]
            if listed
            else _convert_object(object_type, data, source, target)
        )
    except (ValueError, TypeError) as error:
        raise HubError(f"cannot convert the answer from {source} to {target}: {error}", status_code=4000) from None
    return orjson.dumps(envelope)


# --- asynchronous results: the receiver posts to the hub, which forwards to the requester's response_url (D4) ----

CALLBACK_MODULES = frozenset({"commands"})
"""The modules whose requests carry a `response_url` the hub puts itself in front of."""
CALLBACK_SEGMENT = "callbacks"
PENDING_RESULTS_PER_REQUESTER = 1_000
"""Results one requester may await through the hub at once: results that never come (a receiver that does not
answer, a requester sending command after command) would otherwise grow the hub's memory without end."""


def _callback_url(request: Relayed, reference: str) -> str:
    """`{hub}/ocpi/hub/{version}/callbacks/{reference}`, next to the endpoint the request came to."""
    root = request.hub_url.rstrip("/").removesuffix(f"/{request.module}").rsplit("/", 1)[0]
    return f"{root}/{CALLBACK_SEGMENT}/{reference}"


def _expect_result(
    hub: Hub, body: bytes, request: Relayed, caller: Party, target: Party, sender: tuple[str, str], to: tuple[str, str]
) -> bytes:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body
    url = document.get("response_url") if isinstance(document, dict) else None
    if not isinstance(url, str) or not url:
        return body
    reference = uuid.uuid4().hex
    hub.remember(reference, Callback(url, caller.pk, target.pk, sender, to))
    return orjson.dumps({**document, "response_url": _callback_url(request, reference)})


async def relay_result(hub: Hub, caller: Party, reference: str, body: bytes | None) -> RelayAnswer:
    """A receiver posts the result of a request forwarded through the hub: on to the requester's own
    `response_url`, FROM the receiver TO the requester; the requester's answer comes back."""
    callback = hub.callbacks.get(reference)
    if callback is None or callback.receiver != caller.pk:
        raise NotFound(f"no result is expected from you under {reference}", status_code=2001)
    requester = await hub.node.store.get_party(callback.requester)
    if requester is None or requester.state != "registered":
        raise HubError("the party the result is for is no longer connected to this hub", status_code=4003)
    headers = {
        "OCPI-from-country-code": callback.target[0],
        "OCPI-from-party-id": callback.target[1],
        "OCPI-to-country-code": callback.sender[0],
        "OCPI-to-party-id": callback.sender[1],
    }
    try:
        async with hub.node.partner_client(requester) as client:
            answer = await client.request(
                "POST", callback.url, body=None if body is None else _RawBody(body), headers=headers
            )
    except PartnerTimeout as error:
        raise HubError(f"the result's receiver did not answer in time: {error.message}", status_code=4002) from None
    except OcpiError as error:
        raise HubError(f"cannot reach the result's receiver: {error.message}", status_code=4003) from None
    hub.callbacks.pop(reference, None)
    relayed = {name: answer.headers[name] for name in ANSWER_HEADERS if name in answer.headers}
    return RelayAnswer(answer.status_code, answer.content, relayed)


# --- what the hub answers itself: Broadcast Push and GET All via the hub ------------------------------------------

BROADCAST_MODULES = frozenset({"locations", "tariffs", "tokens"})
"""What a party may push to every other through the hub (D1): the information meant for everyone (spec, Broadcast
Push: "Tokens, Locations etc."); never Sessions, CDRs or the other party-specific modules."""


async def _answer_itself(
    hub: Hub, caller: Party, sender: tuple[str, str], request: Relayed, *, addressed: bool
) -> RelayAnswer:
    """A request to the hub itself (OCPI-to the hub, or none): a Broadcast Push (a write to a party's Receiver
    of a module meant for everyone) or a GET All of what the hub holds of such a module (a GET of the Sender)."""
    module = request.module
    routing = {
        "OCPI-from-country-code": hub.party.country_code,
        "OCPI-from-party-id": hub.party.party_id,
        "OCPI-to-country-code": sender[0],
        "OCPI-to-party-id": sender[1],
    }
    if request.method == "GET" and request.path:
        raise InvalidParameters(
            f"OCPI-to-country-code/OCPI-to-party-id: required for a GET of one {module} object: the hub forwards it "
            "to the party they name (itself it answers only a GET All)"
        )
    if module not in BROADCAST_MODULES:
        given = "with OCPI-to naming this hub" if addressed else "without OCPI-to"
        raise InvalidParameters(
            f"a {request.method} of {module} {given}: the hub broadcasts and lists only "
            f"{', '.join(sorted(BROADCAST_MODULES))} (information meant for everyone); send {module} with OCPI-to "
            "naming the party it is for"
        )
    if request.method == "GET":
        if request.side is not InterfaceRole.SENDER:
            raise InvalidParameters("a GET to the hub itself reads a Sender's list (GET All via the hub): no Broadcast")
        return await _list_held(hub, module, request, routing)
    if request.side is not InterfaceRole.RECEIVER or request.method not in ("PUT", "PATCH"):
        raise InvalidParameters(f"the hub broadcasts a PUT or PATCH to the {module} Receivers, not a {request.method}")
    return await _broadcast(hub, caller, sender, request, routing)


async def _broadcast(
    hub: Hub, caller: Party, sender: tuple[str, str], request: Relayed, routing: dict[str, str]
) -> RelayAnswer:
    """Store the object as its owner's (the URL's `{country_code}/{party_id}`, which must be the caller's and the
    OCPI-from party), answer now, and let the push machinery send it on to every other connected party whose
    role receives the module (one cursor each: a slow party holds back no other; D2)."""
    if len(request.path) < 3:
        raise InvalidParameters(f"a broadcast {request.method} goes to {{url}}/{{country_code}}/{{party_id}}/{{id}}")
    owner = (request.path[0].upper(), request.path[1].upper())
    if not caller.owns(*owner):
        raise NotFound(f"{owner[0]}/{owner[1]} is not one of your parties", status_code=2001)
    if sender != owner:
        raise InvalidParameters(
            f"OCPI-from {sender[0]}/{sender[1]} differs from the owner {owner[0]}/{owner[1]} in the URL"
        )
    object_type = _object_type(request.module, InterfaceRole.RECEIVER)
    assert object_type is not None
    payload = orjson.loads(request.body) if request.body else None
    variant = dict(parse_qsl(request.query)).get("type", "")
    repository = hub.node.repository
    write = repository.put if request.method == "PUT" else repository.patch
    result = await write(
        object_type,
        request.version,
        payload,
        owner=owner,
        object_id=request.path[2],
        variant=variant,
        path=request.path[3:],
        judging=hub.node.judging,
    )
    hub.node.nudge_push()
    status = 201 if result.outcome is PutOutcome.CREATED else 200
    return RelayAnswer(status, envelope(None, StatusCode.SUCCESS, result.message), routing)


async def _list_held(hub: Hub, module: str, request: Relayed, routing: dict[str, str]) -> RelayAnswer:
    """GET All via the hub (spec: the hub may combine the objects of several parties; each names its owner): every
    object of `module` the hub holds, paginated like any Sender list."""
    query = dict(parse_qsl(request.query))
    config = hub.node.config
    try:
        offset = int(query.get("offset", 0))
        limit = min(int(query.get("limit", config.default_page_size)), config.max_page_size)
    except ValueError:
        raise InvalidParameters("offset and limit: whole numbers") from None
    if offset < 0 or limit < 1:
        raise InvalidParameters("offset: 0 or more; limit: 1 or more")
    since, until = (_query_datetime(name, query.get(name)) for name in ("date_from", "date_to"))
    page = await hub.node.repository.page(ListQuery(module, request.version, None, since, until, offset, limit))
    headers = {**routing, "X-Total-Count": str(page.total), "X-Limit": str(limit)}
    if page.items and offset + len(page.items) < page.total:
        kept = [(k, v) for k, v in query.items() if k not in ("offset", "limit")]
        following = urlencode([*kept, ("offset", offset + len(page.items)), ("limit", limit)])
        headers["Link"] = f'<{request.hub_url}?{following}>; rel="next"'
    return RelayAnswer(200, envelope_bytes((b"[", b",".join(page.items), b"]")), headers)


def _query_datetime(name: str, value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value.replace(" ", "+"))
    if parsed is None:
        raise InvalidParameters(f"{name}: not an RFC 3339 DateTime: {value!r}")
    return parsed
