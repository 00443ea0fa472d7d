"""Bookings (the 2.3.0 Bookings extension) exists only in OCPI 2.3.0: conversion is the identity there and
refused elsewhere."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from ocpi.core.enums import VersionNumber
from ocpi.modules.bookings.convert import from_canonical, to_canonical
from ocpi.modules.bookings.v_2_3_0.schemas import Period

PERIOD = Period.model_validate({"start_date_time": "2025-03-23T12:00:00Z", "end_date_time": "2025-03-23T13:00:00Z"})


@pytest.mark.parametrize("convert", [to_canonical, from_canonical])
@pytest.mark.parametrize("version", ["2.3.0", VersionNumber.V_2_3_0])
def test_identity_in_2_3_0(convert: Callable[..., Any], version: str) -> None:
    converted = convert(PERIOD, version)
    assert converted.value is PERIOD
    assert converted.losses == []


@pytest.mark.parametrize("convert", [to_canonical, from_canonical])
@pytest.mark.parametrize("version", ["2.1.1", "2.2.1", "2.3"])
def test_other_versions_refused(convert: Callable[..., Any], version: str) -> None:
    with pytest.raises(ValueError, match=re.escape("bookings exists only in OCPI 2.3.0")):
        convert(PERIOD, version)
