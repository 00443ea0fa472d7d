"""Locations conversions between 2.1.1 / 2.2.1 and the canonical 2.3.0 objects, and what they cost."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import BaseModel

from ocpi.core.convert import ConversionContext
from ocpi.core.model import OcpiModel
from ocpi.modules.locations import convert
from ocpi.modules.locations.v_2_1_1 import schemas as v211
from ocpi.modules.locations.v_2_2_1 import schemas as v221
from ocpi.modules.locations.v_2_3_0 import schemas as v230
from tests.examples_map.locations import EXAMPLES
from tests.spec import FIXTURES_DIR, SPEC_DIR, load_json, normalize

OWNER = ConversionContext(country_code="BE", party_id="BEC")
SCHEMAS = {"2.1.1": v211, "2.2.1": v221, "2.3.0": v230}
RECEIVED_AT = "2024-01-01T00:00:00Z"


def _version(key: str) -> str:
    return key.removeprefix("fixture:").split("/")[0]


def _load(key: str) -> BaseModel:
    example = EXAMPLES[key]
    path = FIXTURES_DIR / key.removeprefix("fixture:") if key.startswith("fixture:") else SPEC_DIR / key
    payload = load_json(path)
    if example.wrapper is not None:
        payload = payload[example.wrapper]
    if _version(key) == "2.1.1" and example.model.endswith("Patch"):
        # a 2.2+ PATCH needs last_updated; a receiver of a 2.1.1 PATCH stamps it with the time of receipt
        payload = {**payload, "last_updated": RECEIVED_AT}
    return example.model_class().model_validate(payload)


VALID = sorted(key for key, example in EXAMPLES.items() if example.erratum is None)
NEWER = [key for key in VALID if _version(key) in ("2.2.1", "2.3.0")]
FIXTURES_211 = [key for key in VALID if _version(key) == "2.1.1"]


def wire(model: BaseModel) -> dict[str, Any]:
    """What goes on the wire (a PATCH body keeps only the fields it sets)."""
    assert isinstance(model, OcpiModel)
    return model.to_dict()


def _remove(data: dict[str, Any], pointer: str) -> None:
    *parents, last = pointer.lstrip("/").split("/")
    for part in parents:
        data = data[int(part)] if isinstance(data, list) else data[part]
    data.pop(last, None)


@pytest.mark.parametrize("key", VALID)
def test_round_trip_through_canonical_is_lossless(key: str) -> None:
    version = _version(key)
    original = _load(key)
    up = convert.to_canonical(original, version, OWNER)
    assert isinstance(up.value, getattr(v230, type(original).__name__))
    back = convert.from_canonical(up.value, version, OWNER)
    assert type(back.value) is type(original)
    expected, actual = wire(original), wire(back.value)
    # only 2.1.1 Locations gain something on the way up (publish, time_zone), and it is reported
    invented = [loss.pointer for loss in up.losses if loss.reason.startswith("invented")]
    assert len(invented) == len(up.losses)
    assert invented == (
        [] if version != "2.1.1" or type(original).__name__ != "Location" else ["/publish", "/time_zone"]
    )
    for pointer in invented:
        if pointer not in ("/publish",):  # publish=true is dropped again silently; time_zone stays
            _remove(actual, pointer)
    assert normalize(actual) == normalize(expected)


@pytest.mark.parametrize("key", NEWER)
def test_newer_examples_go_down_to_valid_2_1_1(key: str) -> None:
    version = _version(key)
    canonical = convert.to_canonical(_load(key), version).value
    down = convert.from_canonical(canonical, "2.1.1")
    model = getattr(v211, type(canonical).__name__)
    assert type(down.value) is model
    assert model.model_validate(wire(down.value)) == down.value
    # the examples lose only what 2.1.1 cannot say: owner, visibility, ON_DRIVEWAY, 2.3.0 parking data
    lossy = {"country_code", "party_id", "publish", "publish_allowed_to", "parking_type", "parking_places", "parking"}
    assert {loss.pointer.rsplit("/", 1)[-1] for loss in down.losses} <= lossy


@pytest.mark.parametrize("key", FIXTURES_211)
@pytest.mark.parametrize("target", ["2.2.1", "2.3.0"])
def test_2_1_1_fixtures_go_up_to_valid_newer_versions(key: str, target: str) -> None:
    canonical = convert.to_canonical(_load(key), "2.1.1", OWNER).value
    result = convert.from_canonical(canonical, target).value
    model = getattr(SCHEMAS[target], type(canonical).__name__)
    assert type(result) is model
    assert model.model_validate(wire(result)) == result


# --- the individual crossings ----------------------------------------------------------------------


def _location_211(**changes: Any) -> dict[str, Any]:
    data = load_json(FIXTURES_DIR / "2.1.1/locations/location.json")
    data.update(changes)
    return data


def _location_230(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(load_json(SPEC_DIR / "2.3.0/examples/location_example.json"))
    data.update(changes)
    return data


def test_2_1_1_location_up() -> None:
    result = convert.to_canonical(v211.Location.model_validate(_location_211()), "2.1.1", OWNER)
    out = wire(result.value)
    assert (out["country_code"], out["party_id"], out["publish"]) == ("BE", "BEC", True)
    assert out["parking_type"] == "ON_STREET" and "type" not in out
    assert out["time_zone"] == "UTC"
    connector = out["evses"][0]["connectors"][0]
    assert (connector["max_voltage"], connector["max_amperage"], connector["tariff_ids"]) == (220, 16, ["11"])
    assert not {"voltage", "amperage", "tariff_id"} & connector.keys()


@pytest.mark.parametrize("location_type", ["OTHER", "UNKNOWN"])
def test_2_1_1_type_without_parking_type_is_left_out(location_type: str) -> None:
    result = convert.to_canonical(v211.Location.model_validate(_location_211(type=location_type)), "2.1.1", OWNER)
    assert "parking_type" not in wire(result.value)
    assert [loss.pointer for loss in result.losses if location_type in loss.reason] == ["/type"]
    back = convert.from_canonical(result.value, "2.1.1").value
    assert wire(back)["type"] == "UNKNOWN"


def test_2_1_1_location_up_needs_the_owner() -> None:
    location = v211.Location.model_validate(_location_211())
    with pytest.raises(ValueError, match="ConversionContext"):
        convert.to_canonical(location, "2.1.1")
    with pytest.raises(ValueError, match="ConversionContext"):
        convert.to_canonical(location, "2.1.1", ConversionContext(country_code="BE"))
    # an EVSE carries no owner fields: no context needed
    assert location.evses is not None
    assert wire(convert.to_canonical(location.evses[0], "2.1.1").value)["uid"] == "3256"


def test_2_1_1_ids_longer_than_36_cannot_become_canonical() -> None:
    location = v211.Location.model_validate(_location_211(id="L" * 39))
    with pytest.raises(ValueError, match=r"string_too_long|at most 36"):
        convert.to_canonical(location, "2.1.1", OWNER)


def test_2_1_1_patches_up() -> None:
    patch = v211.ConnectorPatch.model_validate({"tariff_id": "15", "last_updated": RECEIVED_AT})
    assert wire(convert.to_canonical(patch, "2.1.1").value) == {"tariff_ids": ["15"], "last_updated": RECEIVED_AT}
    patch = v211.LocationPatch.model_validate({"type": "OTHER", "last_updated": RECEIVED_AT})
    result = convert.to_canonical(patch, "2.1.1")
    assert wire(result.value) == {"parking_type": None, "last_updated": RECEIVED_AT}  # cleared
    assert [loss.pointer for loss in result.losses] == ["/type"]
    with pytest.raises(ValueError, match="last_updated"):
        convert.to_canonical(v211.EVSEPatch.model_validate({"status": "CHARGING"}), "2.1.1")


def test_hours_up_and_down() -> None:
    regular = [{"weekday": 1, "period_begin": "08:00", "period_end": "20:00"}]
    up = convert.to_canonical(v211.Hours.model_validate({"regular_hours": regular}), "2.1.1").value
    assert wire(up) == {"twentyfourseven": False, "regular_hours": regular}
    down = convert.from_canonical(v230.Hours.model_validate({"twentyfourseven": True}), "2.1.1").value
    assert wire(down) == {"twentyfourseven": True}


def test_environmental_impact_source_and_category() -> None:
    mix_211 = v211.EnergyMix.model_validate(
        {"is_green_energy": False, "environ_impact": [{"source": "CARBON_DIOXIDE", "amount": 372}]}
    )
    up = convert.to_canonical(mix_211, "2.1.1").value
    assert wire(up)["environ_impact"] == [{"category": "CARBON_DIOXIDE", "amount": 372}]
    mix_230 = v230.EnergyMix.model_validate(
        {
            "is_green_energy": False,
            "environ_impact": [{"category": "X_RADIATION", "amount": 1}, {"category": "NUCLEAR_WASTE", "amount": 2}],
        }
    )
    down = convert.from_canonical(mix_230, "2.1.1")
    assert wire(down.value)["environ_impact"] == [{"source": "NUCLEAR_WASTE", "amount": 2}]
    assert [loss.pointer for loss in down.losses] == ["/environ_impact/0/category"]


def test_canonical_down_to_2_2_1_drops_2_3_0_fields() -> None:
    data = _location_230(help_phone="+3212345678", parking_type="X_ROOFTOP", facilities=["X_SPA", "CAFE"])
    data["evses"][0]["accepted_service_providers"] = ["Shell Recharge"]
    data["evses"][0]["connectors"][0]["capabilities"] = ["ISO_15118_2_PLUG_AND_CHARGE"]
    data["evses"][0]["parking_restrictions"] = ["TAXIS", "CUSTOMERS"]
    result = convert.from_canonical(v230.Location.model_validate(data), "2.2.1")
    out = wire(result.value)
    assert not {"help_phone", "parking_places", "parking_type"} & out.keys()
    assert out["facilities"] == ["CAFE"]
    assert not {"parking", "accepted_service_providers"} & out["evses"][0].keys()
    assert out["evses"][0]["parking_restrictions"] == ["CUSTOMERS"]
    assert "capabilities" not in out["evses"][0]["connectors"][0]
    assert sorted(loss.pointer for loss in result.losses) == sorted(
        [
            "/parking_places",
            "/help_phone",
            "/parking_type",
            "/facilities/0",
            "/evses/0/parking",
            "/evses/0/accepted_service_providers",
            "/evses/0/parking_restrictions/0",
            "/evses/0/connectors/0/capabilities",
            "/evses/1/parking",
        ]
    )


def test_canonical_down_to_2_1_1() -> None:
    data = _location_230(parking_type="ON_DRIVEWAY", state="Oost-Vlaanderen", address="A" * 50)
    del data["postal_code"]
    data["evses"][0]["capabilities"] = ["X_VENDOR", "CHIP_CARD_SUPPORT", "RESERVABLE"]
    connector = data["evses"][0]["connectors"][0]
    connector.update(power_type="AC_2_PHASE_SPLIT", max_electric_power=7400, tariff_ids=["11", "12"])
    result = convert.from_canonical(v230.Location.model_validate(data), "2.1.1")
    out = wire(result.value)
    assert out["type"] == "OTHER" and "parking_type" not in out
    assert not {"country_code", "party_id", "publish", "state"} & out.keys()
    assert out["address"] == "A" * 45 and out["postal_code"] == ""
    assert out["evses"][0]["capabilities"] == ["RESERVABLE"]
    first = out["evses"][0]["connectors"][0]
    assert (first["voltage"], first["amperage"], first["power_type"], first["tariff_id"]) == (
        220,
        16,
        "AC_1_PHASE",
        "11",
    )
    assert "max_electric_power" not in first
    pointers = {loss.pointer for loss in result.losses}
    # each loss points into the object given, even where both steps (2.3.0 -> 2.2.1 -> 2.1.1) removed entries
    assert {"/evses/0/capabilities/0", "/evses/0/capabilities/1"} <= pointers
    assert "/evses/0/capabilities/2" not in pointers
    assert {
        "/parking_type",
        "/state",
        "/address",
        "/postal_code",
        "/evses/0/connectors/0/power_type",
        "/evses/0/connectors/0/max_electric_power",
        "/evses/0/connectors/0/tariff_ids",
    } <= pointers


def test_unpublished_location_down_to_2_1_1_is_reported() -> None:
    data = load_json(SPEC_DIR / "2.2.1/examples/location_example_uc4_limited_visibility.json")
    result = convert.from_canonical(convert.to_canonical(v221.Location.model_validate(data), "2.2.1").value, "2.1.1")
    reasons = {loss.pointer: loss.reason for loss in result.losses}
    assert "do not send" in reasons["/publish"]
    assert "/publish_allowed_to" in reasons
    assert "publish_allowed_to" not in wire(result.value)


def test_publish_token_with_a_2_3_0_token_type_is_left_out_for_2_2_1() -> None:
    data = _location_230(publish=False, publish_allowed_to=[{"uid": "1", "type": "EMAID"}, {"group_id": "G1"}])
    result = convert.from_canonical(v230.Location.model_validate(data), "2.2.1")
    assert wire(result.value)["publish_allowed_to"] == [{"group_id": "G1"}]
    assert "/publish_allowed_to/0/type" in {loss.pointer for loss in result.losses}


def test_connectors_without_an_older_standard_are_left_out() -> None:
    data = _location_230()
    data["evses"][0]["connectors"][0]["standard"] = "MCS"  # 2.3.0 only
    data["evses"][1]["connectors"][0]["standard"] = "NEMA_14_50"  # 2.2.1, not 2.1.1
    for version, evse_count in (("2.2.1", 2), ("2.1.1", 1)):
        result = convert.from_canonical(v230.Location.model_validate(data), version)
        out = wire(result.value)
        assert len(out["evses"]) == evse_count
        assert [c["id"] for c in out["evses"][0]["connectors"]] == ["2"]
        assert "/evses/0/connectors/0/standard" in {loss.pointer for loss in result.losses}
    pointers = {loss.pointer for loss in convert.from_canonical(v230.Location.model_validate(data), "2.1.1").losses}
    assert {"/evses/1/connectors/0/standard", "/evses/1/connectors"} <= pointers
    # a single Connector or EVSE that cannot be expressed is an error, not an empty object
    evse = v230.EVSE.model_validate(data["evses"][1])
    with pytest.raises(ValueError, match=r"cannot be expressed in 2\.1\.1"):
        convert.from_canonical(evse, "2.1.1")
    with pytest.raises(ValueError, match="MCS"):
        convert.from_canonical(v230.Connector.model_validate(data["evses"][0]["connectors"][0]), "2.2.1")


def test_unknown_image_category_becomes_other() -> None:
    details = v230.BusinessDetails.model_validate(
        {"name": "BeCharged", "logo": {"url": "https://example.com/l.png", "category": "X_BANNER", "type": "png"}}
    )
    result = convert.from_canonical(details, "2.2.1")
    assert wire(result.value)["logo"]["category"] == "OTHER"
    assert [loss.pointer for loss in result.losses] == ["/logo/category"]


def test_2_3_0_is_the_identity_and_versions_are_checked() -> None:
    location = v230.Location.model_validate(_location_230())
    assert convert.to_canonical(location, "2.3.0").value is location
    result = convert.from_canonical(location, "2.3.0")
    assert result.value is location and result.losses == []
    with pytest.raises(TypeError):
        convert.to_canonical(location, "2.2.1")
    with pytest.raises(TypeError):
        convert.from_canonical(
            v221.Location.model_validate(load_json(SPEC_DIR / "2.2.1/examples/location_example.json")), "2.1.1"
        )
    with pytest.raises(ValueError, match="unsupported"):
        convert.from_canonical(location, "2.0")
