"""OCPI 2.2.1 Session, SessionPatch and ChargingPreferences schemas (2.2.1/mod_sessions.asciidoc)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from ocpi.modules.sessions.v_2_2_1.schemas import (
    ChargingPreferences,
    ChargingPreferencesResponse,
    ProfileType,
    Session,
    SessionPatch,
    SessionStatus,
)
from tests.spec import SPEC_DIR, load_json, validation_errors


def _session() -> dict[str, Any]:
    return load_json(SPEC_DIR / "2.2.1/examples/session_example_2_short_finished.json")


def _errors(payload: dict[str, Any], model: type = Session) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(payload)
    return validation_errors(caught.value)


@pytest.mark.parametrize(
    "field",
    [
        "country_code",
        "party_id",
        "id",
        "start_date_time",
        "kwh",
        "cdr_token",
        "auth_method",
        "location_id",
        "evse_uid",
        "connector_id",
        "currency",
        "status",
        "last_updated",
    ],
)
def test_required_field_missing(field: str) -> None:
    payload = _session()
    del payload[field]
    assert _errors(payload) == {f"{field}: missing"}


@pytest.mark.parametrize("field", ["country_code", "party_id", "uid", "type", "contract_id"])
def test_cdr_token_fields_are_required(field: str) -> None:
    payload = _session()
    del payload["cdr_token"][field]
    assert _errors(payload) == {f"cdr_token.{field}: missing"}


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("country_code", 2),
        ("party_id", 3),
        ("id", 36),
        ("authorization_reference", 36),
        ("location_id", 36),
        ("evse_uid", 36),
        ("connector_id", 36),
        ("meter_id", 255),
        ("currency", 3),
    ],
)
def test_string_lengths(field: str, limit: int) -> None:
    payload = _session()
    payload[field] = "X" * limit
    Session.model_validate(payload)
    payload[field] = "X" * (limit + 1)
    assert _errors(payload) == {f"{field}: string_too_long"}


def test_not_available_evse_and_connector_for_a_reservation() -> None:
    session = Session.model_validate({**_session(), "status": "RESERVATION", "evse_uid": "#NA", "connector_id": "#NA"})
    assert (session.status, session.evse_uid, session.connector_id) == ("RESERVATION", "#NA", "#NA")


def test_closed_enums() -> None:
    assert {s.value for s in SessionStatus} == {"ACTIVE", "COMPLETED", "INVALID", "PENDING", "RESERVATION"}
    payload = _session()
    payload["status"] = "RESERVED"  # the word the spec's text uses; the enum value is RESERVATION
    payload["auth_method"] = "APP"
    payload["cdr_token"]["type"] = "EMAID"  # 2.3.0 only
    payload["charging_periods"][0]["dimensions"][0]["type"] = "FLAT"  # 2.1.1 only
    assert _errors(payload) == {
        "status: enum",
        "auth_method: enum",
        "cdr_token.type: enum",
        "charging_periods.0.dimensions.0.type: enum",
    }


def test_session_only_dimensions_are_accepted() -> None:
    payload = _session()
    payload["charging_periods"][0]["dimensions"] += [
        {"type": "STATE_OF_CHARGE", "volume": 80},
        {"type": "POWER", "volume": -3.7},
    ]
    assert Session.model_validate(payload).to_dict()["charging_periods"][0]["dimensions"][-1]["volume"] == -3.7


def test_malformed_datetime() -> None:
    assert _errors({**_session(), "end_date_time": "2015-06-29T25:50:16Z"}) == {
        "end_date_time: datetime_from_date_parsing"
    }


def test_wrong_types() -> None:
    assert _errors({**_session(), "total_cost": 8.5}) == {"total_cost: model_type"}
    assert _errors({**_session(), "total_cost": {"incl_vat": 9.35}}) == {"total_cost.excl_vat: missing"}
    assert _errors({**_session(), "cdr_token": "NL-TST-C12345678-S"}) == {"cdr_token: model_type"}
    assert _errors({**_session(), "kwh": True}) == {"kwh: decimal_type"}


def test_ids_are_case_insensitive() -> None:
    session = Session.model_validate({**_session(), "location_id": "loc1"})
    assert session.location_id == "LOC1"
    assert _errors({**_session(), "id": "s\u00e9ssion"}) == {"id: string_pattern_mismatch"}


def test_patch_requires_last_updated() -> None:
    assert _errors({"total_cost": {"excl_vat": 0.6}}, SessionPatch) == {"last_updated: missing"}
    patch = SessionPatch.model_validate({"status": "COMPLETED", "last_updated": "2019-06-23T08:11:00Z"})
    assert patch.to_dict() == {"status": "COMPLETED", "last_updated": "2019-06-23T08:11:00Z"}
    assert _errors({"kwh": "x", "last_updated": "2019-06-23T08:11:00Z"}, SessionPatch) == {"kwh: decimal_parsing"}


def test_charging_preferences() -> None:
    assert {p.value for p in ProfileType} == {"CHEAP", "FAST", "GREEN", "REGULAR"}
    assert {r.value for r in ChargingPreferencesResponse} == {
        "ACCEPTED",
        "DEPARTURE_REQUIRED",
        "ENERGY_NEED_REQUIRED",
        "NOT_POSSIBLE",
        "PROFILE_TYPE_NOT_SUPPORTED",
    }
    prefs = ChargingPreferences.model_validate(
        {"profile_type": "GREEN", "departure_time": "2019-06-23T18:00:00", "energy_need": 30.5}
    )
    assert prefs.to_dict() == {"profile_type": "GREEN", "departure_time": "2019-06-23T18:00:00Z", "energy_need": 30.5}
    assert _errors({"departure_time": "tonight"}, ChargingPreferences) == {
        "profile_type: missing",
        "departure_time: datetime_from_date_parsing",
    }
    assert _errors({"profile_type": "SLOW", "discharge_allowed": "maybe"}, ChargingPreferences) == {
        "profile_type: enum",
        "discharge_allowed: bool_parsing",
    }
