"""`ocpi price`: price a CDR or a Session against a Tariff, and check the CDR's own totals."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from ocpi.core.versions import SUPPORTED_VERSIONS
from ocpi.tariffs import PriceReport, PricingError, price
from ocpi.tariffs.report import CDR_COST_FIELDS, Amount

VERSIONS = SUPPORTED_VERSIONS


class UserError(Exception):
    """A mistake the user can fix: reported in one line, exit status 2."""


def _load(path: Path, what: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{what} file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"cannot read {what} file {path}: {error}") from None
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise UserError(f"{path} is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    if isinstance(data, dict) and isinstance(data.get("data"), dict) and "status_code" in data:
        data = data["data"]  # a whole OCPI response envelope
    if not isinstance(data, dict):
        raise UserError(f"{path} does not hold a JSON object ({what})")
    return data


def _detect_version(tariff: dict[str, Any]) -> str:
    if "tax_included" in tariff:
        return "2.3.0"
    return "2.2.1" if "country_code" in tariff else "2.1.1"


def _one_line(error: ValidationError, version: str) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(object)"
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"not a valid OCPI {version} {error.title}: {where}: {first['msg']}{more}"


def _money_columns(version: str) -> tuple[str, str | None]:
    if version == "2.1.1":
        return "cost (excl. VAT)", None
    if version == "2.2.1":
        return "excl. VAT", "incl. VAT"
    return "before taxes", "after taxes"


def _fmt(value: Decimal | None) -> str:
    if value is None:
        return "-"
    return f"{value.quantize(Decimal('0.000001')).normalize():f}"


def _money(value: Decimal | None) -> str:
    if value is None:
        return "-"
    shown = value.quantize(Decimal("0.000001")).normalize()
    if shown.as_tuple().exponent > -2:  # type: ignore[operator]
        shown = shown.quantize(Decimal("0.01"))
    return f"{shown:f}"


def _amount_cells(amount: Amount, version: str) -> list[str]:
    cells = [_money(amount.excl)]
    if version != "2.1.1":
        cells.append(_money(amount.incl))
    return cells


_UNITS = {"ENERGY": "kWh", "TIME": "h", "PARKING_TIME": "h", "FLAT": ""}


def print_report(report: PriceReport, console: Console) -> None:
    """The breakdown: one row per priced piece, why each element applied, the totals, the object's own
    totals against ours, and the notes."""
    excl_name, incl_name = _money_columns(report.version)
    zone = ZoneInfo(report.time_zone) if report.time_zone else None
    pieces = Table(title=f"Tariff {report.tariff_id} ({report.currency}), {report.kind}, OCPI {report.version}")
    for column in ("#", "period", "from" + (" (local)" if zone else " (UTC)"), "dimension", "billed", "element"):
        pieces.add_column(column)
    pieces.add_column("price", justify="right")
    pieces.add_column(excl_name, justify="right")
    if incl_name:
        pieces.add_column(incl_name, justify="right")
    reasons = []
    for number, piece in enumerate(report.pieces, start=1):
        start = piece.start.astimezone(zone) if zone else piece.start
        unit = _UNITS.get(piece.dimension, "")
        billed = f"{_fmt(piece.billed)} {unit}".strip()
        if piece.billed != piece.volume:
            billed = f"{_fmt(piece.volume)} → {billed}"
        row = [
            str(number),
            str(piece.period),
            start.strftime("%d %b %H:%M:%S"),
            f"{piece.dimension}{' (reservation)' if piece.reservation else ''}",
            billed,
            "-" if piece.element is None else str(piece.element),
            _fmt(piece.unit_price),
            _money(piece.excl),
        ]
        if incl_name:
            row.append(_money(piece.incl))
        pieces.add_row(*row)
        reasons.append(f"#{number}: {piece.reason}")
    console.print(pieces)
    for reason in reasons:
        console.print(reason, highlight=False)

    totals = Table(title="Totals")
    totals.add_column("")
    totals.add_column(excl_name, justify="right")
    if incl_name:
        totals.add_column(incl_name, justify="right")
    for dimension, amount in report.dimensions.items():
        if amount.excl or amount.incl:
            totals.add_row(str(dimension), *_amount_cells(amount, report.version))
    if report.subtotal != report.total:
        totals.add_row("before min/max price", *_amount_cells(report.subtotal, report.version))
    totals.add_row("TOTAL", *_amount_cells(report.total, report.version), style="bold")
    for tax in report.taxes:
        rate = f" {_fmt(tax.percentage)}%" if tax.percentage is not None else ""
        totals.add_row(f"  {tax.name}{rate}", "", _money(tax.amount))
    console.print(totals)

    if report.recorded:
        compared = Table(title="The object's own totals")
        compared.add_column("field")
        for column in ("recorded", "computed", "difference"):
            compared.add_column(column, justify="right")
        computed = {"total_cost": report.total}
        computed.update({CDR_COST_FIELDS[k]: v for k, v in report.dimensions.items()})
        for key, recorded in report.recorded.items():
            compared.add_row(key, _pair(recorded), _pair(computed.get(key)), _pair(report.differences[key]))
        console.print(compared)
    for note in report.notes:
        where = f" (period {note.period})" if note.period is not None else ""
        console.print(f"[bold]{note.code}[/bold]{where}: {note.message}", highlight=False)


def _pair(amount: Amount | None) -> str:
    if amount is None:
        return "-"
    return _money(amount.excl) if amount.incl is None else f"{_money(amount.excl)} / {_money(amount.incl)}"


def price_command(
    tariff: Path = typer.Option(..., "--tariff", help="Tariff JSON file."),
    cdr: Path | None = typer.Option(None, "--cdr", help="CDR JSON file."),
    session: Path | None = typer.Option(None, "--session", help="Session JSON file (priced so far)."),
    version: str | None = typer.Option(None, "--version", help="OCPI version; default: read from the tariff."),
    tz: str | None = typer.Option(None, "--tz", help="IANA time zone when the location does not give one."),
) -> None:
    """Price a CDR or a Session against a Tariff, piece by piece.

    When the CDR (or Session) carries its own total_cost, the difference is shown.

    Exit status: 1 when that total differs from the computed one by more than 0.01; 2 on unusable input.
    """
    try:
        report = _price(tariff, cdr, session, version, tz)
    except UserError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    print_report(report, Console())
    raise typer.Exit(0 if report.agrees_with_recorded else 1)


def _price(
    tariff_path: Path, cdr: Path | None, session: Path | None, version: str | None, tz: str | None
) -> PriceReport:
    if (cdr is None) == (session is None):
        raise UserError("give exactly one of --cdr and --session")
    subject_path = cdr or session
    assert subject_path is not None
    what = "CDR" if cdr is not None else "Session"
    tariff = _load(tariff_path, "tariff")
    subject = _load(subject_path, what)
    if version is not None and version not in VERSIONS:
        raise UserError(f"unknown OCPI version {version!r}: expected one of {', '.join(VERSIONS)}")
    version = version or _detect_version(tariff)
    if what == "Session" and "kwh" not in subject:
        raise UserError(f"{subject_path} is not a Session: it has no `kwh`")
    if what == "CDR" and "kwh" in subject:
        raise UserError(f"{subject_path} looks like a Session (it has `kwh`): use --session")
    try:
        return price(tariff, subject, version=version, time_zone=tz)
    except ValidationError as error:
        raise UserError(_one_line(error, version)) from None
    except (PricingError, ValueError, TypeError) as error:
        raise UserError(str(error).splitlines()[0]) from None


def register(app: typer.Typer) -> None:
    app.command("price")(price_command)
