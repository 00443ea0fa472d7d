"""Typer application: `ocpi <command>`. Each command group lives in its own module under `ocpi/cli/` and is
registered in `COMMAND_MODULES`."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable

import typer
from rich.console import Console
from rich.table import Table

from ocpi.core.versions import LIBRARY_VERSION

console = Console()

# Command (first word) -> the module under ocpi/cli/ whose `register(app)` adds it, and its line in `ocpi --help`
# (kept equal to the command's own help by tests/test_cli/test_help.py).
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("identity", "Keep this node's roles and parties in its database, or show those it keeps."),
    "serve": (
        "serve",
        "Run an OCPI node: every module of its roles, in every version, with push to registered partners.",
    ),
    "register": ("partners", "Register with a partner, given its versions URL and the token A it gave you."),
    "pull": ("partners", "GET a partner's lists (every page) into this node's store."),
    "load": ("objects", "Import objects as this node's own (validated, stored, pushed to partners)."),
    "export": ("objects", "Every object of a module in the store, in one OCPI version, as a JSON list."),
    "validate": ("payloads", "Validate a payload strictly: each deviation with its JSON path and rule."),
    "convert": ("payloads", "Convert objects between OCPI versions, with what the crossing costs."),
    "schema": ("payloads", "The JSON Schema of any object or enum of any version."),
    "price": ("price", "Price a CDR or a Session against a Tariff, piece by piece."),
    "check": ("check", "Check a partner's OCPI platform against the spec (a registered one by --party)."),
    "tokens": ("tokens", "Credentials tokens: token A for a new partner, those issued, revocation."),
    "secrets": ("secrets", "The node key that encrypts the partner tokens kept in the database."),
    "parties": ("parties", "Registered partners: versions, roles, endpoints, push delivery state."),
    "afir": ("afir", "AFIR (EU 2023/1804): data completeness for National Access Points."),
}
COMMAND_MODULES: list[str] = list(dict.fromkeys(module for module, _ in COMMANDS.values()))


def info() -> None:
    """The versions and modules this library implements."""
    from ocpi.core.enums import MODULES_BY_VERSION, SUPPORTED_VERSIONS

    table = Table(title=f"ocpi-python {LIBRARY_VERSION}")
    table.add_column("version")
    table.add_column("modules")
    for version in SUPPORTED_VERSIONS:
        table.add_row(str(version), ", ".join(str(m) for m in MODULES_BY_VERSION[version]))
    console.print(table)


def _app() -> typer.Typer:
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
    return built


def build(modules: Iterable[str] = COMMAND_MODULES) -> typer.Typer:
    """The Typer app with the commands of `modules` (all by default)."""
    built = _app()
    for name in modules:
        importlib.import_module(f"ocpi.cli.{name}").register(built)
    return built


def listing() -> typer.Typer:
    """`ocpi`, `ocpi --help` (or an unknown command): every command listed with its line of help, none of them
    imported (a node's schemas, server and store take over a second to import)."""
    built = _app()
    for name, (_, text) in COMMANDS.items():
        built.command(name, help=text, add_help_option=False)(_listed_only)
    return built


def _listed_only() -> None:
    raise AssertionError("a command of the listing ran: main() builds the real one for a command it is given")


def __getattr__(name: str) -> typer.Typer:
    """`ocpi.cli.main.app`: every command, built on first use."""
    if name != "app":
        raise AttributeError(name)
    globals()["app"] = built = build()
    return built


def main() -> None:
    """The console script: imports only the module of the command being run (a node's schemas and server
    take a while to import); the listing for `--help` and anything unknown."""
    first = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    if first == "info":
        build([])()
    elif first in COMMANDS:
        build([COMMANDS[first][0]])()
    else:
        listing()()
