"""`ocpi check VERSIONS_URL --token T` (any party) or `ocpi check --party NL/CPO` (a registered partner, with
the credentials stored for it): is a remote OCPI party conformant? Exit status 0 when every check passed or
was skipped, 1 when one failed, 2 on a mistake of ours to fix (bad URL, unreachable peer, refused token)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
from rich.console import Console

from ocpi.cli.common import DbOption, find_party, open_store
from ocpi.cli.common import UserError as CliUserError
from ocpi.cli.common import run as run_command
from ocpi.conformance import Options, Report, UserError, print_table, run, to_html
from ocpi.core.versions import SUPPORTED_VERSIONS


def _party(value: str, option: str = "--own-party") -> tuple[str, str]:
    country_code, _, party_id = value.partition("/")
    if len(country_code) != 2 or not 1 <= len(party_id) <= 3:
        raise UserError(f"{option} {value!r}: expected COUNTRY_CODE/PARTY_ID, e.g. NL/CHK")
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


def _registered(reference: str, db: str) -> tuple[str, str, str | None]:
    """A registered partner's versions URL, the token it gave us (C) and the version we speak with it."""

    async def main() -> tuple[str, str, str | None]:
        async with open_store(db, must_exist=True) as store:
            found = await find_party(store, reference)
        if found.state != "registered" or not found.outbound_token or not found.versions_url:
            state = f"{found.name} (#{found.pk}) is not registered ({found.state})"
            raise CliUserError(f"{state}: give its VERSIONS_URL and --token")
        return found.versions_url, found.outbound_token, found.version

    return run_command(main())


async def _keep(report: Report, db: str) -> str | None:
    """Keep the report with the registered partner it checked, for the operator's console; says so. Nothing
    when no database is there or no partner is registered at the URL checked."""
    from ocpi.storage.operations import party_by_versions_url, save_check_report

    try:
        async with open_store(db, must_exist=True) as store:
            party = await party_by_versions_url(store, report.versions_url)
            if party is None:
                return None
            await save_check_report(store, party.pk, report.to_dict())
    except CliUserError:
        return None
    return f"Kept with {party.name} (#{party.pk}): the console shows it."


def check(
    versions_url: str | None = typer.Argument(
        None, help="The peer's versions endpoint (with --party: the one the partner registered with)."
    ),
    party: str | None = typer.Option(
        None, "--party", help="A partner registered in --db (number, CC/PID or name): its URL and our token for it."
    ),
    db: str = DbOption,
    token: str | None = typer.Option(
        None, "--token", envvar="OCPI_CHECK_TOKEN", help="Token of a registered partner (C); with --party, stored."
    ),
    version: str | None = typer.Option(None, "--version", help="2.1.1, 2.2.1 or 2.3.0 (default: highest common)."),
    module: list[str] = typer.Option([], "--module", help="Only these sender lists (repeatable)."),
    report_file: Path | None = typer.Option(None, "--report", help="Also write FILE.json or FILE.html."),
    write: bool = typer.Option(False, "--write", help="Also run the write checks (needs --token-a; a sandbox!)."),
    token_a: str | None = typer.Option(None, "--token-a", envvar="OCPI_CHECK_TOKEN_A", help="Registration token."),
    own_party: str = typer.Option("ZZ/CHK", "--own-party", help="Our COUNTRY_CODE/PARTY_ID as the CPO of --write."),
    listen: str = typer.Option("127.0.0.1:0", "--listen", help="Where our node listens during --write."),
    public_url: str | None = typer.Option(None, "--public-url", help="Where the peer reaches our node."),
    max_pages: int = typer.Option(50, "--max-pages", min=1, help="Pages read at most per list."),
    to: str | None = typer.Option(None, "--to", help="Check this CC/PID, reached through the hub at VERSIONS_URL."),
    from_party: str | None = typer.Option(None, "--from", help="Our CC/PID at the hub (OCPI-from of our requests)."),
) -> None:
    """Check a partner's OCPI platform against the spec (a registered one by --party).

    Versions, authentication, envelope, pagination, objects, and with --write the handshake, pushes, rotation
    and unregistering. A Roaming Hub is also checked against the hub's rules; --to CC/PID checks a party through
    the hub."""
    if party is not None:
        stored_url, stored_token, stored_version = _registered(party, db)
        versions_url, token = versions_url or stored_url, token or stored_token
        version = version or stored_version
    try:
        if versions_url is None or token is None:
            raise UserError("give the partner's VERSIONS_URL and --token, or --party of a partner registered in --db")
        if version is not None and version not in SUPPORTED_VERSIONS:
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
            party=_party(own_party),
            listen=_listen(listen),
            public_url=public_url,
            max_pages=max_pages,
            to=None if to is None else _party(to, "--to"),
            from_party=None if from_party is None else _party(from_party, "--from"),
        )
        report = asyncio.run(run(options))
        print_table(report, Console())
        if report_file is not None:
            _write_report(report, report_file)
        kept = run_command(_keep(report, db))
        if kept is not None:
            typer.echo(kept, err=True)
    except UserError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    raise typer.Exit(report.exit_status)


def register(app: typer.Typer) -> None:
    app.command(name="check")(check)
