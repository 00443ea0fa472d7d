"""Pull and resync: bring a partner's objects of a module into our store by GET, since a date.

After the partner was unreachable, `resync` pulls from the last good sync minus a safety overlap, so nothing
changed during the outage is missed (the spec's offline rule: the receiver GETs the current state)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ocpi.client.client import Skipped
from ocpi.core.data_types import format_datetime
from ocpi.core.enums import InterfaceRole
from ocpi.core.errors import OcpiError
from ocpi.core.interfaces import ObjectType, OwnerKeyedReceiver, PostReceiver
from ocpi.core.validation import Judging
from ocpi.modules.registry import delivered_modules, module_interfaces
from ocpi.push.context import SyncContext, Synced, context_of
from ocpi.storage.base import Party, PutOutcome

SAFETY_OVERLAP = timedelta(minutes=5)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class PullReport:
    module: str
    received: int = 0
    stored: int = 0
    rejected: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


async def pull(node: SyncContext | Synced, party: Party, module: str, *, since: datetime | None = None) -> PullReport:
    """Every object of the partner's `module` list changed since `since` (all when None), stored as received
    objects in `node` (an `ocpi.node.Node` or its `SyncContext`). An object that does not validate or is not the
    partner's own is reported, not fatal."""
    context = context_of(node)
    interfaces = module_interfaces(module)
    receiver = interfaces.receiver
    if receiver is None:
        raise ValueError(f"{module} has no receiver side")
    object_type = next(p.object_type for p in receiver.patterns if isinstance(p, OwnerKeyedReceiver | PostReceiver))
    report = PullReport(module)
    started = datetime.now(UTC)
    clock = time.perf_counter()
    try:
        await _pull_into(context, party, module, object_type, since, report)
    except OcpiError as error:
        context.events.pull_failed(party, module, error.message)
        raise
    await context.ledger.pulled(party.pk, module, started)
    context.events.pulled(
        party,
        module,
        received=report.received,
        stored=report.stored,
        rejected=len(report.rejected) + len(report.skipped),
        seconds=time.perf_counter() - clock,
    )
    return report


async def _pull_into(
    context: SyncContext,
    party: Party,
    module: str,
    object_type: ObjectType,
    since: datetime | None,
    report: PullReport,
) -> None:
    version = party.version or "2.2.1"
    async with context.client_for(party) as client:
        # Sessions lists require date_from (spec): "everything" is from the epoch.
        date_from = format_datetime(since or EPOCH)
        async for item in client.iterate(module, date_from=date_from):
            report.received += 1
            owner = _owner(item, party, version)
            if owner is not None and context.is_own(*owner):  # ours, whatever a partner's registration says
                owner = None
            if owner is None:
                report.rejected.append(f"{module} object without a party of yours: {str(item)[:80]}")
                continue
            try:
                result = await context.repository.put(object_type, version, item, owner=owner, judging=Judging.NOTE)
            except OcpiError as error:
                report.rejected.append(error.message)
                continue
            context.quirks.note(party.pk, result.deviations, f"GET {module} list, object {report.received}")
            report.stored += result.outcome is not PutOutcome.STALE
        report.skipped = list(client.skipped)


async def resync(node: SyncContext | Synced, party: Party, modules: tuple[str, ...] | None = None) -> list[PullReport]:
    """Pull each module (by default every one the partner offers) from the last good sync minus a safety
    overlap (everything the first time)."""
    context = context_of(node)
    ledger = context.ledger
    reports = []
    for module in modules if modules is not None else tuple(m for m in delivered_modules() if _offers(party, m)):
        last = await ledger.last_pull(party.pk, module)
        since = None if last is None else last - SAFETY_OVERLAP
        reports.append(await pull(context, party, module, since=since))
    return reports


def _owner(item: object, party: Party, version: str) -> tuple[str, str] | None:
    """Objects carry their owner from 2.2.1 on; a 2.1.1 object belongs to the partner's (one) party. Objects of
    a party the partner does not hold are left out (spec: Client Owned Object Pull)."""
    if not isinstance(item, dict):
        return None
    if version == "2.1.1":
        return (party.roles[0].country_code, party.roles[0].party_id) if party.roles else None
    cc, pid = item.get("country_code"), item.get("party_id")
    if not isinstance(cc, str) or not isinstance(pid, str) or not party.owns(cc, pid):
        return None
    return cc.upper(), pid.upper()


class Resyncer:
    """Pulls every registered partner's lists on a schedule (the spec: poll "in hours, not minutes"), and,
    after a partner could not be reached, tries again with backoff; each attempt starts from the last good
    sync minus the safety overlap, so an outage leaves no gap."""

    def __init__(self, node: SyncContext | Synced, *, interval: float = 3600.0, retry: float = 30.0):
        self.node = node
        self.interval = interval
        self.retry = retry
        self.failures: dict[int, int] = {}
        self.last_error: dict[int, str] = {}
        self.last_reports: dict[int, list[PullReport]] = {}

    async def run_once(self) -> None:
        context = context_of(self.node)
        for party in await context.list_parties():
            if party.state != "registered" or party.version is None:
                continue
            try:
                self.last_reports[party.pk] = await resync(context, party)
            except OcpiError as error:
                self.failures[party.pk] = self.failures.get(party.pk, 0) + 1
                self.last_error[party.pk] = error.message
                continue
            self.failures.pop(party.pk, None)
            self.last_error.pop(party.pk, None)

    def next_delay(self) -> float:
        if not self.failures:
            return self.interval
        return min(self.interval, self.retry * 2 ** (max(self.failures.values()) - 1))

    async def run_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.run_once()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.next_delay())


def _offers(party: Party, module: str) -> bool:
    """Whether the partner serves a list of `module` we can pull: one of its roles is that module's Sender
    (2.1.1 endpoints carry no role), and it lists the endpoint (as SENDER in 2.2.1+)."""
    sides = {role.value: side for role, side in module_interfaces(module).sides.items()}
    if not any(sides.get(r.role) is InterfaceRole.SENDER for r in party.roles):
        return False
    return any(e.get("identifier") == module and e.get("role") in (None, "SENDER") for e in party.endpoints)
