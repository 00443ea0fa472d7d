"""The running node: configuration, store, repository, hooks, and the few services every route needs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

import orjson
from pydantic import BaseModel

from ocpi.client import OcpiClient, UrlPolicy
from ocpi.client.client import Endpoint
from ocpi.core.enums import CANONICAL_VERSION
from ocpi.core.errors import OcpiError, UnableToUseClientApi
from ocpi.core.interfaces import ObjectType, SenderList, audience_name
from ocpi.core.utils import from_to_headers
from ocpi.core.validation import Judging, judge, parse
from ocpi.logs import NodeEvents
from ocpi.modules.registry import canonical_module, from_canonical
from ocpi.node.config import NodeConfig
from ocpi.node.hooks import Hooks
from ocpi.node.hub import Hub
from ocpi.node.pricing import PRICED_MODULES, with_total_cost
from ocpi.push.context import SyncContext
from ocpi.storage.base import (
    CredentialLookup,
    ListQuery,
    ObjectKey,
    Party,
    PartyRole,
    Store,
    StoredObject,
    read_every_item,
)
from ocpi.storage.hubs import HubReports
from ocpi.storage.push import LoggedChanges, PushLedger
from ocpi.storage.quirks import QuirkRecorder
from ocpi.storage.repository import Repository, WriteResult
from ocpi.storage.sources import SourcesGiven, SourceStore, by_module, writable
from ocpi.storage.sql import SqlStore

if TYPE_CHECKING:
    from ocpi.push import PushWorker

log = logging.getLogger("ocpi.server")
M = TypeVar("M", bound=BaseModel)


class Node:
    """A running OCPI node: its configuration, store, hooks and events, its own objects (`node.locations`, ...),
    clients for its partners, and what push and pull need of it (`node.sync`). `get_application` makes one
    (`app.node`)."""

    def __init__(
        self,
        config: NodeConfig,
        store: SqlStore | None,
        hooks: Hooks | None = None,
        authenticator: CredentialLookup | None = None,
        *,
        objects: Store | None = None,
        sources: SourcesGiven | None = None,
    ):
        """`store`: the node's SQL database (partners, tokens, the change log, cursors; and its objects unless told
        otherwise), None until `attach` gives it; `objects`: a `Store` of the application's for the objects;
        `sources`: the modules whose objects the application keeps itself and the node asks for
        (`ocpi.storage.sources`)."""
        self.config = config
        self._objects_given = objects
        self._sources = sources
        if sources is not None:
            _check_sources(config, sources)
        self.hooks = hooks or Hooks()
        self.authenticator = authenticator
        self.events = NodeEvents()
        """Where the node reports what it does (`ocpi.logs`); metrics extend it (`ocpi.server.metrics`)."""
        self.workers: dict[str, Callable[[], bool]] = {}
        """The node's background workers by name, each with whether it is still running (`ocpi.server.health`)."""
        self._push: PushWorker | None = None
        self.hub = Hub(self) if config.hub is not None else None
        """The directory of the parties connected to this node when it plays a Roaming Hub (`ocpi.node.hub`)."""
        self.starter: Callable[[], Awaitable[None]] | None = None
        """Starts what the node runs on (set by `get_application`: opens its store when given a URL)."""
        if store is not None:
            self.attach(store)

    def __getattr__(self, name: str) -> Any:
        if name in ("store", "objects", "ledger", "repository", "quirks"):
            raise AttributeError(
                f"the OCPI node has not started, so it has no {name} yet: it starts with its app, on the app's "
                "first request, or with `await node.ready()`"
            )
        raise AttributeError(name)

    async def ready(self) -> None:
        """Start the node if it has not started: open its store (when it was given a database URL) and its push
        and resync workers. Its app does this at startup or on its first request (an app mounted in another,
        whose lifespan Starlette does not run); writing the node's own objects does it too."""
        if self.starter is not None:
            await self.starter()

    @property
    def push(self) -> PushWorker:
        if self._push is None:
            from ocpi.push import PushWorker

            self._push = PushWorker(self.sync, interval=self.config.push_interval)
        return self._push

    @property
    def sync(self) -> SyncContext:
        """What push and pull need of this node (`ocpi.push`)."""
        return SyncContext(
            list_parties=self.partners,
            ledger=self.ledger,
            repository=self.repository,
            quirks=self.quirks,
            events=self.events,
            client_for=self.partner_client,
            may_receive=self.may_receive,
            is_own=self.config.is_own,
            pushes=self.pushes,
            routing=self.push_routing,
        )

    def watch(self, tasks: Mapping[str, asyncio.Task[Any]]) -> None:
        """Count these background tasks among the node's workers (alive while not done)."""
        for name, task in tasks.items():
            self.workers[name] = _running(task)

    def nudge_push(self) -> None:
        if self._push is not None:
            self._push.nudge()

    def own(self, module: str) -> OwnObjects:
        return OwnObjects(self, module)

    @property
    def locations(self) -> OwnObjects:
        return self.own("locations")

    @property
    def sessions(self) -> OwnObjects:
        return self.own("sessions")

    @property
    def cdrs(self) -> OwnObjects:
        return self.own("cdrs")

    @property
    def tariffs(self) -> OwnObjects:
        return self.own("tariffs")

    @property
    def tokens(self) -> OwnObjects:
        return self.own("tokens")

    def attach(self, store: SqlStore) -> None:
        """Use `store` (opened at startup when the app was given a database URL): the node's state there, and its
        objects there too unless the application keeps them (`objects`, `sources`), each change of those appended
        to the change log in `store`."""
        self.store = store
        self.ledger = PushLedger(store)
        objects: Store = store
        if self._objects_given is not None:
            objects = LoggedChanges(self._objects_given, self.ledger)
        if self._sources is not None:
            objects = SourceStore(self._sources, objects, self.ledger.changed)
        self.ledger.objects_store = self.objects = objects
        self.repository = Repository(objects, pushed=lambda key: self.config.is_own(key.country_code, key.party_id))
        self.quirks = QuirkRecorder(store)

    @property
    def judging(self) -> Judging:
        """What the node does with what partners send out of spec: note it as their quirks, or (`strict`)
        refuse it."""
        return Judging.REFUSE if self.config.strict else Judging.NOTE

    def read(self, partner: Party, model: type[M], payload: Any, *, version: str, where: str, what: str = "") -> M:
        """A partner's payload as `model` (2001 when it cannot be read), what it gets wrong noted as the
        partner's quirks (or refused, by a strict node)."""
        parsed = parse(model, payload, what=what)
        self.quirks.note(partner.pk, judge(model, payload, self.judging, version=version, what=what), where)
        return parsed

    @property
    def credentials(self) -> CredentialLookup:
        """Who a token belongs to: the application's authenticator, else the store."""
        return self.authenticator or self.store

    def client(self, *, token: str, version: str, party: Party | None = None) -> OcpiClient:
        """A client for a partner (or, before registration, for its versions URL), under our URL policy and
        the partner's interop settings."""
        settings = self.config.outbound if party is None else replace(self.config.outbound, **party.settings)
        client = OcpiClient(
            token=token, version=version, settings=settings, policy=UrlPolicy(self.config.allow_private_urls)
        )
        if party is not None:
            client.endpoints = [Endpoint(e["identifier"], e["url"], e.get("role")) for e in party.endpoints]
            client.on_deviation = lambda where, deviations: self.quirks.note(party.pk, deviations, where)
        return client

    def audiences(
        self, partner: Party, object_type: ObjectType, requester: tuple[str, str] | None = None
    ) -> list[str] | None:
        """The audiences (`StoredObject.audience`) of the objects of `object_type` that `partner` may see or be
        sent: its own parties, for objects with an audience (Sessions, CDRs) unless the node broadcasts them
        (`broadcast_sessions_and_cdrs`); None: every object. A hub partner sees those of the party it asks for
        (`requester`, its OCPI-from) alone: never those of the other parties behind it."""
        if object_type.audience_field is None or self.config.broadcast_sessions_and_cdrs:
            return None
        if partner.hub is not None:
            return [audience_name(*requester)] if requester is not None and partner.owns(*requester) else []
        return partner.audiences()

    def may_receive(self, partner: Party, obj: StoredObject) -> bool:
        """The rule of `audiences`, for one object; a hub's own rule for what it relays (`Hub.may_receive`)."""
        if self.hub is not None:
            return self.hub.may_receive(partner, obj)
        return obj.audience is None or self.config.broadcast_sessions_and_cdrs or obj.audience in partner.audiences()

    def pushes(self, obj: StoredObject) -> bool:
        """Whether the node pushes this object to its partners: its own parties' objects; a hub, everything it
        holds (the ClientInfo objects it owns, the objects broadcast to it)."""
        return self.hub is not None or self.config.is_own(obj.key.country_code, obj.key.party_id)

    def push_routing(self, partner: Party, obj: StoredObject) -> dict[str, str]:
        """The routing headers of a push of `obj` to `partner`: from a hub, FROM the hub TO the receiving party
        (spec, Broadcast Push); to a hub, FROM the object's owner TO the hub for an object meant for everyone (a
        Broadcast Push) or TO the only party it is for (a Session or CDR: its token's owner). None between two
        platforms (the connection says who is who) nor on configuration modules."""
        if self.hub is not None:
            receiving = self.hub.receiving_party(partner, obj.key.module)
            if receiving is None or obj.key.module == "hubclientinfo":
                return {}
            return from_to_headers((self.hub.party.country_code, self.hub.party.party_id), receiving)
        hub = partner.hub
        if hub is None:
            return {}
        to = (hub.country_code, hub.party_id)
        if obj.audience is not None:
            audience_cc, _, audience_pid = obj.audience.partition("/")
            to = (audience_cc, audience_pid)
        return from_to_headers((obj.key.country_code, obj.key.party_id), to)

    async def partners(self) -> list[Party]:
        """Every party the node knows, a hub with the parties reachable through it (`through_hub`)."""
        return [await self.through_hub(p) if p.hub is not None else p for p in await self.store.list_parties()]

    async def through_hub(self, partner: Party) -> Party:
        """`partner`, when it is a hub, with the parties reachable through it among its roles: those its ClientInfo
        told of CONNECTED (spec, Hub Client Info), but this node's own, those a direct partner holds (a direct
        connection wins) and those another hub acts for (`HubReports.holders`: the first to report it CONNECTED).
        A request it forwards may come from them and name them as owners in its URL; what the push worker has for
        a party not CONNECTED is dropped, not queued (mod_hub_client_info: "Do not queue Push messages")."""
        if partner.hub is None:
            return partner
        infos = await read_every_item(
            self.objects, ListQuery("hubclientinfo", "2.3.0", limit=self.config.max_page_size)
        )
        if not infos:
            return partner
        direct = [p for p in await self.store.list_parties() if p.state == "registered" and p.pk != partner.pk]
        holders = await HubReports(self.store).holders()
        roles = list(partner.roles)
        for item in infos:
            info = orjson.loads(item)
            cc, pid = str(info["country_code"]).upper(), str(info["party_id"]).upper()
            if self.config.is_own(cc, pid) or partner.owns(cc, pid) or any(p.owns(cc, pid) for p in direct):
                continue
            holder, status = holders.get((cc, pid), (partner.pk, info.get("status")))
            if holder != partner.pk or status != "CONNECTED":
                continue
            roles.append(PartyRole(str(info["role"]), cc, pid))
        return replace(partner, roles=roles)

    async def heard_of(self, hub: Party, country_code: str, party_id: str, before: str | None) -> None:
        """`hub` told of a party, which was unknown here (`before`: None) and is now CONNECTED: what this node
        holds for that party alone (its Sessions and CDRs, by their audience), left unsent while the party was
        unknown, is owed to the hub, to be pushed TO the party through it. Not when the party is this node's own or
        a direct partner's (a direct connection wins)."""
        if before is not None or await self.reported_status(country_code, party_id) != "CONNECTED":
            return
        direct = [p for p in await self.store.list_parties() if p.state == "registered" and p.pk != hub.pk]
        if self.config.is_own(country_code, party_id) or any(p.owns(country_code, party_id) for p in direct):
            return
        if await self.ledger.owe(hub.pk, audience=audience_name(country_code, party_id)):
            self.nudge_push()

    async def reported_status(self, country_code: str, party_id: str) -> str | None:
        """The status of a party as the ClientInfo this node holds reports it; None: it holds none."""
        stored = await self.objects.get(ObjectKey.of("hubclientinfo", country_code, party_id, ""))
        return None if stored is None else orjson.loads(stored.canonical).get("status")

    def partner_client(self, party: Party) -> OcpiClient:
        if not party.outbound_token or not party.version:
            raise UnableToUseClientApi(f"partner {party.name} is not registered")
        return self.client(token=party.outbound_token, version=party.version, party=party)

    async def close(self) -> None:
        """Nothing to release: clients are opened per call and the store is closed by whoever opened it."""

    async def post_result(self, url: str, result: BaseModel, partner: Party, version: str) -> None:
        """POST an asynchronous result (the canonical model: a `CommandResult`, a `ChargingProfileResult`, ...;
        or a model of `version` already) to a partner's `response_url`, in the partner's `version`, under our URL
        policy (the URL is the partner's to choose). Not retried: the spec says such messages are not queued (the
        partner asks again)."""
        module = canonical_module(result)
        if module is not None and version != CANONICAL_VERSION:
            result = from_canonical(module, result, version)
        async with self.client(token=partner.outbound_token or "", version=version, party=partner) as client:
            try:
                await client.post(url, result)
            except OcpiError as error:
                log.warning("result POST to %s failed: %s", url, error.message)


def _check_sources(config: NodeConfig, sources: SourcesGiven) -> None:
    """Refuse, before the node starts, a source of no module's objects, and a read-only source of a module whose
    objects partners send to this node."""
    from ocpi.core.enums import InterfaceRole
    from ocpi.modules.registry import FUNCTIONAL_MODULES, module_interfaces, object_type

    for module, source in by_module(sources).items():
        try:
            if module not in FUNCTIONAL_MODULES:
                raise LookupError(module)
            object_type(module)
        except LookupError:
            raise ValueError(f"a source is given for '{module}', which is no module with a list of objects") from None
        sides = module_interfaces(module).sides
        receiving = [p for p in config.parties if sides.get(p.role) is InterfaceRole.RECEIVER]
        if receiving and not writable(source):
            raise ValueError(
                f"the {module} source must take writes (put and delete, `WritableSource`): this node receives "
                f"{module} from partners as {receiving[0].role}"
            )


def _running(task: asyncio.Task[Any]) -> Callable[[], bool]:
    return lambda: not task.done()


class OwnObjects:
    """The application's own objects of one module (a CPO's locations, an eMSP's tokens): written through
    the library so that every partner is brought up to date (`node.locations.put(...)`)."""

    def __init__(self, node: Node, module: str):
        from ocpi.core.enums import InterfaceRole
        from ocpi.modules.registry import module_interfaces

        interfaces = module_interfaces(module)
        if interfaces.sender is None:
            raise LookupError(f"{module} has no sender side")
        self.object_type = next(p.object_type for p in interfaces.sender.patterns if isinstance(p, SenderList))
        roles = [r for r, side in interfaces.sides.items() if side is InterfaceRole.SENDER]
        self.owners = [p for p in node.config.parties if p.role in roles]
        if not self.owners:
            raise LookupError(f"this node plays no role that owns {module}")
        self.node = node

    def _owner(self, owner: tuple[str, str] | None) -> tuple[str, str]:
        if owner is not None:
            return owner[0].upper(), owner[1].upper()
        return self.owners[0].country_code.upper(), self.owners[0].party_id.upper()

    async def put(self, payload: Any, *, version: str = "2.3.0", owner: tuple[str, str] | None = None) -> WriteResult:
        """Create or replace an object, given in any version (a dict or a model). With the node's
        `fill_total_cost`, a Session or CDR is priced against its tariff first."""
        await self.node.ready()
        owner = self._owner(owner)
        if self.node.config.fill_total_cost and self.object_type.module in PRICED_MODULES:
            payload = await with_total_cost(self.node, self.object_type, payload, version, owner)
            if isinstance(payload, BaseModel):
                version = "2.3.0"
        result = await self.node.repository.put(self.object_type, version, payload, owner=owner)
        self.node.nudge_push()
        return result

    async def put_child(
        self,
        object_id: str,
        path: Sequence[str],
        payload: Any,
        *,
        version: str = "2.3.0",
        owner: tuple[str, str] | None = None,
    ) -> WriteResult:
        await self.node.ready()
        result = await self.node.repository.put(
            self.object_type, version, payload, owner=self._owner(owner), object_id=object_id, path=path
        )
        self.node.nudge_push()
        return result

    async def patch(
        self,
        object_id: str,
        payload: Any,
        *,
        version: str = "2.3.0",
        path: Sequence[str] = (),
        owner: tuple[str, str] | None = None,
        variant: str = "",
    ) -> WriteResult:
        await self.node.ready()
        result = await self.node.repository.patch(
            self.object_type,
            version,
            payload,
            owner=self._owner(owner),
            object_id=object_id,
            path=path,
            variant=variant,
        )
        self.node.nudge_push()
        return result

    async def changed(
        self, changed: BaseModel | str, *, owner: tuple[str, str] | None = None, variant: str = ""
    ) -> None:
        """Tell the node that one of these objects changed where the application keeps it (its source, or a store
        of its own written without the node): push sends every partner the object as it is now, a PUT of the whole
        object. `changed`: the object (its canonical model), or its id (of `owner`, by default the node's party;
        `variant`: a Token's type)."""
        await self.node.ready()
        object_type = self.object_type
        if isinstance(changed, BaseModel):
            object_id = str(getattr(changed, object_type.id_field))
            owner = (str(getattr(changed, "country_code", "")), str(getattr(changed, "party_id", "")))
            if object_type.variant_field:
                variant = str(getattr(changed, object_type.variant_field, "") or "")
        else:
            object_id = changed
        key = self.node.repository.key_of(object_type, self._owner(owner), object_id, variant)
        await self.node.ledger.changed(key)
        self.node.nudge_push()

    async def get(
        self, object_id: str, *, version: str = "2.3.0", owner: tuple[str, str] | None = None, variant: str = ""
    ) -> Any:
        await self.node.ready()
        key = self.node.repository.key_of(self.object_type, self._owner(owner), object_id, variant)
        found = await self.node.repository.get(self.object_type, version, key)
        return None if found is None else orjson.loads(found)
