"""The OCPI response envelope: `{data, status_code, status_message, timestamp}` on every response."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict

from ocpi.core.data_types import DateTime, format_datetime
from ocpi.core.status import StatusCode

T = TypeVar("T")


class OcpiResponse(BaseModel, Generic[T]):
    """The envelope as a generic model, for documentation (OpenAPI) and for parsing a partner's answer."""

    model_config = ConfigDict(extra="allow")

    data: T | None = None
    status_code: int
    status_message: str | None = None
    timestamp: DateTime


def now() -> datetime:
    return datetime.now(UTC)


def envelope_bytes(
    data_json: bytes | None = None,
    status_code: int = StatusCode.SUCCESS,
    status_message: str | None = None,
    timestamp: datetime | None = None,
) -> bytes:
    """Encode an envelope around already-encoded `data` JSON, so stored objects are never re-encoded."""
    parts = []
    if data_json is not None:
        parts.append(b'{"data":' + data_json)
    parts.append(b'"status_code":' + str(int(status_code)).encode())
    if status_message is not None:
        parts.append(b'"status_message":' + orjson.dumps(status_message))
    parts.append(b'"timestamp":"' + format_datetime(timestamp or now()).encode() + b'"}')
    body = b",".join(parts)
    return body if data_json is not None else b"{" + body


def envelope(data: Any = None, status_code: int = StatusCode.SUCCESS, status_message: str | None = None) -> bytes:
    """Encode an envelope around a JSON-ready value (`None` leaves `data` out)."""
    return envelope_bytes(None if data is None else orjson.dumps(data), status_code, status_message)
