"""`ocpi check VERSIONS_URL --token T`: is a remote OCPI party conformant? Exit status 0 when every check
passed or was skipped, 1 when one failed, 2 on a mistake of ours to fix (bad URL, unreachable peer, refused
token)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
from rich.console import Console

from ocpi.conformance import Options, Report, UserError, print_table, run, to_html


def _party(value: str) -> tuple[str, str]:
    country_code, _, party_id = value.partition("/")
    if len(country_code) != 2 or not 1 <= len(party_id) <= 3:
        raise UserError(f"--party {value!r}: expected COUNTRY_CODE/PARTY_ID, e.g. NL/CHK")
    return country_code.upper(), party_id.upper()


def _listen(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise UserError(f"--listen {value!r}: expected HOST:PORT, e.g. 127.0.0.1:0")
    return host, int(port)


def _report_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in (".json", ".html", ".htm"):
        raise UserError(f"--report {path}: the file name must end in .json or .html")
    return suffix


def _write_report(report: Report, path: Path) -> None:
    text = report.to_json() + "\n" if _report_format(path) == ".json" else to_html(report)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UserError(f"cannot write the report to {path}: {error.strerror or error}") from error


async def _keep(report: Report, db: str) -> str:
    """Keep the report with the partner it checked, for the operator's console; says what was done."""
    from ocpi.cli.common import open_store, shown_url
    from ocpi.storage.operations import party_by_versions_url, save_check_report

    async with open_store(db, must_exist=True) as store:
        party = await party_by_versions_url(store, report.versions_url)
        if party is None:
            return f"Not kept: no partner is registered at {report.versions_url} in {shown_url(db)}."
        await save_check_report(store, party.pk, report.to_dict())
    return f"Kept with {party.name} (#{party.pk}): the console shows it."


def check(
    versions_url: str = typer.Argument(..., help="The peer's versions endpoint."),
    token: str = typer.Option(..., "--token", envvar="OCPI_CHECK_TOKEN", help="Token of a registered partner (C)."),
    version: str | None = typer.Option(None, "--version", help="2.1.1, 2.2.1 or 2.3.0 (default: highest common)."),
    module: list[str] = typer.Option([], "--module", help="Only these sender lists (repeatable)."),
    report_file: Path | None = typer.Option(None, "--report", help="Also write FILE.json or FILE.html."),
    write: bool = typer.Option(False, "--write", help="Also run the write checks (needs --token-a; a sandbox!)."),
    token_a: str | None = typer.Option(None, "--token-a", envvar="OCPI_CHECK_TOKEN_A", help="Registration token."),
    party: str = typer.Option("ZZ/CHK", "--party", help="Our COUNTRY_CODE/PARTY_ID as the CPO of --write."),
    listen: str = typer.Option("127.0.0.1:0", "--listen", help="Where our node listens during --write."),
    public_url: str | None = typer.Option(None, "--public-url", help="Where the peer reaches our node."),
    max_pages: int = typer.Option(50, "--max-pages", min=1, help="Pages read at most per list."),
    db: str | None = typer.Option(
        None, "--db", help="Keep the report with the partner registered at VERSIONS_URL in this node's database."
    ),
) -> None:
    """Check a remote OCPI party against the spec: versions, authentication, envelope, pagination, objects,
    and with --write the handshake, pushes, rotation and unregistering."""
    try:
        if version is not None and version not in ("2.1.1", "2.2.1", "2.3.0"):
            raise UserError(f"--version {version!r}: choose 2.1.1, 2.2.1 or 2.3.0")
        if report_file is not None:
            _report_format(report_file)
        options = Options(
            versions_url=versions_url,
            token=token,
            version=version,
            modules=tuple(module),
            write=write,
            token_a=token_a,
            party=_party(party),
            listen=_listen(listen),
            public_url=public_url,
            max_pages=max_pages,
        )
        report = asyncio.run(run(options))
        print_table(report, Console())
        if report_file is not None:
            _write_report(report, report_file)
        if db is not None:
            from ocpi.cli.common import run as run_command

            typer.echo(run_command(_keep(report, db)), err=True)
    except UserError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    raise typer.Exit(report.exit_status)


def register(app: typer.Typer) -> None:
    app.command(name="check")(check)
