"""The conformance report: a Rich table for the terminal, JSON for CI, a self-contained HTML page.

JSON schema `ocpi-conformance-report/1` (every key always present; new keys may be added, none removed
or changed in meaning within `/1`):

    {"schema": "ocpi-conformance-report/1",
     "generated_at": "2025-03-12T10:00:00Z",
     "target": {"versions_url": str, "version": "2.2.1"},
     "summary": {"passed": int, "failed": int, "skipped": int, "exit_status": 0 | 1},
     "results": [{"id": "pagination.offset", "title": str, "subject": "locations" | null,
                  "outcome": "passed" | "failed" | "skipped", "message": str, "details": [str],
                  "spec": {"file": "2.2.1/transport_and_format.asciidoc", "section": "Paginated Request"}}]}

`results` follow the order the checks ran; a per-list check has one result per sender list of the peer
(`subject` is the module, `payments/terminals` for a segment), the others `subject` null. `spec.file` is
relative to the spec folder (`standards/ocpi-spec/` in this repository).
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson
from rich.console import Console
from rich.table import Table

from ocpi.conformance.checks import Check, Outcome, Result
from ocpi.core.data_types import format_datetime

if TYPE_CHECKING:
    from ocpi.conformance.context import Subject

SCHEMA = "ocpi-conformance-report/1"
_STYLES = {Outcome.passed: "green", Outcome.failed: "bold red", Outcome.skipped: "dim"}


@dataclass
class Finding:
    check: Check
    version: str
    result: Result
    subject: Subject | None = None

    @property
    def spec_file(self) -> str:
        return self.check.spec.file(self.version, self.subject.module if self.subject else None)

    @property
    def spec_section(self) -> str:
        return self.check.spec.title(self.version)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.check.id,
            "title": self.check.title,
            "subject": self.subject.name if self.subject else None,
            "outcome": self.result.outcome.value,
            "message": self.result.message,
            "details": self.result.details,
            "spec": {"file": self.spec_file, "section": self.spec_section},
        }


@dataclass
class Report:
    versions_url: str
    version: str
    findings: list[Finding]
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))

    def count(self, outcome: Outcome) -> int:
        return Counter(f.result.outcome for f in self.findings)[outcome]

    @property
    def failed(self) -> list[Finding]:
        return [f for f in self.findings if f.result.outcome is Outcome.failed]

    @property
    def exit_status(self) -> int:
        return 1 if self.failed else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "generated_at": format_datetime(self.generated_at),
            "target": {"versions_url": self.versions_url, "version": self.version},
            "summary": {**{o.value: self.count(o) for o in Outcome}, "exit_status": self.exit_status},
            "results": [f.to_dict() for f in self.findings],
        }

    def to_json(self) -> str:
        return orjson.dumps(self.to_dict(), option=orjson.OPT_INDENT_2).decode()


def _summary(report: Report) -> str:
    return ", ".join(f"{report.count(o)} {o.value}" for o in Outcome)


def print_table(report: Report, console: Console) -> None:
    """One row per result; a failure shows its first details and the spec section it breaks."""
    table = Table(title=f"OCPI {report.version} conformance of {report.versions_url}")
    table.add_column("check", no_wrap=True)
    table.add_column("list", no_wrap=True)
    table.add_column("result", no_wrap=True)
    table.add_column("message", overflow="fold", ratio=1)
    for finding in report.findings:
        outcome = finding.result.outcome
        message = finding.result.message
        if outcome is Outcome.failed:
            shown = finding.result.details[:3]
            more = len(finding.result.details) - len(shown)
            message += "".join(f"\n• {d}" for d in shown) + (f"\n• ... {more} more" if more > 0 else "")
            message += f"\n[dim]spec: {finding.spec_file} § {finding.spec_section}[/]"
        table.add_row(
            finding.check.id,
            finding.subject.name if finding.subject else "",
            f"[{_STYLES[outcome]}]{outcome.value}[/]",
            message,
        )
    console.print(table)
    style = "bold red" if report.failed else "bold green"
    console.print(f"[{style}]{_summary(report)}[/]")


def to_html(report: Report) -> str:
    """One page, no external resources."""
    rows = []
    for finding in report.findings:
        outcome = finding.result.outcome.value
        details = "".join(f"<li>{html.escape(d)}</li>" for d in finding.result.details)
        rows.append(
            f'<tr class="{outcome}"><td><code>{html.escape(finding.check.id)}</code><br>'
            f"{html.escape(finding.check.title)}</td>"
            f"<td>{html.escape(finding.subject.name if finding.subject else '')}</td>"
            f"<td>{outcome}</td>"
            f"<td>{html.escape(finding.result.message)}{f'<ul>{details}</ul>' if details else ''}</td>"
            f"<td>{html.escape(finding.spec_file)}<br>§ {html.escape(finding.spec_section)}</td></tr>"
        )
    title = f"OCPI {report.version} conformance of {report.versions_url}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #ccc; padding: .4em .6em; text-align: left; vertical-align: top; }}
tr.passed td:nth-child(3) {{ color: #1a7f37; }}
tr.failed td:nth-child(3) {{ color: #cf222e; font-weight: bold; }}
tr.failed {{ background: #fff5f5; }}
tr.skipped {{ color: #777; }}
ul {{ margin: .3em 0; padding-left: 1.2em; font-size: .9em; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>Generated {format_datetime(report.generated_at)}: {html.escape(_summary(report))}.</p>
<table><thead><tr><th>check</th><th>list</th><th>result</th><th>message</th><th>spec</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table></body></html>
"""
