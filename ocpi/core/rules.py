"""The spec's format rules as data.

Each `Rule` says what the spec requires and where (the types chapter, or a module's table). Two ways of reading
a payload (DESIGN.md, "Two modes of judging a payload"):

- lenient, the models themselves: what can be read unambiguously is read (a DateTime without seconds, a number
  written as a string, a latitude with four decimals); what no one can read is refused (a latitude of "north",
  a string over its length, an unknown enum value). The fields name the rules they read past with `Conforms`
  metadata, which costs the lenient reading nothing;
- strict, `ocpi.core.validation.deviations` (`ocpi validate`, `ocpi check`, the receiver judging what a
  partner sends): every deviation from every rule, each with its JSON path and rule.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic_core import PydanticCustomError


@dataclass(frozen=True)
class Rule:
    id: str
    """Short and stable: the kind of a partner's quirk (`datetime-format`)."""
    title: str
    """The rule as the spec states it."""
    spec: str
    """Where the spec states it: `types § DateTime` (the chapter or module file, and the section)."""
    reader: str
    """What a lenient reader (the node) does with a value that breaks it."""

    @property
    def read(self) -> bool:
        """Whether a lenient reader reads (some) values that break it, rather than refusing them all."""
        return not self.reader.startswith(REFUSED)

    def __str__(self) -> str:
        return self.id


RULES: dict[str, Rule] = {}
REFUSED = "refused"
KEPT = "read, and kept as sent"


def _rule(rule_id: str, title: str, spec: str, reader: str) -> Rule:
    made = RULES[rule_id] = Rule(rule_id, title, spec, reader)
    return made


# --- the rules a lenient reader reads past (named on their fields by `Conforms`) -----------------------------

DATETIME_FORMAT = _rule(
    "datetime-format",
    "DateTime is RFC 3339 `YYYY-MM-DDThh:mm:ss[.fraction][Z]`, at most 25 characters; other formats are not allowed",
    "types § DateTime",
    "read where it names one instant (no seconds: :00; a date alone: midnight UTC; a space for the T; an offset "
    "without its colon; a Unix timestamp) and written back exactly",
)
DATETIME_UTC = _rule(
    "datetime-utc",
    "DateTime is in UTC: `Z` or no zone designator, never an offset (+00:00 is not the same as UTC)",
    "types § DateTime",
    "read, and converted to UTC",
)
JSON_NUMBER = _rule(
    "json-number", "a number is a JSON number, never a string", "types § number", "read as the number it spells"
)
NUMBER_DECIMALS = _rule(
    "number-decimals",
    "numbers use (at most) 4 decimals unless the field says otherwise (a charging limit: one)",
    "types § number; mod_charging_profiles § ChargingProfile class, ChargingProfilePeriod class",
    "read, and kept exactly (Decimal); refused where the field says fewer (a charging limit of 8.15)",
)
JSON_INTEGER = _rule(
    "json-integer",
    "an `int` is a JSON integer (not a string, not 5.0)",
    "the table's type int",
    "read as the integer it spells",
)
JSON_BOOLEAN = _rule(
    "json-boolean",
    "a `boolean` is JSON true or false",
    "the table's type boolean",
    'read as the boolean it spells ("true", "yes", 1...)',
)
STRING_PRINTABLE = _rule(
    "string-printable",
    "string: printable characters only, no CR, LF, TAB or other control characters (2.1.1: printable ASCII)",
    "types § string",
    KEPT,
)
URL_FORMAT = _rule("url", "URL: an absolute URL (scheme and host) without white space", "types § URL", KEPT)
GEO_COORDINATE = _rule(
    "geo-coordinate",
    'latitude/longitude in decimal degrees, decimal separator ".", as the field\'s Regex says',
    "mod_locations § GeoLocation class, AdditionalGeoLocation class",
    f"{KEPT} when it is a number of degrees within range (too few or many decimals); refused when it is not",
)
TIME_OF_DAY = _rule(
    "time-of-day",
    'hours and minutes, 24h format with leading zeros, separator ":" (Regex `([0-1][0-9]|2[0-3]):[0-5][0-9]`)',
    "mod_locations § RegularHours class; mod_tariffs § TariffRestrictions class",
    f"{KEPT} in RegularHours (`8:00`, `24:00`); refused in TariffRestrictions, which the tariff engine reads",
)
DATE = _rule(
    "date",
    "a date `YYYY-MM-DD` (Regex `([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])`)",
    "mod_tariffs § TariffRestrictions class",
    f"{REFUSED}: the tariff engine reads it",
)
CURRENCY_CODE = _rule(
    "currency-code", "an ISO 4217 currency code: three letters, upper case", "the field's table", KEPT
)
COUNTRY_CODE = _rule("country-code", "an ISO 3166-1 alpha-2 country code: two letters", "the field's table", KEPT)
COUNTRY_ALPHA3 = _rule(
    "country-alpha3", "an ISO 3166-1 alpha-3 country code: three letters, upper case", "the field's table", KEPT
)
PARTY_ID = _rule("party-id", "a party id (ISO 15118): three letters or digits", "the field's table", KEPT)
LANGUAGE_CODE = _rule("language-code", "an ISO 639-1 language code: two letters, lower case", "the field's table", KEPT)
PERCENTAGE = _rule("percentage", "a percentage from 0 to 100", "mod_locations § EnergySource class", KEPT)
BASE64 = _rule("base64", "base64 encoded", "mod_cdrs § SignedValue class, SignedData class", KEPT)
EVSE_ID = _rule(
    "evse-id",
    "an EVSE ID as eMI3 and IDACS define it: country code, `*`, operator id (3), `*`, `E` and the outlet's id "
    "(`BE*BEC*E041503001`, the `*` optional); a CDR's may be `#NA` (2.2.1+)",
    "mod_locations § EVSE object; mod_cdrs § CdrLocation class",
    KEPT,
)
NO_MARKUP = _rule("no-markup", "text to be displayed: no markup, html etc. allowed", "types § DisplayText class", KEPT)
PERIOD_ORDER = _rule(
    "period-order",
    "periods run forward: a RegularHours' period_end is later than its period_begin; charging periods follow each "
    "other (a period ends when the next one starts)",
    "mod_locations § RegularHours class; mod_cdrs § ChargingPeriod class",
    KEPT,
)
UNIQUE_ID = _rule(
    "unique-id",
    "ids unique where the table says so: a Connector's id within its EVSE, an EVSE's uid within its Location, a "
    "Parking's id within its Location (2.3.0)",
    "mod_locations § Connector object, EVSE object, Parking object",
    KEPT,
)
CONDITION = _rule(
    "condition",
    "a field present only as its description allows: `credit_reference_id` set for a Credit CDR; "
    "`publish_allowed_to` only when `publish` is false",
    "mod_cdrs § CDR object; mod_locations § Location object",
    KEPT,
)

# --- transport: what a partner's requests and answers around the objects get wrong -------------------------

DATA_IN_LIST = _rule(
    "data-in-list",
    "`data` is the object itself where the answer is one object, not a list holding it",
    "transport_and_format § Response format",
    "the one object in the list read (a list of several is refused)",
)
ENVELOPE = _rule(
    "envelope",
    "the answer's envelope has an int `status_code` and a DateTime `timestamp` (Card. 1)",
    "transport_and_format § Response format",
    "a status code written as a string read as its number; a missing or malformed timestamp ignored",
)
LINK = _rule(
    "link",
    'a list page links the next one as `Link: <URL>; rel="next"`, the URL as the list\'s own (scheme, path), and '
    "only when it is not the last page",
    "transport_and_format § Paginated Response",
    "another scheme on the same host, or Python enum names in the path (`ModuleID.locations`), followed as the "
    'list\'s own URL; `Link: ""` ends the list; a Link back to a page already read, or a last page short of '
    "X-Total-Count, ends it with a note",
)
TOKEN_ENCODING = _rule(
    "token-encoding",
    "the Authorization header's token is Base64 encoded in 2.2.1 and 2.3.0, raw in 2.1.1",
    "transport_and_format § Authorization header",
    "either spelling accepted, in every version",
)
TRANSPORT_RULES = frozenset({DATA_IN_LIST.id, ENVELOPE.id, LINK.id, TOKEN_ENCODING.id})

# --- the rules every reader enforces (the models refuse; a strict report names them) ---------------------

_REFUSED_FIELD = f"{REFUSED} (2001, naming the field)"
REQUIRED = _rule("required", "a field of cardinality 1 (or +) is present", "the object's table, Card.", _REFUSED_FIELD)
NON_EMPTY = _rule(
    "non-empty", "a list of cardinality + has at least one item", "the object's table, Card.", _REFUSED_FIELD
)
LENGTH = _rule(
    "length", "string(n), CiString(n), URL: at most n characters", "types § string, CiString, URL", _REFUSED_FIELD
)
CI_STRING = _rule("ci-string", "CiString: printable ASCII only", "types § CiString", _REFUSED_FIELD)
ENUM = _rule("enum", "one of the enum's values, as written (case-sensitive)", "types § enum", _REFUSED_FIELD)
RANGE = _rule("range", "within the range the field's table gives", "the field's table", _REFUSED_FIELD)
DESCRIPTION = _rule(
    "description",
    "a rule the description of the object or field states (regular_hours only when not twentyfourseven...)",
    "the object's table",
    _REFUSED_FIELD,
)
TYPE = _rule("type", "the JSON type the field's table names (object, list, string, number...)", "types", _REFUSED_FIELD)


# --- the patterns the models refuse with (Pydantic's `pattern`, checked in Rust): the rule and what it asks ------

PRINTABLE_ASCII = r"^[\x20-\x7E]*$"
HOURS_MINUTES = r"^([0-1][0-9]|2[0-3]):[0-5][0-9]$"
YEAR_MONTH_DAY = r"^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
LATITUDE_DEGREES = r"^-?(?:90(?:\.0+)?|[0-8]?[0-9](?:\.[0-9]+)?)$"
LONGITUDE_DEGREES = r"^-?(?:180(?:\.0+)?|(?:1[0-7][0-9]|[0-9]?[0-9])(?:\.[0-9]+)?)$"
REFUSED_PATTERNS: dict[str, tuple[Rule, str]] = {
    PRINTABLE_ASCII: (CI_STRING, "printable ASCII"),
    HOURS_MINUTES: (TIME_OF_DAY, "a time of day `hh:mm` (24h, leading zeros)"),
    YEAR_MONTH_DAY: (DATE, "a date `YYYY-MM-DD`"),
    LATITUDE_DEGREES: (GEO_COORDINATE, "a number of degrees from -90 to 90"),
    LONGITUDE_DEGREES: (GEO_COORDINATE, "a number of degrees from -180 to 180"),
}


# --- the checks ----------------------------------------------------------------------------------------------

_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?")


def datetime_problem(value: Any, _version: str | None = None) -> str | None:
    """What is wrong with `value` as an OCPI DateTime's format (the zone is `datetime_zone_problem`'s)."""
    if not isinstance(value, str):
        return None
    if _DATETIME.fullmatch(value):
        return f"{value!r} is longer than 25 characters" if len(value) > 25 else None
    if re.fullmatch(r"-?\d+(\.\d+)?", value):
        return f"{value!r} is a Unix timestamp, not an RFC 3339 DateTime"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return f"{value!r} is a date without a time"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2} .*", value):
        return f"{value!r} separates date and time with a space, not `T`"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(?:Z|[+-]\d{2}:?\d{2})?", value):
        return f"{value!r} has no seconds"
    if re.fullmatch(r".*[+-]\d{4}", value):
        return f"{value!r} writes its offset without a colon"
    return f"{value!r} is not `YYYY-MM-DDThh:mm:ss[.fraction][Z]`"


_OFFSET = re.compile(r".*T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?([+-]\d{2}:?\d{2})$", re.IGNORECASE)


def datetime_zone_problem(value: Any, _version: str | None = None) -> str | None:
    if isinstance(value, str):
        offset = _OFFSET.fullmatch(value)
        if offset is not None:
            return f"{value!r} has the offset {offset[1]}, not UTC"
    return None


# A value of the wrong JSON type is a deviation only where a lenient reader reads it (a string holding a number);
# otherwise (`"lots"` for an int) it is the type error the models raise themselves.
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+(\.0*)?")
_BOOLEAN_TEXT = frozenset({"true", "false", "1", "0", "yes", "no", "on", "off", "t", "f", "y", "n"})


def number_problem(value: Any, _version: str | None = None) -> str | None:
    if isinstance(value, str):
        try:
            readable = Decimal(value).is_finite()
        except InvalidOperation:
            readable = False
        return f"{value!r} is a string" if readable else None
    return None


def decimals_problem(value: Any, _version: str | None = None) -> str | None:
    if isinstance(value, float) and not value.is_integer():
        exponent = Decimal(repr(value)).as_tuple().exponent
    elif isinstance(value, Decimal | str):
        try:
            exponent = Decimal(value).as_tuple().exponent
        except InvalidOperation:
            return None
    else:
        return None
    if isinstance(exponent, int) and exponent < -4:
        return f"{value} has {-exponent} decimals"
    return None


def integer_problem(value: Any, _version: str | None = None) -> str | None:
    if isinstance(value, bool):
        return f"{value!r} is a boolean"
    if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()):
        return f"{value!r} is a string"
    if isinstance(value, float) and value.is_integer():
        return f"{value!r} is not an integer"
    return None


def boolean_problem(value: Any, _version: str | None = None) -> str | None:
    if isinstance(value, str) and value.strip().lower() in _BOOLEAN_TEXT:
        return f"{value!r} is a string"
    if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
        return f"{value!r} is a number"
    return None


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def string_problem(value: Any, version: str | None = None) -> str | None:
    if not isinstance(value, str):
        return None
    if value.isascii() and value.isprintable():  # the usual case, without a regex
        return None
    control = _CONTROL.search(value)
    if control is not None:
        return f"{value[:40]!r} has the control character {control[0]!r}"
    if version == "2.1.1" and not value.isascii():
        return f"{value[:40]!r} is not ASCII (2.1.1 strings are printable ASCII)"
    return None


_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#]+[^\s]*")


def url_problem(value: Any, _version: str | None = None) -> str | None:
    if isinstance(value, str) and not _URL.fullmatch(value):
        return f"{value!r} is not an absolute URL"
    return None


def pattern_problem(pattern: str, what: str, *, any_case: bool = False) -> Callable[[Any, str | None], str | None]:
    """A check that `value` fully matches `pattern` (upper-cased first when `any_case`: a CiString)."""
    compiled = re.compile(pattern)

    def problem(value: Any, _version: str | None = None) -> str | None:
        if not isinstance(value, str):
            return None
        if compiled.fullmatch(value.upper() if any_case else value):
            return None
        return f"{value!r} is not {what}"

    return problem


# eMI3 / IDACS ("E-mobility ID-codes"), as ISO 15118-2 Annex H writes it: <country> [*] <operator> [*] E <outlet>.
EVSE_ID_PATTERN = r"[A-Z]{2}\*?[A-Z0-9]{3}\*?E[A-Z0-9][A-Z0-9*]{0,30}"
evse_id_problem = pattern_problem(EVSE_ID_PATTERN, "an EVSE ID `<country>*<operator>*E<outlet>`", any_case=True)
cdr_evse_id_problem = pattern_problem(
    f"{EVSE_ID_PATTERN}|#NA", "an EVSE ID `<country>*<operator>*E<outlet>` or `#NA`", any_case=True
)

_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>|&(?:[A-Za-z]+|#[0-9]+|#x[0-9A-Fa-f]+);")


def markup_problem(value: Any, _version: str | None = None) -> str | None:
    if isinstance(value, str) and ("<" in value or "&" in value):
        found = _MARKUP.search(value)
        if found is not None:
            return f"{value[:40]!r} has the markup {found[0]!r}"
    return None


def _minutes(value: Any) -> int | None:
    """`hh:mm` as minutes; None for what is not `hh:mm` (the time-of-day rule's to report)."""
    if not isinstance(value, str) or re.fullmatch(HOURS_MINUTES, value) is None:
        return None
    return int(value[:2]) * 60 + int(value[3:])


def later_than_begin_problem(value: Any, _version: str | None, read: dict[str, Any]) -> str | None:
    """RegularHours: `period_end` later than `period_begin` (both `hh:mm`; what is not is the time-of-day rule's)."""
    begin, end = read.get("period_begin"), value
    begin_minutes, end_minutes = _minutes(begin), _minutes(end)
    if begin_minutes is not None and end_minutes is not None and end_minutes <= begin_minutes:
        return f"period_end {end!r} is not later than period_begin {begin!r}"
    return None


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        return None
    try:
        read = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return read if read.tzinfo is not None else read.replace(tzinfo=UTC)


def periods_order_problem(value: Any, _version: str | None = None) -> str | None:
    """Charging periods in the order they happened: each starts no earlier than the one before it."""
    if not isinstance(value, list):
        return None
    starts = [_instant(p.get("start_date_time")) if isinstance(p, dict) else None for p in value]
    for index in range(1, len(starts)):
        before, after = starts[index - 1], starts[index]
        if before is not None and after is not None and after < before:
            return (
                f"charging period {index} starts at {value[index]['start_date_time']!r}, before period "
                f"{index - 1} ({value[index - 1]['start_date_time']!r})"
            )
    return None


def unique_problem(key: str) -> Callable[[Any, str | None], str | None]:
    """A check that the objects of a list differ in `key` (CiStrings: in any case)."""

    def problem(value: Any, _version: str | None = None) -> str | None:
        if not isinstance(value, list):
            return None
        seen: set[Any] = set()
        for item in value:
            given = item.get(key) if isinstance(item, dict) else None
            same = given.upper() if isinstance(given, str) else given
            if same is not None and same in seen:
                return f"{key} {given!r} appears more than once"
            seen.add(same)
        return None

    return problem


def credit_reference_problem(value: Any, _version: str | None, read: dict[str, Any]) -> str | None:
    if read.get("credit") is True and value is None:
        return "a Credit CDR (credit: true) without credit_reference_id"
    return None


def publish_allowed_to_problem(value: Any, _version: str | None, read: dict[str, Any]) -> str | None:
    if value and read.get("publish") is True:
        return "publish_allowed_to is set while publish is true"
    return None


def percentage_problem(value: Any, _version: str | None = None) -> str | None:
    try:
        number = Decimal(value) if isinstance(value, str | int | float | Decimal) else None
    except InvalidOperation:
        return None
    if number is not None and not 0 <= number <= 100:
        return f"{value} is not between 0 and 100"
    return None


def base64_problem(value: Any, _version: str | None = None) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return f"{value[:40]!r} is not base64"
    return None


# --- deviations ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Deviation:
    """One place where a payload breaks a rule."""

    rule: Rule
    path: str
    """A JSON path into the payload (`$.evses[0].last_updated`)."""
    detail: str
    """What is wrong there, with the value."""
    loc: tuple[int | str, ...] = ()
    """The same place as keys and indexes (`("evses", 0, "last_updated")`)."""

    def __str__(self) -> str:
        return f"{self.path}: {self.detail} [{self.rule.id}; {self.rule.spec}]"


def refuse(rule: Rule, detail: str) -> None:
    """Raise the validation error of `rule`, named as such in reports."""
    raise PydanticCustomError("ocpi_rule", "{detail}", {"rule": rule.id, "detail": detail})


class Conforms:
    """`Annotated` metadata naming a rule a field keeps, and how to tell when it does not. Pydantic ignores it:
    the models read leniently; `ocpi.core.validation.judged(model)` turns each into a validator that refuses
    what breaks the rule (the strict reading)."""

    __slots__ = ("problem", "rule", "with_siblings")

    def __init__(self, rule: Rule, problem: Callable[..., str | None], *, with_siblings: bool = False):
        self.rule = rule
        self.problem = problem
        self.with_siblings = with_siblings
        """Whether `problem` also takes the fields read before this one (`period_end` is judged by
        `period_begin`): `problem(value, version, read)`."""

    def check(self, value: Any, version: str | None, read: dict[str, Any] | None = None) -> Any:
        """`value` unchanged, or the validation error of the rule."""
        siblings = (read or {},) if self.with_siblings else ()
        detail = self.problem(value, version, *siblings)
        if detail is not None:
            refuse(self.rule, detail)
        return value

    def __repr__(self) -> str:
        return f"Conforms({self.rule.id})"


def rules_of(metadata: Sequence[Any]) -> list[Rule]:
    """The rules that `Annotated` metadata names."""
    return [m.rule for m in metadata if isinstance(m, Conforms)]
