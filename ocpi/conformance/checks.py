"""What a conformance check is: an id, a title, the spec section it enforces, and a coroutine that answers
passed, failed or skipped with a message. Checks register themselves with `@check(...)`, in the order they
run; `CHECKS` is the catalogue (`ocpi check` runs them, the report and the docs list them)."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from ocpi.core.versions import SUPPORTED_VERSIONS


class Outcome(enum.StrEnum):
    passed = "passed"
    failed = "failed"
    skipped = "skipped"


class Stage(enum.IntEnum):
    """When a check runs: reads first, then writes (with --write), then the checks over every answer seen."""

    read = 1
    write = 2
    answers = 3


@dataclass(frozen=True)
class SpecRef:
    """A spec section: `stem` is the file name without extension (`transport_and_format`, `mod_{module}`
    for per-module checks), `section` its title; `section_211` when 2.1.1 titles it differently."""

    stem: str
    section: str
    section_211: str | None = None

    def file(self, version: str, module: str | None = None) -> str:
        stem = self.stem.format(module=MODULE_FILES.get(module or "", module or ""))
        if module == "bookings" and "{module}" in self.stem:
            return f"2.3.0-bookings/{stem}.asciidoc"
        return f"{version}/{stem}.md" if version == "2.1.1" else f"{version}/{stem}.asciidoc"

    def title(self, version: str) -> str:
        return self.section_211 if version == "2.1.1" and self.section_211 else self.section


MODULE_FILES = {"chargingprofiles": "charging_profiles", "hubclientinfo": "hub_client_info"}


@dataclass
class Result:
    outcome: Outcome
    message: str
    details: list[str] = field(default_factory=list)


def passed(message: str, details: Iterable[str] = ()) -> Result:
    return Result(Outcome.passed, message, list(details))


def failed(message: str, details: Iterable[str] = ()) -> Result:
    return Result(Outcome.failed, message, list(details))


def skipped(message: str) -> Result:
    return Result(Outcome.skipped, message)


def verdict(problems: list[str], success: str, failure: str) -> Result:
    """Failed with every problem as a detail, or passed."""
    return failed(f"{failure} ({len(problems)})", problems) if problems else passed(success)


CheckFunction = Callable[..., Awaitable[Result]]


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    spec: SpecRef
    stage: Stage
    run: CheckFunction
    per_list: bool = False
    """Run once per sender list of the peer (`run(context, subject)`), else once (`run(context)`)."""
    versions: tuple[str, ...] = SUPPORTED_VERSIONS
    """Versions in which the rule exists; skipped in the others."""


CHECKS: list[Check] = []


def check(
    check_id: str,
    title: str,
    spec: SpecRef,
    stage: Stage = Stage.read,
    *,
    per_list: bool = False,
    versions: tuple[str, ...] = SUPPORTED_VERSIONS,
) -> Callable[[CheckFunction], CheckFunction]:
    def register(function: CheckFunction) -> CheckFunction:
        if any(c.id == check_id for c in CHECKS):
            raise ValueError(f"duplicate check id {check_id}")
        CHECKS.append(Check(check_id, title, spec, stage, function, per_list, versions))
        return function

    return register


def catalogue() -> list[Check]:
    """Every check, in the order they run."""
    from ocpi.conformance import answers, hub, read, write  # noqa: F401 - importing registers the checks

    return sorted(CHECKS, key=lambda c: c.stage)
