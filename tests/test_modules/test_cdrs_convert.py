"""CDRs conversion: every example through the canonical form and back, across versions, and the rules of
DIGEST D.3/D.4 one by one."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from ocpi.core.convert import ConversionContext, Loss
from ocpi.modules.cdrs import convert
from ocpi.modules.cdrs.v_2_1_1 import schemas as v211
from ocpi.modules.cdrs.v_2_2_1 import schemas as v221
from ocpi.modules.cdrs.v_2_3_0 import schemas as v230
from ocpi.modules.locations import convert as locations_convert
from tests.spec import FIXTURES_DIR, SPEC_DIR, load_json, normalize

SCHEMAS = {"2.1.1": v211, "2.2.1": v221, "2.3.0": v230}
OWNER = ConversionContext(country_code="BE", party_id="BEC")


def _official(version: str, **changes: Any) -> BaseModel:
    payload = load_json(SPEC_DIR / version / "examples/cdr_example.json")
    if version == "2.3.0":
        payload["tariffs"][0]["tax_included"] = "NO"  # missing in the official example (erratum)
    return SCHEMAS[version].CDR.model_validate({**payload, **changes})


def _fixture(**changes: Any) -> v211.CDR:
    payload = load_json(FIXTURES_DIR / "2.1.1/cdrs/cdr_example.json")
    return v211.CDR.model_validate({**payload, **changes})


def _with_location(cdr: v211.CDR) -> ConversionContext:
    canonical = locations_convert.to_canonical(cdr.location, "2.1.1", OWNER).value
    return ConversionContext(country_code="BE", party_id="BEC", location=canonical)


def _same_wire(model: type[BaseModel], value: BaseModel) -> dict[str, Any]:
    assert isinstance(value, model)
    return model.model_validate_json(value.to_json()).to_dict()


@pytest.mark.parametrize("version", ["2.2.1", "2.3.0"])
def test_official_example_round_trips(version: str) -> None:
    original = _official(version)
    up = convert.to_canonical(original, version)
    assert isinstance(up.value, v230.CDR)
    back = convert.from_canonical(up.value, version)
    assert normalize(back.value.to_dict()) == normalize(original.to_dict())


def test_2_1_1_fixture_round_trips() -> None:
    original = _fixture()
    context = _with_location(original)
    up = convert.to_canonical(original, "2.1.1", context)
    back = convert.from_canonical(up.value, "2.1.1", context)
    result, expected = normalize(back.value.to_dict()), normalize(original.to_dict())
    # the locations conversion invents a time_zone for 2.1.1 Locations (required since 2.2); not ours
    assert result["location"].pop("time_zone") == "UTC"
    # the official example writes the tariff price as the string "2.00"; parsed, it is the number 2.00
    expected["tariffs"][0]["elements"][0]["price_components"][0]["price"] = normalize(2)
    assert result == expected


def test_2_2_1_up_equals_the_official_2_3_0_example_but_for_the_tariff_and_dates() -> None:
    up = convert.to_canonical(_official("2.2.1"), "2.2.1")
    data = up.value.to_dict()
    assert data["total_cost"] == {"before_taxes": 4, "taxes": [{"name": "VAT", "amount": 0.4}]}
    assert data["total_time_cost"] == _official("2.3.0").to_dict()["total_time_cost"]
    assert data["tariffs"][0]["tax_included"] == "NO"
    assert [loss.pointer for loss in up.losses] == ["/tariffs/0/tax_included"]


def test_canonical_is_the_identity() -> None:
    cdr = _official("2.3.0")
    assert convert.to_canonical(cdr, "2.3.0").value is cdr
    assert convert.from_canonical(cdr, "2.3.0").losses == []


@pytest.mark.parametrize("version", ["2.2.1", "2.3.0"])
def test_official_examples_down_to_2_1_1(version: str) -> None:
    canonical = convert.to_canonical(_official(version), version).value
    down = convert.from_canonical(canonical, "2.1.1")
    data = _same_wire(v211.CDR, down.value)
    assert data["auth_id"] == "DE8ACC12E46L89"
    assert data["stop_date_time"] == canonical.to_dict()["end_date_time"]
    assert data["total_cost"] == 4
    location = data["location"]
    assert (location["id"], location["address"], location["country"]) == ("LOC1", "F.Rooseveltlaan 3A", "BEL")
    assert location["evses"][0]["evse_id"] == "BE*BEC*E041503003"
    assert location["evses"][0]["connectors"][0]["standard"] == "IEC_62196_T2"
    pointers = {loss.pointer for loss in down.losses}
    assert {
        "/cdr_token",
        "/total_cost/taxes",
        "/total_time_cost",
        "/charging_periods/0/tariff_id",
        "/cdr_location",
    } <= pointers


@pytest.mark.parametrize("version", ["2.2.1", "2.3.0"])
def test_2_1_1_fixture_up(version: str) -> None:
    canonical = convert.to_canonical(_fixture(), "2.1.1", OWNER).value
    data = _same_wire(SCHEMAS[version].CDR, convert.from_canonical(canonical, version).value)
    assert (data["country_code"], data["party_id"], data["end_date_time"]) == ("BE", "BEC", "2015-06-29T23:37:32Z")
    assert data["cdr_token"]["contract_id"] == "DE8ACC12E46L89"
    assert data["cdr_location"]["evse_uid"] == "3256" and data["cdr_location"]["connector_power_type"] == "AC_1_PHASE"
    assert data["total_cost"] == ({"excl_vat": 4} if version == "2.2.1" else {"before_taxes": 4})
    assert data["tariffs"][0]["id"] == "12"


def test_2_1_1_up_reports_what_the_cdr_location_cannot_hold() -> None:
    up = convert.to_canonical(_fixture(), "2.1.1", OWNER)
    assert Loss("/location", "dropped (CdrLocation has no such fields): last_updated, type") in up.losses
    assert (
        Loss(
            "/location/evses/0/connectors/0",
            "dropped (CdrLocation has no such fields): amperage, last_updated, tariff_id, voltage",
        )
        in up.losses
    )


def test_2_1_1_evse_without_evse_id_and_location_without_evse() -> None:
    payload = load_json(FIXTURES_DIR / "2.1.1/cdrs/cdr_example.json")
    del payload["location"]["evses"][0]["evse_id"]
    up = convert.to_canonical(v211.CDR.model_validate(payload), "2.1.1", OWNER)
    assert up.value.to_dict()["cdr_location"]["evse_id"] == "#NA"
    assert "/location/evses/0/evse_id" in {loss.pointer for loss in up.losses}
    del payload["location"]["evses"]
    data = convert.to_canonical(v211.CDR.model_validate(payload), "2.1.1", OWNER).value.to_dict()["cdr_location"]
    assert (data["evse_uid"], data["evse_id"], data["connector_id"]) == ("#NA", "#NA", "#NA")


def test_2_1_1_needs_the_owner() -> None:
    with pytest.raises(ValueError, match="ConversionContext"):
        convert.to_canonical(_fixture(), "2.1.1")


def test_price_breakdown_down_to_2_2_1() -> None:
    cdr = _official(
        "2.3.0",
        total_cost={"before_taxes": 10, "taxes": [{"name": "VAT", "amount": 2.1}, {"name": "Levy", "amount": 0.15}]},
        total_energy_cost={"before_taxes": 6, "taxes": []},
    )
    down = convert.from_canonical(cdr, "2.2.1")
    data = down.value.to_dict()
    assert data["total_cost"] == {"excl_vat": 10, "incl_vat": 12.25}
    assert data["total_energy_cost"] == {"excl_vat": 6}  # `taxes: []` is no tax information (cardinality *)
    assert data["total_time_cost"] == {"excl_vat": 4, "incl_vat": 4.4}
    assert [loss.pointer for loss in down.losses] == ["/total_cost/taxes"]


def test_2_1_1_lacks_command_and_credit_ids_of_39() -> None:
    down = convert.from_canonical(_official("2.3.0", auth_method="COMMAND"), "2.1.1")
    assert down.value.to_dict()["auth_method"] == "AUTH_REQUEST"
    assert "/auth_method" in {loss.pointer for loss in down.losses}
    credit = _official("2.3.0", id="X" * 36 + "-CR", credit=True, credit_reference_id="X" * 36)
    with pytest.raises(ValueError, match="36 characters"):
        convert.from_canonical(credit, "2.1.1")
    data = convert.from_canonical(_official("2.3.0", credit=True, credit_reference_id="1"), "2.2.1").value.to_dict()
    assert (data["credit"], data["credit_reference_id"]) == (True, "1")


def test_connector_types_the_target_lacks_are_refused() -> None:
    cdr_location = {**_official("2.3.0").to_dict()["cdr_location"], "connector_standard": "GBT_DC"}
    with pytest.raises(ValueError, match="connector_standard"):
        convert.from_canonical(_official("2.3.0", cdr_location=cdr_location), "2.1.1")
    assert convert.from_canonical(_official("2.3.0", cdr_location=cdr_location), "2.2.1").value is not None
    cdr_location["connector_standard"] = "SAE_J3400"  # 2.3.0 only
    with pytest.raises(ValueError, match="connector_standard"):
        convert.from_canonical(_official("2.3.0", cdr_location=cdr_location), "2.2.1")


def test_down_to_2_1_1_fills_the_location_from_the_context() -> None:
    original = _fixture()
    canonical = convert.to_canonical(original, "2.1.1", OWNER).value
    without = convert.from_canonical(canonical, "2.1.1").value.to_dict()["location"]
    assert without["type"] == "UNKNOWN" and without["evses"][0]["connectors"][0]["voltage"] == 0
    with_context = convert.from_canonical(canonical, "2.1.1", _with_location(original)).value.to_dict()["location"]
    assert with_context["type"] == "ON_STREET" and with_context["evses"][0]["connectors"][0]["voltage"] == 230


def test_signed_data_and_unknown_fields() -> None:
    signed = {"encoding_method": "OCMF", "signed_values": [{"nature": "Start", "plain_data": "a", "signed_data": "b"}]}
    cdr = _official("2.2.1", signed_data=signed, x_vendor=[1, 2])
    up = convert.to_canonical(cdr, "2.2.1").value.to_dict()
    assert up["signed_data"] == signed and up["x_vendor"] == [1, 2]
    down = convert.from_canonical(convert.to_canonical(cdr, "2.2.1").value, "2.1.1")
    assert "signed_data" not in down.value.to_dict() and down.value.to_dict()["x_vendor"] == [1, 2]
    assert Loss("/signed_data", "dropped: OCPI 2.1.1 has no signed_data") in down.losses
