"""Charging Profiles conversions. The module exists in 2.2.1 and 2.3.0 with the very same objects (the 2.3.0
schemas are the 2.2.1 classes), so converting is the identity and costs nothing; 2.1.1 has no charging
profiles."""

from __future__ import annotations

from pydantic import BaseModel

from ocpi.core.convert import ConversionContext, Converted

VERSIONS = ("2.2.1", "2.3.0")


def _check(version: str) -> None:
    if str(version) not in VERSIONS:
        raise ValueError(f"chargingprofiles exists only in OCPI 2.2.1 and 2.3.0, not in {str(version)!r}")


def to_canonical(obj: BaseModel, version: str, context: ConversionContext | None = None) -> Converted[BaseModel]:
    _check(version)
    return Converted(obj)


def from_canonical(obj: BaseModel, version: str, context: ConversionContext | None = None) -> Converted[BaseModel]:
    _check(version)
    return Converted(obj)
