"""OCPI 2.2.1 Versions objects: the tables of `2.2.1/version_information_endpoint.asciidoc`."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ocpi.modules.versions.v_2_2_1.schemas import (
    InterfaceRole,
    ModuleID,
    Version,
    VersionDetails,
    VersionDetailsResponse,
    VersionNumber,
)
from tests.spec import validation_errors

URL = "https://example.com/ocpi/2.2.1/locations"


def _errors(model: type, payload: object) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(payload)  # type: ignore[attr-defined]
    return validation_errors(caught.value)


def test_enums_are_the_2_2_1_tables() -> None:
    assert [v.value for v in VersionNumber] == ["2.0", "2.1", "2.1.1", "2.2", "2.2.1"]
    assert {m.value for m in ModuleID} == {
        "cdrs", "chargingprofiles", "commands", "credentials", "hubclientinfo",
        "locations", "sessions", "tariffs", "tokens",
    }  # fmt: skip
    assert [r.value for r in InterfaceRole] == ["SENDER", "RECEIVER"]


def test_same_module_twice_with_both_roles() -> None:
    details = VersionDetails.model_validate(
        {
            "version": "2.2.1",
            "endpoints": [
                {"identifier": "locations", "role": "SENDER", "url": URL},
                {"identifier": "locations", "role": "RECEIVER", "url": URL + "/in"},
                {"identifier": "nltnm-tokens", "role": "SENDER", "url": URL + "/custom"},
            ],
        }
    )
    assert [(e.identifier, e.role) for e in details.endpoints] == [
        (ModuleID.locations, InterfaceRole.SENDER),
        (ModuleID.locations, InterfaceRole.RECEIVER),
        ("nltnm-tokens", InterfaceRole.SENDER),
    ]


def test_closed_enums() -> None:
    assert _errors(Version, {"version": "2.3.0", "url": URL}) == {"version: enum"}
    payload = {"version": "2.2.1", "endpoints": [{"identifier": "cdrs", "role": "BOTH", "url": URL}]}
    assert _errors(VersionDetails, payload) == {"endpoints.0.role: enum"}


def test_missing_required_role() -> None:
    payload = {"version": "2.2.1", "endpoints": [{"identifier": "cdrs", "url": URL}]}
    assert _errors(VersionDetails, payload) == {"endpoints.0.role: missing"}


def test_too_long_url_and_wrong_type() -> None:
    assert _errors(Version, {"version": "2.2.1", "url": "h" * 256}) == {"url: string_too_long"}
    assert _errors(Version, {"version": "2.2.1", "url": 42}) == {"url: string_type"}


def test_malformed_envelope_timestamp() -> None:
    payload = {"data": None, "status_code": 1000, "timestamp": "30/06/2015"}
    assert {e.split(":")[0] for e in _errors(VersionDetailsResponse, payload)} == {"timestamp"}
