"""`ocpi register` (this node initiates the credentials handshake) and `ocpi pull` (GET a partner's lists)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import typer
from rich.table import Table

from ocpi.cli.common import (
    DbOption,
    PartyOption,
    PrivateUrlsOption,
    Role,
    RoleOption,
    UserError,
    err,
    find_party,
    open_node,
    out,
    run,
    shown_parties,
    shown_url,
)
from ocpi.client import OcpiClient, PartnerSettings, UrlPolicy
from ocpi.core.data_types import parse_datetime
from ocpi.core.enums import InterfaceRole
from ocpi.core.errors import AuthenticationError, OcpiError
from ocpi.modules.registry import delivered_modules, module_interfaces
from ocpi.node.handshake import register as register_with
from ocpi.node.node import Node
from ocpi.push.pull import PullReport, pull, resync
from ocpi.storage.base import Party, TokenKind

PROBE_LIFETIME = timedelta(minutes=5)


def register_command(
    versions_url: str = typer.Argument(..., help="The partner's versions URL."),
    token_a: str = typer.Argument(..., help="The token A the partner gave you."),
    db: str = DbOption,
    base_url: str = typer.Option(
        ..., "--base-url", envvar="OCPI_BASE_URL", help="Where your own node (`ocpi serve`) is reachable."
    ),
    role: list[Role] | None = RoleOption,
    party: list[str] | None = PartyOption,
    version: list[str] | None = typer.Option(None, "--version", help="The versions your node serves. Default: all."),
    allow_private_urls: bool = PrivateUrlsOption,
) -> None:
    """Register with a partner, given its versions URL and the token A it gave you.

    This node sends its credentials with a token B, the partner calls back this node's versions URL with it
    and answers with the token C to use from now on.

    Your node must be running (`ocpi serve`) on the same --db (which keeps its roles and parties), reachable
    at --base-url: the partner calls it back during the handshake.
    """

    async def main() -> Party:
        settings = {"versions": version, "base_url": base_url, "allow_private_urls": allow_private_urls}
        async with open_node(db, role, party, must_exist=True, **settings) as node:
            await check_own_node(node, db)
            return await register_with(node, versions_url, token_a)

    partner = run(main())
    roles = ", ".join(f"{r.role} {r.country_code}/{r.party_id}" for r in partner.roles)
    out.print(f"Registered with {partner.name} (#{partner.pk}) in OCPI {partner.version}: {roles}", highlight=False)
    modules = sorted({e["identifier"] for e in partner.endpoints} - {"credentials"})
    out.print(f"Its modules: {', '.join(modules)}", highlight=False)


async def check_own_node(node: Node, db: str) -> None:
    """Before the handshake: is our node up at the base URL, on this database, playing these parties? With a
    short-lived token A of our own, read our credentials back through our node."""
    config = node.config
    assert config.base_url is not None
    versions_url = f"{config.base_url}{config.prefix}/versions"
    probe = await node.store.issue_token(TokenKind.A, expires_at=datetime.now(UTC) + PROBE_LIFETIME)
    client = OcpiClient(token=probe, settings=PartnerSettings(read_retries=0), policy=UrlPolicy(allow_private=True))
    try:
        await client.discover(versions_url, prefer=("2.3.0", "2.2.1"))
        served = await client.get(client.endpoint("credentials"), configuration=True)
    except AuthenticationError:
        raise UserError(
            f"the node at {config.base_url} does not use {shown_url(db)}: run `ocpi serve` with the same --db"
        ) from None
    except OcpiError as error:
        raise UserError(
            f"your node does not answer at {versions_url} ({error.message}): start it first with "
            f"`ocpi serve --db {shown_url(db)}`, the partner calls it back during registration"
        ) from None
    finally:
        await client.aclose()
        await node.store.revoke_tokens(token=probe)
    theirs = {(r["role"], r["country_code"], r["party_id"]) for r in served.get("roles", [])}
    ours = {(p.role.value, p.country_code, p.party_id) for p in config.parties}
    if theirs != ours:
        shown = ", ".join(f"{r} {cc}/{pid}" for r, cc, pid in sorted(theirs))
        raise UserError(
            f"the node at {config.base_url} plays {shown}, not {shown_parties(config.parties)} as {shown_url(db)} "
            "keeps: give --base-url of the node that runs on this --db, with the same --role/--party"
        )


def offered(party: Party) -> list[str]:
    """The modules whose lists the partner serves to us: one of its roles sends the module, and it lists the
    endpoint (as SENDER, from 2.2.1 on)."""
    modules = []
    for module in delivered_modules():
        sides = {role.value: side for role, side in module_interfaces(module).sides.items()}
        if not any(sides.get(r.role) is InterfaceRole.SENDER for r in party.roles):
            continue
        if any(e["identifier"] == module and e.get("role") in (None, "SENDER") for e in party.endpoints):
            modules.append(module)
    return modules


def pull_command(
    party: str = typer.Argument(..., help="The partner: its number, one of its CC/PID, or its name."),
    module: list[str] | None = typer.Option(
        None, "--module", help="A module to pull (repeat). Default: every list the partner serves."
    ),
    since: str | None = typer.Option(
        None, "--since", help="Only objects changed since (2024-01-31T12:00:00Z). Default: since the last pull."
    ),
    db: str = DbOption,
    allow_private_urls: bool = PrivateUrlsOption,
) -> None:
    """GET a partner's lists (every page) into this node's store.

    Without --since, from the last pull minus a safety overlap (everything the first time), so an outage
    leaves no gap."""
    start = None
    if since is not None:
        start = parse_datetime(since)
        if start is None:
            raise typer.BadParameter(f"not a date and time: {since!r}", param_hint="--since")
    for name in module or ():
        if name not in delivered_modules():
            raise typer.BadParameter(f"{name!r} is not one of {', '.join(delivered_modules())}", param_hint="--module")

    async def main() -> list[PullReport]:
        async with open_node(db, must_exist=True, allow_private_urls=allow_private_urls) as node:
            found = await find_party(node.store, party)
            if found.state != "registered":
                raise UserError(f"{found.name} is not registered ({found.state})")
            modules = list(module or offered(found))
            if not modules:
                raise UserError(f"{found.name} serves no list to pull")
            reports = []
            for name in modules:
                with err.status(f"Pulling {name} from {found.name}…"):
                    if start is None:
                        reports += await resync(node, found, (name,))
                    else:
                        reports.append(await pull(node, found, name, since=start))
            return reports

    reports = run(main())
    table = Table("module", "received", "stored", "rejected", "skipped")
    for report in reports:
        table.add_row(
            report.module, str(report.received), str(report.stored), str(len(report.rejected)), str(len(report.skipped))
        )
    out.print(table)
    for report in reports:
        for reason in report.rejected:
            err.print(f"rejected {report.module}: {reason}", highlight=False)
        for skipped in report.skipped:
            err.print(f"skipped {report.module} {skipped.pointer} of {skipped.url}: {skipped.reason}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("register")(register_command)
    app.command("pull")(pull_command)
