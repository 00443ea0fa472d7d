"""OCPI 2.1.1 Sessions module objects (2.1.1/mod_sessions.md).

AuthMethod and ChargingPeriod are defined by the CDRs module of the same version (2.1.1/mod_cdrs.md).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from ocpi.core.data_types import (
    CHARGING_PERIODS_IN_ORDER,
    CurrencyCode,
    DateTime,
    Number,
    PriceV211,
    String,
)
from ocpi.core.model import OcpiModel, partial_model
from ocpi.modules.cdrs.v_2_1_1.schemas import AuthMethod, ChargingPeriod
from ocpi.modules.locations.v_2_1_1.schemas import Location

__all__ = ["AuthMethod", "ChargingPeriod", "Session", "SessionPatch", "SessionStatus"]


class SessionStatus(StrEnum):
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    INVALID = "INVALID"
    PENDING = "PENDING"


class Session(OcpiModel):
    id: String(36)
    start_datetime: DateTime
    end_datetime: DateTime | None = None
    kwh: Number
    auth_id: String(36)
    auth_method: AuthMethod
    location: Location
    meter_id: String(255) | None = None
    currency: CurrencyCode
    charging_periods: Annotated[list[ChargingPeriod], CHARGING_PERIODS_IN_ORDER] | None = None
    total_cost: PriceV211 | None = None
    status: SessionStatus
    last_updated: DateTime


# 2.1.1 PATCH bodies need not carry `last_updated` (its example omits it).
SessionPatch = partial_model(Session)
