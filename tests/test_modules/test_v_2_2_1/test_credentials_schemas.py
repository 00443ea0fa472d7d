"""OCPI 2.2.1 Credentials and CredentialsRole:
the tables of `2.2.1/credentials.asciidoc`, Role of `2.2.1/types.asciidoc`."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from ocpi.modules.credentials.v_2_2_1.schemas import Credentials, CredentialsRole, Role
from tests.spec import validation_errors

ROLE = {"role": "CPO", "party_id": "EXA", "country_code": "NL", "business_details": {"name": "Example Operator"}}
VALID: dict[str, Any] = {"token": "ebf3b399", "url": "https://example.com/ocpi/versions", "roles": [ROLE]}


def _errors(payload: dict[str, Any]) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        Credentials.model_validate(payload)
    return validation_errors(caught.value)


def _role(**changes: Any) -> dict[str, Any]:
    return {**VALID, "roles": [{k: v for k, v in {**ROLE, **changes}.items() if v is not None}]}


def test_roles_use_case_insensitive_ids() -> None:
    credentials = Credentials.model_validate(_role(party_id="exa", country_code="nl"))
    role = credentials.roles[0]
    assert isinstance(role, CredentialsRole) and role.role is Role.CPO
    assert role.party_id == "EXA" and role.country_code == "NL"


def test_roles_are_required_and_not_empty() -> None:
    assert _errors({k: v for k, v in VALID.items() if k != "roles"}) == {"roles: missing"}
    assert _errors({**VALID, "roles": []}) == {"roles: too_short"}
    assert _errors(_role(business_details=None)) == {"roles.0.business_details: missing"}


def test_too_long_and_non_ascii_ids() -> None:
    assert _errors(_role(party_id="EXAM")) == {"roles.0.party_id: string_too_long"}
    assert _errors(_role(country_code="NÉ")) == {"roles.0.country_code: string_pattern_mismatch"}
    assert _errors({**VALID, "token": "t" * 65}) == {"token: string_too_long"}


def test_wrong_type() -> None:
    assert _errors({**VALID, "roles": ROLE}) == {"roles: list_type"}


def test_role_enum_is_the_2_2_1_table() -> None:
    assert [r.value for r in Role] == ["CPO", "EMSP", "HUB", "NAP", "NSP", "OTHER", "SCSP"]
    assert Credentials.model_validate(_role(role="HUB")).roles[0].role is Role.HUB
    assert _errors(_role(role="PTP")) == {"roles.0.role: enum"}


def test_hub_party_id_is_not_a_2_2_1_field() -> None:
    assert "hub_party_id" not in Credentials.model_fields
