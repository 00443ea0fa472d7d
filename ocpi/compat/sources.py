"""A seed-system `Crud` as the node's sources (`ocpi.storage.sources`): one typed source per module, each call
turned into the `Crud` call the seed system made for it, each dict read from (or written in) the application's
OCPI version and converted to and from the canonical model."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError

from ocpi.compat.base import Crud
from ocpi.compat.enums import ModuleID, RoleEnum, VersionNumber
from ocpi.core.convert import ConversionContext
from ocpi.core.errors import ServerError
from ocpi.core.interfaces import audience_name
from ocpi.modules.registry import object_type
from ocpi.storage.base import ObjectKey
from ocpi.storage.sources import SourcePage, SourceQuery

log = logging.getLogger("ocpi.compat")
CANONICAL = "2.3.0"

OBJECT_MODULES = (ModuleID.locations, ModuleID.sessions, ModuleID.cdrs, ModuleID.tariffs, ModuleID.tokens)
"""The modules whose objects the application keeps through its `Crud`."""
SENDER = {module: RoleEnum.emsp if module is ModuleID.tokens else RoleEnum.cpo for module in OBJECT_MODULES}
"""The role that owns a module's objects (the seed system's `role` for our own objects)."""
RECEIVER = {module: RoleEnum.cpo if module is ModuleID.tokens else RoleEnum.emsp for module in OBJECT_MODULES}
"""The role that is sent them (the seed system's `role` for partners' objects)."""


def invalid(error: ValidationError) -> str:
    """A validation error in one line: the first problem, with its JSON path."""
    first = error.errors()[0]
    path = ".".join(str(part) for part in first["loc"]) or "(the object)"
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{path}: {first['msg']}{more}"


class CrudSource:
    """The objects of one module, kept by the application's `Crud`: our own under the role that sends them (a
    CPO's Locations), partners' under the role that receives them (an eMSP's copy of a CPO's Locations)."""

    def __init__(self, crud: type[Crud] | Crud, module: ModuleID, version: str, own: Sequence[tuple[str, str]]):
        """`version`: the OCPI version of the application's dicts; `own`: our (country_code, party_id)s."""
        self.crud = crud
        self.module = module
        self.version = version
        self.own = {(cc.upper(), pid.upper()) for cc, pid in own}
        self.object_type = object_type(module.value)
        self.locations: CrudSource | None = None
        """The application's Locations (when it keeps them), for the Location a 2.1.1 Session or CDR embeds."""

    # --- the Source protocol --------------------------------------------------------------------------

    async def get(self, key: ObjectKey) -> BaseModel | None:
        role = self._role(key.country_code, key.party_id)
        options = self._options(role, (key.country_code, key.party_id))
        if self.module is ModuleID.tokens:
            options["token_type"] = key.variant
        data = await self.crud.get(self.module, role, key.object_id, **options)
        if not data:
            return None
        obj = self._canonical(data, (key.country_code, key.party_id), f"get({self.module.value}, {role.value})")
        # The seed system's `get` knows ids only: an object of another owner under the same id is not this one.
        return obj if self._key(obj) == (key.country_code, key.party_id, key.lookup_id, key.variant) else None

    async def page(self, query: SourceQuery) -> SourcePage[BaseModel]:
        if query.after is not None and not (query.after.isascii() and query.after.isdigit()):
            raise ValueError("not an offset")
        offset = query.offset if query.after is None else int(query.after)
        owners = None if query.owners is None else {(cc.upper(), pid.upper()) for cc, pid in query.owners}
        ours = owners is None or owners <= self.own
        role = SENDER[self.module] if ours else RECEIVER[self.module]
        single = next(iter(owners)) if owners is not None and len(owners) == 1 else None
        options = self._options(role, single)
        filters = {"date_from": query.date_from, "date_to": query.date_to, "offset": offset, "limit": query.limit}
        items, total, is_last_page = await self.crud.list(self.module, role, filters, **options)
        owner = single or (next(iter(self.own)) if ours and len(self.own) == 1 else None)
        converted = [self._canonical(data, owner, f"list({self.module.value}, {role.value})") for data in items]
        # The seed system trusted `list` with its filters; the node does not send an object to a partner it is not
        # for, so what the filters exclude is left out of the page here.
        kept = [obj for obj in converted if self._wanted(obj, query, owners)]
        if len(kept) < len(converted):
            log.info(
                "%s: the application's list gave %d objects its filters exclude",
                self.module.value,
                len(converted) - len(kept),
            )
        cursor = None if is_last_page or not items else str(offset + len(items))
        return SourcePage(kept, total, cursor)

    async def put(self, obj: BaseModel) -> None:
        country_code, party_id, _, variant = self._key(obj)
        role = self._role(country_code, party_id)
        options = self._options(role, (country_code, party_id))
        if self.module is ModuleID.tokens:
            options["token_type"] = variant
        data = await self._rendered(obj, (country_code, party_id))
        id_ = str(getattr(obj, self.object_type.id_field))
        if await self.crud.get(self.module, role, id_, **options):
            await self.crud.update(self.module, role, data, id_, **options)
        else:
            await self.crud.create(self.module, role, data, **options)

    async def delete(self, key: ObjectKey) -> bool:
        role = self._role(key.country_code, key.party_id)
        options = self._options(role, (key.country_code, key.party_id))
        if await self.get(key) is None:
            return False
        await self.crud.delete(self.module, role, key.object_id, **options)
        return True

    async def own_object(self, object_id: str) -> BaseModel | None:
        """One of our own objects by its id alone, as the seed system's push asked for it."""
        role = SENDER[self.module]
        data = await self.crud.get(self.module, role, object_id, **self._options(role, None))
        owner = next(iter(self.own)) if len(self.own) == 1 else None
        return None if not data else self._canonical(data, owner, f"get({self.module.value}, {role.value})")

    # --- between the seed system's shapes and ours ----------------------------------------------------

    def _role(self, country_code: str, party_id: str) -> RoleEnum:
        ours = (country_code.upper(), party_id.upper()) in self.own
        return SENDER[self.module] if ours else RECEIVER[self.module]

    def _options(self, role: RoleEnum, owner: tuple[str, str] | None) -> dict[str, Any]:
        """The keywords the seed system passed: the version; no partner's token (the node calls); the owner when
        the objects are a partner's."""
        options: dict[str, Any] = {"version": VersionNumber(self.version), "auth_token": None}
        if role is RECEIVER[self.module] and owner is not None:
            options["country_code"], options["party_id"] = owner
        return options

    def _key(self, obj: BaseModel) -> tuple[str, str, str, str]:
        variant = getattr(obj, self.object_type.variant_field, "") if self.object_type.variant_field else ""
        return (
            str(getattr(obj, "country_code", "")).upper(),
            str(getattr(obj, "party_id", "")).upper(),
            str(getattr(obj, self.object_type.id_field)).casefold(),
            str(variant or self.object_type.variant_default).upper(),
        )

    def _canonical(self, data: Any, owner: tuple[str, str] | None, call: str) -> BaseModel:
        """A dict the application returned, as the canonical model; a clear error when it is no OCPI object."""
        model = self.object_type.models[self.version]
        if isinstance(data, BaseModel):
            data = data.model_dump(mode="json")
        try:
            parsed = model.model_validate(data)
        except ValidationError as error:
            raise ServerError(
                f"the application's Crud.{call} returned no valid {self.version} {model.__name__}: {invalid(error)}"
            ) from None
        if self.version == CANONICAL:
            return parsed
        context = ConversionContext(*(owner or (None, None)))
        return self.object_type.converter.to_canonical(parsed, self.version, context).value

    async def _rendered(self, obj: BaseModel, owner: tuple[str, str]) -> dict[str, Any]:
        """A canonical object as the application's dict (JSON types: strings for times and decimals)."""
        if self.version != CANONICAL:
            context = ConversionContext(*owner, location=await self._location(obj, owner))
            obj = self.object_type.converter.from_canonical(obj, self.version, context).value
        return orjson.loads(obj.to_json())  # type: ignore[attr-defined]

    async def _location(self, obj: BaseModel, owner: tuple[str, str]) -> BaseModel | None:
        """The Location a 2.1.1 Session or CDR embeds, as the application keeps it: the node keeps its id only."""
        reference = getattr(obj, "location_id", None) or getattr(getattr(obj, "cdr_location", None), "id", None)
        if self.version != "2.1.1" or self.locations is None or not isinstance(reference, str):
            return None
        return await self.locations.get(ObjectKey.of("locations", *owner, reference))

    def _wanted(self, obj: BaseModel, query: SourceQuery, owners: set[tuple[str, str]] | None) -> bool:
        country_code, party_id, _, _ = self._key(obj)
        if owners is not None and (country_code, party_id) not in owners:
            return False
        stamp = obj.last_updated  # type: ignore[attr-defined]
        if (query.date_from is not None and stamp < query.date_from) or (
            query.date_to is not None and stamp >= query.date_to
        ):
            return False
        if query.token_owners is not None:
            audiences = {audience_name(cc, pid) for cc, pid in query.token_owners}
            return self.object_type.audience(obj) in audiences
        return True
