"""A node playing a Roaming Hub (a party of role HUB, `NodeConfig.hub`): its directory of the parties connected
to it, each with its connection status, kept as the ClientInfo objects the hub owns (spec, mod_hub_client_info).

Every status change is a write of that party's ClientInfo, so the push machinery brings every other connected
party up to date (`PUT {url}/{country_code}/{party_id}` to its Hub Client Info receiver, one cursor per party,
nothing shared between them); the Sender interface lists them. A party is CONNECTED once it registered, OFFLINE
when the still-alive check of its versions endpoint fails (and CONNECTED again when it answers), SUSPENDED once
it unregistered."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import orjson

from ocpi.core.data_types import format_datetime
from ocpi.core.enums import RoleEnum
from ocpi.core.errors import OcpiError
from ocpi.modules.hubclientinfo.interfaces import CLIENT_INFO
from ocpi.storage.base import ObjectKey, Party, PartyRole
from ocpi.storage.push import PushLedger

if TYPE_CHECKING:
    from ocpi.node.node import Node

log = logging.getLogger("ocpi.hub")

CONNECTED, OFFLINE, PLANNED, SUSPENDED = "CONNECTED", "OFFLINE", "PLANNED", "SUSPENDED"


class Hub:
    def __init__(self, node: Node):
        self.node = node

    @staticmethod
    def parties_of(party: Party) -> list[PartyRole]:
        """The parties a partner connects to the hub with: one per (country_code, party_id), the first role it
        gives for it (a ClientInfo is filed under its party alone: `{url}/{country_code}/{party_id}`)."""
        seen: dict[tuple[str, str], PartyRole] = {}
        for role in party.roles:
            if role.role != RoleEnum.HUB.value:
                seen.setdefault((role.country_code.upper(), role.party_id.upper()), role)
        return list(seen.values())

    async def status(self, country_code: str, party_id: str) -> str | None:
        """The connection status the hub reports for a party; None: a party it never connected."""
        stored = await self.node.store.get(ObjectKey.of(CLIENT_INFO.module, country_code, party_id, ""))
        if stored is None:
            return None
        status = orjson.loads(stored.canonical).get("status")
        return str(status) if status else None

    async def record(self, party: Party, status: str) -> None:
        """Report every party of `party` as `status` to the others (a write each, when it changed)."""
        now = format_datetime(datetime.now(UTC))
        changed = False
        for role in self.parties_of(party):
            if await self.status(role.country_code, role.party_id) == status:
                continue
            info = {
                "party_id": role.party_id,
                "country_code": role.country_code,
                "role": role.role,
                "status": status,
                "last_updated": now,
            }
            await self.node.repository.put(
                CLIENT_INFO, "2.3.0", info, owner=(role.country_code, role.party_id), object_id=""
            )
            log.info("hub: %s/%s (%s) is %s", role.country_code, role.party_id, party.name, status)
            changed = True
        if changed:
            self.node.nudge_push()

    async def connected(self, party: Party) -> None:
        """A party registered (or renewed its credentials): CONNECTED to the others, and owed the directory as
        it stands (its push cursor starts at its registration; the ClientInfo of itself is not sent to it)."""
        await self.record(party, CONNECTED)
        if await PushLedger(self.node.store).owe(party.pk, CLIENT_INFO.module):
            self.node.nudge_push()

    async def suspended(self, party: Party) -> None:
        await self.record(party, SUSPENDED)

    async def partners(self) -> list[Party]:
        return [p for p in await self.node.store.list_parties() if p.state == "registered"]

    async def reachable(self) -> list[tuple[PartyRole, str]]:
        """The parties reachable through the hub now (CONNECTED), with their partner's name."""
        found = []
        for party in await self.partners():
            for role in self.parties_of(party):
                if await self.status(role.country_code, role.party_id) == CONNECTED:
                    found.append((role, party.name))
        return found

    async def holder(self, country_code: str, party_id: str) -> Party | None:
        """The registered partner that connects the party (country_code, party_id) to the hub."""
        for party in await self.partners():
            if party.owns(country_code, party_id):
                return party
        return None

    async def still_alive(self, party: Party) -> bool:
        """Whether the party still answers: a GET of its versions endpoint with its token (spec: the still
        alive check)."""
        if not party.versions_url:
            return False
        try:
            async with self.node.partner_client(party) as client:
                await client.get(party.versions_url, configuration=True)
        except OcpiError as error:
            log.info("hub: %s does not answer its versions endpoint: %s", party.name, error.message)
            return False
        return True

    async def check_still_alive(self) -> None:
        """One still-alive check of every registered party, side by side (a party that hangs until the deadline
        delays no other)."""
        partners = await self.partners()
        answers = await asyncio.gather(*(self.still_alive(p) for p in partners))
        for party, alive in zip(partners, answers, strict=True):
            await self.record(party, CONNECTED if alive else OFFLINE)

    async def run_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.check_still_alive()
            except Exception:  # a check never ends the hub's worker
                log.exception("hub: the still-alive check failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.node.config.still_alive_interval)
