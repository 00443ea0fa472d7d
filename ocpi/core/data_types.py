"""OCPI's basic types as Pydantic v2 annotated types.

`CiString(n)` and `String(n)` are called in annotations (`id: CiString(36)`); mypy treats them as `Any`
in the schema modules (see pyproject), Pydantic sees the real constraints.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from functools import cache, lru_cache
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, StringConstraints

from ocpi.core.model import OcpiModel


class CaseInsensitiveStr(str):
    """A `str` that compares and hashes case-insensitively, as OCPI's CiString requires."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return self.casefold() == other.casefold()
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        return hash(self.casefold())


_PRINTABLE_ASCII = r"^[\x20-\x7E]*$"


@cache
def CiString(max_length: int) -> Any:  # noqa: N802 - the spec's type name, a fixed public name
    """Case-insensitive printable ASCII string of at most `max_length` characters."""
    return Annotated[
        str,
        StringConstraints(max_length=max_length, pattern=_PRINTABLE_ASCII),
        AfterValidator(CaseInsensitiveStr),
    ]


@cache
def String(max_length: int) -> Any:  # noqa: N802 - the spec's type name, a fixed public name
    """Case-sensitive string of at most `max_length` characters (counted as characters, not bytes)."""
    return Annotated[str, StringConstraints(max_length=max_length)]


URL = Annotated[str, StringConstraints(max_length=255)]


@cache
def OpenEnum(enum: type[StrEnum]) -> Any:  # noqa: N802 - the spec's type name
    """2.3.0 OpenEnum: the enum's values, and any other string a partner may send (kept as `str`)."""
    return Annotated[enum | str, Field(union_mode="left_to_right")]


@lru_cache(maxsize=4096)
def format_datetime(value: datetime) -> str:
    """UTC with `Z`; seconds precision, or milliseconds when there is a fraction. Kept per instant (equal
    instants format alike, whatever their zone): an object's times repeat (its EVSEs and connectors mostly
    share its `last_updated`) and a write renders each in every version; 0.06 instead of 1.3 us a call."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="milliseconds" if value.microsecond else "seconds") + "Z"


def parse_datetime(text: Any) -> datetime | None:
    """Lenient DateTime reading for headers and query strings: aware UTC, or None when it is not one."""
    if not isinstance(text, str):
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: beyond year 1 or 9999 once in UTC
        return None


def _only_text_or_datetime(value: Any) -> Any:
    if isinstance(value, str | datetime):
        return value
    raise ValueError("DateTime must be an RFC 3339 string")


def _as_utc(value: datetime) -> datetime:
    # No zone designator means UTC in every OCPI version; an offset is converted.
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+14:00, 9999-12-31T23:59:59-14:00
        raise ValueError("DateTime out of range once converted to UTC (years 1 to 9999)") from None


DateTime = Annotated[
    datetime,
    BeforeValidator(_only_text_or_datetime),
    AfterValidator(_as_utc),
    PlainSerializer(format_datetime, return_type=str, when_used="json"),
]


def decimal_to_json(value: Decimal) -> int | float:
    """A JSON number with the decimal's digits: integral values as int, others as the shortest float."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


Number = Annotated[
    Decimal,
    Field(allow_inf_nan=False),
    PlainSerializer(decimal_to_json, return_type=int | float, when_used="json"),
]
"""OCPI `number`: exact decimal in Python, a JSON number on the wire (never a float in between)."""


class DisplayText(OcpiModel):
    language: String(2)
    text: String(512)


# --- Price, per version --------------------------------------------------------------------------

PriceV211 = Number
"""2.1.1 has no Price class: costs are plain numbers excluding VAT."""


class PriceV221(OcpiModel):
    excl_vat: Number
    incl_vat: Number | None = None


class TaxAmount(OcpiModel):
    """2.3.0 TaxAmount."""

    name: str
    account_number: str | None = None
    percentage: Number | None = None
    amount: Number


class PriceV230(OcpiModel):
    before_taxes: Number
    taxes: list[TaxAmount] | None = None


Price = PriceV230
"""The canonical Price (2.3.0)."""


__all__ = [
    "URL",
    "CaseInsensitiveStr",
    "CiString",
    "DateTime",
    "DisplayText",
    "Number",
    "OpenEnum",
    "Price",
    "PriceV211",
    "PriceV221",
    "PriceV230",
    "String",
    "TaxAmount",
    "format_datetime",
    "parse_datetime",
]
