"""Credentials examples: all valid (2.2.1 and 2.3.0 files are identical)."""

from tests.spec import Example

EXAMPLES: dict[str, Example] = {
    "fixture:2.1.1/credentials/credentials.json": Example("ocpi.modules.credentials.v_2_1_1.schemas:Credentials"),
}

for _version in ("2.2.1", "2.3.0"):
    for _name in ("credentials_example", "credentials_example2", "credentials_example3", "credentials_example4"):
        EXAMPLES[f"{_version}/examples/{_name}.json"] = Example(
            f"ocpi.modules.credentials.v_{_version.replace('.', '_')}.schemas:Credentials"
        )
