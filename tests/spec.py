"""Where the verbatim OCPI spec lives, and helpers to compare payloads the way the spec does."""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ocpi.core.data_types import format_datetime

ROOT = Path(__file__).resolve().parents[1]
SPEC_DIR = ROOT / "standards" / "ocpi-spec"
"""The verbatim spec kept in the repository (CC BY-ND 4.0, see its LICENSE.md): nothing outside it is read."""
FIXTURES_DIR = ROOT / "tests" / "fixtures"

_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)


def normalize(value: Any) -> Any:
    """The form in which two OCPI payloads must be equal: `null` and absent alike (spec, terminology),
    numbers as decimals, DateTimes in our canonical UTC rendering."""
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value)).normalize()
    if isinstance(value, str) and _DATETIME.match(value):
        text = value if value[-1] == "Z" or "+" in value[19:] or "-" in value[19:] else value + "Z"
        return format_datetime(datetime.fromisoformat(text.replace("Z", "+00:00")))
    return value


@dataclass(frozen=True)
class Example:
    """How one example file maps to a model.

    `model` is "package.module:Class". `wrapper` names the key the object sits under when the file wraps it
    (e.g. `{"opening_times": {...}}`). For an official example that is itself wrong, `erratum` says why and
    `errors` lists exactly the validation errors the model raises, each as "loc.path: error_type". An
    erratum the model reads leniently instead (a number written as a string) names those paths in `coerced`:
    there the output must be the exact JSON type the spec asks for, holding the same value. `deviations` lists
    what the strict reading (`ocpi.core.validation.deviations`) names in an example the models read, each as
    "$.json.path: rule-id".
    """

    model: str
    wrapper: str | None = None
    erratum: str | None = None
    errors: tuple[str, ...] = ()
    coerced: tuple[str, ...] = ()
    deviations: tuple[str, ...] = ()

    def model_class(self) -> type[BaseModel]:
        module, _, name = self.model.partition(":")
        cls = getattr(importlib.import_module(module), name)
        assert isinstance(cls, type) and issubclass(cls, BaseModel)
        return cls


def validation_errors(error: ValidationError) -> set[str]:
    return {".".join(str(p) for p in e["loc"]) + ": " + e["type"] for e in error.errors()}


def pop_path(document: Any, dotted: str) -> Any:
    """Remove and return the value at `a.0.b` from nested dicts and lists."""
    *parents, last = dotted.split(".")
    node = document
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node.pop(int(last)) if isinstance(node, list) else node.pop(last)
