"""The AFIR report over a whole store: every Location checked with the store's Tariffs, scored, rendered as a
Rich table, JSON or a self-contained HTML page.

JSON schema `ocpi-afir-report/1` (keys are always present; only `generated_at` changes between runs):

    {"schema": "ocpi-afir-report/1",
     "generated_at": "2025-03-12T10:00:00Z",
     "summary": {"locations": int, "in_scope": int, "overall_score": float | null,
                 "locations_missing_mandatory": int,
                 "findings": {"missing_mandatory": int, "missing_optional": int, "wrong_format": int,
                              "not_carried_in_ocpi": int}},
     "locations": [{"country_code": str, "party_id": str, "id": str, "name": str | null,
                    "publish": bool, "in_scope": bool, "score": float, "missing_mandatory": [item numbers],
                    "findings": [{"item": "A5", "name": str, "severity": str, "path": str | null,
                                  "tariff": str | null, "message": str}]}],
     "items": [{"number": "A5", "name": str, "level": "station" | "point", "mandatory": bool,
                "carriage": "direct" | "converted" | "partial" | "none", "ocpi_paths": [str],
                "data_format": str, "limitation": str}]}

Scores are 0.0 to 1.0. AFIR applies to publicly accessible points: a Location with `publish` false is
reported but out of scope, so it counts neither in the overall score nor in the exit status.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table

from ocpi.afir.checks import Finding, Severity, check, completeness, missing_mandatory
from ocpi.afir.items import ITEMS, ITEMS_BY_NUMBER
from ocpi.storage.base import ListQuery, Store, read_every_item

SCHEMA = "ocpi-afir-report/1"
_PAGE = 500


async def read_all(store: Store, module: str) -> list[dict[str, Any]]:
    """Every object of `module` in the store, as canonical (2.3.0) JSON."""
    return [orjson.loads(item) for item in await read_every_item(store, ListQuery(module, "2.3.0", limit=_PAGE))]


@dataclass
class LocationReport:
    location: dict[str, Any]
    findings: list[Finding]

    @property
    def in_scope(self) -> bool:
        return self.location.get("publish") is not False

    @property
    def score(self) -> float:
        return completeness(self.findings)

    @property
    def label(self) -> str:
        loc = self.location
        return f"{loc.get('country_code', '?')}/{loc.get('party_id', '?')}/{loc.get('id', '?')}"

    def to_dict(self) -> dict[str, Any]:
        loc = self.location
        return {
            "country_code": loc.get("country_code"),
            "party_id": loc.get("party_id"),
            "id": loc.get("id"),
            "name": loc.get("name"),
            "publish": loc.get("publish"),
            "in_scope": self.in_scope,
            "score": self.score,
            "missing_mandatory": missing_mandatory(self.findings),
            "findings": [{"item": f.item, "name": ITEMS_BY_NUMBER[f.item].name, **f.to_dict()} for f in self.findings],
        }


@dataclass
class Report:
    locations: list[LocationReport]
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def overall_score(self) -> float | None:
        scores = [r.score for r in self.locations if r.in_scope]
        return round(sum(scores) / len(scores), 4) if scores else None

    @property
    def failing(self) -> list[LocationReport]:
        """In-scope locations with a mandatory item missing."""
        return [r for r in self.locations if r.in_scope and missing_mandatory(r.findings)]

    @property
    def exit_status(self) -> int:
        return 1 if self.failing else 0

    def to_dict(self) -> dict[str, Any]:
        counts = Counter(f.severity for r in self.locations for f in r.findings)
        return {
            "schema": SCHEMA,
            "generated_at": self.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "summary": {
                "locations": len(self.locations),
                "in_scope": sum(1 for r in self.locations if r.in_scope),
                "overall_score": self.overall_score,
                "locations_missing_mandatory": len(self.failing),
                "findings": {severity.value: counts[severity] for severity in Severity},
            },
            "locations": [r.to_dict() for r in self.locations],
            "items": [
                {
                    "number": item.number,
                    "name": item.name,
                    "level": item.level,
                    "mandatory": item.mandatory,
                    "carriage": item.carriage.value,
                    "ocpi_paths": list(item.paths),
                    "data_format": item.data_format,
                    "limitation": item.limitation,
                }
                for item in ITEMS
            ],
        }

    def to_json(self) -> str:
        return orjson.dumps(self.to_dict(), option=orjson.OPT_INDENT_2).decode()


def build_report(locations: Iterable[dict[str, Any]], tariffs: list[dict[str, Any]]) -> Report:
    return Report([LocationReport(location, check(location, tariffs)) for location in locations])


async def report_of_store(store: Store) -> Report:
    return build_report(await read_all(store, "locations"), await read_all(store, "tariffs"))


def _percent(score: float | None) -> str:
    return "-" if score is None else f"{score * 100:.1f}%"


_STYLES = {
    Severity.MISSING: "bold red",
    Severity.MISSING_OPTIONAL: "yellow",
    Severity.WRONG_FORMAT: "magenta",
    Severity.NOT_CARRIED: "dim",
}


def _limitations(report: Report) -> list[Finding]:
    """The informational findings, once each: they are the same for every location."""
    seen: dict[tuple[str, str | None, str], Finding] = {}
    for r in report.locations:
        for f in r.findings:
            if not f.severity.is_flag:
                seen.setdefault((f.item, f.path, f.message), f)
    return list(seen.values())


def _where(finding: Finding) -> str:
    return f"tariff {finding.tariff} {finding.path}" if finding.tariff else (finding.path or "-")


def print_table(report: Report, console: Console) -> None:
    summary = Table(title="AFIR completeness per location")
    for column in ("location", "name", "score", "missing mandatory", "findings"):
        summary.add_column(column)
    for r in report.locations:
        score = _percent(r.score) if r.in_scope else f"{_percent(r.score)} (not public)"
        flags = sum(1 for f in r.findings if f.severity.is_flag)
        name = str(r.location.get("name") or "")
        summary.add_row(r.label, name, score, " ".join(missing_mandatory(r.findings)), str(flags))
    console.print(summary)
    for r in report.locations:
        flagged = [f for f in r.findings if f.severity.is_flag]
        if not flagged:
            continue
        table = Table(title=f"{r.label}: {_percent(r.score)}", title_justify="left")
        for column in ("AFIR item", "severity", "OCPI field", "message"):
            table.add_column(column)
        for f in flagged:
            table.add_row(f.item, f"[{_STYLES[f.severity]}]{f.severity.value}[/]", _where(f), f.message)
        console.print(table)
    limitations = Table(title="What OCPI 2.3.0 cannot carry (informational)", title_justify="left")
    for column in ("AFIR item", "OCPI field", "limitation"):
        limitations.add_column(column, style="dim")
    for f in _limitations(report):
        limitations.add_row(f.item, _where(f), f.message)
    console.print(limitations)
    console.print(
        f"Overall AFIR completeness: {_percent(report.overall_score)} over "
        f"{sum(1 for r in report.locations if r.in_scope)} public location(s); "
        f"{len(report.failing)} with a mandatory item missing."
    )


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
code { font-size: 0.9em; }
.missing_mandatory { color: #b00020; font-weight: bold; }
.missing_optional { color: #8a6d00; }
.wrong_format { color: #7b1fa2; }
.not_carried_in_ocpi { color: #777; }
"""


def to_html(report: Report) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>AFIR completeness report</title>',
        f"<style>{_CSS}</style></head><body>",
        "<h1>AFIR completeness report</h1>",
        f"<p>Generated {e(report.generated_at.strftime('%Y-%m-%d %H:%M UTC'))}. Overall completeness: "
        f"<strong>{_percent(report.overall_score)}</strong>; {len(report.failing)} public location(s) "
        "with a mandatory item missing.</p>",
        "<table><tr><th>Location</th><th>Name</th><th>Score</th><th>Missing mandatory</th></tr>",
    ]
    for r in report.locations:
        scope = "" if r.in_scope else " (not public)"
        label = e(r.label)
        link = f'<a href="#{label}">{label}</a>' if any(f.severity.is_flag for f in r.findings) else label
        parts.append(
            f"<tr><td>{link}</td><td>{e(str(r.location.get('name') or ''))}</td>"
            f"<td>{_percent(r.score)}{scope}</td><td>{e(' '.join(missing_mandatory(r.findings)))}</td></tr>"
        )
    parts.append("</table>")
    for r in report.locations:
        flagged = [f for f in r.findings if f.severity.is_flag]
        if flagged:
            parts.append(f'<h2 id="{e(r.label)}">{e(r.label)}: {_percent(r.score)}</h2>')
            parts.append(_html_findings(flagged))
    parts.append("<h2>What OCPI 2.3.0 cannot carry (informational)</h2>")
    parts.append(_html_findings(_limitations(report)))
    parts.append("</body></html>")
    return "\n".join(parts)


def _html_findings(findings: list[Finding]) -> str:
    e = html.escape
    rows = ["<table><tr><th>AFIR item</th><th>Severity</th><th>OCPI field</th><th>Message</th></tr>"]
    for f in findings:
        rows.append(
            f"<tr><td>{e(f.item)} {e(ITEMS_BY_NUMBER[f.item].name)}</td>"
            f'<td class="{e(f.severity.value)}">{e(f.severity.value)}</td>'
            f"<td><code>{e(_where(f))}</code></td><td>{e(f.message)}</td></tr>"
        )
    rows.append("</table>")
    return "\n".join(rows)
