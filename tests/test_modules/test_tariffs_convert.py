"""Tariffs conversions between 2.1.1, 2.2.1 and the canonical 2.3.0 Tariff (ocpi/modules/tariffs/convert.py)."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from ocpi.core.convert import ConversionContext, Loss
from ocpi.modules.tariffs.convert import from_canonical, to_canonical
from ocpi.modules.tariffs.v_2_1_1 import schemas as v211
from ocpi.modules.tariffs.v_2_2_1 import schemas as v221
from ocpi.modules.tariffs.v_2_3_0 import schemas as v230
from tests.examples_map.tariffs import EXAMPLES
from tests.spec import FIXTURES_DIR, SPEC_DIR, load_json, normalize

OWNER = ConversionContext(country_code="NL", party_id="TNM")
SCHEMAS = {"2.1.1": v211, "2.2.1": v221, "2.3.0": v230}


def _version(key: str) -> str:
    return key.removeprefix("fixture:")[:5]


def _payload(key: str) -> Any:
    if key.startswith("fixture:"):
        return load_json(FIXTURES_DIR / key.removeprefix("fixture:"))
    return load_json(SPEC_DIR / key)


# every valid Tariff example (the PUT examples lack last_updated, the 2.1.1 PATCH body is no Tariff)
TARIFF_KEYS = sorted(k for k, e in EXAMPLES.items() if e.erratum is None and e.model.endswith(":Tariff"))
NEWER_KEYS = [k for k in TARIFF_KEYS if not k.startswith("fixture:")]
FIXTURE_KEYS = [k for k in TARIFF_KEYS if k.startswith("fixture:")]


def _tariff(key: str) -> Any:
    return SCHEMAS[_version(key)].Tariff.model_validate(_payload(key))


def test_the_example_sets_are_not_empty() -> None:
    assert len(NEWER_KEYS) == 40 and len(FIXTURE_KEYS) == 5


@pytest.mark.parametrize("key", TARIFF_KEYS)
def test_version_to_canonical_and_back_is_the_original(key: str) -> None:
    version = _version(key)
    tariff = _tariff(key)
    canonical = to_canonical(tariff, version, OWNER).value
    assert isinstance(canonical, v230.Tariff)
    back = from_canonical(canonical, version)
    assert type(back.value) is type(tariff)
    assert normalize(back.value.to_dict()) == normalize(_payload(key))


@pytest.mark.parametrize("key", NEWER_KEYS)
def test_every_newer_example_goes_down_to_a_valid_2_1_1_tariff(key: str) -> None:
    canonical = to_canonical(_tariff(key), _version(key)).value
    down = from_canonical(canonical, "2.1.1")
    assert isinstance(down.value, v211.Tariff)
    assert v211.Tariff.model_validate(down.value.to_dict()) == down.value
    assert "country_code" not in down.value.to_dict()
    assert all(loss.pointer.startswith("/") for loss in down.losses)


@pytest.mark.parametrize("key", FIXTURE_KEYS)
@pytest.mark.parametrize("target", ["2.2.1", "2.3.0"])
def test_every_2_1_1_fixture_goes_up_to_valid_newer_tariffs(key: str, target: str) -> None:
    up = to_canonical(_tariff(key), "2.1.1", OWNER)
    assert {loss.pointer for loss in up.losses} == {"/country_code", "/party_id", "/tax_included"}
    converted = from_canonical(up.value, target).value
    model = SCHEMAS[target].Tariff
    assert model.model_validate(converted.to_dict()) == converted
    assert converted.to_dict()["country_code"] == "NL"


def test_2_3_0_to_canonical_is_the_identity() -> None:
    tariff = _tariff("2.3.0/examples/tariff_12_025kwh_min_price.json")
    assert to_canonical(tariff, "2.3.0").value is tariff
    assert to_canonical(tariff, "2.3.0").losses == []
    assert from_canonical(tariff, "2.3.0").losses == []


def test_2_2_1_up_invents_tax_included_no_and_maps_the_price_limits() -> None:
    converted = to_canonical(_tariff("2.2.1/examples/tariff_6_025kwh_start_max_price.json"), "2.2.1")
    assert converted.value.tax_included is v230.TaxIncluded.NO
    assert converted.value.max_price == v230.PriceLimit(before_taxes=Decimal("10.00"), after_taxes=Decimal("11.00"))
    assert [loss.pointer for loss in converted.losses] == ["/tax_included"]


def test_2_3_0_examples_equal_their_2_2_1_versions_once_converted() -> None:
    # the official 2.3.0 examples are the 2.2.1 ones with tax_included NO and PriceLimit (DIGEST D.4)
    for name in ("tariff_12_025kwh_min_price", "tariff_6_025kwh_start_max_price", "tariff_4_complex"):
        up = to_canonical(_tariff(f"2.2.1/examples/{name}.json"), "2.2.1").value
        assert up == _tariff(f"2.3.0/examples/{name}.json")


def test_2_1_1_needs_the_owner() -> None:
    tariff = _tariff("fixture:2.1.1/tariffs/tariff_simple_2hour.json")
    with pytest.raises(ValueError, match="country_code"):
        to_canonical(tariff, "2.1.1")
    with pytest.raises(ValueError, match="party_id"):
        to_canonical(tariff, "2.1.1", ConversionContext(country_code="NL"))


CANONICAL: dict[str, Any] = {
    "country_code": "CA",
    "party_id": "FLO",
    "id": "T1",
    "currency": "CAD",
    "type": "AD_HOC_PAYMENT",
    "min_price": {"before_taxes": 1.00, "after_taxes": 1.15},
    "preauthorize_amount": 50,
    "elements": [
        {
            "price_components": [{"type": "TIME", "price": 5.00, "vat": 20, "step_size": 60}],
            "restrictions": {"reservation": "RESERVATION"},
        },
        {
            "price_components": [{"type": "ENERGY", "price": 0.33, "vat": 10, "step_size": 1}],
            "restrictions": {"max_current": 32},
        },
        {"price_components": [{"type": "FLAT", "price": 2.10, "step_size": 1}]},
    ],
    "tax_included": "YES",
    "start_date_time": "2024-01-01T00:00:00Z",
    "last_updated": "2024-12-05T18:30:14Z",
}


def _canonical(**changes: Any) -> v230.Tariff:
    return v230.Tariff.model_validate({**copy.deepcopy(CANONICAL), **changes})


def test_tax_included_yes_to_2_2_1_converts_prices_with_vat_to_excl_vat() -> None:
    down = from_canonical(_canonical(), "2.2.1")
    prices = [e.price_components[0].price for e in down.value.elements]
    assert prices == [Decimal("4.1667"), Decimal("0.3000"), Decimal("2.10")]
    assert down.value.min_price is not None
    assert down.value.min_price.excl_vat == Decimal("1.00") and down.value.min_price.incl_vat == Decimal("1.15")
    assert set(down.losses) >= {
        Loss(
            "/elements/0/price_components/0/price",
            "changed: price incl. VAT converted to excl. VAT, rounded to 4 decimals",
        ),
    }
    pointers = [loss.pointer for loss in down.losses]
    assert pointers == [
        "/preauthorize_amount",
        "/tax_included",
        "/elements/0/price_components/0/price",
        "/elements/1/price_components/0/price",
    ]


def test_tax_included_na_and_no_to_2_2_1() -> None:
    na = from_canonical(_canonical(tax_included="N/A"), "2.2.1")
    assert [e.price_components[0].price for e in na.value.elements] == [
        Decimal("5.00"),
        Decimal("0.33"),
        Decimal("2.10"),
    ]
    assert "/tax_included" in [loss.pointer for loss in na.losses]
    no = from_canonical(_canonical(tax_included="NO"), "2.2.1")
    assert "/tax_included" not in [loss.pointer for loss in no.losses]
    assert "tax_included" not in no.value.to_dict()


def test_down_to_2_1_1_drops_reservation_elements_and_current_restrictions() -> None:
    down = from_canonical(_canonical(tax_included="NO"), "2.1.1")
    assert down.value.to_dict()["elements"] == [
        {"price_components": [{"type": "ENERGY", "price": 0.33, "step_size": 1}]},
        {"price_components": [{"type": "FLAT", "price": 2.1, "step_size": 1}]},
    ]
    assert [loss.pointer for loss in down.losses] == [
        "/preauthorize_amount",
        "/country_code",
        "/party_id",
        "/type",
        "/min_price",
        "/start_date_time",
        "/elements/0",
        "/elements/1/restrictions/max_current",
        "/elements/1/price_components/0/vat",
    ]


def test_a_reservation_only_tariff_cannot_go_to_2_1_1() -> None:
    tariff = _canonical(elements=CANONICAL["elements"][:1])
    with pytest.raises(ValueError, match="no element is left"):
        from_canonical(tariff, "2.1.1")


def test_energy_mix_is_converted_by_the_locations_module() -> None:
    energy_mix = {"is_green_energy": False, "environ_impact": [{"source": "CARBON_DIOXIDE", "amount": 372}]}
    tariff = v211.Tariff.model_validate(
        {**_payload("fixture:2.1.1/tariffs/tariff_simple_2hour.json"), "energy_mix": energy_mix}
    )
    up = to_canonical(tariff, "2.1.1", OWNER).value
    assert up.to_dict()["energy_mix"]["environ_impact"] == [{"category": "CARBON_DIOXIDE", "amount": 372}]
    assert from_canonical(up, "2.1.1").value == tariff


def test_wrong_objects_and_versions_are_refused() -> None:
    patch = v211.TariffPatch.model_validate(_payload("fixture:2.1.1/tariffs/tariff_patch_example.json"))
    with pytest.raises(TypeError, match="PATCH"):
        to_canonical(patch, "2.1.1", OWNER)
    with pytest.raises(TypeError, match=r"not a 2\.2\.1 Tariff"):
        to_canonical(_canonical(), "2.2.1")
    with pytest.raises(TypeError, match=r"not a 2\.3\.0 Tariff"):
        from_canonical(_tariff("2.2.1/examples/tariff_1_simple_2hour.json"), "2.1.1")
    with pytest.raises(ValueError, match="unsupported OCPI version"):
        from_canonical(_canonical(), "2.0")
