"""Tariffs examples: every `tariff_*.json` / `tariffrestriction_*.json` of 2.2.1 and 2.3.0, and the inline
JSON of `2.1.1/mod_tariffs.md` extracted into tests/fixtures/2.1.1/tariffs/."""

from tests.spec import Example

_V211 = "ocpi.modules.tariffs.v_2_1_1.schemas"

_PUT_WITHOUT_LAST_UPDATED = (
    "the PUT example omits `last_updated`, which the Tariff table requires (cardinality 1); DIGEST F.1"
)

_OFFICIAL = [
    "tariff_1_simple_2hour",
    "tariff_2_alt_text",
    "tariff_3_alt_url",
    "tariff_4_complex",
    "tariff_5_free_of_charge",
    "tariff_6_025kwh_start_max_price",
    "tariff_8_simple_025kwh",
    "tariff_9_025kwh_start",
    "tariff_10_025kwh_parking_start",
    "tariff_11_not_possible_alt_text",
    "tariff_12_025kwh_min_price",
    "tariff_13_simple_3hour_5parking",
    "tariff_14_step_size",
    "tariff_15_reservation_5_euro_per_hour",
    "tariff_16_reservation_2_euro_fee_5_euro_per_hour",
    "tariff_17_reservation_with_expire_fee",
    "tariff_18_reservation_with_expire_time",
    "tariffrestriction_example_max_duration",
    "tariffrestriction_example_max_power",
]
_ONLY_2_3_0 = ["tariff_19_simple_north_american_exclusive", "tariff_20_simple_north_american_inclusive"]

EXAMPLES: dict[str, Example] = {
    **{f"2.2.1/examples/{name}.json": Example("ocpi.modules.tariffs.v_2_2_1.schemas:Tariff") for name in _OFFICIAL},
    **{
        f"2.3.0/examples/{name}.json": Example("ocpi.modules.tariffs.v_2_3_0.schemas:Tariff")
        for name in _OFFICIAL + _ONLY_2_3_0
    },
    "2.2.1/examples/tariff_put_example.json": Example(
        "ocpi.modules.tariffs.v_2_2_1.schemas:Tariff",
        erratum=_PUT_WITHOUT_LAST_UPDATED,
        errors=("last_updated: missing",),
    ),
    "2.3.0/examples/tariff_put_example.json": Example(
        "ocpi.modules.tariffs.v_2_3_0.schemas:Tariff",
        erratum=_PUT_WITHOUT_LAST_UPDATED,
        errors=("last_updated: missing",),
    ),
    # 2.1.1 inline examples (mod_tariffs.md); the "PUT To URL: ..." line above the PUT/PATCH bodies is not JSON
    # and was left out.
    "fixture:2.1.1/tariffs/tariff_put_example.json": Example(
        f"{_V211}:Tariff", erratum=_PUT_WITHOUT_LAST_UPDATED, errors=("last_updated: missing",)
    ),
    # mod_tariffs.md 2.2.3 labels this PATCH body "PUT To URL" (a typo in the spec); it is a partial Tariff.
    "fixture:2.1.1/tariffs/tariff_patch_example.json": Example(f"{_V211}:TariffPatch"),
    "fixture:2.1.1/tariffs/tariff_simple_2hour.json": Example(f"{_V211}:Tariff"),
    "fixture:2.1.1/tariffs/tariff_alt_text.json": Example(f"{_V211}:Tariff"),
    "fixture:2.1.1/tariffs/tariff_alt_url.json": Example(f"{_V211}:Tariff"),
    "fixture:2.1.1/tariffs/tariff_complex.json": Example(f"{_V211}:Tariff"),
    "fixture:2.1.1/tariffs/tariff_free_of_charge.json": Example(f"{_V211}:Tariff"),
}
