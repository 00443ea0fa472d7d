"""Versions examples: the versions list, version details, their full envelopes, and DisplayText."""

from tests.spec import Example

EXAMPLES: dict[str, Example] = {
    "fixture:2.1.1/versions/versions.json": Example("ocpi.modules.versions.v_2_1_1.schemas:VersionList"),
    "fixture:2.1.1/versions/version_details.json": Example("ocpi.modules.versions.v_2_1_1.schemas:VersionDetails"),
}

for _version in ("2.2.1", "2.3.0"):
    _schemas = f"ocpi.modules.versions.v_{_version.replace('.', '_')}.schemas"
    EXAMPLES.update(
        {
            f"{_version}/examples/versions_info_example.json": Example(f"{_schemas}:VersionList"),
            f"{_version}/examples/version_details_example.json": Example(f"{_schemas}:VersionDetails"),
            f"{_version}/examples/version_details_example2.json": Example(f"{_schemas}:VersionDetails"),
            f"{_version}/examples/transport_and_format_version_info_example.json": Example(
                f"{_schemas}:VersionsResponse"
            ),
            f"{_version}/examples/transport_and_format_version_details_example.json": Example(
                f"{_schemas}:VersionDetailsResponse"
            ),
            f"{_version}/examples/type_displaytext_example.json": Example("ocpi.core.data_types:DisplayText"),
        }
    )
