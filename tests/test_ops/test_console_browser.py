"""The operator's console in a real headless browser (Debian's Chromium driven by Playwright), against live
partners: a CPO run as `ocpi serve --console --metrics`, an eMSP registered and up, and a second eMSP
registered and then stopped, so that pushes to it fail.

Pages render, actions work (sign in, retry now, issue and revoke a token, search objects), the browser reports
no console error, and each page's screenshot is kept under tests/artefacts/console/ (the documentation's
screenshots are these: `OCPI_DOC_SCREENSHOTS=1` copies them into docs/guides/img/).

Skipped, saying why, where Chromium or the Playwright package is missing: `make test` passes on a machine with
only Python and make."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from ocpi.storage.sql import SqlStore
from tests.test_ops.support import (
    Pair,
    Served,
    in_store,
    load_location,
    register,
    run_ocpi,
    start,
    until,
)

CHROMIUM = Path(os.environ.get("OCPI_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / "tests" / "artefacts" / "console"
DOC_IMAGES = ROOT / "docs" / "guides" / "img"
DOC_SHOTS = ("console-partners.png", "console-partner.png", "console-tokens.png", "console-object.png")
CONSOLE_TOKEN = "console-token-of-the-browser-test"
METRICS_TOKEN = "metrics-token-of-the-browser-test"

sync_api = pytest.importorskip("playwright.sync_api", reason="the Playwright package is not installed")
if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)


def outbound_tokens(db: str) -> dict[str, str]:
    """Partner name -> the token this node sends it."""

    async def read(store: SqlStore) -> dict[str, str]:
        return {party.name: party.outbound_token or "" for party in await store.list_parties()}

    found: dict[str, str] = in_store(db, read)
    return found


def metric(text: str, name: str, partner: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + "{") and f'partner="{partner}"' in line:
            return float(line.rpartition(" ")[2])
    return None


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Pair, Served]]:
    """The CPO with its console; one eMSP up, one registered and stopped; locations pushed; the up eMSP
    checked with `ocpi check --db`, so the console has its report."""
    directory = tmp_path_factory.mktemp("console")
    outputs: list[str] = []
    with ExitStack() as stack:
        cpo = start(
            stack, directory, "cpo", "cpo", "NL/CPO", ["--console", "--metrics"],
            OCPI_CONSOLE_TOKEN=CONSOLE_TOKEN, OCPI_METRICS_TOKEN=METRICS_TOKEN,
        )  # fmt: skip
        assert cpo.served.banner["Console"] == f"{cpo.root}/console/ (sign in with OCPI_CONSOLE_TOKEN)"
        assert cpo.served.banner["Metrics"] == f"{cpo.root}/metrics (bearer token required)"
        emsp = start(stack, directory, "emsp", "emsp", "DE/EMS", [])
        token_a = register(directory, outputs, cpo, emsp, "DE/EMS")
        with ExitStack() as short_lived:
            gone = start(short_lived, directory, "gone", "emsp", "DE/GON", [])
            register(directory, outputs, cpo, gone, "DE/GON")
        pair = Pair(directory, cpo, emsp, token_a, outputs)
        for location_id in ("LOC-GENT", "LOC-BRUSSELS"):
            load_location(pair, location_id)
        headers = {"Authorization": f"Bearer {METRICS_TOKEN}"}

        def failing_for_the_stopped_emsp() -> bool:
            text = httpx.get(f"{cpo.root}/metrics", headers=headers).text
            return metric(text, "ocpi_partner_failing_objects", "ocpi-python EMSP DE/GON") == 2.0

        until(failing_for_the_stopped_emsp, "/metrics reports the stopped eMSP's two failing objects")
        token = outbound_tokens(cpo.db)["ocpi-python EMSP DE/EMS"]
        checked = run_ocpi(directory, outputs, "check", emsp.versions_url, "--token", token, "--db", cpo.db,
                           expect=(0, 1))  # fmt: skip
        assert "conformance of" in checked and "Kept with ocpi-python EMSP DE/EMS (#1)" in outputs[-1]
        yield pair, cpo


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page whose console errors and uncaught errors are collected in `page.problems`."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    opened = context.new_page()
    problems: list[str] = []
    opened.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    opened.on("pageerror", lambda error: problems.append(str(error)))
    opened.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    opened.problems = problems
    yield opened
    context.close()


def shoot(page: Any, name: str, *, full_page: bool = True) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / name), full_page=full_page)
    if os.environ.get("OCPI_DOC_SCREENSHOTS") and name in DOC_SHOTS:
        DOC_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ARTEFACTS / name, DOC_IMAGES / name)


def click_through(page: Any, selector: str) -> None:
    """Click what navigates and wait for the next page's load: `click` alone returns once the navigation has
    started, and a locator counted then may still see the page before (a busy machine shows it)."""
    with page.expect_navigation():
        page.click(selector)


def sign_in(page: Any, root: str) -> None:
    page.goto(f"{root}/console/")
    assert page.url == f"{root}/console/login"
    page.fill("#token", "wrong token")
    click_through(page, "button[type=submit]")
    assert page.inner_text("p.error") == "That is not the console token."
    # The refused sign-in answers HTTP 401, which the browser reports; the one error expected, then none.
    assert page.problems == ["Failed to load resource: the server responded with a status of 401 (Unauthorized)"]
    page.problems.clear()
    page.fill("#token", CONSOLE_TOKEN)
    click_through(page, "button[type=submit]")
    assert page.url == f"{root}/console/"


def test_partners_their_failures_and_retry_now(live: tuple[Pair, Served], page: Any) -> None:
    cpo = live[1]
    sign_in(page, cpo.root)
    rows = page.locator("#partners tbody tr")
    assert rows.count() == 2
    up, gone = rows.nth(0).inner_text(), rows.nth(1).inner_text()
    assert "ocpi-python EMSP DE/EMS" in up and "registered" in up and "2.3.0" in up
    assert "ocpi-python EMSP DE/GON" in gone and "Connection refused" in gone
    assert rows.nth(1).locator("td.number strong").inner_text() == "2"
    shoot(page, "console-partners.png")

    click_through(page, "text=ocpi-python EMSP DE/GON")
    assert page.locator("#failures tbody tr").count() == 2
    assert "locations NL/CPO/LOC-GENT" in page.inner_text("#failures")
    assert "2 objects failing" in page.inner_text("#push")
    click_through(page, "#retry")
    assert page.inner_text("p.notice") == "Every failing object is due now: the push worker retries them."
    shoot(page, "console-partner-failing.png")
    assert page.problems == []


def test_the_last_conformance_report_of_a_live_partner(live: tuple[Pair, Served], page: Any) -> None:
    cpo = live[1]
    sign_in(page, cpo.root)
    click_through(page, "text=ocpi-python EMSP DE/EMS")
    summary = page.inner_text("#conformance-summary")
    assert re.match(r"OCPI 2\.3\.0 checked \S+Z: \d+ passed, \d+ failed, \d+ skipped\.", summary), summary
    assert page.locator("#conformance tbody tr").count() > 10
    assert "versions.list" in page.inner_text("#conformance") or "envelope" in page.inner_text("#conformance")
    assert page.locator("#failures").count() == 0 and "None." in page.content()
    page.locator("#conformance-summary").scroll_into_view_if_needed()
    shoot(page, "console-partner.png", full_page=False)
    assert page.problems == []


def test_issue_a_token_shown_once_and_revoke_it(live: tuple[Pair, Served], page: Any) -> None:
    cpo = live[1]
    sign_in(page, cpo.root)
    click_through(page, "header >> text=Tokens")
    before = page.locator("#tokens tbody tr").count()
    page.select_option("#expires_in", "1d")
    page.fill("#parties", "DE/NEW")
    click_through(page, "#issue")
    token = page.inner_text("#new-token")
    assert page.inner_text("#new-token-parties") == "It registers only DE/NEW."
    assert len(token) >= 40 and page.locator("#tokens tbody tr").count() == before + 1
    versions = httpx.get(f"{cpo.root}/ocpi/versions", headers={"Authorization": f"Token {token}"})
    assert versions.status_code == 200, "the token issued in the console is a working token A"
    shoot(page, "console-tokens.png")

    page.goto(f"{cpo.root}/console/tokens")
    assert token not in page.content()
    newest = page.locator("#tokens tbody tr").first
    assert "valid" in newest.inner_text() and newest.locator("td").nth(1).inner_text() == "A"
    newest.locator("button.danger").click()
    assert page.inner_text("p.notice").startswith("Revoked token ")
    assert "revoked" in page.locator("#tokens tbody tr").first.inner_text()
    refused = httpx.get(f"{cpo.root}/ocpi/versions", headers={"Authorization": f"Token {token}"})
    assert refused.status_code == 401
    assert page.problems == []


def test_objects_search_and_the_json_in_each_version(live: tuple[Pair, Served], page: Any) -> None:
    cpo = live[1]
    sign_in(page, cpo.root)
    click_through(page, "header >> text=Objects")
    assert page.inner_text("#count") == "2 locations."
    page.fill("#q", "gent")
    click_through(page, "form.inline-form button[type=submit]")
    assert page.inner_text("#count") == "1 locations matching “gent”."
    click_through(page, "#objects >> text=LOC-GENT")
    for version in ("2_1_1", "2_2_1", "2_3_0"):
        rendered = json.loads(page.inner_text(f"#v{version} pre"))
        assert rendered["id"] == "LOC-GENT"
    assert "country_code" not in json.loads(page.inner_text("#v2_1_1 pre"))  # 2.1.1 objects carry no owner
    shoot(page, "console-object.png")
    assert page.problems == []
