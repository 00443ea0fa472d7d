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

from ocpi.core import rules
from ocpi.core.model import OcpiModel
from ocpi.core.rules import Conforms

_PRINTABLE_TEXT = Conforms(rules.STRING_PRINTABLE, rules.string_problem)


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


@cache
def CiString(max_length: int) -> Any:  # noqa: N802 - the spec's type name, a fixed public name
    """Case-insensitive printable ASCII string of at most `max_length` characters."""
    return Annotated[
        str,
        StringConstraints(max_length=max_length, pattern=rules.PRINTABLE_ASCII),
        AfterValidator(CaseInsensitiveStr),
    ]


@cache
def String(max_length: int) -> Any:  # noqa: N802 - the spec's type name, a fixed public name
    """Case-sensitive string of at most `max_length` characters (counted as characters, not bytes)."""
    return Annotated[str, StringConstraints(max_length=max_length), _PRINTABLE_TEXT]


Text = Annotated[str, _PRINTABLE_TEXT]
"""A `string` without a length in the spec's table."""

URL = Annotated[str, StringConstraints(max_length=255), Conforms(rules.URL_FORMAT, rules.url_problem)]

Int = Annotated[int, Conforms(rules.JSON_INTEGER, rules.integer_problem)]
"""The tables' `int`: a JSON integer (a string or 5.0 is read, and is a deviation)."""

Boolean = Annotated[bool, Conforms(rules.JSON_BOOLEAN, rules.boolean_problem)]
"""The tables' `boolean`: JSON true or false (`"true"` or 1 is read, and is a deviation)."""


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
    Conforms(rules.DATETIME_FORMAT, rules.datetime_problem),
    Conforms(rules.DATETIME_UTC, rules.datetime_zone_problem),
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
    Conforms(rules.JSON_NUMBER, rules.number_problem),
    Conforms(rules.NUMBER_DECIMALS, rules.decimals_problem),
    PlainSerializer(decimal_to_json, return_type=int | float, when_used="json"),
]
"""OCPI `number`: exact decimal in Python, a JSON number on the wire (never a float in between). A number
written as a JSON string is read, and is a deviation."""

# --- codes the tables name (ISO 3166, ISO 4217, ISO 639-1, ISO 15118) ------------------------------------
# Each is `Annotated` metadata to put on the table's type; the common combinations are named below.

ISO_3166_ALPHA2 = Conforms(rules.COUNTRY_CODE, rules.pattern_problem("[A-Z]{2}", "two letters", any_case=True))
ISO_3166_ALPHA3 = Conforms(rules.COUNTRY_ALPHA3, rules.pattern_problem("[A-Z]{3}", "three upper-case letters"))
ISO_3166_ALPHA3_ANY_CASE = Conforms(
    rules.COUNTRY_ALPHA3, rules.pattern_problem("[A-Z]{3}", "three letters", any_case=True)
)
ISO_4217 = Conforms(rules.CURRENCY_CODE, rules.pattern_problem("[A-Z]{3}", "three upper-case letters"))
ISO_4217_ANY_CASE = Conforms(rules.CURRENCY_CODE, rules.pattern_problem("[A-Z]{3}", "three letters", any_case=True))
ISO_639_1 = Conforms(rules.LANGUAGE_CODE, rules.pattern_problem("[a-z]{2}", "two lower-case letters"))
ISO_15118_PARTY = Conforms(
    rules.PARTY_ID, rules.pattern_problem("[A-Z0-9]{3}", "three letters or digits", any_case=True)
)

CountryCode = Annotated[CiString(2), ISO_3166_ALPHA2]
"""`CiString(2)`, "ISO-3166 alpha-2 country code"."""

PartyId = Annotated[CiString(3), ISO_15118_PARTY]
"""`CiString(3)`, a party id "following the ISO-15118 standard"."""

CurrencyCode = Annotated[String(3), ISO_4217]
"""`string(3)`, "ISO 4217 code" (a string is case-sensitive: `EUR`)."""

CountryAlpha3 = Annotated[String(3), ISO_3166_ALPHA3]
"""`string(3)`, "ISO 3166-1 alpha-3 code" (`NLD`)."""

LanguageCode = Annotated[String(2), ISO_639_1]
"""`string(2)`, "Language Code ISO 639-1" (`en`)."""


@cache
def Base64Text(max_length: int) -> Any:  # noqa: N802 - a type, like String(n)
    """A string(`max_length`) the table says is "base64 encoded"."""
    return Annotated[String(max_length), Conforms(rules.BASE64, rules.base64_problem)]


Percentage = Annotated[Number, Conforms(rules.PERCENTAGE, rules.percentage_problem)]
"""A `number` the table says is a percentage "(0-100)"."""

HoursMinutes = Annotated[
    String(5), Conforms(rules.TIME_OF_DAY, rules.pattern_problem("([0-1][0-9]|2[0-3]):[0-5][0-9]", "`hh:mm` (24h)"))
]
"""A time of day `hh:mm` (RegularHours): `8:00` or `24:00` is read, and is a deviation."""

PeriodEnd = Annotated[HoursMinutes, Conforms(rules.PERIOD_ORDER, rules.later_than_begin_problem, with_siblings=True)]
"""RegularHours' `period_end`: "Must be later than `period_begin`" (`18:00`-`08:00` is read, and is a deviation)."""

EVSE_ID = Conforms(rules.EVSE_ID, rules.evse_id_problem)
EvseId = Annotated[CiString(48), EVSE_ID]
"""An EVSE's `evse_id`: `CiString(48)` in the eMI3 / IDACS format (`BE*BEC*E041503001`)."""

CdrEvseId = Annotated[CiString(48), Conforms(rules.EVSE_ID, rules.cdr_evse_id_problem)]
"""A CDR location's `evse_id`: an EVSE ID, or `#NA` for a reservation that never became a session."""

UNIQUE_CONNECTOR_IDS = Conforms(rules.UNIQUE_ID, rules.unique_problem("id"))
"""On an EVSE's connectors: "Two Connectors may have the same id as long as they do not belong to the same EVSE"."""
UNIQUE_EVSE_UIDS = Conforms(rules.UNIQUE_ID, rules.unique_problem("uid"))
"""On a Location's EVSEs: each `uid` "Uniquely identifies the EVSE within the CPOs platform"."""
UNIQUE_PARKING_IDS = Conforms(rules.UNIQUE_ID, rules.unique_problem("id"))
"""On a Location's parking places (2.3.0): "MUST be unique among all Parking objects in the same Location"."""
CREDIT_REFERENCE = Conforms(rules.CONDITION, rules.credit_reference_problem, with_siblings=True)
"""On a CDR's `credit_reference_id`: "Is required to be set for a Credit CDR"."""
PUBLISH_ALLOWED_TO = Conforms(rules.CONDITION, rules.publish_allowed_to_problem, with_siblings=True)
"""On a Location's `publish_allowed_to`: "may only be used when the `publish` field is set to `false`"."""

CHARGING_PERIODS_IN_ORDER = Conforms(rules.PERIOD_ORDER, rules.periods_order_problem)
"""On a list of charging periods: in the order they happened (a period ends when the next one starts)."""


@cache
def Coordinate(max_length: int, pattern: str, limit: int) -> Any:  # noqa: N802 - a type, like String(n)
    """A latitude (`limit` 90) or longitude (180) in decimal degrees, written as a string(`max_length`). The
    field's Regex (`pattern`) is a rule a reader reads past (`50.77`, too few decimals); what is not a number
    of degrees within the limit (`north`, `50,77`) is refused: nothing can be located with it."""
    degrees = rules.LATITUDE_DEGREES if limit == 90 else rules.LONGITUDE_DEGREES
    return Annotated[
        String(max_length),
        StringConstraints(pattern=degrees),
        Conforms(rules.GEO_COORDINATE, rules.pattern_problem(pattern, f"decimal degrees as `{pattern}`")),
    ]


class DisplayText(OcpiModel):
    language: LanguageCode
    text: Annotated[String(512), Conforms(rules.NO_MARKUP, rules.markup_problem)]


# --- Price, per version --------------------------------------------------------------------------

PriceV211 = Number
"""2.1.1 has no Price class: costs are plain numbers excluding VAT."""


class PriceV221(OcpiModel):
    excl_vat: Number
    incl_vat: Number | None = None


class TaxAmount(OcpiModel):
    """2.3.0 TaxAmount."""

    name: Text
    account_number: Text | None = None
    percentage: Number | None = None
    amount: Number


class PriceV230(OcpiModel):
    before_taxes: Number
    taxes: list[TaxAmount] | None = None


Price = PriceV230
"""The canonical Price (2.3.0)."""


__all__ = [
    "CHARGING_PERIODS_IN_ORDER",
    "CREDIT_REFERENCE",
    "PUBLISH_ALLOWED_TO",
    "UNIQUE_CONNECTOR_IDS",
    "UNIQUE_EVSE_UIDS",
    "UNIQUE_PARKING_IDS",
    "URL",
    "Base64Text",
    "Boolean",
    "CaseInsensitiveStr",
    "CdrEvseId",
    "CiString",
    "Coordinate",
    "CountryAlpha3",
    "CountryCode",
    "CurrencyCode",
    "DateTime",
    "DisplayText",
    "EvseId",
    "HoursMinutes",
    "Int",
    "LanguageCode",
    "Number",
    "OpenEnum",
    "PartyId",
    "Percentage",
    "PeriodEnd",
    "Price",
    "PriceV211",
    "PriceV221",
    "PriceV230",
    "String",
    "TaxAmount",
    "Text",
    "format_datetime",
    "parse_datetime",
]
