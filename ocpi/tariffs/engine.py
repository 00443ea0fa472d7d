"""Price a session's usage against a canonical (2.3.0) Tariff.

How (2.3.0 `mod_tariffs` Tariff object and TariffRestrictions, `mod_cdrs` "ChargingPeriod" and "step_size";
2.2.1 says the same; for 2.1.1 the same per-dimension rule is applied, see DIGEST D.5):

1. Every charging period is cut into pieces, one per dimension (reservation time, charging time, parking
   time, energy) and per stretch in which no restriction can change. Within a period the reservation comes
   first, then charging, then parking; energy flows while charging (over the whole period when it has no
   TIME), at a steady rate. A period is cut where the local wall clock reaches a restriction's start/end time
   or midnight, where the local offset changes (DST), where the session reaches a min/max duration and where
   the energy consumed reaches a min/max kWh. A cut inside a period that changes the element pricing it is
   reported: the CPO should have started a new period there (PERIOD_OUTLASTS_COMPONENT).
2. Each piece is priced by the first element, in list order, that has a price component for its dimension
   and whose restrictions all hold at the piece's start; none: no cost. Reservation time is priced by the
   TIME component of an element with a `reservation` restriction; when the reservation expired,
   RESERVATION_EXPIRES elements come first.
3. FLAT is charged once for the charging session (by the first element with a FLAT component that holds at
   the earliest moment any does) and once for the reservation (the reservation fee, or the expiry fee); an
   expired reservation has no charging session, so no start fee.
4. step_size is applied once per session: to the total energy, to the charging/parking time (see
   `TimeStepBasis`) and to the reservation time, each with the step_size of the last priced piece of its
   group; the extra is billed in that piece.
5. Amounts per piece (exact), per VAT rate; min_price / max_price on the session total, before and after
   taxes independently; money rounding last (`PricingPolicy`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

from ocpi.modules.tariffs.v_2_3_0 import schemas as tariffs
from ocpi.tariffs.policy import PricingPolicy, TimeStepBasis
from ocpi.tariffs.report import (
    CDR_COST_FIELDS,
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
from ocpi.tariffs.restrictions import Moment, check, local_boundaries, local_breakpoints, needs_local_time
from ocpi.tariffs.usage import PeriodUsage, Usage, seconds

ENERGY, TIME, PARKING, FLAT = "ENERGY", "TIME", "PARKING_TIME", "FLAT"
_RESERVATION = "RESERVATION_TIME"  # a piece of reservation time, priced by a TIME component
# step_size multipliers as units per volume unit: ENERGY 1 Wh (1000 per kWh), time 1 second (3600 per hour)
_WH_PER_KWH = Decimal(1000)
_SECONDS_PER_HOUR = Decimal(3600)
_FINE = Decimal("0.000001")
# Hours are seconds / 3600 and rarely terminate: amounts are kept to 1e-15 of the currency unit, so that a
# total of exactly x.xx5 is not pushed to either side of the money rounding by the 40th digit.
_EXACT = Decimal("1e-15")  # totals are compared with step sizes at this precision (micro-Wh, microseconds)


@dataclass(slots=True)
class _Selection:
    element: int | None
    component: int | None
    price: tariffs.PriceComponent | None
    reason: str
    unknown: bool = False


@dataclass(slots=True)
class _Draft:
    period: PeriodUsage
    dimension: str
    reservation: bool
    start: datetime
    end: datetime
    volume: Decimal
    moment: Moment
    selection: _Selection
    extra: Decimal = Decimal(0)

    @property
    def billed(self) -> Decimal:
        return self.volume + self.extra


@dataclass(slots=True)
class _Sum:
    """Exact money: the amount before taxes and the taxes per VAT rate."""

    excl: Decimal = Decimal(0)
    taxes: dict[Decimal | None, Decimal] = field(default_factory=dict)

    def add(self, excl: Decimal, tax: Decimal, rate: Decimal | None) -> None:
        self.excl += excl
        if tax:
            self.taxes[rate] = self.taxes.get(rate, Decimal(0)) + tax

    @property
    def tax(self) -> Decimal:
        return sum(self.taxes.values(), Decimal(0))


def _duration(hours: Decimal) -> timedelta:
    return timedelta(microseconds=int((hours * 3_600_000_000).to_integral_value()))


def _split(volume: Decimal, lengths: list[Decimal]) -> list[Decimal]:
    """`volume` shared in proportion to `lengths`; the last share takes the remainder, so they sum exactly."""
    total = sum(lengths, Decimal(0))
    if total == 0:
        return [volume] + [Decimal(0)] * (len(lengths) - 1)
    shares = [volume * length / total for length in lengths[:-1]]
    return [*shares, volume - sum(shares, Decimal(0))]


def _exact(amount: Decimal) -> Decimal:
    shown = amount.quantize(_EXACT, rounding=ROUND_HALF_EVEN).normalize()
    return shown.quantize(Decimal(1)) if shown.as_tuple().exponent > 0 else shown  # type: ignore[operator]


def _merge(drafts: list[_Draft]) -> list[_Draft]:
    """Join consecutive pieces of a period that the same price component prices (a cut that changed
    nothing), keeping the first one's evidence."""
    merged: list[_Draft] = []
    for draft in drafts:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and (previous.dimension, previous.reservation, previous.end)
            == (draft.dimension, draft.reservation, draft.start)
            and (previous.selection.element, previous.selection.component)
            == (draft.selection.element, draft.selection.component)
        ):
            previous.end = draft.end
            previous.volume += draft.volume
        else:
            merged.append(draft)
    return merged


class Engine:
    def __init__(
        self,
        tariff: tariffs.Tariff,
        usage: Usage,
        zone: ZoneInfo | None,
        policy: PricingPolicy,
        version: str,
    ):
        self.tariff = tariff
        self.usage = usage
        self.zone = zone
        self.local_cuts = zone is not None and needs_local_time(tariff)  # else no restriction reads the clock
        self.policy = policy
        self.version = version
        self.notes: list[Note] = list(usage.notes)
        self.step_roundings: list[StepRounding] = []
        self.boundaries = local_boundaries(tariff)
        restrictions = [e.restrictions for e in tariff.elements if e.restrictions is not None]
        self.kwh_marks = sorted({v for r in restrictions for v in (r.min_kwh, r.max_kwh) if v is not None})
        self.duration_marks = sorted(
            {v for r in restrictions for v in (r.min_duration, r.max_duration) if v is not None}
        )
        self.expired = any(p.reservation > 0 for p in usage.periods) and not any(
            p.energy or p.time or p.parking for p in usage.periods
        )
        charging = [p for p in usage.periods if not p.reservation_only]
        # Durations count from the start of charging, after any reservation.
        has_reservation = any(p.reservation > 0 for p in usage.periods)
        self.origin = charging[0].start if (charging and has_reservation) else usage.start
        self._noted: set[tuple[NoteCode, int | None, str]] = set()

    # --- notes -------------------------------------------------------------------------------------

    def note(self, code: NoteCode, message: str, period: int | None = None, key: str = "") -> None:
        if (code, period, key) in self._noted:
            return
        self._noted.add((code, period, key))
        self.notes.append(Note(code, message, period))

    # --- element selection ---------------------------------------------------------------------------

    def moment(self, instant: datetime, period: PeriodUsage, kwh: Decimal, reservation: bool) -> Moment:
        origin = self.usage.start if reservation else self.origin
        return Moment(
            instant=instant,
            local=instant.astimezone(self.zone) if self.zone is not None else None,
            duration=seconds(instant - origin),
            kwh=kwh,
            power=period.power,
            current=period.current,
            reservation=reservation,
            expired=self.expired,
        )

    def select(self, dimension: str, moment: Moment) -> _Selection:
        order = list(range(len(self.tariff.elements)))
        if moment.reservation and moment.expired:
            # 2.3.0 mod_tariffs, ReservationRestrictionType note: an expired reservation's time is priced by
            # the RESERVATION_EXPIRES element when both kinds have a TIME component.
            expires = tariffs.ReservationRestrictionType.RESERVATION_EXPIRES
            order.sort(key=lambda i: getattr(self.tariff.elements[i].restrictions, "reservation", None) != expires)
        skipped: list[str] = []
        unknown = False
        for i in order:
            element = self.tariff.elements[i]
            found = next(((j, c) for j, c in enumerate(element.price_components) if c.type == dimension), None)
            if found is None:
                continue
            ok, evidence = check(element.restrictions, moment)
            if ok:
                why = f"elements[{i}] is the first element with a {dimension} component that applies ({evidence})"
                if skipped:
                    why += "; skipped " + "; ".join(skipped)
                return _Selection(i, found[0], found[1], why, unknown)
            unknown = unknown or "unknown in this period" in evidence
            skipped.append(f"elements[{i}]: {evidence}")
        why = f"no element with a {dimension} component applies, so no cost"
        if skipped:
            why += " (" + "; ".join(skipped) + ")"
        return _Selection(None, None, None, why, unknown)

    # --- cutting periods into pieces -----------------------------------------------------------------

    def pieces(self) -> tuple[list[_Draft], list[tuple[datetime, PeriodUsage, Moment]]]:
        drafts: list[_Draft] = []
        probes: list[tuple[datetime, PeriodUsage, Moment]] = []
        consumed = Decimal(0)
        for period in self.usage.periods:
            period_drafts = self.period_pieces(period, consumed)
            if not period.reservation_only:
                probes.append((period.start, period, self.moment(period.start, period, consumed, False)))
            probes.extend((draft.start, period, draft.moment) for draft in period_drafts)
            consumed += period.energy
            self.check_period(period, period_drafts)
            drafts.extend(_merge(period_drafts))
        return drafts, probes

    def period_pieces(self, period: PeriodUsage, consumed: Decimal) -> list[_Draft]:
        timed = [
            (dimension, volume)
            for dimension, volume in (
                (_RESERVATION, period.reservation),
                (TIME, period.time),
                (PARKING, period.parking),
            )
            if volume > 0
        ]
        placed = sum((volume for _, volume in timed), Decimal(0))
        wall = seconds(period.end - period.start) / 3600
        # Volumes sent rounded (0.416667 h for 25 minutes) may overrun the period by a hair: fit them in.
        scale = wall / placed if placed > wall and seconds(_duration(placed - wall)) <= 1 else Decimal(1)
        cursor = period.start
        intervals: list[tuple[str, datetime, datetime, Decimal]] = []
        for dimension, volume in timed:
            length = _duration(volume * scale)
            intervals.append((dimension, cursor, cursor + length, volume))
            cursor += length
        if cursor - period.end > timedelta(seconds=1):
            self.note(
                NoteCode.VOLUME_EXCEEDS_PERIOD,
                f"the period's time volumes last {cursor - period.start}, longer than the period "
                f"({period.end - period.start}): priced as given",
                period.index,
            )
        charging = next((i for i in intervals if i[0] == TIME), None)
        energy_from, energy_to = (charging[1], charging[2]) if charging else (period.start, period.end)
        cuts = self.cuts(period.start, max(cursor, period.end))
        # kWh marks as instants on the charging stretch, with the exact energy consumed there.
        known_kwh: dict[datetime, Decimal] = {}
        energy_span = seconds(energy_to - energy_from)
        if period.energy > 0 and energy_span > 0:
            for mark in self.kwh_marks:
                if consumed < mark < consumed + period.energy:
                    offset = energy_span * (mark - consumed) / period.energy
                    known_kwh[energy_from + timedelta(microseconds=int(offset * 1_000_000))] = mark

        def consumed_at(instant: datetime) -> Decimal:
            if instant in known_kwh:
                return known_kwh[instant]
            if period.energy == 0 or instant <= energy_from:
                return consumed
            if instant >= energy_to or energy_span == 0:
                return consumed + period.energy
            return consumed + period.energy * seconds(instant - energy_from) / energy_span

        drafts: list[_Draft] = []
        for dimension, begin, end, volume in intervals:
            edges = [begin, *sorted(c for c in cuts | set(known_kwh) if begin < c < end), end]
            lengths = [seconds(b - a) for a, b in itertools.pairwise(edges)]
            reservation = dimension == _RESERVATION
            priced_as = TIME if reservation else dimension
            for (a, b), share in zip(itertools.pairwise(edges), _split(volume, lengths), strict=True):
                moment = self.moment(a, period, consumed_at(a), reservation)
                selection = self.select(priced_as, moment)
                drafts.append(_Draft(period, priced_as, reservation, a, b, share, moment, selection))
        if period.energy > 0:
            drafts.extend(self.energy_pieces(period, consumed, energy_from, energy_to, cuts))
        return drafts

    def energy_pieces(
        self, period: PeriodUsage, consumed: Decimal, begin: datetime, end: datetime, cuts: set[datetime]
    ) -> list[_Draft]:
        total = period.energy
        marks = [consumed, *(m for m in self.kwh_marks if consumed < m < consumed + total), consumed + total]
        span = seconds(end - begin)

        def instant(kwh: Decimal) -> datetime:
            if span == 0:
                return begin
            return begin + timedelta(microseconds=int(span * (kwh - consumed) / total * 1_000_000))

        drafts: list[_Draft] = []
        for low, high in itertools.pairwise(marks):
            a = begin if low == consumed else instant(low)
            b = end if high == consumed + total else instant(high)
            edges = [a, *sorted(c for c in cuts if a < c < b), b]
            lengths = [seconds(y - x) for x, y in itertools.pairwise(edges)]
            reached = low
            for (x, y), share in zip(itertools.pairwise(edges), _split(high - low, lengths), strict=True):
                moment = self.moment(x, period, reached, False)
                drafts.append(_Draft(period, ENERGY, False, x, y, share, moment, self.select(ENERGY, moment)))
                reached += share
        return drafts

    def cuts(self, start: datetime, end: datetime) -> set[datetime]:
        found: set[datetime] = set()
        if self.local_cuts and self.zone is not None and end > start:
            found |= local_breakpoints(self.zone, start, end, self.boundaries)
        for origin in {self.origin, self.usage.start}:
            for mark in self.duration_marks:
                instant = origin + timedelta(seconds=mark)
                if start < instant < end:
                    found.add(instant)
        return found

    def check_period(self, period: PeriodUsage, drafts: list[_Draft]) -> None:
        by_dimension: dict[tuple[str, bool], set[int | None]] = {}
        for draft in drafts:
            if draft.volume <= 0:
                continue
            by_dimension.setdefault((draft.dimension, draft.reservation), set()).add(draft.selection.element)
            if draft.selection.element is None:
                self.note(
                    NoteCode.NO_MATCHING_ELEMENT,
                    f"no tariff element prices this period's {draft.dimension}"
                    f"{' (reservation)' if draft.reservation else ''}: no cost",
                    period.index,
                    draft.dimension,
                )
            if draft.selection.unknown:
                self.note(
                    NoteCode.RESTRICTION_UNKNOWN,
                    "an element was skipped because the period does not say the power or current its restriction needs",
                    period.index,
                )
        for (dimension, _), elements in by_dimension.items():
            if len(elements) > 1:
                self.note(
                    NoteCode.PERIOD_OUTLASTS_COMPONENT,
                    f"the period's {dimension} is priced by more than one element "
                    f"({', '.join(str(e) for e in sorted(elements, key=lambda e: -1 if e is None else e))}): "
                    "a new charging period should have started when the element changed; split by time",
                    period.index,
                    dimension,
                )
        if period.tariff_id is not None and period.tariff_id != self.tariff.id:
            self.note(
                NoteCode.TARIFF_ID_MISMATCH,
                f"the period names tariff {period.tariff_id!r}, priced with tariff {self.tariff.id!r}",
                period.index,
            )

    # --- FLAT ----------------------------------------------------------------------------------------

    def flat_pieces(self, probes: list[tuple[datetime, PeriodUsage, Moment]]) -> list[_Draft]:
        drafts = []
        for reservation in (True, False):
            if not reservation and self.expired:
                continue  # an expired reservation has no charging session to charge a start fee for
            for instant, period, moment in sorted(
                (p for p in probes if p[2].reservation == reservation), key=lambda p: p[0]
            ):
                selection = self.select(FLAT, moment)
                if selection.element is not None:
                    drafts.append(_Draft(period, FLAT, reservation, instant, instant, Decimal(1), moment, selection))
                    break
        return drafts

    # --- step_size -----------------------------------------------------------------------------------

    def apply_step_sizes(self, drafts: list[_Draft]) -> None:
        # What came last is read from the order of the charging periods (and, within one, from the order of its
        # pieces), never from where their volumes end: a period whose volumes outlast it (VOLUME_EXCEEDS_PERIOD)
        # would otherwise put its charging after the next period's parking.
        order = {id(p): n for n, p in enumerate(self.usage.periods)}
        priced = sorted(
            (d for d in drafts if d.selection.price is not None and d.volume > 0 and d.dimension != FLAT),
            key=lambda d: (order[id(d.period)], d.start, d.end),
        )
        time_group = [d for d in priced if not d.reservation and d.dimension in (TIME, PARKING)]
        if time_group and self.policy.time_step_basis == TimeStepBasis.LAST_DIMENSION:
            last_dimension = time_group[-1].dimension
            time_group = [d for d in time_group if d.dimension == last_dimension]
            time_name = last_dimension
        else:
            time_name = f"{TIME}+{PARKING}"
        groups = (
            (ENERGY, [d for d in priced if d.dimension == ENERGY], _WH_PER_KWH, "Wh"),
            (time_name, time_group, _SECONDS_PER_HOUR, "s"),
            (_RESERVATION, [d for d in priced if d.reservation], _SECONDS_PER_HOUR, "s"),
        )
        for name, members, units_per_volume, unit in groups:
            if not members:
                continue
            last = members[-1]
            assert last.selection.price is not None
            step = last.selection.price.step_size
            if step <= 0:
                self.note(
                    NoteCode.INVALID_STEP_SIZE,
                    f"step_size {step} of elements[{last.selection.element}] {last.dimension}: not applied",
                    last.period.index,
                )
                continue
            total = sum((d.volume for d in members), Decimal(0)) * units_per_volume
            total = total.quantize(_FINE, rounding=ROUND_HALF_EVEN)
            billed = (total / step).to_integral_value(rounding=ROUND_CEILING) * step
            if billed == total:
                continue
            last.extra = (billed - total) / units_per_volume
            self.step_roundings.append(
                StepRounding(name, step, unit, total, billed, last.period.index, last.selection.element)
            )
            self.note(
                NoteCode.STEP_SIZE_APPLIED,
                f"{name}: the session total {total.normalize():f} {unit} is billed as {billed} {unit} "
                f"(step_size {step} of elements[{last.selection.element}]); the extra is billed in this period",
                last.period.index,
                name,
            )

    # --- money ---------------------------------------------------------------------------------------

    def money(self, draft: _Draft) -> tuple[Decimal, Decimal, Decimal | None]:
        """(excl, tax, vat rate) of a piece, to 1e-15."""
        excl, tax, rate = self._money(draft)
        return _exact(excl), _exact(tax), rate

    def _money(self, draft: _Draft) -> tuple[Decimal, Decimal, Decimal | None]:
        component = draft.selection.price
        if component is None:
            return Decimal(0), Decimal(0), None
        amount = draft.billed * component.price
        vat = component.vat
        mode = self.tariff.tax_included
        if self.version == "2.1.1" or mode == tariffs.TaxIncluded.N_A:
            if vat is not None and self.version == "2.3.0":
                self.note(
                    NoteCode.VAT_NOT_APPLICABLE,
                    f"tax_included is N/A: the vat of elements[{draft.selection.element}] is ignored",
                    key=str(draft.selection.element),
                )
            return amount, Decimal(0), None
        if vat is None:
            if self.version == "2.3.0" and amount:
                code, what = (
                    (NoteCode.TAX_SPLIT_UNKNOWN, "include taxes, their split is unknown: before taxes = after")
                    if mode == tariffs.TaxIncluded.YES
                    else (NoteCode.TAXES_UNKNOWN, "exclude taxes to be added later: after taxes = before")
                )
                self.note(code, f"prices without vat that {what}")
            return amount, Decimal(0), None
        factor = 1 + vat / 100
        if mode == tariffs.TaxIncluded.YES:
            excl = amount / factor
            return excl, amount - excl, vat
        return amount, amount * vat / 100, vat

    def amount(self, exact: _Sum) -> Amount:
        """Round an exact sum; the tax lines absorb the rounding so that they sum to incl - excl exactly."""
        money = self.policy.money
        excl = money(exact.excl)
        if self.version == "2.1.1":
            return Amount(excl, None)
        incl = money(exact.excl + exact.tax)
        lines = {rate: money(tax) for rate, tax in exact.taxes.items() if tax}
        residual = (incl - excl) - sum(lines.values(), Decimal(0))
        if residual:
            if lines:
                largest = max(lines, key=lambda rate: abs(lines[rate]))
                lines[largest] += residual
            else:
                lines[None] = residual
        taxes = tuple(
            TaxLine("VAT", rate, lines[rate])
            for rate in sorted(lines, key=lambda r: (r is None, r or Decimal(0)))
            if lines[rate]
        )
        return Amount(excl, incl, taxes)

    def limit(self, exact: _Sum) -> _Sum:
        """min_price / max_price: before and after taxes clamped independently (2.3.0 mod_tariffs, Tariff
        notes). A limit without `after_taxes` that moves the total keeps the taxes in proportion."""
        excl, tax = exact.excl, exact.tax
        low, high = self.tariff.min_price, self.tariff.max_price
        limited = excl
        if low is not None and limited < low.before_taxes:
            limited = low.before_taxes
        if high is not None and limited > high.before_taxes:
            limited = high.before_taxes
        moved_without_after = limited != excl and (
            (low is not None and limited == low.before_taxes and low.after_taxes is None)
            or (high is not None and limited == high.before_taxes and high.after_taxes is None)
        )
        incl = excl + tax
        if moved_without_after:
            incl = limited + (tax * limited / excl if excl else Decimal(0))
        if low is not None and low.after_taxes is not None and incl < low.after_taxes:
            incl = low.after_taxes
        if high is not None and high.after_taxes is not None and incl > high.after_taxes:
            incl = high.after_taxes
        if limited == excl and incl == excl + tax:
            return exact
        self.note(
            NoteCode.PRICE_LIMIT_APPLIED,
            f"the computed total {self.policy.money(excl)} / {self.policy.money(excl + tax)} is limited to "
            f"{self.policy.money(limited)} / {self.policy.money(incl)} by the tariff's min_price / max_price",
        )
        target = incl - limited
        if tax:
            taxes = {rate: _exact(amount * target / tax) for rate, amount in exact.taxes.items()}
        else:
            taxes = {None: target} if target else {}
        return _Sum(limited, taxes)

    # --- the whole -----------------------------------------------------------------------------------

    def run(self) -> tuple[PriceReport, list[_Draft]]:
        self.check_tariff()
        drafts, probes = self.pieces()
        drafts.extend(self.flat_pieces(probes))
        if self.policy.apply_step_size:
            self.apply_step_sizes(drafts)
        if self.expired:
            self.note(NoteCode.RESERVATION_EXPIRED, "a reservation without charging: priced as an expired one")
        order = {id(p): n for n, p in enumerate(self.usage.periods)}
        drafts.sort(key=lambda d: (order[id(d.period)], d.dimension != FLAT, d.start))

        session, per_bucket = _Sum(), {b: _Sum() for b in self.buckets()}
        per_period: dict[int, _Sum] = {}
        pieces_by_period: dict[int, list[Piece]] = {}
        for draft in drafts:
            excl, tax, rate = self.money(draft)
            piece = self.piece(draft, excl, tax)
            session.add(excl, tax, rate)
            per_bucket[piece.bucket].add(excl, tax, rate)
            per_period.setdefault(id(draft.period), _Sum()).add(excl, tax, rate)
            pieces_by_period.setdefault(id(draft.period), []).append(piece)
        periods = [
            PeriodReport(
                p.index,
                p.start,
                p.end,
                tuple(pieces_by_period.get(id(p), [])),
                self.amount(per_period.get(id(p), _Sum())),
            )
            for p in self.usage.periods
        ]
        report = PriceReport(
            version=self.version,
            kind=self.usage.kind,
            tariff_id=str(self.tariff.id),
            currency=str(self.tariff.currency),
            time_zone=self.zone.key if self.zone is not None else None,
            subtotal=self.amount(session),
            total=self.amount(self.limit(session)),
            dimensions={bucket: self.amount(total) for bucket, total in per_bucket.items()},
            periods=periods,
            step_roundings=self.step_roundings,
            notes=self.notes,
            tolerance=self.policy.tolerance,
        )
        self.compare(report)
        return report, drafts

    def buckets(self) -> list[CostDimension]:
        return [b for b in CostDimension if not (self.version == "2.1.1" and b == CostDimension.RESERVATION)]

    def piece(self, draft: _Draft, excl: Decimal, tax: Decimal) -> Piece:
        price = draft.selection.price
        reason = draft.selection.reason
        if draft.extra:
            reason += f"; includes {draft.extra.normalize():f} extra from the session's step_size rounding"
        return Piece(
            period=draft.period.index,
            dimension=draft.dimension,
            reservation=draft.reservation,
            start=draft.start,
            end=draft.end,
            volume=draft.volume,
            billed=draft.billed,
            element=draft.selection.element,
            component=draft.selection.component,
            unit_price=price.price if price is not None else None,
            vat=price.vat if price is not None else None,
            excl=excl,
            incl=None if self.version == "2.1.1" else excl + tax,
            reason=reason,
        )

    def check_tariff(self) -> None:
        tariff, usage = self.tariff, self.usage
        if str(tariff.currency).upper() != usage.currency.upper():
            self.note(
                NoteCode.CURRENCY_MISMATCH,
                f"the tariff is in {tariff.currency}, the session in {usage.currency}: amounts are in "
                f"{tariff.currency}",
            )
        if (tariff.start_date_time is not None and usage.start < tariff.start_date_time) or (
            tariff.end_date_time is not None and usage.start >= tariff.end_date_time
        ):
            self.note(
                NoteCode.TARIFF_NOT_ACTIVE,
                "the session started outside the tariff's start_date_time / end_date_time",
            )

    def compare(self, report: PriceReport) -> None:
        """The object's own totals against ours: recorded, difference (recorded - computed) and notes."""
        computed = {"total_cost": report.total}
        computed.update({CDR_COST_FIELDS[b]: amount for b, amount in report.dimensions.items()})
        for key, price in self.usage.recorded.items():
            taxes = getattr(price, "taxes", None)
            excl = price.before_taxes  # type: ignore[attr-defined]
            incl = excl + sum((t.amount for t in taxes), Decimal(0)) if taxes else None
            recorded = Amount(excl, incl)
            ours = computed[key]
            difference = Amount(
                excl - ours.excl, incl - ours.incl if incl is not None and ours.incl is not None else None
            )
            report.recorded[key] = recorded
            report.differences[key] = difference
            off = [abs(difference.excl)] + ([abs(difference.incl)] if difference.incl is not None else [])
            if max(off) > self.policy.tolerance:
                code = NoteCode.TOTAL_MISMATCH if key == "total_cost" else NoteCode.DIMENSION_TOTAL_MISMATCH
                self.note(
                    code,
                    f"{key}: the object says {_pair(recorded)}, the tariff gives {_pair(ours)}",
                    key=key,
                )
        if self.usage.total_energy is not None:
            measured = sum((p.energy for p in self.usage.periods), Decimal(0))
            if self.usage.periods and abs(measured - self.usage.total_energy) > 1 / _WH_PER_KWH:
                self.note(
                    NoteCode.ENERGY_TOTAL_MISMATCH,
                    f"the charging periods add up to {measured} kWh, the object says {self.usage.total_energy} kWh",
                )


def _pair(amount: Amount) -> str:
    return f"{amount.excl}" if amount.incl is None else f"{amount.excl} / {amount.incl}"
