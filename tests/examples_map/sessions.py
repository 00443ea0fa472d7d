"""Sessions examples: every `session_*.json` of 2.2.1 and 2.3.0, and the inline JSON of
`2.1.1/mod_sessions.md` extracted into tests/fixtures/2.1.1/sessions/.

The ENERGY volumes of `session_example_2_short_finished.json` (120, 41000) and of
`session_patch_example_charging_period.json` (2200) are in Wh while the spec defines kWh (DIGEST F.1): a unit
mistake, not a schema error, so they parse and are kept as they are.
"""

from tests.spec import Example

EXAMPLES: dict[str, Example] = {}

for _version in ("2.2.1", "2.3.0"):
    _schemas = f"ocpi.modules.sessions.v_{_version.replace('.', '_')}.schemas"
    EXAMPLES.update(
        {
            f"{_version}/examples/session_example_1_simple_start.json": Example(f"{_schemas}:Session"),
            f"{_version}/examples/session_example_2_short_finished.json": Example(f"{_schemas}:Session"),
            f"{_version}/examples/session_patch_example_total_cost.json": Example(f"{_schemas}:SessionPatch"),
            f"{_version}/examples/session_patch_example_charging_period.json": Example(f"{_schemas}:SessionPatch"),
        }
    )

EXAMPLES.update(
    {
        # the "PATCH To URL: ..." line above the body in mod_sessions.md is not JSON, left out
        "fixture:2.1.1/sessions/session_patch_example_total_cost.json": Example(
            "ocpi.modules.sessions.v_2_1_1.schemas:SessionPatch"
        ),
        # The embedded Location's `country` is "BE", an alpha-2 code where mod_locations.md (Location object)
        # says ISO 3166-1 alpha-3; its EVSE ID is written with `-` where eMI3 writes `*`: read, and named by the
        # strict reading.
        "fixture:2.1.1/sessions/session_example_1_simple_start.json": Example(
            "ocpi.modules.sessions.v_2_1_1.schemas:Session",
            deviations=("$.location.country: country-alpha3", "$.location.evses[0].evse_id: evse-id"),
        ),
        "fixture:2.1.1/sessions/session_example_2_short_finished.json": Example(
            "ocpi.modules.sessions.v_2_1_1.schemas:Session",
            deviations=("$.location.country: country-alpha3", "$.location.evses[0].evse_id: evse-id"),
        ),
    }
)
