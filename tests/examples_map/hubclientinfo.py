"""Hub Client Info examples: none exist as files. The one inline example of `mod_hub_client_info.asciidoc`
(PUT `.../clientinfo/NL/ALL`) is not valid JSON (trailing comma) and lacks `last_updated`; it is checked in
tests/test_modules/test_v_*/test_hubclientinfo_schemas.py."""

from tests.spec import Example

EXAMPLES: dict[str, Example] = {}
