"""The OpenAPI document: FastAPI's, plus the request body schema of every route that takes one (bodies are
parsed by the patterns themselves, so that errors are OCPI answers)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from ocpi.server.routing import RouteTable


def install_openapi(app: FastAPI, table: RouteTable) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = get_openapi(title=app.title, version=app.version, routes=app.routes)
        models = sorted(set(table.bodies.values()), key=lambda m: (m.__module__, m.__name__))
        refs, definitions = models_json_schema(
            [(m, "validation") for m in models], ref_template="#/components/schemas/{model}"
        )
        components = document.setdefault("components", {}).setdefault("schemas", {})
        components.update(definitions.get("$defs", {}))
        for (path, method), model in table.bodies.items():
            operation = document["paths"].get(path, {}).get(method)
            if operation is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": refs[(model, "validation")]}},
                }
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
