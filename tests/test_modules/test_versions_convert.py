"""Versions conversions: each version <-> canonical (2.3.0), with the losses reported as JSON pointers."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from ocpi.core.convert import ConversionContext
from ocpi.modules.credentials.convert import RoleContext
from ocpi.modules.versions import convert
from ocpi.modules.versions.v_2_1_1 import schemas as v211
from ocpi.modules.versions.v_2_2_1 import schemas as v221
from ocpi.modules.versions.v_2_3_0 import schemas as v230
from tests.spec import FIXTURES_DIR, SPEC_DIR, load_json, normalize

SCHEMAS = {"2.1.1": v211, "2.2.1": v221, "2.3.0": v230}
EXAMPLES = [
    ("2.1.1", FIXTURES_DIR / "2.1.1/versions/versions.json", "VersionList"),
    ("2.1.1", FIXTURES_DIR / "2.1.1/versions/version_details.json", "VersionDetails"),
] + [
    (version, SPEC_DIR / f"{version}/examples/{name}.json", model)
    for version in ("2.2.1", "2.3.0")
    for name, model in (
        ("versions_info_example", "VersionList"),
        ("version_details_example", "VersionDetails"),
        ("version_details_example2", "VersionDetails"),
    )
]
IDS = [f"{version}/{path.name}" for version, path, _ in EXAMPLES]


def _load(version: str, path: Any, model: str) -> BaseModel:
    cls: type[BaseModel] = getattr(SCHEMAS[version], model)
    return cls.model_validate(load_json(path))


def _dump(obj: BaseModel) -> Any:
    return normalize(obj.model_dump(mode="json", exclude_none=True))


@pytest.mark.parametrize(("version", "path", "model"), EXAMPLES, ids=IDS)
def test_round_trip_through_canonical(version: str, path: Any, model: str) -> None:
    original = _load(version, path, model)
    up = convert.to_canonical(original, version)
    assert isinstance(up.value, getattr(v230, model))
    back = convert.from_canonical(up.value, version)
    assert type(back.value) is type(original)
    assert _dump(back.value) == _dump(original)
    if version == "2.3.0":
        assert up.value is original and up.losses == [] and back.losses == []


@pytest.mark.parametrize(("version", "path", "model"), [e for e in EXAMPLES if e[0] != "2.1.1"], ids=IDS[2:])
def test_newer_examples_go_down_to_2_1_1(version: str, path: Any, model: str) -> None:
    canonical = convert.to_canonical(_load(version, path, model), version).value
    down = convert.from_canonical(canonical, "2.1.1")
    assert isinstance(down.value, getattr(v211, model))
    getattr(v211, model).model_validate(down.value.to_dict() if model != "VersionList" else _dump(down.value))


@pytest.mark.parametrize(("path", "model"), [(e[1], e[2]) for e in EXAMPLES if e[0] == "2.1.1"], ids=IDS[:2])
def test_2_1_1_fixtures_go_up(path: Any, model: str) -> None:
    canonical = convert.to_canonical(_load("2.1.1", path, model), "2.1.1").value
    for version in ("2.2.1", "2.3.0"):
        out = convert.from_canonical(canonical, version).value
        getattr(SCHEMAS[version], model).model_validate(_dump(out))


def test_2_1_1_endpoints_get_the_role_of_the_party_side() -> None:
    details = v211.VersionDetails.model_validate(
        {
            "version": "2.1.1",
            "endpoints": [
                {"identifier": "credentials", "url": "https://x/credentials"},
                {"identifier": "locations", "url": "https://x/locations"},
                {"identifier": "tokens", "url": "https://x/tokens"},
                {"identifier": "nltnm-tokens", "url": "https://x/custom"},
            ],
        }
    )
    cpo = convert.to_canonical(details, "2.1.1")
    assert [e.role for e in cpo.value.endpoints] == ["SENDER", "SENDER", "RECEIVER", "SENDER"]  # type: ignore[attr-defined]
    assert [loss.pointer for loss in cpo.losses] == [f"/endpoints/{i}/role" for i in range(4)]
    assert "defaulted to CPO" in cpo.losses[0].reason
    emsp = convert.to_canonical(details, "2.1.1", RoleContext(role="EMSP"))
    assert [e.role for e in emsp.value.endpoints] == ["SENDER", "RECEIVER", "SENDER", "SENDER"]  # type: ignore[attr-defined]
    assert "taken from the conversion context" in emsp.losses[1].reason


def test_down_to_2_1_1_keeps_one_endpoint_per_module_for_the_party_side() -> None:
    example = load_json(SPEC_DIR / "2.3.0/examples/version_details_example2.json")
    canonical = v230.VersionDetails.model_validate(example)
    as_emsp = convert.from_canonical(canonical, "2.1.1", RoleContext(role="EMSP"))
    assert as_emsp.value.to_dict() == {  # type: ignore[attr-defined]
        "version": "2.1.1",
        "endpoints": [
            {"identifier": "credentials", "url": "https://example.com/ocpi/2.2/credentials"},
            {"identifier": "locations", "url": "https://example.com/ocpi/msp/2.2/locations"},
            {"identifier": "tokens", "url": "https://example.com/ocpi/msp/2.2/tokens"},
        ],
    }
    pointers = {loss.pointer for loss in as_emsp.losses}
    assert pointers == {"/version", "/endpoints/1", "/endpoints/2"} | {f"/endpoints/{i}/role" for i in (0, 3, 4)}
    as_cpo = convert.from_canonical(canonical, "2.1.1")
    assert [e["url"] for e in as_cpo.value.to_dict()["endpoints"]][1:] == [  # type: ignore[attr-defined]
        "https://example.com/ocpi/cpo/2.2/locations",
        "https://example.com/ocpi/cpo/2.2/tokens",
    ]


def test_modules_and_versions_a_target_does_not_have_are_dropped() -> None:
    canonical = v230.VersionDetails.model_validate(
        {
            "version": "2.3.0",
            "endpoints": [
                {"identifier": "credentials", "role": "SENDER", "url": "https://x/credentials"},
                {"identifier": "payments", "role": "RECEIVER", "url": "https://x/payments"},
                {"identifier": "chargingprofiles", "role": "RECEIVER", "url": "https://x/cp"},
                {"identifier": "nltnm-tokens", "role": "SENDER", "url": "https://x/custom"},
            ],
        }
    )
    to_221 = convert.from_canonical(canonical, "2.2.1")
    assert [e.identifier for e in to_221.value.endpoints] == ["credentials", "chargingprofiles", "nltnm-tokens"]  # type: ignore[attr-defined]
    assert to_221.value.version == "2.2.1"  # type: ignore[attr-defined]
    assert [loss.pointer for loss in to_221.losses] == ["/version", "/endpoints/1"]
    to_211 = convert.from_canonical(canonical, "2.1.1")
    assert [e.identifier for e in to_211.value.endpoints] == ["credentials", "nltnm-tokens"]  # type: ignore[attr-defined]
    versions = v230.VersionList.model_validate(
        [{"version": "2.3.0", "url": "https://x/2.3.0"}, {"version": "2.1.1", "url": "https://x/2.1.1"}]
    )
    down = convert.from_canonical(versions, "2.1.1")
    assert _dump(down.value) == [{"version": "2.1.1", "url": "https://x/2.1.1"}]
    assert [str(loss) for loss in down.losses] == ["/0: dropped: 2.3.0 is not a 2.1.1 VersionNumber"]
    with pytest.raises(ValueError, match=r"2\.3\.0 cannot be expressed"):
        convert.from_canonical(versions.root[0], "2.2.1")
    with pytest.raises(ValueError, match="payments does not exist"):
        convert.from_canonical(canonical.endpoints[1], "2.1.1")


def test_single_endpoint_and_version() -> None:
    endpoint = v211.Endpoint(identifier=v211.ModuleID.commands, url="https://x/commands")
    up = convert.to_canonical(endpoint, "2.1.1", ConversionContext())
    assert up.value.to_dict() == {"identifier": "commands", "role": "RECEIVER", "url": "https://x/commands"}  # type: ignore[attr-defined]
    down = convert.from_canonical(up.value, "2.1.1")
    assert down.value == endpoint and [loss.pointer for loss in down.losses] == ["/role"]
    version = v221.Version(version=v221.VersionNumber.V_2_2, url="https://x/2.2")
    assert convert.to_canonical(version, "2.2.1") == convert.to_canonical(version, "2.2.1")
    assert convert.to_canonical(version, "2.2.1").losses == []


def test_wrong_object_or_version_is_refused() -> None:
    with pytest.raises(TypeError):
        convert.to_canonical(v221.Version(version=v221.VersionNumber.V_2_2, url="u"), "2.1.1")
    with pytest.raises(ValueError, match="unsupported"):
        convert.to_canonical(v230.Version(version="2.3.0", url="u"), "2.0")
