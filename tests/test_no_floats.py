"""No model field, however deeply nested in its annotation, is a float: money, energy and power are Decimal."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Annotated, Any, get_args, get_origin

import pytest
from pydantic import BaseModel, Field

import ocpi.modules
from ocpi.core.data_types import Number
from ocpi.core.model import OcpiModel


def schemas_modules() -> list[str]:
    """`ocpi.modules.<module>.v_X_Y_Z.schemas` for every module and version present."""
    names = []
    for info in pkgutil.walk_packages(ocpi.modules.__path__, ocpi.modules.__name__ + "."):
        parts = info.name.split(".")
        if len(parts) == 5 and parts[3].startswith("v_") and parts[4] == "schemas":
            names.append(info.name)
    return sorted(names)


def models_in(module: ModuleType) -> list[type[BaseModel]]:
    return [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, BaseModel) and v is not BaseModel]


def float_paths(annotation: Any, path: str, seen: set[type]) -> list[str]:
    """Where `float` occurs in `annotation` (Annotated, unions, lists, dicts, nested models...)."""
    if annotation is float:
        return [path]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return []
        seen.add(annotation)
        found = []
        for name, info in annotation.model_fields.items():
            found.extend(float_paths(info.annotation, f"{annotation.__name__}.{name}", seen))
        return found
    if get_origin(annotation) is Annotated:
        return float_paths(get_args(annotation)[0], path, seen)  # the metadata (serializers...) are not types
    found = []
    for arg in get_args(annotation):
        found.extend(float_paths(arg, path, seen))
    return found


MODULES = schemas_modules()


def test_schemas_modules_are_found() -> None:
    versions = {name.split(".")[3] for name in MODULES}
    assert versions == {"v_2_1_1", "v_2_2_1", "v_2_3_0"}, MODULES


@pytest.mark.parametrize("module_name", MODULES)
def test_no_float_fields(module_name: str) -> None:
    module = importlib.import_module(module_name)
    models = models_in(module)
    assert models, f"{module_name} defines no model"
    found: list[str] = []
    seen: set[type] = set()
    for model in models:
        found.extend(float_paths(model, model.__name__, seen))
    assert not found, f"float fields in {module_name}: {sorted(set(found))}"


def test_a_nested_float_is_found() -> None:
    class Inner(OcpiModel):
        price: Annotated[float, Field(ge=0)] | None = None

    class Outer(OcpiModel):
        amount: Number
        values: list[dict[str, tuple[int, float | None]]] | None = None
        inner: list[Inner] | None = None

    assert sorted(float_paths(Outer, "Outer", set())) == ["Inner.price", "Outer.values"]
    assert float_paths(Inner.model_fields["price"].annotation, "x", set()) == ["x"]
