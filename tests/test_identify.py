"""`ocpi.modules.identify`: which object a payload is (a whole object over a PATCH body, the oldest version that
reads it when versions tie, ambiguity said), and `validate`, the library's strict validation of any payload."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ocpi.modules.identify import identify, validate
from tests.spec import SPEC_DIR


def example(path: str) -> Any:
    return json.loads((SPEC_DIR / path).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("path", "version", "name", "ambiguous"),
    [
        # the three: a 2.2.1 Location (2.3.0 reads it as well: the oldest), a PUT of an EVSE (not the
        # ConnectorPatch that reads anything), a regular-hours fragment (a Location PATCH, not a payments one)
        ("2.2.1/examples/location_example.json", "2.2.1", "Location", []),
        ("2.2.1/examples/location_put_example_add_evse.json", "2.2.1", "EVSE", []),
        ("2.2.1/examples/location_regularhours_example.json", "2.1.1", "LocationPatch", []),
        # 2.3.0-only fields make it 2.3.0
        ("2.3.0/examples/location_example.json", "2.3.0", "Location", []),
        ("2.3.0/examples/tariff_1_simple_2hour.json", "2.3.0", "Tariff", []),
        ("2.2.1/examples/location_patch_example_status.json", "2.1.1", "EVSEPatch", []),
        ("2.3.0/examples/payment_terminal_create.json", "2.3.0", "Terminal", ["TerminalActivationRequest"]),
    ],
)
def test_the_object_a_payload_is(path: str, version: str, name: str, ambiguous: list[str]) -> None:
    found = identify(example(path))
    assert (found.chosen.version, found.chosen.name) == (version, name)
    assert [c.name for c in found.ambiguous] == ambiguous


def test_a_payload_that_fits_many_objects_is_ambiguous() -> None:
    found = identify({"last_updated": "2024-01-01T00:00:00Z"})
    assert found.chosen.patch
    assert {"EVSEPatch", "TariffPatch", "TokenPatch", "SessionPatch"} <= {c.name for c in found.ambiguous}
    pinned = identify({"last_updated": "2024-01-01T00:00:00Z"}, module="tokens", version="2.2.1")
    assert (pinned.chosen.name, pinned.ambiguous) == ("TokenPatch", [])


def test_unknown_module_or_version_is_named() -> None:
    with pytest.raises(ValueError, match="'parking' is not one of locations, sessions"):
        identify({}, module="parking")
    with pytest.raises(ValueError, match=r"'9\.9\.9' is not one of 2\.1\.1, 2\.2\.1, 2\.3\.0"):
        identify({}, version="9.9.9")


def test_validate_names_every_deviation_of_the_object_it_is() -> None:
    location = example("2.2.1/examples/location_example.json")
    assert validate(location).valid
    location["last_updated"] = "2015-06-29 20:39:09"
    location["coordinates"]["latitude"] = "north"
    verdict = validate(location)
    assert (verdict.candidate.name, verdict.candidate.version, verdict.valid) == ("Location", "2.2.1", False)
    assert [(d.path, d.rule.id) for d in verdict.deviations] == [
        ("$.coordinates.latitude", "geo-coordinate"),
        ("$.last_updated", "datetime-format"),
    ]
