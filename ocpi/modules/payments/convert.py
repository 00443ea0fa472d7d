"""Payments exists only in OCPI 2.3.0: its canonical form is the 2.3.0 model, and 2.3.0 <-> canonical is the
identity with no losses. Any other version is refused with a ValueError."""

from __future__ import annotations

from pydantic import BaseModel

from ocpi.core.convert import ConversionContext, Converted

_VERSION = "2.3.0"


def _check(version: str) -> None:
    if version != _VERSION:
        raise ValueError(f"payments exists only in OCPI 2.3.0, not in {version!r}")


def to_canonical(obj: BaseModel, version: str, context: ConversionContext | None = None) -> Converted[BaseModel]:
    _check(version)
    return Converted(obj)


def from_canonical(obj: BaseModel, version: str, context: ConversionContext | None = None) -> Converted[BaseModel]:
    _check(version)
    return Converted(obj)
