"""`ocpi secrets new-key | rotate`: the node key that encrypts the partner tokens the store keeps
(`ocpi.storage.secrets`)."""

from __future__ import annotations

import typer

from ocpi.cli.common import DbOption, UserError, open_store, out, run
from ocpi.storage.secrets import KEY_VARIABLE, new_key

secrets_app = typer.Typer(help="The node key that encrypts the partner tokens kept in the database.")


@secrets_app.command("new-key")
def create_key() -> None:
    """Print a new node key, for OCPI_SECRET_KEY (or a key file named by OCPI_SECRET_KEY_FILE)."""
    print(new_key())


@secrets_app.command("rotate")
def rotate(db: str = DbOption) -> None:
    """Encrypt every stored partner token with a new key. With a key file (beside a SQLite database, or
    OCPI_SECRET_KEY_FILE), a new key is made and the file updated; running nodes read it again by themselves.
    With OCPI_SECRET_KEY, first set it to NEW,OLD (every node), run this, then to NEW alone."""

    async def main() -> tuple[int, str]:
        async with open_store(db, must_exist=True) as store:
            key = store.node_key
            if key.key_file is None:
                if not key.keys():
                    raise UserError(f"no node key: set {KEY_VARIABLE} (`ocpi secrets new-key` makes one)")
                return await store.reencrypt_partner_tokens(), f"the first key of {KEY_VARIABLE}"
            old = key.keys()
            fresh = new_key().encode()
            key.write_file([fresh, *old])  # nodes that read the file meanwhile decrypt with either
            written = await store.reencrypt_partner_tokens()
            key.write_file([fresh])
            return written, f"a new key in {key.key_file}"

    written, where = run(main())
    out.print(f"{written} partner token(s) encrypted with {where}.", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(secrets_app, name="secrets")
