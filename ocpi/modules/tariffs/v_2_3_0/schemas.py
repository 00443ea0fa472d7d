"""OCPI 2.3.0 Tariffs objects (`2.3.0/mod_tariffs.asciidoc`). Receiver PATCH is n/a from 2.2 on (PUT replaces)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from ocpi.core.data_types import (
    URL,
    CiString,
    CountryCode,
    CurrencyCode,
    DateTime,
    DisplayText,
    Int,
    Number,
    PartyId,
)
from ocpi.core.model import OcpiModel
from ocpi.modules.locations.v_2_3_0.schemas import EnergyMix
from ocpi.modules.tariffs.v_2_1_1.schemas import DayOfWeek, TariffDimensionType  # same values in 2.3.0
from ocpi.modules.tariffs.v_2_2_1.schemas import (  # same values / rules in 2.3.0
    Date,
    ReservationRestrictionType,
    TariffType,
    TimeOfDay,
)


class TaxIncluded(StrEnum):
    YES = "YES"
    NO = "NO"
    N_A = "N/A"


class PriceLimit(OcpiModel):
    before_taxes: Number
    after_taxes: Number | None = None


class PriceComponent(OcpiModel):
    type: TariffDimensionType
    price: Number  # including or excluding taxes according to Tariff.tax_included
    vat: Number | None = None
    step_size: Int


class TariffRestrictions(OcpiModel):
    start_time: TimeOfDay | None = None
    end_time: TimeOfDay | None = None
    start_date: Date | None = None
    end_date: Date | None = None
    min_kwh: Number | None = None
    max_kwh: Number | None = None
    min_current: Number | None = None
    max_current: Number | None = None
    min_power: Number | None = None
    max_power: Number | None = None
    min_duration: Int | None = None
    max_duration: Int | None = None
    day_of_week: list[DayOfWeek] | None = None
    reservation: ReservationRestrictionType | None = None


class TariffElement(OcpiModel):
    price_components: Annotated[list[PriceComponent], Field(min_length=1)]
    restrictions: TariffRestrictions | None = None


class Tariff(OcpiModel):
    country_code: CountryCode
    party_id: PartyId
    id: CiString(36)
    currency: CurrencyCode
    type: TariffType | None = None
    tariff_alt_text: list[DisplayText] | None = None
    tariff_alt_url: URL | None = None
    min_price: PriceLimit | None = None
    max_price: PriceLimit | None = None
    preauthorize_amount: Number | None = None
    elements: Annotated[list[TariffElement], Field(min_length=1)]
    tax_included: TaxIncluded
    start_date_time: DateTime | None = None
    end_date_time: DateTime | None = None
    energy_mix: EnergyMix | None = None
    last_updated: DateTime
