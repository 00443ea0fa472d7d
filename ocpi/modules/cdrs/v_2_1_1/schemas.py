"""OCPI 2.1.1 CDRs module objects (2.1.1/mod_cdrs.md)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from ocpi.core.data_types import (
    CHARGING_PERIODS_IN_ORDER,
    CiString,
    CurrencyCode,
    DateTime,
    Number,
    PriceV211,
    String,
)
from ocpi.core.model import OcpiModel
from ocpi.modules.locations.v_2_1_1.schemas import Location
from ocpi.modules.tariffs.v_2_1_1.schemas import Tariff


class AuthMethod(StrEnum):
    AUTH_REQUEST = "AUTH_REQUEST"
    WHITELIST = "WHITELIST"


class CdrDimensionType(StrEnum):
    ENERGY = "ENERGY"
    FLAT = "FLAT"
    MAX_CURRENT = "MAX_CURRENT"
    MIN_CURRENT = "MIN_CURRENT"
    PARKING_TIME = "PARKING_TIME"
    TIME = "TIME"


class CdrDimension(OcpiModel):
    type: CdrDimensionType
    volume: Number


class ChargingPeriod(OcpiModel):
    start_date_time: DateTime
    dimensions: Annotated[list[CdrDimension], Field(min_length=1)]


class CDR(OcpiModel):
    id: CiString(36)
    start_date_time: DateTime
    stop_date_time: DateTime
    auth_id: String(36)
    auth_method: AuthMethod
    location: Location
    meter_id: String(255) | None = None
    currency: CurrencyCode
    tariffs: list[Tariff] | None = None
    charging_periods: Annotated[list[ChargingPeriod], Field(min_length=1), CHARGING_PERIODS_IN_ORDER]
    total_cost: PriceV211
    total_energy: Number
    total_time: Number
    total_parking_time: Number | None = None
    remark: String(255) | None = None
    last_updated: DateTime
