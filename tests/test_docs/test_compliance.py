"""The compliance page lists exactly the routes the app serves, for a node playing CPO, eMSP and PTP in every
version (with Bookings), each with its spec section."""

from __future__ import annotations

import re

from starlette.routing import Route

from ocpi.conformance import catalogue
from ocpi.conformance.hub import HUB_RULES
from ocpi.core.enums import RoleEnum
from ocpi.core.rules import RULES
from ocpi.node.config import OwnParty
from ocpi.server.app import get_application
from tools.compliance import (
    AMBIGUITIES,
    HUB_DECISIONS,
    build_app,
    build_hub_app,
    endpoints,
    hub_markdown,
    matrix_markdown,
    spec_section,
)

ROW = re.compile(r"^\|.*`(?P<path>/[^`]*)`\s*\|\s*(?P<methods>[A-Z, ]+)\s*\|")


def page_routes(page: str) -> set[tuple[str, str]]:
    listed = set()
    for line in page.splitlines():
        match = ROW.match(line)
        if match:
            listed |= {(match["path"], method.strip()) for method in match["methods"].split(",")}
    return listed


def app_routes(app: object) -> set[tuple[str, str]]:
    return {(r.path, m) for r in app.routes if isinstance(r, Route) for m in r.methods or ()}  # type: ignore[attr-defined]


def hub_routes() -> set[tuple[str, str]]:
    return {(path, method) for path, method in app_routes(build_hub_app()) if path.startswith("/ocpi/hub/")}


def test_the_page_lists_every_route_and_nothing_else() -> None:
    app = build_app()
    served = app_routes(app) | hub_routes()
    listed = page_routes(matrix_markdown(app))
    assert served - listed == set(), "served but missing from the page"
    assert listed - served == set(), "on the page but not served"
    roles = {e.role for e in endpoints(app)}
    assert {"CPO", "EMSP", "PTP", "platform"} <= roles
    assert len(served) > 200  # every module of three roles in three versions, not a handful


def test_a_smaller_node_gets_a_smaller_matrix() -> None:
    app = get_application(
        parties=[OwnParty(RoleEnum.EMSP, "DE", "EMS")], store="sqlite://", versions=("2.2.1",), push=False
    )
    page = matrix_markdown(app)
    assert page_routes(page) == app_routes(app) | hub_routes()
    assert "/ocpi/emsp/2.2.1/tokens/{token_uid}/authorize" in page
    assert not any("/cpo/" in path or "2.3.0" in path for path, _ in page_routes(page) - hub_routes())


def test_every_ocpi_endpoint_names_its_module_side_and_spec_section() -> None:
    for endpoint in endpoints(build_app()):
        if endpoint.module == "-":
            continue
        assert endpoint.spec.startswith(("2.1.1/", "2.2.1/", "2.3.0/", "2.3.0-bookings/")), endpoint
        if endpoint.module not in ("versions", "credentials"):
            assert endpoint.interface in ("SENDER", "RECEIVER"), endpoint
            assert endpoint.module in endpoint.path.split("/"), endpoint


def test_spec_sections_follow_each_versions_wording() -> None:
    assert spec_section("locations", "2.1.1", "SENDER") == "2.1.1/mod_locations.md § 2.1 CPO Interface"
    assert spec_section("tokens", "2.1.1", "SENDER") == "2.1.1/mod_tokens.md § 2.2 eMSP Interface"
    assert spec_section("tokens", "2.2.1", "RECEIVER") == "2.2.1/mod_tokens.asciidoc § Receiver Interface"
    assert spec_section("bookings", "2.3.0", "SENDER").startswith("2.3.0-bookings/mod_bookings.asciidoc")


def test_the_page_carries_the_ambiguities_and_the_conversion_costs() -> None:
    page = matrix_markdown()
    for item in AMBIGUITIES:
        assert f"**{item.topic}.**" in page
    for module in ("locations", "cdrs", "tariffs", "tokens", "credentials", "versions"):
        assert f"### {module} conversions" in page
    assert "canonical -> 2.1.1" in page


def test_the_page_lists_every_deviation_the_node_reads_and_how_it_is_reported() -> None:
    page = matrix_markdown()
    section = page.split("## Deviations the node reads, and how they are reported")[1].split("\n## ")[0]
    for rule in RULES.values():
        [row] = [line for line in section.splitlines() if line.startswith(f"| `{rule.id}` |")]
        assert row.count(" | ") == 3, row  # four cells: a `|` inside one is escaped
        the_node = row.split(" | ")[3].removesuffix(" |")
        assert the_node == rule.reader.replace("|", "\\|") and the_node.startswith("refused") == (not rule.read)
    for where in ("ocpi parties show", "strict=True", "ocpi validate", "ocpi check", "OcpiClient.deviations"):
        assert where in section


def test_the_hub_section_lists_its_routes_and_its_choices() -> None:
    section = "\n".join(hub_markdown())
    assert page_routes(section) == hub_routes()
    for version in ("2.2.1", "2.3.0"):
        assert f"`/ocpi/hub/{version}/hubclientinfo`" in section
        assert f"`/ocpi/hub/{version}/receiver/locations/{{rest:path}}`" in section
        assert f"`/ocpi/hub/{version}/sender/tokens`" in section
        assert f"`/ocpi/hub/{version}/callbacks/{{reference}}`" in section
    assert "/2.1.1/" not in section
    for topic, _ in HUB_DECISIONS:
        assert f"- **{topic}.**" in section
    assert [topic.split()[0] for topic, _ in HUB_DECISIONS] == [f"D{n}" for n in range(1, 16)]


def test_the_hub_section_lists_the_rules_and_the_checks_of_each() -> None:
    section = "\n".join(hub_markdown())
    for rule in HUB_RULES:
        assert f"| **{rule.id}** {rule.text} |" in section
    hub_checks = [c.id for c in catalogue() if c.id.startswith(("hub.", "routed."))]
    assert hub_checks and all(f"`{check_id}`" in section for check_id in hub_checks)
    assert "| **R17** The hub's errors: 4001 unknown receiver" in section
    assert "`hub.R17.unknown_receiver`, `hub.R17.offline_receiver` |" in section
