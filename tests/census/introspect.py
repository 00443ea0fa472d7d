"""Reads a Pydantic v2 field back into the shape the spec's tables describe.

`shape_of(field_info)` unwraps `Annotated`, `X | None`, `list[X]` and the 2.3.0 `OpenEnum(E)` (`E | str`),
and collects the constraints on each level: the list's `min_length` (cardinality `+`), the item's
`max_length` / `min_length` / `pattern` and whether it carries the case-insensitive `CiString` validator.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from ocpi.core.data_types import CaseInsensitiveStr, decimal_to_json, format_datetime
from ocpi.core.rules import Conforms


@dataclass
class Constraints:
    max_length: int | None = None
    min_length: int | None = None
    pattern: str | None = None
    case_insensitive: bool = False  # AfterValidator(CaseInsensitiveStr): the CiString validator
    datetime_serializer: bool = False  # PlainSerializer(format_datetime): ocpi.core.data_types.DateTime
    number_serializer: bool = False  # PlainSerializer(decimal_to_json): ocpi.core.data_types.Number
    rules: list[str] = field(default_factory=list)  # Conforms(rule, ...): the rules it names
    other: list[Any] = field(default_factory=list)

    def add(self, metadata: Any) -> None:
        if isinstance(metadata, FieldInfo):  # Annotated[..., Field(...)] nested below the top level
            for inner in metadata.metadata:
                self.add(inner)
            return
        func = getattr(metadata, "func", None)
        if func is CaseInsensitiveStr:
            self.case_insensitive = True
        elif func is format_datetime:
            self.datetime_serializer = True
        elif func is decimal_to_json:
            self.number_serializer = True
        if isinstance(metadata, Conforms):
            self.rules.append(metadata.rule.id)
            return
        found = False
        for name in ("max_length", "min_length", "pattern"):
            value = getattr(metadata, name, None)
            if value is not None:
                setattr(self, name, value)
                found = True
        if not found and func is None:
            self.other.append(metadata)


@dataclass
class Shape:
    """One model field as the census sees it."""

    required: bool
    nullable: bool  # `X | None`
    is_list: bool
    list_min_length: int | None  # `Annotated[list[X], Field(min_length=1)]`
    base: Any  # str, int, bool, Decimal, datetime, a BaseModel subclass, an Enum subclass, or what was found
    item: Constraints
    open_enum: bool  # `OpenEnum(E)`: `E | str`
    default: Any = None  # the default of an optional field
    has_default_factory: bool = False
    problems: list[str] = field(default_factory=list)  # shapes the census cannot map to the spec
    list_rules: list[str] = field(default_factory=list)  # Conforms on the list itself (charging periods in order)


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (typing.Union, types.UnionType)


def _strip(tp: Any, constraints: Constraints) -> Any:
    """Remove Annotated layers, collecting their metadata."""
    while get_origin(tp) is Annotated:
        args = get_args(tp)
        for metadata in args[1:]:
            constraints.add(metadata)
        tp = args[0]
    return tp


def shape_of(info: FieldInfo) -> Shape:
    outer = Constraints()
    for metadata in info.metadata:
        outer.add(metadata)
    problems: list[str] = []
    nullable = False
    is_list = False
    open_enum = False
    tp = _strip(info.annotation, outer)
    item = outer
    list_constraints: Constraints | None = None
    for _ in range(10):
        tp = _strip(tp, item)
        if _is_union(tp):
            members = list(get_args(tp))
            if type(None) in members:
                nullable = True
                members.remove(type(None))
            stripped = [_strip(m, item) for m in members]
            enums = [m for m in stripped if isinstance(m, type) and issubclass(m, Enum)]
            if len(stripped) == 2 and len(enums) == 1 and str in stripped:
                open_enum = True
                tp = enums[0]
                break
            if len(stripped) != 1:
                problems.append(f"union of {stripped}")
                tp = stripped
                break
            tp = stripped[0]
            continue
        if get_origin(tp) is list:
            if is_list:
                problems.append("list of lists")
                break
            is_list = True
            list_constraints = item
            item = Constraints()
            (tp,) = get_args(tp)
            continue
        if get_origin(tp) is not None or tp is list:
            problems.append(f"unsupported annotation {tp!r}")
        break
    return Shape(
        required=info.is_required(),
        nullable=nullable,
        is_list=is_list,
        list_min_length=list_constraints.min_length if list_constraints else None,
        base=tp,
        item=item,
        open_enum=open_enum,
        default=None if info.is_required() else info.default,
        has_default_factory=info.default_factory is not None,
        problems=problems,
        list_rules=list_constraints.rules if list_constraints else [],
    )


def base_name(base: Any) -> str:
    """The base type as the spec would name it, for messages."""
    names = {str: "str", int: "int", bool: "boolean", Decimal: "number", datetime: "DateTime", float: "float"}
    if base in names:
        return names[base]
    if isinstance(base, type):
        kind = "enum" if issubclass(base, Enum) else "model" if issubclass(base, BaseModel) else "type"
        return f"{kind} {base.__module__}.{base.__qualname__}"
    return repr(base)
