"""Format rules checked to the letter (our models read leniently; the checker must not)."""

from __future__ import annotations

import re
import types
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any, Union, get_args, get_origin
from urllib.parse import urlsplit

from pydantic import BaseModel

from ocpi.core import rules

# transport_and_format, Paginated Response: `Link: <https://...>; rel="next"`.
_NEXT_LINK = re.compile(r'<([^<>\s]+)>\s*;\s*rel="next"')


def datetime_problem(value: Any) -> str | None:
    """Why `value` is not an OCPI DateTime (types, DateTime: RFC 3339 in UTC, string(25)), or None."""
    if not isinstance(value, str):
        return f"{value!r} is not a string"
    problem = rules.datetime_problem(value) or rules.datetime_zone_problem(value)
    if problem is not None:
        return problem
    try:
        datetime.fromisoformat(value.removesuffix("Z"))
    except ValueError:
        return f"{value!r} is not a valid date and time"
    return None


def is_absolute(url: Any) -> bool:
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def link_problem(header: str) -> str | None:
    """Why a `Link` header is not the spec's `<absolute URL>; rel="next"`, or None."""
    match = _NEXT_LINK.search(header)
    if match is None:
        return f'Link {header!r} is not `<URL>; rel="next"`'
    if not is_absolute(match.group(1)):
        return f"Link URL {match.group(1)!r} is not absolute"
    return None


def pointer(*parts: int | str) -> str:
    """A JSON Pointer (RFC 6901) to a place in an answer: `/data/3/evses/0/status`."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def datetime_fields(model: type[BaseModel], value: Any) -> Iterator[tuple[tuple[int | str, ...], Any]]:
    """Every DateTime field present in `value` (a JSON object of `model`), with its path."""
    seen: set[tuple[int | str, ...]] = set()
    for path, found in _walk(model, value, ()):
        if path not in seen:
            seen.add(path)
            yield path, found


def _walk(annotation: Any, value: Any, path: tuple[int | str, ...]) -> Iterator[tuple[tuple[int | str, ...], Any]]:
    if value is None:
        return
    origin = get_origin(annotation)
    if annotation is datetime:
        yield path, value
    elif origin is Annotated:
        yield from _walk(get_args(annotation)[0], value, path)
    elif origin in (Union, types.UnionType):
        for member in get_args(annotation):
            yield from _walk(member, value, path)
    elif origin is list and isinstance(value, list):
        (item_type,) = get_args(annotation) or (Any,)
        for index, item in enumerate(value):
            yield from _walk(item_type, item, (*path, index))
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(value, dict):
        for name, info in annotation.model_fields.items():
            key = info.alias or name
            if key in value:
                yield from _walk(info.annotation, value[key], (*path, key))
