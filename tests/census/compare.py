"""Compares one spec definition (tests.census.spec_tables) with the model or enum that implements it.

`problems(definition)` returns a list of human-readable mismatches; empty means the model is exactly the
spec's: the same field names, cardinality, type and maximum length, or the same enum values.
"""

from __future__ import annotations

import importlib
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import BaseModel

from ocpi.core import data_types
from ocpi.core.enums import RoleEnum
from tests.census import exceptions
from tests.census.introspect import Shape, base_name, shape_of
from tests.census.spec_tables import Definition, SpecField, by_name

PRINTABLE_ASCII = r"^[\x20-\x7E]*$"  # the pattern of ocpi.core.data_types.CiString

# Spec type names that are spelled differently in Python, by design (ocpi.core.enums).
ENUM_ALIASES = {"Role": ("Role", "RoleEnum")}


def schemas_module(version: str, module: str) -> str:
    return f"ocpi.modules.{module}.v_{version.replace('.', '_')}.schemas"


def _types_model(definition: Definition) -> Any:
    """The ocpi.core implementation of a `types.*` definition (DisplayText, Price, TaxAmount, Role)."""
    if definition.name == "Price":
        prices: dict[str, type[BaseModel]] = {"2.2.1": data_types.PriceV221, "2.3.0": data_types.PriceV230}
        return prices[definition.version]
    if definition.name == "Role":
        # The Role enum of a version is the one its CredentialsRole.role field uses.
        try:
            credentials_role = resolve(by_name(definition.version)["CredentialsRole"])
        except LookupError:
            return RoleEnum
        return shape_of(credentials_role.model_fields["role"]).base
    return getattr(data_types, definition.name)


def resolve(definition: Definition) -> Any:
    """The class implementing `definition`; LookupError (with the reason) when there is none."""
    if definition.module == "types":
        return _types_model(definition)
    module_name = schemas_module(definition.version, definition.module)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        raise LookupError(f"{module_name} does not exist ({error})") from None
    found = getattr(module, definition.name, None)
    if found is None:
        raise LookupError(f"{module_name} has no {definition.name}")
    return found


def problems(definition: Definition, implementation: Any = None) -> list[str]:
    """Every way in which `implementation` (default: the one `resolve` finds) differs from the spec."""
    definition = exceptions.corrected(definition)
    if implementation is None:
        try:
            implementation = resolve(definition)
        except LookupError as error:
            return [f"missing: {error}"]
    if definition.kind == "enum":
        return _enum_problems(definition, implementation)
    return _class_problems(definition, implementation)


def _enum_values(enum: type[Enum]) -> list[str]:
    return [str(member.value) for member in enum]


def _enum_problems(definition: Definition, enum: Any) -> list[str]:
    if not (isinstance(enum, type) and issubclass(enum, Enum)):
        return [f"{definition.name} is {enum!r}, not an Enum"]
    found: list[str] = []
    names = ENUM_ALIASES.get(definition.name, (definition.name,))
    if enum.__name__ not in names:
        found.append(f"enum is named {enum.__name__}, spec says {definition.name}")
    values = _enum_values(enum)
    spec = list(definition.values)
    allowed_extra = exceptions.allowed_extra_values(definition)
    missing = [v for v in spec if v not in values]
    extra = [v for v in values if v not in spec and v not in allowed_extra]
    if missing:
        found.append(f"values missing from the enum: {missing}")
    if extra:
        found.append(f"values not in the spec: {extra}")
    if len(set(values)) != len(values):
        found.append(f"duplicate values: {values}")
    return found


def _class_problems(definition: Definition, model: Any) -> list[str]:
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return [f"{definition.name} is {model!r}, not a Pydantic model"]
    found: list[str] = []
    if model.__name__ != definition.name and not (definition.module == "types" and definition.name == "Price"):
        found.append(f"model is named {model.__name__}, spec says {definition.name}")
    by_wire_name = {(info.alias or name): info for name, info in model.model_fields.items()}
    spec_names = [f.name for f in definition.fields]
    for name in by_wire_name:
        if name not in spec_names:
            found.append(f"{name}: field not in the spec")
    for spec_field in definition.fields:
        info = by_wire_name.get(spec_field.name)
        if info is None:
            found.append(f"{spec_field.name}: missing (spec: {spec_field})")
            continue
        found.extend(f"{spec_field.name}: {p}" for p in field_problems(definition.version, spec_field, shape_of(info)))
    return found


def field_problems(version: str, spec: SpecField, shape: Shape) -> list[str]:
    found = list(shape.problems)
    found.extend(_card_problems(spec, shape))
    found.extend(_type_problems(version, spec, shape))
    return found


def _card_problems(spec: SpecField, shape: Shape) -> list[str]:
    card = spec.effective_card
    said = f"spec says {spec.card}" + (" (member of a Choice)" if spec.choice else "")
    found: list[str] = []
    if shape.is_list != (card in ("*", "+")):
        found.append(f"{'a list' if shape.is_list else 'not a list'}, {said}")
    if card in ("1", "+") and not shape.required:
        found.append(f"optional, {said}")
    if card in ("?", "*") and shape.required:
        found.append(f"required, {said}")
    if card == "1" and shape.nullable:
        found.append(f"accepts null, {said}")
    if card in ("?", "*") and not shape.nullable:
        found.append(f"does not accept null, {said} (null means absent)")
    if card in ("?", "*") and not shape.required and (shape.default is not None or shape.has_default_factory):
        found.append(f"default is {shape.default!r}, not None, {said} (an unset optional field is omitted)")
    if card == "+" and shape.list_min_length != 1:
        found.append(f"list min_length is {shape.list_min_length}, {said} (at least one)")
    if card == "*" and shape.list_min_length:
        found.append(f"list min_length is {shape.list_min_length}, {said} (may be empty)")
    return found


def _type_problems(version: str, spec: SpecField, shape: Shape) -> list[str]:
    base, item = shape.base, shape.item
    expected = spec.type
    found: list[str] = []

    def string_checks(max_length: int | None, case_insensitive: bool) -> None:
        if base is not str:
            found.append(f"type is {base_name(base)}, spec says {expected}")
            return
        if item.max_length != max_length:
            found.append(f"max_length is {item.max_length}, spec says {max_length} ({expected})")
        if (item.min_length or None) != spec.min_length:
            found.append(f"min_length is {item.min_length}, spec says {spec.min_length}")
        if case_insensitive:
            if not item.case_insensitive:
                found.append("no case-insensitive validator, spec says CiString")
            if item.pattern != PRINTABLE_ASCII:
                found.append(f"pattern is {item.pattern!r}, CiString is printable ASCII {PRINTABLE_ASCII!r}")
        elif item.case_insensitive:
            found.append(f"case-insensitive (CiString), spec says {expected}")

    if shape.open_enum and not (isinstance(base, type) and issubclass(base, Enum)):
        found.append("OpenEnum of a non-enum")
    if expected == "CiString":
        string_checks(spec.length, case_insensitive=True)
    elif expected == "string":
        string_checks(spec.length, case_insensitive=False)
    elif expected == "URL":
        string_checks(255, case_insensitive=False)
    elif expected in ("DateTime", "number", "int", "boolean"):
        python = {"DateTime": datetime, "number": Decimal, "int": int, "boolean": bool}[expected]
        if base is not python:
            found.append(f"type is {base_name(base)}, spec says {expected}")
        elif expected == "DateTime" and not item.datetime_serializer:
            found.append("plain datetime, not ocpi.core.data_types.DateTime (UTC 'Z' output)")
        elif expected == "number" and not item.number_serializer:
            found.append("plain Decimal, not ocpi.core.data_types.Number")
        # `int(5)` / `int(1)` (Image width/height, RegularHours weekday) give digits, not a string length
        if item.max_length is not None:
            found.append(f"has max_length {item.max_length} on a {expected}")
    elif expected in ("DisplayText", "TaxAmount") or (expected == "Price" and version != "2.1.1"):
        target = {
            "DisplayText": data_types.DisplayText,
            "TaxAmount": data_types.TaxAmount,
            "Price": data_types.PriceV221 if version == "2.2.1" else data_types.PriceV230,
        }[expected]
        if base is not target:
            found.append(f"type is {base_name(base)}, spec says {expected} ({target.__module__}.{target.__name__})")
    else:
        found.extend(_named_type_problems(version, spec, shape))
    return found


def _named_type_problems(version: str, spec: SpecField, shape: Shape) -> list[str]:
    base = shape.base
    definition = by_name(version).get(spec.type)
    if definition is None:
        return [f"spec type {spec.type!r} is defined nowhere in {version} (add a named exception?)"]
    definition = exceptions.corrected(definition)
    if definition.kind == "enum":
        names = ENUM_ALIASES.get(definition.name, (definition.name,))
        if not (isinstance(base, type) and issubclass(base, Enum)):
            return [f"type is {base_name(base)}, spec says enum {spec.type}"]
        found = []
        if base.__name__ not in names:
            found.append(f"type is {base_name(base)}, spec says enum {spec.type}")
        if definition.open_enum and not shape.open_enum:
            found.append(f"closed enum, spec says OpenEnum {spec.type} (use OpenEnum({base.__name__}))")
        if not definition.open_enum and shape.open_enum and not exceptions.may_be_open(definition):
            found.append(f"OpenEnum, spec says closed enum {spec.type}")
        enum_issues = _enum_problems(definition, base)
        found.extend(f"enum {base.__module__}.{base.__name__}: {p}" for p in enum_issues if "named" not in p)
        return found
    try:
        target = resolve(definition)
    except LookupError:
        target = None
    if not (isinstance(base, type) and issubclass(base, BaseModel)):
        return [f"type is {base_name(base)}, spec says class {spec.type}"]
    if target is not None and base is not target:
        return [f"type is {base_name(base)}, spec says {spec.type} ({target.__module__}.{target.__name__})"]
    if target is None and base.__name__ != definition.name:
        return [f"type is {base_name(base)}, spec says {spec.type}"]
    return []
