"""What a write changed, kept with its change record so that push sends each partner the smallest correct request.

A write's *scope* says, per version, which part of the object changed: a `Part` is the path of child ids it
changed (`()`: the object itself, `("3256",)`: its EVSE 3256, `("3256", "1")`: that EVSE's connector 1) and the
fields of that part that changed, or None for the whole part (a new EVSE: PUT it). No scope at all (None) is the
whole object: new, or changed in a way only a PUT of it carries (a field removed, two EVSEs changed, EVSEs
reordered). `last_updated` changes with every write and is always sent; it is not listed.

The push worker unites the scopes of every change after a partner's cursor (`unite`), so a backlog of status
changes of one EVSE is one PATCH of that EVSE, and builds the request from the object's current state
(`request_for`): never a replay of a stale value, only the choice of what to send.

Each version is described on its own rendering, so a field named or shaped differently in an older version is
compared as that version has it. Lists a PATCH appends to (Session `charging_periods`, 2.2.1+: "SHALL be processed
as a request to add") are sent as what was appended since the partner's state; any other change of such a list
needs a PUT ("the Sender SHALL use the PUT method to replace the entire Session"). 2.1.1 does not say what a
PATCH of such a list means, so there a change of it is sent as a PUT."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from ocpi.core.data_types import parse_datetime
from ocpi.core.interfaces import Child, ObjectType

APPENDING_VERSIONS = frozenset({"2.2.1", "2.3.0"})
"""Versions whose Session PATCH appends `charging_periods` (the spec, 2.2.1 and 2.3.0 mod_sessions)."""
EVERY_VERSION = "*"

Fields = dict[str, int | None]
"""Field name -> None (its new value replaces the old) or the index from which an appended list is new."""


@dataclass(frozen=True, slots=True)
class Part:
    path: tuple[str, ...]
    fields: Fields | None
    """None: the whole part (PUT of the child at `path`)."""

    def to_json(self) -> list[Any]:
        return [list(self.path), self.fields]

    @classmethod
    def of(cls, data: Any) -> Part | None:
        if not isinstance(data, list) or len(data) != 2:
            return None
        path, fields = data
        return cls(tuple(str(p) for p in path), None if fields is None else dict(fields))


def describe(
    object_type: ObjectType, before: Mapping[str, bytes | None] | None, after: Mapping[str, bytes | None]
) -> bytes | None:
    """The scope of a write from the renderings `before` to `after` (version -> JSON), as the change log keeps it;
    None when only a PUT of the whole object carries it (or there was nothing before)."""
    if before is None:
        return None
    parts: dict[str, Part | None] = {}
    for version, new in after.items():
        if new is None:  # cannot be sent in this version
            continue
        old = before.get(version)
        part = None
        if old is not None:
            old_document, new_document = orjson.loads(old), orjson.loads(new)
            part = _diff(object_type, old_document, new_document, version)
            if part is not None and part.path and not _stamps_follow(object_type, old_document, new_document, part):
                part = None
        parts[version] = part
    if not parts or all(part is None for part in parts.values()):
        return None
    distinct = {orjson.dumps(None if part is None else part.to_json()) for part in parts.values()}
    if len(distinct) == 1:
        return b'{"*":' + distinct.pop() + b"}"
    return orjson.dumps({v: None if part is None else part.to_json() for v, part in parts.items()})


def _diff(holder: ObjectType | Child, old: Any, new: Any, version: str, path: tuple[str, ...] = ()) -> Part | None:
    if not isinstance(old, dict) or not isinstance(new, dict):
        return None
    changed = [name for name in old.keys() | new.keys() if name != "last_updated" and old.get(name) != new.get(name)]
    if any(name not in new for name in changed):  # a PATCH cannot remove what was shared (spec, Locations 2.2+)
        return None
    child = holder.children[0] if holder.children else None
    if child is not None and child.field in changed:
        if len(changed) > 1:
            return None
        return _child_diff(child, old.get(child.field) or [], new[child.field], version, path)
    appended = holder.appended_on_patch if isinstance(holder, ObjectType) else ()
    fields: Fields = {}
    for name in changed:
        if name not in appended:
            fields[name] = None
            continue
        before, after = old.get(name) or [], new[name]
        if version not in APPENDING_VERSIONS or not isinstance(after, list) or after[: len(before)] != before:
            return None
        fields[name] = len(before)
    return Part(path, fields)


def _stamps_follow(object_type: ObjectType, old: Any, new: Any, part: Part) -> bool:
    """Whether a receiver given the child at `part.path` alone ends where `new` is: it sets the parents'
    `last_updated` to the child's when that is later (spec, Locations: "the last_updated of the Location and EVSE
    SHALL be updated"), and keeps theirs otherwise. A writer that stamped a parent otherwise needs the PUT."""
    nodes: list[tuple[Any, Any]] = []
    holder: ObjectType | Child = object_type
    for child_id in part.path:
        nodes.append((old, new))
        child = holder.children[0]
        old, new = (
            _find(old.get(child.field), child.id_field, child_id),
            _find(new.get(child.field), child.id_field, child_id),
        )
        holder = child
    stamp = parse_datetime(new.get("last_updated") if isinstance(new, dict) else None)
    if stamp is None:
        return False
    for old_parent, new_parent in nodes:
        before, after = parse_datetime(old_parent.get("last_updated")), parse_datetime(new_parent.get("last_updated"))
        if before is None or after != max(before, stamp):
            return False
    return True


def _child_diff(child: Child, old: Any, new: Any, version: str, path: tuple[str, ...]) -> Part | None:
    if not isinstance(old, list) or not isinstance(new, list):
        return None
    old_ids, new_ids = _ids(child, old), _ids(child, new)
    if old_ids is None or new_ids is None:
        return None
    if len(new_ids) == len(old_ids) + 1:  # one child added, the others as they were: PUT of the new one
        added = [i for i, uid in enumerate(new_ids) if uid not in old_ids]
        if len(added) == 1 and new[: added[0]] + new[added[0] + 1 :] == old:
            return Part((*path, str(new[added[0]][child.id_field])), None)
        return None
    if old_ids != new_ids:
        return None
    differing = [i for i, (o, n) in enumerate(zip(old, new, strict=True)) if o != n]
    if len(differing) != 1:
        return None
    index = differing[0]
    return _diff(child, old[index], new[index], version, (*path, str(new[index][child.id_field])))


def _ids(child: Child, items: list[Any]) -> list[str] | None:
    ids = [str(item.get(child.id_field, "")).casefold() if isinstance(item, dict) else None for item in items]
    if None in ids or len(set(ids)) != len(ids):
        return None
    return ids  # type: ignore[return-value]


# --- what to send --------------------------------------------------------------------------------------


def part_in(scope: bytes, version: str) -> Part | None:
    """The part of a change record's scope that concerns `version` (None: the whole object)."""
    found = _parsed(scope)
    if not isinstance(found, dict):
        return None
    return Part.of(found[EVERY_VERSION] if EVERY_VERSION in found else found.get(version))


_PARSED: dict[bytes, Any] = {}


def _parsed(scope: bytes) -> Any:
    """Scopes repeat (the status of one EVSE, over and over): each distinct one is parsed once."""
    found = _PARSED.get(scope)
    if found is None:
        if len(_PARSED) >= 4096:
            _PARSED.clear()
        found = _PARSED[scope] = orjson.loads(scope)
    return found


def unite(parts: Iterable[Part | None]) -> Part | None:
    """One part that carries all of `parts` (None: the whole object)."""
    united: Part | None = None
    first = True
    for part in parts:
        if part is None:
            return None
        if first:
            united, first = part, False
            continue
        assert united is not None
        if _stamp_only(part) or _stamp_only(united):  # the other one's request carries the stamp (`request_for`)
            united = united if _stamp_only(part) else part
        elif part.path != united.path:
            common = _common_prefix(part.path, united.path)
            if not common:
                return None
            united = Part(common, None)
        elif united.fields is None or part.fields is None:
            united = Part(united.path, None)
        else:
            fields = dict(united.fields)
            for name, start in part.fields.items():
                kept = fields.get(name, start)
                fields[name] = None if kept is None or start is None else min(kept, start)
            united = Part(united.path, fields)
    return None if first else united


def _stamp_only(part: Part) -> bool:
    """A write that changed nothing but the object's `last_updated` (or nothing at all)."""
    return not part.path and part.fields == {}


def _common_prefix(a: Sequence[str], b: Sequence[str]) -> tuple[str, ...]:
    common: list[str] = []
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common.append(x)
    return tuple(common)


@dataclass(frozen=True, slots=True)
class Request:
    """What to send: `method` to the object's URL followed by `path`, with `body` (JSON)."""

    method: str
    path: tuple[str, ...]
    body: bytes


def request_for(object_type: ObjectType, version: str, document: bytes, part: Part | None) -> Request:
    """The smallest request that brings a partner holding the object as it was before `part` to `document`
    (the object's current JSON in `version`): a PATCH of the changed fields of the part, a PUT of a new child,
    else a PUT of the whole object."""
    whole = Request("PUT", (), document)
    if part is None or version not in object_type.patch_versions:
        return whole
    node: Any = orjson.loads(document)
    parents: list[Any] = []
    holder: ObjectType | Child = object_type
    for child_id in part.path:
        if not holder.children:
            return whole
        child = holder.children[0]
        parents.append(node)
        node = _find(node.get(child.field), child.id_field, child_id)
        if node is None:
            return whole
        holder = child
    # The receiver stamps the parents of what it is given with its `last_updated`: they must end as ours are.
    if any(parent.get("last_updated") != node.get("last_updated") for parent in parents):
        return whole
    if part.fields is None:
        return Request("PUT", part.path, orjson.dumps(node)) if part.path else whole
    body: dict[str, Any] = {}
    for name, start in part.fields.items():
        if name not in node:
            return whole
        value = node[name]
        if start is not None:
            if not isinstance(value, list) or len(value) < start:
                return whole
            value = value[start:]
        body[name] = value
    if "last_updated" in node:
        body["last_updated"] = node["last_updated"]
    return Request("PATCH", part.path, orjson.dumps(body))


def _find(items: Any, id_field: str, wanted: str) -> dict[str, Any] | None:
    if not isinstance(items, list):
        return None
    for item in items:
        if isinstance(item, dict) and str(item.get(id_field, "")).casefold() == wanted.casefold():
            return item
    return None
