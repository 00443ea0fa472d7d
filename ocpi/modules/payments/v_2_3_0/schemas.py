"""OCPI 2.3.0 Payments objects (`2.3.0/mod_payments.asciidoc`)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from ocpi.core.data_types import (
    ISO_3166_ALPHA3_ANY_CASE,
    ISO_4217_ANY_CASE,
    URL,
    CiString,
    CountryCode,
    DateTime,
    PartyId,
    PriceV230,
)
from ocpi.core.model import OcpiModel, partial_model
from ocpi.modules.locations.v_2_3_0.schemas import GeoLocation

# The spec's `CiString[1..255]`: between 1 and 255 characters.
_CiString1To255 = Annotated[CiString(255), StringConstraints(min_length=1)]


class InvoiceCreator(StrEnum):
    CPO = "CPO"
    PTP = "PTP"


class CaptureStatusCode(StrEnum):
    SUCCESS = "SUCCESS"
    PARTIAL_SUCCESS = "PARTIAL_SUCCESS"
    FAILED = "FAILED"


class Terminal(OcpiModel):
    # mod_payments "POST Terminal Method" says the body "can be just the terminal id", but the Terminal table
    # makes `last_updated` required (1): we follow the table.
    terminal_id: CiString(36)
    customer_reference: CiString(36) | None = None
    party_id: PartyId | None = None
    country_code: CountryCode | None = None
    address: CiString(45) | None = None
    city: CiString(45) | None = None
    postal_code: CiString(10) | None = None
    state: CiString(20) | None = None
    country: Annotated[CiString(3), ISO_3166_ALPHA3_ANY_CASE] | None = None
    coordinates: GeoLocation | None = None
    invoice_base_url: URL | None = None
    invoice_creator: InvoiceCreator | None = None
    reference: CiString(36) | None = None
    location_ids: list[CiString(36)] | None = None
    evse_uids: list[CiString(36)] | None = None
    last_updated: DateTime


class TerminalActivationRequest(Terminal):
    """Body of POST `{payments}/terminals/activate` (mod_payments, "POST Activate Terminal Method"): a Terminal
    whose `terminal_id` is optional, set later by the PTP; "the cardinality for the remaining fields stays the
    same"."""

    terminal_id: CiString(36) | None = None


TerminalPatch = partial_model(Terminal)
"""Body of PATCH `{payments}/terminals/{terminal_id}`, the location assignment (`location_ids` and/or
`evse_uids`). Unlike Locations/Sessions/Tokens, mod_payments does not require `last_updated` in a PATCH, and
its example (`payment_terminal_location_assignment.json`) has none."""


class FinancialAdviceConfirmation(OcpiModel):
    id: CiString(36)
    authorization_reference: CiString(36)
    total_costs: PriceV230
    currency: Annotated[CiString(3), ISO_4217_ANY_CASE]
    eft_data: Annotated[list[_CiString1To255], Field(min_length=1)]
    capture_status_code: CaptureStatusCode
    capture_status_message: _CiString1To255 | None = None
    last_updated: DateTime


__all__ = [
    "CaptureStatusCode",
    "FinancialAdviceConfirmation",
    "InvoiceCreator",
    "Terminal",
    "TerminalActivationRequest",
    "TerminalPatch",
]
