"""The OpenAPI document and the API docs pages of a node.

The document is FastAPI's, made to say what the node does: the `Token` security scheme (so "Authorize" in
Swagger UI works), the OCPI envelope as every operation's answer (with the objects of the reads), the request
body of every route that takes one (bodies are parsed by the patterns themselves, so that errors are OCPI
answers), a summary per operation, and schema names a reader understands (`Location_2.2.1`).

`/docs` (Swagger UI) and `/redoc` are served with their scripts and styles from the node itself (the
`fastapi-offline` package bundles them), so they work without internet access."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from pydantic.json_schema import CoreModeRef, DefsRef, GenerateJsonSchema, models_json_schema

from ocpi.server.routing import RouteTable

DOCS_ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_PATH = "/docs/assets"
SECURITY_SCHEME = "Token"
ENVELOPE = "OcpiResponse"
_VERSIONED_MODULE = re.compile(r"\.modules\.(\w+)\.v_(\d+)_(\d+)_(\d+)\.")


class ReadableNames(GenerateJsonSchema):
    """Schema names: the model's name, with its OCPI version where the versions define it differently
    (`Location_2.2.1`), instead of Pydantic's module path (`ocpi__modules__locations__v_2_2_1__schemas__Location`)."""

    def get_defs_ref(self, core_mode_ref: CoreModeRef) -> DefsRef:
        defs_ref = super().get_defs_ref(core_mode_ref)
        found = _VERSIONED_MODULE.search(core_mode_ref[0])
        if found is not None:
            module, version = found.group(1), ".".join(found.groups()[1:])
            name = self._prioritized_defsref_choices[defs_ref][0]
            readable = [DefsRef(f"{name}_{version}"), DefsRef(f"{name}_{module}_{version}")]
            self._prioritized_defsref_choices[defs_ref][1:1] = readable
        return defs_ref


def _envelope_schema() -> dict[str, Any]:
    return {
        "title": ENVELOPE,
        "description": "The OCPI response envelope: every answer of the node, errors too (OCPI 2.2.1 section "
        "4.1.7). `status_code` 1xxx is success, 2xxx an error of the client, 3xxx an error of the server.",
        "type": "object",
        "required": ["status_code", "timestamp"],
        "properties": {
            "data": {"description": "The answer's content: an object, a list of them, or absent."},
            "status_code": {"type": "integer", "examples": [1000, 2001, 2003, 3000]},
            "status_message": {"type": "string"},
            "timestamp": {"type": "string", "format": "date-time"},
        },
    }


def _enveloped(data: dict[str, Any] | None) -> dict[str, Any]:
    envelope = {"$ref": f"#/components/schemas/{ENVELOPE}"}
    if data is None:
        return envelope
    return {"allOf": [envelope, {"type": "object", "properties": {"data": data}}]}


def install_openapi(app: FastAPI, table: RouteTable) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        models = {*table.bodies.values(), *(model for model, _ in table.answers.values())}
        ordered = sorted(models, key=lambda m: (m.__module__, m.__name__))
        refs, definitions = models_json_schema(
            [(m, "validation") for m in ordered],
            ref_template="#/components/schemas/{model}",
            schema_generator=ReadableNames,
        )
        components = document.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas.update(definitions.get("$defs", {}))
        schemas[ENVELOPE] = _envelope_schema()
        components["securitySchemes"] = {
            SECURITY_SCHEME: {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "`Token <token>`: the partner's credentials token, Base64-encoded from OCPI 2.2.1 "
                "on (the node also accepts it as is, as 2.1.1 sends it). Token A only opens versions and "
                "credentials.",
            }
        }
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                answer = table.answers.get((path, method))
                data = None
                if answer is not None:
                    model, many = answer
                    schema = refs[(model, "validation")]
                    data = {"type": "array", "items": schema} if many else schema
                operation["security"] = [{SECURITY_SCHEME: []}]
                operation["responses"] = {
                    "200": {"description": "Done: status_code 1000", "content": _json(_enveloped(data))},
                    "default": {
                        "description": "An error, in the envelope (HTTP 4xx with status_code 2xxx, 5xx with 3xxx)",
                        "content": _json(_enveloped(None)),
                    },
                }
                body = table.bodies.get((path, method))
                if body is not None:
                    operation["requestBody"] = {"required": True, "content": _json(refs[(body, "validation")])}
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def install_docs(app: FastAPI) -> None:
    """`/docs` and `/redoc`, with their assets served by the node (`/docs/assets/...`): no CDN, no fonts from
    elsewhere, no online validator. The app must be created with `docs_url=None, redoc_url=None`."""
    app.mount(ASSETS_PATH, StaticFiles(directory=DOCS_ASSETS), name="docs-assets")

    def root(request: Request) -> str:
        return str(request.scope.get("root_path", "")).rstrip("/")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        base = root(request)
        return get_swagger_ui_html(
            openapi_url=f"{base}{app.openapi_url}",
            title=f"{app.title} - API docs",
            swagger_js_url=f"{base}{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{base}{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{base}{ASSETS_PATH}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": True},
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        base = root(request)
        return get_redoc_html(
            openapi_url=f"{base}{app.openapi_url}",
            title=f"{app.title} - API reference",
            redoc_js_url=f"{base}{ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{base}{ASSETS_PATH}/favicon.png",
            with_google_fonts=False,
        )
