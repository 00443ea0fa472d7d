"""Taxes, price limits, money rounding, step_size choices, the version's output shapes and the audit notes."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from ocpi.core.data_types import PriceV221, PriceV230
from ocpi.tariffs import CostDimension, NoteCode, PricingPolicy, TimeStepBasis, price
from tests.test_tariffs.builders import cdr, local, minutes, price_of, tariff

ALL = ["2.1.1", "2.2.1", "2.3.0"]
NEWER = ["2.2.1", "2.3.0"]
D = Decimal


def _flat_energy_time(version: str, **fields) -> dict:
    return tariff(
        version,
        [
            {
                "price_components": [
                    {"type": "FLAT", "price": "1.00", "vat": 20, "step_size": 1},
                    {"type": "ENERGY", "price": "0.30", "vat": 9, "step_size": 1},
                    {"type": "TIME", "price": "1.50", "vat": 21, "step_size": 1},
                ]
            }
        ],
        **fields,
    )


def _session(version: str, kwh="20", hours="2", **kwargs):
    periods, end = minutes(local("2024-12-02 10:00"), (int(D(hours) * 60), {"ENERGY": D(kwh), "TIME": D(hours)}))
    return cdr(version, periods, end, **kwargs)


def _tax_lines_add_up(amount) -> bool:
    return sum((t.amount for t in amount.taxes), D(0)) == amount.incl - amount.excl


@pytest.mark.parametrize("version", NEWER)
def test_vat_per_component_and_tax_lines(version):
    report = price(_flat_energy_time(version), _session(version), version=version)
    # 1.00 + 6.00 + 3.00 = 10.00; VAT 0.20 + 0.54 + 0.63
    assert (report.total.excl, report.total.incl) == (D("10.00"), D("11.37"))
    assert [(t.percentage, t.amount) for t in report.taxes] == [
        (D(9), D("0.54")),
        (D(20), D("0.20")),
        (D(21), D("0.63")),
    ]
    assert _tax_lines_add_up(report.total)
    assert all(_tax_lines_add_up(a) for a in report.dimensions.values())


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        ({"max_price": {"before_taxes": "5.00", "after_taxes": "5.40"}}, ("5.00", "5.40")),
        ({"max_price": {"before_taxes": "5.00"}}, ("5.00", "5.69")),  # taxes scaled with the total: 1.37 / 2
        ({"min_price": {"before_taxes": "20.00", "after_taxes": "25.00"}}, ("20.00", "25.00")),
        ({"max_price": {"before_taxes": "50.00", "after_taxes": "11.00"}}, ("10.00", "11.00")),  # only incl moves
    ],
)
@pytest.mark.parametrize("version", NEWER)
def test_min_and_max_price_before_and_after_taxes_independently(version, limit, expected):
    report = price(_flat_energy_time(version, **limit), _session(version), version=version)
    assert (report.total.excl, report.total.incl) == (D(expected[0]), D(expected[1]))
    assert (report.subtotal.excl, report.subtotal.incl) == (D("10.00"), D("11.37"))
    assert _tax_lines_add_up(report.total)
    assert NoteCode.PRICE_LIMIT_APPLIED in report.codes()


@pytest.mark.parametrize("version", NEWER)
def test_min_price_when_nothing_was_taxed(version):
    data = tariff(
        version,
        [{"price_components": [{"type": "ENERGY", "price": "0.25", "vat": 10, "step_size": 1}]}],
        min_price={"before_taxes": "0.50", "after_taxes": "0.55"},
    )
    periods, end = minutes(local("2024-12-02 10:00"), (5, {"TIME": D(5) / 60}))
    report = price(data, cdr(version, periods, end), version=version)
    assert (report.total.excl, report.total.incl) == (D("0.50"), D("0.55"))
    assert [t.amount for t in report.taxes] == [D("0.05")]


def test_tax_included_yes_splits_the_price():
    data = tariff("2.3.0", [{"price_components": [{"type": "TIME", "price": "2.42", "vat": 21, "step_size": 1}]}])
    data["tax_included"] = "YES"
    report = price(data, _session("2.3.0", hours="1"), version="2.3.0")
    assert (report.total.excl, report.total.incl) == (D("2.00"), D("2.42"))
    assert [(t.percentage, t.amount) for t in report.taxes] == [(D(21), D("0.42"))]


def test_tax_included_not_applicable_ignores_vat():
    data = tariff("2.3.0", [{"price_components": [{"type": "TIME", "price": "2.00", "vat": 21, "step_size": 1}]}])
    data["tax_included"] = "N/A"
    report = price(data, _session("2.3.0", hours="1"), version="2.3.0")
    assert (report.total.excl, report.total.incl) == (D("2.00"), D("2.00"))
    assert report.taxes == ()
    assert NoteCode.VAT_NOT_APPLICABLE in report.codes()


def test_211_has_no_vat():
    report = price(_flat_energy_time("2.1.1"), _session("2.1.1"), version="2.1.1")
    assert (report.total.excl, report.total.incl) == (D("10.00"), None)
    assert report.total_cost() == D("10.00")
    assert CostDimension.RESERVATION not in report.dimensions


def test_cost_in_the_versions_shape():
    v221 = price(_flat_energy_time("2.2.1"), _session("2.2.1"), version="2.2.1").total_cost()
    assert v221 == PriceV221(excl_vat=D("10.00"), incl_vat=D("11.37"))
    v230 = price(_flat_energy_time("2.3.0"), _session("2.3.0"), version="2.3.0").total_cost()
    assert isinstance(v230, PriceV230) and v230.before_taxes == D("10.00")
    assert v230.taxes is not None and sum(t.amount for t in v230.taxes) == D("1.37")


@pytest.mark.parametrize("version", ALL)
def test_money_rounding_is_a_policy(version):
    data = tariff(version, [{"price_components": [{"type": "ENERGY", "price": "0.25", "step_size": 1}]}])
    periods, end = minutes(local("2024-12-02 10:00"), (30, {"ENERGY": D("0.5")}))
    subject = cdr(version, periods, end)
    assert price(data, subject, version=version).total.excl == D("0.13")  # 0.125, half up
    even = PricingPolicy(money_rounding=ROUND_HALF_EVEN)
    assert price(data, subject, version=version, policy=even).total.excl == D("0.12")
    exact = PricingPolicy(money_decimals=None)
    assert price(data, subject, version=version, policy=exact).total.excl == D("0.125")


@pytest.mark.parametrize("version", ALL)
def test_step_size_policies(version):
    data = tariff(
        version,
        [
            {
                "price_components": [
                    {"type": "TIME", "price": "6.00", "step_size": 600},
                    {"type": "PARKING_TIME", "price": "6.00", "step_size": 600},
                ]
            }
        ],
    )
    periods, end = minutes(local("2024-12-02 10:00"), (21, {"TIME": D("0.35")}), (16, {"PARKING_TIME": D(16) / 60}))
    subject = cdr(version, periods, end)
    assert price(data, subject, version=version).total.excl == D("4.10")  # 21 + 20 minutes
    combined = PricingPolicy(time_step_basis=TimeStepBasis.COMBINED)
    assert price(data, subject, version=version, policy=combined).total.excl == D("4.00")  # 37 -> 40 minutes
    off = PricingPolicy(apply_step_size=False)
    assert price(data, subject, version=version, policy=off).total.excl == D("3.70")


@pytest.mark.parametrize("version", ALL)
def test_invalid_step_size_is_reported_not_applied(version):
    data = tariff(version, [{"price_components": [{"type": "TIME", "price": "6.00", "step_size": 0}]}])
    periods, end = minutes(local("2024-12-02 10:00"), (7, {"TIME": D(7) / 60}))
    report = price(data, cdr(version, periods, end), version=version)
    assert report.total.excl == D("0.70")
    assert NoteCode.INVALID_STEP_SIZE in report.codes()


# --- the audit ---------------------------------------------------------------------------------------


def _time_tariff(version: str) -> dict:
    return tariff(version, [{"price_components": [{"type": "TIME", "price": "2.00", "vat": 10, "step_size": 1}]}])


@pytest.mark.parametrize("version", ALL)
def test_periods_out_of_order_are_sorted_and_reported(version):
    periods, end = minutes(local("2024-12-02 10:00"), (30, {"TIME": D("0.5")}), (30, {"TIME": D("0.5")}))
    in_order = price(_time_tariff(version), cdr(version, periods, end), version=version)
    shuffled = price(_time_tariff(version), cdr(version, periods[::-1], end, start=periods[0][0]), version=version)
    assert shuffled.total == in_order.total
    assert NoteCode.PERIODS_OUT_OF_ORDER in shuffled.codes()
    assert NoteCode.PERIODS_OUT_OF_ORDER not in in_order.codes()
    assert [p.index for p in shuffled.periods] == [1, 0]  # indexes stay those of the object as given


@pytest.mark.parametrize("version", ALL)
def test_volume_longer_than_its_period_is_reported(version):
    periods, end = minutes(local("2024-12-02 10:00"), (30, {"TIME": 1}))
    report = price(_time_tariff(version), cdr(version, periods, end), version=version)
    assert NoteCode.VOLUME_EXCEEDS_PERIOD in report.codes()
    assert report.total.excl == D("2.00")


@pytest.mark.parametrize("version", ALL)
def test_recorded_totals_are_compared(version):
    periods, end = minutes(local("2024-12-02 10:00"), (60, {"TIME": 1}))
    good = price(
        _time_tariff(version), cdr(version, periods, end, total=price_of(version, "2.00", "2.20")), version=version
    )
    assert good.agrees_with_recorded and NoteCode.TOTAL_MISMATCH not in good.codes()
    assert good.differences["total_cost"].excl == 0
    off = price(
        _time_tariff(version), cdr(version, periods, end, total=price_of(version, "2.50", "2.75")), version=version
    )
    assert not off.agrees_with_recorded
    assert off.differences["total_cost"].excl == D("0.50")
    assert NoteCode.TOTAL_MISMATCH in off.codes()
    within = price(
        _time_tariff(version), cdr(version, periods, end, total=price_of(version, "2.01", "2.21")), version=version
    )
    assert within.agrees_with_recorded


@pytest.mark.parametrize("version", NEWER)
def test_recorded_dimension_totals_are_compared(version):
    periods, end = minutes(local("2024-12-02 10:00"), (60, {"TIME": 1}))
    subject = cdr(
        version, periods, end, total=price_of(version, "2.00", "2.20"), total_time_cost=price_of(version, "1.00")
    )
    report = price(_time_tariff(version), subject, version=version)
    assert report.agrees_with_recorded
    assert report.differences["total_time_cost"].excl == D("-1.00")
    assert NoteCode.DIMENSION_TOTAL_MISMATCH in report.codes()


@pytest.mark.parametrize("version", ALL)
def test_other_inconsistencies_are_reported(version):
    periods, end = minutes(local("2024-12-02 10:00"), (60, {"TIME": 1, "ENERGY": 5}))
    subject = cdr(version, periods, end, currency="USD", total_energy=D(9))
    report = price(_time_tariff(version), subject, version=version)
    assert {NoteCode.CURRENCY_MISMATCH, NoteCode.ENERGY_TOTAL_MISMATCH} <= report.codes()


@pytest.mark.parametrize("version", NEWER)
def test_tariff_validity_and_period_tariff_ids(version):
    data = _time_tariff(version) | {"end_date_time": "2024-01-01T00:00:00Z"}
    periods, end = minutes(local("2024-12-02 10:00"), (60, {"TIME": 1}))
    subject = cdr(version, periods, end)
    subject["charging_periods"][0]["tariff_id"] = "OTHER"
    report = price(data, subject, version=version)
    assert {NoteCode.TARIFF_NOT_ACTIVE, NoteCode.TARIFF_ID_MISMATCH} <= report.codes()


@pytest.mark.parametrize("version", ALL)
def test_negative_volumes_cost_nothing(version):
    data = tariff(version, [{"price_components": [{"type": "ENERGY", "price": "0.30", "step_size": 1}]}])
    periods, end = minutes(local("2024-12-02 10:00"), (60, {"ENERGY": -3}))
    report = price(data, cdr(version, periods, end), version=version)
    assert report.total.excl == D("0.00")
    assert NoteCode.NEGATIVE_VOLUME in report.codes()


def test_report_to_dict_is_json_ready():
    import json

    report = price(_flat_energy_time("2.3.0"), _session("2.3.0"), version="2.3.0")
    text = json.dumps(report.to_dict(), default=str)
    assert '"before_taxes": "10.00"' in text and '"kind": "cdr"' in text
