"""OCPI 2.1.1 Credentials: the table of `2.1.1/credentials.md` (one party, no roles)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ocpi.modules.credentials.v_2_1_1.schemas import Credentials
from tests.spec import validation_errors

VALID = {
    "token": "ebf3b399-779f-4497-9b9d-ac6ad3cc44d2",
    "url": "https://example.com/ocpi/cpo/versions/",
    "party_id": "EXA",
    "country_code": "NL",
    "business_details": {"name": "Example Operator"},
}


def _errors(**changes: object) -> set[str]:
    payload = {k: v for k, v in {**VALID, **changes}.items() if v is not None}
    with pytest.raises(ValidationError) as caught:
        Credentials.model_validate(payload)
    return validation_errors(caught.value)


def test_party_at_top_level_and_case_sensitive_strings() -> None:
    credentials = Credentials.model_validate({**VALID, "party_id": "exa"})
    assert credentials.party_id == "exa" and credentials.party_id != "EXA"
    assert credentials.business_details.name == "Example Operator"
    assert "roles" not in Credentials.model_fields


def test_missing_required() -> None:
    assert _errors(business_details=None) == {"business_details: missing"}
    assert _errors(business_details={"website": "https://example.com"}) == {"business_details.name: missing"}


def test_too_long_strings() -> None:
    assert _errors(token="t" * 65) == {"token: string_too_long"}
    assert _errors(party_id="EXAM") == {"party_id: string_too_long"}
    assert _errors(country_code="NLD") == {"country_code: string_too_long"}


def test_unknown_closed_enum_value_in_logo() -> None:
    logo = {"url": "https://example.com/logo.png", "category": "BANNER", "type": "png"}
    assert _errors(business_details={"name": "X", "logo": logo}) == {"business_details.logo.category: enum"}


def test_wrong_type() -> None:
    assert _errors(token=12345) == {"token: string_type"}
