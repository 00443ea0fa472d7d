"""`ocpi validate`, `ocpi convert` and `ocpi schema`: payloads of any module and version, without a node."""

from __future__ import annotations

import dataclasses
import difflib
import enum
import importlib
import json
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import typer
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from ocpi.cli.common import VERSIONS, UserError, err, json_path, parse_party, plural, read_json, user_errors
from ocpi.core import data_types
from ocpi.core.convert import ConversionContext, Loss
from ocpi.core.interfaces import Child, ObjectType
from ocpi.core.model import OcpiModel, PatchModel
from ocpi.modules.registry import FUNCTIONAL_MODULES, module_interfaces

MODULES = (*FUNCTIONAL_MODULES, "credentials", "versions")
# The configuration modules have no interface descriptors: their top-level objects by name.
_CONFIGURATION_OBJECTS = {"credentials": ("Credentials",), "versions": ("Version", "VersionDetails")}


@dataclass(frozen=True)
class Candidate:
    module: str
    version: str
    model: type[BaseModel]

    def __str__(self) -> str:
        return f"OCPI {self.version} {self.model.__name__} ({self.module})"


def _schemas(module: str, version: str) -> Any | None:
    try:
        return importlib.import_module(f"ocpi.modules.{module}.v_{version.replace('.', '_')}.schemas")
    except ModuleNotFoundError:
        return None


def _models_in(value: Any) -> Iterator[tuple[str, type[BaseModel]]]:
    """(version, model) pairs in an interface pattern's field: an object type (and its addressable children),
    a version -> model mapping, or a mapping of those (commands by name)."""
    if isinstance(value, ObjectType | Child):
        for version, model in value.models.items():
            yield version, model
            patch = getattr(sys.modules[model.__module__], f"{model.__name__}Patch", None)
            if isinstance(patch, type) and issubclass(patch, BaseModel):
                yield version, patch
        for child in value.children:
            yield from _models_in(child)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(item, type) and issubclass(item, BaseModel):
                yield str(key), item
            else:
                yield from _models_in(item)


@cache
def top_level_models(module: str) -> tuple[Candidate, ...]:
    """The objects a module exchanges, in every version: what its endpoints take and answer."""
    found: list[Candidate] = []
    if module in _CONFIGURATION_OBJECTS:
        for version in VERSIONS:
            schemas = _schemas(module, version)
            found += [Candidate(module, version, getattr(schemas, n)) for n in _CONFIGURATION_OBJECTS[module]]
        return tuple(found)
    interfaces = module_interfaces(module)
    for side in (interfaces.sender, interfaces.receiver):
        for pattern in side.patterns if side else ():
            for value in vars(pattern).values():
                for version, model in _models_in(value):
                    candidate = Candidate(module, version, model)
                    if candidate not in found:
                        found.append(candidate)
    return tuple(found)


def candidates(module: str | None, version: str | None) -> list[Candidate]:
    if module is not None and module not in MODULES:
        raise typer.BadParameter(f"{module!r} is not one of {', '.join(MODULES)}", param_hint="--module")
    if version is not None and version not in VERSIONS:
        raise typer.BadParameter(f"{version!r} is not one of {', '.join(VERSIONS)}", param_hint="--version")
    return [
        c
        for m in ([module] if module else MODULES)
        for c in top_level_models(m)
        if version is None or c.version == version
    ]


def _count(value: Any) -> tuple[int, int]:
    """(fields the models do not know, fields they recognised), over the whole object."""
    if isinstance(value, BaseModel):
        unknown, known = len(value.model_extra or {}), 0
        for name in value.model_fields_set:
            inner = getattr(value, name, None)
            if name in type(value).model_fields:
                known += 1
            more_unknown, more_known = _count(inner)
            unknown, known = unknown + more_unknown, known + more_known
        return unknown, known
    if isinstance(value, list):
        totals = [_count(item) for item in value]
        return sum(t[0] for t in totals), sum(t[1] for t in totals)
    return 0, 0


def _required(model: type[BaseModel]) -> int:
    return sum(1 for info in model.model_fields.values() if info.is_required())


@dataclass
class Match:
    candidate: Candidate
    errors: list[ErrorDetails]
    unknown: int = 0
    known: int = 0

    @property
    def valid(self) -> bool:
        return not self.errors

    def rank(self) -> tuple[int, ...]:
        """Smaller fits better: fewest errors plus fields the model does not know (every model keeps unknown
        fields, so a PATCH variant, all optional, accepts almost anything: it must not win by that; an invalid
        one counts one more, as a broken object is likelier a whole object than a PATCH), then a valid one,
        most fields recognised, an object over its PATCH variant, the newest version."""
        model = self.candidate.model
        patch = issubclass(model, PatchModel)
        return (
            len(self.errors) + self.unknown + (patch and not self.valid),
            not self.valid,
            -self.known,
            patch,
            -_required(model),
            -VERSIONS.index(self.candidate.version),
        )


def match(candidate: Candidate, payload: Any) -> Match:
    try:
        instance = candidate.model.model_validate(payload)
    except ValidationError as error:
        fields = candidate.model.model_fields
        known = set(fields) | {info.alias for info in fields.values() if info.alias}
        unknown = len(set(payload) - known) if isinstance(payload, dict) else 0
        return Match(candidate, error.errors(include_url=False), unknown)
    return Match(candidate, [], *_count(instance))


def best_matches(payload: Any, pool: list[Candidate]) -> list[Match]:
    """Every candidate's verdict on the payload, the most specific first."""
    return sorted((match(c, payload) for c in pool), key=Match.rank)


def _error_lines(errors: list[ErrorDetails], root: str) -> list[str]:
    return [f"{json_path(e['loc'], root)}: {e['msg']}" for e in errors]


def validate(
    source: str = typer.Argument(..., help="A JSON file (an object, a list, or a whole OCPI response), or -."),
    module: str | None = typer.Option(None, "--module", help="The module. Default: inferred."),
    version: str | None = typer.Option(None, "--version", help="The OCPI version. Default: inferred."),
) -> None:
    """Validate a payload; each error with its JSON path.

    Without --module/--version it infers the object and version (the most specific match) and says so. The
    exit status is 1 when the payload is invalid."""
    pool = candidates(module, version)

    def check() -> bool:
        valid = True
        for document in read_json(source):
            items = document.data if isinstance(document.data, list) else [document.data]
            roots = [f"$[{i}]" for i in range(len(items))] if isinstance(document.data, list) else ["$"]
            inferred = _infer(items, pool)
            chosen = inferred[0].candidate
            others = [
                m.candidate for m in inferred[1:] if m.valid and m.candidate.model.__name__ == chosen.model.__name__
            ]
            for payload, root in zip(items, roots, strict=True):
                verdict = match(chosen, payload)
                name = f"{document.name}{root[1:]}"
                if verdict.valid:
                    also = f" (also valid as {', '.join(c.version for c in others)})" if others else ""
                    print(f"{name}: valid {chosen}{also}")
                    continue
                valid = False
                count = len(verdict.errors)
                print(f"{name}: invalid {chosen}, {count} error{'s' if count > 1 else ''}:")
                for line in _error_lines(verdict.errors, "$"):
                    print(f"  {line}")
        return valid

    with user_errors():
        if not check():
            raise typer.Exit(1)


def _infer(items: list[Any], pool: list[Candidate]) -> list[Match]:
    """The candidates ranked on the first item that some candidate accepts (else on the first item)."""
    if not items:
        raise UserError("an empty list: nothing to validate")
    for item in items:
        ranked = best_matches(item, pool)
        if ranked[0].valid:
            return ranked
    return best_matches(items[0], pool)


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
    pool = candidates(module, from_version)
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
                ranked = best_matches(payload, pool)
                if not ranked or not ranked[0].valid:
                    lines = "; ".join(_error_lines(ranked[0].errors, "$")[:5]) if ranked else ""
                    raise UserError(f"{name} is not a valid {module} object of OCPI {from_version}: {lines}")
                obj = ranked[0].candidate.model.model_validate(payload)
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
    ranked = best_matches(document.data, candidates("locations", version))
    if not ranked or not ranked[0].valid or ranked[0].candidate.model.__name__ != "Location":
        raise UserError(f"--location {source}: not an OCPI {version} Location")
    converter = importlib.import_module("ocpi.modules.locations.convert")
    return converter.to_canonical(ranked[0].candidate.model.model_validate(document.data), version, context).value


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
        schemas = _schemas(module, version)
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
