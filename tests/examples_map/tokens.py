"""Tokens examples: every `token_*.json` of 2.2.1 and 2.3.0, the two GET-token response envelopes of
`transport_and_format`, and the inline JSON of `2.1.1/mod_tokens.md` extracted into tests/fixtures/2.1.1/tokens/."""

from tests.spec import Example

EXAMPLES: dict[str, Example] = {}

for _version in ("2.2.1", "2.3.0"):
    _schemas = f"ocpi.modules.tokens.v_{_version.replace('.', '_')}.schemas"
    EXAMPLES.update(
        {
            f"{_version}/examples/token_example_1_app_user.json": Example(f"{_schemas}:Token"),
            f"{_version}/examples/token_example_2_full_rfid.json": Example(f"{_schemas}:Token"),
            f"{_version}/examples/token_put_example.json": Example(f"{_schemas}:Token"),
            f"{_version}/examples/token_patch_example.json": Example(f"{_schemas}:TokenPatch"),
            f"{_version}/examples/transport_and_format_get_token_example.json": Example(f"{_schemas}:TokenResponse"),
            f"{_version}/examples/transport_and_format_get_token_list_example.json": Example(
                f"{_schemas}:TokenListResponse"
            ),
        }
    )

EXAMPLES.update(
    {
        # the "PUT To URL: ..." / "PATCH To URL: ..." line above the bodies in mod_tokens.md is not JSON, left out
        "fixture:2.1.1/tokens/token_put_example.json": Example("ocpi.modules.tokens.v_2_1_1.schemas:Token"),
        "fixture:2.1.1/tokens/token_patch_example.json": Example("ocpi.modules.tokens.v_2_1_1.schemas:TokenPatch"),
        "fixture:2.1.1/tokens/token_example.json": Example("ocpi.modules.tokens.v_2_1_1.schemas:Token"),
    }
)
