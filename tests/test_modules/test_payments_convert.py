"""Payments exists only in OCPI 2.3.0: conversion is the identity there and refused elsewhere."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from ocpi.core.enums import VersionNumber
from ocpi.modules.payments.convert import from_canonical, to_canonical
from ocpi.modules.payments.v_2_3_0.schemas import Terminal

TERMINAL = Terminal.model_validate(
    {"terminal_id": "T1", "location_ids": ["L1"], "last_updated": "2024-01-01T00:00:00Z"}
)


@pytest.mark.parametrize("convert", [to_canonical, from_canonical])
@pytest.mark.parametrize("version", ["2.3.0", VersionNumber.V_2_3_0])
def test_identity_in_2_3_0(convert: Callable[..., Any], version: str) -> None:
    converted = convert(TERMINAL, version)
    assert converted.value is TERMINAL
    assert converted.losses == []


@pytest.mark.parametrize("convert", [to_canonical, from_canonical])
@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3"])
def test_other_versions_refused(convert: Callable[..., Any], version: str) -> None:
    with pytest.raises(ValueError, match=re.escape("payments exists only in OCPI 2.3.0")):
        convert(TERMINAL, version)
