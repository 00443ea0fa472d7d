"""Tokens conversions between 2.1.1, 2.2.1 and the canonical 2.3.0 objects (ocpi/modules/tokens/convert.py)."""

from __future__ import annotations

from typing import Any

import pytest

from ocpi.core.convert import ConversionContext, Loss
from ocpi.modules.tokens.convert import TokenConversionContext, from_canonical, to_canonical
from ocpi.modules.tokens.v_2_1_1 import schemas as v211
from ocpi.modules.tokens.v_2_2_1 import schemas as v221
from ocpi.modules.tokens.v_2_3_0 import schemas as v230
from tests.examples_map.tokens import EXAMPLES
from tests.spec import FIXTURES_DIR, SPEC_DIR, load_json, normalize

OWNER = ConversionContext(country_code="NL", party_id="TNM")
SCHEMAS = {"2.1.1": v211, "2.2.1": v221, "2.3.0": v230}


def _version(key: str) -> str:
    return key.removeprefix("fixture:")[:5]


def _payload(key: str) -> Any:
    if key.startswith("fixture:"):
        return load_json(FIXTURES_DIR / key.removeprefix("fixture:"))
    return load_json(SPEC_DIR / key)


def _model(key: str) -> Any:
    name = EXAMPLES[key].model.rpartition(":")[2]
    return getattr(SCHEMAS[_version(key)], name).model_validate(_payload(key))


# Token and TokenPatch examples (the envelopes hold Tokens already covered by the Token examples)
KEYS = sorted(k for k, e in EXAMPLES.items() if e.model.endswith((":Token", ":TokenPatch")))
TOKEN_KEYS = [k for k in KEYS if EXAMPLES[k].model.endswith(":Token")]


def test_the_example_sets_are_not_empty() -> None:
    assert len(KEYS) == 11 and len(TOKEN_KEYS) == 8


@pytest.mark.parametrize("key", KEYS)
def test_version_to_canonical_and_back_is_the_original(key: str) -> None:
    version = _version(key)
    obj = _model(key)
    if version == "2.1.1" and key.endswith("patch_example.json"):
        # a 2.1.1 receiver sets last_updated itself before storing a PATCH (DIGEST G.10)
        obj = type(obj).model_validate({**_payload(key), "last_updated": "2015-06-29T22:39:09Z"})
    canonical = to_canonical(obj, version, OWNER).value
    assert type(canonical).__module__ == v230.__name__
    back = from_canonical(canonical, version).value
    assert type(back) is type(obj)
    assert normalize(back.to_dict()) == normalize(obj.to_dict())


@pytest.mark.parametrize("key", [k for k in TOKEN_KEYS if not k.startswith("fixture:")])
def test_every_newer_token_goes_down_to_a_valid_2_1_1_token(key: str) -> None:
    down = from_canonical(to_canonical(_model(key), _version(key)).value, "2.1.1").value
    assert isinstance(down, v211.Token)
    assert v211.Token.model_validate(down.to_dict()) == down
    assert down.auth_id == _payload(key)["contract_id"]


@pytest.mark.parametrize("key", [k for k in TOKEN_KEYS if k.startswith("fixture:")])
@pytest.mark.parametrize("target", ["2.2.1", "2.3.0"])
def test_every_2_1_1_token_goes_up_to_valid_newer_tokens(key: str, target: str) -> None:
    up = to_canonical(_model(key), "2.1.1", OWNER)
    assert [loss.pointer for loss in up.losses] == ["/country_code", "/party_id"]
    converted = from_canonical(up.value, target).value
    assert SCHEMAS[target].Token.model_validate(converted.to_dict()) == converted
    assert converted.contract_id == _payload(key)["auth_id"]
    assert (converted.country_code, converted.party_id) == ("NL", "TNM")


FULL: dict[str, Any] = load_json(SPEC_DIR / "2.3.0/examples/token_example_2_full_rfid.json")


@pytest.mark.parametrize(
    ("token_type", "as_2_2_1", "as_2_1_1"),
    [
        ("RFID", "RFID", "RFID"),
        ("OTHER", "OTHER", "OTHER"),
        ("APP_USER", "APP_USER", "OTHER"),
        ("AD_HOC_USER", "AD_HOC_USER", "OTHER"),
        ("EMAID", "OTHER", "OTHER"),
        ("X_NLTNM_KEY_FOB", "OTHER", "OTHER"),
    ],
)
def test_token_types_down(token_type: str, as_2_2_1: str, as_2_1_1: str) -> None:
    token = v230.Token.model_validate({**FULL, "type": token_type})
    down_221 = from_canonical(token, "2.2.1")
    assert down_221.value.type == as_2_2_1
    assert ("/type" in [loss.pointer for loss in down_221.losses]) is (token_type != as_2_2_1)
    down_211 = from_canonical(token, "2.1.1")
    assert down_211.value.type == as_2_1_1
    assert ("/type" in [loss.pointer for loss in down_211.losses]) is (token_type != as_2_1_1)


def test_full_token_down_to_2_1_1_reports_every_dropped_field() -> None:
    down = from_canonical(v230.Token.model_validate(FULL), "2.1.1")
    assert [loss.pointer for loss in down.losses] == [
        "/country_code",
        "/party_id",
        "/group_id",
        "/default_profile_type",
        "/energy_contract",
    ]
    assert set(down.value.to_dict()) == {
        "uid",
        "type",
        "auth_id",
        "visual_number",
        "issuer",
        "valid",
        "whitelist",
        "language",
        "last_updated",
    }


def test_2_1_1_token_needs_the_owner() -> None:
    token = _model("fixture:2.1.1/tokens/token_example.json")
    with pytest.raises(ValueError, match="country_code"):
        to_canonical(token, "2.1.1")


def test_2_1_1_patch_without_last_updated_cannot_become_canonical() -> None:
    patch = _model("fixture:2.1.1/tokens/token_patch_example.json")
    with pytest.raises(ValueError, match="last_updated"):
        to_canonical(patch, "2.1.1")


def test_2_1_1_patch_renames_auth_id() -> None:
    patch = v211.TokenPatch.model_validate({"auth_id": "NL-TNM-C12", "last_updated": "2015-06-29T22:39:09Z"})
    up = to_canonical(patch, "2.1.1").value
    assert isinstance(up, v230.TokenPatch)
    assert up.to_dict() == {"contract_id": "NL-TNM-C12", "last_updated": "2015-06-29T22:39:09Z"}


AUTHORIZATION_211: dict[str, Any] = {
    "allowed": "NO_CREDIT",
    "location": {"location_id": "LOC1", "evse_uids": ["EVSE1", "EVSE2"], "connector_ids": ["1"]},
    "info": {"language": "en", "text": "Top up your account"},
}


def test_2_1_1_authorization_info_up_needs_the_token_and_drops_connector_ids() -> None:
    info = v211.AuthorizationInfo.model_validate(AUTHORIZATION_211)
    with pytest.raises(ValueError, match="Token"):
        to_canonical(info, "2.1.1")
    token = v230.Token.model_validate(FULL)
    up = to_canonical(info, "2.1.1", TokenConversionContext(token=token))
    assert isinstance(up.value, v230.AuthorizationInfo)
    assert up.value.token == token
    assert up.value.allowed is v230.AllowedType.NO_CREDIT
    assert up.value.to_dict()["location"] == {"location_id": "LOC1", "evse_uids": ["EVSE1", "EVSE2"]}
    assert [loss.pointer for loss in up.losses] == ["/location/connector_ids", "/token"]


def test_canonical_authorization_info_down() -> None:
    info = v230.AuthorizationInfo.model_validate(
        {"allowed": "ALLOWED", "token": {**FULL, "type": "EMAID"}, "authorization_reference": "AUTH1"}
    )
    down_221 = from_canonical(info, "2.2.1")
    assert isinstance(down_221.value, v221.AuthorizationInfo)
    assert down_221.value.token.type is v221.TokenType.OTHER
    assert down_221.losses == [Loss("/token/type", "changed: EMAID is not a 2.2.1 TokenType, sent as OTHER")]
    down_211 = from_canonical(info, "2.1.1")
    assert down_211.value.to_dict() == {"allowed": "ALLOWED"}
    assert [loss.pointer for loss in down_211.losses] == ["/token", "/authorization_reference"]


def test_location_references_and_energy_contract() -> None:
    refs = v211.LocationReferences.model_validate(AUTHORIZATION_211["location"])
    up = to_canonical(refs, "2.1.1")
    assert up.value == v230.LocationReferences(location_id="LOC1", evse_uids=["EVSE1", "EVSE2"])
    assert [loss.pointer for loss in up.losses] == ["/connector_ids"]
    contract = v230.EnergyContract.model_validate(FULL["energy_contract"])
    assert from_canonical(contract, "2.2.1").value == v221.EnergyContract.model_validate(FULL["energy_contract"])
    with pytest.raises(ValueError, match=r"2\.1\.1"):
        from_canonical(contract, "2.1.1")


def test_wrong_objects_and_versions_are_refused() -> None:
    with pytest.raises(TypeError, match="Tokens object"):
        to_canonical(v230.Token.model_validate(FULL), "2.2.1")
    with pytest.raises(ValueError, match="unsupported OCPI version"):
        to_canonical(v230.Token.model_validate(FULL), "2.2")
