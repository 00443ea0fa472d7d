"""TariffRestrictions: whether an element is active at one moment of a session, and the instants at which that
can change (2.3.0 `mod_tariffs`, TariffRestrictions class; the same rules in 2.2.1, fewer fields in 2.1.1).

Time of day, dates and days of the week are read on the location's local wall clock; durations are real
elapsed time. So in the repeated hour of a DST change the wall clock passes 02:00-03:00 twice and an element
for that window is active both times, while an hour that vanishes is never active.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from ocpi.modules.tariffs.v_2_3_0 import schemas as tariffs

_DAY_NAMES = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
_LOCAL_FIELDS = ("start_time", "end_time", "start_date", "end_date", "day_of_week")


@dataclass(frozen=True, slots=True)
class Reading:
    """A measured quantity over a charging period: its lowest and highest value (equal for an average)."""

    low: Decimal
    high: Decimal


@dataclass(frozen=True, slots=True)
class Moment:
    """What restrictions are evaluated against."""

    instant: datetime
    local: datetime | None  # None when the tariff has no local-time restriction (no time zone needed)
    duration: Decimal  # seconds since the charging session started
    kwh: Decimal  # energy consumed in the session before this moment
    power: Reading | None  # kW
    current: Reading | None  # A, summed over phases
    reservation: bool  # this moment belongs to the reservation, not to charging
    expired: bool  # the reservation expired without a charging session


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _in_time_window(now: time, start: str | None, end: str | None) -> bool:
    begin = _hhmm(start) if start else time(0, 0)
    # "To stop at end of the day use: 00:00." An absent end_time also means the end of the day.
    finish = _hhmm(end) if end and end != "00:00" else None
    if finish is None:
        return now >= begin
    if finish < begin:  # "If end_time < start_time then the period wraps around to the next day."
        return now >= begin or now < finish
    if finish == begin:  # a window that ends where it starts wraps a whole day
        return True
    return begin <= now < finish


def needs_local_time(tariff: tariffs.Tariff) -> bool:
    return any(getattr(element.restrictions, name, None) for element in tariff.elements for name in _LOCAL_FIELDS)


def check(restrictions: tariffs.TariffRestrictions | None, moment: Moment) -> tuple[bool, str]:
    """Whether all restrictions hold (logical AND), with the evidence: the failing restriction, or all the
    ones that hold."""
    held: list[str] = []
    for ok, text in _checks(restrictions, moment):
        if not ok:
            return False, text
        held.append(text)
    return True, ", ".join(held) if held else "no restrictions"


def _checks(r: tariffs.TariffRestrictions | None, m: Moment) -> Iterator[tuple[bool, str]]:
    if r is None or r.reservation is None:
        if m.reservation:
            yield False, "no reservation restriction: this is reservation time"
        if r is None:
            return
    else:
        if not m.reservation:
            yield False, f"reservation {r.reservation}: this is not reservation time"
        elif r.reservation == tariffs.ReservationRestrictionType.RESERVATION_EXPIRES and not m.expired:
            yield False, "reservation RESERVATION_EXPIRES: the reservation did not expire"
        else:
            yield True, f"reservation {r.reservation}"
    if r.start_time or r.end_time:
        assert m.local is not None
        now = m.local.time()
        window = f"{r.start_time or '00:00'}-{r.end_time or '00:00'}"
        yield _in_time_window(now, r.start_time, r.end_time), f"time {window} at {now:%H:%M:%S} local"
    if r.start_date:
        assert m.local is not None
        yield m.local.date() >= date.fromisoformat(r.start_date), f"start_date {r.start_date} (inclusive)"
    if r.end_date:
        assert m.local is not None
        yield m.local.date() < date.fromisoformat(r.end_date), f"end_date {r.end_date} (exclusive)"
    if r.day_of_week:
        assert m.local is not None
        day = _DAY_NAMES[m.local.weekday()]
        yield day in r.day_of_week, f"day_of_week {'/'.join(d[:3] for d in r.day_of_week)} on {day[:3]}"
    if r.min_kwh is not None:
        yield m.kwh >= r.min_kwh, f"min_kwh {r.min_kwh} at {_num(m.kwh)} kWh"
    if r.max_kwh is not None:
        yield m.kwh < r.max_kwh, f"max_kwh {r.max_kwh} at {_num(m.kwh)} kWh"
    yield from _reading("current", "A", r.min_current, r.max_current, m.current)
    yield from _reading("power", "kW", r.min_power, r.max_power, m.power)
    if r.min_duration is not None:
        yield m.duration >= r.min_duration, f"min_duration {r.min_duration} s at {_num(m.duration)} s"
    if r.max_duration is not None:
        yield m.duration < r.max_duration, f"max_duration {r.max_duration} s at {_num(m.duration)} s"


def _reading(
    name: str, unit: str, minimum: Decimal | None, maximum: Decimal | None, reading: Reading | None
) -> Iterator[tuple[bool, str]]:
    # The element must hold for the whole period: its lowest value reaches the minimum (inclusive) and its
    # highest value stays below the maximum (exclusive).
    for bound, limit in (("min", minimum), ("max", maximum)):
        if limit is None:
            continue
        if reading is None:
            yield False, f"{bound}_{name} {limit}: {name} unknown in this period"
        elif bound == "min":
            yield reading.low >= limit, f"min_{name} {limit} at {_num(reading.low)} {unit}"
        else:
            yield reading.high < limit, f"max_{name} {limit} at {_num(reading.high)} {unit}"


def _num(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- instants at which restrictions can change ---------------------------------------------------


def local_boundaries(tariff: tariffs.Tariff) -> set[time]:
    """The wall-clock times at which a local-time restriction can switch: every start/end time, and midnight
    (dates, days of the week)."""
    found = {time(0, 0)}
    for element in tariff.elements:
        r = element.restrictions
        if r is None:
            continue
        found.update(_hhmm(str(value)) for value in (r.start_time, r.end_time) if value)
    return found


def local_breakpoints(zone: ZoneInfo, start: datetime, end: datetime, boundaries: Iterable[time]) -> set[datetime]:
    """Instants strictly between `start` and `end` at which the local wall clock reaches one of
    `boundaries` or jumps (a DST change)."""
    found: set[datetime] = set()
    boundaries = tuple(boundaries)
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    while day <= last:
        for clock in boundaries:
            for fold in (0, 1):  # a repeated wall time happens twice, once per fold
                instant = datetime.combine(day, clock, tzinfo=zone).replace(fold=fold).astimezone(UTC)
                if start < instant < end:
                    found.add(instant)
        day += timedelta(days=1)
    found.update(_offset_changes(zone, start, end))
    return found


def _offset_changes(zone: ZoneInfo, start: datetime, end: datetime) -> Iterator[datetime]:
    """Instants in (start, end) at which the zone's UTC offset changes (checked hourly, then bisected to the
    second; every zone changes offset on a whole second)."""

    def offset(instant: datetime) -> timedelta | None:
        return instant.astimezone(zone).utcoffset()

    previous = start
    while previous < end:
        following = min(previous + timedelta(hours=1), end)
        if offset(previous) != offset(following):
            low, high = previous, following
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if offset(middle) == offset(low):
                    low = middle
                else:
                    high = middle
            change = high.replace(microsecond=0)  # the whole second in (low, high]
            if start < change < end:
                yield change
        previous = following
