"""Every tariff example whose price the spec works out (DIGEST F.2, `mod_tariffs.asciidoc` of 2.2.1 and 2.3.0,
and the worked numbers of `mod_cdrs.asciidoc` "step_size"), priced from the official JSON files."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ocpi.tariffs import CostDimension, NoteCode, PricingPolicy, price
from tests.test_tariffs.builders import AMSTERDAM, cdr, local, minutes, official_tariff, tariff

BOTH = ["2.2.1", "2.3.0"]
D = Decimal


def h(minutes_: int) -> Decimal:
    """Minutes as hours, to the microhour (as a CPO would send them)."""
    return (D(minutes_) / 60).quantize(D("0.000001"))


def priced(name: str, version: str, spans: list[tuple[float, dict]], start: str = "2024-12-02 09:30", **kwargs):
    periods, end = minutes(local(start), *spans)
    return price(
        official_tariff(name, version), cdr(version, periods, end), version=version, time_zone=AMSTERDAM, **kwargs
    )


def totals(report) -> tuple[Decimal, Decimal | None]:
    return report.total.excl, report.total.incl


@pytest.mark.parametrize("version", BOTH)
def test_tariff_8_simple_025kwh(version):
    report = priced("tariff_8_simple_025kwh", version, [(60, {"ENERGY": 20, "TIME": 1})])
    assert totals(report) == (D("5.00"), D("5.50"))


@pytest.mark.parametrize("version", BOTH)
def test_tariff_9_025kwh_start(version):
    report = priced("tariff_9_025kwh_start", version, [(60, {"ENERGY": 20, "TIME": 1})])
    assert totals(report) == (D("5.50"), D("6.10"))
    assert report.dimensions[CostDimension.FLAT].incl == D("0.60")


@pytest.mark.parametrize("version", BOTH)
def test_tariff_12_min_price(version):
    report = priced("tariff_12_025kwh_min_price", version, [(60, {"ENERGY": 20, "TIME": 1})])
    assert totals(report) == (D("5.00"), D("5.50"))
    assert NoteCode.PRICE_LIMIT_APPLIED not in report.codes()
    # "But if less than 2 kWh is charged, € 0.50 (excl. VAT) or € 0.55 (incl. VAT) will be billed."
    small = priced("tariff_12_025kwh_min_price", version, [(10, {"ENERGY": D("1.5"), "TIME": h(10)})])
    assert totals(small) == (D("0.50"), D("0.55"))
    assert small.subtotal.excl == D("0.38")  # 0.375 before the limit
    assert NoteCode.PRICE_LIMIT_APPLIED in small.codes()
    assert sum(t.amount for t in small.taxes) == D("0.05")


@pytest.mark.parametrize("version", BOTH)
def test_tariff_10_parking_start(version):
    # 20 kWh, then parked 40 minutes, billed as 45 (step_size 900 s)
    report = priced(
        "tariff_10_025kwh_parking_start", version, [(60, {"ENERGY": 20, "TIME": 1}), (40, {"PARKING_TIME": h(40)})]
    )
    assert totals(report) == (D("7.00"), D("7.90"))
    parking = [p for p in report.pieces if p.dimension == "PARKING_TIME"]
    assert [p.billed for p in parking] == [D("0.75")]


@pytest.mark.parametrize("version", BOTH)
def test_tariff_6_max_price(version):
    start = "2019-06-10 10:00"  # before the tariff's end_date_time, 2019-06-30
    report = priced("tariff_6_025kwh_start_max_price", version, [(120, {"ENERGY": 50, "TIME": 2})], start)
    assert totals(report) == (D("10.00"), D("11.00"))
    assert report.subtotal.excl == D("13.00")
    assert NoteCode.TARIFF_NOT_ACTIVE not in report.codes()
    report = priced("tariff_6_025kwh_start_max_price", version, [(90, {"ENERGY": 30, "TIME": D("1.5")})], start)
    assert totals(report) == (D("8.00"), D("8.85"))


@pytest.mark.parametrize("version", BOTH)
def test_tariff_1_simple_2hour(version):
    report = priced("tariff_1_simple_2hour", version, [(150, {"TIME": D("2.5"), "ENERGY": 11})])
    assert totals(report) == (D("5.00"), D("5.50"))


@pytest.mark.parametrize("version", BOTH)
def test_tariff_13_time_and_parking(version):
    # 150 minutes charging + 42 parking, parking billed as 45 (step 300 s); charging not rounded
    report = priced(
        "tariff_13_simple_3hour_5parking", version, [(150, {"TIME": D("2.5")}), (42, {"PARKING_TIME": D("0.7")})]
    )
    assert totals(report) == (D("11.25"), D("12.75"))


@pytest.mark.parametrize("version", BOTH)
def test_tariff_2_alt_text(version):
    report = priced("tariff_2_alt_text", version, [(150, {"TIME": D("2.5")})])
    assert totals(report) == (D("4.75"), D("5.00"))


@pytest.mark.parametrize("version", BOTH)
def test_tariff_3_step_size_100_wh(version):
    # 20.45 kWh billed as 20.5 (step_size 100 Wh): energy 5.125 -> 5.13 / 5.6375 -> 5.64, total 5.63 / 6.24.
    # The 2.3.0 breakdown table says energy 5.11 / 5.62, total 5.61 / 6.22: that is 20.45 kWh without the
    # step_size, contradicting its own text (and the 2.2.1 table); the step_size rule gives the text's numbers.
    report = priced("tariff_3_alt_url", version, [(60, {"ENERGY": D("20.45"), "TIME": 1})])
    assert report.dimensions[CostDimension.FLAT].excl == D("0.50")
    assert report.dimensions[CostDimension.FLAT].incl == D("0.60")
    assert report.dimensions[CostDimension.ENERGY].excl == D("5.13")
    assert report.dimensions[CostDimension.ENERGY].incl == D("5.64")
    assert totals(report) == (D("5.63"), D("6.24"))
    assert [p.billed for p in report.pieces if p.dimension == "ENERGY"] == [D("20.5")]


@pytest.mark.parametrize("version", BOTH)
def test_tariff_3_at_the_real_time_price(version):
    # "With an assumed current energy price of € 0.22 per kWh ... Total: € 5.01 (excl. VAT), € 5.56 (incl. VAT)"
    data = official_tariff("tariff_3_alt_url", version)
    data["elements"][0]["price_components"][1]["price"] = D("0.22")
    periods, end = minutes(local("2024-12-02 09:30"), (60, {"ENERGY": D("20.45"), "TIME": 1}))
    report = price(data, cdr(version, periods, end), version=version)
    assert report.dimensions[CostDimension.ENERGY].excl == D("4.51")
    assert report.dimensions[CostDimension.ENERGY].incl == D("4.96")
    assert totals(report) == (D("5.01"), D("5.56"))


@pytest.mark.parametrize("version", BOTH)
def test_tariff_4_monday(version):
    # Monday 09:30, 165 minutes at most 16 A, then 42 minutes parking (billed 45): 9.00 / 10.30
    report = priced(
        "tariff_4_complex",
        version,
        [(165, {"TIME": D("2.75"), "MAX_CURRENT": 16}), (42, {"PARKING_TIME": D("0.7")})],
    )
    dims = report.dimensions
    assert (dims[CostDimension.FLAT].excl, dims[CostDimension.FLAT].incl) == (D("2.50"), D("2.88"))
    assert (dims[CostDimension.TIME].excl, dims[CostDimension.TIME].incl) == (D("2.75"), D("3.30"))
    assert dims[CostDimension.PARKING_TIME].excl == D("3.75")
    assert totals(report) == (D("9.00"), D("10.30"))  # 2.875 + 3.30 + 4.125, rounded once
    time_piece = next(p for p in report.pieces if p.dimension == "TIME")
    assert time_piece.element == 1 and "max_current" in time_piece.reason
    assert time_piece.billed == D("2.75")  # followed by parking: charging time is not rounded


@pytest.mark.parametrize("version", BOTH)
def test_tariff_4_saturday_corrects_the_spec(version):
    # Saturday 13:30, 114 minutes at 43 A or more, then 71 minutes parking (billed 75).
    # The spec says 12.28 / 13.861 with charging time 2.28 / 2.736, but 114 min at € 1.25/h is 2.375 / 2.85:
    # its arithmetic is wrong (2.28 would be € 1.20/h). Correct: 2.50 + 2.375 + 7.50 = 12.375 excl.,
    # 2.875 + 2.85 + 8.25 = 13.975 incl.
    spans = [(114, {"TIME": D("1.9"), "MIN_CURRENT": 43}), (71, {"PARKING_TIME": h(71)})]
    exact = priced("tariff_4_complex", version, spans, "2024-12-07 13:30", policy=PricingPolicy(money_decimals=None))
    assert exact.total.excl.quantize(D("0.000001")) == D("12.375")
    assert exact.total.incl is not None and exact.total.incl.quantize(D("0.000001")) == D("13.975")
    assert exact.dimensions[CostDimension.TIME].excl == D("2.375")
    assert next(p for p in exact.pieces if p.dimension == "TIME").element == 3  # weekend, min_current 32
    rounded = priced("tariff_4_complex", version, spans, "2024-12-07 13:30")
    assert totals(rounded) == (D("12.38"), D("13.98"))


@pytest.mark.parametrize("version", BOTH)
def test_tariff_5_free_of_charge(version):
    report = priced("tariff_5_free_of_charge", version, [(150, {"TIME": D("2.5"), "ENERGY": 30})])
    assert totals(report) == (D("0.00"), D("0.00"))
    assert [p.dimension for p in report.pieces if p.element is not None] == ["FLAT"]


def _reservation(name: str, version: str, reserved_minutes: int, charge: bool = True):
    spans: list[tuple[float, dict]] = [(reserved_minutes, {"RESERVATION_TIME": h(reserved_minutes)})]
    if charge:
        spans.append((60, {"ENERGY": 20, "TIME": 1}))
    return priced(name, version, spans)


@pytest.mark.parametrize("version", BOTH)
def test_tariff_15_reservation(version):
    report = _reservation("tariff_15_reservation_5_euro_per_hour", version, 15)
    assert totals(report) == (D("6.75"), D("7.60"))
    assert report.dimensions[CostDimension.RESERVATION].excl == D("1.25")


@pytest.mark.parametrize("version", BOTH)
def test_tariff_16_reservation_fee(version):
    # 13 minutes reserved, billed as 15 (step 300 s); the reservation fee 2.00 and the start fee 0.50 both apply
    report = _reservation("tariff_16_reservation_2_euro_fee_5_euro_per_hour", version, 13)
    assert totals(report) == (D("8.75"), D("10.00"))
    assert report.dimensions[CostDimension.RESERVATION].excl == D("3.25")
    assert report.dimensions[CostDimension.FLAT].excl == D("0.50")


@pytest.mark.parametrize("version", BOTH)
def test_tariff_17_reservation_expire_fee(version):
    used = _reservation("tariff_17_reservation_with_expire_fee", version, 22)  # billed 30 minutes
    assert totals(used) == (D("6.50"), D("7.30"))
    expired = _reservation("tariff_17_reservation_with_expire_fee", version, 60, charge=False)
    assert totals(expired) == (D("6.00"), D("7.20"))  # expiry fee 4.00 + 60 min at 2.00/h, no start fee
    assert NoteCode.RESERVATION_EXPIRED in expired.codes()


@pytest.mark.parametrize("version", BOTH)
def test_tariff_18_reservation_expire_time(version):
    used = _reservation("tariff_18_reservation_with_expire_time", version, 22)
    assert totals(used) == (D("7.00"), D("7.90"))
    expired = _reservation("tariff_18_reservation_with_expire_time", version, 90, charge=False)
    assert totals(expired) == (D("9.00"), D("10.80"))  # the RESERVATION_EXPIRES element's 6.00/h
    assert {p.element for p in expired.pieces} == {0}


@pytest.mark.parametrize("version", BOTH)
def test_tariff_14_step_size_switching_element_1(version):
    # 16:55, charge 10 minutes, park 2: 5 min at 1.20/h + 5 min at 2.40/h + 15 min parking at 1.00/h = 0.55
    report = priced(
        "tariff_14_step_size",
        version,
        [(10, {"TIME": h(10)}), (2, {"PARKING_TIME": h(2)})],
        "2024-12-02 16:55",
    )
    assert report.total.excl == D("0.55")
    times = [(p.element, p.volume, p.billed) for p in report.pieces if p.dimension == "TIME"]
    assert [(e, v.quantize(D("0.0001"))) for e, v, _ in times] == [(0, D("0.0833")), (1, D("0.0833"))]
    assert NoteCode.PERIOD_OUTLASTS_COMPONENT in report.codes()  # the CPO should have split at 17:00


@pytest.mark.parametrize("version", BOTH)
def test_tariff_14_step_size_switching_element_1_with_sloppy_periods(version):
    # The same session as a CPO often reports it: the charging period says 10 minutes of TIME but the parking
    # period starts 5 minutes after it (VOLUME_EXCEEDS_PERIOD). The charging pieces then end after the parking
    # ones; the order of the periods still says parking came last, so parking is what step_size rounds
    # (mod_cdrs "step_size", tariff_14 example #1): 0.10 + 0.20 + 0.25 = 0.55 (rounding charging instead: 0.53).
    report = priced(
        "tariff_14_step_size",
        version,
        [(5, {"TIME": h(10)}), (2, {"PARKING_TIME": h(2)})],
        "2024-12-02 16:55",
    )
    assert NoteCode.VOLUME_EXCEEDS_PERIOD in report.codes()
    assert report.total.excl == D("0.55")
    [rounding] = report.step_roundings
    assert rounding.group == "PARKING_TIME"
    assert [p.billed for p in report.pieces if p.dimension == "PARKING_TIME"] == [D("0.25")]


@pytest.mark.parametrize("version", BOTH)
def test_tariff_14_step_size_switching_element_2(version):
    # 16:35, charge 35 minutes: rounded to 45 with the last element's 900 s; 25 min at 1.20 + 20 at 2.40 = 1.30
    periods, end = minutes(local("2024-12-02 16:35"), (25, {"TIME": h(25)}), (10, {"TIME": h(10)}))
    report = price(
        official_tariff("tariff_14_step_size", version),
        cdr(version, periods, end, time_zone=AMSTERDAM),
        version=version,
    )
    assert report.total.excl == D("1.30")
    assert NoteCode.PERIOD_OUTLASTS_COMPONENT not in report.codes()
    last = [p for p in report.pieces if p.dimension == "TIME"][-1]
    assert (last.element, last.billed.quantize(D("0.000001"))) == (1, h(20))


@pytest.mark.parametrize("version", BOTH)
def test_tariff_14_step_size_switching_to_free(version):
    # 19:40, charge 12 minutes, park 20: parking is free from 20:00, so the 8 billable minutes round to 15,
    # billed in the 19:52-20:00 stretch: 0.48 + 0.25 = 0.73
    report = priced(
        "tariff_14_step_size",
        version,
        [(12, {"TIME": D("0.2")}), (20, {"PARKING_TIME": h(20)})],
        "2024-12-02 19:40",
    )
    assert report.total.excl == D("0.73")
    parking = [p for p in report.pieces if p.dimension == "PARKING_TIME"]
    assert [p.element for p in parking] == [1, None]
    assert parking[0].billed == D("0.25")


@pytest.mark.parametrize("version", BOTH)
def test_max_power_restriction(version):
    # 1 kWh at 6 kW, 40 kWh at 48 kW, 0.5 kWh at 4 kW: 0.20 + 20.00 + 0.10
    report = priced(
        "tariffrestriction_example_max_power",
        version,
        [
            (10, {"ENERGY": 1, "MAX_POWER": 6}),
            (50, {"ENERGY": 40, "MAX_POWER": 48}),
            (8, {"ENERGY": D("0.5"), "MAX_POWER": 4}),
        ],
    )
    assert report.total.excl == D("20.30")
    assert [p.element for p in report.pieces] == [0, 2, 0]


@pytest.mark.parametrize("version", BOTH)
def test_max_duration_restriction(version):
    # 40 minutes: 5 kWh in the first 30 (free), 1.2 kWh after at 0.25
    report = priced(
        "tariffrestriction_example_max_duration", version, [(30, {"ENERGY": 5}), (10, {"ENERGY": D("1.2")})]
    )
    assert report.total.excl == D("0.30")


def test_tariff_19_north_american_exclusive():
    periods, end = minutes(local("2024-12-02 09:30", "America/Toronto"), (150, {"TIME": D("2.5")}))
    report = price(
        official_tariff("tariff_19_simple_north_american_exclusive"),
        cdr("2.3.0", periods, end, currency="CAD"),
        version="2.3.0",
    )
    assert report.total.excl == D("5.00")  # "C$ 5.00, plus taxes according to locally applicable legislation"
    assert report.total.taxes == ()
    assert NoteCode.TAXES_UNKNOWN in report.codes()


def test_tariff_20_north_american_inclusive():
    periods, end = minutes(local("2024-12-02 09:30", "America/Toronto"), (150, {"TIME": D("2.5")}))
    report = price(
        official_tariff("tariff_20_simple_north_american_inclusive"),
        cdr("2.3.0", periods, end, currency="CAD"),
        version="2.3.0",
    )
    assert report.total.incl == D("5.25")  # "C$ 5.25. All taxes that are due are included"
    assert NoteCode.TAX_SPLIT_UNKNOWN in report.codes()


# --- the worked numbers of mod_tariffs PriceComponent and mod_cdrs "step_size" -------------------------


@pytest.mark.parametrize(("step", "expected"), [(1, "0.029"), (25, "0.031"), (500, "0.125")])
@pytest.mark.parametrize("version", ["2.1.1", *BOTH])
def test_energy_step_size_115_wh(version, step, expected):
    data = tariff(version, [{"price_components": [{"type": "ENERGY", "price": "0.25", "step_size": step}]}])
    periods, end = minutes(local("2024-12-02 10:00"), (5, {"ENERGY": D("0.1152")}))
    report = price(data, cdr(version, periods, end), version=version, policy=PricingPolicy(money_decimals=3))
    assert report.total.excl == D(expected)


def _two_prices(version: str, dimension: str, before: str, after: str, step: int) -> dict:
    return tariff(
        version,
        [
            {
                "price_components": [{"type": dimension, "price": before, "step_size": step}],
                "restrictions": {"start_time": "00:00", "end_time": "17:00"},
            },
            {"price_components": [{"type": dimension, "price": after, "step_size": step}]},
        ],
    )


@pytest.mark.parametrize("version", ["2.1.1", *BOTH])
def test_energy_step_size_on_the_session_total(version):
    # 4.3 kWh before 17:00 at 0.20 and 1.1 kWh after at 0.27, step 500 Wh: 5.4 kWh rounded to 5.5 in total,
    # the extra 0.1 kWh billed after 17:00 (not 1.1 rounded to 1.5)
    data = _two_prices(version, "ENERGY", "0.20", "0.27", 500)
    periods, end = minutes(local("2024-12-02 16:00"), (60, {"ENERGY": D("4.3")}), (20, {"ENERGY": D("1.1")}))
    report = price(data, cdr(version, periods, end), version=version, time_zone=AMSTERDAM)
    assert [p.billed for p in report.pieces] == [D("4.3"), D("1.2")]
    assert report.total.excl == D("1.18")  # 0.86 + 0.324


@pytest.mark.parametrize("version", ["2.1.1", *BOTH])
def test_time_step_size_on_the_session_total(version):
    # 6 minutes at 5/h before 17:00 and 22 at 7/h after, step 10 min: 30 minutes in total, 24 after 17:00
    data = _two_prices(version, "TIME", "5", "7", 600)
    periods, end = minutes(local("2024-12-02 16:54"), (6, {"TIME": D("0.1")}), (22, {"TIME": h(22)}))
    report = price(data, cdr(version, periods, end), version=version, time_zone=AMSTERDAM)
    billed = [p.billed.quantize(D("0.000001")) for p in report.pieces]
    assert billed == [D("0.1"), D("0.4")]
    assert report.total.excl == D("3.30")  # 0.50 + 2.80


@pytest.mark.parametrize("version", ["2.1.1", *BOTH])
def test_parking_after_charging_only_parking_is_rounded(version):
    # 21 minutes charging and 16 parking, both step 10 min: parking billed 20, charging stays 21
    data = tariff(
        version,
        [
            {
                "price_components": [
                    {"type": "TIME", "price": "1.00", "step_size": 600},
                    {"type": "PARKING_TIME", "price": "2.00", "step_size": 600},
                ]
            }
        ],
    )
    periods, end = minutes(local("2024-12-02 10:00"), (21, {"TIME": D("0.35")}), (16, {"PARKING_TIME": h(16)}))
    report = price(data, cdr(version, periods, end), version=version)
    assert [(p.dimension, p.billed.quantize(D("0.000001"))) for p in report.pieces] == [
        ("TIME", D("0.35")),
        ("PARKING_TIME", h(20)),
    ]
