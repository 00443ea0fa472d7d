"""`ocpi load` (the node's own objects from JSON files, validated, stored and pushed) and `ocpi export` (any
module in any version from the one store)."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import typer
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ocpi.cli.common import (
    VERSIONS,
    DbOption,
    PartyOption,
    Role,
    RoleOption,
    UserError,
    err,
    open_node,
    open_store,
    out,
    parse_party,
    read_json,
    run,
)
from ocpi.core.errors import OcpiError
from ocpi.core.interfaces import ObjectType
from ocpi.core.validation import json_path
from ocpi.modules.registry import FUNCTIONAL_MODULES, module_interfaces
from ocpi.node.node import OwnObjects
from ocpi.storage.base import ListQuery, read_every_item

PROGRESS_FROM = 50
"""Show a progress bar from this many objects on."""
EXPORT_PAGE = 1000


def stored_types() -> dict[str, ObjectType]:
    """Every object type the store keeps, by its name (`locations`, `payments.terminals`, ...); a module's name
    also stands for its first object type (`payments` for its terminals)."""
    found: dict[str, ObjectType] = {}
    for module in FUNCTIONAL_MODULES:
        interfaces = module_interfaces(module)
        for side in (interfaces.sender, interfaces.receiver):
            for pattern in side.patterns if side else ():
                for value in vars(pattern).values():
                    if isinstance(value, ObjectType):
                        found.setdefault(value.module, value)
                        found.setdefault(module, value)
    return found


def _version(version: str) -> str:
    if version not in VERSIONS:
        raise typer.BadParameter(f"{version!r} is not one of {', '.join(VERSIONS)}", param_hint="--version")
    return version


@dataclass
class LoadReport:
    outcomes: Counter[str] = field(default_factory=Counter)
    rejected: list[tuple[str, list[str]]] = field(default_factory=list)


def _items(source: str) -> list[tuple[str, Any]]:
    items = []
    for document in read_json(source):
        if isinstance(document.data, list):
            items += [(f"{document.name}[{i}]", item) for i, item in enumerate(document.data)]
        else:
            items.append((document.name, document.data))
    return items


def _owner(own: OwnObjects, version: str, payload: dict[str, Any]) -> tuple[str, str]:
    """The object's owner: one of this node's parties. 2.1.1 objects carry none: the node's first party of
    the role that owns the module."""
    first = own.owners[0]
    if version == "2.1.1" or not own.object_type.owned:
        return first.country_code, first.party_id
    cc, pid = str(payload.get("country_code", "")).upper(), str(payload.get("party_id", "")).upper()
    ours = [(p.country_code.upper(), p.party_id.upper()) for p in own.owners]
    if (cc, pid) not in ours:
        shown = ", ".join(f"{c}/{p}" for c, p in ours)
        raise UserError(f"owner {cc}/{pid} is not this node's party ({shown}): load it with --party {cc}/{pid}")
    return cc, pid


def load(
    source: str = typer.Argument(..., help="A JSON file (one object or a list), a directory of them, or - (stdin)."),
    module: str = typer.Option(..., "--module", help="locations, sessions, cdrs, tariffs, tokens, ..."),
    version: str = typer.Option(..., "--version", help="The OCPI version the objects are written in."),
    db: str = DbOption,
    role: list[Role] | None = RoleOption,
    party: list[str] | None = PartyOption,
) -> None:
    """Import objects as this node's own (validated, stored, pushed to partners).

    Each object is validated and stored whole or not at all; `ocpi serve` on the same --db pushes it to every
    registered partner. Rejected objects are listed with the JSON path of each error; the exit status is 1
    when any was rejected."""
    version = _version(version)

    async def main() -> LoadReport:
        items = _items(source)
        report = LoadReport()
        async with open_node(db, role, party) as node:
            try:
                own = node.own(module)
            except (LookupError, ModuleNotFoundError) as error:
                raise UserError(f"cannot load {module}: {error}") from None
            model = own.object_type.models.get(version)
            if model is None:
                raise UserError(f"{own.object_type.name} does not exist in OCPI {version}")
            with Progress(
                TextColumn(f"Loading {module}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=err,
                disable=len(items) < PROGRESS_FROM,
            ) as progress:
                task = progress.add_task("load", total=len(items))
                for name, payload in items:
                    progress.advance(task)
                    try:
                        model.model_validate(payload)
                    except ValidationError as error:
                        errors = [f"{json_path(e['loc'])}: {e['msg']}" for e in error.errors(include_url=False)]
                        report.rejected.append((name, errors))
                        continue
                    try:
                        result = await own.put(payload, version=version, owner=_owner(own, version, payload))
                    except (OcpiError, UserError) as error:
                        report.rejected.append((name, [str(getattr(error, "message", error))]))
                        continue
                    report.outcomes[result.outcome.value] += 1
        return report

    report = run(main())
    counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(report.outcomes.items())) or "nothing stored"
    out.print(f"{module} ({version}): {counts}; {len(report.rejected)} rejected", highlight=False)
    for name, errors in report.rejected:
        err.print(f"rejected {name}:", highlight=False)
        for line in errors:
            err.print(f"  {line}", highlight=False)
    if report.rejected:
        raise typer.Exit(1)


def export(
    module: str = typer.Option(..., "--module", help="locations, sessions, ..., or payments.confirmations"),
    version: str = typer.Option(..., "--version", help="The OCPI version to write."),
    owner: str | None = typer.Option(None, "--owner", help="Only the objects of this CC/PID."),
    db: str = DbOption,
) -> None:
    """Every object of a module in the store, in one OCPI version, as a JSON list.

    Ours and our partners' objects; those that cannot be expressed in that version are left out."""
    version = _version(version)
    types = stored_types()
    if module not in types:
        raise typer.BadParameter(f"{module!r} is not one of {', '.join(sorted(types))}", param_hint="--module")
    object_type = types[module]
    if version not in object_type.models:
        raise typer.BadParameter(f"{object_type.name} does not exist in OCPI {version}", param_hint="--version")

    async def main() -> list[bytes]:
        owners = [parse_party(owner)] if owner else None
        async with open_store(db, must_exist=True) as store:
            return await read_every_item(store, ListQuery(object_type.module, version, owners, limit=EXPORT_PAGE))

    items = run(main())
    # One object per line, exactly as stored: the numbers keep their digits.
    sys.stdout.buffer.write(b"[\n" + b",\n".join(items) + (b"\n]\n" if items else b"]\n"))
    sys.stdout.buffer.flush()


def register(app: typer.Typer) -> None:
    app.command("load")(load)
    app.command("export")(export)
