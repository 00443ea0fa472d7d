"""Credentials conversions: 2.1.1 (one party) <-> roles, 2.2.1 HUB <-> 2.3.0 hub_party_id, losses as pointers."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from ocpi.modules.credentials import convert
from ocpi.modules.credentials.convert import RoleContext
from ocpi.modules.credentials.v_2_1_1 import schemas as v211
from ocpi.modules.credentials.v_2_2_1 import schemas as v221
from ocpi.modules.credentials.v_2_3_0 import schemas as v230
from tests.spec import FIXTURES_DIR, SPEC_DIR, load_json, normalize

SCHEMAS = {"2.1.1": v211, "2.2.1": v221, "2.3.0": v230}
NEWER = [
    (version, SPEC_DIR / f"{version}/examples/credentials_example{n}.json")
    for version in ("2.2.1", "2.3.0")
    for n in ("", "2", "3", "4")
]
EXAMPLES = [("2.1.1", FIXTURES_DIR / "2.1.1/credentials/credentials.json"), *NEWER]
IDS = [f"{version}/{path.name}" for version, path in EXAMPLES]


def _load(version: str, path: Any) -> BaseModel:
    return SCHEMAS[version].Credentials.model_validate(load_json(path))


def _dump(obj: BaseModel) -> Any:
    return normalize(obj.model_dump(mode="json", exclude_none=True))


def _role(role: str, party_id: str, name: str = "Example") -> dict[str, Any]:
    return {"role": role, "party_id": party_id, "country_code": "NL", "business_details": {"name": name}}


@pytest.mark.parametrize(("version", "path"), EXAMPLES, ids=IDS)
def test_round_trip_through_canonical(version: str, path: Any) -> None:
    original = _load(version, path)
    up = convert.to_canonical(original, version)
    assert isinstance(up.value, v230.Credentials)
    back = convert.from_canonical(up.value, version)
    assert type(back.value) is type(original) and _dump(back.value) == _dump(original)
    if version != "2.1.1":
        assert up.losses == [] and back.losses == []


@pytest.mark.parametrize(("version", "path"), NEWER, ids=IDS[1:])
def test_newer_examples_go_down_to_2_1_1(version: str, path: Any) -> None:
    canonical = convert.to_canonical(_load(version, path), version).value
    down = convert.from_canonical(canonical, "2.1.1")
    assert v211.Credentials.model_validate(down.value.to_dict()) == down.value  # type: ignore[attr-defined]


def test_2_1_1_fixture_goes_up_with_an_invented_role() -> None:
    original = _load("2.1.1", FIXTURES_DIR / "2.1.1/credentials/credentials.json")
    up = convert.to_canonical(original, "2.1.1")
    for version in ("2.2.1", "2.3.0"):
        out = convert.from_canonical(up.value, version).value
        assert SCHEMAS[version].Credentials.model_validate(_dump(out)) == out
    role = up.value.roles[0]  # type: ignore[attr-defined]
    assert (role.role, role.party_id, role.country_code) == ("CPO", "EXA", "NL")
    assert role.business_details.logo.category == "OPERATOR"
    assert [loss.pointer for loss in up.losses] == ["/roles/0/role"]
    as_emsp = convert.to_canonical(original, "2.1.1", RoleContext(role="eMSP"))
    assert as_emsp.value.roles[0].role is v230.Role.EMSP  # type: ignore[attr-defined]


def test_down_to_2_1_1_keeps_the_context_role() -> None:
    canonical = convert.to_canonical(_load("2.3.0", SPEC_DIR / "2.3.0/examples/credentials_example2.json"), "2.3.0")
    down = convert.from_canonical(canonical.value, "2.1.1", RoleContext(role="EMSP"))
    assert down.value.to_dict() == {  # type: ignore[attr-defined]
        "token": "9e80a9c4-28be-11e9-b210-d663bd873d93",
        "url": "https://ocpi.example.com/versions",
        "party_id": "EXA",
        "country_code": "NL",
        "business_details": {"name": "Example Provider"},
    }
    assert [str(loss) for loss in down.losses] == [
        "/roles/0: dropped: a 2.1.1 connection carries a single party and role",
        "/roles/1/role: dropped: 2.1.1 Credentials have no role",
    ]
    assert convert.from_canonical(canonical.value, "2.1.1").value.business_details.name == "Example Operator"  # type: ignore[attr-defined]


def test_2_2_1_hub_becomes_hub_party_id_and_back() -> None:
    hub = v221.Credentials.model_validate({"token": "t", "url": "https://hub/versions", "roles": [_role("HUB", "XYZ")]})
    up = convert.to_canonical(hub, "2.2.1")
    assert up.value.hub_party_id == "NLXYZ"  # type: ignore[attr-defined]
    assert up.value.roles[0].role is v230.Role.OTHER  # type: ignore[attr-defined]
    assert [loss.pointer for loss in up.losses] == ["/roles/0/role"]
    back = convert.from_canonical(up.value, "2.2.1")
    assert back.value == hub and [loss.pointer for loss in back.losses] == ["/roles/0/role"]


def test_2_3_0_hub_party_id_and_ptp_down_to_2_2_1() -> None:
    canonical = v230.Credentials.model_validate(
        {"token": "t", "url": "https://p/versions", "hub_party_id": "NLHUB", "roles": [_role("PTP", "PAY")]}
    )
    down = convert.from_canonical(canonical, "2.2.1")
    assert down.value.to_dict()["roles"][0]["role"] == "OTHER"  # type: ignore[attr-defined]
    assert "hub_party_id" not in down.value.to_dict()  # type: ignore[attr-defined]
    assert [loss.pointer for loss in down.losses] == ["/roles/0/role", "/hub_party_id"]
    assert [loss.pointer for loss in convert.from_canonical(canonical, "2.1.1").losses] == [
        "/roles/0/role",
        "/hub_party_id",
    ]


def test_a_logo_the_target_does_not_know_is_dropped() -> None:
    role = _role("CPO", "EXA")
    role["business_details"]["logo"] = {"url": "https://x/l.png", "category": "X-BANNER", "type": "png"}
    canonical = v230.Credentials.model_validate({"token": "t", "url": "https://x/versions", "roles": [role]})
    down = convert.from_canonical(canonical, "2.2.1")
    assert "logo" not in down.value.to_dict()["roles"][0]["business_details"]  # type: ignore[attr-defined]
    assert [loss.pointer for loss in down.losses] == ["/roles/0/business_details/logo"]


def test_wrong_object_is_refused() -> None:
    with pytest.raises(TypeError):
        convert.from_canonical(_load("2.2.1", SPEC_DIR / "2.2.1/examples/credentials_example.json"), "2.1.1")
