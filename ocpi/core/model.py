"""The base of every OCPI object model, and the one mechanism that derives PATCH bodies from full models."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, create_model


class OcpiModel(BaseModel):
    """Lenient in, exact out.

    Fields the spec does not define are kept and round-trip (2.3.0 forbids rejecting them; we do the same for
    every version). Unset optional fields are omitted on output (`to_json`, `to_dict`).
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict as sent on the wire: None omitted, DateTime as UTC `Z`, numbers exact."""
        return self.model_dump(mode="json", exclude_none=True, by_alias=True)

    def to_json(self) -> bytes:
        return self.model_dump_json(exclude_none=True, by_alias=True).encode()


class PatchModel(OcpiModel):
    """Base of the partial models made by `partial_model`: only what the sender set goes out."""

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_dict())


M = TypeVar("M", bound=BaseModel)


@cache
def partial_model(model: type[BaseModel], required: tuple[str, ...] = ()) -> type[PatchModel]:
    """The PATCH variant of `model`: every field optional (keeping its type and constraints), except the
    names in `required` (e.g. `last_updated`, required in 2.2.1 and 2.3.0 PATCH bodies).

    Nested objects stay full models: a PATCH replaces a nested object or list as a whole.
    """
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        info = copy.copy(info)
        if name in required:
            fields[name] = (info.annotation, info)
            continue
        info.default = None
        info.default_factory = None
        fields[name] = (info.annotation | None, info)  # type: ignore[operator]
    return create_model(
        f"{model.__name__}Patch",
        __base__=PatchModel,
        __module__=model.__module__,
        **fields,
    )
