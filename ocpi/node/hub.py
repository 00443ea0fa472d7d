"""A node playing a Roaming Hub (a party of role HUB, `NodeConfig.hub`): its directory of the parties connected
to it, each with its connection status, kept as the ClientInfo objects the hub owns (spec, mod_hub_client_info).

Every status change is a write of that party's ClientInfo, so the push machinery brings every other connected
party up to date (`PUT {url}/{country_code}/{party_id}` to its Hub Client Info receiver, one cursor per party,
nothing shared between them); the Sender interface lists them. A party is CONNECTED once it registered, OFFLINE
when the still-alive check of its versions endpoint fails (and CONNECTED again when it answers), SUSPENDED once
it unregistered."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

import orjson
from pydantic import BaseModel

from ocpi.client.client import PartnerTimeout, join_url
from ocpi.core.convert import ConversionContext
from ocpi.core.data_types import format_datetime, parse_datetime
from ocpi.core.enums import InterfaceRole, RoleEnum
from ocpi.core.envelope import envelope, envelope_bytes
from ocpi.core.errors import HubError, InvalidParameters, NotFound, OcpiError
from ocpi.core.interfaces import (
    ActiveProfileReceiver,
    CallbackReceiver,
    ChargingProfilesReceiver,
    Child,
    CommandReceiver,
    Converter,
    ObjectType,
    OwnerKeyedReceiver,
    PostReceiver,
    SenderList,
    TokenAuthorization,
)
from ocpi.core.model import PatchModel, partial_model
from ocpi.core.status import StatusCode
from ocpi.core.utils import from_to_headers
from ocpi.core.validation import parse
from ocpi.modules.commands.convert import CommandContext
from ocpi.modules.hubclientinfo.interfaces import CLIENT_INFO
from ocpi.modules.registry import converter, module_interfaces
from ocpi.node.config import OwnParty
from ocpi.storage.base import ListQuery, ObjectKey, Party, PartyRole, PutOutcome, StoredObject
from ocpi.storage.hubs import AwaitedResults

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
    """Where an asynchronous result the hub asked a receiver to post to it goes on to (D4)."""

    url: str
    """The requester's own `response_url`."""
    requester: int
    """The partner (pk) the request came from, which the result is forwarded to."""
    receiver: int
    """The partner (pk) the request went to: the only one that may post its result."""
    sender: tuple[str, str]
    target: tuple[str, str]
    module: str
    segment: str
    """Which result it is: the segment of the module's `CallbackReceiver` (commands: results; charging profiles:
    active, set, clear)."""
    versions: tuple[str, str]
    """The requester's and the receiver's versions, to convert the result between them."""

    def to_json(self) -> bytes:
        return orjson.dumps(self)

    @classmethod
    def from_json(cls, document: bytes) -> Callback:
        data = orjson.loads(document)
        for name in ("sender", "target", "versions"):
            data[name] = tuple(data[name])
        return cls(**data)


class Hub:
    def __init__(self, node: Node):
        self.node = node
        self.sending: set[asyncio.Task[None]] = set()
        """What the hub sends on after it answered (a broadcast DELETE), kept until done."""
        self.unreachable: set[int] = set()
        """The partners the hub last found not CONNECTED (OFFLINE, SUSPENDED): nothing is pushed to them (R20)."""

    def in_background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self.sending.add(task)
        task.add_done_callback(self.sending.discard)

    @property
    def awaited(self) -> AwaitedResults:
        """The results the hub awaits, in its database (a restart loses none)."""
        return AwaitedResults(self.node.store)

    async def remember(self, reference: str, callback: Callback) -> None:
        """Await a result; beyond `PENDING_RESULTS_PER_REQUESTER` of one requester, its oldest is forgotten."""
        await self.awaited.add(reference, callback.requester, callback.to_json(), keep=PENDING_RESULTS_PER_REQUESTER)

    async def callback(self, reference: str) -> Callback | None:
        document = await self.awaited.get(reference)
        return None if document is None else Callback.from_json(document)

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
        through the hub by another party, when it implements the module's Receiver (R7, R8). Nothing while it is
        not CONNECTED (R20: "Do not queue Push messages": what changes meanwhile is dropped, not retried; back
        online, the party GETs what it missed)."""
        key = obj.key
        if partner.owns(key.country_code, key.party_id) or partner.pk in self.unreachable:
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
        if status == CONNECTED:
            self.unreachable.discard(party.pk)
        else:
            self.unreachable.add(party.pk)
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
    addressed = receiver is not None
    if receiver is None:
        receiver = await _route_by_content(hub, request)
    if receiver is None or hub.node.config.is_own(*receiver):
        return await _answer_itself(hub, caller, sender, request, addressed=addressed)
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
    query = request.query
    segment = RESULT_SEGMENTS.get((request.module, request.method))
    if segment is not None:
        callback = Callback("", caller.pk, target.pk, sender, receiver, request.module, segment,
                            (request.version, target_version))  # fmt: skip
        body, query = await _expect_result(hub, request, callback, body, query)
    url = join_url(endpoint, *request.path) + (f"?{query}" if query else "")
    headers = from_to_headers(sender, receiver)
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


async def _route_by_content(hub: Hub, request: Relayed) -> tuple[str, str] | None:
    """The receiver of an Open Routing Request (no OCPI-to), where its content names it (D14): a Session or CDR
    pushed to an eMSP goes to its token's owner (`cdr_token`); a command with a `location_id`, and a GET of one
    Location or Tariff from a Sender, to the one party whose object of that id the hub holds (broadcast to it); a
    real-time authorization to the one party whose Token of that uid and type the hub holds. None: the content
    names no one (or several), and the hub answers itself (a broadcast, GET All, or 2001)."""
    module, path, side = request.module, request.path, request.side
    document = _json_object(request.body)
    if side is InterfaceRole.RECEIVER and module in ("sessions", "cdrs") and request.method in ("PUT", "POST"):
        token = document.get("cdr_token")
        if isinstance(token, dict) and token.get("country_code") and token.get("party_id"):
            return str(token["country_code"]).upper(), str(token["party_id"]).upper()
        return None
    if side is InterfaceRole.RECEIVER and module == "commands" and request.method == "POST":
        location_id = document.get("location_id")
        return await _held_by_one(hub, "locations", str(location_id)) if location_id else None
    if side is InterfaceRole.SENDER and module in ("locations", "tariffs") and request.method == "GET" and path:
        return await _held_by_one(hub, module, path[0])
    if side is InterfaceRole.SENDER and module == "tokens" and len(path) == 2 and path[1] == "authorize":
        variant = dict(parse_qsl(request.query)).get("type", "RFID").upper()
        return await _held_by_one(hub, "tokens", path[0], variant)
    return None


def _json_object(body: bytes | None) -> dict[str, Any]:
    try:
        document = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        return {}
    return document if isinstance(document, dict) else {}


async def _held_by_one(hub: Hub, module: str, object_id: str, variant: str = "") -> tuple[str, str] | None:
    """The one registered party whose `module` object `object_id` the hub holds (a party not CONNECTED then gets
    4003); None: no party's, or several."""
    owners = []
    for partner in await hub.partners():
        for role in hub.parties_of(partner):
            owner = (role.country_code.upper(), role.party_id.upper())
            if await hub.node.objects.get(ObjectKey.of(module, *owner, object_id, variant)) is not None:
                owners.append(owner)
    return owners[0] if len(owners) == 1 else None


def _endpoint(party: Party, module: str, side: InterfaceRole) -> str | None:
    for endpoint in party.endpoints:
        if endpoint["identifier"] == module and endpoint.get("role", side.value) == side.value:
            return endpoint["url"]
    return None


@dataclass(frozen=True)
class Shape:
    """What a forwarded request's body and its answer's data are, in each version, for the hub to convert them
    between two parties' versions through the canonical form; None where there is nothing of that side."""

    converter: Converter
    body: Mapping[str, type[BaseModel]] | None = None
    answer: Mapping[str, type[BaseModel]] | None = None
    listed: bool = False
    """The answer's data is a list of `answer`."""
    context: ConversionContext | None = None


def _patched(holder: ObjectType | Child, object_type: ObjectType) -> dict[str, type[BaseModel]]:
    """The PATCH bodies of `holder` in each version (the models the module's converter knows)."""
    return {
        version: partial_model(model, ("last_updated",) if version in object_type.patch_needs_last_updated else ())
        for version, model in holder.models.items()
    }


def _under(segment: str, path: tuple[str, ...]) -> tuple[str, ...] | None:
    """`path` within a pattern's `segment` (e.g. Bookings' `booking_locations`, listed before the module's patterns
    without one); None: not under it."""
    if not segment:
        return path
    return path[1:] if path[:1] == (segment,) else None


def _holder(object_type: ObjectType, below: tuple[str, ...]) -> ObjectType | Child | None:
    """The object or the child (an EVSE, a Connector) that `below` (the ids after the object's) addresses."""
    holder: ObjectType | Child = object_type
    for _ in below:
        if not holder.children:
            return None
        holder = holder.children[0]
    return holder


def _shape(request: Relayed) -> Shape | None:
    """What the request is in terms of models (whole objects, a child, a PATCH body, a command and its response,
    an authorization, a charging profile request), from the interface patterns of the receiving side; None: none
    the hub knows, which it forwards unconverted only between parties of one version."""
    interfaces = module_interfaces(request.module)
    interface = interfaces.sender if request.side is InterfaceRole.SENDER else interfaces.receiver
    method, path, depth = request.method, request.path, len(request.path)
    module_converter = converter(request.module)
    for pattern in interface.patterns if interface is not None else ():
        if isinstance(pattern, SenderList | OwnerKeyedReceiver):
            rest = _under(pattern.segment, path)
            if rest is None:
                continue
            object_type = pattern.object_type
            if isinstance(pattern, SenderList):
                if method != "GET":
                    continue
                holder = _holder(object_type, rest[1:])
                return None if holder is None else Shape(object_type.converter, answer=holder.models, listed=not rest)
            if len(rest) < 3 or (holder := _holder(object_type, rest[3:])) is None:
                continue
            context = ConversionContext(country_code=rest[0].upper(), party_id=rest[1].upper())
            if method == "GET":
                return Shape(object_type.converter, answer=holder.models, context=context)
            if method == "PUT":
                return Shape(object_type.converter, body=holder.models, context=context)
            if method == "PATCH":
                return Shape(object_type.converter, body=_patched(holder, object_type), context=context)
        if isinstance(pattern, PostReceiver) and method == "POST" and depth == 0:
            return Shape(pattern.object_type.converter, body=pattern.object_type.models)
        if isinstance(pattern, CommandReceiver) and method == "POST" and depth == 1 and path[0] in pattern.commands:
            return Shape(module_converter, pattern.commands[path[0]], pattern.response_models, context=CommandContext())
        if isinstance(pattern, TokenAuthorization) and method == "POST" and depth == 2 and path[1] == "authorize":
            return Shape(module_converter, pattern.location_references, pattern.authorization_info)
        if isinstance(pattern, ChargingProfilesReceiver) and depth == 1:
            body = pattern.set_models if method == "PUT" else None
            return Shape(module_converter, body, pattern.response_models)
        if isinstance(pattern, ActiveProfileReceiver) and method == "PUT" and depth == 1:
            return Shape(module_converter, body=pattern.models)
    return None


def _convert(shape: Shape, models: Mapping[str, type[BaseModel]], data: Any, source: str, target: str) -> Any:
    context = shape.context
    if context is None and isinstance(data, dict):
        context = ConversionContext(country_code=data.get("country_code"), party_id=data.get("party_id"))
    model = parse(models[source], data, what=models[source].__name__)
    canonical = shape.converter.to_canonical(model, source, context).value
    converted = shape.converter.from_canonical(canonical, target, context).value
    if isinstance(converted, PatchModel):
        return converted.to_dict()
    return converted.model_dump(mode="json", exclude_none=True, by_alias=True)


def _cannot_convert(request: Relayed, source: str, target: str) -> HubError:
    return HubError(
        f"this hub cannot convert a {request.method} of {'/'.join((request.module, *request.path))} from {source} "
        f"to {target}",
        status_code=4000,
    )


def _convert_body(request: Relayed, body: bytes, source: str, target: str) -> bytes:
    shape = _shape(request)
    if shape is None or shape.body is None:
        raise _cannot_convert(request, source, target)
    try:
        return orjson.dumps(_convert(shape, shape.body, orjson.loads(body), source, target))
    except (orjson.JSONDecodeError, ValueError, TypeError) as error:
        what = shape.body[source].__name__
        raise InvalidParameters(f"cannot convert this {what} from {source} to {target}: {error}") from None


def _convert_answer(request: Relayed, content: bytes, source: str, target: str) -> bytes:
    try:
        envelope = orjson.loads(content)
    except orjson.JSONDecodeError:
        return content  # not an envelope: the requester sees the receiver's answer as it was
    if not isinstance(envelope, dict) or envelope.get("data") is None:
        return content
    shape = _shape(request)
    if shape is None or shape.answer is None:
        raise _cannot_convert(request, source, target)
    envelope["data"] = _convert_data(shape, shape.answer, envelope["data"], source, target)
    return orjson.dumps(envelope)


def _convert_data(shape: Shape, models: Mapping[str, type[BaseModel]], data: Any, source: str, target: str) -> Any:
    try:
        if shape.listed:
            return [_convert(shape, models, item, source, target) for item in data]
        return _convert(shape, models, data, source, target)
    except (ValueError, TypeError) as error:
        raise HubError(f"cannot convert the answer from {source} to {target}: {error}", status_code=4000) from None


# --- asynchronous results: the receiver posts to the hub, which forwards to the requester's response_url (D4) ----

RESULT_SEGMENTS = {
    ("commands", "POST"): "results",
    ("chargingprofiles", "GET"): "active",
    ("chargingprofiles", "PUT"): "set",
    ("chargingprofiles", "DELETE"): "clear",
}
"""The requests carrying a `response_url` the hub puts itself in front of, with the result each is answered by
(the segment of the module's `CallbackReceiver`). Bookings (2.3.0) have no asynchronous result."""
CALLBACK_SEGMENT = "callbacks"
PENDING_RESULTS_PER_REQUESTER = 1_000
"""Results one requester may await through the hub at once: results that never come (a receiver that does not
answer, a requester sending command after command) would otherwise grow the hub's database without end."""


def _callback_url(request: Relayed, reference: str) -> str:
    """`{hub}/ocpi/hub/{version}/callbacks/{reference}`, next to the endpoint the request came to."""
    root = request.hub_url.rstrip("/").removesuffix(f"/{request.module}").rsplit("/", 1)[0]
    return f"{root}/{CALLBACK_SEGMENT}/{reference}"


async def _expect_result(
    hub: Hub, request: Relayed, callback: Callback, body: bytes | None, query: str
) -> tuple[bytes | None, str]:
    """The request's body and query with its `response_url` (in the body, or for a GET or DELETE of a charging
    profile in the query) replaced by one of the hub's, remembered to forward the result on."""
    reference = uuid.uuid4().hex
    if body is not None:
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError:
            return body, query
        url = document.get("response_url") if isinstance(document, dict) else None
        if not isinstance(url, str) or not url:
            return body, query
        body = orjson.dumps({**document, "response_url": _callback_url(request, reference)})
    else:
        parameters = parse_qsl(query)
        url = dict(parameters).get("response_url")
        if not url:
            return body, query
        swapped = [(k, _callback_url(request, reference) if k == "response_url" else v) for k, v in parameters]
        query = urlencode(swapped)
    await hub.remember(reference, replace(callback, url=url))
    return body, query


def _convert_result(callback: Callback, body: bytes) -> bytes:
    """A result from the receiver's version to the requester's (the models of the module's CallbackReceiver)."""
    requester_version, receiver_version = callback.versions
    sender_side = module_interfaces(callback.module).sender
    assert sender_side is not None
    pattern = next(p for p in sender_side.patterns if isinstance(p, CallbackReceiver) and p.segment == callback.segment)
    shape = Shape(converter(callback.module), context=pattern.context)
    try:
        converted = _convert(shape, pattern.models, orjson.loads(body), receiver_version, requester_version)
    except (orjson.JSONDecodeError, ValueError, TypeError) as error:
        raise InvalidParameters(
            f"cannot convert this result from {receiver_version} to {requester_version}: {error}"
        ) from None
    return orjson.dumps(converted)


async def relay_result(hub: Hub, caller: Party, reference: str, body: bytes | None) -> RelayAnswer:
    """A receiver posts the result of a request forwarded through the hub: on to the requester's own
    `response_url`, FROM the receiver TO the requester, in the requester's version; the requester's answer comes
    back."""
    callback = await hub.callback(reference)
    if callback is None or callback.receiver != caller.pk:
        raise NotFound(f"no result is expected from you under {reference}", status_code=2001)
    requester = await hub.node.store.get_party(callback.requester)
    if requester is None or requester.state != "registered":
        raise HubError("the party the result is for is no longer connected to this hub", status_code=4003)
    requester_version, receiver_version = callback.versions
    if body is not None and requester_version != receiver_version:
        body = _convert_result(callback, body)
    headers = from_to_headers(callback.target, callback.sender)
    try:
        async with hub.node.partner_client(requester) as client:
            answer = await client.request(
                "POST", callback.url, body=None if body is None else _RawBody(body), headers=headers
            )
    except PartnerTimeout as error:
        raise HubError(f"the result's receiver did not answer in time: {error.message}", status_code=4002) from None
    except OcpiError as error:
        raise HubError(f"cannot reach the result's receiver: {error.message}", status_code=4003) from None
    await hub.awaited.remove(reference)
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
    routing = from_to_headers((hub.party.country_code, hub.party.party_id), sender)
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
    if request.side is not InterfaceRole.RECEIVER or request.method not in ("PUT", "PATCH", "DELETE"):
        raise InvalidParameters(
            f"the hub broadcasts a PUT, PATCH or DELETE to the {module} Receivers, not a {request.method}"
        )
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
    receiver = module_interfaces(request.module).receiver
    assert receiver is not None
    pattern = next(p for p in receiver.patterns if isinstance(p, OwnerKeyedReceiver))
    object_type = pattern.object_type
    if request.method not in pattern.methods:
        raise InvalidParameters(f"the {request.module} Receiver takes no {request.method}")
    payload = orjson.loads(request.body) if request.body else None
    variant = dict(parse_qsl(request.query)).get("type", "")
    repository = hub.node.repository
    if request.method == "DELETE":
        if len(request.path) != 3 or not await hub.node.objects.delete(
            repository.key_of(object_type, owner, request.path[2], variant)
        ):
            raise NotFound(f"{object_type.name} {'/'.join(request.path[2:])} not found")
        hub.in_background(_delete_everywhere(hub, request, owner))
        return RelayAnswer(200, envelope(None, StatusCode.SUCCESS), routing)
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


async def _delete_everywhere(hub: Hub, request: Relayed, owner: tuple[str, str]) -> None:
    """A broadcast DELETE sent on to every other connected party whose role receives the module, side by side and
    once (D11: deletions are not in the push machinery's change log; a party not CONNECTED is skipped, R20)."""

    async def send(partner: Party, receiving: tuple[str, str], endpoint: str) -> None:
        headers = from_to_headers((hub.party.country_code, hub.party.party_id), receiving)
        url = join_url(endpoint, *request.path) + (f"?{request.query}" if request.query else "")
        try:
            async with hub.node.partner_client(partner) as client:
                await client.request("DELETE", url, headers=headers)
        except OcpiError as error:
            log.warning("hub: the broadcast DELETE %s to %s failed: %s", url, partner.name, error.message)

    sending = []
    for partner in await hub.partners():
        receiving = hub.receiving_party(partner, request.module)
        endpoint = _endpoint(partner, request.module, InterfaceRole.RECEIVER)
        if partner.owns(*owner) or receiving is None or endpoint is None:
            continue
        if await hub.status(*receiving) == CONNECTED:
            sending.append(send(partner, receiving, endpoint))
    await asyncio.gather(*sending)


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
