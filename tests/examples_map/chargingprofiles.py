"""Charging Profiles examples: none exist as files (2.2.1/2.3.0 `mod_charging_profiles.asciidoc` only has
sequence diagrams); the objects are exercised in tests/test_modules/test_v_*/test_chargingprofiles_schemas.py."""

from tests.spec import Example

EXAMPLES: dict[str, Example] = {}
