"""`ocpi parties list | show | remove`: the registered partners, their endpoints and how push to them goes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import typer
from rich.table import Table

from ocpi.cli.common import DbOption, PrivateUrlsOption, err, find_party, open_node, open_store, out, plural, run
from ocpi.core.errors import OcpiError
from ocpi.modules.registry import delivered_modules
from ocpi.storage.base import Party, StoredObject
from ocpi.storage.push import DeliveryState, PushLedger
from ocpi.storage.quirks import Quirk, party_quirks

parties_app = typer.Typer(help="Registered partners: versions, roles, endpoints, push delivery state.")


@dataclass
class PartyView:
    party: Party
    delivery: DeliveryState | None
    failing: dict[int, StoredObject]
    pulls: dict[str, datetime]
    quirks: list[Quirk]


async def _view(ledger: PushLedger, party: Party, *, details: bool = False) -> PartyView:
    delivery = await ledger.state(party.pk) if party.state == "registered" else None
    failing = await ledger.objects([f.object_pk for f in delivery.failing]) if delivery and details else {}
    pulls = {}
    if details:
        for module in delivered_modules():
            last = await ledger.last_pull(party.pk, module)
            if last is not None:
                pulls[module] = last
    quirks = await party_quirks(ledger.store, party.pk) if details else []
    return PartyView(party, delivery, failing, pulls, quirks)


def _roles(party: Party) -> str:
    return ", ".join(f"{r.role} {r.country_code}/{r.party_id}" for r in party.roles) or "-"


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


@parties_app.command("list")
def list_parties(db: str = DbOption) -> None:
    """Every partner: state, version, roles, endpoints, and push (changes behind, objects failing)."""

    async def main() -> list[PartyView]:
        async with open_store(db, must_exist=True) as store:
            ledger = PushLedger(store)
            return [await _view(ledger, party) for party in await store.list_parties()]

    views = run(main())
    if not views:
        out.print("No partners yet: give one a token A (`ocpi tokens create`), or `ocpi register` with theirs.")
        return
    table = Table("#", "name", "state", "version", "roles", "endpoints", "behind", "failing", "last push")
    for view in views:
        party, delivery = view.party, view.delivery
        table.add_row(
            str(party.pk),
            party.name,
            party.state,
            party.version or "-",
            _roles(party),
            str(len(party.endpoints)),
            "-" if delivery is None else str(delivery.lag),
            "-" if delivery is None else str(len(delivery.failing)),
            "-" if delivery is None else _when(delivery.last_success_at),
        )
    out.print(table)


@parties_app.command("show")
def show(
    party: str = typer.Argument(..., help="The partner: its number, one of its CC/PID, or its name."),
    db: str = DbOption,
) -> None:
    """One partner in full: endpoints, push delivery state with each failing object and its last error, and its
    quirks: what it sends out of spec that the node reads all the same (kind, count, last example)."""

    async def main() -> PartyView:
        async with open_store(db, must_exist=True) as store:
            return await _view(PushLedger(store), await find_party(store, party), details=True)

    view = run(main())
    found, delivery = view.party, view.delivery
    out.print(f"[bold]{found.name}[/bold] (#{found.pk}): {found.state}", highlight=False)
    out.print(f"Version:      {found.version or '-'}", highlight=False)
    out.print(f"Versions URL: {found.versions_url or '-'}", highlight=False)
    out.print(f"Roles:        {_roles(found)}", highlight=False)
    if found.settings:
        out.print(f"Settings:     {found.settings}", highlight=False)
    if found.endpoints:
        endpoints = Table("module", "role", "url", title="Endpoints")
        for endpoint in found.endpoints:
            endpoints.add_row(endpoint["identifier"], endpoint.get("role", "-"), endpoint["url"])
        out.print(endpoints)
    if view.pulls:
        pulls = ", ".join(f"{module} {_when(at)}" for module, at in view.pulls.items())
        out.print(f"Last pull:    {pulls}", highlight=False)
    if view.quirks:
        quirks = Table("kind", "count", "last seen", "last example", "the spec says", title="Quirks (read out of spec)")
        for quirk in view.quirks:
            rule = quirk.rule
            says = f"{rule.title} ({rule.spec})" if rule is not None else "-"
            quirks.add_row(quirk.kind, str(quirk.count), _when(quirk.last_seen_at), quirk.example, says)
        out.print(quirks)
    if delivery is None:
        return
    out.print(
        f"Push:         {plural(delivery.lag, 'changes')} behind (cursor {delivery.cursor} of {delivery.head}), "
        f"{plural(len(delivery.failing), 'objects')} failing, last success {_when(delivery.last_success_at)}",
        highlight=False,
    )
    if delivery.last_error:
        out.print(f"Last error:   {delivery.last_error}", highlight=False)
    if delivery.failing:
        failing = Table("object", "attempts", "next attempt", "last error", title="Failing objects")
        for failure in delivery.failing:
            stored = view.failing.get(failure.object_pk)
            name = f"#{failure.object_pk} (deleted)"
            if stored is not None:
                key = stored.key
                name = f"{key.module} {key.country_code}/{key.party_id}/{key.object_id}"
            failing.add_row(name, str(failure.attempts), _when(failure.next_attempt_at), failure.last_error)
        out.print(failing)


@parties_app.command("remove")
def remove(
    party: str = typer.Argument(..., help="The partner: its number, one of its CC/PID, or its name."),
    notify: bool = typer.Option(True, "--notify/--no-notify", help="Tell the partner (DELETE its credentials)."),
    db: str = DbOption,
    allow_private_urls: bool = PrivateUrlsOption,
) -> None:
    """Unregister a partner: its tokens stop working at once and push to it stops; with --notify (the default)
    the partner is told too, as the credentials module's DELETE does."""

    async def main() -> tuple[Party, str | None]:
        async with open_node(db, must_exist=True, allow_private_urls=allow_private_urls) as node:
            found = await find_party(node.store, party)
            problem = None
            if notify and found.state == "registered" and found.outbound_token:
                try:
                    async with node.partner_client(found) as client:
                        await client.delete(client.endpoint("credentials"), configuration=True)
                except OcpiError as error:
                    problem = error.message
            await node.store.revoke_tokens(party_pk=found.pk)
            return await node.store.update_party(found.pk, state="unregistered"), problem

    removed, problem = run(main())
    if problem:
        err.print(f"warning: the partner was not told: {problem}", highlight=False)
    out.print(f"Removed {removed.name} (#{removed.pk}): its tokens are revoked, nothing is pushed to it.")


def register(app: typer.Typer) -> None:
    app.add_typer(parties_app, name="parties")
