"""Running sessions (the cost so far and a projection), filling `total_cost`, choosing the tariff."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from ocpi.modules.cdrs.v_2_1_1.schemas import CDR as CDR211
from ocpi.modules.cdrs.v_2_2_1.schemas import CDR as CDR221
from ocpi.modules.cdrs.v_2_3_0.schemas import CDR as CDR230
from ocpi.modules.sessions.v_2_1_1.schemas import Session as Session211
from ocpi.modules.sessions.v_2_2_1.schemas import Session as Session221
from ocpi.modules.sessions.v_2_3_0.schemas import Session as Session230
from ocpi.modules.tariffs.v_2_2_1.schemas import Tariff as Tariff221
from ocpi.tariffs import NoteCode, PricingError, choose_tariff, fill_total_cost, price, project
from tests.test_tariffs.builders import AMSTERDAM, cdr, local, minutes, official_tariff, session, tariff

ALL = ["2.1.1", "2.2.1", "2.3.0"]
D = Decimal
CDRS = {"2.1.1": CDR211, "2.2.1": CDR221, "2.3.0": CDR230}
SESSIONS = {"2.1.1": Session211, "2.2.1": Session221, "2.3.0": Session230}


def _tariff(version: str) -> dict:
    return tariff(
        version,
        [
            {
                "price_components": [
                    {"type": "FLAT", "price": "0.50", "vat": 20, "step_size": 1},
                    {"type": "ENERGY", "price": "0.25", "vat": 10, "step_size": 1},
                    {"type": "PARKING_TIME", "price": "2.00", "vat": 20, "step_size": 900},
                ]
            }
        ],
    )


@pytest.mark.parametrize("version", ALL)
def test_running_session_is_priced_so_far(version):
    periods, _ = minutes(local("2024-12-02 10:00"), (30, {"ENERGY": 8, "TIME": D("0.5")}))
    running = session(version, periods, last_updated=local("2024-12-02 10:30"))
    report = price(_tariff(version), running, version=version)
    assert report.kind == "estimate"
    assert report.total.excl == D("2.50")  # 0.50 + 8 x 0.25
    later = price(_tariff(version), running, version=version, as_of=local("2024-12-02 11:00"))
    assert later.periods[-1].end == local("2024-12-02 11:00")


@pytest.mark.parametrize("version", ALL)
def test_projection_adds_energy_duration_and_parking(version):
    periods, _ = minutes(local("2024-12-02 10:00"), (30, {"ENERGY": 8, "TIME": D("0.5")}))
    running = session(version, periods, last_updated=local("2024-12-02 10:30"))
    report = project(
        _tariff(version),
        running,
        version=version,
        energy_kwh="12",
        duration=timedelta(hours=1),
        parking=timedelta(minutes=40),
    )
    assert report.kind == "projection"
    # 0.50 + 20 kWh x 0.25 + parking 40 min billed 45 x 2.00/h = 7.00; 7.90 incl. VAT (tariff_10's numbers)
    assert report.total.excl == D("7.00")
    if version != "2.1.1":
        assert report.total.incl == D("7.90")
    assert [p.index for p in report.periods] == [0, 1, 2]
    assert report.periods[-1].end == local("2024-12-02 12:10")


@pytest.mark.parametrize("version", ["2.2.1", "2.3.0"])
def test_projection_at_a_power(version):
    data = official_tariff("tariffrestriction_example_max_power", version)
    periods, _ = minutes(local("2024-12-02 10:00"), (10, {"ENERGY": 1, "MAX_POWER": 6}))
    running = session(version, periods, last_updated=local("2024-12-02 10:10"))
    slow = project(data, running, version=version, energy_kwh=10, duration=timedelta(hours=1), power_kw=10)
    fast = project(data, running, version=version, energy_kwh=10, duration=timedelta(hours=1), power_kw=48)
    assert (slow.total.excl, fast.total.excl) == (D("2.20"), D("5.20"))


def test_projection_needs_a_session():
    periods, end = minutes(local("2024-12-02 10:00"), (30, {"ENERGY": 8}))
    with pytest.raises(PricingError, match="Session"):
        project(
            _tariff("2.2.1"), cdr("2.2.1", periods, end), version="2.2.1", energy_kwh=1, duration=timedelta(hours=1)
        )


@pytest.mark.parametrize("version", ALL)
def test_session_without_charging_periods(version):
    periods, _ = minutes(local("2024-12-02 10:00"), (60, {"ENERGY": 10, "TIME": 1}))
    running = session(version, periods, last_updated=local("2024-12-02 11:00"))
    running["charging_periods"] = []
    report = price(_tariff(version), running, version=version)
    assert NoteCode.NO_CHARGING_PERIODS in report.codes()
    assert report.total.excl == D("3.00")


@pytest.mark.parametrize("version", ALL)
def test_fill_total_cost_of_a_cdr(version):
    periods, end = minutes(
        local("2024-12-02 10:00"), (60, {"ENERGY": 20, "TIME": 1}), (40, {"PARKING_TIME": D(40) / 60})
    )
    model = CDRS[version].model_validate(cdr(version, periods, end))
    filled = fill_total_cost(model, _tariff(version))
    assert type(filled) is type(model)
    if version == "2.1.1":
        assert filled.total_cost == D("7.00")
    elif version == "2.2.1":
        assert (filled.total_cost.excl_vat, filled.total_cost.incl_vat) == (D("7.00"), D("7.90"))
        assert filled.total_energy_cost.excl_vat == D("5.00")
        assert filled.total_parking_cost.excl_vat == D("1.50")
        assert filled.total_fixed_cost.excl_vat == D("0.50")
        assert filled.total_time_cost is None and filled.total_reservation_cost is None
    else:
        assert filled.total_cost.before_taxes == D("7.00")
        assert sum(t.amount for t in filled.total_cost.taxes) == D("0.90")
    # what it fills is what the engine reads back as agreeing, and it is a valid object of the version
    again = CDRS[version].model_validate(filled.to_dict())
    assert price(_tariff(version), again, version=version).agrees_with_recorded


@pytest.mark.parametrize("version", ALL)
def test_fill_total_cost_of_a_session(version):
    periods, _ = minutes(local("2024-12-02 10:00"), (30, {"ENERGY": 8, "TIME": D("0.5")}))
    model = SESSIONS[version].model_validate(session(version, periods, last_updated=local("2024-12-02 10:30")))
    filled = fill_total_cost(model, _tariff(version), version=version)
    cost = filled.total_cost
    assert (cost if version == "2.1.1" else cost.excl_vat if version == "2.2.1" else cost.before_taxes) == D("2.50")
    assert SESSIONS[version].model_validate(filled.to_dict()).total_cost == cost


def test_choose_tariff_by_type_and_validity():
    base = tariff("2.2.1", [{"price_components": [{"type": "ENERGY", "price": "0.25", "step_size": 1}]}])
    regular = Tariff221.model_validate(base | {"id": "R", "type": "REGULAR", "end_date_time": "2024-06-01T00:00:00Z"})
    regular_new = Tariff221.model_validate(
        base | {"id": "R2", "type": "REGULAR", "start_date_time": "2024-06-01T00:00:00Z"}
    )
    adhoc = Tariff221.model_validate(base | {"id": "A", "type": "AD_HOC_PAYMENT"})
    any_type = Tariff221.model_validate(base | {"id": "X"})
    tariffs = [regular, regular_new, adhoc, any_type]
    assert choose_tariff(tariffs, at=local("2024-05-01 10:00")).id == "R"
    assert choose_tariff(tariffs, at=local("2024-07-01 10:00")).id == "R2"
    assert choose_tariff(tariffs, at=local("2024-07-01 10:00"), tariff_type="AD_HOC_PAYMENT").id == "A"
    assert choose_tariff(tariffs, at=local("2024-07-01 10:00"), tariff_type="PROFILE_GREEN").id == "X"
    assert choose_tariff([regular], at=local("2024-07-01 10:00")) is None


def test_wrong_inputs_are_clear_errors():
    periods, end = minutes(local("2024-12-02 10:00"), (30, {"ENERGY": 8}))
    with pytest.raises(PricingError, match="unknown OCPI version"):
        price(_tariff("2.2.1"), cdr("2.2.1", periods, end), version="2.0")
    with pytest.raises(PricingError, match="Tariff"):
        price(CDR221.model_validate(cdr("2.2.1", periods, end)), cdr("2.2.1", periods, end), version="2.2.1")
    with pytest.raises(ValueError):
        price(_tariff("2.2.1"), cdr("2.2.1", periods, end), version="2.3.0")  # a 2.2.1 tariff is no 2.3.0 one


def test_time_zone_argument_for_a_session_across_midnight():
    data = tariff(
        "2.3.0",
        [
            {
                "price_components": [{"type": "TIME", "price": "1.00", "step_size": 1}],
                "restrictions": {"start_time": "23:00", "end_time": "07:00"},
            },
            {"price_components": [{"type": "TIME", "price": "3.00", "step_size": 1}]},
        ],
    )
    periods, _ = minutes(local("2024-12-02 22:30"), (60, {"TIME": 1}))
    running = session("2.3.0", periods, last_updated=local("2024-12-02 23:30"))
    report = price(data, running, version="2.3.0", time_zone=AMSTERDAM)
    assert report.total.excl == D("2.00")  # 30 min at 3.00 + 30 min at 1.00
