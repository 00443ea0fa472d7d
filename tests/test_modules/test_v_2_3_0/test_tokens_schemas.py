"""OCPI 2.3.0 Tokens schemas (`2.3.0/mod_tokens.asciidoc`): what they accept and, field by field, what they
reject."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from ocpi.modules.tokens.v_2_3_0.schemas import (
    AllowedType,
    AuthorizationInfo,
    EnergyContract,
    ProfileType,
    Token,
    TokenPatch,
    TokenResponse,
    TokenType,
)
from tests.spec import validation_errors

TOKEN: dict[str, Any] = {
    "country_code": "DE",
    "party_id": "TNM",
    "uid": "12345678905880",
    "type": "RFID",
    "contract_id": "DE8ACC12E46L89",
    "visual_number": "DF000-2001-8999-1",
    "issuer": "TheNewMotion",
    "group_id": "DF000-2001-8999",
    "valid": True,
    "whitelist": "ALLOWED",
    "language": "it",
    "default_profile_type": "GREEN",
    "energy_contract": {"supplier_name": "Greenpeace Energy eG", "contract_id": "0123456789"},
    "last_updated": "2018-12-10T17:25:10Z",
}

AUTHORIZATION: dict[str, Any] = {
    "allowed": "ALLOWED",
    "token": TOKEN,
    "location": {"location_id": "LOC1", "evse_uids": ["BE-BEC-E041503001"]},
    "authorization_reference": "567890",
    "info": {"language": "en", "text": "Welcome"},
}


def errors_of(model: type[BaseModel], payload: dict[str, Any]) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(payload)
    return validation_errors(caught.value)


def changed(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """`base` with the value at the dotted `path` replaced (or removed when `value` is `...`)."""
    payload = copy.deepcopy(base)
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    target: Any = payload
    for part in parents:
        target = target[part]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return payload


def test_valid_token_and_authorization_parse() -> None:
    token = Token.model_validate(TOKEN)
    assert token.default_profile_type is ProfileType.GREEN
    assert isinstance(token.energy_contract, EnergyContract)
    assert token.uid == "12345678905880"
    info = AuthorizationInfo.model_validate(AUTHORIZATION)
    assert info.allowed is AllowedType.ALLOWED
    assert info.token == token


def test_token_types_of_2_3_0() -> None:
    assert {t.value for t in TokenType} == {"AD_HOC_USER", "APP_USER", "EMAID", "OTHER", "RFID"}
    assert Token.model_validate(changed(TOKEN, "type", "EMAID")).type is TokenType.EMAID


def test_token_type_is_an_open_enum() -> None:
    # 2.3.0 TokenType is an OpenEnum: an unknown value is kept as a string and sent back unchanged.
    token = Token.model_validate(changed(TOKEN, "type", "X_NLTNM_KEY_FOB"))
    assert token.type == "X_NLTNM_KEY_FOB"
    assert not isinstance(token.type, TokenType)
    assert token.to_dict()["type"] == "X_NLTNM_KEY_FOB"


@pytest.mark.parametrize(
    ("path", "value", "error_type"),
    [
        ("country_code", ..., "missing"),
        ("party_id", ..., "missing"),
        ("uid", ..., "missing"),
        ("type", ..., "missing"),
        ("contract_id", ..., "missing"),
        ("issuer", ..., "missing"),
        ("valid", ..., "missing"),
        ("whitelist", ..., "missing"),
        ("last_updated", ..., "missing"),
        ("energy_contract.supplier_name", ..., "missing"),
        ("country_code", "DEU", "string_too_long"),
        ("party_id", "TNMX", "string_too_long"),
        ("uid", "x" * 37, "string_too_long"),
        ("contract_id", "x" * 37, "string_too_long"),
        ("group_id", "x" * 37, "string_too_long"),
        ("visual_number", "x" * 65, "string_too_long"),
        ("energy_contract.contract_id", "x" * 65, "string_too_long"),
        ("contract_id", "DE8ACC12E46L89\u00e9", "string_pattern_mismatch"),
        ("whitelist", "SOMETIMES", "enum"),
        ("default_profile_type", "CHEAPEST", "enum"),
        ("last_updated", "2018-12-10T25:00:00Z", "datetime_from_date_parsing"),
        ("valid", "perhaps", "bool_parsing"),
        ("energy_contract", "Greenpeace", "model_type"),
    ],
)
def test_token_rejects(path: str, value: Any, error_type: str) -> None:
    assert errors_of(Token, changed(TOKEN, path, value)) == {f"{path}: {error_type}"}


@pytest.mark.parametrize(
    ("path", "value", "error_type"),
    [
        ("allowed", ..., "missing"),
        ("token", ..., "missing"),
        ("token.contract_id", ..., "missing"),
        ("allowed", "DENIED", "enum"),
        ("location.location_id", "x" * 37, "string_too_long"),
        ("location.evse_uids.0", "x" * 37, "string_too_long"),
        ("authorization_reference", "x" * 37, "string_too_long"),
    ],
)
def test_authorization_info_rejects(path: str, value: Any, error_type: str) -> None:
    assert errors_of(AuthorizationInfo, changed(AUTHORIZATION, path, value)) == {f"{path}: {error_type}"}


def test_patch_requires_last_updated() -> None:
    assert errors_of(TokenPatch, {"valid": False}) == {"last_updated: missing"}
    patch = TokenPatch.model_validate({"valid": False, "last_updated": "2019-06-19T02:11:11Z"})
    assert patch.to_dict() == {"valid": False, "last_updated": "2019-06-19T02:11:11Z"}
    assert errors_of(TokenPatch, {"whitelist": "SOMETIMES", "last_updated": "2019-06-19T02:11:11Z"}) == {
        "whitelist: enum"
    }


def test_response_envelope() -> None:
    response = TokenResponse.model_validate({"data": TOKEN, "status_code": 1000, "timestamp": "2015-06-30T21:59:59Z"})
    assert isinstance(response.data, Token)
    assert errors_of(TokenResponse, {"data": changed(TOKEN, "uid", ...), "status_code": 1000, "timestamp": "x"}) == {
        "data.uid: missing",
        "timestamp: datetime_from_date_parsing",
    }
