"""`ocpi validate`, `ocpi convert` and `ocpi schema`: payloads of any module and version, without a node."""

from __future__ import annotations

import dataclasses
import difflib
import enum
import importlib
import json
import re
from typing import Any

import typer
from pydantic import BaseModel, TypeAdapter

from ocpi.cli.common import VERSIONS, UserError, err, parse_party, plural, read_json, user_errors
from ocpi.core import data_types
from ocpi.core.convert import ConversionContext, Loss
from ocpi.core.model import OcpiModel, PatchModel
from ocpi.core.validation import deviations, json_path
from ocpi.modules.identify import MODULES, Identification, identify, schemas_of


def _candidates(module: str | None, version: str | None) -> None:
    """Refuse an unknown --module or --version as Typer does for a bad parameter."""
    if module is not None and module not in MODULES:
        raise typer.BadParameter(f"{module!r} is not one of {', '.join(MODULES)}", param_hint="--module")
    if version is not None and version not in VERSIONS:
        raise typer.BadParameter(f"{version!r} is not one of {', '.join(VERSIONS)}", param_hint="--version")


def validate(
    source: str = typer.Argument(..., help="A JSON file (an object, a list, or a whole OCPI response), or -."),
    module: str | None = typer.Option(None, "--module", help="The module. Default: inferred."),
    version: str | None = typer.Option(None, "--version", help="The OCPI version. Default: inferred."),
) -> None:
    """Validate a payload strictly: each deviation with its JSON path and rule.

    Strict where the node is lenient: a DateTime without seconds, a number written as a string, a latitude
    with four decimals are deviations here. Without --module/--version it infers the object and version (a
    whole object over a PATCH body, the oldest version that reads it) and says so, and when the guess is
    ambiguous. The exit status is 1 when any payload deviates."""
    _candidates(module, version)

    def check() -> bool:
        exact = True
        for document in read_json(source):
            items = document.data if isinstance(document.data, list) else [document.data]
            roots = [f"$[{i}]" for i in range(len(items))] if isinstance(document.data, list) else ["$"]
            identification = _identify(items, module, version)
            chosen = identification.chosen
            also = identification.also_valid_as
            unknown = identification.fits[0].unknown
            notes = [f"{unknown} field{'s' if unknown > 1 else ''} it does not know"] if unknown else []
            if also:
                notes.append(f"also valid as {', '.join(also)}")
            if identification.ambiguous:
                others = ", ".join(f"{c.version} {c.name} ({c.module})" for c in identification.ambiguous[:4])
                more = len(identification.ambiguous) - 4
                others += f" and {more} more" if more > 0 else ""
                notes.append(f"ambiguous: it fits {others} as well; give --module")
            suffix = f" ({'; '.join(notes)})" if notes else ""
            for payload, root in zip(items, roots, strict=True):
                found = deviations(chosen.model, payload, version=chosen.version)
                name = f"{document.name}{root[1:]}"
                if not found:
                    print(f"{name}: valid {chosen}{suffix}")
                    continue
                exact = False
                print(f"{name}: invalid {chosen}{suffix}, {plural(len(found), 'deviations')}:")
                for deviation in found:
                    rule = deviation.rule
                    print(f"  {root}{deviation.path[1:]}: {deviation.detail} [{rule.id}: {rule.spec}]")
        return exact

    with user_errors():
        if not check():
            raise typer.Exit(1)


def _identify(items: list[Any], module: str | None, version: str | None) -> Identification:
    """The object the items are, judged on the first item that some candidate reads (else on the first)."""
    if not items:
        raise UserError("an empty list: nothing to validate")
    for item in items:
        identification = identify(item, module, version)
        if identification.fits[0].valid:
            return identification
    return identify(items[0], module, version)


def convert(
    source: str = typer.Argument(..., help="A JSON file (an object or a list), or - (stdin)."),
    module: str = typer.Option(..., "--module", help="The module of the object."),
    from_version: str = typer.Option(..., "--from", help="The version the object is written in."),
    to_version: str = typer.Option(..., "--to", help="The version to write."),
    party: str | None = typer.Option(None, "--party", help="Owner CC/PID: 2.1.1 objects do not carry one."),
    location: str | None = typer.Option(
        None, "--location", help="The Location (in the --from version) a Session or CDR refers to: 2.1.1 embeds it."
    ),
) -> None:
    """Convert objects between OCPI versions, with what the crossing costs.

    Through the canonical (2.3.0) form. Prints the result on stdout and the losses (fields dropped, invented,
    changed) on stderr."""
    _candidates(module, from_version)
    if to_version not in VERSIONS:
        raise typer.BadParameter(f"{to_version!r} is not one of {', '.join(VERSIONS)}", param_hint="--to")
    converter = importlib.import_module(f"ocpi.modules.{module}.convert")

    def convert_all() -> tuple[list[Any], list[tuple[str, Loss]], bool]:
        owner = parse_party(party) if party else (None, None)
        context = ConversionContext(country_code=owner[0], party_id=owner[1])
        if location is not None:
            context = dataclasses.replace(context, location=_canonical_location(location, from_version, context))
        results: list[Any] = []
        losses: list[tuple[str, Loss]] = []
        single = True
        for document in read_json(source):
            items = document.data if isinstance(document.data, list) else [document.data]
            single = single and not isinstance(document.data, list)
            for index, payload in enumerate(items):
                name = document.name if not isinstance(document.data, list) else f"{document.name}[{index}]"
                best = identify(payload, module, from_version).fits[0]
                if not best.valid:
                    lines = "; ".join(f"{json_path(e['loc'])}: {e['msg']}" for e in best.errors[:5])
                    raise UserError(f"{name} is not a valid {module} object of OCPI {from_version}: {lines}")
                obj = best.candidate.model.model_validate(payload)
                try:
                    up = converter.to_canonical(obj, from_version, context)
                    down = converter.from_canonical(up.value, to_version, context)
                except (ValueError, TypeError) as error:
                    raise UserError(f"{name} cannot be converted: {_in_cli_words(str(error))}") from None
                results.append(down.value)
                losses += [(name, loss) for loss in [*up.losses, *down.losses]]
        return results, losses, single and len(results) == 1

    with user_errors():
        results, losses, single = convert_all()
    dumped = [r.to_dict() if isinstance(r, OcpiModel) else r.model_dump(mode="json") for r in results]
    print(json.dumps(dumped[0] if single else dumped, indent=2, ensure_ascii=False))
    if losses:
        err.print(f"{plural(len(losses), 'losses', 'loss')} ({from_version} -> {to_version}):", highlight=False)
        for name, loss in losses:
            where = loss.pointer if single else f"{name} {loss.pointer}"
            err.print(f"  {where}: {_in_cli_words(loss.reason)}", highlight=False)
    else:
        err.print(f"no losses ({from_version} -> {to_version})", highlight=False)


# What the conversion API asks of a program, as the flags of `ocpi convert` give it.
_CLI_WORDS = (
    (re.compile(r"ConversionContext\(country_code[^)]*\)"), "--party CC/PID"),
    (re.compile(r"pass ConversionContext\.location"), "give the Location with --location FILE"),
)


def _in_cli_words(text: str) -> str:
    for library, flag in _CLI_WORDS:
        text = library.sub(flag, text)
    return text


def _canonical_location(source: str, version: str, context: ConversionContext) -> Any:
    """The Location of `--location`, written in `version`, as the canonical (2.3.0) Location."""
    (document,) = read_json(source)[:1]
    best = identify(document.data, "locations", version).fits[0]
    if not best.valid or best.candidate.name != "Location":
        raise UserError(f"--location {source}: not an OCPI {version} Location")
    converter = importlib.import_module("ocpi.modules.locations.convert")
    return converter.to_canonical(best.candidate.model.model_validate(document.data), version, context).value


def _named(version: str) -> dict[str, list[tuple[str, Any]]]:
    """Every model and enum of a version's schemas, by lower-case name: (module, object) pairs."""
    found: dict[str, list[tuple[str, Any]]] = {}
    # The types chapter's objects live in ocpi.core.data_types; Price has one class per version.
    prices: dict[str, type[BaseModel]] = {"2.2.1": data_types.PriceV221, "2.3.0": data_types.PriceV230}
    core: dict[str, Any] = {"DisplayText": data_types.DisplayText}
    if version in prices:
        core["Price"] = prices[version]
    if version == "2.3.0":
        core["TaxAmount"] = data_types.TaxAmount
    found.update({name.lower(): [("types", value)] for name, value in core.items()})
    for module in MODULES:
        schemas = schemas_of(module, version)
        if schemas is None:
            continue
        for name, value in vars(schemas).items():
            is_model = isinstance(value, type) and issubclass(value, BaseModel)
            is_enum = isinstance(value, type) and issubclass(value, enum.Enum)
            if name.startswith("_") or not (is_model or is_enum) or value in (BaseModel, OcpiModel, PatchModel):
                continue
            entries = found.setdefault(name.lower(), [])
            if all(existing is not value for _, existing in entries):
                entries.append((module, value))
    return found


def schema(
    name: str = typer.Argument(..., help="The object's name as the spec titles it: Location, CdrToken, ..."),
    version: str = typer.Option("2.3.0", "--version", help="The OCPI version."),
    module: str | None = typer.Option(None, "--module", help="The module, where several define the name."),
) -> None:
    """The JSON Schema of any object or enum of any version."""
    if version not in VERSIONS:
        raise typer.BadParameter(f"{version!r} is not one of {', '.join(VERSIONS)}", param_hint="--version")

    def find() -> Any:
        named = _named(version)
        entries = [e for e in named.get(name.lower(), []) if module is None or e[0] == module]
        if not entries:
            close = difflib.get_close_matches(name.lower(), list(named), n=3)
            hint = f" (did you mean {', '.join(named[c][0][1].__name__ for c in close)}?)" if close else ""
            raise UserError(f"no object {name!r} in OCPI {version}{hint}")
        if len(entries) > 1:
            modules = ", ".join(m for m, _ in entries)
            raise UserError(f"several modules define {name} in OCPI {version} ({modules}): give --module")
        value = entries[0][1]
        if isinstance(value, type) and issubclass(value, BaseModel):
            return value.model_json_schema()
        return TypeAdapter(value).json_schema()

    with user_errors():
        print(json.dumps(find(), indent=2))


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
    app.command("convert")(convert)
    app.command("schema")(schema)
