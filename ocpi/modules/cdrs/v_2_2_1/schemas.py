"""OCPI 2.2.1 CDRs module objects (2.2.1/mod_cdrs.asciidoc)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from ocpi.core.data_types import (
    CHARGING_PERIODS_IN_ORDER,
    CREDIT_REFERENCE,
    Base64Text,
    Boolean,
    CdrEvseId,
    CiString,
    CountryAlpha3,
    CountryCode,
    CurrencyCode,
    DateTime,
    Int,
    Number,
    PartyId,
    PriceV221,
    String,
)
from ocpi.core.model import OcpiModel
from ocpi.modules.locations.v_2_2_1.schemas import ConnectorFormat, ConnectorType, GeoLocation, PowerType
from ocpi.modules.tariffs.v_2_2_1.schemas import Tariff
from ocpi.modules.tokens.v_2_2_1.schemas import TokenType


class AuthMethod(StrEnum):
    AUTH_REQUEST = "AUTH_REQUEST"
    COMMAND = "COMMAND"
    WHITELIST = "WHITELIST"


class CdrDimensionType(StrEnum):
    """CURRENT, ENERGY_EXPORT, ENERGY_IMPORT, POWER and STATE_OF_CHARGE are for Sessions only (spec)."""

    CURRENT = "CURRENT"
    ENERGY = "ENERGY"
    ENERGY_EXPORT = "ENERGY_EXPORT"
    ENERGY_IMPORT = "ENERGY_IMPORT"
    MAX_CURRENT = "MAX_CURRENT"
    MIN_CURRENT = "MIN_CURRENT"
    MAX_POWER = "MAX_POWER"
    MIN_POWER = "MIN_POWER"
    PARKING_TIME = "PARKING_TIME"
    POWER = "POWER"
    RESERVATION_TIME = "RESERVATION_TIME"
    STATE_OF_CHARGE = "STATE_OF_CHARGE"
    TIME = "TIME"


class CdrDimension(OcpiModel):
    type: CdrDimensionType
    volume: Number


class CdrLocation(OcpiModel):
    id: CiString(36)
    name: String(255) | None = None
    address: String(45)
    city: String(45)
    postal_code: String(10) | None = None
    state: String(20) | None = None
    country: CountryAlpha3
    coordinates: GeoLocation
    evse_uid: CiString(36)
    evse_id: CdrEvseId
    connector_id: CiString(36)
    connector_standard: ConnectorType
    connector_format: ConnectorFormat
    connector_power_type: PowerType


class CdrToken(OcpiModel):
    country_code: CountryCode
    party_id: PartyId
    uid: CiString(36)
    type: TokenType
    contract_id: CiString(36)


class ChargingPeriod(OcpiModel):
    start_date_time: DateTime
    dimensions: Annotated[list[CdrDimension], Field(min_length=1)]
    tariff_id: CiString(36) | None = None


class SignedValue(OcpiModel):
    nature: CiString(32)
    plain_data: String(5000)
    signed_data: Base64Text(5000)


class SignedData(OcpiModel):
    encoding_method: CiString(36)
    encoding_method_version: Int | None = None
    public_key: Base64Text(512) | None = None
    signed_values: Annotated[list[SignedValue], Field(min_length=1)]
    # The table shows `string(512)` (its link points at CiString): mod_cdrs.asciidoc, SignedData class.
    url: String(512) | None = None


class CDR(OcpiModel):
    country_code: CountryCode
    party_id: PartyId
    # 39 leaves room for a Credit CDR suffix; normal CDR ids SHALL be at most 36 (mod_cdrs.asciidoc, CDR object).
    id: CiString(39)
    start_date_time: DateTime
    end_date_time: DateTime
    session_id: CiString(36) | None = None
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: CiString(36) | None = None
    cdr_location: CdrLocation
    meter_id: String(255) | None = None
    currency: CurrencyCode
    tariffs: list[Tariff] | None = None
    charging_periods: Annotated[list[ChargingPeriod], Field(min_length=1), CHARGING_PERIODS_IN_ORDER]
    signed_data: SignedData | None = None
    total_cost: PriceV221
    total_fixed_cost: PriceV221 | None = None
    total_energy: Number
    total_energy_cost: PriceV221 | None = None
    total_time: Number
    total_time_cost: PriceV221 | None = None
    total_parking_time: Number | None = None
    total_parking_cost: PriceV221 | None = None
    total_reservation_cost: PriceV221 | None = None
    remark: String(255) | None = None
    invoice_reference_id: CiString(39) | None = None
    credit: Boolean | None = None
    credit_reference_id: Annotated[CiString(39) | None, CREDIT_REFERENCE] = None
    home_charging_compensation: Boolean | None = None
    last_updated: DateTime
