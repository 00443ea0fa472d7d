"""What push and pull need of a node, given to them by the node (`Node.sync`): they import no node, no server."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from ocpi.client import OcpiClient
from ocpi.logs import NodeEvents
from ocpi.storage.base import Party, StoredObject
from ocpi.storage.push import PushLedger
from ocpi.storage.quirks import QuirkRecorder
from ocpi.storage.repository import Repository


@dataclass(frozen=True)
class SyncContext:
    """A node as push and pull see it."""

    list_parties: Callable[[], Awaitable[list[Party]]]
    """Every party the node knows (partners, invited or registered); a hub with the parties reachable through it
    among its roles (`Node.through_hub`)."""
    ledger: PushLedger
    """Each partner's cursor over the change log, its failed objects, its last pulls."""
    repository: Repository
    """Where pulled objects are written (as a partner's, checked like a push from it)."""
    quirks: QuirkRecorder
    """Where what a partner gets wrong is noted."""
    events: NodeEvents
    """Where push and pull report what they did (logs, metrics)."""
    client_for: Callable[[Party], OcpiClient]
    """A partner's client, under the node's URL policy and the partner's settings."""
    may_receive: Callable[[Party, StoredObject], bool]
    """Whether an object may be sent to a partner (Sessions and CDRs: only to their token's party)."""
    is_own: Callable[[str, str], bool]
    """Whether (country_code, party_id) is one of the node's own parties."""
    pushes: Callable[[StoredObject], bool]
    """Whether the node pushes an object to its partners (its own; a hub's ClientInfo objects too)."""
    routing: Callable[[Party, StoredObject], dict[str, str]]
    """The routing headers of a push of an object to a partner (through a hub, or from a hub); {}: none."""


class Synced(Protocol):
    """Anything that gives push and pull their context: an `ocpi.node.Node`."""

    @property
    def sync(self) -> SyncContext: ...


def context_of(source: SyncContext | Synced) -> SyncContext:
    return source if isinstance(source, SyncContext) else source.sync
