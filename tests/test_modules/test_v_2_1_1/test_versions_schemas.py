"""OCPI 2.1.1 Versions objects: the tables of `2.1.1/version_information_endpoint.md`."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ocpi.modules.versions.v_2_1_1.schemas import (
    Endpoint,
    ModuleID,
    Version,
    VersionDetails,
    VersionList,
    VersionNumber,
    VersionsResponse,
)
from tests.spec import validation_errors


def _errors(model: type, payload: object) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(payload)  # type: ignore[attr-defined]
    return validation_errors(caught.value)


def test_enums_are_the_2_1_1_tables() -> None:
    assert [v.value for v in VersionNumber] == ["2.0", "2.1", "2.1.1"]
    assert {m.value for m in ModuleID} == {
        "cdrs",
        "commands",
        "credentials",
        "locations",
        "sessions",
        "tariffs",
        "tokens",
    }


def test_details_have_no_role_and_keep_custom_modules() -> None:
    details = VersionDetails.model_validate(
        {
            "version": "2.1.1",
            "endpoints": [
                {"identifier": "locations", "url": "https://example.com/ocpi/cpo/2.1.1/locations/"},
                {"identifier": "nltnm-tokens", "url": "https://example.com/ocpi/cpo/2.1.1/nltnm-tokens/"},
            ],
        }
    )
    assert "role" not in Endpoint.model_fields
    assert details.endpoints[0].identifier is ModuleID.locations
    assert details.endpoints[1].identifier == "nltnm-tokens"
    assert details.to_dict()["endpoints"][1] == {
        "identifier": "nltnm-tokens",
        "url": "https://example.com/ocpi/cpo/2.1.1/nltnm-tokens/",
    }


def test_version_number_is_closed() -> None:
    assert _errors(Version, {"version": "2.2", "url": "https://x"}) == {"version: enum"}


def test_missing_required() -> None:
    assert _errors(Version, {"version": "2.1.1"}) == {"url: missing"}
    assert _errors(VersionDetails, {"version": "2.1.1", "endpoints": [{"identifier": "cdrs"}]}) == {
        "endpoints.0.url: missing"
    }


def test_too_long_url() -> None:
    assert _errors(Version, {"version": "2.1.1", "url": "https://" + "x" * 250}) == {"url: string_too_long"}


def test_wrong_types() -> None:
    assert _errors(VersionDetails, {"version": "2.1.1", "endpoints": {"identifier": "cdrs", "url": "u"}}) == {
        "endpoints: list_type"
    }
    assert _errors(Version, {"version": 2.1, "url": "https://x"}) == {"version: enum"}


def test_endpoints_and_versions_need_one_entry() -> None:
    assert _errors(VersionDetails, {"version": "2.1.1", "endpoints": []}) == {"endpoints: too_short"}
    assert _errors(VersionList, []) == {": too_short"}


def test_malformed_envelope_timestamp() -> None:
    payload = {"data": [], "status_code": 1000, "timestamp": "2015-06-30 lunchtime"}
    assert {e.split(":")[0] for e in _errors(VersionsResponse, payload)} == {"timestamp"}
