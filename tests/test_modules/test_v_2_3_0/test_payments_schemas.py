"""OCPI 2.3.0 Payments schemas: Terminal, its activation and PATCH bodies, FinancialAdviceConfirmation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from ocpi.modules.payments.v_2_3_0.schemas import (
    CaptureStatusCode,
    FinancialAdviceConfirmation,
    InvoiceCreator,
    Terminal,
    TerminalActivationRequest,
    TerminalPatch,
)
from tests.spec import validation_errors

TERMINAL: dict[str, Any] = {
    "terminal_id": "9e94f62c-661b-4afa-b6da-019b58fab9ac",
    "customer_reference": "BP",
    "party_id": "ABC",
    "country_code": "AT",
    "address": "Street 1",
    "city": "Vienna",
    "postal_code": "1010",
    "country": "AUT",
    "coordinates": {"latitude": "48.208176", "longitude": "16.373819"},
    "invoice_base_url": "https://somecompany.com/invoices",
    "invoice_creator": "PTP",
    "reference": "Term-SerialNumber",
    "location_ids": ["LOC1", "LOC2"],
    "evse_uids": ["EVSE1"],
    "last_updated": "2024-12-10T17:16:15Z",
}

FAC: dict[str, Any] = {
    "id": "452cf8a1-79aa-4a0e-9aee-dc788586053c",
    "authorization_reference": "pp-100100-1948213567",
    "total_costs": {"before_taxes": 4.00, "taxes": [{"name": "VAT", "percentage": 10, "amount": 0.40}]},
    "currency": "EUR",
    "eft_data": ["Mastercard", "AID: 1234"],
    "capture_status_code": "SUCCESS",
    "capture_status_message": "Capture successful at PSP",
    "last_updated": "2024-12-10T17:16:15Z",
}


def errors_of(model: type[BaseModel], payload: dict[str, Any]) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(payload)
    return validation_errors(caught.value)


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**base, **changes}


def without(base: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in base.items() if k != name}


# --- Terminal ------------------------------------------------------------------------------------


def test_terminal_round_trips() -> None:
    terminal = Terminal.model_validate(TERMINAL)
    assert terminal.invoice_creator is InvoiceCreator.PTP
    assert terminal.coordinates is not None
    assert terminal.to_dict() == TERMINAL


def test_terminal_ids_compare_case_insensitively() -> None:
    terminal = Terminal.model_validate(TERMINAL)
    assert terminal.terminal_id == TERMINAL["terminal_id"].upper()
    assert terminal.location_ids == ["loc1", "loc2"]


@pytest.mark.parametrize("name", ["terminal_id", "last_updated"])
def test_terminal_required_fields(name: str) -> None:
    assert errors_of(Terminal, without(TERMINAL, name)) == {f"{name}: missing"}


@pytest.mark.parametrize(
    ("name", "length"),
    [
        ("terminal_id", 36),
        ("customer_reference", 36),
        ("party_id", 3),
        ("country_code", 2),
        ("address", 45),
        ("city", 45),
        ("postal_code", 10),
        ("state", 20),
        ("country", 3),
        ("reference", 36),
        ("invoice_base_url", 255),
    ],
)
def test_terminal_string_lengths(name: str, length: int) -> None:
    Terminal.model_validate(with_(TERMINAL, **{name: "x" * length}))
    assert errors_of(Terminal, with_(TERMINAL, **{name: "x" * (length + 1)})) == {f"{name}: string_too_long"}


def test_terminal_list_items_are_cistring_36() -> None:
    payload = with_(TERMINAL, evse_uids=["ok", "x" * 37])
    assert errors_of(Terminal, payload) == {"evse_uids.1: string_too_long"}


def test_terminal_invoice_creator_is_closed() -> None:
    assert errors_of(Terminal, with_(TERMINAL, invoice_creator="EMSP")) == {"invoice_creator: enum"}


def test_terminal_malformed_datetime() -> None:
    payload = with_(TERMINAL, last_updated="2024-12-10 25:16")
    assert errors_of(Terminal, payload) == {"last_updated: datetime_from_date_parsing"}


def test_terminal_wrong_types() -> None:
    payload = with_(TERMINAL, location_ids="LOC1", coordinates="48.2,16.3")
    assert errors_of(Terminal, payload) == {"location_ids: list_type", "coordinates: model_type"}


def test_terminal_keeps_unknown_fields() -> None:
    terminal = Terminal.model_validate(with_(TERMINAL, vendor_field={"a": 1}))
    assert terminal.to_dict()["vendor_field"] == {"a": 1}


# --- activation and PATCH bodies -----------------------------------------------------------------


def test_activation_request_terminal_id_optional() -> None:
    body = TerminalActivationRequest.model_validate(without(TERMINAL, "terminal_id"))
    assert body.terminal_id is None
    assert "terminal_id" not in body.to_dict()


def test_activation_request_keeps_other_cardinalities() -> None:
    # "The cardinality for the remaining fields stays the same."
    payload = without(without(TERMINAL, "terminal_id"), "last_updated")
    assert errors_of(TerminalActivationRequest, payload) == {"last_updated: missing"}


def test_terminal_patch_carries_only_assignment() -> None:
    patch = TerminalPatch.model_validate({"location_ids": ["LOC1"], "evse_uids": ["EVSE1"]})
    assert patch.to_dict() == {"location_ids": ["LOC1"], "evse_uids": ["EVSE1"]}


def test_terminal_patch_keeps_field_constraints() -> None:
    assert errors_of(TerminalPatch, {"location_ids": ["x" * 37]}) == {"location_ids.0: string_too_long"}
    assert errors_of(TerminalPatch, {"invoice_creator": "NOBODY"}) == {"invoice_creator: enum"}


# --- FinancialAdviceConfirmation -----------------------------------------------------------------


def test_fac_round_trips_with_exact_money() -> None:
    fac = FinancialAdviceConfirmation.model_validate(FAC)
    assert fac.capture_status_code is CaptureStatusCode.SUCCESS
    assert fac.total_costs.before_taxes == Decimal("4.00")
    assert fac.total_costs.taxes is not None and fac.total_costs.taxes[0].amount == Decimal("0.40")
    assert fac.to_dict() == FAC


@pytest.mark.parametrize(
    "name",
    ["id", "authorization_reference", "total_costs", "currency", "eft_data", "capture_status_code", "last_updated"],
)
def test_fac_required_fields(name: str) -> None:
    assert errors_of(FinancialAdviceConfirmation, without(FAC, name)) == {f"{name}: missing"}


def test_fac_capture_status_message_optional() -> None:
    assert (
        FinancialAdviceConfirmation.model_validate(without(FAC, "capture_status_message")).capture_status_message
        is None
    )


def test_fac_eft_data_needs_one_item_of_1_to_255_chars() -> None:
    assert errors_of(FinancialAdviceConfirmation, with_(FAC, eft_data=[])) == {"eft_data: too_short"}
    assert errors_of(FinancialAdviceConfirmation, with_(FAC, eft_data=["ok", ""])) == {"eft_data.1: too_short"}
    assert errors_of(FinancialAdviceConfirmation, with_(FAC, eft_data=["x" * 256])) == {"eft_data.0: string_too_long"}
    FinancialAdviceConfirmation.model_validate(with_(FAC, eft_data=["x" * 255]))


def test_fac_capture_status_message_1_to_255() -> None:
    assert errors_of(FinancialAdviceConfirmation, with_(FAC, capture_status_message="")) == {
        "capture_status_message: too_short"
    }
    assert errors_of(FinancialAdviceConfirmation, with_(FAC, capture_status_message="x" * 256)) == {
        "capture_status_message: string_too_long"
    }


def test_fac_string_lengths() -> None:
    assert errors_of(FinancialAdviceConfirmation, with_(FAC, currency="EURO")) == {"currency: string_too_long"}
    assert errors_of(FinancialAdviceConfirmation, with_(FAC, id="x" * 37)) == {"id: string_too_long"}


def test_fac_capture_status_code_is_closed() -> None:
    payload = with_(FAC, capture_status_code="PENDING")
    assert errors_of(FinancialAdviceConfirmation, payload) == {"capture_status_code: enum"}


def test_fac_total_costs_is_the_2_3_0_price() -> None:
    payload = with_(FAC, total_costs={"excl_vat": 4.00, "incl_vat": 4.40})
    assert errors_of(FinancialAdviceConfirmation, payload) == {"total_costs.before_taxes: missing"}
    payload = with_(FAC, total_costs={"before_taxes": "four euros"})
    assert errors_of(FinancialAdviceConfirmation, payload) == {"total_costs.before_taxes: decimal_parsing"}


def test_fac_malformed_datetime() -> None:
    payload = with_(FAC, last_updated=1544462175)
    assert errors_of(FinancialAdviceConfirmation, payload) == {"last_updated: value_error"}
