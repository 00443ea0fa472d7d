"""OCPI 2.3.0 Versions objects: the tables of `2.3.0/version_information_endpoint.asciidoc` (ModuleID and
VersionNumber are OpenEnums)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ocpi.modules.versions.v_2_3_0.schemas import (
    InterfaceRole,
    ModuleID,
    Version,
    VersionDetails,
    VersionNumber,
    VersionsResponse,
)
from tests.spec import validation_errors

URL = "https://example.com/ocpi/2.3.0/payments"


def _errors(model: type, payload: object) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(payload)  # type: ignore[attr-defined]
    return validation_errors(caught.value)


def test_enums_are_the_2_3_0_tables() -> None:
    assert [v.value for v in VersionNumber] == ["2.0", "2.1", "2.1.1", "2.2", "2.2.1", "2.3.0"]
    assert {m.value for m in ModuleID} == {
        "cdrs", "chargingprofiles", "commands", "credentials", "hubclientinfo",
        "locations", "sessions", "tariffs", "tokens", "payments",
    }  # fmt: skip


def test_open_enums_keep_unknown_values() -> None:
    version = Version.model_validate({"version": "2.4", "url": URL})
    assert version.version == "2.4" and version.to_dict() == {"version": "2.4", "url": URL}
    assert Version.model_validate({"version": "2.3.0", "url": URL}).version is VersionNumber.V_2_3_0
    details = VersionDetails.model_validate(
        {
            "version": "2.3.0",
            "endpoints": [
                {"identifier": "payments", "role": "RECEIVER", "url": URL},
                {"identifier": "nltnm-tokens", "role": "SENDER", "url": URL},
            ],
        }
    )
    assert details.endpoints[1].identifier == "nltnm-tokens"
    assert details.endpoints[0].identifier is ModuleID.payments
    assert details.endpoints[0].role is InterfaceRole.RECEIVER


def test_interface_role_stays_closed() -> None:
    payload = {"version": "2.3.0", "endpoints": [{"identifier": "payments", "role": "sender", "url": URL}]}
    assert _errors(VersionDetails, payload) == {"endpoints.0.role: enum"}


def test_missing_required_and_wrong_types() -> None:
    assert _errors(VersionDetails, {"version": "2.3.0"}) == {"endpoints: missing"}
    errors = _errors(Version, {"version": 230, "url": URL})
    assert {e.split(":")[0] for e in errors} == {"version.str-enum[VersionNumber]", "version.str"}


def test_too_long_url() -> None:
    assert _errors(Version, {"version": "2.3.0", "url": URL + "x" * 255}) == {"url: string_too_long"}


def test_malformed_envelope_timestamp() -> None:
    payload = {"data": [{"version": "2.3.0", "url": URL}], "status_code": 1000, "timestamp": "2015-06-30T25:00:00Z"}
    assert {e.split(":")[0] for e in _errors(VersionsResponse, payload)} == {"timestamp"}
