"""OCPI 2.1.1 Tariffs objects (`2.1.1/mod_tariffs.md`)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from ocpi.core import rules
from ocpi.core.data_types import URL, CurrencyCode, DateTime, DisplayText, Int, Number, PriceV211, String
from ocpi.core.model import OcpiModel, partial_model
from ocpi.modules.locations.v_2_1_1.schemas import EnergyMix

# mod_tariffs.md 4.5: "Must be in 24h format with leading zeros ... Regex: ([0-1][0-9]|2[0-3]):[0-5][0-9]"
TimeOfDay = Annotated[String(5), StringConstraints(pattern=rules.HOURS_MINUTES)]


class DayOfWeek(StrEnum):
    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"


class TariffDimensionType(StrEnum):
    ENERGY = "ENERGY"
    FLAT = "FLAT"
    PARKING_TIME = "PARKING_TIME"
    TIME = "TIME"


class PriceComponent(OcpiModel):
    type: TariffDimensionType
    price: PriceV211
    step_size: Int


class TariffRestrictions(OcpiModel):
    start_time: TimeOfDay | None = None
    end_time: TimeOfDay | None = None
    start_date: String(10) | None = None
    end_date: String(10) | None = None
    min_kwh: Number | None = None
    max_kwh: Number | None = None
    min_power: Number | None = None
    max_power: Number | None = None
    min_duration: Int | None = None
    max_duration: Int | None = None
    day_of_week: list[DayOfWeek] | None = None


class TariffElement(OcpiModel):
    price_components: Annotated[list[PriceComponent], Field(min_length=1)]
    restrictions: TariffRestrictions | None = None


class Tariff(OcpiModel):
    id: String(36)
    currency: CurrencyCode
    tariff_alt_text: list[DisplayText] | None = None
    tariff_alt_url: URL | None = None
    elements: Annotated[list[TariffElement], Field(min_length=1)]
    energy_mix: EnergyMix | None = None
    last_updated: DateTime


TariffPatch = partial_model(Tariff)
"""PATCH body of the eMSP Tariffs endpoint (2.1.1 only: PATCH was removed in 2.2)."""
