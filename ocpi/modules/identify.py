"""Which object a payload is, in which version, and everything it gets wrong: `identify` and `validate`, over
every module's objects (those its endpoints take and answer, PATCH bodies included).

How the object is chosen, when neither module nor version is given:

1. the fewest fields the model does not know (every model keeps unknown fields, so an unknown field is the
   evidence against a model), then the fewest errors of the lenient reading;
2. a whole object over a PATCH body (a PATCH body, all optional, reads almost anything; so does an object
   that requires nothing but `last_updated`);
3. the fewest fields its nested objects do not know (where versions differ), the most fields recognised;
4. the oldest version, when versions tie (a newer version adds optional fields: a payload without them reads
   as the older one too, and was most likely written for it).

Other objects (not the chosen one's PATCH body or whole object) that fit the payload as well by 1 and 3 make the
guess ambiguous, and `Identification.ambiguous` names them.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ocpi.core.interfaces import Child, ObjectType
from ocpi.core.model import PatchModel
from ocpi.core.rules import Deviation
from ocpi.core.validation import deviations
from ocpi.core.versions import SUPPORTED_VERSIONS
from ocpi.modules.registry import FUNCTIONAL_MODULES, module_interfaces

MODULES = (*FUNCTIONAL_MODULES, "credentials", "versions")
# The configuration modules have no interface descriptors: their top-level objects by name.
_CONFIGURATION_OBJECTS = {"credentials": ("Credentials",), "versions": ("Version", "VersionDetails")}


@dataclass(frozen=True)
class Candidate:
    module: str
    version: str
    model: type[BaseModel]

    @property
    def name(self) -> str:
        return self.model.__name__

    @property
    def patch(self) -> bool:
        """A PATCH body, or an object that requires nothing but `last_updated` (which reads any subset of fields
        as well as a PATCH body does: the 2.3.0 TerminalActivationRequest)."""
        required = {name for name, info in self.model.model_fields.items() if info.is_required()}
        return issubclass(self.model, PatchModel) or required <= {"last_updated"}

    @property
    def family(self) -> tuple[str, str]:
        """The object a candidate is, or whose PATCH body it is."""
        return self.module, self.name.removesuffix("Patch")

    def __str__(self) -> str:
        return f"OCPI {self.version} {self.name} ({self.module})"


def schemas_of(module: str, version: str) -> Any | None:
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
        for version in SUPPORTED_VERSIONS:
            schemas = schemas_of(module, version)
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


def candidates(module: str | None = None, version: str | None = None) -> list[Candidate]:
    """Every object of `module` (all modules when None) in `version` (all when None); ValueError naming the
    choices for an unknown module or version."""
    if module is not None and module not in MODULES:
        raise ValueError(f"{module!r} is not one of {', '.join(MODULES)}")
    if version is not None and version not in SUPPORTED_VERSIONS:
        raise ValueError(f"{version!r} is not one of {', '.join(SUPPORTED_VERSIONS)}")
    return [
        c
        for m in ([module] if module else MODULES)
        for c in top_level_models(m)
        if version is None or c.version == version
    ]


# --- fitting a payload to a candidate -----------------------------------------------------------------------


def _models_of(annotation: Any) -> list[type[BaseModel]]:
    """The models an annotation holds (through Annotated, X | None, list[X], unions)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = get_origin(annotation)
    if origin is Annotated:
        return _models_of(get_args(annotation)[0])
    if origin in (Union, types.UnionType, list):
        return [m for arg in get_args(annotation) for m in _models_of(arg)]
    return []


def field_counts(model: type[BaseModel], payload: Any) -> tuple[int, int, int]:
    """(fields of `payload` that `model` does not know, those of its nested objects, fields it knows)."""
    if not isinstance(payload, dict):
        return 0, 0, 0
    by_key = {info.alias or name: info for name, info in model.model_fields.items()}
    unknown = nested_unknown = known = 0
    for key, value in payload.items():
        info = by_key.get(key)
        if info is None:
            unknown += 1
            continue
        known += 1
        nested = _models_of(info.annotation)
        if not nested:
            continue
        for item in value if isinstance(value, list) else [value]:
            inner_unknown, inner_nested, inner_known = field_counts(nested[0], item)
            nested_unknown += inner_unknown + inner_nested
            known += inner_known
    return unknown, nested_unknown, known


@dataclass
class Fit:
    """How a payload reads as one candidate."""

    candidate: Candidate
    errors: list[ErrorDetails]
    """What the lenient reading refuses."""
    unknown: int
    """Fields of the payload the model does not know."""
    nested_unknown: int
    """Fields of its nested objects their models do not know (a version's additions, mostly)."""
    known: int

    @property
    def valid(self) -> bool:
        return not self.errors

    def evidence(self) -> tuple[int, int, int, int]:
        """What the payload itself says (1 and 3 of the module's docstring): smaller fits better."""
        return self.unknown, len(self.errors), self.nested_unknown, -self.known

    def likeness(self) -> tuple[int, int, bool, int, int]:
        """Smaller is likelier (see the module's docstring, 1-3)."""
        return self.unknown, len(self.errors), self.candidate.patch, self.nested_unknown, -self.known

    def rank(self) -> tuple[int, int, bool, int, int, int]:
        return (*self.likeness(), SUPPORTED_VERSIONS.index(self.candidate.version))


def fit(candidate: Candidate, payload: Any) -> Fit:
    counts = field_counts(candidate.model, payload)
    try:
        candidate.model.model_validate(payload)
    except ValidationError as error:
        return Fit(candidate, error.errors(include_url=False), *counts)
    return Fit(candidate, [], *counts)


@dataclass
class Identification:
    chosen: Candidate
    fits: list[Fit]
    """Every candidate's fit, the likeliest first."""
    ambiguous: list[Candidate] = field(default_factory=list)
    """Other objects (not the chosen one in another version) that fit exactly as well."""

    @property
    def also_valid_as(self) -> list[str]:
        """The other versions in which the chosen object reads the payload as well (newer ones, by rule 4)."""
        best = self.fits[0]
        return [
            f.candidate.version
            for f in self.fits[1:]
            if f.valid and f.likeness() == best.likeness() and f.candidate.name == self.chosen.name
        ]


def identify(payload: Any, module: str | None = None, version: str | None = None) -> Identification:
    """The object `payload` most likely is (see the module's docstring); ValueError for an unknown module or
    version, or when there is no candidate."""
    pool = candidates(module, version)
    if not pool:
        raise ValueError(f"no object of {module} in OCPI {version}")
    fits = sorted((fit(c, payload) for c in pool), key=Fit.rank)
    best = fits[0]
    seen = {best.candidate.family}
    ambiguous: list[Candidate] = []
    for other in fits[1:]:
        if other.evidence() == best.evidence() and other.candidate.family not in seen:
            seen.add(other.candidate.family)
            ambiguous.append(other.candidate)
    return Identification(best.candidate, fits, ambiguous)


@dataclass
class Verdict:
    """A payload judged strictly as one object."""

    candidate: Candidate
    deviations: list[Deviation]
    identification: Identification | None = None
    """How the object was chosen, when it was not given."""

    @property
    def valid(self) -> bool:
        return not self.deviations


def validate(payload: Any, module: str | None = None, version: str | None = None) -> Verdict:
    """Every deviation of `payload` from the spec (`ocpi.core.validation.deviations`), as the object it most
    likely is (`identify`), or as the only one `module` and `version` leave."""
    identification = identify(payload, module, version)
    chosen = identification.chosen
    return Verdict(chosen, deviations(chosen.model, payload, version=chosen.version), identification)
