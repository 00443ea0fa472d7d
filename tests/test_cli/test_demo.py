"""`ocpi serve --demo` as a user runs it (a subprocess on a free port): its versions URL answers, the demo
data is served and consistent; and the commands that need a running node, on their error paths."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from ocpi.cli.main import app
from ocpi.core.utils import authorization_header
from ocpi.demo import load_demo
from ocpi.node.config import NodeConfig
from ocpi.node.node import Node
from ocpi.storage.base import PartyRole, TokenKind
from ocpi.storage.secrets import KEY_VARIABLE
from ocpi.storage.sql import SqlStore
from tests.conftest import NODE_PARTIES
from tests.test_cli.nodes import OCPI, ServedNode, cli_env, free_port, ocpi_serve, read_banner

runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServedNode, str]]:
    directory = tmp_path_factory.mktemp("demo")
    db = f"sqlite:///{directory / 'demo.db'}"
    with ocpi_serve(["--demo", "--port", "0", "--workers", "1", "--db", db], directory) as served:
        yield served, db


def partner_token(db: str) -> str:
    """A registered partner (a DE/EMS eMSP) of the demo node, written straight into its store."""

    async def make() -> str:
        store = await SqlStore.open(db)
        try:
            party = await store.create_party("DE/EMS", [PartyRole("EMSP", "DE", "EMS")], state="registered")
            return await store.issue_token(TokenKind.C, party.pk)
        finally:
            await store.close()

    return asyncio.run(make())


def test_the_banner_tells_how_to_connect_and_the_versions_url_answers(demo: tuple[ServedNode, str]) -> None:
    served = demo[0]
    versions_url = served.banner["Versions URL"]
    token_a = served.banner["Token A"].split()[0]
    assert served.banner["API docs"] == versions_url.replace("/ocpi/versions", "/docs")
    register_line = next(line for line in served.lines if line.startswith("  ocpi register"))
    assert f"ocpi register {versions_url} {token_a} " in register_line
    answer = httpx.get(versions_url, headers={"Authorization": authorization_header(token_a, "2.2.1")})
    assert answer.status_code == 200
    assert {v["version"] for v in answer.json()["data"]} == {"2.1.1", "2.2.1", "2.3.0"}
    assert httpx.get(versions_url).status_code == 401
    assert httpx.get(served.banner["API docs"]).status_code == 200


def test_the_demo_data_is_served_and_consistent(demo: tuple[ServedNode, str]) -> None:
    served, db = demo
    root = served.banner["Versions URL"].removesuffix("/versions")
    headers = {"Authorization": authorization_header(partner_token(db), "2.2.1")}

    def listed(role: str, module: str) -> list[dict[str, Any]]:
        answer = httpx.get(f"{root}/{role}/2.2.1/{module}?date_from=2000-01-01T00:00:00Z", headers=headers)
        assert answer.status_code == 200, answer.text
        return list(answer.json()["data"])

    def exported(module: str) -> list[dict[str, Any]]:
        result = invoke("export", "--module", module, "--version", "2.2.1", "--db", db)
        assert result.exit_code == 0, result.output
        return list(json.loads(result.output))

    locations, tariffs, tokens = listed("cpo", "locations"), listed("cpo", "tariffs"), listed("emsp", "tokens")
    assert locations and tariffs and tokens
    # The demo's charges are the node's own eMSP's customers' (NL/EMS tokens): no partner is shown them.
    assert listed("cpo", "sessions") == listed("cpo", "cdrs") == []
    sessions, cdrs = exported("sessions"), exported("cdrs")
    assert sessions and cdrs
    assert {(o["cdr_token"]["country_code"], o["cdr_token"]["party_id"]) for o in sessions + cdrs} == {("NL", "EMS")}
    assert {(o["country_code"], o["party_id"]) for o in locations + tariffs + sessions + cdrs} == {("NL", "CPO")}
    assert {(t["country_code"], t["party_id"]) for t in tokens} == {("NL", "EMS")}
    tariff_ids = {t["id"] for t in tariffs}
    connectors = {
        (loc["id"], evse["uid"], connector["id"]): connector
        for loc in locations
        for evse in loc.get("evses", [])
        for connector in evse["connectors"]
    }
    assert {tid for c in connectors.values() for tid in c.get("tariff_ids", [])} <= tariff_ids
    token_uids = {t["uid"] for t in tokens}
    for session in sessions:
        assert (session["location_id"], session["evse_uid"], session["connector_id"]) in connectors
        assert session["cdr_token"]["uid"] in token_uids
        assert {p["tariff_id"] for p in session.get("charging_periods", []) if "tariff_id" in p} <= tariff_ids
    for cdr in cdrs:
        where = cdr["cdr_location"]
        assert (where["id"], where["evse_uid"], where["connector_id"]) in connectors
        assert {t["id"] for t in cdr.get("tariffs", [])} <= tariff_ids
        assert {p["tariff_id"] for p in cdr["charging_periods"] if "tariff_id" in p} <= tariff_ids
        assert cdr["cdr_token"]["uid"] in token_uids


async def test_loading_the_demo_twice_changes_nothing(tmp_path: Path) -> None:
    store = await SqlStore.open(f"sqlite:///{tmp_path / 'ocpi.db'}")
    try:
        node = Node(NodeConfig(parties=NODE_PARTIES), store)
        first = await load_demo(node)
        second = await load_demo(node)
        assert sum(first.created.values()) == second.kept == 10 and first.kept == 0
        assert second.created == {}
    finally:
        await store.close()


def invoke(*args: str) -> Any:
    """In this process, with the environment of the nodes' (`cli_env`): their key file, not OCPI_SECRET_KEY."""
    return runner.invoke(app, list(args), env={"COLUMNS": "200", KEY_VARIABLE: None})


def test_serve_on_a_port_in_use_says_so(demo: tuple[ServedNode, str], tmp_path: Path) -> None:
    port = demo[0].banner["Versions URL"].split(":")[2].split("/")[0]
    result = invoke("serve", "--port", port, "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.output and "Traceback" not in result.output


def test_register_error_paths(demo: tuple[ServedNode, str], tmp_path: Path) -> None:
    served, db = demo
    versions_url = served.banner["Versions URL"]
    own = versions_url.removesuffix("/ocpi/versions")
    common = ["--db", db, "--base-url", own, "--allow-private-urls"]
    # Our node (here the demo node itself, on its own database) is up; the partner refuses the token.
    wrong_token = invoke("register", versions_url, "not-the-token", *common)
    assert wrong_token.exit_code == 2 and "HTTP 401" in wrong_token.output
    unreachable = invoke("register", f"http://127.0.0.1:{free_port()}/ocpi/versions", "token", *common)
    assert unreachable.exit_code == 2 and "Connection refused" in unreachable.output
    private = invoke("register", versions_url, "token", "--db", db, "--base-url", own)
    assert private.exit_code == 2 and "plain HTTP" in private.output
    assert "(for development: --allow-private-urls or OCPI_ALLOW_PRIVATE_URLS=1)" in private.output
    not_running = invoke("register", versions_url, "token", "--db", db, "--base-url", f"http://127.0.0.1:{free_port()}")
    assert not_running.exit_code == 2 and "start it first with `ocpi serve" in not_running.output
    other_db = tmp_path / "other.db"
    invoke("tokens", "create", "--db", f"sqlite:///{other_db}")
    wrong_db = invoke("register", versions_url, "token", "--db", f"sqlite:///{other_db}", "--base-url", own)
    assert wrong_db.exit_code == 2 and "does not use" in wrong_db.output
    wrong_parties = invoke("register", versions_url, "token", *common, "--role", "emsp", "--party", "DE/EMS")
    assert wrong_parties.exit_code == 2 and "plays CPO NL/CPO, EMSP NL/EMS" in wrong_parties.output
    for result in (wrong_token, unreachable, private, not_running, wrong_db, wrong_parties):
        assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_check_a_registered_partner_by_its_name(demo: tuple[ServedNode, str], tmp_path: Path) -> None:
    """Issue 21: `ocpi check` needed the partner's token on the command line, read out of the database. With
    --party it takes the partner's versions URL and the token it gave us from our database."""
    served, db = demo
    versions_url = served.banner["Versions URL"]
    partner_db = f"sqlite:///{tmp_path / 'partner.db'}"
    token_a = invoke("tokens", "create", "--quiet", "--db", db).output.strip()
    env = cli_env(OCPI_ALLOW_PRIVATE_URLS="1")
    partner_args = ["--port", "0", "--db", partner_db, "--role", "emsp", "--party", "DE/CHK"]  # DE/EMS is taken
    with ocpi_serve(partner_args, tmp_path, env) as partner:
        partner_root = partner.banner["Versions URL"].removesuffix("/ocpi/versions")
        registered = subprocess.run(
            [OCPI, "register", versions_url, token_a, "--base-url", partner_root, "--db", partner_db],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert registered.returncode == 0, registered.stderr
    checked = subprocess.run(
        [OCPI, "check", "--party", "NL/CPO", "--db", partner_db, "--module", "locations", "--report", "r.json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["target"] == {"versions_url": versions_url, "version": "2.3.0"}
    outcomes = {(r["id"], r["subject"]): r["outcome"] for r in report["results"]}
    assert outcomes[("objects.schema", "locations")] == "passed"  # the partner's objects, read with our token

    unknown = invoke("check", "--party", "XX/NOP", "--db", partner_db)
    assert unknown.exit_code == 2 and f"no partner 'XX/NOP' in {partner_db}" in unknown.output
    neither = invoke("check")
    assert neither.exit_code == 2
    assert "give the partner's VERSIONS_URL and --token, or --party of a partner registered in --db" in neither.output


ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not (ROOT / ".venv/bin/ocpi").exists(), reason="make demo runs the repository's .venv")
def test_make_demo_listens_on_the_port_it_is_given(tmp_path: Path) -> None:
    """Issue 21: `make demo` always took port 8000; `make demo PORT=...` now chooses, like the quickstart's
    variables. (`-o .venv/.installed`: the test does not reinstall the virtualenv.)"""
    port = free_port()
    env = cli_env(OCPI_DB=f"sqlite:///{tmp_path / 'demo.db'}")
    command = ["make", "--no-print-directory", "-o", ".venv/.installed", "demo", f"PORT={port}"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    try:
        served = read_banner(process, tmp_path / "make.log")
        assert served.banner["Versions URL"] == f"http://127.0.0.1:{port}/ocpi/versions"
        assert httpx.get(served.banner["Versions URL"]).status_code == 401
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # make and the node it started, in the session started here
        process.wait(timeout=30)
