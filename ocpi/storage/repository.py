"""Objects in any version, over any `Store`: parse, convert to the canonical form, render every version,
keep it; read back the bytes of the version asked for.

Every writer goes through here: the receiver endpoints, the application's own writes, `ocpi load`.
"""

from __future__ import annotations

import asyncio
import random
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import BaseModel

from ocpi.core.convert import ConversionContext, Converted, Loss
from ocpi.core.data_types import format_datetime, parse_datetime
from ocpi.core.errors import InvalidParameters, NotFound, ServerError
from ocpi.core.interfaces import ALL_VERSIONS, Child, ObjectType
from ocpi.core.model import partial_model
from ocpi.core.rules import Deviation
from ocpi.core.validation import Judging, judge, parse
from ocpi.storage.base import ListQuery, ObjectKey, Page, PutOutcome, Store, StoredObject
from ocpi.storage.changes import describe

CANONICAL = "2.3.0"
_ATTEMPTS = 100


@dataclass(slots=True)
class WriteResult:
    outcome: PutOutcome
    losses: list[Loss] = field(default_factory=list)
    deviations: list[Deviation] = field(default_factory=list)
    """What the payload got wrong and was read all the same (when the write was judged)."""

    @property
    def message(self) -> str | None:
        if self.outcome is PutOutcome.STALE:
            return "ignored: the stored object has a newer last_updated"
        return None


def _now() -> datetime:
    return datetime.now(UTC)


def merge_changes(old: Any, before: Any, after: Any, children: Sequence[Child] = ()) -> Any:
    """Apply to `old` (canonical) only what changed from `before` to `after` (both converted up from an older
    version), so canonical-only data the older version cannot express survives a write made in it. `children`:
    the objects nested in these (`ObjectType.children`), whose lists are matched item by item on their id, so
    that a child the older version leaves out (an EVSE of MCS connectors only) survives as well."""
    if before == after:
        return old
    if isinstance(old, dict) and isinstance(before, dict) and isinstance(after, dict):
        nested = {child.field: child for child in children}
        merged = {k: v for k, v in old.items() if k in after or k not in before}
        for key, value in after.items():
            if key not in old:
                merged[key] = value
            elif key in nested:
                merged[key] = _merge_children(old[key], before.get(key), value, nested[key])
            else:
                merged[key] = merge_changes(old[key], before.get(key), value)
        for key in nested.keys() & old.keys() & (before.keys() - after.keys()):  # the write left them all out
            if kept := _merge_children(old[key], before[key], [], nested[key]):
                merged[key] = kept
        return merged
    if (
        isinstance(old, list)
        and isinstance(before, list)
        and isinstance(after, list)
        and len(old) == len(before) == len(after)
    ):
        return [merge_changes(o, b, a, children) for o, b, a in zip(old, before, after, strict=True)]
    return after


def _merge_children(old: Any, before: Any, after: Any, child: Child) -> Any:
    """`merge_changes` of a list of `child` objects, matched on their id: an item the older version left out of
    `before` and `after` stays, after the item it followed; one `before` had and `after` has not is removed."""
    if before == after:
        return old
    if before is None:  # the older version left them all out
        before = []
    keyed = [_by_id(items, child) for items in (old, before, after)]
    if any(items is None for items in keyed):  # an item without an id, or an id twice: by position
        return merge_changes(old, before, after, child.children)
    olds, befores, afters = keyed
    assert olds is not None and befores is not None and afters is not None
    hidden: dict[str | None, list[Any]] = {}
    anchor = None
    for item_id, item in olds.items():
        if item_id in befores or item_id in afters:
            anchor = item_id
        else:
            hidden.setdefault(anchor, []).append(item)
    merged = hidden.pop(None, [])
    for item_id, item in afters.items():
        merged.append(
            merge_changes(olds[item_id], befores.get(item_id), item, child.children) if item_id in olds else item
        )
        merged += hidden.pop(item_id, [])
    for rest in hidden.values():  # they followed an item this write removed
        merged += rest
    return merged


def _by_id(items: Any, child: Child) -> dict[str, Any] | None:
    """The `child` objects in `items` by their id (as `_find_child` compares them); None if they have none."""
    if not isinstance(items, list):
        return None
    found = {
        str(item[child.id_field]).casefold(): item
        for item in items
        if isinstance(item, dict) and child.id_field in item
    }
    return found if len(found) == len(items) else None


def _find_child(container: dict[str, Any], child: Child, child_id: str) -> dict[str, Any] | None:
    wanted = child_id.casefold()
    for item in container.get(child.field) or ():
        if isinstance(item, dict) and str(item.get(child.id_field, "")).casefold() == wanted:
            return item
    return None


def _spliced(
    object_type: ObjectType, document: dict[str, Any], path: Sequence[str], values: dict[str, Any], stamp: datetime
) -> dict[str, Any]:
    """`document` (the object in one version) with `values` set on the child at `path` and its parents' and the
    object's `last_updated` brought up to `stamp`, as a write of the child does (spec, mod_locations: last_updated
    of parents); a version that leaves the child out (none of an EVSE's connectors exists in it) keeps the rest."""
    node: dict[str, Any] | None = document
    children = object_type.children
    for child_id in path:
        assert node is not None
        node_stamp = parse_datetime(node.get("last_updated"))
        if node_stamp is None or node_stamp < stamp:
            node["last_updated"] = format_datetime(stamp)
        node = _find_child(node, children[0], child_id)
        if node is None:
            return document
        children = children[0].children
    assert node is not None
    node.update(values)
    return document


class _ConvertedUp:
    """Per object, its rendering in an older version as last written and that rendering converted to canonical:
    a write in that version merges through canonical what changed from the stored rendering to the new one
    (`merge_changes`), and converting the stored rendering up again cost as much as the write's own conversion.
    Kept only when the stored rendering is the very document written (so converting it up gives the same), and
    used only while the store still holds those bytes."""

    SIZE = 4096

    def __init__(self) -> None:
        self._kept: OrderedDict[ObjectKey, tuple[str, bytes, dict[str, Any]]] = OrderedDict()

    def get(self, key: ObjectKey, version: str, rendered: bytes | None) -> dict[str, Any] | None:
        kept = self._kept.get(key)
        if kept is None or kept[0] != version or kept[1] != rendered:
            return None
        return kept[2]

    def put(self, key: ObjectKey, version: str, rendered: bytes, converted: dict[str, Any]) -> None:
        self._kept[key] = (version, rendered, converted)
        self._kept.move_to_end(key)
        if len(self._kept) > self.SIZE:
            self._kept.popitem(last=False)


class Repository:
    def __init__(self, store: Store, pushed: Callable[[ObjectKey], bool] | None = None):
        """`pushed`: whether changes of the object under a key are pushed to partners (the node's own objects);
        for those, a store that keeps scopes (`SqlStore.keeps_scopes`) is told what each write changed, so that
        push sends the smallest request. None: every object's."""
        self.store = store
        self.pushed = pushed
        self._ups = _ConvertedUp()

    # --- reading -------------------------------------------------------------------------------------

    async def get(
        self, object_type: ObjectType, version: str, key: ObjectKey, path: Sequence[str] = ()
    ) -> bytes | None:
        """The object (or the child at `path`) as JSON of `version`, None when absent."""
        rendered = await self.store.get_rendered(key, version)
        if rendered is None:
            return None
        if not path:
            return rendered
        node = self._navigate(object_type, orjson.loads(rendered), path)
        return None if node is None else orjson.dumps(node)

    async def page(self, query: ListQuery) -> Page:
        return await self.store.page(query)

    @staticmethod
    def _navigate(object_type: ObjectType, document: dict[str, Any], path: Sequence[str]) -> dict[str, Any] | None:
        node: dict[str, Any] | None = document
        children = object_type.children
        for child_id in path:
            if node is None or not children:
                return None
            child = children[0]
            node = _find_child(node, child, child_id)
            children = child.children
        return node

    # --- writing -------------------------------------------------------------------------------------

    def key_of(self, object_type: ObjectType, owner: tuple[str, str], object_id: str, variant: str = "") -> ObjectKey:
        return ObjectKey.of(object_type.module, owner[0], owner[1], object_id, variant or object_type.variant_default)

    async def put(
        self,
        object_type: ObjectType,
        version: str,
        payload: Any,
        *,
        owner: tuple[str, str],
        object_id: str | None = None,
        variant: str = "",
        path: Sequence[str] = (),
        judging: Judging | None = None,
    ) -> WriteResult:
        """Create or replace the object (or, with `path`, one child of it) from a `version` payload. In a version
        older than canonical, what that version cannot express of the stored object stays (`merge_changes`).

        `owner` is the (country_code, party_id) the object is filed under: from the URL for a receiver, our
        own party for our objects. The payload's own owner and id, where the version has them, must agree.
        The payload is JSON (a dict) or a model of that version. With `judging` (a partner's payload), what it
        gets wrong is named in the result's `deviations`, or refused.
        """
        if isinstance(payload, BaseModel):
            payload = payload.model_dump(mode="json", exclude_none=True, by_alias=True)
        if not isinstance(payload, dict):
            raise InvalidParameters(f"expected a JSON object for {object_type.name}")
        if path:
            found = self._judge(object_type, version, payload, path, "PUT", judging)
            result = await self._retrying(
                lambda: self._write_child(object_type, version, payload, owner, object_id, variant, path, "PUT")
            )
            result.deviations = found
            return result
        model = parse(object_type.models[version], payload)
        found = self._judge(object_type, version, payload, path, "PUT", judging)
        object_id = self._check_identity(object_type, version, model, owner, object_id, variant)
        variant = self._variant(object_type, model, variant)
        key = self.key_of(object_type, owner, object_id, variant)
        canonical, context = self._to_canonical(object_type, version, model, owner)
        result = await self._retrying(lambda: self._put_once(object_type, version, key, canonical, context, payload))
        result.deviations = found
        return result

    async def _put_once(
        self,
        object_type: ObjectType,
        version: str,
        key: ObjectKey,
        after: Converted[Any],
        context: ConversionContext,
        document: dict[str, Any],
    ) -> WriteResult:
        """Replace the object: in an older version, all that version expresses of it and nothing else (`_merged`);
        when the store is told what changed, compared with the object it replaces (so only if that is still the
        stored one)."""
        previous = await self.store.get(key) if version != CANONICAL or self._scoped(key) else None
        if previous is not None:
            return await self._merged(object_type, version, key, previous, after, context, document)
        return await self._store(object_type, key, after.value, after.losses, context=context)

    def _scoped(self, key: ObjectKey) -> bool:
        return getattr(self.store, "keeps_scopes", False) and (self.pushed is None or self.pushed(key))

    async def patch(
        self,
        object_type: ObjectType,
        version: str,
        payload: Any,
        *,
        owner: tuple[str, str],
        object_id: str,
        variant: str = "",
        path: Sequence[str] = (),
        judging: Judging | None = None,
    ) -> WriteResult:
        """Change the fields the payload names; lists in `appended_on_patch` grow instead. `judging` as for
        `put`, the payload read as a PATCH body of the object (or child) it changes."""
        if not isinstance(payload, dict):
            raise InvalidParameters(f"expected a JSON object for a {object_type.name} PATCH")
        # `null` reads as absent, as everywhere in the library: `{"evses": null}` changes nothing (was: no EVSEs).
        payload = {name: value for name, value in payload.items() if value is not None}
        if version in object_type.patch_needs_last_updated and "last_updated" not in payload:
            raise InvalidParameters("invalid PATCH: last_updated: Field required")
        found = self._judge(object_type, version, payload, path, "PATCH", judging)
        if path:
            result = await self._retrying(
                lambda: self._write_child(object_type, version, payload, owner, object_id, variant, path, "PATCH")
            )
        else:
            result = await self._retrying(
                lambda: self._patch_once(object_type, version, payload, owner, object_id, variant)
            )
        result.deviations = found
        return result

    @staticmethod
    def _judge(
        object_type: ObjectType,
        version: str,
        payload: dict[str, Any],
        path: Sequence[str],
        method: str,
        judging: Judging | None,
    ) -> list[Deviation]:
        """What a partner's payload gets wrong (read as the object, the child at `path`, or their PATCH body)."""
        if judging is None:
            return []
        holder: ObjectType | Child = object_type
        for _ in path:
            holder = holder.children[0]
        model = holder.models[version]
        if method == "PATCH":
            model = partial_model(model)
        return judge(model, payload, judging, version=version)

    @staticmethod
    async def _retrying(write: Callable[[], Awaitable[WriteResult]]) -> WriteResult:
        """A read-modify-write, again while another writer changed the object in between (CONFLICT)."""
        for attempt in range(_ATTEMPTS):
            result = await write()
            if result.outcome is not PutOutcome.CONFLICT:
                return result
            # Each round lets at least one writer through; a little jitter keeps the others from colliding
            # again in lockstep.
            await asyncio.sleep(random.uniform(0, 0.002) * min(attempt + 1, 10))
        raise ServerError("the object changes too often to apply this write now; try again")

    async def _patch_once(
        self,
        object_type: ObjectType,
        version: str,
        payload: dict[str, Any],
        owner: tuple[str, str],
        object_id: str,
        variant: str,
    ) -> WriteResult:
        key = self.key_of(object_type, owner, object_id, variant)
        stored = await self.store.get(key)
        if stored is None:
            raise NotFound(f"{object_type.name} {object_id} not found")
        current = self._version_document(object_type, version, stored)
        self._check_patch_identity(object_type, payload, current)
        incoming = parse_datetime(payload.get("last_updated"))
        if incoming is not None and incoming < stored.last_updated:
            return WriteResult(PutOutcome.STALE)
        merged = {**current, **payload}
        for name in object_type.appended_on_patch:
            if isinstance(payload.get(name), list):
                merged[name] = list(current.get(name) or []) + payload[name]
        if "last_updated" not in payload:
            merged["last_updated"] = format_datetime(_now())
        merged = {k: v for k, v in merged.items() if v is not None}
        return await self._replace(object_type, version, key, stored, merged)

    async def _write_child(
        self,
        object_type: ObjectType,
        version: str,
        payload: dict[str, Any],
        owner: tuple[str, str],
        object_id: str | None,
        variant: str,
        path: Sequence[str],
        method: str,
    ) -> WriteResult:
        if object_id is None:
            raise InvalidParameters("a child object needs its parent's id")
        key = self.key_of(object_type, owner, object_id, variant)
        stored = await self.store.get(key)
        if stored is None:
            raise NotFound(f"{object_type.name} {object_id} not found")
        current = self._version_document(object_type, version, stored)
        document = orjson.loads(orjson.dumps(current))
        incoming = parse_datetime(payload.get("last_updated")) if method == "PATCH" else None
        node: dict[str, Any] = document
        parents: list[dict[str, Any]] = [document]
        children = object_type.children
        child: Child | None = None
        for depth, child_id in enumerate(path):
            if not children:
                raise NotFound("no such object")
            child = children[0]
            found = _find_child(node, child, child_id)
            last = depth == len(path) - 1
            if found is None:
                if not (last and method == "PUT"):
                    raise NotFound(f"{child.name} {child_id} not found")
                found = {}
                node.setdefault(child.field, [])
                if node[child.field] is None:
                    node[child.field] = []
                node[child.field].append(found)
            node = found
            if not last:
                parents.append(node)
            children = child.children
        assert child is not None
        if (
            method == "PATCH"
            and "last_updated" in payload
            and payload.keys() <= child.patched_alike
            and stored.rendered.keys() >= set(object_type.versions)  # a store may keep fewer (then: render them)
        ):
            return await self._patch_alike(object_type, version, key, stored, child, node, path, payload)
        if method == "PUT":
            model = parse(child.models[version], payload)
            body_id = str(getattr(model, child.id_field))
            if body_id.casefold() != path[-1].casefold():
                raise InvalidParameters(
                    f"{child.id_field} '{body_id}' in the body differs from '{path[-1]}' in the URL"
                )
            replacement = model.model_dump(mode="json", exclude_none=True, by_alias=True)
            incoming = parse_datetime(replacement.get("last_updated"))
        else:
            replacement = {**node, **payload}
            replacement = {k: v for k, v in replacement.items() if v is not None}
            parse(child.models[version], replacement)
        stamp = incoming or _now()
        previous = parse_datetime(node.get("last_updated"))
        if previous is not None and method == "PATCH" and stamp < previous:
            return WriteResult(PutOutcome.STALE)
        if "last_updated" not in replacement:
            replacement["last_updated"] = format_datetime(stamp)
        node.clear()
        node.update(replacement)
        # A child's change is its parents' change too (spec, mod_locations: last_updated of parents).
        for parent in parents:
            parent_stamp = parse_datetime(parent.get("last_updated"))
            if parent_stamp is None or parent_stamp < stamp:
                parent["last_updated"] = format_datetime(stamp)
        result = await self._replace(object_type, version, key, stored, document)
        if result.outcome is PutOutcome.UPDATED and method == "PUT" and previous is None:
            result.outcome = PutOutcome.CREATED
        return result

    async def _patch_alike(
        self,
        object_type: ObjectType,
        version: str,
        key: ObjectKey,
        stored: StoredObject,
        child: Child,
        node: dict[str, Any],
        path: Sequence[str],
        payload: dict[str, Any],
    ) -> WriteResult:
        """A PATCH of the child at `path` that changes only fields it holds alike in every version
        (`Child.patched_alike`): the same change made in the canonical JSON and in every stored rendering, which
        is what converting the object and rendering it in every version again would give."""
        values = parse(partial_model(child.models[version]), payload, what=child.name).to_dict()
        stamp = parse_datetime(values["last_updated"])
        assert stamp is not None
        previous = parse_datetime(node.get("last_updated"))
        if previous is not None and stamp < previous:
            return WriteResult(PutOutcome.STALE)
        spliced: dict[bytes, bytes] = {}

        def splice(rendering: bytes) -> bytes:
            if rendering not in spliced:
                spliced[rendering] = orjson.dumps(_spliced(object_type, orjson.loads(rendering), path, values, stamp))
            return spliced[rendering]

        canonical = splice(stored.canonical)
        rendered = {v: None if r is None else splice(r) for v, r in stored.rendered.items()}
        outcome = await self._keep(
            object_type,
            key,
            max(stored.last_updated, stamp),
            canonical,
            rendered,
            audience=stored.audience,
            expected=stored.canonical,
            previous=stored,
        )
        return WriteResult(outcome)

    async def _replace(
        self, object_type: ObjectType, version: str, key: ObjectKey, stored: StoredObject, document: dict[str, Any]
    ) -> WriteResult:
        """Replace `stored` with `document`, the object in `version` changed by a PATCH or a child's write."""
        model = parse(object_type.models[version], document)
        after, context = self._to_canonical(object_type, version, model, (key.country_code, key.party_id))
        return await self._merged(object_type, version, key, stored, after, context, document)

    async def _merged(
        self,
        object_type: ObjectType,
        version: str,
        key: ObjectKey,
        stored: StoredObject,
        after: Converted[Any],
        context: ConversionContext,
        document: dict[str, Any],
    ) -> WriteResult:
        """Keep `after` (`document` of `version`, converted up) in place of `stored`. In an older version, only
        what changed from the stored rendering in that version to `document` is applied (`merge_changes`)."""
        current = stored.rendered.get(version)
        if version == CANONICAL or current is None:
            return await self._store(
                object_type, key, after.value, after.losses, expected=stored.canonical, context=context, previous=stored
            )
        before = self._ups.get(key, version, current)
        if before is None:
            model = parse(object_type.models[version], self._version_document(object_type, version, stored))
            up, _ = self._to_canonical(object_type, version, model, (key.country_code, key.party_id))
            before = up.value.to_dict()
        after_dict = after.value.to_dict()
        merged = merge_changes(orjson.loads(stored.canonical), before, after_dict, object_type.children)
        # Nothing that only canonical held: the write's own conversion, without validating it again.
        canonical = after.value if merged == after_dict else parse(object_type.models[CANONICAL], merged)
        result, rendered = await self._store_rendered(
            object_type, key, canonical, after.losses, expected=stored.canonical, context=context, previous=stored
        )
        written = rendered.get(version)
        if result.outcome is PutOutcome.UPDATED and written is not None and orjson.loads(written) == document:
            # Stored as written: the next write in this version starts from what this one converted up.
            self._ups.put(key, version, written, after_dict)
        return result

    def _version_document(self, object_type: ObjectType, version: str, stored: StoredObject) -> dict[str, Any]:
        rendered = stored.rendered.get(version)
        if rendered is None:
            raise InvalidParameters(f"this {object_type.name} cannot be expressed in OCPI {version}")
        document = orjson.loads(rendered)
        assert isinstance(document, dict)
        return document

    async def _store(
        self,
        object_type: ObjectType,
        key: ObjectKey,
        canonical: BaseModel,
        losses: list[Loss],
        *,
        expected: bytes | None = None,
        context: ConversionContext | None = None,
        previous: StoredObject | None = None,
    ) -> WriteResult:
        """Keep the object; `previous`: the stored object it replaces (`expected` is its canonical JSON)."""
        result, _ = await self._store_rendered(
            object_type, key, canonical, losses, expected=expected, context=context, previous=previous
        )
        return result

    async def _store_rendered(
        self,
        object_type: ObjectType,
        key: ObjectKey,
        canonical: BaseModel,
        losses: list[Loss],
        *,
        expected: bytes | None = None,
        context: ConversionContext | None = None,
        previous: StoredObject | None = None,
    ) -> tuple[WriteResult, dict[str, bytes | None]]:
        stamp = getattr(canonical, "last_updated", None) or _now()
        rendered = await self.render(object_type, canonical, key, context)
        canonical_json = rendered[CANONICAL] or canonical.model_dump_json().encode()
        outcome = await self._keep(
            object_type,
            key,
            stamp,
            canonical_json,
            rendered,
            audience=object_type.audience(canonical),
            expected=expected,
            previous=previous,
        )
        return WriteResult(outcome, losses), rendered

    async def _keep(
        self,
        object_type: ObjectType,
        key: ObjectKey,
        stamp: datetime,
        canonical: bytes,
        rendered: dict[str, bytes | None],
        *,
        audience: str | None,
        expected: bytes | None,
        previous: StoredObject | None,
    ) -> PutOutcome:
        """Hand the object to the store; one the node pushes with what changed since `previous`."""
        options: dict[str, Any] = {"expected": expected, "audience": audience}
        if self._scoped(key):
            options["scope"] = describe(object_type, None if previous is None else previous.rendered, rendered)
        return await self.store.put(key, stamp, canonical, rendered, **options)

    async def render(
        self, object_type: ObjectType, canonical: BaseModel, key: ObjectKey, written: ConversionContext | None = None
    ) -> dict[str, bytes | None]:
        """The object's JSON in every version of its module; None where it cannot be expressed. `written`: the
        context the write was converted with, whose Location (one a 2.1.1 Session embedded) wins over the
        store's."""
        context = await self._context(canonical, key, None if written is None else written.embedded.get("location"))
        rendered: dict[str, bytes | None] = {}
        for version in ALL_VERSIONS:
            if version not in object_type.models:
                rendered[version] = None
                continue
            if version == CANONICAL:
                rendered[version] = canonical.to_json()  # type: ignore[attr-defined]
                continue
            try:
                converted = object_type.converter.from_canonical(canonical, version, context)
                rendered[version] = converted.value.to_json()  # type: ignore[attr-defined]
            except (ValueError, TypeError):
                rendered[version] = None
        return rendered

    async def _context(self, canonical: BaseModel, key: ObjectKey, location: Any = None) -> ConversionContext:
        """The owner and, for an object that refers to a Location, that Location: the one given, else the
        store's."""
        location_id = getattr(canonical, "location_id", None)
        if location is None and isinstance(location_id, str):
            stored = await self.store.get(ObjectKey.of("locations", key.country_code, key.party_id, location_id))
            if stored is not None:
                from ocpi.modules.locations.v_2_3_0.schemas import Location

                location = Location.model_validate_json(stored.canonical)
        return ConversionContext(country_code=key.country_code, party_id=key.party_id, location=location)

    def _to_canonical(
        self, object_type: ObjectType, version: str, model: BaseModel, owner: tuple[str, str]
    ) -> tuple[Any, ConversionContext]:
        context = ConversionContext(country_code=owner[0], party_id=owner[1])
        try:
            return object_type.converter.to_canonical(model, version, context), context
        except ValueError as error:
            raise InvalidParameters(f"cannot store this {object_type.name}: {error}") from error

    # --- identity checks -----------------------------------------------------------------------------

    def _check_identity(
        self,
        object_type: ObjectType,
        version: str,
        model: BaseModel,
        owner: tuple[str, str],
        object_id: str | None,
        variant: str,
    ) -> str:
        body_id = getattr(model, object_type.id_field, None)
        if object_id is None:
            if body_id is None:
                raise InvalidParameters(f"{object_type.id_field}: Field required")
            object_id = str(body_id)
        elif body_id is not None and str(body_id).casefold() != object_id.casefold():
            raise InvalidParameters(
                f"{object_type.id_field} '{body_id}' in the body differs from '{object_id}' in the URL"
            )
        if object_type.owned and version != "2.1.1":
            for name, expected in zip(("country_code", "party_id"), owner, strict=True):
                value = getattr(model, name, None)
                if value is not None and str(value).upper() != expected.upper():
                    raise InvalidParameters(f"{name} '{value}' in the body differs from the owner '{expected}'")
        if variant and object_type.variant_field:
            body_variant = getattr(model, object_type.variant_field, None)
            if body_variant is not None and str(body_variant).upper() != variant.upper():
                raise InvalidParameters(
                    f"{object_type.variant_field} '{body_variant}' in the body differs from '{variant}' in the URL"
                )
        return object_id

    def _check_patch_identity(self, object_type: ObjectType, payload: dict[str, Any], current: dict[str, Any]) -> None:
        names = [object_type.id_field] + (["country_code", "party_id"] if object_type.owned else [])
        for name in names:
            if name in payload and str(payload[name]).casefold() != str(current.get(name, "")).casefold():
                raise InvalidParameters(f"{name} cannot be changed by PATCH")

    @staticmethod
    def _variant(object_type: ObjectType, model: BaseModel, variant: str) -> str:
        if variant or object_type.variant_field is None:
            return variant
        value = getattr(model, object_type.variant_field, None)
        return str(value) if value is not None else object_type.variant_default
