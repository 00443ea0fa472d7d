"""Official OCPI 2.3.0 Payments examples -> models."""

from tests.spec import Example

_S = "ocpi.modules.payments.v_2_3_0.schemas"

_FAC_PRICE_ERRATUM = "uses the 2.2.1 Price shape (excl_vat/incl_vat) instead of the 2.3.0 Price (before_taxes, taxes)"

EXAMPLES: dict[str, Example] = {
    "2.3.0/examples/payment_financial_advice_confirmation_create.json": Example(
        f"{_S}:FinancialAdviceConfirmation",
        erratum=_FAC_PRICE_ERRATUM,
        errors=("total_costs.before_taxes: missing",),
    ),
    "2.3.0/examples/payment_financial_advice_confirmation_example_success.json": Example(
        f"{_S}:FinancialAdviceConfirmation",
        erratum=_FAC_PRICE_ERRATUM,
        errors=("total_costs.before_taxes: missing",),
    ),
    "2.3.0/examples/payment_financial_advice_confirmation_example_failure.json": Example(
        f"{_S}:FinancialAdviceConfirmation",
        erratum=_FAC_PRICE_ERRATUM + "; and has no eft_data, which the table makes required (+)",
        errors=("total_costs.before_taxes: missing", "eft_data: missing"),
    ),
    "2.3.0/examples/payment_terminal_activate.json": Example(f"{_S}:TerminalActivationRequest"),
    "2.3.0/examples/payment_terminal_create.json": Example(f"{_S}:Terminal"),
    "2.3.0/examples/payment_terminal_create_minimal.json": Example(
        f"{_S}:Terminal",
        erratum="POST Terminal with only terminal_id: the text allows it, the Terminal table requires last_updated",
        errors=("last_updated: missing",),
    ),
    "2.3.0/examples/payment_terminal_example_newly_created.json": Example(f"{_S}:Terminal"),
    "2.3.0/examples/payment_terminal_example_assigned_locations.json": Example(f"{_S}:Terminal"),
    "2.3.0/examples/payment_terminal_example_assigned_locations_assigned_evses.json": Example(f"{_S}:Terminal"),
    "2.3.0/examples/payment_terminal_location_assignment.json": Example(f"{_S}:TerminalPatch"),
    "2.3.0/examples/payment_terminal_put_update.json": Example(
        f"{_S}:Terminal",
        erratum="PUT body is a partial Terminal (no terminal_id); PUT takes a whole Terminal",
        errors=("terminal_id: missing",),
    ),
}
