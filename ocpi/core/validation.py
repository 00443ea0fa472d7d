"""Turning a payload into a model, with OCPI's answer when it does not fit (2001 and the field paths), and the
strict reading that names every deviation from the spec (`deviations`).

The two modes (see `ocpi.core.rules`): `parse` reads leniently, as the models do; `deviations` reads strictly,
through `judged(model)`, the same model with every rule its fields name checked.
"""

from __future__ import annotations

import copy
import enum
import types
from collections.abc import Sequence
from functools import cache
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    create_model,
)
from pydantic_core import ErrorDetails

from ocpi.core import rules
from ocpi.core.errors import InvalidParameters
from ocpi.core.rules import Conforms, Deviation, Rule

M = TypeVar("M", bound=BaseModel)


def error_path(loc: tuple[int | str, ...], prefix: str = "") -> str:
    path = ".".join(str(part) for part in loc)
    if prefix:
        return f"{prefix}.{path}" if path else prefix
    return path or "(body)"


def json_path(loc: Sequence[int | str], root: str = "$") -> str:
    """A Pydantic error location as a JSON path: `$.evses[0].connectors[1].standard`."""
    path = root
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def describe(error: ValidationError, prefix: str = "", limit: int = 10) -> str:
    """`evses.0.connectors.0.power_type: Field required; ...` — every error with its field path."""
    parts = [f"{error_path(e['loc'], prefix)}: {_message(e)}" for e in error.errors(include_url=False)[:limit]]
    more = error.error_count() - limit
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


def _message(error: ErrorDetails) -> str:
    if error["type"] == "ocpi_rule":
        rule = rule_of(error)
        return f"{error['msg']} ({rule.title}; {rule.spec})"
    return _detail(error)


def _detail(error: ErrorDetails) -> str:
    """Pydantic's message, but for a refusing pattern the spec names: what it asks for, with the value."""
    if error["type"] == "string_pattern_mismatch":
        known = rules.REFUSED_PATTERNS.get(str((error.get("ctx") or {}).get("pattern")))
        if known is not None:
            return f"{error.get('input')!r} is not {known[1]}"
    return error["msg"]


def parse(model: type[M], payload: Any, *, what: str = "") -> M:
    """Validate `payload` as `model` (leniently), raising InvalidParameters (2001) that names each field path."""
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        label = what or model.__name__
        raise InvalidParameters(f"invalid {label}: {describe(error)}") from error


# --- the strict reading ----------------------------------------------------------------------------------------


def deviations(model: type[BaseModel], payload: Any, *, version: str | None = None) -> list[Deviation]:
    """Every way `payload` breaks the spec as `model` (of OCPI `version`) reads it, each with its JSON path and
    rule: a missing field, a string too long, an unknown enum value, and each rule a lenient reader reads past
    (a DateTime without seconds, a number written as a string...). Empty when the payload is exact."""
    try:
        judged(model, version).model_validate(payload)
    except ValidationError as error:
        return [deviation_of(e) for e in error.errors(include_url=False)]
    return []


class Judging(enum.Enum):
    """What a reader does with what a partner sends out of spec, besides reading it."""

    NOTE = "note"
    """Read it and report the deviations (the partner's quirks)."""
    REFUSE = "refuse"
    """Refuse it (2001) naming every deviation: a strict receiver."""


def judge(model: type[BaseModel], payload: Any, judging: Judging, *, version: str, what: str = "") -> list[Deviation]:
    """The deviations of a payload the models read; under `REFUSE`, InvalidParameters naming them instead."""
    try:
        judged(model, version).model_validate(payload)
    except ValidationError as error:
        if judging is Judging.REFUSE:
            label = what or model.__name__
            raise InvalidParameters(f"invalid {label} (this node reads strictly): {describe(error)}") from error
        return [deviation_of(e) for e in error.errors(include_url=False)]
    return []


@cache
def judged(model: type[M], version: str | None = None) -> type[M]:
    """`model` with every rule its fields name (`Conforms`) checked: what breaks one is a validation error. A
    subclass (its validators inherited), nested models judged too; built once per model and version."""
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        judged_info = copy.copy(info)
        judged_info.annotation = _judged_type(info.annotation, version)
        judged_info.metadata = [_judged_metadata(m, version) for m in info.metadata]
        if any(c.with_siblings for c in _conforms_of(info.annotation, info.metadata)):
            judged_info.validate_default = True  # a field judged by others may break a rule by its absence
        fields[name] = (judged_info.annotation, judged_info)
    return create_model(model.__name__, __base__=model, __module__=model.__module__, **fields)


def _conforms_of(annotation: Any, metadata: Sequence[Any]) -> list[Conforms]:
    """The rules a field names at its top level (its metadata, or `Annotated` around its type)."""
    found = [m for m in metadata if isinstance(m, Conforms)]
    if get_origin(annotation) is Annotated:
        found += [m for m in get_args(annotation)[1:] if isinstance(m, Conforms)]
    return found


def _judged_metadata(metadata: Any, version: str | None) -> Any:
    """A `Conforms` as a validator: the lenient reading first (what it refuses is reported as such, not as the
    deviation it also is), then the rule, on the value as sent. Of several rules on one type, the first listed is
    checked first (and reported, when the value breaks more than one)."""
    if isinstance(metadata, Conforms):

        def check(
            value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo, rule: Conforms = metadata
        ) -> Any:
            read = handler(value)
            rule.check(value, version, info.data if rule.with_siblings else None)
            return read

        return WrapValidator(check)
    return metadata


def _judged_type(annotation: Any, version: str | None) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return judged(annotation, version)
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return Annotated[(_judged_type(args[0], version), *(_judged_metadata(m, version) for m in args[1:]))]
    if origin in (Union, types.UnionType):
        return Union[tuple(_judged_type(a, version) for a in args)]  # noqa: UP007 - built from a tuple
    if origin is list:
        return list[_judged_type(args[0], version)]  # type: ignore[misc]
    return annotation


_ERROR_RULES = {
    "missing": rules.REQUIRED,
    "too_short": rules.NON_EMPTY,
    "string_too_long": rules.LENGTH,
    "string_too_short": rules.LENGTH,
    "enum": rules.ENUM,
    "literal_error": rules.ENUM,
    "greater_than": rules.RANGE,
    "greater_than_equal": rules.RANGE,
    "less_than": rules.RANGE,
    "less_than_equal": rules.RANGE,
    "value_error": rules.DESCRIPTION,
    "decimal_max_places": rules.NUMBER_DECIMALS,
}


def rule_of(error: ErrorDetails) -> Rule:
    """The rule a Pydantic error stands for."""
    context = error.get("ctx") or {}
    if error["type"] == "ocpi_rule":
        return rules.RULES[context["rule"]]
    if error["type"] == "string_pattern_mismatch":
        return rules.REFUSED_PATTERNS.get(str(context.get("pattern")), (rules.TYPE, ""))[0]
    return _ERROR_RULES.get(error["type"], rules.TYPE)


def deviation_of(error: ErrorDetails, root: str = "$") -> Deviation:
    detail = _detail(error)
    given = error.get("input")
    scalar = isinstance(given, str | int | float) and not isinstance(given, bool)
    if error["type"] not in ("ocpi_rule", "string_pattern_mismatch", "value_error") and scalar:
        detail = f"{given!r}: {detail}"
    return Deviation(rule_of(error), json_path(error["loc"], root), detail, tuple(error["loc"]))
