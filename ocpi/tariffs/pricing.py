"""The tariff engine's entry points: price a CDR or a running Session, project a Session forward, fill a
`total_cost`, choose the Tariff that applies."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal, localcontext
from typing import Any, TypeVar

from pydantic import BaseModel

from ocpi.tariffs.engine import Engine
from ocpi.tariffs.policy import DEFAULT_POLICY, PricingPolicy
from ocpi.tariffs.report import CDR_COST_FIELDS, Note, PriceReport
from ocpi.tariffs.restrictions import Reading
from ocpi.tariffs.usage import (
    PeriodUsage,
    PricingError,
    Usage,
    as_subject,
    canonical_tariff,
    check_version,
    derive_power,
    is_session,
    seconds,
    time_zone_of,
    usage_of,
)

_PRECISION = 40  # Decimal digits while pricing: hours are seconds / 3600, which rarely terminate

Subject = TypeVar("Subject", bound=BaseModel)


def price(
    tariff: Any,
    cdr_or_session: Any,
    *,
    version: str,
    time_zone: str | None = None,
    policy: PricingPolicy | None = None,
    as_of: datetime | None = None,
) -> PriceReport:
    """Price a finished CDR, or a Session so far, against `tariff`; all three of the given OCPI version
    (models, or dicts that validate as them).

    The local time zone is the location's (2.1.1 `location.time_zone`; a `time_zone` a sender added to a 2.2+
    `cdr_location`), else `time_zone`, else PricingError, but only when the tariff has a restriction read in
    local time. A running Session is priced up to its `end_date_time`, else `as_of`, else its `last_updated`.
    """
    version = check_version(version)
    canonical = canonical_tariff(tariff, version)
    subject = as_subject(cdr_or_session, version)
    notes: list[Note] = []
    zone = time_zone_of(subject, version, time_zone, canonical, notes)
    usage = usage_of(subject, version, as_of)
    usage.notes[:0] = notes
    return _run(canonical, usage, zone, policy, version)


def project(
    tariff: Any,
    session: Any,
    *,
    version: str,
    energy_kwh: Decimal | int | str,
    duration: timedelta,
    parking: timedelta = timedelta(0),
    power_kw: Decimal | int | str | None = None,
    current_a: Decimal | int | str | None = None,
    time_zone: str | None = None,
    policy: PricingPolicy | None = None,
    as_of: datetime | None = None,
) -> PriceReport:
    """What a running Session will cost if, from now (`as_of`, else its `last_updated`), it charges
    `energy_kwh` more over `duration` (at `power_kw` / `current_a` when given) and then parks for `parking`."""
    version = check_version(version)
    canonical = canonical_tariff(tariff, version)
    subject = as_subject(session, version)
    if not is_session(subject):
        raise PricingError("project() takes a Session: a CDR is finished")
    notes: list[Note] = []
    zone = time_zone_of(subject, version, time_zone, canonical, notes)
    usage = usage_of(subject, version, as_of)
    usage.notes[:0] = notes
    _extend(usage, Decimal(str(energy_kwh)), duration, parking, _number(power_kw), _number(current_a))
    return _run(canonical, usage, zone, policy, version)


def fill_total_cost(
    session_or_cdr: Subject,
    tariff: Any,
    *,
    version: str | None = None,
    time_zone: str | None = None,
    policy: PricingPolicy | None = None,
    as_of: datetime | None = None,
) -> Subject:
    """A copy of the Session or CDR with `total_cost` computed from the tariff (a CDR of 2.2.1 / 2.3.0 also
    gets the `total_*_cost` breakdown: set for every dimension the tariff priced, cleared for the others).
    For a CPO's write path; the version is read from the model's module when not given."""
    version = check_version(version or _version_of(session_or_cdr))
    report = price(tariff, session_or_cdr, version=version, time_zone=time_zone, policy=policy, as_of=as_of)
    update: dict[str, Any] = {"total_cost": report.total_cost()}
    if not is_session(session_or_cdr) and version != "2.1.1":
        # every dimension the tariff priced gets its cost; the others are cleared, not left stale
        priced = {piece.bucket for piece in report.pieces if piece.element is not None}
        update.update({field: report.cost_of(b) if b in priced else None for b, field in CDR_COST_FIELDS.items()})
    return session_or_cdr.model_copy(update=update)


def choose_tariff(tariffs: Iterable[Any], *, at: datetime, tariff_type: str | None = None) -> Any | None:
    """The Tariff that applies to a session starting at `at`, among a Connector's `tariff_ids` resolved: one
    active then (`start_date_time` <= at < `end_date_time`) of the wanted TariffType (REGULAR when none is
    asked for: "valid when using an RFID, without any Charging Preference"), else an active one without type
    ("When omitted, this tariff is valid for all sessions"); None if there is none."""
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at
    wanted = tariff_type or "REGULAR"
    active = [
        t
        for t in tariffs
        if (getattr(t, "start_date_time", None) is None or t.start_date_time <= at)
        and (getattr(t, "end_date_time", None) is None or at < t.end_date_time)
    ]
    typed = [t for t in active if getattr(t, "type", None) is not None and str(t.type) == wanted]
    untyped = [t for t in active if getattr(t, "type", None) is None]
    return (typed or untyped or [None])[0]


def _run(tariff: Any, usage: Usage, zone: Any, policy: PricingPolicy | None, version: str) -> PriceReport:
    with localcontext() as context:
        context.prec = _PRECISION
        report, _ = Engine(tariff, usage, zone, policy or DEFAULT_POLICY, version).run()
    return report


def _number(value: Decimal | int | str | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _extend(
    usage: Usage,
    energy: Decimal,
    duration: timedelta,
    parking: timedelta,
    power: Decimal | None,
    current: Decimal | None,
) -> None:
    start = usage.end
    index = max((p.index for p in usage.periods), default=-1) + 1
    added = []
    if duration > timedelta(0) or energy > 0:
        charging = PeriodUsage(index, start, start + duration, energy=energy, time=seconds(duration) / 3600)
        charging.power = Reading(power, power) if power is not None else derive_power(charging)
        charging.current = Reading(current, current) if current is not None else None
        added.append(charging)
    if parking > timedelta(0):
        begin = start + duration
        added.append(PeriodUsage(index + len(added), begin, begin + parking, parking=seconds(parking) / 3600))
    usage.periods.extend(added)
    usage.end = start + duration + parking
    usage.kind = "projection"
    usage.recorded = {}  # the Session's cost so far says nothing about the projected total


def _version_of(obj: BaseModel) -> str:
    module = type(obj).__module__  # ocpi.modules.<module>.v_2_2_1.schemas
    for part in module.split("."):
        if part.startswith("v_"):
            return part[2:].replace("_", ".")
    raise PricingError(f"cannot tell the OCPI version of {type(obj).__name__}: give version=")
