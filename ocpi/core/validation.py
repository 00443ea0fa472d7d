"""Turning a payload into a model, with OCPI's answer when it does not fit: 2001 and the field paths."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ocpi.core.errors import InvalidParameters

M = TypeVar("M", bound=BaseModel)


def error_path(loc: tuple[int | str, ...], prefix: str = "") -> str:
    path = ".".join(str(part) for part in loc)
    if prefix:
        return f"{prefix}.{path}" if path else prefix
    return path or "(body)"


def describe(error: ValidationError, prefix: str = "", limit: int = 10) -> str:
    """`evses.0.connectors.0.power_type: Field required; ...` — every error with its field path."""
    parts = [f"{error_path(e['loc'], prefix)}: {e['msg']}" for e in error.errors(include_url=False)[:limit]]
    more = error.error_count() - limit
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


def parse(model: type[M], payload: Any, *, what: str = "") -> M:
    """Validate `payload` as `model`, raising InvalidParameters (2001) that names each field path."""
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        label = what or model.__name__
        raise InvalidParameters(f"invalid {label}: {describe(error)}") from error
