"""`ocpi init`: keep the node's roles and parties with its database before anything runs on it (`ocpi serve`
does the same on its first run); every command on that database reads them from there."""

from __future__ import annotations

import typer

from ocpi.cli.common import DbOption, PartyOption, Role, RoleOption, node_parties, open_store, out, run, shown_url
from ocpi.storage.identity import NodeParty, read_identity


def init(
    role: list[Role] | None = RoleOption,
    party: list[str] | None = PartyOption,
    force: bool = typer.Option(
        False, "--force", help="Replace the roles and parties the database keeps (partners know the old ones!)."
    ),
    db: str = DbOption,
) -> None:
    """Keep this node's roles and parties in its database, or show those it keeps.

    The first time, --role/--party (default: CPO NL/CPO and EMSP NL/EMS); `ocpi serve` does the same on its
    first run. Every command on the database reads them from there."""

    async def main() -> tuple[list[NodeParty], bool]:
        async with open_store(db) as store:
            new = await read_identity(store) is None
            await node_parties(store, role, party, replace=force)  # checks the flags against a kept identity
            kept = await read_identity(store)
            assert kept is not None
            return kept, new or force

    parties, written = run(main())
    verb = "now plays" if written else "plays"
    out.print(f"The node on {shown_url(db)} {verb} {', '.join(p.shown for p in parties)}.", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
