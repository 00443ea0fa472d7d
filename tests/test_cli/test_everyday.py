"""The `ocpi` command a person uses every day, run as a subprocess the way a shell runs it: help that answers
at once, tables that survive a pipe, and mistakes answered in one line that names the flag, variable or
database that fixes them."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ocpi.storage.base import PartyRole
from ocpi.storage.sql import SqlStore
from tests.spec import SPEC_DIR
from tests.test_cli.nodes import OCPI, cli_env, free_port

HEAVY = ("fastapi", "sqlalchemy", "uvicorn", "pydantic", "httpx", "ocpi.server", "ocpi.storage", "ocpi.modules")


def ocpi(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = cli_env(**env)
    environment.pop("COLUMNS")  # as in a pipe: no terminal says how wide
    return subprocess.run([OCPI, *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=120)


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in done.stderr, done.stderr
    return lines[0]


def test_help_lists_every_command_without_importing_them(tmp_path: Path) -> None:
    """Issue 21: `ocpi --help` imported every command (a node's schemas, server and store): 2 s. It now lists
    them from a table (0.2 s measured), whose lines this test keeps equal to the commands' own help."""
    script = (
        "import sys\n"
        "sys.argv = ['ocpi', '--help']\n"
        "from ocpi.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r} or m.startswith({HEAVY!r})),"
        " file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=cli_env(), timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "[]"
    assert "init" in done.stdout and "serve" in done.stdout and "check" in done.stdout

    import typer.main

    from ocpi.cli.main import COMMANDS, build, listing

    real = typer.main.get_command(build()).commands  # type: ignore[attr-defined]
    listed = typer.main.get_command(listing()).commands  # type: ignore[attr-defined]
    assert set(listed) == set(real)
    for name in COMMANDS:
        assert listed[name].get_short_help_str(1000) == real[name].get_short_help_str(1000), name


def test_tables_keep_their_columns_in_a_pipe(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'ocpi.db'}"

    async def partner() -> None:
        store = await SqlStore.open(db)
        roles = [PartyRole("EMSP", "DE", "EMS"), PartyRole("CPO", "DE", "CPO")]
        await store.create_party("ocpi-python EMSP DE/EMS with a long name", roles, state="registered")
        await store.close()

    asyncio.run(partner())
    listed = ocpi("parties", "list", "--db", db, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if line.startswith("│ 1 "))
    assert "ocpi-python EMSP DE/EMS with a long name" in row and "EMSP DE/EMS, CPO DE/CPO" in row


def test_mistakes_name_what_fixes_them(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'ocpi.db'}"
    assert ocpi("init", "--db", db, cwd=tmp_path).returncode == 0

    missing = one_line_error(ocpi("pull", "NL/CPO", "--db", db, cwd=tmp_path))
    assert missing == f"error: no partner 'NL/CPO' in {db} (see `ocpi parties list --db {db}`)"

    port = free_port()
    down = one_line_error(ocpi("parties", "list", "--db", f"postgresql://postgres@127.0.0.1:{port}/x", cwd=tmp_path))
    assert f"(is PostgreSQL running at 127.0.0.1:{port}?)" in down

    mysql = one_line_error(ocpi("tokens", "list", "--db", "mysql://user@localhost/ocpi", cwd=tmp_path))
    assert mysql == (
        "error: mysql databases are not supported: use SQLite (sqlite:///./ocpi.db) or PostgreSQL "
        "(postgresql://user:password@host:5432/database)"
    )

    token = tmp_path / "token.json"
    token.write_text((SPEC_DIR / "2.2.1/examples/token_example_1_app_user.json").read_text())  # DE/TNM
    loaded = ocpi("load", "--module", "tokens", "--version", "2.2.1", str(token), "--db", db, cwd=tmp_path)
    assert loaded.returncode == 1
    assert "owner DE/TNM is not this node's party (NL/EMS): load it with --party DE/TNM" in loaded.stderr


def test_convert_speaks_in_flags_and_counts_right(tmp_path: Path) -> None:
    session = str(SPEC_DIR / "2.2.1/examples/session_example_1_simple_start.json")
    down = ocpi("convert", "--module", "sessions", "--from", "2.2.1", "--to", "2.1.1", session, cwd=tmp_path)
    assert down.returncode == 0 and "ConversionContext" not in down.stderr
    assert "give the Location with --location FILE to fill them" in down.stderr
    assert down.stderr.startswith("4 losses (2.2.1 -> 2.1.1):")

    location = str(SPEC_DIR / "2.2.1/examples/location_example.json")
    full = ocpi(
        "convert",
        "--module",
        "sessions",
        "--from",
        "2.2.1",
        "--to",
        "2.1.1",
        session,
        "--location",
        location,
        cwd=tmp_path,
    )
    assert full.returncode == 0 and "placeholders" not in full.stderr
    assert json.loads(full.stdout)["location"]["address"] == json.loads(Path(location).read_text())["address"]

    fixture = str(Path(__file__).parents[1] / "fixtures/2.1.1/locations/location.json")
    ownerless = one_line_error(
        ocpi("convert", "--module", "locations", "--from", "2.1.1", "--to", "2.3.0", fixture, cwd=tmp_path)
    )
    assert "pass --party CC/PID of its owner" in ownerless and "ConversionContext" not in ownerless

    cdr = str(SPEC_DIR / "2.2.1/examples/cdr_example.json")
    one = ocpi("convert", "--module", "cdrs", "--from", "2.2.1", "--to", "2.3.0", cdr, cwd=tmp_path)
    assert one.returncode == 0 and one.stderr.startswith("1 loss (2.2.1 -> 2.3.0):\n"), one.stderr


@pytest.mark.parametrize("command", [["tokens", "list"], ["parties", "list"]])
def test_reading_commands_on_a_missing_database_say_so(tmp_path: Path, command: list[str]) -> None:
    error = one_line_error(ocpi(*command, "--db", "sqlite:///./nothing.db", cwd=tmp_path))
    assert error == "error: no database at ./nothing.db (start a node with `ocpi serve --db sqlite:///./nothing.db`)"
