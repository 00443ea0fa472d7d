"""The application as the source of truth: typed sources the node calls for the objects of a module, instead of
keeping those objects itself.

A source speaks the canonical (2.3.0) models only: the node renders each version from what the source returns,
on every read. It gives one object by key and pages of objects with keyset pagination (an opaque cursor); a
source of objects partners send (a receiver's Locations at an eMSP, Tokens at a CPO) also takes them (`put`)
and removes them (`delete`). When the application changes an object itself, it tells the node
(`node.locations.changed(location)`), and push sends the object as the source then gives it: a PUT of the whole
object (the node does not know what the application changed). The node's own state (partners, tokens, the
change log, cursors) stays in its SQL database.

`SourceStore` is the `Store` over the sources that the node runs on, so every interface, push and pull work
unchanged; the modules without a source keep their objects in its fallback store (the node's SQL store)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

from ocpi.core.convert import ConversionContext
from ocpi.core.errors import InvalidParameters, OcpiError, ServerError
from ocpi.core.interfaces import ALL_VERSIONS, ObjectType
from ocpi.storage.base import ListQuery, ObjectKey, Page, PutOutcome, Store, StoredObject

if TYPE_CHECKING:
    from ocpi.modules.cdrs.v_2_3_0.schemas import CDR
    from ocpi.modules.locations.v_2_3_0.schemas import Location
    from ocpi.modules.sessions.v_2_3_0.schemas import Session
    from ocpi.modules.tariffs.v_2_3_0.schemas import Tariff
    from ocpi.modules.tokens.v_2_3_0.schemas import Token

__all__ = ["Source", "SourcePage", "SourceQuery", "SourceStore", "Sources", "SourcesGiven", "WritableSource"]

log = logging.getLogger("ocpi.storage")
CANONICAL = "2.3.0"
M = TypeVar("M", bound=BaseModel)
M_co = TypeVar("M_co", bound=BaseModel, covariant=True)


@dataclass(frozen=True, slots=True)
class SourceQuery:
    """A page of a module's objects, as the node asks a source for it (a partner's GET of a list, a pull, the
    node's own reads). Every filter given must hold for every object returned: the node checks, and refuses a page
    that breaks one (an object of another owner, or another eMSP's Session, would reach the wrong partner)."""

    limit: int
    """At most this many objects."""
    after: str | None = None
    """Continue after this cursor (the `SourcePage.cursor` of the page before); None: from the start, past
    `offset` objects. A cursor the source cannot read: raise `ValueError` (the partner is told it is invalid)."""
    offset: int = 0
    """Objects to skip, when `after` is None (a partner that builds its own URLs pages by offset)."""
    owners: Sequence[tuple[str, str]] | None = None
    """Only objects of these owners, (country_code, party_id) in upper case; None: any owner."""
    date_from: datetime | None = None
    """Only objects with `last_updated` at or after this (aware, UTC); None: no lower bound."""
    date_to: datetime | None = None
    """Only objects with `last_updated` before this (aware, UTC); None: no upper bound."""
    token_owners: Sequence[tuple[str, str]] | None = None
    """Sessions and CDRs: only those whose `cdr_token` belongs to one of these (country_code, party_id) (a partner
    sees only its own customers' sessions); None: no such filter."""


@dataclass(frozen=True, slots=True)
class SourcePage(Generic[M_co]):
    """A page of objects in a stable order (the order of creation, ideally), with the total of the list."""

    items: Sequence[M_co]
    total: int
    """How many objects the whole list (every page of the query's filters) holds."""
    cursor: str | None = None
    """Where this page ended, the next page's `SourceQuery.after` (at most 200 characters); None: the next page is
    asked for by offset."""


class Source(Protocol[M_co]):
    """The objects of one module, kept by the application: the node reads them here. Ids are case-insensitive in
    OCPI: compare `key.lookup_id` with your ids case-folded."""

    async def get(self, key: ObjectKey) -> M_co | None:
        """The object under `key` (`key.country_code`/`key.party_id`: its owner; `key.object_id`; `key.variant`: a
        Token's type), or None."""
        ...

    async def page(self, query: SourceQuery) -> SourcePage[M_co]:
        """The page `query` asks for (see `SourceQuery`)."""
        ...


class WritableSource(Source[M], Protocol[M]):
    """A source that also takes the objects partners send (a receiver module) or the node writes
    (`node.locations.put`)."""

    async def put(self, obj: M) -> None:
        """Create or replace the object (its key is in it). The node has checked it, and that it is not older
        than the one `get` gave just before (a PATCH is applied to that one): the source and the node share no
        transaction, so a change of the object made elsewhere in between is replaced; give each object one writer."""
        ...

    async def delete(self, key: ObjectKey) -> bool:
        """Remove the object; True when there was one."""
        ...


@dataclass(frozen=True)
class Sources:
    """The application's sources, one per module it keeps itself (`get_application(sources=Sources(...))`);
    the modules without one are kept by the node."""

    locations: Source[Location] | None = None
    sessions: Source[Session] | None = None
    cdrs: Source[CDR] | None = None
    tariffs: Source[Tariff] | None = None
    tokens: Source[Token] | None = None

    def by_module(self) -> dict[str, Source[Any]]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


SourcesGiven = Sources | Mapping[str, Source[Any]]
"""The sources of a node: a `Sources`, or any module's source by its module id (`{"locations": ...}`, for a layer
that serves every module alike)."""


def by_module(sources: SourcesGiven) -> dict[str, Source[Any]]:
    return sources.by_module() if isinstance(sources, Sources) else dict(sources)


def writable(source: Source[Any]) -> bool:
    return callable(getattr(source, "put", None)) and callable(getattr(source, "delete", None))


Changed = Callable[[ObjectKey, bytes | None], Awaitable[None]]


class SourceStore:
    """A `Store` over the application's sources (`Sources`), one per module; the modules without a source are kept
    in `fallback`. Each object is rendered in the version asked for on every read. `changed` appends a change of a
    source's object to the node's change log (`PushLedger.changed`) when it is written through the node."""

    def __init__(self, sources: SourcesGiven, fallback: Store, changed: Changed):
        from ocpi.modules.registry import object_type

        given = by_module(sources)
        self.sources: dict[str, tuple[ObjectType, Source[Any]]] = {m: (object_type(m), s) for m, s in given.items()}
        self.fallback = fallback
        self.changed = changed

    @property
    def keeps_scopes(self) -> bool:
        return True

    # --- reading -------------------------------------------------------------------------------------

    async def get(self, key: ObjectKey) -> StoredObject | None:
        found = self.sources.get(key.module)
        if found is None:
            return await self.fallback.get(key)
        object_type, _ = found
        model = await self._get(key)
        if model is None:
            return None
        rendered = {version: await self._render(object_type, model, key, version) for version in ALL_VERSIONS}
        return StoredObject(
            key,
            model.last_updated,
            rendered[CANONICAL] or model.to_json(),
            rendered,
            audience=object_type.audience(model),
        )

    async def get_rendered(self, key: ObjectKey, version: str) -> bytes | None:
        found = self.sources.get(key.module)
        if found is None:
            return await self.fallback.get_rendered(key, version)
        model = await self._get(key)
        return None if model is None else await self._render(found[0], model, key, version)

    async def page(self, query: ListQuery) -> Page:
        found = self.sources.get(query.module)
        if found is None:
            return await self.fallback.page(query)
        object_type, source = found
        asked = SourceQuery(
            limit=query.limit,
            after=None if query.after is None else str(query.after),
            offset=query.offset,
            owners=None if query.owners is None else [(cc.upper(), pid.upper()) for cc, pid in query.owners],
            date_from=query.date_from,
            date_to=query.date_to,
            token_owners=None if query.audiences is None else [_party(a) for a in query.audiences],
        )
        try:
            page = await source.page(asked)
        except ValueError as error:
            if asked.after is None:
                raise self._failed(object_type, "page", error) from error
            raise InvalidParameters(f"after: the list cannot continue after '{asked.after[:40]}': {error}") from error
        except OcpiError:
            raise
        except Exception as error:
            raise self._failed(object_type, "page", error) from error
        items: list[bytes] = []
        for model in page.items:
            key = self._key_of(object_type, model)
            self._check_listed(object_type, model, key, query)
            rendered = await self._render(object_type, model, key, query.version)
            if rendered is not None:
                items.append(rendered)
        if page.cursor is not None and len(page.cursor) > 200:
            raise ServerError(f"the application's {object_type.module} source gave a cursor over 200 characters")
        return Page(items=items, total=page.total, last_position=page.cursor)

    # --- writing -------------------------------------------------------------------------------------

    async def put(
        self,
        key: ObjectKey,
        last_updated: datetime,
        canonical: bytes,
        rendered: Mapping[str, bytes | None],
        *,
        expected: bytes | None = None,
        audience: str | None = None,
        scope: bytes | None = None,
    ) -> PutOutcome:
        found = self.sources.get(key.module)
        if found is None:
            options: dict[str, Any] = {"expected": expected, "audience": audience}
            if getattr(self.fallback, "keeps_scopes", False):
                options["scope"] = scope
            return await self.fallback.put(key, last_updated, canonical, rendered, **options)
        object_type, source = found
        current = await self._get(key)
        if current is not None and current.last_updated > last_updated:
            return PutOutcome.STALE
        if expected is not None and (current is None or current.to_json() != expected):
            return PutOutcome.CONFLICT
        model = object_type.models[CANONICAL].model_validate_json(canonical)
        await self._call(object_type, "put", self._writable(object_type, source).put(model))
        await self.changed(key, None if current is None else scope)
        return PutOutcome.CREATED if current is None else PutOutcome.UPDATED

    async def delete(self, key: ObjectKey) -> bool:
        found = self.sources.get(key.module)
        if found is None:
            return await self.fallback.delete(key)
        object_type, source = found
        deleted = await self._call(object_type, "delete", self._writable(object_type, source).delete(key))
        return bool(deleted)

    async def close(self) -> None:
        """Nothing to release: the sources are the application's, the fallback store is closed by its owner."""

    # --- the source's answers, checked ----------------------------------------------------------------

    async def _get(self, key: ObjectKey) -> Any:
        object_type, source = self.sources[key.module]
        model = await self._call(object_type, "get", source.get(key))
        if model is None:
            return None
        got = self._key_of(object_type, model)
        if (got.country_code, got.party_id, got.lookup_id, got.variant) != (
            key.country_code,
            key.party_id,
            key.lookup_id,
            key.variant,
        ):
            raise ServerError(
                f"the application's {object_type.module} source returned {_named(got)} when asked for {_named(key)}"
            )
        return model

    def _key_of(self, object_type: ObjectType, model: Any) -> ObjectKey:
        expected = object_type.models[CANONICAL]
        if not isinstance(model, expected):
            raise ServerError(
                f"the application's {object_type.module} source returned a {type(model).__name__}, not a "
                f"{expected.__name__} (OCPI {CANONICAL})"
            )
        variant = getattr(model, object_type.variant_field, "") if object_type.variant_field else ""
        return ObjectKey.of(
            object_type.module,
            str(getattr(model, "country_code", "")),
            str(getattr(model, "party_id", "")),
            str(getattr(model, object_type.id_field)),
            str(variant or object_type.variant_default),
        )

    @staticmethod
    def _check_listed(object_type: ObjectType, model: Any, key: ObjectKey, query: ListQuery) -> None:
        """Refuse a page with an object the query's filters exclude: it would reach a partner it is not for."""
        broken = None
        owners = None if query.owners is None else {(cc.upper(), pid.upper()) for cc, pid in query.owners}
        stamp: datetime = model.last_updated
        if owners is not None and (key.country_code, key.party_id) not in owners:
            broken = "is of an owner not asked for"
        elif query.audiences is not None and object_type.audience(model) not in query.audiences:
            broken = "belongs to another party's token (cdr_token)"
        elif query.date_from is not None and stamp < query.date_from:
            broken = "has last_updated before date_from"
        elif query.date_to is not None and stamp >= query.date_to:
            broken = "has last_updated at or after date_to"
        if broken is not None:
            raise ServerError(f"the application's {object_type.module} source listed {_named(key)}, which {broken}")

    def _writable(self, object_type: ObjectType, source: Source[Any]) -> WritableSource[Any]:
        if not writable(source):
            raise ServerError(
                f"this node's {object_type.module} come from the application's source, which takes no writes: "
                f"change them there, then tell the node (`node.{object_type.module}.changed(...)`)"
            )
        return source  # type: ignore[return-value]  # checked just above

    @staticmethod
    async def _call(object_type: ObjectType, what: str, call: Awaitable[Any]) -> Any:
        try:
            return await call
        except OcpiError:
            raise
        except Exception as error:
            raise SourceStore._failed(object_type, what, error) from error

    @staticmethod
    def _failed(object_type: ObjectType, what: str, error: Exception) -> ServerError:
        log.error("the application's %s source failed (%s)", object_type.module, what, exc_info=error)
        return ServerError(
            f"the application's {object_type.module} source failed ({what}: {type(error).__name__}); "
            "the node's log tells more"
        )

    # --- rendering -----------------------------------------------------------------------------------

    async def _render(self, object_type: ObjectType, model: Any, key: ObjectKey, version: str) -> bytes | None:
        if version not in object_type.models:
            return None
        if version == CANONICAL:
            return model.to_json()
        location = None
        location_id = getattr(model, "location_id", None)
        if isinstance(location_id, str):  # a 2.1.1 Session or CDR embeds its Location
            stored = await self.get(ObjectKey.of("locations", key.country_code, key.party_id, location_id))
            if stored is not None:
                from ocpi.modules.locations.v_2_3_0.schemas import Location

                location = Location.model_validate_json(stored.canonical)
        context = ConversionContext(country_code=key.country_code, party_id=key.party_id, location=location)
        try:
            converted = object_type.converter.from_canonical(model, version, context)
        except (ValueError, TypeError):
            return None
        document: Any = converted.value
        return document.to_json()


def _party(audience: str) -> tuple[str, str]:
    country_code, _, party_id = audience.partition("/")
    return country_code, party_id


def _named(key: ObjectKey) -> str:
    return f"{key.object_id!r} of {key.country_code}/{key.party_id}" + (f" ({key.variant})" if key.variant else "")
