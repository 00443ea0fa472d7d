"""The OCPI response envelope: `{data, status_code, status_message, timestamp}` on every response."""

from __future__ import annotations

import time
from collections.abc import Sequence
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


_second_text: tuple[int, str] = (0, "")


def timestamp_now() -> str:
    """The current time as an OCPI DateTime with milliseconds: every answer carries one, so the part up to
    the second is formatted once per second."""
    global _second_text
    moment = time.time()
    second = int(moment)
    if _second_text[0] != second:
        _second_text = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
    return f"{_second_text[1]}.{int((moment - second) * 1000):03d}Z"


def envelope_bytes(
    data_json: bytes | Sequence[bytes] | None = None,
    status_code: int = StatusCode.SUCCESS,
    status_message: str | None = None,
    timestamp: datetime | None = None,
) -> bytes:
    """Encode an envelope around already-encoded `data` JSON (or the pieces that make it when joined), so
    stored objects are never re-encoded and are copied once, into the answer."""
    if data_json is None:
        parts = [b'{"status_code":']
    elif isinstance(data_json, bytes):
        parts = [b'{"data":', data_json, b',"status_code":']
    else:
        parts = [b'{"data":', *data_json, b',"status_code":']
    parts.append(str(int(status_code)).encode())
    if status_message is not None:
        parts += (b',"status_message":', orjson.dumps(status_message))
    stamp = timestamp_now() if timestamp is None else format_datetime(timestamp)
    parts += (b',"timestamp":"', stamp.encode(), b'"}')
    return b"".join(parts)


def envelope(data: Any = None, status_code: int = StatusCode.SUCCESS, status_message: str | None = None) -> bytes:
    """Encode an envelope around a JSON-ready value (`None` leaves `data` out)."""
    return envelope_bytes(None if data is None else orjson.dumps(data), status_code, status_message)
