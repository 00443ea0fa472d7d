"""Typer application: `ocpi <command>`. Each command group lives in its own module under `ocpi/cli/` and is
registered in `COMMAND_MODULES`."""

from __future__ import annotations

import importlib

import typer
from rich.console import Console
from rich.table import Table

from ocpi import __version__
from ocpi.core.enums import MODULES_BY_VERSION, SUPPORTED_VERSIONS

app = typer.Typer(
    name="ocpi",
    help="OCPI 2.1.1, 2.2.1 and 2.3.0: run a node, talk to partners, check them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()

# Modules with a `register(app: typer.Typer) -> None` adding their commands.
COMMAND_MODULES: list[str] = ["serve", "tokens", "parties", "partners", "objects", "payloads", "afir", "price", "check"]


@app.callback()
def _root() -> None:
    """OCPI 2.1.1, 2.2.1 and 2.3.0: run a node, talk to partners, check them."""


@app.command()
def info() -> None:
    """The versions and modules this library implements."""
    table = Table(title=f"ocpi-python {__version__}")
    table.add_column("version")
    table.add_column("modules")
    for version in SUPPORTED_VERSIONS:
        table.add_row(str(version), ", ".join(str(m) for m in MODULES_BY_VERSION[version]))
    console.print(table)


for _name in COMMAND_MODULES:
    importlib.import_module(f"ocpi.cli.{_name}").register(app)


def main() -> None:
    app()
