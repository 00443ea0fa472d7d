"""Charging Profiles conversions: 2.2.1 and 2.3.0 objects are the same; 2.1.1 has no such module."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from ocpi.modules.chargingprofiles import convert
from ocpi.modules.chargingprofiles.v_2_2_1 import schemas as v221
from ocpi.modules.chargingprofiles.v_2_3_0 import schemas as v230
from tests.spec import normalize

SCHEMAS = {"2.2.1": v221, "2.3.0": v230}
PROFILE = {
    "start_date_time": "2019-06-29T20:00:00Z",
    "duration": 3600,
    "charging_rate_unit": "W",
    "min_charging_rate": 1400.5,
    "charging_profile_period": [{"start_period": 0, "limit": 11000}, {"start_period": 900, "limit": 7400.1}],
}
ACTIVE = {"start_date_time": "2019-06-29T20:00:00Z", "charging_profile": PROFILE}
SAMPLES: list[tuple[str, dict[str, Any]]] = [
    ("ChargingProfile", PROFILE),
    ("ChargingProfilePeriod", {"start_period": 60, "limit": 16}),
    ("ActiveChargingProfile", ACTIVE),
    ("SetChargingProfile", {"charging_profile": PROFILE, "response_url": "https://scsp/ocpi/result/1"}),
    ("ChargingProfileResponse", {"result": "TOO_OFTEN", "timeout": 20}),
    ("ActiveChargingProfileResult", {"result": "ACCEPTED", "profile": ACTIVE}),
    ("ChargingProfileResult", {"result": "REJECTED"}),
    ("ClearProfileResult", {"result": "UNKNOWN"}),
]
CASES = [(version, name, payload) for version in SCHEMAS for name, payload in SAMPLES]


def _dump(obj: BaseModel) -> Any:
    return normalize(obj.model_dump(mode="json", exclude_none=True))


@pytest.mark.parametrize(("version", "name", "payload"), CASES, ids=[f"{v}-{n}" for v, n, _ in CASES])
def test_round_trip_through_canonical_loses_nothing(version: str, name: str, payload: dict[str, Any]) -> None:
    original = getattr(SCHEMAS[version], name).model_validate(payload)
    up = convert.to_canonical(original, version)
    assert type(up.value) is getattr(v230, name) and up.losses == []
    assert _dump(up.value) == normalize(payload)
    back = convert.from_canonical(up.value, version)
    assert type(back.value) is type(original) and back.value == original and back.losses == []
    if version == "2.3.0":
        assert up.value is original and back.value is original


def test_2_1_1_has_no_charging_profiles() -> None:
    profile = v230.ChargingProfile.model_validate(PROFILE)
    with pytest.raises(ValueError, match=r"only in OCPI 2\.2\.1 and 2\.3\.0"):
        convert.from_canonical(profile, "2.1.1")
    with pytest.raises(ValueError, match=r"only in OCPI 2\.2\.1 and 2\.3\.0"):
        convert.to_canonical(profile, "2.1.1")


def test_2_3_0_uses_the_2_2_1_classes() -> None:
    for name, _ in SAMPLES:
        assert getattr(v230, name) is getattr(v221, name), name
