"""What pricing returns: an audit of how every piece of a session was priced, and the totals.

Amounts are Decimal. `Amount.incl` is the amount including VAT (2.2.1) / after taxes (2.3.0), None in 2.1.1,
whose costs exclude VAT and whose tariffs carry no VAT. An Amount's tax lines always sum exactly to
`incl - excl`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from ocpi.core.data_types import PriceV221, PriceV230, TaxAmount, format_datetime


class CostDimension(StrEnum):
    """The cost buckets of a CDR: `total_fixed_cost`, `total_energy_cost`, `total_time_cost`,
    `total_parking_cost`, `total_reservation_cost` (reservation FLAT and TIME both count as reservation)."""

    FLAT = "FLAT"
    ENERGY = "ENERGY"
    TIME = "TIME"
    PARKING_TIME = "PARKING_TIME"
    RESERVATION = "RESERVATION"


CDR_COST_FIELDS = {
    CostDimension.FLAT: "total_fixed_cost",
    CostDimension.ENERGY: "total_energy_cost",
    CostDimension.TIME: "total_time_cost",
    CostDimension.PARKING_TIME: "total_parking_cost",
    CostDimension.RESERVATION: "total_reservation_cost",
}


class NoteCode(StrEnum):
    PERIODS_OUT_OF_ORDER = "PERIODS_OUT_OF_ORDER"
    PERIOD_OUTSIDE_SESSION = "PERIOD_OUTSIDE_SESSION"
    PERIOD_OUTLASTS_COMPONENT = "PERIOD_OUTLASTS_COMPONENT"
    VOLUME_EXCEEDS_PERIOD = "VOLUME_EXCEEDS_PERIOD"
    NEGATIVE_VOLUME = "NEGATIVE_VOLUME"
    NO_CHARGING_PERIODS = "NO_CHARGING_PERIODS"
    NO_MATCHING_ELEMENT = "NO_MATCHING_ELEMENT"
    RESTRICTION_UNKNOWN = "RESTRICTION_UNKNOWN"
    STEP_SIZE_APPLIED = "STEP_SIZE_APPLIED"
    INVALID_STEP_SIZE = "INVALID_STEP_SIZE"
    PRICE_LIMIT_APPLIED = "PRICE_LIMIT_APPLIED"
    RESERVATION_EXPIRED = "RESERVATION_EXPIRED"
    TAXES_UNKNOWN = "TAXES_UNKNOWN"
    TAX_SPLIT_UNKNOWN = "TAX_SPLIT_UNKNOWN"
    VAT_NOT_APPLICABLE = "VAT_NOT_APPLICABLE"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    TARIFF_NOT_ACTIVE = "TARIFF_NOT_ACTIVE"
    TARIFF_ID_MISMATCH = "TARIFF_ID_MISMATCH"
    TIME_ZONE_CONFLICT = "TIME_ZONE_CONFLICT"
    ENERGY_TOTAL_MISMATCH = "ENERGY_TOTAL_MISMATCH"
    TOTAL_MISMATCH = "TOTAL_MISMATCH"
    DIMENSION_TOTAL_MISMATCH = "DIMENSION_TOTAL_MISMATCH"


@dataclass(frozen=True, slots=True)
class Note:
    code: NoteCode
    message: str
    period: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": str(self.code), "message": self.message}
        if self.period is not None:
            out["period"] = self.period
        return out


@dataclass(frozen=True, slots=True)
class TaxLine:
    name: str
    percentage: Decimal | None
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Amount:
    excl: Decimal
    incl: Decimal | None
    taxes: tuple[TaxLine, ...] = ()

    @property
    def tax(self) -> Decimal | None:
        return None if self.incl is None else self.incl - self.excl

    def as_price(self, version: str) -> Decimal | PriceV221 | PriceV230:
        """This amount as the version's cost: a number (2.1.1), Price excl/incl VAT (2.2.1), Price before
        taxes with tax lines (2.3.0)."""
        if version == "2.1.1":
            return self.excl
        if version == "2.2.1":
            return PriceV221(excl_vat=self.excl, incl_vat=self.incl)
        taxes = [TaxAmount(name=t.name, percentage=t.percentage, amount=t.amount) for t in self.taxes]
        return PriceV230(before_taxes=self.excl, taxes=taxes or None)

    def to_dict(self, version: str) -> Any:
        price = self.as_price(version)
        return price if isinstance(price, Decimal) else price.model_dump(exclude_none=True)


@dataclass(frozen=True, slots=True)
class Piece:
    """One priced piece of a charging period: a dimension's volume between two instants, the tariff element
    and price component that priced it (None: no element applied, so no cost) and why."""

    period: int | None
    dimension: str
    reservation: bool
    start: datetime
    end: datetime
    volume: Decimal
    billed: Decimal
    element: int | None
    component: int | None
    unit_price: Decimal | None
    vat: Decimal | None
    excl: Decimal
    incl: Decimal | None
    reason: str

    @property
    def bucket(self) -> CostDimension:
        return CostDimension.RESERVATION if self.reservation else CostDimension(self.dimension)

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "dimension": self.dimension,
            "reservation": self.reservation,
            "start": format_datetime(self.start),
            "end": format_datetime(self.end),
            "volume": self.volume,
            "billed": self.billed,
            "element": self.element,
            "component": self.component,
            "unit_price": self.unit_price,
            "vat": self.vat,
            "excl": self.excl,
            "incl": self.incl,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class PeriodReport:
    index: int
    start: datetime
    end: datetime
    pieces: tuple[Piece, ...]
    cost: Amount


@dataclass(frozen=True, slots=True)
class StepRounding:
    """step_size applied once to a group's session total; the extra is billed in `period`."""

    group: str
    step_size: int
    unit: str
    total: Decimal
    billed: Decimal
    period: int | None
    element: int | None


@dataclass(slots=True)
class PriceReport:
    version: str
    kind: str  # "cdr", "estimate" (a running session so far) or "projection"
    tariff_id: str
    currency: str
    time_zone: str | None
    subtotal: Amount  # before min_price / max_price
    total: Amount
    dimensions: dict[CostDimension, Amount]
    periods: list[PeriodReport]
    step_roundings: list[StepRounding] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    recorded: dict[str, Amount] = field(default_factory=dict)  # what the CDR / Session says, by CDR field name
    differences: dict[str, Amount] = field(default_factory=dict)  # recorded - computed, same keys
    tolerance: Decimal = Decimal("0.01")

    @property
    def pieces(self) -> list[Piece]:
        return [piece for period in self.periods for piece in period.pieces]

    @property
    def taxes(self) -> tuple[TaxLine, ...]:
        return self.total.taxes

    def codes(self) -> set[NoteCode]:
        return {note.code for note in self.notes}

    def total_cost(self) -> Decimal | PriceV221 | PriceV230:
        """The session's total cost in the version's shape, ready for `total_cost`."""
        return self.total.as_price(self.version)

    def cost_of(self, dimension: CostDimension) -> Decimal | PriceV221 | PriceV230:
        return self.dimensions[dimension].as_price(self.version)

    @property
    def agrees_with_recorded(self) -> bool:
        """False when the object's own `total_cost` differs from the computed one by more than the tolerance
        (before and, when both sides give it, after taxes)."""
        difference = self.differences.get("total_cost")
        if difference is None:
            return True
        off = [abs(difference.excl)] + ([abs(difference.incl)] if difference.incl is not None else [])
        return all(value <= self.tolerance for value in off)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (numbers as Decimal: dump with a Decimal-aware encoder)."""
        return {
            "version": self.version,
            "kind": self.kind,
            "tariff_id": self.tariff_id,
            "currency": self.currency,
            "time_zone": self.time_zone,
            "total_cost": self.total.to_dict(self.version),
            "subtotal": self.subtotal.to_dict(self.version),
            "dimensions": {str(k): v.to_dict(self.version) for k, v in self.dimensions.items()},
            "periods": [
                {
                    "index": p.index,
                    "start": format_datetime(p.start),
                    "end": format_datetime(p.end),
                    "cost": p.cost.to_dict(self.version),
                    "pieces": [piece.to_dict() for piece in p.pieces],
                }
                for p in self.periods
            ],
            "step_roundings": [
                {
                    "group": s.group,
                    "step_size": s.step_size,
                    "unit": s.unit,
                    "total": s.total,
                    "billed": s.billed,
                    "period": s.period,
                    "element": s.element,
                }
                for s in self.step_roundings
            ],
            "notes": [note.to_dict() for note in self.notes],
            "recorded": {k: v.to_dict(self.version) for k, v in self.recorded.items()},
            "differences": {k: v.to_dict(self.version) for k, v in self.differences.items()},
        }
