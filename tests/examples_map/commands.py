"""Commands examples: none exist as files. The 2.1.1 chapter has no JSON example (its `data/command_*.txt`
are PlantUML sequence diagrams), and 2.2.1/2.3.0 `mod_commands.asciidoc` include no example file; the
objects are exercised in tests/test_modules/test_v_*/test_commands_schemas.py instead."""

from tests.spec import Example

EXAMPLES: dict[str, Example] = {}
