"""Every official example (and every 2.1.1 inline example extracted into tests/fixtures) parses into its
model and dumps back to the same JSON; the known-wrong ones raise exactly the errors their erratum names."""

from __future__ import annotations

import importlib
import json
import pkgutil
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

import tests.examples_map as examples_map
from ocpi.core.validation import deviations, json_path
from tests.spec import FIXTURES_DIR, SPEC_DIR, Example, load_json, normalize, pop_path, validation_errors


def _all_maps() -> dict[str, Example]:
    merged: dict[str, Example] = {}
    for info in pkgutil.iter_modules(examples_map.__path__):
        module = importlib.import_module(f"{examples_map.__name__}.{info.name}")
        for key, example in module.EXAMPLES.items():
            assert key not in merged, f"{key} mapped twice"
            merged[key] = example
    return merged


EXAMPLES = _all_maps()


def _path(key: str) -> Path:
    if key.startswith("fixture:"):
        return FIXTURES_DIR / key.removeprefix("fixture:")
    return SPEC_DIR / key


def _files_on_disk() -> set[str]:
    spec = {f"{p.parent.parent.name}/examples/{p.name}" for p in SPEC_DIR.glob("*/examples/*.json")}
    fixtures = {"fixture:" + str(p.relative_to(FIXTURES_DIR)) for p in FIXTURES_DIR.rglob("*.json")}
    return spec | fixtures


def test_every_example_file_is_mapped() -> None:
    on_disk = _files_on_disk()
    assert SPEC_DIR.is_dir(), f"spec not found at {SPEC_DIR}"
    assert sorted(on_disk - EXAMPLES.keys()) == [], "example files without an entry in tests/examples_map"
    assert sorted(EXAMPLES.keys() - on_disk) == [], "entries in tests/examples_map without a file"


@pytest.mark.parametrize("key", sorted(EXAMPLES))
def test_example_round_trips(key: str) -> None:
    example = EXAMPLES[key]
    payload = load_json(_path(key))
    if example.wrapper is not None:
        payload = payload[example.wrapper]
    model = example.model_class()
    if example.erratum is not None and not example.coerced:
        with pytest.raises(ValidationError) as caught:
            model.model_validate(payload)
        assert validation_errors(caught.value) == set(example.errors), example.erratum
        return
    parsed = model.model_validate(payload)
    dumped = parsed.model_dump(mode="json", exclude_none=True, by_alias=True)
    for path in example.coerced:
        written, read = pop_path(payload, path), pop_path(dumped, path)
        assert isinstance(written, str) and isinstance(read, int | float), example.erratum
        assert Decimal(written) == Decimal(str(read))
    assert normalize(dumped) == normalize(payload)
    # and the same through the JSON parser, the path the server takes
    raw = _path(key).read_bytes()
    if example.wrapper is None and not example.coerced:
        assert model.model_validate_json(raw) == parsed


@pytest.mark.parametrize("key", sorted(EXAMPLES))
def test_example_is_exact_in_the_strict_reading(key: str) -> None:
    """As sent on the wire (JSON numbers as numbers), every example keeps every format rule, but for the
    deviations its entry lists; a wrong example's strict report names at least every field the models refuse."""
    example = EXAMPLES[key]
    payload = json.loads(_path(key).read_text(encoding="utf-8"))
    if example.wrapper is not None:
        payload = payload[example.wrapper]
    model = example.model_class()
    version = key.removeprefix("fixture:").split("/")[0].removesuffix("-bookings")
    found = deviations(model, payload, version=version)
    if example.erratum is not None and not example.coerced:
        with pytest.raises(ValidationError) as caught:
            model.model_validate(payload)
        assert {json_path(e["loc"]) for e in caught.value.errors()} <= {d.path for d in found}
        return
    assert {f"{d.path}: {d.rule.id}" for d in found} == set(example.deviations), [str(d) for d in found]
