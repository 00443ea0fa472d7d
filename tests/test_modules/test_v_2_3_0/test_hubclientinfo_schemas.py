"""OCPI 2.3.0 Hub Client Info objects: the tables of `2.3.0/mod_hub_client_info.asciidoc`."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from pydantic import ValidationError

from ocpi.modules.credentials.v_2_3_0.schemas import Role
from ocpi.modules.hubclientinfo.v_2_3_0.schemas import ClientInfo, ConnectionStatus
from tests.spec import SPEC_DIR, validation_errors

VALID: dict[str, Any] = {
    "party_id": "ALL",
    "country_code": "NL",
    "role": "CPO",
    "status": "PLANNED",
    "last_updated": "2019-06-29T20:39:09Z",
}


def _errors(**changes: Any) -> set[str]:
    payload = {k: v for k, v in {**VALID, **changes}.items() if v is not None}
    with pytest.raises(ValidationError) as caught:
        ClientInfo.model_validate(payload)
    return validation_errors(caught.value)


def test_connection_status_is_the_spec_table() -> None:
    assert [s.value for s in ConnectionStatus] == ["CONNECTED", "OFFLINE", "PLANNED", "SUSPENDED"]


def test_client_info_parses_and_dumps() -> None:
    info = ClientInfo.model_validate({**VALID, "party_id": "all"})
    assert info.role is Role.CPO and info.status is ConnectionStatus.PLANNED and info.party_id == "ALL"
    assert info.to_dict() == {**VALID, "party_id": "all"}


def test_inline_spec_example_is_wrong() -> None:
    """The PUT example of the spec has a trailing comma (not JSON) and lacks the required last_updated."""
    text = (SPEC_DIR / "2.3.0/mod_hub_client_info.asciidoc").read_text(encoding="utf-8")
    body = re.search(r"clientinfo/NL/ALL\n\n(\{.*?\n\})", text, re.S)
    assert body is not None
    with pytest.raises(json.JSONDecodeError):
        json.loads(body.group(1))
    fixed = json.loads(re.sub(r",\s*\}", "}", body.group(1)))
    with pytest.raises(ValidationError) as caught:
        ClientInfo.model_validate(fixed)
    assert validation_errors(caught.value) == {"last_updated: missing"}


def test_missing_too_long_enum_datetime_and_type() -> None:
    assert _errors(status=None) == {"status: missing"}
    assert _errors(party_id="ALLE") == {"party_id: string_too_long"}
    assert _errors(status="DISCONNECTED") == {"status: enum"}
    assert _errors(last_updated="2019-06-29 noon") == {"last_updated: datetime_from_date_parsing"}
    assert _errors(country_code=31) == {"country_code: string_type"}


def test_role_is_the_2_3_0_role() -> None:
    assert ClientInfo.model_validate({**VALID, "role": "PTP"}).role is Role.PTP
    assert _errors(role="HUB") == {"role: enum"}
