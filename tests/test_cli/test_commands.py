"""The store and payload commands through the real entry point (Typer's CliRunner on `ocpi.cli.main.app`), on
a real SQLite store: what they print, what they store, and every user mistake as one line and exit status 2."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ocpi.cli.main import app
from ocpi.storage.base import PartyRole, TokenKind
from ocpi.storage.push import PushLedger
from ocpi.storage.sql import SqlStore, hash_token
from tests.spec import SPEC_DIR

EXAMPLES = SPEC_DIR
runner = CliRunner()


def invoke(*args: str, stdin: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=stdin, env={"COLUMNS": "200"})


def one_line_error(result: Any) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return str(lines[0])


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ocpi.db'}"


def example(path: str) -> dict[str, Any]:
    data = json.loads((EXAMPLES / path).read_text())
    assert isinstance(data, dict)
    return data


def our_location(location_id: str, **changes: Any) -> dict[str, Any]:
    return {**example("2.2.1/examples/location_example.json"), "country_code": "NL", "party_id": "CPO"} | {
        "id": location_id,
        **changes,
    }


def test_tokens_create_list_revoke(db: str) -> None:
    created = invoke("tokens", "create", "--expires-in", "2h", "--db", db)
    assert created.exit_code == 0
    token = re.search(r"Token A: (\S+)", created.output)
    assert token is not None
    quiet = invoke("tokens", "create", "-q", "--expires-in", "never", "--db", db).output.strip()
    listed = invoke("tokens", "list", "--db", db)
    assert listed.exit_code == 0
    assert token.group(1) not in listed.output and quiet not in listed.output
    assert hash_token(token.group(1))[:12] in listed.output and hash_token(quiet)[:12] in listed.output
    assert listed.output.count("valid") == 2 and "never" in listed.output

    assert invoke("tokens", "revoke", token.group(1), "--db", db).exit_code == 0
    assert invoke("tokens", "revoke", hash_token(quiet)[:8], "--db", db).exit_code == 0
    assert invoke("tokens", "list", "--db", db).output.count("revoked") == 2
    assert "no live token" in one_line_error(invoke("tokens", "revoke", hash_token(quiet)[:8], "--db", db))
    assert "not a duration" in one_line_error(invoke("tokens", "create", "--expires-in", "soon", "--db", db))


def test_tokens_create_binds_a_token_a_to_the_parties_it_may_register(db: str) -> None:
    created = invoke("tokens", "create", "--party", "DE/XEM", "--party", "de*xe2", "--party", "DE/XEM", "--db", db)
    assert created.exit_code == 0, created.output
    assert "It registers only DE/XEM, DE/XE2." in created.output
    token = re.search(r"Token A: (\S+)", created.output)
    assert token is not None
    assert re.search(r"A\s*│\s*-\s*│\s*DE/XEM, DE/XE2", invoke("tokens", "list", "--db", db).output)

    async def bound() -> Any:
        store = await SqlStore.open(db)
        try:
            return await store.claim_token_a(token.group(1))
        finally:
            await store.close()

    claim = asyncio.run(bound())
    assert claim is not None and claim.parties == [("DE", "XEM"), ("DE", "XE2")]
    assert "not a party: 'DEXEMX'" in one_line_error(invoke("tokens", "create", "--party", "DEXEMX", "--db", db))


def test_database_mistakes_are_one_line(tmp_path: Path) -> None:
    assert "not a database URL" in one_line_error(invoke("tokens", "list", "--db", "nonsense"))
    assert "no database at" in one_line_error(invoke("parties", "list", "--db", f"sqlite:///{tmp_path / 'no.db'}"))
    assert "no directory" in one_line_error(
        invoke("tokens", "create", "--db", f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}")
    )
    unwritable = tmp_path / "not-a-database.db"
    unwritable.write_text("plain text, not SQLite")
    assert "cannot open database" in one_line_error(invoke("tokens", "create", "--db", f"sqlite:///{unwritable}"))
    assert "cannot open database" in one_line_error(invoke("tokens", "list", "--db", "postgresql://x@127.0.0.1:1/x"))


def test_load_stores_valid_objects_and_reports_each_rejected_one_with_its_path(db: str, tmp_path: Path) -> None:
    broken = our_location("LOC2")
    broken["evses"] = [{**broken["evses"][0], "status": "BROKEN"}]
    foreign = our_location("LOC3", country_code="BE")
    source = tmp_path / "locations.json"
    source.write_text(json.dumps([our_location("LOC1"), broken, foreign]))

    result = invoke("load", "--module", "locations", "--version", "2.2.1", str(source), "--db", db)
    assert result.exit_code == 1
    assert "1 created; 2 rejected" in result.output
    assert f"rejected {source}[1]:\n  $.evses[0].status: Input should be" in result.output
    assert f"rejected {source}[2]:\n  owner BE/CPO is not this node's party (NL/CPO)" in result.output

    exported = invoke("export", "--module", "locations", "--version", "2.1.1", "--db", db)
    assert exported.exit_code == 0
    assert [o["id"] for o in json.loads(exported.output)] == ["LOC1"]
    assert "country_code" not in json.loads(exported.output)[0]  # 2.1.1 has no owner fields

    # Again, from stdin, as an OCPI response envelope: the same object is updated, nothing half-written.
    envelope = json.dumps({"data": our_location("LOC1"), "status_code": 1000})
    again = invoke("load", "--module", "locations", "--version", "2.2.1", "-", "--db", db, stdin=envelope)
    assert again.exit_code == 0 and "1 updated; 0 rejected" in again.output
    assert len(json.loads(invoke("export", "--module", "locations", "--version", "2.3.0", "--db", db).output)) == 1


def test_load_a_directory_of_another_role(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "tokens"
    folder.mkdir()
    for name in ("token_example_1_app_user.json", "token_example_2_full_rfid.json"):
        (folder / name).write_text(json.dumps(example(f"2.2.1/examples/{name}")))
    cpo_db = f"sqlite:///{tmp_path / 'cpo.db'}"
    as_cpo = invoke("load", "--module", "tokens", "--version", "2.2.1", str(folder), "--db", cpo_db, "--role", "cpo")
    assert "cannot load tokens: this node plays no role that owns tokens" in one_line_error(as_cpo)
    # The eMSP's database keeps its role and party from `ocpi init` on: `ocpi load` needs neither again.
    assert invoke("init", "--role", "emsp", "--party", "DE/TNM", "--db", db).exit_code == 0
    as_emsp = invoke("load", "--module", "tokens", "--version", "2.2.1", str(folder), "--db", db)
    assert as_emsp.exit_code == 0 and "2 created; 0 rejected" in as_emsp.output
    exported = json.loads(
        invoke("export", "--module", "tokens", "--version", "2.3.0", "--owner", "DE/TNM", "--db", db).output
    )
    assert sorted(t["type"] for t in exported) == ["APP_USER", "RFID"]


def test_load_and_export_mistakes(db: str, tmp_path: Path) -> None:
    assert "no such file" in one_line_error(invoke("load", "--module", "locations", "--version", "2.2.1", "nope.json"))
    not_json = tmp_path / "bad.json"
    not_json.write_text("{oops")
    assert "is not JSON" in one_line_error(
        invoke("load", "--module", "locations", "--version", "2.2.1", str(not_json), "--db", db)
    )
    assert invoke("load", "--module", "locations", "--version", "9.9", str(not_json)).exit_code == 2
    assert invoke("export", "--module", "nothing", "--version", "2.2.1", "--db", db).exit_code == 2
    assert invoke("export", "--module", "bookings", "--version", "2.2.1", "--db", db).exit_code == 2


@pytest.mark.parametrize(
    ("path", "inferred"),
    [
        ("2.2.1/examples/cdr_example.json", "valid OCPI 2.2.1 CDR (cdrs)"),
        ("2.2.1/examples/session_patch_example_charging_period.json", "valid OCPI 2.2.1 SessionPatch (sessions)"),
        ("2.3.0/examples/tariff_1_simple_2hour.json", "valid OCPI 2.3.0 Tariff (tariffs)"),
        # the oldest version that reads it as well
        ("2.2.1/examples/credentials_example.json", "valid OCPI 2.2.1 Credentials (credentials) (also valid as 2.3.0)"),
        ("2.2.1/examples/location_example.json", "valid OCPI 2.2.1 Location (locations) (also valid as 2.3.0)"),
        # a whole object over a PATCH body
        ("2.2.1/examples/location_put_example_add_evse.json", "invalid OCPI 2.2.1 EVSE (locations)"),
        # a fragment: the Location PATCH body it can be, in the one version that reads it without last_updated
        ("2.2.1/examples/location_regularhours_example.json", "valid OCPI 2.1.1 LocationPatch (locations)"),
        (
            "2.3.0/examples/payment_terminal_activate.json",
            "valid OCPI 2.3.0 Terminal (payments) (ambiguous: it fits 2.3.0 TerminalActivationRequest (payments) as "
            "well; give --module)",
        ),
    ],
)
def test_validate_infers_the_object_and_version(path: str, inferred: str) -> None:
    result = invoke("validate", str(EXAMPLES / path))
    assert result.exit_code == (1 if "invalid" in inferred else 0) and inferred in result.output


def test_validate_reports_each_error_with_its_path(tmp_path: Path) -> None:
    location = our_location("LOC1")
    location["evses"][0]["connectors"][1]["max_voltage"] = "lots"
    del location["address"]
    source = tmp_path / "location.json"
    source.write_text(json.dumps([our_location("OK"), location]))
    result = invoke("validate", str(source))
    assert result.exit_code == 1
    assert f"{source}[0]: valid OCPI 2.2.1 Location (locations) (also valid as 2.3.0)" in result.output
    assert f"{source}[1]: invalid OCPI 2.2.1 Location (locations) (also valid as 2.3.0), 2 deviations:" in result.output
    assert "  $[1].address: Field required [required: the object's table, Card.]" in result.output
    assert (
        "  $[1].evses[0].connectors[1].max_voltage: 'lots': Input should be a valid integer, unable to parse string "
        "as an integer [type: types]"
    ) in result.output
    pinned = invoke("validate", str(source), "--module", "locations", "--version", "2.1.1")
    assert pinned.exit_code == 1 and "invalid OCPI 2.1.1 Location" in pinned.output
    assert invoke("validate", str(source), "--module", "nothing").exit_code == 2


def test_convert_prints_the_object_and_its_losses() -> None:
    source = str(EXAMPLES / "2.2.1/examples/location_example.json")
    result = invoke("convert", "--module", "locations", "--from", "2.2.1", "--to", "2.1.1", source)
    assert result.exit_code == 0
    assert "/country_code: does not exist in 2.1.1" in result.output
    converted = json.loads(result.stdout)
    assert converted["id"] == "LOC1" and "country_code" not in converted

    fixture = str(Path(__file__).parents[1] / "fixtures/2.1.1/locations/location.json")
    ownerless = invoke("convert", "--module", "locations", "--from", "2.1.1", "--to", "2.3.0", fixture)
    assert "--party CC/PID" in one_line_error(ownerless)
    owned = invoke("convert", "--module", "locations", "--from", "2.1.1", "--to", "2.3.0", fixture, "--party", "NL/CPO")
    assert owned.exit_code == 0 and '"country_code": "NL"' in owned.output and "/time_zone: invented" in owned.output


def test_schema_of_any_object_or_enum() -> None:
    location = invoke("schema", "Location", "--version", "2.2.1")
    assert location.exit_code == 0
    assert {"evses", "time_zone"} <= set(json.loads(location.output)["properties"])
    enum = json.loads(invoke("schema", "ConnectorType", "--version", "2.1.1").output)
    assert "IEC_62196_T2" in enum["enum"]
    assert "before_taxes" in json.loads(invoke("schema", "price").output)["properties"]
    assert "did you mean Location" in one_line_error(invoke("schema", "Locaton"))


def seed_partner(db: str) -> tuple[int, str]:
    """A registered partner whose push of one object failed."""

    async def seed() -> tuple[int, str]:
        store = await SqlStore.open(db)
        try:
            party = await store.create_party(
                "Partner CPO",
                [PartyRole("CPO", "BE", "BEC")],
                state="registered",
                version="2.2.1",
                endpoints=[{"identifier": "locations", "url": "http://127.0.0.1:9/locations", "role": "SENDER"}],
                outbound_token="their-token",
            )
            token = await store.issue_token(TokenKind.C, party.pk)
            ledger = PushLedger(store)
            await ledger.cursor(party.pk)
            await ledger.fail(party.pk, 12345, "PUT https://partner.example: HTTP 503")
            return party.pk, token
        finally:
            await store.close()

    return asyncio.run(seed())


def test_parties_list_show_remove(db: str) -> None:
    assert (
        "No partners yet"
        in invoke("tokens", "create", "--db", db).output + invoke("parties", "list", "--db", db).output
    )
    pk, token = seed_partner(db)
    listed = invoke("parties", "list", "--db", db)
    assert listed.exit_code == 0 and re.search(r"Partner CPO\s*│ registered │ 2.2.1\s*│ CPO BE/BEC", listed.output)
    shown = invoke("parties", "show", "BE/BEC", "--db", db)
    assert shown.exit_code == 0
    assert "http://127.0.0.1:9/locations" in shown.output and "1 object failing" in shown.output
    assert "#12345 (deleted)" in shown.output and "HTTP 503" in shown.output
    assert "no partner" in one_line_error(invoke("parties", "show", "XX/YYY", "--db", db))

    removed = invoke("parties", "remove", str(pk), "--no-notify", "--db", db)
    assert removed.exit_code == 0 and "Removed Partner CPO" in removed.output
    assert "unregistered" in invoke("parties", "list", "--db", db).output
    assert re.search(rf"{hash_token(token)[:12]}.*revoked", invoke("tokens", "list", "--db", db).output)


def test_pull_mistakes(db: str) -> None:
    seed_partner(db)
    assert "no partner" in one_line_error(invoke("pull", "XX/YYY", "--db", db))
    assert invoke("pull", "BE/BEC", "--since", "yesterday", "--db", db).exit_code == 2
    assert invoke("pull", "BE/BEC", "--module", "commands", "--db", db).exit_code == 2
    private = invoke("pull", "BE/BEC", "--db", db)
    assert "refusing to call 'http://127.0.0.1:9/locations" in one_line_error(private)
    unreachable = invoke("pull", "BE/BEC", "--module", "locations", "--db", db, "--allow-private-urls")
    assert "Connection refused" in one_line_error(unreachable)


def test_export_reads_page_after_page_in_creation_order(db: str, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr("ocpi.cli.objects.EXPORT_PAGE", 2)
    ids = [f"LOC{n}" for n in range(5)]
    source = tmp_path / "locations.json"
    source.write_text(json.dumps([our_location(i) for i in ids]))
    assert invoke("load", "--module", "locations", "--version", "2.2.1", str(source), "--db", db).exit_code == 0
    exported = invoke("export", "--module", "locations", "--version", "2.2.1", "--db", db)
    assert [o["id"] for o in json.loads(exported.output)] == ids
