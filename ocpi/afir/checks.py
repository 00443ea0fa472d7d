"""Check a Location (and the tariffs that apply) against the AFIR item table: findings and a score."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from pydantic import BaseModel

from ocpi.afir.items import ITEMS, Carriage
from ocpi.afir.rules import Subject


class Severity(enum.StrEnum):
    MISSING = "missing_mandatory"
    MISSING_OPTIONAL = "missing_optional"
    WRONG_FORMAT = "wrong_format"
    NOT_CARRIED = "not_carried_in_ocpi"
    """Informational: OCPI 2.3.0 cannot carry (all of) the item; nothing the operator can fix."""

    @property
    def is_flag(self) -> bool:
        """Whether it counts against the location's completeness."""
        return self is not Severity.NOT_CARRIED


@dataclass(frozen=True, slots=True)
class Finding:
    item: str
    """AFIR item number, e.g. `A5` (Table A row 5)."""
    severity: Severity
    path: str | None
    """JSON pointer into the Location (or into `tariff`), e.g. `/evses/0/connectors/1/max_electric_power`;
    for a `not_carried_in_ocpi` finding the OCPI path the item would live at, None when there is none."""
    message: str
    tariff: str | None = None
    """`country_code/party_id/id` of the tariff `path` points into."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


Document = BaseModel | dict[str, Any]


def _as_dict(document: Document) -> dict[str, Any]:
    return document.model_dump(mode="json", exclude_none=True) if isinstance(document, BaseModel) else document


def check(location: Document, tariffs: Iterable[Document] | None = None) -> list[Finding]:
    """Every AFIR finding for a canonical (2.3.0) Location, model or JSON dict.

    `tariffs`: the tariffs of the store (those the connectors name are looked up there); None when they are
    not at hand, then only the connectors' tariff references are checked for the ad hoc price (F3).
    """
    subject = Subject(_as_dict(location), None if tariffs is None else [_as_dict(t) for t in tariffs])
    findings: list[Finding] = []
    for item in ITEMS:
        for problem in item.rule(subject) if item.rule else ():
            if not problem.absent:
                severity = Severity.WRONG_FORMAT
            else:
                severity = Severity.MISSING if item.mandatory else Severity.MISSING_OPTIONAL
            findings.append(Finding(item.number, severity, problem.path, problem.message, problem.tariff))
        if item.carriage in (Carriage.PARTIAL, Carriage.NONE):
            path = item.paths[0] if item.paths else None
            findings.append(Finding(item.number, Severity.NOT_CARRIED, path, item.limitation))
    return findings


ASSESSED = tuple(item.number for item in ITEMS if item.carriage is not Carriage.NONE)
"""The items a location can satisfy: all but those OCPI 2.3.0 cannot carry at all."""


def completeness(findings: Sequence[Finding]) -> float:
    """Share of the assessable AFIR items with no missing or wrongly formatted data, 0.0 to 1.0."""
    flagged = {f.item for f in findings if f.severity.is_flag}
    return round(sum(1 for number in ASSESSED if number not in flagged) / len(ASSESSED), 4)


def missing_mandatory(findings: Sequence[Finding]) -> list[str]:
    """The AFIR numbers of the mandatory items that are missing, in table order, each once."""
    missing = {f.item for f in findings if f.severity is Severity.MISSING}
    return [item.number for item in ITEMS if item.number in missing]
