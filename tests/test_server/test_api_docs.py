"""The API docs of a running node, checked without a browser: `/docs` and `/redoc` load nothing from another
host (before, Swagger UI came from a CDN and the page was blank offline), and the OpenAPI document says what the
node does: the `Token` scheme, the envelope as every answer, readable summaries, tags and schema names."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from ocpi import get_application
from ocpi.storage.sql import SqlStore
from tests.conftest import NODE_PARTIES

BASE = "http://node.example"


class References(HTMLParser):
    """Every URL an HTML page makes the browser load: src and href attributes, and the URLs the inline
    scripts hand to Swagger UI or ReDoc."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href", "spec-url") and value]
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)
            self.urls += re.findall(r"""(?:url|spec-url)\s*[:=]\s*['"]([^'"]+)['"]""", data)


@pytest.fixture
async def http(tmp_path: Any) -> AsyncIterator[httpx.AsyncClient]:
    store = await SqlStore.open(f"sqlite:///{tmp_path / 'ocpi.db'}")
    app = get_application(parties=NODE_PARTIES, store=store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield client
    await store.close()


def local(url: str, page: str) -> bool:
    absolute = urljoin(page, url)
    return urlsplit(absolute).netloc == urlsplit(BASE).netloc or absolute.startswith("data:")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_docs_pages_load_everything_from_the_node(http: httpx.AsyncClient, page: str) -> None:
    answer = await http.get(page)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    parsed = References()
    parsed.feed(answer.text)
    assert parsed.urls, "the page loads nothing?"
    assert [url for url in parsed.urls if not local(url, BASE + page)] == []
    assert "fonts.googleapis" not in answer.text and "cdn." not in answer.text
    if page == "/docs":
        assert '"validatorUrl": null' in answer.text  # Swagger UI would otherwise ask validator.swagger.io
    for url in parsed.urls:
        asset = await http.get(urljoin(BASE + page, url))
        assert asset.status_code == 200, url
        if url.endswith(".css"):
            loaded = re.findall(r"url\(\s*['\"]?([^'\")]+)", asset.text)
            assert [u for u in loaded if not local(u, urljoin(BASE + page, url))] == []
    assert any(url.endswith("/openapi.json") for url in parsed.urls)


async def test_mounted_the_docs_pages_load_from_below_the_mount(tmp_path: Any) -> None:
    app = FastAPI()
    app.mount("/roaming", get_application(parties=NODE_PARTIES, store=f"sqlite:///{tmp_path / 'ocpi.db'}"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        parsed = References()
        parsed.feed((await http.get("/roaming/docs")).text)
        assert parsed.urls and all(url.startswith("/roaming/") for url in parsed.urls), parsed.urls
        for url in parsed.urls:
            assert (await http.get(url)).status_code == 200, url


async def test_the_openapi_document_describes_the_ocpi_interfaces(http: httpx.AsyncClient) -> None:
    document = (await http.get("/openapi.json")).json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["Token"] == {**schemes["Token"], "type": "apiKey", "in": "header", "name": "Authorization"}
    names = set(document["components"]["schemas"])
    assert not {"HTTPValidationError", "ValidationError"} & names
    assert [name for name in names if not re.fullmatch(r"[A-Za-z0-9_.]+", name) or "__" in name] == []
    assert {"Location_2.1.1", "Location_2.2.1", "Location_2.3.0", "OcpiResponse"} <= names
    operations = [(path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()]
    assert len(operations) > 150
    for path, method, operation in operations:
        where = f"{method.upper()} {path}"
        assert operation["security"] == [{"Token": []}], where
        assert set(operation["responses"]) == {"200", "default"}, where
        for answer in operation["responses"].values():
            schema = answer["content"]["application/json"]["schema"]
            assert "OcpiResponse" in str(schema), where
        assert not re.match(r"(Get|Put|Post|Patch|Delete) Ocpi ", operation["summary"]), where
        (tag,) = operation["tags"]
        assert tag == "versions" or re.fullmatch(r"\d\.\d\.\d (CPO|EMSP|PTP) [a-z]+", tag), where
    listed = document["paths"]["/ocpi/cpo/2.2.1/locations"]["get"]
    assert listed["summary"] == "List locations" and listed["tags"] == ["2.2.1 CPO locations"]
    data = listed["responses"]["200"]["content"]["application/json"]["schema"]["allOf"][1]["properties"]["data"]
    assert data == {"type": "array", "items": {"$ref": "#/components/schemas/Location_2.2.1"}}
    evse = document["paths"]["/ocpi/emsp/2.2.1/locations/{country_code}/{party_id}/{location_id}/{evse_uid}"]
    assert evse["put"]["summary"] == "Put an EVSE"
    assert evse["put"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/EVSE_2.2.1"
    }
