"""`ocpi afir report`: is the data this node publishes to a National Access Point complete under AFIR?"""

from __future__ import annotations

import asyncio
import enum
import sys
from pathlib import Path

import typer
from rich.console import Console
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from ocpi.afir.report import Report, print_table, report_of_store, to_html
from ocpi.storage.sql import SqlStore


class OutputFormat(enum.StrEnum):
    table = "table"
    json = "json"
    html = "html"


afir_app = typer.Typer(help="AFIR (EU 2023/1804): data completeness for National Access Points.", no_args_is_help=True)


class UserError(Exception):
    """A mistake the user can fix: reported in one line, exit status 2."""


def _check_url(url: str) -> str:
    """The URL without its password, for messages; fails early on what cannot be a database URL."""
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise UserError(f"not a database URL: {url!r}") from error
    # Opening a missing SQLite file would create an empty database and report nothing.
    database = parsed.database if parsed.get_backend_name() == "sqlite" else None
    if database not in (None, "", ":memory:") and not Path(str(database)).is_file():
        raise UserError(f"no database file at {parsed.database}")
    return parsed.render_as_string(hide_password=True)


async def _load(url: str) -> Report:
    shown = _check_url(url)
    try:
        store = await SqlStore.open(url, create=False)
    except (ArgumentError, ImportError, ValueError) as error:
        raise UserError(f"cannot use database URL {shown}: {error}") from error
    try:
        return await report_of_store(store)
    except (SQLAlchemyError, OSError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UserError(f"cannot read OCPI data from {shown}: {reason}") from error
    finally:
        await store.close()


@afir_app.command()
def report(
    db: str = typer.Option("sqlite:///./ocpi.db", "--db", envvar="OCPI_DB", help="Database URL of the store."),
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, json or html."),
) -> None:
    """Check every Location and Tariff of the store against AFIR.

    Exit status 1 when a public location misses a mandatory item, 2 on a database the command cannot read.
    """
    try:
        result = asyncio.run(_load(db))
    except UserError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    if output_format is OutputFormat.json:
        sys.stdout.write(result.to_json() + "\n")
    elif output_format is OutputFormat.html:
        sys.stdout.write(to_html(result) + "\n")
    else:
        print_table(result, Console())
    raise typer.Exit(result.exit_status)


def register(app: typer.Typer) -> None:
    app.add_typer(afir_app, name="afir")
