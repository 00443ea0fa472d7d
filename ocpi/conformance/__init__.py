"""Conformance checker for a remote OCPI party (`ocpi check`): read-side checks with a partner's token C,
write-side checks (registration, pushes, rotation) with a sandbox's token A. Each check is a data-driven unit
(`checks.CHECKS`: id, title, spec section, coroutine); `run(Options(...))` returns the `Report`."""

from ocpi.conformance.checks import CHECKS, Check, Outcome, Result, SpecRef, catalogue
from ocpi.conformance.context import Options, UserError
from ocpi.conformance.report import SCHEMA, Finding, Report, print_table, to_html
from ocpi.conformance.runner import run

__all__ = [
    "CHECKS",
    "SCHEMA",
    "Check",
    "Finding",
    "Options",
    "Outcome",
    "Report",
    "Result",
    "SpecRef",
    "UserError",
    "catalogue",
    "print_table",
    "run",
    "to_html",
]
