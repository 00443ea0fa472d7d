"""Each restriction on both sides of its boundary, in every version that has it; DST in Europe/Amsterdam."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from ocpi.tariffs import NoteCode, PricingError, price
from tests.test_tariffs.builders import AMSTERDAM, cdr, local, minutes, session, tariff

ALL = ["2.1.1", "2.2.1", "2.3.0"]
NEWER = ["2.2.1", "2.3.0"]
D = Decimal


def restricted(version: str, dimension: str, restrictions: dict, cheap: str = "1.00", fallback: str = "2.00") -> dict:
    """Element 0: `dimension` at `cheap` under `restrictions`; element 1: the unrestricted fallback."""
    return tariff(
        version,
        [
            {"price_components": [{"type": dimension, "price": cheap, "step_size": 1}], "restrictions": restrictions},
            {"price_components": [{"type": dimension, "price": fallback, "step_size": 1}]},
        ],
    )


def priced_pieces(version: str, data: dict, report) -> list:
    """The report's pieces of the dimensions the tariff prices."""
    dimensions = {c["type"] for e in data["elements"] for c in e["price_components"]}
    return [p for p in report.pieces if p.dimension in dimensions]


def elements(version: str, data: dict, start, *spans, **kwargs) -> list[int | None]:
    periods, end = minutes(start, *spans)
    report = price(data, cdr(version, periods, end), version=version, time_zone=AMSTERDAM, **kwargs)
    return [p.element for p in priced_pieces(version, data, report)]


def one_minute(version: str, restrictions: dict, at: str, dims: dict | None = None) -> int | None:
    data = restricted(version, "TIME", restrictions)
    [element] = elements(version, data, local(at), (1, {"TIME": D(1) / 60, **(dims or {})}))
    return element


@pytest.mark.parametrize("version", ALL)
@pytest.mark.parametrize(
    ("at", "expected"),
    [("2024-12-02 08:59", 1), ("2024-12-02 09:00", 0), ("2024-12-02 17:59", 0), ("2024-12-02 18:00", 1)],
)
def test_time_of_day(version, at, expected):
    assert one_minute(version, {"start_time": "09:00", "end_time": "18:00"}, at) == expected


@pytest.mark.parametrize("version", ALL)
@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2024-12-02 21:59", 1),
        ("2024-12-02 22:00", 0),
        ("2024-12-03 00:00", 0),
        ("2024-12-03 05:59", 0),
        ("2024-12-03 06:00", 1),
    ],
)
def test_time_of_day_wraps_past_midnight(version, at, expected):
    assert one_minute(version, {"start_time": "22:00", "end_time": "06:00"}, at) == expected


@pytest.mark.parametrize("version", ALL)
@pytest.mark.parametrize(
    ("at", "expected"), [("2024-12-02 17:59", 1), ("2024-12-02 23:59", 0), ("2024-12-03 00:00", 1)]
)
def test_end_time_midnight_is_end_of_day(version, at, expected):
    assert one_minute(version, {"start_time": "18:00", "end_time": "00:00"}, at) == expected


@pytest.mark.parametrize("version", ALL)
def test_a_period_across_midnight_is_split_there(version):
    data = restricted(version, "TIME", {"start_time": "18:00", "end_time": "00:00"})
    periods, end = minutes(local("2024-12-02 23:30"), (60, {"TIME": 1}))
    report = price(data, cdr(version, periods, end), version=version, time_zone=AMSTERDAM)
    assert [(p.element, p.volume) for p in priced_pieces(version, data, report)] == [(0, D("0.5")), (1, D("0.5"))]
    assert report.total.excl == D("1.50")
    assert NoteCode.PERIOD_OUTLASTS_COMPONENT in report.codes()


@pytest.mark.parametrize("version", ALL)
@pytest.mark.parametrize(
    ("at", "expected"),
    [("2024-12-01 23:59", 1), ("2024-12-02 00:00", 0), ("2024-12-02 23:59", 0), ("2024-12-03 00:00", 1)],
)
def test_dates_are_local_start_inclusive_end_exclusive(version, at, expected):
    # 2024-12-02 00:00 in Amsterdam is 2024-12-01 23:00 UTC: the local date decides
    assert one_minute(version, {"start_date": "2024-12-02", "end_date": "2024-12-03"}, at) == expected


@pytest.mark.parametrize("version", ALL)
@pytest.mark.parametrize(
    ("at", "expected"), [("2024-12-01 23:59", 1), ("2024-12-02 00:00", 0), ("2024-12-08 23:59", 1)]
)
def test_day_of_week(version, at, expected):
    assert one_minute(version, {"day_of_week": ["MONDAY"]}, at) == expected


@pytest.mark.parametrize("version", ALL)
def test_max_kwh_splits_a_period_at_the_threshold(version):
    # the first 20 kWh at 0.20, the rest at 0.30 (max_kwh exclusive): 30 kWh in one period
    data = restricted(version, "ENERGY", {"max_kwh": 20}, "0.20", "0.30")
    periods, end = minutes(local("2024-12-02 10:00"), (60, {"ENERGY": 30, "TIME": 1}))
    report = price(data, cdr(version, periods, end), version=version)
    assert [(p.element, p.volume) for p in priced_pieces(version, data, report)] == [(0, D(20)), (1, D(10))]
    assert report.total.excl == D("7.00")


@pytest.mark.parametrize("version", ALL)
def test_min_kwh_is_inclusive(version):
    data = restricted(version, "ENERGY", {"min_kwh": 20}, "0.10", "0.30")
    assert elements(version, data, local("2024-12-02 10:00"), (30, {"ENERGY": 20}), (10, {"ENERGY": 5})) == [1, 0]
    # 19.999 kWh consumed: not yet
    assert elements(version, data, local("2024-12-02 10:00"), (30, {"ENERGY": D("19.999")}), (10, {"ENERGY": 5})) == [
        1,
        1,
        0,
    ]


@pytest.mark.parametrize("version", ALL)
def test_kwh_restriction_on_time(version):
    # charging time is cheap until 10 kWh have been consumed: the period is cut where the energy reaches 10
    data = restricted(version, "TIME", {"max_kwh": 10})
    periods, end = minutes(local("2024-12-02 10:00"), (60, {"TIME": 1, "ENERGY": 20}))
    report = price(data, cdr(version, periods, end), version=version)
    assert [(p.element, p.volume) for p in priced_pieces(version, data, report)] == [(0, D("0.5")), (1, D("0.5"))]


def one_hour_at(version: str, restrictions: dict, power: str, reading: str) -> int | None:
    """The element pricing an hour of charging at `power` kW: read from a MIN/MAX_POWER dimension in 2.2+;
    2.1.1 has no power dimension, so there the power is derived from the energy (kWh in one hour)."""
    data = restricted(version, "TIME", restrictions)
    dims = {"TIME": 1, "ENERGY": D(power)} if version == "2.1.1" else {"TIME": 1, reading: D(power)}
    [element] = elements(version, data, local("2024-12-02 10:00"), (60, dims))
    return element


@pytest.mark.parametrize("version", ALL)
@pytest.mark.parametrize(("power", "expected"), [("15.9", 0), ("16", 1)])
def test_max_power_is_exclusive(version, power, expected):
    assert one_hour_at(version, {"max_power": 16}, power, "MAX_POWER") == expected


@pytest.mark.parametrize("version", ALL)
@pytest.mark.parametrize(("power", "expected"), [("15.9", 1), ("16", 0)])
def test_min_power_is_inclusive(version, power, expected):
    assert one_hour_at(version, {"min_power": 16}, power, "MIN_POWER") == expected


@pytest.mark.parametrize("version", ALL)
def test_power_is_derived_from_energy_and_time_when_not_given(version):
    data = restricted(version, "ENERGY", {"max_power": 16}, "0.20", "0.50")
    assert elements(version, data, local("2024-12-02 10:00"), (60, {"ENERGY": 10, "TIME": 1})) == [0]  # 10 kW
    assert elements(version, data, local("2024-12-02 10:00"), (60, {"ENERGY": 20, "TIME": 1})) == [1]  # 20 kW


@pytest.mark.parametrize("version", NEWER)
@pytest.mark.parametrize(("current", "expected"), [("31.9", 0), ("32", 1)])
def test_max_current_is_exclusive(version, current, expected):
    assert one_minute(version, {"max_current": 32}, "2024-12-02 10:00", {"MAX_CURRENT": D(current)}) == expected


@pytest.mark.parametrize("version", NEWER)
@pytest.mark.parametrize(("current", "expected"), [("31.9", 1), ("32", 0)])
def test_min_current_is_inclusive(version, current, expected):
    assert one_minute(version, {"min_current": 32}, "2024-12-02 10:00", {"MIN_CURRENT": D(current)}) == expected


@pytest.mark.parametrize("version", NEWER)
def test_unknown_current_does_not_match_and_is_reported(version):
    data = restricted(version, "TIME", {"max_current": 32})
    periods, end = minutes(local("2024-12-02 10:00"), (60, {"TIME": 1}))
    report = price(data, cdr(version, periods, end), version=version)
    assert [p.element for p in report.pieces] == [1]
    assert NoteCode.RESTRICTION_UNKNOWN in report.codes()


@pytest.mark.parametrize("version", ALL)
def test_max_duration_switches_exactly_there(version):
    # free for the first 30 minutes (max_duration exclusive), then 1.00/h; one 60-minute period
    data = restricted(version, "TIME", {"max_duration": 1800}, "0", "1.00")
    periods, end = minutes(local("2024-12-02 10:00"), (60, {"TIME": 1}))
    report = price(data, cdr(version, periods, end), version=version)
    assert [(p.element, p.start, p.volume) for p in report.pieces] == [
        (0, periods[0][0], D("0.5")),
        (1, periods[0][0] + timedelta(minutes=30), D("0.5")),
    ]
    assert report.total.excl == D("0.50")
    # a period starting exactly at max_duration is no longer in the free element
    assert elements(version, data, local("2024-12-02 10:00"), (30, {"TIME": D("0.5")}), (1, {"TIME": D(1) / 60})) == [
        0,
        1,
    ]


@pytest.mark.parametrize("version", ALL)
def test_min_duration_is_inclusive(version):
    data = restricted(version, "TIME", {"min_duration": 3600}, "5.00", "1.00")
    start = local("2024-12-02 10:00")
    assert elements(version, data, start, (60, {"TIME": 1}), (1, {"TIME": D(1) / 60})) == [1, 0]
    assert elements(version, data, start, (59, {"TIME": D(59) / 60}), (1, {"TIME": D(1) / 60})) == [1, 1]


@pytest.mark.parametrize("version", ALL)
def test_a_flat_fee_with_a_restriction_is_charged_once_when_it_first_applies(version):
    data = tariff(
        version,
        [
            {
                "price_components": [{"type": "FLAT", "price": "3.00", "step_size": 1}],
                "restrictions": {"min_duration": 3600},
            },
            {"price_components": [{"type": "TIME", "price": "1.00", "step_size": 1}]},
        ],
    )
    periods, end = minutes(local("2024-12-02 10:00"), (30, {"TIME": D("0.5")}))
    assert price(data, cdr(version, periods, end), version=version).total.excl == D("0.50")
    periods, end = minutes(local("2024-12-02 10:00"), (45, {"TIME": D("0.75")}), (45, {"TIME": D("0.75")}))
    report = price(data, cdr(version, periods, end), version=version)
    assert report.total.excl == D("4.50")
    assert [(p.dimension, p.period) for p in report.pieces if p.dimension == "FLAT"] == [("FLAT", 1)]


@pytest.mark.parametrize("version", NEWER)
def test_reservation_elements_price_only_reservation_time(version):
    data = tariff(
        version,
        [
            {
                "price_components": [{"type": "TIME", "price": "9.00", "step_size": 1}],
                "restrictions": {"reservation": "RESERVATION"},
            },
            {
                "price_components": [{"type": "TIME", "price": "9.00", "step_size": 1}],
                "restrictions": {"reservation": "RESERVATION_EXPIRES"},
            },
            {"price_components": [{"type": "TIME", "price": "1.00", "step_size": 1}]},
        ],
    )
    start = local("2024-12-02 10:00")
    assert elements(version, data, start, (30, {"RESERVATION_TIME": D("0.5")}), (60, {"TIME": 1})) == [0, 2]
    assert elements(version, data, start, (30, {"RESERVATION_TIME": D("0.5")})) == [1]  # expired


# --- daylight saving time in Europe/Amsterdam --------------------------------------------------------


def _night(version: str, start: str, end: str, window: tuple[str, str], fold: int = 0):
    data = restricted(version, "TIME", {"start_time": window[0], "end_time": window[1]}, "1.00", "2.00")
    begin, finish = local(start), local(end, fold=fold)
    hours = D((finish - begin) // timedelta(seconds=1)) / 3600
    return price(data, cdr(version, [(begin, {"TIME": hours})], finish), version=version, time_zone=AMSTERDAM)


@pytest.mark.parametrize("version", ALL)
def test_dst_fall_back_night_lasts_five_hours(version):
    # 27 Oct 2024: 03:00 CEST -> 02:00 CET. 01:00 to 05:00 local is 5 real hours, all in the 00:00-06:00 window
    report = _night(version, "2024-10-27 01:00", "2024-10-27 05:00", ("00:00", "06:00"))
    assert report.total.excl == D("5.00")
    assert {p.element for p in report.pieces} == {0}


@pytest.mark.parametrize("version", ALL)
def test_dst_spring_forward_night_lasts_three_hours(version):
    # 31 Mar 2024: 02:00 CET -> 03:00 CEST. 01:00 to 05:00 local is 3 real hours
    report = _night(version, "2024-03-31 01:00", "2024-03-31 05:00", ("00:00", "06:00"))
    assert report.total.excl == D("3.00")


@pytest.mark.parametrize("version", ALL)
def test_dst_window_starting_in_the_vanished_hour_starts_at_the_jump(version):
    # 02:30 does not exist on 31 Mar 2024: the 02:30-06:00 element starts when the clock jumps to 03:00
    report = _night(version, "2024-03-31 01:00", "2024-03-31 04:00", ("02:30", "06:00"))
    assert [(p.element, p.volume) for p in report.pieces] == [(1, D(1)), (0, D(1))]
    assert report.total.excl == D("3.00")


@pytest.mark.parametrize("version", ALL)
def test_dst_repeated_hour_is_in_the_window_twice(version):
    # 27 Oct 2024: 02:00-03:00 happens twice; an element for it applies both times (5.00/h vs 1.00/h)
    data = restricted(version, "TIME", {"start_time": "02:00", "end_time": "03:00"}, "5.00", "1.00")
    begin, finish = local("2024-10-27 01:00"), local("2024-10-27 04:00")
    assert finish - begin == timedelta(hours=4)
    report = price(data, cdr(version, [(begin, {"TIME": 4})], finish), version=version, time_zone=AMSTERDAM)
    assert [(p.element, p.volume) for p in report.pieces] == [(1, D(1)), (0, D(2)), (1, D(1))]
    assert report.total.excl == D("12.00")


# --- where the time zone comes from ------------------------------------------------------------------


def _evening_tariff(version: str) -> dict:
    return restricted(version, "TIME", {"start_time": "18:00", "end_time": "00:00"})


@pytest.mark.parametrize("version", ALL)
def test_time_zone_from_the_cdr_location(version):
    # 17:30 UTC is 18:30 in Amsterdam (evening element) but 12:30 in New York
    periods, end = minutes(local("2024-12-02 18:30"), (10, {"TIME": D(10) / 60}))
    data = cdr(version, periods, end, time_zone=AMSTERDAM)
    report = price(_evening_tariff(version), data, version=version)
    assert report.time_zone == AMSTERDAM and [p.element for p in report.pieces] == [0]
    conflicting = price(_evening_tariff(version), data, version=version, time_zone="America/New_York")
    assert [p.element for p in conflicting.pieces] == [0]
    assert NoteCode.TIME_ZONE_CONFLICT in conflicting.codes()


@pytest.mark.parametrize("version", ALL)
def test_no_time_zone_is_an_error_only_when_local_time_matters(version):
    periods, end = minutes(local("2024-12-02 18:30"), (10, {"TIME": D(10) / 60}))
    with pytest.raises(PricingError, match="time zone"):
        price(_evening_tariff(version), cdr(version, periods, end), version=version)
    plain = tariff(version, [{"price_components": [{"type": "TIME", "price": "1.00", "step_size": 1}]}])
    assert price(plain, cdr(version, periods, end), version=version).time_zone is None
    with pytest.raises(PricingError, match="unknown time zone"):
        price(_evening_tariff(version), cdr(version, periods, end), version=version, time_zone="Mars/Olympus")


@pytest.mark.parametrize("version", NEWER)
def test_a_session_takes_the_callers_time_zone(version):
    periods, _ = minutes(local("2024-12-02 18:30"), (10, {"TIME": D(10) / 60}))
    running = session(version, periods, last_updated=local("2024-12-02 18:40"))
    with pytest.raises(PricingError):
        price(_evening_tariff(version), running, version=version)
    report = price(_evening_tariff(version), running, version=version, time_zone=AMSTERDAM)
    assert [p.element for p in report.pieces] == [0]


def test_a_211_session_takes_its_locations_time_zone():
    periods, _ = minutes(local("2024-12-02 18:30"), (10, {"TIME": D(10) / 60}))
    running = session("2.1.1", periods, last_updated=local("2024-12-02 18:40"), time_zone=AMSTERDAM)
    report = price(_evening_tariff("2.1.1"), running, version="2.1.1")
    assert report.time_zone == AMSTERDAM and [p.element for p in report.pieces] == [0]
