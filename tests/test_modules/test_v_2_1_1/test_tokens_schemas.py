"""OCPI 2.1.1 Tokens schemas (`2.1.1/mod_tokens.md`): what they accept and, field by field, what they reject."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from ocpi.modules.tokens.v_2_1_1.schemas import (
    Allowed,
    AuthorizationInfo,
    LocationReferences,
    Token,
    TokenListResponse,
    TokenPatch,
    TokenType,
    WhitelistType,
)
from tests.spec import validation_errors

TOKEN: dict[str, Any] = {
    "uid": "012345678",
    "type": "RFID",
    "auth_id": "DE8ACC12E46L89",
    "visual_number": "DF000-2001-8999",
    "issuer": "TheNewMotion",
    "valid": True,
    "whitelist": "ALLOWED",
    "language": "nl",
    "last_updated": "2015-06-29T22:39:09Z",
}

AUTHORIZATION: dict[str, Any] = {
    "allowed": "ALLOWED",
    "location": {"location_id": "LOC1", "evse_uids": ["BE-BEC-E041503001"], "connector_ids": ["1", "2"]},
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
    assert token.type is TokenType.RFID
    assert token.whitelist is WhitelistType.ALLOWED
    info = AuthorizationInfo.model_validate(AUTHORIZATION)
    assert info.allowed is Allowed.ALLOWED
    assert isinstance(info.location, LocationReferences)
    assert info.location.connector_ids == ["1", "2"]


def test_2_2_token_types_do_not_exist_in_2_1_1() -> None:
    assert {t.value for t in TokenType} == {"OTHER", "RFID"}
    assert errors_of(Token, changed(TOKEN, "type", "APP_USER")) == {"type: enum"}


@pytest.mark.parametrize(
    ("path", "value", "error_type"),
    [
        ("uid", ..., "missing"),
        ("type", ..., "missing"),
        ("auth_id", ..., "missing"),
        ("issuer", ..., "missing"),
        ("valid", ..., "missing"),
        ("whitelist", ..., "missing"),
        ("last_updated", ..., "missing"),
        ("uid", "x" * 37, "string_too_long"),
        ("auth_id", "x" * 37, "string_too_long"),
        ("visual_number", "x" * 65, "string_too_long"),
        ("issuer", "x" * 65, "string_too_long"),
        ("language", "nld", "string_too_long"),
        ("type", "rfid", "enum"),
        ("whitelist", "SOMETIMES", "enum"),
        ("last_updated", "2015-06-29T22:39:61Z", "datetime_from_date_parsing"),
        ("valid", "perhaps", "bool_parsing"),
        ("uid", 12345678, "string_type"),
    ],
)
def test_token_rejects(path: str, value: Any, error_type: str) -> None:
    assert errors_of(Token, changed(TOKEN, path, value)) == {f"{path}: {error_type}"}


@pytest.mark.parametrize(
    ("path", "value", "error_type"),
    [
        ("allowed", ..., "missing"),
        ("allowed", "DENIED", "enum"),
        ("location.location_id", ..., "missing"),
        ("location.location_id", "x" * 40, "string_too_long"),
        ("location.evse_uids.0", "x" * 40, "string_too_long"),
        ("location.connector_ids.0", "x" * 37, "string_too_long"),
        ("info.text", ..., "missing"),
    ],
)
def test_authorization_info_rejects(path: str, value: Any, error_type: str) -> None:
    assert errors_of(AuthorizationInfo, changed(AUTHORIZATION, path, value)) == {f"{path}: {error_type}"}


def test_location_id_may_have_39_characters_in_2_1_1() -> None:
    assert LocationReferences.model_validate({"location_id": "x" * 39}).location_id == "x" * 39


def test_patch_needs_no_last_updated_in_2_1_1() -> None:
    assert TokenPatch.model_validate({"valid": False}).to_dict() == {"valid": False}
    assert errors_of(TokenPatch, {"whitelist": "SOMETIMES"}) == {"whitelist: enum"}


def test_list_response_envelope() -> None:
    response = TokenListResponse.model_validate(
        {"data": [TOKEN], "status_code": 1000, "timestamp": "2015-06-30T21:59:59Z"}
    )
    assert response.data is not None and response.data[0].auth_id == "DE8ACC12E46L89"
    assert errors_of(TokenListResponse, {"data": [TOKEN], "timestamp": "2015-06-30T21:59:59Z"}) == {
        "status_code: missing"
    }
