"""`ocpi tokens create | list | revoke`: the credentials tokens this node accepts (token A for a new partner)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import typer
from rich.table import Table

from ocpi.cli.common import DbOption, UserError, open_store, out, parse_party, run
from ocpi.storage.base import TokenKind
from ocpi.storage.tokens import IssuedToken

tokens_app = typer.Typer(help="Credentials tokens: token A for a new partner, those issued, revocation.")

_DURATION = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
HASH_SHOWN = 12


def parse_duration(text: str) -> timedelta | None:
    """`30m`, `12h`, `7d`, `2w`; `never` for a token that does not expire."""
    if text.strip().lower() == "never":
        return None
    match = _DURATION.match(text.strip().lower())
    if match is None or int(match.group(1)) == 0:
        raise UserError(f"not a duration: {text!r} (like 30m, 12h, 7d, 2w, or never)")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@tokens_app.command("create")
def create(
    expires_in: str = typer.Option("7d", "--expires-in", help="Lifetime: 30m, 12h, 7d, 2w, or never."),
    party: list[str] | None = typer.Option(
        None,
        "--party",
        help="CC/PID the partner may register as (repeat for several); without it, any party no one holds.",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print the token only."),
    db: str = DbOption,
) -> None:
    """Issue a token A: give it, with this node's versions URL, to a new partner, who registers with it once."""

    async def main() -> tuple[str, datetime | None, list[tuple[str, str]] | None]:
        lifetime = parse_duration(expires_in)
        expires_at = None if lifetime is None else datetime.now(UTC) + lifetime
        parties = None if not party else list(dict.fromkeys(parse_party(p) for p in party))
        async with open_store(db) as store:
            return await store.issue_token(TokenKind.A, expires_at=expires_at, parties=parties), expires_at, parties

    token, expires_at, parties = run(main())
    if quiet:
        print(token)
        return
    out.print(f"Token A: {token}", highlight=False)
    until = "never expires" if expires_at is None else f"expires {_when(expires_at)}"
    out.print(f"Single use, {until}. It is shown once: only its hash is kept.", highlight=False)
    if parties is not None:
        out.print(f"It registers only {_parties(parties)}.", highlight=False)


@tokens_app.command("list")
def list_tokens(db: str = DbOption) -> None:
    """The tokens issued (their hash, never the token): kind, partner, expiry, revocation."""

    async def main() -> list[IssuedToken]:
        async with open_store(db, must_exist=True) as store:
            return await store.list_tokens()

    issued = run(main())
    table = Table("hash", "kind", "partner", "parties", "created", "expires", "state")
    now = datetime.now(UTC)
    for token in issued:
        if token.revoked_at is not None:
            state = f"revoked {_when(token.revoked_at)}"
        elif token.expires_at is not None and token.expires_at <= now:
            state = "expired"
        else:
            state = "valid"
        partner = "-" if token.party_pk is None else f"{token.party_pk} {token.party_name or ''}".strip()
        expires = "never" if token.expires_at is None else _when(token.expires_at)
        parties = "any" if token.parties is None else _parties(token.parties)
        if token.kind is not TokenKind.A:
            parties = "-"
        table.add_row(
            token.token_hash[:HASH_SHOWN], token.kind.value, partner, parties, _when(token.created_at), expires, state
        )
    out.print(table if issued else "No tokens issued yet: `ocpi tokens create` issues a token A.")


@tokens_app.command("revoke")
def revoke(
    token: str = typer.Argument(..., help="The token, or the start of its hash as `ocpi tokens list` shows it."),
    db: str = DbOption,
) -> None:
    """Revoke a token at once (a registered partner's token C too: it can no longer call this node)."""

    async def main() -> int:
        async with open_store(db, must_exist=True) as store:
            revoked = await store.revoke_tokens(token=token)
            if revoked:
                return revoked
            prefix = token.strip().lower()
            if len(prefix) < 6 or not re.fullmatch(r"[0-9a-f]+", prefix):
                raise UserError("no such live token (give the token, or at least 6 characters of its hash)")
            issued = await store.list_tokens()
            live = [t.token_hash for t in issued if t.revoked_at is None and t.token_hash.startswith(prefix)]
            if len(live) > 1:
                raise UserError(f"hash prefix {prefix!r} matches {len(live)} tokens: give more characters")
            if not live:
                raise UserError(f"no live token with hash {prefix}… (see `ocpi tokens list`)")
            return await store.revoke_tokens(token_hash=live[0])

    run(main())
    out.print("Revoked.")


def _parties(parties: list[tuple[str, str]]) -> str:
    return ", ".join(f"{cc}/{pid}" for cc, pid in parties)


def _when(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def register(app: typer.Typer) -> None:
    app.add_typer(tokens_app, name="tokens")
