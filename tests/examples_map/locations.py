"""Locations examples: every `location_*.json` of 2.2.1 and 2.3.0, and the inline JSON of
`2.1.1/mod_locations.md` extracted into tests/fixtures/2.1.1/locations/."""

from tests.spec import Example

EXAMPLES: dict[str, Example] = {}

for _version in ("2.2.1", "2.3.0"):
    _schemas = f"ocpi.modules.locations.v_{_version.replace('.', '_')}.schemas"
    _files = {
        "location_example.json": Example(f"{_schemas}:Location"),
        "location_example_parking_garage_opening_hours.json": Example(f"{_schemas}:Location"),
        "location_example_uc2_destination_charger.json": Example(f"{_schemas}:Location"),
        "location_example_uc3_destination_charger_not_published.json": Example(f"{_schemas}:Location"),
        "location_example_uc4_limited_visibility.json": Example(f"{_schemas}:Location"),
        "location_example_uc5_home_charge_point.json": Example(f"{_schemas}:Location"),
        "location_energymix_example_simple.json": Example(f"{_schemas}:EnergyMix", wrapper="energy_mix"),
        "location_energymix_example_energy_provider.json": Example(f"{_schemas}:EnergyMix", wrapper="energy_mix"),
        "location_energymix_example_complete.json": Example(f"{_schemas}:EnergyMix", wrapper="energy_mix"),
        "location_hours_247_open_exception_closing.json": Example(f"{_schemas}:Hours"),
        "location_hours_opening_hours_with_exceptional_closing.json": Example(f"{_schemas}:Hours"),
        "location_hours_opening_hours_with_exceptional_opening.json": Example(f"{_schemas}:Hours"),
        "location_regularhours_example.json": Example(f"{_schemas}:Hours", wrapper="opening_times"),
        # PATCH on .../locations/NL/TNM/1012 (Location), .../1012/3255 (EVSE), .../1012/3255/2 (Connector)
        "location_patch_example_location.json": Example(f"{_schemas}:LocationPatch"),
        "location_patch_example_status.json": Example(f"{_schemas}:EVSEPatch"),
        "location_patch_example_remove_evse.json": Example(f"{_schemas}:EVSEPatch"),
        "location_patch_example_tariff.json": Example(f"{_schemas}:ConnectorPatch"),
        # PUT on .../locations/NL/TNM/1012/3256: an EVSE
        "location_put_example_add_evse.json": Example(
            f"{_schemas}:EVSE",
            erratum=(
                "`physical_reference` is a number, not a string(16); the connector lacks the required "
                "power_type, max_voltage, max_amperage and last_updated; `floor` (kept as an unknown field) "
                "should be `floor_level`"
            ),
            errors=(
                "physical_reference: string_type",
                "connectors.0.power_type: missing",
                "connectors.0.max_voltage: missing",
                "connectors.0.max_amperage: missing",
                "connectors.0.last_updated: missing",
            ),
        ),
    }
    EXAMPLES.update({f"{_version}/examples/{name}": example for name, example in _files.items()})

_V211 = "ocpi.modules.locations.v_2_1_1.schemas"
EXAMPLES.update(
    {
        # mod_locations.md 3.1 Example
        # its EVSE IDs are written with `-` (BE-BEC-E041503001) where eMI3 V1.0 writes `*` (BE*BEC*E041503001)
        "fixture:2.1.1/locations/location.json": Example(
            f"{_V211}:Location", deviations=("$.evses[0].evse_id: evse-id", "$.evses[1].evse_id: evse-id")
        ),
        # 2.2.3 PATCH examples (the "PATCH To URL: ..." line above each body is not JSON, left out)
        "fixture:2.1.1/locations/evse_patch_status.json": Example(f"{_V211}:EVSEPatch"),
        "fixture:2.1.1/locations/location_patch_name.json": Example(f"{_V211}:LocationPatch"),
        "fixture:2.1.1/locations/connector_patch_tariff.json": Example(f"{_V211}:ConnectorPatch"),
        "fixture:2.1.1/locations/evse_patch_remove.json": Example(f"{_V211}:EVSEPatch"),
        "fixture:2.1.1/locations/evse_put_add_evse.json": Example(
            f"{_V211}:EVSE",
            erratum=(
                "`physical_reference` and `floor_level` are numbers, not strings; the EVSE lacks last_updated and "
                "its connector lacks the required power_type, voltage, amperage and last_updated"
            ),
            errors=(
                "physical_reference: string_type",
                "floor_level: string_type",
                "last_updated: missing",
                "connectors.0.power_type: missing",
                "connectors.0.voltage: missing",
                "connectors.0.amperage: missing",
                "connectors.0.last_updated: missing",
            ),
        ),
        # 4.5 EnergyMix and 4.19.1 RegularHours examples are `"key": {...}` fragments, wrapped in braces
        "fixture:2.1.1/locations/energymix_simple.json": Example(f"{_V211}:EnergyMix", wrapper="energy_mix"),
        "fixture:2.1.1/locations/energymix_tariff_name_based.json": Example(f"{_V211}:EnergyMix", wrapper="energy_mix"),
        "fixture:2.1.1/locations/energymix_complete.json": Example(f"{_V211}:EnergyMix", wrapper="energy_mix"),
        "fixture:2.1.1/locations/hours_regular_hours.json": Example(f"{_V211}:Hours", wrapper="opening_times"),
    }
)
