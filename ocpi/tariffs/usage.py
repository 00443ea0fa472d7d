"""From a version's Tariff and CDR or Session to what the engine prices: the canonical (2.3.0) Tariff, the
session's charging periods as measured quantities, its recorded costs and the location's time zone."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel

from ocpi.core.convert import ConversionContext
from ocpi.core.versions import SUPPORTED_VERSIONS
from ocpi.modules.cdrs import convert as cdrs_convert
from ocpi.modules.cdrs.convert import schemas
from ocpi.modules.sessions import convert as sessions_convert
from ocpi.modules.tariffs import convert as tariffs_convert
from ocpi.modules.tariffs.v_2_3_0 import schemas as canonical_tariffs
from ocpi.tariffs.report import CDR_COST_FIELDS, Note, NoteCode
from ocpi.tariffs.restrictions import Reading, needs_local_time

VERSIONS = SUPPORTED_VERSIONS
# 2.1.1 objects carry no owner; the conversion needs one, and pricing does not look at it.
_ANY_OWNER = ConversionContext(country_code="ZZ", party_id="ZZZ")


class PricingError(ValueError):
    """The inputs cannot be priced (no time zone, unknown version, an object of the wrong kind...)."""


@dataclass(slots=True)
class PeriodUsage:
    index: int  # position in the object's own `charging_periods`
    start: datetime
    end: datetime
    energy: Decimal = Decimal(0)  # kWh
    time: Decimal = Decimal(0)  # hours charging
    parking: Decimal = Decimal(0)  # hours not charging
    reservation: Decimal = Decimal(0)  # hours reserved
    power: Reading | None = None
    current: Reading | None = None
    tariff_id: str | None = None

    @property
    def reservation_only(self) -> bool:
        return self.reservation > 0 and not (self.energy or self.time or self.parking)


@dataclass(slots=True)
class Usage:
    kind: str  # "cdr" or "estimate"
    start: datetime
    end: datetime
    currency: str
    periods: list[PeriodUsage]
    recorded: dict[str, BaseModel] = field(default_factory=dict)  # canonical Prices, by CDR field name
    total_energy: Decimal | None = None
    notes: list[Note] = field(default_factory=list)


def check_version(version: str) -> str:
    version = str(version)
    if version not in VERSIONS:
        raise PricingError(f"unknown OCPI version {version!r}: expected one of {', '.join(VERSIONS)}")
    return version


def canonical_tariff(tariff: Any, version: str) -> canonical_tariffs.Tariff:
    model = schemas("tariffs", version).Tariff
    if isinstance(tariff, dict):
        tariff = model.model_validate(tariff)
    if not isinstance(tariff, model):
        raise PricingError(f"expected a {version} Tariff, got {type(tariff).__name__}")
    converted = tariffs_convert.to_canonical(tariff, version, _ANY_OWNER).value
    assert isinstance(converted, canonical_tariffs.Tariff)
    return converted


def as_subject(subject: Any, version: str) -> BaseModel:
    """The version's CDR or Session model (a dict is read as a Session when it has `kwh`)."""
    cdr_model, session_model = schemas("cdrs", version).CDR, schemas("sessions", version).Session
    if isinstance(subject, dict):
        subject = (session_model if "kwh" in subject else cdr_model).model_validate(subject)
    if not isinstance(subject, cdr_model | session_model):
        raise PricingError(f"expected a {version} CDR or Session, got {type(subject).__name__}")
    return subject


def is_session(subject: BaseModel) -> bool:
    return type(subject).__name__ == "Session"


def time_zone_of(
    subject: BaseModel, version: str, argument: str | None, tariff: canonical_tariffs.Tariff, notes: list[Note]
) -> ZoneInfo | None:
    """The location's zone, else the caller's, else an error; None when no restriction reads local time."""
    location = getattr(subject, "location", None) if version == "2.1.1" else getattr(subject, "cdr_location", None)
    # 2.2+ CdrLocation has no time_zone; a sender may add one (unknown fields are kept) and then we use it.
    own = getattr(location, "time_zone", None) or (getattr(location, "model_extra", None) or {}).get("time_zone")
    if own and argument and own != argument:
        notes.append(
            Note(NoteCode.TIME_ZONE_CONFLICT, f"the location says {own}, the caller {argument}: {own} is used")
        )
    name = own or argument
    if name is None:
        if needs_local_time(tariff):
            raise PricingError(
                "the tariff has time-of-day, date or day-of-week restrictions, read in the location's local time, "
                "and no time zone is known: give time_zone (an IANA name such as Europe/Amsterdam)"
            )
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise PricingError(f"unknown time zone {name!r}: expected an IANA name such as Europe/Amsterdam") from None


def usage_of(subject: BaseModel, version: str, as_of: datetime | None) -> Usage:
    session = is_session(subject)
    convert = sessions_convert if session else cdrs_convert
    canonical: Any = convert.to_canonical(subject, version, _ANY_OWNER).value
    notes: list[Note] = []
    start = canonical.start_date_time
    if session:
        end = canonical.end_date_time or _utc(as_of) or canonical.last_updated
        recorded = {"total_cost": canonical.total_cost} if canonical.total_cost is not None else {}
        total_energy = canonical.kwh
    else:
        end = canonical.end_date_time
        keys = ["total_cost", *CDR_COST_FIELDS.values()] if version != "2.1.1" else ["total_cost"]
        recorded = {key: getattr(canonical, key) for key in keys if getattr(canonical, key, None) is not None}
        total_energy = canonical.total_energy
    # The periods are read from the object as given (all versions share their shape), so that a period's
    # index is its position there; the canonical form drops 2.1.1 FLAT dimensions and periods left empty.
    periods = _periods(getattr(subject, "charging_periods", None) or [], notes)
    if session and not periods:
        hours = max(Decimal(0), _hours(end - start))
        periods = [PeriodUsage(0, start, end, energy=max(Decimal(0), canonical.kwh), time=hours)]
        notes.append(
            Note(
                NoteCode.NO_CHARGING_PERIODS,
                "the Session has no charging periods: priced as one period charging `kwh` for the whole time "
                "since it started",
            )
        )
    _close(periods, start, end, notes)
    return Usage(
        kind="estimate" if session else "cdr",
        start=start,
        end=max(end, start),
        currency=str(canonical.currency),
        periods=periods,
        recorded=recorded,
        total_energy=total_energy,
        notes=notes,
    )


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _hours(delta: timedelta) -> Decimal:
    return seconds(delta) / 3600


def seconds(delta: timedelta) -> Decimal:
    """A timedelta as exact Decimal seconds."""
    return Decimal(delta // timedelta(microseconds=1)) / 1_000_000


def _periods(raw: list[Any], notes: list[Note]) -> list[PeriodUsage]:
    periods = []
    for index, period in enumerate(raw):
        volumes: dict[str, Decimal] = {}
        for dimension in period.dimensions:
            volumes[str(dimension.type)] = volumes.get(str(dimension.type), Decimal(0)) + dimension.volume
        usage = PeriodUsage(index, period.start_date_time, period.start_date_time)
        for name, attribute in (
            ("ENERGY", "energy"),
            ("TIME", "time"),
            ("PARKING_TIME", "parking"),
            ("RESERVATION_TIME", "reservation"),
        ):
            volume = volumes.get(name, Decimal(0))
            if volume < 0:
                notes.append(Note(NoteCode.NEGATIVE_VOLUME, f"{name} volume {volume} is negative: priced as 0", index))
                volume = Decimal(0)
            setattr(usage, attribute, volume)
        usage.power = _reading(volumes, "MIN_POWER", "MAX_POWER", "POWER")
        usage.current = _reading(volumes, "MIN_CURRENT", "MAX_CURRENT", "CURRENT")
        usage.tariff_id = getattr(period, "tariff_id", None)
        periods.append(usage)
    return periods


def _reading(volumes: dict[str, Decimal], low: str, high: str, average: str) -> Reading | None:
    values = [volumes.get(name) for name in (low, high, average)]
    if all(value is None for value in values):
        return None
    lowest = next(v for v in (values[0], values[2], values[1]) if v is not None)
    highest = next(v for v in (values[1], values[2], values[0]) if v is not None)
    return Reading(lowest, highest)


def _close(periods: list[PeriodUsage], start: datetime, end: datetime, notes: list[Note]) -> None:
    """Sort the periods by start and give each its end: the next one's start, the session's end for the
    last ("A period ends when the next period starts. The last period ends when the session ends.")."""
    if any(a.start > b.start for a, b in itertools.pairwise(periods)):
        notes.append(Note(NoteCode.PERIODS_OUT_OF_ORDER, "charging periods are not in time order: sorted by start"))
        periods.sort(key=lambda p: p.start)
    for period, following in zip(periods, [*periods[1:], None], strict=True):
        period.end = following.start if following is not None else max(end, period.start)
        if period.start < start or period.start > end:
            notes.append(Note(NoteCode.PERIOD_OUTSIDE_SESSION, "the period starts outside the session", period.index))
    for period in periods:
        if period.power is None:
            period.power = derive_power(period)


def derive_power(period: PeriodUsage) -> Reading | None:
    """Without a power reading: the average power over the time the energy flowed (our choice; current
    cannot be derived without the voltage)."""
    hours = period.time or _hours(period.end - period.start)
    if period.energy <= 0 or hours <= 0:
        return None
    average = period.energy / hours
    return Reading(average, average)
