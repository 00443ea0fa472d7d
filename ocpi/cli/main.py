"""Typer application: `ocpi <command>`. Each command group lives in its own module under `ocpi/cli/` and is
registered in `COMMAND_MODULES`."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable

import typer
from rich.console import Console
from rich.table import Table

from ocpi import __version__
from ocpi.core.enums import MODULES_BY_VERSION, SUPPORTED_VERSIONS

console = Console()

# Command (first word) -> the module under ocpi/cli/ whose `register(app)` adds it.
COMMANDS: dict[str, str] = {
    "init": "identity",
    "serve": "serve",
    "tokens": "tokens",
    "parties": "parties",
    "register": "partners",
    "pull": "partners",
    "load": "objects",
    "export": "objects",
    "validate": "payloads",
    "convert": "payloads",
    "schema": "payloads",
    "afir": "afir",
    "price": "price",
    "check": "check",
}
COMMAND_MODULES: list[str] = list(dict.fromkeys(COMMANDS.values()))


def info() -> None:
    """The versions and modules this library implements."""
    table = Table(title=f"ocpi-python {__version__}")
    table.add_column("version")
    table.add_column("modules")
    for version in SUPPORTED_VERSIONS:
        table.add_row(str(version), ", ".join(str(m) for m in MODULES_BY_VERSION[version]))
    console.print(table)


def build(modules: Iterable[str] = COMMAND_MODULES) -> typer.Typer:
    """The Typer app with the commands of `modules` (all by default)."""
    built = typer.Typer(
        name="ocpi",
        help="OCPI 2.1.1, 2.2.1 and 2.3.0: run a node, talk to partners, check them.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
    )

    @built.callback()
    def _root() -> None:
        """OCPI 2.1.1, 2.2.1 and 2.3.0: run a node, talk to partners, check them."""

    built.command()(info)
    for name in modules:
        importlib.import_module(f"ocpi.cli.{name}").register(built)
    return built


def __getattr__(name: str) -> typer.Typer:
    """`ocpi.cli.main.app`: every command, built on first use."""
    if name != "app":
        raise AttributeError(name)
    globals()["app"] = built = build()
    return built


def main() -> None:
    """The console script: imports only the module of the command being run (a node's schemas and server
    take a while to import), every module for `--help` and anything unknown."""
    first = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    module = COMMANDS.get(first or "")
    build([module] if module else COMMAND_MODULES)()
