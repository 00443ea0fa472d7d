"""The tariff engine: price a CDR or a running Session against an OCPI Tariff, in 2.1.1, 2.2.1 and 2.3.0.

    report = price(tariff, cdr, version="2.2.1")
    report.total_cost()          # the version's Price: 2.1.1 number, 2.2.1 excl/incl VAT, 2.3.0 before/taxes
    report.periods, report.notes # how each piece was priced and why; what looks wrong

See `engine` for the rules, `policy` for the choices the spec leaves open.
"""

from ocpi.tariffs.policy import DEFAULT_POLICY, PricingPolicy, TimeStepBasis
from ocpi.tariffs.pricing import choose_tariff, fill_total_cost, price, project
from ocpi.tariffs.report import (
    Amount,
    CostDimension,
    Note,
    NoteCode,
    PeriodReport,
    Piece,
    PriceReport,
    StepRounding,
    TaxLine,
)
from ocpi.tariffs.usage import PricingError

__all__ = [
    "DEFAULT_POLICY",
    "Amount",
    "CostDimension",
    "Note",
    "NoteCode",
    "PeriodReport",
    "Piece",
    "PriceReport",
    "PricingError",
    "PricingPolicy",
    "StepRounding",
    "TaxLine",
    "TimeStepBasis",
    "choose_tariff",
    "fill_total_cost",
    "price",
    "project",
]
