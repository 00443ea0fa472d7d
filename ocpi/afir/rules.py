"""The checks behind the AFIR item table: each rule looks at a Location (as its 2.3.0 JSON) and the tariffs
that apply, and yields the problems it finds, each at an OCPI field path (JSON pointer).

A rule says only *what* is wrong (absent or malformed); the item table says whether the item is mandatory,
so the same rule can serve a mandatory and an optional item.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeGuard

from ocpi.afir.codes import ALPHA2_BY_ALPHA3, CURRENCIES, NATIONAL_CURRENCIES, nuts_country
from ocpi.core.rules import EVSE_ID_PATTERN


@dataclass(frozen=True, slots=True)
class Problem:
    absent: bool
    """True: the data is not there; False: it is there in a format AFIR cannot take."""
    path: str
    message: str
    tariff: str | None = None
    """`country_code/party_id/id` of the tariff `path` points into; None: `path` points into the Location."""


def absent(path: str, message: str, tariff: str | None = None) -> Problem:
    return Problem(True, path, message, tariff)


def malformed(path: str, message: str, tariff: str | None = None) -> Problem:
    return Problem(False, path, message, tariff)


def _dicts(value: Any) -> list[tuple[int, dict[str, Any]]]:
    return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)] if isinstance(value, list) else []


def _text(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value.strip())


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def tariff_key(tariff: dict[str, Any]) -> str:
    return f"{tariff.get('country_code', '')}/{tariff.get('party_id', '')}/{tariff.get('id', '')}".upper()


@dataclass(frozen=True)
class Subject:
    """The Location under check and the tariffs that may apply to it (None: tariffs were not given)."""

    location: dict[str, Any]
    tariffs: list[dict[str, Any]] | None = None

    def get(self, pointer: str) -> Any:
        node: Any = self.location
        for part in pointer.strip("/").split("/"):
            if isinstance(node, dict):
                node = node.get(part)
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
        return node

    def evses(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """The EVSEs that are recharging points: a REMOVED EVSE no longer is one (mod_locations, Status)."""
        for index, evse in _dicts(self.location.get("evses")):
            if evse.get("status") != "REMOVED":
                yield f"/evses/{index}", evse

    def connectors(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for evse_path, evse in self.evses():
            for index, connector in _dicts(evse.get("connectors")):
                yield f"{evse_path}/connectors/{index}", connector

    def parking_places(self) -> list[tuple[str, dict[str, Any]]]:
        return [(f"/parking_places/{i}", p) for i, p in _dicts(self.location.get("parking_places"))]


Rule = Callable[[Subject], Iterable[Problem]]


# --- general information -------------------------------------------------------------------------


def text(*pointers: str) -> Rule:
    """Non-blank text at one of `pointers`."""

    def rule(subject: Subject) -> Iterator[Problem]:
        if not any(_text(subject.get(p)) for p in pointers):
            yield absent(pointers[0], f"no {' or '.join(pointers)}")

    return rule


def recharging_points(subject: Subject) -> Iterator[Problem]:
    if not any(True for _ in subject.evses()):
        yield absent("/evses", "no EVSE (recharging point) that is not REMOVED")


# AFIR, Table A item 5: "+<country code> <complete number with the starting zero>[-<extension>]",
# no other dashes, spaces or brackets.
_PHONE = re.compile(r"\+[1-9][0-9]{0,2} [0-9]{4,14}(-[0-9]{1,6})?")


def helpdesk_phone(subject: Subject) -> Iterator[Problem]:
    phone = subject.get("/help_phone")
    if not _text(phone):
        yield absent("/help_phone", "no helpdesk telephone number")
    elif not _PHONE.fullmatch(phone):
        yield malformed(
            "/help_phone",
            f"{phone!r} is not '+<country code> <number with its starting zero>[-<extension>]', "
            "e.g. '+31 0201234567-12'",
        )


def facilities(subject: Subject) -> Iterator[Problem]:
    """Facilities are yes/no items: an omitted list or flag says neither yes nor no."""
    if not isinstance(subject.get("/facilities"), list):
        yield absent("/facilities", "facilities not stated (an empty list would say 'none')")
    places = subject.parking_places()
    if not places:
        yield absent("/parking_places", "no parking places to say whether they are roofed and illuminated")
    for path, place in places:
        for flag in ("roofed", "lighting"):
            if not isinstance(place.get(flag), bool):
                yield absent(f"{path}/{flag}", f"{flag} not stated")


# --- geographic location -------------------------------------------------------------------------

# mod_locations.asciidoc, GeoLocation: `-?[0-9]{1,2}\.[0-9]{5,7}` and `-?[0-9]{1,3}\.[0-9]{5,7}`.
_LATITUDE = re.compile(r"-?[0-9]{1,2}\.[0-9]{5,7}")
_LONGITUDE = re.compile(r"-?[0-9]{1,3}\.[0-9]{5,7}")


def _coordinates(path: str, value: Any) -> Iterator[Problem]:
    if not isinstance(value, dict):
        yield absent(path, "no coordinates")
        return
    for name, pattern, limit in (("latitude", _LATITUDE, 90), ("longitude", _LONGITUDE, 180)):
        degrees = value.get(name)
        if not isinstance(degrees, str) or not pattern.fullmatch(degrees) or abs(Decimal(degrees)) > limit:
            yield malformed(f"{path}/{name}", f"{degrees!r} is not a WGS84 decimal {name}")


def coordinates(subject: Subject) -> Iterator[Problem]:
    yield from _coordinates("/coordinates", subject.get("/coordinates"))
    for path, evse in subject.evses():
        if "coordinates" in evse:
            yield from _coordinates(f"{path}/coordinates", evse["coordinates"])


def evse_whereabouts(subject: Subject) -> Iterator[Problem]:
    location_directions = bool(subject.get("/directions"))
    for path, evse in subject.evses():
        if not (
            location_directions or evse.get("floor_level") or evse.get("physical_reference") or evse.get("directions")
        ):
            yield absent(f"{path}/physical_reference", "no floor_level, physical_reference or directions")


def country(subject: Subject) -> Iterator[Problem]:
    code = subject.get("/country")
    if not _text(code):
        yield absent("/country", "no country")
    elif code not in ALPHA2_BY_ALPHA3:
        yield malformed("/country", f"{code!r} is not an ISO 3166-1 alpha-3 code, so it has no alpha-2 code")


_NUTS = re.compile(r"([A-Z]{2})([0-9A-Z]+)")


def nuts_region(subject: Subject) -> Iterator[Problem]:
    state = subject.get("/state")
    if not _text(state):
        yield absent("/state", "no region: AFIR wants the NUTS-1 code in state")
        return
    match = _NUTS.fullmatch(state)
    if match is None:
        yield malformed("/state", f"{state!r} is not a NUTS code (NUTS-1: country prefix and one character, e.g. NL3)")
        return
    prefix, rest = match.groups()
    alpha2 = ALPHA2_BY_ALPHA3.get(str(subject.get("/country")))
    if alpha2 is not None and prefix != nuts_country(alpha2):
        yield malformed("/state", f"{state!r} is a region of {prefix}, the location is in {alpha2}")
    elif len(rest) != 1:
        yield malformed("/state", f"{state!r} is a NUTS-{len(rest)} code; AFIR wants NUTS-1 ({prefix}{rest[0]})")


def street_address(subject: Subject) -> Iterator[Problem]:
    address = subject.get("/address")
    if not _text(address):
        yield absent("/address", "no address")
    elif address.strip()[0].isdigit():
        yield malformed("/address", f"{address!r}: AFIR wants the street name followed by the number")


# --- accessibility -------------------------------------------------------------------------------

# mod_locations.asciidoc, RegularHours: `([0-1][0-9]|2[0-3]):[0-5][0-9]`, period_end later than period_begin.
_CLOCK = re.compile(r"([0-1][0-9]|2[0-3]):[0-5][0-9]")


def opening_times(subject: Subject) -> Iterator[Problem]:
    hours = subject.get("/opening_times")
    if not isinstance(hours, dict):
        yield absent("/opening_times", "no opening times")
        return
    regular = _dicts(hours.get("regular_hours"))
    if hours.get("twentyfourseven") is True:
        return
    if not regular:
        yield malformed("/opening_times", "neither twentyfourseven nor regular_hours")
    for index, period in regular:
        path = f"/opening_times/regular_hours/{index}"
        weekday = period.get("weekday")
        if not isinstance(weekday, int) or not 1 <= weekday <= 7:
            yield malformed(f"{path}/weekday", f"{weekday!r} is not a weekday 1 (Monday) to 7 (Sunday)")
        clocks = []
        for name in ("period_begin", "period_end"):
            value = period.get(name)
            if isinstance(value, str) and _CLOCK.fullmatch(value):
                clocks.append(value)
            else:
                yield malformed(f"{path}/{name}", f"{value!r} is not a time HH:MM")
        if len(clocks) == 2 and clocks[1] <= clocks[0]:
            yield malformed(f"{path}/period_end", f"period {clocks[0]}-{clocks[1]} does not end after it begins")


_TIME_ZONES = zoneinfo.available_timezones()
_TIME_ZONE_SHAPE = re.compile(r"[A-Za-z_]+(/[A-Za-z0-9_+\-]+)+")


def time_zone(subject: Subject) -> Iterator[Problem]:
    zone = subject.get("/time_zone")
    if not _text(zone):
        yield absent("/time_zone", "no time zone")
        return
    # Without a tz database on the machine only the shape of the name can be checked.
    known = zone in _TIME_ZONES if _TIME_ZONES else bool(_TIME_ZONE_SHAPE.fullmatch(zone))
    if not known:
        yield malformed("/time_zone", f"{zone!r} is not an IANA tz name, so no ISO 8601 offset can be derived")


def vehicle_types(subject: Subject) -> Iterator[Problem]:
    places = subject.parking_places()
    if not places:
        yield absent("/parking_places", "no parking places, so no vehicle types")
    for path, place in places:
        if not isinstance(place.get("vehicle_types"), list) or not place["vehicle_types"]:
            yield absent(f"{path}/vehicle_types", "no vehicle types")


# mod_locations.asciidoc, Parking: the limits "should be provided unless vehicle_types contains no values
# other than PERSONAL_VEHICLE or MOTORCYCLE". OCPI counts kilograms and centimetres; AFIR tonnes and metres,
# so a value far too small for its unit was most likely given in AFIR's unit.
VEHICLE_LIMITS = {
    "max_vehicle_weight": ("kg", Decimal(300)),
    "max_vehicle_height": ("cm", Decimal(50)),
    "max_vehicle_length": ("cm", Decimal(100)),
    "max_vehicle_width": ("cm", Decimal(50)),
}
_SMALL_VEHICLES = {"PERSONAL_VEHICLE", "MOTORCYCLE", "DISABLED"}


def vehicle_limits(subject: Subject) -> Iterator[Problem]:
    for path, place in subject.parking_places():
        relevant = bool(set(place.get("vehicle_types") or ()) - _SMALL_VEHICLES)
        for field, (unit, smallest) in VEHICLE_LIMITS.items():
            value = place.get(field)
            if value is None:
                if relevant:
                    yield absent(f"{path}/{field}", f"no {field} for a place that takes larger vehicles")
                continue
            number = _number(value)
            if number is None or number < smallest:
                yield malformed(f"{path}/{field}", f"{value!r} is not a plausible value in {unit}")


def parking_spaces(subject: Subject) -> Iterator[Problem]:
    if not subject.parking_places():
        yield absent("/parking_places", "no parking places to count")


def disabled_parking(subject: Subject) -> Iterator[Problem]:
    stated = subject.parking_places() or any(
        isinstance(evse.get("parking_restrictions"), list) for _, evse in subject.evses()
    )
    if not stated:
        yield absent("/parking_places", "neither parking places nor EVSE parking_restrictions to count from")


# --- payment and capabilities --------------------------------------------------------------------


def capabilities(subject: Subject) -> Iterator[Problem]:
    """The yes/no items carried as EVSE capabilities: an omitted list says neither yes nor no."""
    for path, evse in subject.evses():
        if not isinstance(evse.get("capabilities"), list):
            yield absent(f"{path}/capabilities", "capabilities not stated (an empty list would say 'none')")


def plug_and_charge(subject: Subject) -> Iterator[Problem]:
    """2.3.0 states Plug & Charge as a connector capability (ISO_15118_*_PLUG_AND_CHARGE)."""
    for path, evse in subject.evses():
        stated = isinstance(evse.get("capabilities"), list) or any(
            isinstance(c.get("capabilities"), list) for _, c in _dicts(evse.get("connectors"))
        )
        if not stated:
            yield absent(f"{path}/capabilities", "neither EVSE nor connector capabilities stated")


def service_providers(subject: Subject) -> Iterator[Problem]:
    for path, evse in subject.evses():
        if not evse.get("accepted_service_providers"):
            yield absent(f"{path}/accepted_service_providers", "no accepted mobility service providers")


# --- recharging points and connectors ------------------------------------------------------------

_EVSE_ID = re.compile(EVSE_ID_PATTERN, re.IGNORECASE)  # the format ocpi validate checks (ocpi.core.rules)


def evse_ids(subject: Subject) -> Iterator[Problem]:
    for path, evse in subject.evses():
        evse_id = evse.get("evse_id")
        if not _text(evse_id):
            yield absent(f"{path}/evse_id", "no evse_id")
        elif not _EVSE_ID.fullmatch(evse_id):
            yield malformed(f"{path}/evse_id", f"{evse_id!r} is not an eMI3 EVSE ID (e.g. NL*ABC*E12345)")


def connector_count(subject: Subject) -> Iterator[Problem]:
    for path, evse in subject.evses():
        if not _dicts(evse.get("connectors")):
            yield absent(f"{path}/connectors", "no connectors")


def connector_standards(subject: Subject) -> Iterator[Problem]:
    for path, connector in subject.connectors():
        if not _text(connector.get("standard")):
            yield absent(f"{path}/standard", "no connector standard")


_POWER_TYPES = {"AC_1_PHASE": 1, "AC_2_PHASE": 2, "AC_2_PHASE_SPLIT": 2, "AC_3_PHASE": 3, "DC": 1}
"""Power type -> phases: max_voltage is line to neutral for AC (mod_locations.asciidoc, Connector)."""


def power_types(subject: Subject) -> Iterator[Problem]:
    for path, connector in subject.connectors():
        power_type = connector.get("power_type")
        if power_type is None:
            yield absent(f"{path}/power_type", "no power_type")
        elif power_type not in _POWER_TYPES:
            yield malformed(f"{path}/power_type", f"{power_type!r} is neither AC nor DC")


def _rated_power(connector: dict[str, Any]) -> Decimal | None:
    """What max_voltage and max_amperage allow, in W."""
    voltage, amperage = _number(connector.get("max_voltage")), _number(connector.get("max_amperage"))
    phases = _POWER_TYPES.get(str(connector.get("power_type")))
    if voltage is None or amperage is None or phases is None:
        return None
    return voltage * amperage * phases


def station_power(subject: Subject) -> Iterator[Problem]:
    if not any(
        _number(c.get("max_electric_power")) is not None or _rated_power(c) is not None for _, c in subject.connectors()
    ):
        yield absent("/evses", "no connector whose power is known")


def connector_power(subject: Subject) -> Iterator[Problem]:
    for path, connector in subject.connectors():
        power = _number(connector.get("max_electric_power"))
        rated = _rated_power(connector)
        if power is None:
            hint = f" (max_voltage and max_amperage allow {rated} W)" if rated is not None else ""
            yield absent(f"{path}/max_electric_power", f"no max_electric_power{hint}")
        elif power < 1000:
            yield malformed(f"{path}/max_electric_power", f"{power} W: looks like kW, OCPI counts W")
        elif rated is not None and power > rated:
            yield malformed(f"{path}/max_electric_power", f"{power} W exceeds max_voltage x max_amperage ({rated} W)")


def green_energy(subject: Subject) -> Iterator[Problem]:
    if not isinstance(subject.get("/energy_mix/is_green_energy"), bool):
        yield absent("/energy_mix/is_green_energy", "no energy_mix stating whether it is 100% renewable")


# --- dynamic data --------------------------------------------------------------------------------

_STATUSES = {"AVAILABLE", "BLOCKED", "CHARGING", "INOPERATIVE", "OUTOFORDER", "PLANNED", "RESERVED", "UNKNOWN"}


def status(meaning: str) -> Rule:
    """EVSE status gives `meaning` (operational status, availability) unless it is UNKNOWN."""

    def rule(subject: Subject) -> Iterator[Problem]:
        for path, evse in subject.evses():
            value = evse.get("status")
            if value is None or value == "UNKNOWN":
                yield absent(f"{path}/status", f"status {value or 'missing'}: no {meaning}")
            elif value not in _STATUSES:
                yield malformed(f"{path}/status", f"{value!r} is not an EVSE status")

    return rule


def _applicable_tariffs(subject: Subject, connector: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """The connector's tariffs that were given, and the ids it names that were not."""
    owner = f"{subject.location.get('country_code', '')}/{subject.location.get('party_id', '')}".upper()
    given = {tariff_key(t): t for t in subject.tariffs or ()}
    found, unknown = [], []
    for tariff_id in connector.get("tariff_ids") or ():
        tariff = given.get(f"{owner}/{tariff_id}".upper())
        if tariff is None:
            unknown.append(str(tariff_id))
        else:
            found.append(tariff)
    return found, unknown


def _tariff_format(subject: Subject, tariff: dict[str, Any]) -> Iterator[Problem]:
    key = tariff_key(tariff)
    currency = tariff.get("currency")
    national = NATIONAL_CURRENCIES.get(str(subject.get("/country")))
    if currency not in CURRENCIES:
        yield malformed("/currency", f"{currency!r} is not an ISO 4217 currency code", key)
    elif national is not None and currency not in national:
        yield malformed("/currency", f"{currency} is not the national currency ({', '.join(sorted(national))})", key)
    # The end-user price includes taxes: prices without them need the VAT to be computed.
    if tariff.get("tax_included") == "NO":
        for e, element in _dicts(tariff.get("elements")):
            for c, component in _dicts(element.get("price_components")):
                if component.get("vat") is None:
                    path = f"/elements/{e}/price_components/{c}/vat"
                    yield malformed(path, "price excludes taxes and no vat is given: no end-user price", key)


def ad_hoc_price(subject: Subject) -> Iterator[Problem]:
    """Each connector names a tariff; with the tariffs given, one of them is ad hoc (AD_HOC_PAYMENT or no
    type: mod_tariffs.asciidoc, TariffType) and is priced in ISO 4217 national currency."""
    checked: set[str] = set()
    for path, connector in subject.connectors():
        if not connector.get("tariff_ids"):
            yield absent(f"{path}/tariff_ids", "no tariff: no ad hoc price")
            continue
        if subject.tariffs is None:
            continue
        found, unknown = _applicable_tariffs(subject, connector)
        if unknown:
            yield absent(f"{path}/tariff_ids", f"tariff {', '.join(unknown)} not found")
        ad_hoc = [t for t in found if t.get("type") in (None, "AD_HOC_PAYMENT")]
        if found and not ad_hoc:
            yield absent(f"{path}/tariff_ids", "none of its tariffs is an ad hoc (AD_HOC_PAYMENT) tariff")
        for tariff in ad_hoc:
            if tariff_key(tariff) not in checked:
                checked.add(tariff_key(tariff))
                yield from _tariff_format(subject, tariff)
