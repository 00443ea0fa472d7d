"""How a pattern becomes routes: a binding (module x version x role on a node) and endpoints whose
signatures are built from data, so one implementation serves every module and version."""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import orjson
from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from ocpi.core.convert import ConversionContext
from ocpi.core.enums import RoleEnum
from ocpi.core.errors import InvalidParameters, NotFound
from ocpi.core.rules import Deviation
from ocpi.core.validation import describe
from ocpi.modules.registry import to_canonical
from ocpi.node.config import OwnParty
from ocpi.node.hooks import Requester
from ocpi.node.node import Node
from ocpi.server.auth import Caller, caller_of, partner_of
from ocpi.server.lane import LaneRoutes
from ocpi.storage.base import ObjectKey, Party, StoredObject


@dataclass(frozen=True)
class Binding:
    node: Node
    role: RoleEnum
    version: str
    module: str
    path: str
    """The module endpoint's URL path, e.g. `/ocpi/cpo/2.2.1/locations`."""

    @property
    def owners(self) -> list[tuple[str, str]]:
        return self.node.config.owners(self.role)

    @property
    def listed_owners(self) -> list[tuple[str, str]] | None:
        """Whose objects this binding's sender lists: its role's parties; a hub's ClientInfo objects are its own
        whichever party each describes (None: every owner)."""
        return None if self.role is RoleEnum.HUB and self.module == "hubclientinfo" else self.owners

    @property
    def own_party(self) -> OwnParty:
        return self.node.config.party_for(self.role)

    @property
    def partner(self) -> Callable[[Request], Awaitable[Party]]:
        """The dependency of a functional module's routes: a registered partner's token."""
        return partner_of(self.node)

    @property
    def caller(self) -> Callable[[Request], Awaitable[Caller]]:
        """The dependency of versions and credentials: any valid token, token A included."""
        return caller_of(self.node)

    @property
    def functional(self) -> bool:
        return self.module not in ("credentials", "versions", "hubclientinfo")

    def requester(self, partner: Party, request: Request, response_url: str | None = None) -> Requester:
        """Who asks a hook, through this binding's version: `partner`; through a hub, the party behind it that
        OCPI-from names (its one role, over the hub's connection: `Requester.via`). `response_url`: where the
        request's asynchronous result goes."""
        if partner.hub is not None and self.version != "2.1.1":
            routing = routing_headers(request)
            sender = (routing.get("ocpi-from-country-code", "").upper(), routing.get("ocpi-from-party-id", "").upper())
            hub = (partner.hub.country_code.upper(), partner.hub.party_id.upper())
            behind = [r for r in partner.roles if (r.country_code.upper(), r.party_id.upper()) == sender]
            if behind and sender != hub:
                return Requester(
                    replace(partner, name="/".join(sender), roles=behind[:1]),
                    self.version,
                    via=partner,
                    response_url=response_url,
                )
        return Requester(partner, self.version, response_url=response_url)

    def canonical(self, obj: BaseModel, partner: Party, context: ConversionContext | None = None) -> BaseModel:
        """A partner's object, read at this binding's endpoint (`read`), as the canonical model hooks receive. A
        2.1.1 object carries no owner: what it embeds that needs one (a command's Token) is the partner's."""
        if self.version == "2.1.1" and partner.roles:
            owner = partner.roles[0]
            context = replace(context or ConversionContext(), country_code=owner.country_code, party_id=owner.party_id)
        try:
            return to_canonical(self.module, obj, self.version, context)
        except ValidationError as error:
            detail = describe(error)
        except ValueError as error:
            detail = str(error)
        # 2.1.1 allows what the canonical (2.2+) form does not (an id of 39 characters, or non-ASCII).
        raise InvalidParameters(f"this {type(obj).__name__} cannot be read in OCPI 2.2+ terms: {detail}")

    async def own_stored(self, module: str, object_id: str) -> StoredObject | None:
        """One of this role's own objects of `module` (under any of its parties), as stored."""
        for owner in self.owners:
            stored = await self.node.objects.get(ObjectKey.of(module, owner[0], owner[1], object_id))
            if stored is not None:
                return stored
        return None

    async def own_object(self, module: str, object_id: str) -> dict[str, Any] | None:
        """The same, as its canonical JSON document."""
        stored = await self.own_stored(module, object_id)
        if stored is None:
            return None
        document = orjson.loads(stored.canonical)
        assert isinstance(document, dict)
        return document

    def url(self, request: Request, suffix: str = "") -> str:
        from ocpi.server.http import absolute_url

        return absolute_url(request, self.node.config.base_url, self.path + suffix)

    def response_headers(self, request: Request) -> dict[str, str]:
        """Routing headers of a functional module's answer (2.2.1+): from us, to whoever asked."""
        if self.version == "2.1.1" or not self.functional:
            return {}
        party = self.own_party
        headers = {"OCPI-from-country-code": party.country_code, "OCPI-from-party-id": party.party_id}
        routing = routing_headers(request)
        to_cc = routing.get("ocpi-from-country-code")
        to_pid = routing.get("ocpi-from-party-id")
        if to_cc and to_pid:
            headers["OCPI-to-country-code"] = to_cc
            headers["OCPI-to-party-id"] = to_pid
        return headers

    def from_party(self, request: Request) -> tuple[str, str] | None:
        """The party the request is from, as its OCPI-from headers name it (None: not named)."""
        routing = routing_headers(request)
        country_code, party_id = routing.get("ocpi-from-country-code"), routing.get("ocpi-from-party-id")
        return (country_code.upper(), party_id.upper()) if country_code and party_id else None

    def check_owner(self, partner: Party, country_code: str, party_id: str) -> tuple[str, str]:
        """`check_owner`, and never under one of this node's own parties, whatever the partner's registration
        says (a partner registered as one before claims were checked, or a store edited by hand)."""
        if self.node.config.is_own(country_code, party_id):
            raise NotFound(f"{country_code}/{party_id} is a party of this node, not one of yours", status_code=2001)
        if self.module == "hubclientinfo" and partner.hub is not None:
            return country_code.upper(), party_id.upper()  # a hub reports on every party connected to it
        return check_owner(partner, country_code, party_id)

    def read(self, request: Request, partner: Party, model: type[BaseModel], payload: Any, what: str = "") -> Any:
        """A partner's payload to this binding's endpoint, as `model` of its version (2001 when it cannot be
        read); what it gets wrong is noted as the partner's quirk, or refused by a strict node."""
        return self.node.read(partner, model, payload, version=self.version, where=_request_line(request), what=what)

    def note(self, request: Request, partner: Party, deviations: Sequence[Deviation]) -> None:
        """What a partner's payload to this endpoint got wrong (`WriteResult.deviations`), as its quirks."""
        self.node.quirks.note(partner.pk, deviations, _request_line(request))

    def check_routing(self, request: Request, partner: Party, owner: tuple[str, str] | None = None) -> None:
        """The routing headers, when present, must name the caller as sender and us as receiver; for a write,
        the sender must also be the owner named in the URL."""
        if self.version == "2.1.1" or not self.functional:
            return
        routing = routing_headers(request)
        from_cc = routing.get("ocpi-from-country-code")
        from_pid = routing.get("ocpi-from-party-id")
        if from_cc and from_pid:
            if not partner.owns(from_cc, from_pid):
                raise InvalidParameters(f"OCPI-from {from_cc}/{from_pid} is not one of your parties")
            sender = (from_cc.upper(), from_pid.upper())
            hub = partner.hub
            broadcast = hub is not None and sender == (hub.country_code.upper(), hub.party_id.upper())
            # A hub's Broadcast Push comes FROM the hub under the original owner's URL (spec, Broadcast Push NOTE).
            if owner is not None and not broadcast and sender != (owner[0].upper(), owner[1].upper()):
                raise InvalidParameters(
                    f"OCPI-from {from_cc}/{from_pid} differs from the owner {owner[0]}/{owner[1]} in the URL"
                )
        to_cc = routing.get("ocpi-to-country-code")
        to_pid = routing.get("ocpi-to-party-id")
        if to_cc and to_pid and (to_cc.upper(), to_pid.upper()) not in self.owners:
            raise InvalidParameters(f"OCPI-to {to_cc}/{to_pid} is not a party of this node")


def _request_line(request: Request) -> str:
    """How a quirk names the request that showed it: `PUT /ocpi/emsp/2.2.1/locations/BE/BEC/LOC1`."""
    return f"{request.method} {request.scope['path']}"


def routing_headers(request: Request) -> dict[str, str]:
    """The request's `OCPI-*` headers by lower-case name, read once per request (most requests have none, and
    the lookups of each by name cost more than this one pass)."""
    found: dict[str, str] | None = request.scope.get("ocpi.routing_headers")
    if found is None:
        found = {}
        for name, value in request.scope["headers"]:
            if name[:5].lower() == b"ocpi-":
                found.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))  # the first, as Headers
        request.scope["ocpi.routing_headers"] = found
    return found


def check_owner(partner: Party, country_code: str, party_id: str) -> tuple[str, str]:
    """A partner writes only under its own country_code/party_id (spec: 404 for someone else's URL)."""
    if not partner.owns(country_code, party_id):
        raise NotFound(f"{country_code}/{party_id} is not one of your parties", status_code=2001)
    return country_code.upper(), party_id.upper()


Handler = Callable[..., Awaitable[Response]]

_WORDS = {"evse": "EVSE", "cdr": "CDR", "cdrs": "CDRs", "hubclientinfo": "client info"}
_OWNER_PARAMETERS = ("country_code", "party_id")
_SINGULAR = {"CDRs": "CDR", "chargingprofiles": "charging profile", "credentials": "credentials"}


def _words(name: str) -> str:
    return " ".join(_WORDS.get(word, word) for word in re.split(r"[_-]", name))


def _singular(words: str) -> str:
    return _SINGULAR.get(words, words.removesuffix("s"))


def _a(noun: str) -> str:
    return f"{'an' if noun[0].lower() in 'aeiou' else 'a'} {noun}"


def describe_route(method: str, path: str, listed: bool = False) -> str:
    """What a route does, read from its method and path: `List locations`, `Get a location`, `Get an EVSE`,
    `Post a CDR`, `Post START_SESSION`, `Get client info`."""
    parts = path.strip("/").split("/")
    statics = [i for i, part in enumerate(parts) if not part.startswith("{")]
    last_static = statics[-1]
    subject = parts[last_static]
    parameters = [part.strip("{}") for part in parts[last_static + 1 :] if part.strip("{}") not in _OWNER_PARAMETERS]
    verb = method.capitalize()
    if not parameters:
        if subject.isupper():  # a command
            return f"{verb} {subject}"
        what = _words(subject)
        if listed:
            return f"List {what}"
        singular = _singular(what)
        return f"{verb} {_a(singular)}" if method == "POST" and singular != what else f"{verb} {what}"
    if len(parameters) == 1 and parameters[0] not in ("evse_uid", "connector_id"):
        return f"{verb} {_a(_singular(_words(subject)))}"  # the module's object, by its id
    return f"{verb} {_a(_words(re.sub(r'_(id|uid)$', '', parameters[-1])))}"


@dataclass
class RouteTable:
    """Routes added to the app, with the model of each one's request body and of the data it answers (and whether
    a list of them), for the OpenAPI document."""

    app: FastAPI
    bodies: dict[tuple[str, str], type[BaseModel]] = field(default_factory=dict)
    answers: dict[tuple[str, str], tuple[type[BaseModel], bool]] = field(default_factory=dict)
    lane: LaneRoutes = field(default_factory=LaneRoutes)

    def add(
        self,
        path: str,
        method: str,
        handler: Handler,
        *,
        path_params: Sequence[str] = (),
        query: Mapping[str, tuple[Any, Any]] | None = None,
        dependency: Callable[..., Awaitable[Any]] | None = None,
        body: type[BaseModel] | None = None,
        answer: tuple[type[BaseModel], bool] | None = None,
        summary: str = "",
        tags: Sequence[str] = (),
        read_lane: bool = False,
    ) -> None:
        """`handler(request=..., partner=..., <path params>=..., <query params>=...)`; its signature for
        FastAPI is built here, so path and query parameters show in the OpenAPI document. A route with
        `read_lane` (a GET, or a receiver's PUT, PATCH or DELETE) is also answered by the lane
        (ocpi/server/lane.py) when it succeeds."""
        parameters = [inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request)]
        if dependency is not None:
            parameters.append(inspect.Parameter("partner", inspect.Parameter.KEYWORD_ONLY, default=Depends(dependency)))
        parameters += [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, annotation=str) for n in path_params]
        for name, (annotation, default) in (query or {}).items():
            parameters.append(
                inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)
            )

        async def endpoint(**kwargs: Any) -> Response:
            return await handler(**kwargs)

        endpoint.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        endpoint.__name__ = f"{method.lower()}_{path.strip('/').replace('/', '_').replace('{', '').replace('}', '')}"
        self.app.add_api_route(
            path,
            endpoint,
            methods=[method],
            response_class=Response,
            summary=summary or describe_route(method, path, listed=answer is not None and answer[1]),
            tags=list(tags),
            operation_id=endpoint.__name__,
        )
        if body is not None:
            self.bodies[(path, method.lower())] = body
        if answer is not None:
            self.answers[(path, method.lower())] = answer
        if read_lane:
            if dependency is None:
                raise ValueError("only a route that identifies its caller takes the lane")
            self.lane.add(path, handler, dependency, path_params, query or {}, method)
