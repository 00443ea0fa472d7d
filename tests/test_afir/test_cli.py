"""`ocpi afir report` through Typer's CliRunner on a real SQLite store: exit codes, table, JSON (against a
committed snapshot) and HTML."""

from __future__ import annotations

import asyncio
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ocpi.afir.report import SCHEMA, read_all
from ocpi.cli.main import app
from ocpi.modules.locations.interfaces import LOCATION
from ocpi.modules.tariffs.interfaces import TARIFF
from ocpi.storage.repository import Repository
from ocpi.storage.sql import SqlStore
from tests.test_afir.data import ad_hoc_tariff, complete_location

SNAPSHOT = Path(__file__).parent / "snapshots" / "report.json"
runner = CliRunner()


def seed(path: Path, locations: list[dict[str, Any]], tariffs: list[dict[str, Any]]) -> str:
    """A SQLite store at `path` holding the objects, written as a CPO node writes its own; its URL."""
    url = f"sqlite:///{path}"

    async def write() -> None:
        store = await SqlStore.open(url)
        repository = Repository(store)
        for tariff in tariffs:
            await repository.put(TARIFF, "2.3.0", tariff, owner=(tariff["country_code"], tariff["party_id"]))
        for location in locations:
            await repository.put(LOCATION, "2.3.0", location, owner=(location["country_code"], location["party_id"]))
        await store.close()

    asyncio.run(write())
    return url


def mixed_store(tmp_path: Path) -> str:
    """One complete location, one with a missing and misformatted items, one not public."""
    flawed = complete_location("LOC2")
    del flawed["help_phone"]
    flawed["state"] = "Noord-Holland"
    flawed["evses"][0]["connectors"][1]["max_electric_power"] = 150
    flawed["evses"][0]["connectors"][1]["tariff_ids"] = ["T2"]
    private = complete_location("LOC3")
    private["publish"] = False
    del private["operator"]
    sek = ad_hoc_tariff("T2") | {"currency": "SEK"}
    return seed(tmp_path / "ocpi.db", [complete_location(), flawed, private], [ad_hoc_tariff(), sek])


def run(*args: str) -> Any:
    return runner.invoke(app, ["afir", "report", *args], env={"COLUMNS": "200"})


def test_json_report_matches_the_snapshot(tmp_path: Path) -> None:
    result = run("--db", mixed_store(tmp_path), "--format", "json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["schema"] == SCHEMA
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", report.pop("generated_at"))
    if os.environ.get("OCPI_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    assert report == json.loads(SNAPSHOT.read_text())


def test_json_report_scores_and_flags(tmp_path: Path) -> None:
    report = json.loads(run("--db", mixed_store(tmp_path), "--format", "json").stdout)
    complete, flawed, private = report["locations"]
    assert (complete["score"], complete["missing_mandatory"]) == (1.0, [])
    assert flawed["missing_mandatory"] == ["A5"]
    assert {
        (f["item"], f["severity"], f["path"], f["tariff"])
        for f in flawed["findings"]
        if f["severity"] != "not_carried_in_ocpi"
    } == {
        ("A5", "missing_mandatory", "/help_phone", None),
        ("A10", "wrong_format", "/state", None),
        ("B6", "wrong_format", "/evses/0/connectors/1/max_electric_power", None),
        ("F3", "wrong_format", "/currency", "NL/CPO/T2"),
    }
    assert (private["in_scope"], private["missing_mandatory"]) == (False, ["A1", "A2"])
    summary = report["summary"]
    assert (summary["locations"], summary["in_scope"], summary["locations_missing_mandatory"]) == (3, 2, 1)
    assert summary["overall_score"] == round((complete["score"] + flawed["score"]) / 2, 4)


def test_complete_data_exits_0(tmp_path: Path) -> None:
    url = seed(tmp_path / "ok.db", [complete_location()], [ad_hoc_tariff()])
    result = run("--db", url)
    assert result.exit_code == 0, result.output
    assert "100.0%" in result.stdout


def test_a_missing_item_of_a_private_location_does_not_fail_the_report(tmp_path: Path) -> None:
    private = complete_location() | {"publish": False}
    del private["help_phone"]
    result = run("--db", seed(tmp_path / "p.db", [private], [ad_hoc_tariff()]), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["locations"][0]["missing_mandatory"] == ["A5"]


def test_table_names_item_numbers_and_field_paths(tmp_path: Path) -> None:
    result = run("--db", mixed_store(tmp_path), "--format", "table")
    assert result.exit_code == 1
    for text in ("NL/CPO/LOC2", "A5", "/help_phone", "/evses/0/connectors/1/max_electric_power", "tariff NL/CPO/T2"):
        assert text in result.stdout
    assert "Overall AFIR completeness" in result.stdout


def test_html_is_one_self_contained_page(tmp_path: Path) -> None:
    result = run("--db", mixed_store(tmp_path), "--format", "html")
    assert result.exit_code == 1
    page = result.stdout
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<style>" in page and not re.search(r"(src|href)=\"(https?:)?//", page)
    assert "/evses/0/connectors/1/max_electric_power" in page and "missing_mandatory" in page


def test_db_from_the_environment(tmp_path: Path) -> None:
    url = seed(tmp_path / "env.db", [complete_location()], [ad_hoc_tariff()])
    result = runner.invoke(app, ["afir", "report", "--format", "json"], env={"OCPI_DB": url})
    assert result.exit_code == 0
    assert json.loads(result.stdout)["summary"]["locations"] == 1


@pytest.mark.parametrize(
    "url, message",
    [
        ("not a url", "not a database URL"),
        ("sqlite:///{tmp}/absent.db", "no database file at"),
        ("nosuchdialect://host/db", "cannot use database URL"),
        ("sqlite:///{tmp}/empty.db", "cannot read OCPI data"),
    ],
)
def test_user_mistakes_exit_2_with_one_line(tmp_path: Path, url: str, message: str) -> None:
    (tmp_path / "empty.db").write_bytes(b"")
    result = run("--db", url.format(tmp=tmp_path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert "Traceback" not in result.output


def test_a_password_is_not_echoed(tmp_path: Path) -> None:
    result = run("--db", "postgresql://user:s3cret@127.0.0.1:1/ocpi")
    assert result.exit_code == 2
    assert "s3cret" not in result.stderr and "***" in result.stderr


def test_the_report_reads_page_after_page_through_the_index(tmp_path: Path, monkeypatch: Any) -> None:
    """Each page after the first continues after the previous one's last position (keyset), so reading every
    location costs the same per page however many come before it."""
    monkeypatch.setattr("ocpi.afir.report._PAGE", 3)
    ids = [f"LOC{n}" for n in range(7)]
    url = seed(tmp_path / "ocpi.db", [complete_location(i) for i in ids], [])
    asked: list[Any] = []

    async def read() -> list[dict[str, Any]]:
        store = await SqlStore.open(url)
        page = store.page

        async def recorded(query: Any) -> Any:
            asked.append(query)
            return await page(query)

        monkeypatch.setattr(store, "page", recorded)
        try:
            return await read_all(store, "locations")
        finally:
            await store.close()

    assert [location["id"] for location in asyncio.run(read())] == ids
    assert [query.after is None for query in asked] == [True, False, False]
