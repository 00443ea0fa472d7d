"""OCPI 2.1.1 Session schemas: the table of 2.1.1/mod_sessions.md, field by field where it bites."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from ocpi.modules.sessions.v_2_1_1.schemas import Session, SessionPatch, SessionStatus
from tests.spec import FIXTURES_DIR, load_json, validation_errors


def _session() -> dict[str, Any]:
    return load_json(FIXTURES_DIR / "2.1.1/sessions/session_example_2_short_finished.json")


def _errors(payload: dict[str, Any], model: type = Session) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(payload)
    return validation_errors(caught.value)


@pytest.mark.parametrize(
    "field", ["id", "start_datetime", "kwh", "auth_id", "auth_method", "location", "currency", "status", "last_updated"]
)
def test_required_field_missing(field: str) -> None:
    payload = _session()
    del payload[field]
    assert _errors(payload) == {f"{field}: missing"}


@pytest.mark.parametrize("field", ["end_datetime", "meter_id", "charging_periods", "total_cost"])
def test_optional_field_may_be_absent_or_null(field: str) -> None:
    payload = _session()
    payload.pop(field, None)
    assert getattr(Session.model_validate(payload), field) is None
    payload[field] = None
    assert getattr(Session.model_validate(payload), field) is None


@pytest.mark.parametrize(("field", "limit"), [("id", 36), ("auth_id", 36), ("currency", 3), ("meter_id", 255)])
def test_string_lengths(field: str, limit: int) -> None:
    payload = _session()
    payload[field] = "x" * limit
    assert getattr(Session.model_validate(payload), field) == "x" * limit
    payload[field] = "x" * (limit + 1)
    assert _errors(payload) == {f"{field}: string_too_long"}


def test_2_1_1_has_no_reservation_status_nor_command_auth_method() -> None:
    assert {s.value for s in SessionStatus} == {"ACTIVE", "COMPLETED", "INVALID", "PENDING"}
    assert _errors({**_session(), "status": "RESERVATION"}) == {"status: enum"}
    assert _errors({**_session(), "auth_method": "COMMAND"}) == {"auth_method: enum"}


def test_malformed_datetime() -> None:
    assert _errors({**_session(), "start_datetime": "2015-13-29T22:39:09Z"}) == {
        "start_datetime: datetime_from_date_parsing"
    }
    assert _errors({**_session(), "last_updated": 1435617549}) == {"last_updated: value_error"}


def test_wrong_types() -> None:
    assert _errors({**_session(), "kwh": "lots"}) == {"kwh: decimal_parsing"}
    # 2.1.1 costs are plain numbers (excl. VAT), not the 2.2 Price object
    assert _errors({**_session(), "total_cost": {"excl_vat": 1}}) == {"total_cost: decimal_type"}
    assert _errors({**_session(), "charging_periods": {}}) == {"charging_periods: list_type"}


def test_errors_in_nested_objects_name_their_path() -> None:
    payload = _session()
    payload["charging_periods"][1]["dimensions"][0]["type"] = "POWER"  # a 2.2 type
    payload["charging_periods"][2]["dimensions"] = []
    payload["location"]["evses"][0]["connectors"][0]["standard"] = "NO_SUCH_PLUG"
    assert _errors(payload) == {
        "charging_periods.1.dimensions.0.type: enum",
        "charging_periods.2.dimensions: too_short",
        "location.evses.0.connectors.0.standard: enum",
    }


def test_flat_dimension_is_2_1_1() -> None:
    payload = _session()
    payload["charging_periods"][0]["dimensions"].append({"type": "FLAT", "volume": 1})
    assert Session.model_validate(payload).charging_periods[0].dimensions[-1].type == "FLAT"


def test_unknown_fields_are_kept() -> None:
    session = Session.model_validate({**_session(), "x_vendor": {"a": 1}})
    assert session.to_dict()["x_vendor"] == {"a": 1}


def test_patch_needs_no_last_updated_and_sends_only_what_was_set() -> None:
    patch = SessionPatch.model_validate({"total_cost": 0.60})
    assert patch.to_dict() == {"total_cost": 0.6}
    assert _errors({"status": "RESERVATION"}, SessionPatch) == {"status: enum"}
