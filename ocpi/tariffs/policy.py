"""The choices the spec leaves open, as one settings object.

OCPI gives no money rounding rules ("price rounding has to be done according to rules and restrictions set by
applicable laws, contracts between the parties using OCPI and the currency used", 2.3.0 `mod_tariffs`, Tariff
object), and its step_size text leaves a few corners to the implementer. Every such choice is a field here;
the defaults are what the spec's worked examples need.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum


class TimeStepBasis(StrEnum):
    """Which total the step_size of the TIME + PARKING_TIME group rounds (2.3.0 `mod_cdrs`, "step_size").

    - LAST_DIMENSION: the total of the dimension of the last priced time-based period: the parking total when
      charging is followed by parking, the charging total otherwise. This is what every worked example of the
      spec computes (tariff_4, tariff_13, tariff_14 #1-#3, the 21 + 16 minutes example).
    - COMBINED: the TIME and PARKING_TIME totals together ("once for PARKING_TIME and TIME combined" read
      literally), the extra billed in the last priced period.
    """

    LAST_DIMENSION = "LAST_DIMENSION"
    COMBINED = "COMBINED"


@dataclass(frozen=True, slots=True)
class PricingPolicy:
    """How to price where the spec is silent.

    - `money_decimals`: totals (per dimension, per period, the session and its taxes) are rounded to this many
      decimals with `money_rounding`; every amount is computed exactly (Decimal) before that, and the session
      total is rounded from the exact sum, not summed from rounded parts (the spec's tariff_4 breakdown needs
      this: 2.875 + 3.30 + 4.125 = 10.30). `None` keeps exact amounts.
    - `apply_step_size`: False ignores step_size altogether, as OCPI 3.0 advises (2.3.0 `mod_tariffs`,
      PriceComponent note).
    - `time_step_basis`: see `TimeStepBasis`.
    - `tolerance`: a CDR or Session total that differs from the computed one by more than this is reported.
    """

    money_decimals: int | None = 2
    money_rounding: str = ROUND_HALF_UP
    apply_step_size: bool = True
    time_step_basis: TimeStepBasis = TimeStepBasis.LAST_DIMENSION
    tolerance: Decimal = Decimal("0.01")

    def money(self, amount: Decimal) -> Decimal:
        if self.money_decimals is None:
            return amount
        return amount.quantize(Decimal(1).scaleb(-self.money_decimals), rounding=self.money_rounding)


DEFAULT_POLICY = PricingPolicy()
