"""OCPI 2.2.1 Charging Profiles objects: the tables of `2.2.1/mod_charging_profiles.asciidoc`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from ocpi.modules.chargingprofiles.v_2_2_1.schemas import (
    ActiveChargingProfile,
    ActiveChargingProfileResult,
    ChargingProfile,
    ChargingProfilePeriod,
    ChargingProfileResponse,
    ChargingProfileResponseType,
    ChargingProfileResult,
    ChargingProfileResultType,
    ChargingRateUnit,
    ClearProfileResult,
    SetChargingProfile,
)
from tests.spec import validation_errors

PROFILE: dict[str, Any] = {
    "start_date_time": "2019-06-29T20:00:00Z",
    "duration": 3600,
    "charging_rate_unit": "A",
    "min_charging_rate": 6.0,
    "charging_profile_period": [{"start_period": 0, "limit": 16}, {"start_period": 1800, "limit": 8.1}],
}
URL = "https://scsp.example.com/ocpi/2.2.1/chargingprofiles/result/42"


def _errors(model: type[BaseModel], payload: dict[str, Any]) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(payload)
    return validation_errors(caught.value)


def test_enums_are_the_spec_tables() -> None:
    assert [u.value for u in ChargingRateUnit] == ["W", "A"]
    assert [t.value for t in ChargingProfileResponseType] == [
        "ACCEPTED", "NOT_SUPPORTED", "REJECTED", "TOO_OFTEN", "UNKNOWN_SESSION",
    ]  # fmt: skip
    assert [t.value for t in ChargingProfileResultType] == ["ACCEPTED", "REJECTED", "UNKNOWN"]


def test_set_and_active_profiles_round_trip() -> None:
    set_profile = SetChargingProfile.model_validate({"charging_profile": PROFILE, "response_url": URL})
    periods = set_profile.charging_profile.charging_profile_period
    assert periods is not None and isinstance(periods[1], ChargingProfilePeriod)
    assert periods[1].limit == Decimal("8.1")
    assert set_profile.to_dict()["charging_profile"] == {**PROFILE, "min_charging_rate": 6}
    active = ActiveChargingProfile.model_validate(
        {"start_date_time": "2019-06-29T20:00:00", "charging_profile": PROFILE}
    )
    result = ActiveChargingProfileResult.model_validate({"result": "ACCEPTED", "profile": active.to_dict()})
    assert result.profile == active and result.to_dict()["profile"]["start_date_time"] == "2019-06-29T20:00:00Z"
    assert ChargingProfile.model_validate({"charging_rate_unit": "W"}).charging_profile_period is None


def test_results_and_response() -> None:
    assert ChargingProfileResponse.model_validate({"result": "TOO_OFTEN", "timeout": 10}).timeout == 10
    assert ChargingProfileResult.model_validate({"result": "UNKNOWN"}).result is ChargingProfileResultType.UNKNOWN
    assert _errors(ClearProfileResult, {"result": "TOO_OFTEN"}) == {"result: enum"}


def test_missing_required() -> None:
    assert _errors(ChargingProfileResponse, {"result": "ACCEPTED"}) == {"timeout: missing"}
    assert _errors(SetChargingProfile, {"charging_profile": PROFILE}) == {"response_url: missing"}
    assert _errors(ChargingProfile, {"duration": 60}) == {"charging_rate_unit: missing"}


def test_at_most_one_decimal_digit() -> None:
    profile = {**PROFILE, "charging_profile_period": [{"start_period": 0, "limit": 8.15}]}
    assert _errors(ChargingProfile, profile) == {"charging_profile_period.0.limit: decimal_max_places"}
    assert _errors(ChargingProfile, {**PROFILE, "min_charging_rate": "6.25"}) == {
        "min_charging_rate: decimal_max_places"
    }


def test_closed_enum_malformed_datetime_wrong_type_and_long_url() -> None:
    assert _errors(ChargingProfile, {**PROFILE, "charging_rate_unit": "kW"}) == {"charging_rate_unit: enum"}
    assert _errors(ActiveChargingProfile, {"start_date_time": "now", "charging_profile": PROFILE}) == {
        "start_date_time: datetime_from_date_parsing"
    }
    assert _errors(ChargingProfile, {**PROFILE, "duration": "1h"}) == {"duration: int_parsing"}
    assert _errors(SetChargingProfile, {"charging_profile": PROFILE, "response_url": URL + "x" * 255}) == {
        "response_url: string_too_long"
    }
