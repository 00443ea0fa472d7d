"""What the `ocpi` commands share: the store option, the node's parties, reading JSON input, and the one place
where a user's mistake becomes one clear line and a non-zero exit instead of a traceback."""

from __future__ import annotations

import asyncio
import enum
import json
import os
import sqlite3
import sys
from collections.abc import AsyncIterator, Coroutine, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from ocpi.core.enums import RoleEnum
from ocpi.core.errors import OcpiError
from ocpi.core.interfaces import parse_party_name
from ocpi.core.versions import SUPPORTED_VERSIONS
from ocpi.node.config import NodeConfig, OwnParty
from ocpi.node.node import Node
from ocpi.storage.base import Party
from ocpi.storage.identity import NodeParty, read_identity, write_identity
from ocpi.storage.sql import SqlStore

T = TypeVar("T")

DEFAULT_DB = "sqlite:///./ocpi.db"
VERSIONS = SUPPORTED_VERSIONS
USER_ERROR = 2

SUPPORTED_DATABASES = "SQLite (sqlite:///./ocpi.db) or PostgreSQL (postgresql://user:password@host:5432/database)"
PIPED_WIDTH = 1000
"""Tables written to a pipe or a file are as wide as their content (a terminal's are as wide as the terminal)."""
PRIVATE_URLS_HINT = "for development: --allow-private-urls or OCPI_ALLOW_PRIVATE_URLS=1"


def _console(stderr: bool) -> Console:
    piped = not (sys.stderr if stderr else sys.stdout).isatty() and "COLUMNS" not in os.environ
    return Console(stderr=stderr, soft_wrap=True, width=PIPED_WIDTH if piped else None)


out = _console(stderr=False)
err = _console(stderr=True)


class UserError(Exception):
    """A mistake the user can fix: reported in one line, exit status 2."""


class Role(enum.StrEnum):
    cpo = "cpo"
    emsp = "emsp"
    ptp = "ptp"
    hub = "hub"
    """A Roaming Hub: the only role of its node (`ocpi.node.hub`)."""

    @property
    def ocpi(self) -> RoleEnum:
        return RoleEnum(self.value.upper())


DEFAULT_ROLES = (Role.cpo, Role.emsp)
DEFAULT_PARTY = {Role.cpo: ("NL", "CPO"), Role.emsp: ("NL", "EMS"), Role.ptp: ("NL", "PTP"), Role.hub: ("NL", "HUB")}

# Options shared by every command that touches the store or plays the node's parties.
DbOption = typer.Option(DEFAULT_DB, "--db", envvar="OCPI_DB", help="Database URL (SQLite file or PostgreSQL).")
RoleOption = typer.Option(
    None,
    "--role",
    help="A role this node plays (repeat for several). Kept in the database the first time (default: cpo and "
    "emsp); later, read from it.",
)
PartyOption = typer.Option(
    None,
    "--party",
    help="CC/PID of each --role, in role order (default: NL/CPO, NL/EMS, NL/PTP). Kept in the database like --role.",
)
PrivateUrlsOption = typer.Option(
    False,
    "--allow-private-urls",
    envvar="OCPI_ALLOW_PRIVATE_URLS",
    help="Call partners on plain HTTP and private or loopback addresses (development only).",
)


def fail(message: str, code: int = USER_ERROR) -> NoReturn:
    err.print(f"[red]error:[/red] {message}", highlight=False, markup=True)
    raise typer.Exit(code)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


@contextmanager
def user_errors() -> Iterator[None]:
    """What a user can get wrong (a bad URL, an unreachable partner, a bad file, a wrong token, a bad database
    URL) ends the command with one line on stderr and exit status 2, never a traceback."""
    try:
        yield
    except UserError as error:
        fail(str(error))
    except OcpiError as error:
        fail(_with_hint(error.message or type(error).__name__))
    except SQLAlchemyError as error:
        fail(f"database: {_first_line(getattr(error, 'orig', None) or error)}")
    except BrokenPipeError:  # the output went to `head` or the like, which has seen enough
        raise typer.Exit(1) from None
    except (OSError, ValueError) as error:
        fail(_first_line(error))


def _with_hint(message: str) -> str:
    """A refused partner URL names the flag that allows it (the client says it in the library's words)."""
    if message.startswith("refusing to call") and ("plain HTTP" in message or "not a public address" in message):
        return f"{message.removesuffix(' (allow private URLs for development)')} ({PRIVATE_URLS_HINT})"
    return message


def plural(count: int, noun: str, singular: str | None = None) -> str:
    """`1 location`, `2 locations`; `noun` is the plural (`singular` where it is not `noun` less its `s`)."""
    return f"{count} {noun if count != 1 else singular or noun.removesuffix('s')}"


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine under `user_errors`."""
    with user_errors():
        return asyncio.run(main)
    raise AssertionError("unreachable")


def shown_url(url: str) -> str:
    """The database URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


@asynccontextmanager
async def open_store(url: str, *, must_exist: bool = False) -> AsyncIterator[SqlStore]:
    """The store at `url`, migrated. With `must_exist`, a missing SQLite file is an error instead of a new,
    empty database (reading commands)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UserError(f"not a database URL: {url!r} (use {SUPPORTED_DATABASES})") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise UserError(f"{backend} databases are not supported: use {SUPPORTED_DATABASES}")
    database = parsed.database if backend == "sqlite" else None
    if database not in (None, "", ":memory:"):
        if must_exist and not Path(str(database)).is_file():
            raise UserError(f"no database at {database} (start a node with `ocpi serve --db {url}`)")
        if not Path(str(database)).parent.is_dir():
            raise UserError(f"cannot create database {database}: no directory {Path(str(database)).parent}")
    try:
        # Migrated before anything else connects: a database that is down is one error, nothing before it.
        store = await SqlStore.open(url)
    except ImportError as error:
        raise UserError(f"cannot use database URL {shown_url(url)}: {error}") from error
    except OSError as error:
        down = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
        raise _cannot_open(url, error, f" (is PostgreSQL running at {down}?)" if backend != "sqlite" else "") from error
    except (SQLAlchemyError, sqlite3.Error) as error:
        raise _cannot_open(url, getattr(error, "orig", None) or error) from error
    try:
        yield store
    finally:
        await store.close()


def _cannot_open(url: str, reason: BaseException, hint: str = "") -> UserError:
    return UserError(f"cannot open database {shown_url(url)}: {_first_line(reason)}{hint}")


def parse_party(text: str) -> tuple[str, str]:
    """`NL/CPO` (also `NL*CPO`, `NLCPO`) as (country_code, party_id)."""
    party = parse_party_name(text)
    if party is None:
        raise UserError(f"not a party: {text!r} (expected COUNTRY/PARTY, like NL/CPO)")
    return party


def own_parties(
    roles: Sequence[Role] | None,
    parties: Sequence[str] | None,
    defaults: Mapping[Role, tuple[str, str]] = DEFAULT_PARTY,
) -> list[OwnParty]:
    """The parties `--role`/`--party` name: one per role, named by `--party` in role order (by default those of
    `defaults`: NL/CPO, NL/EMS, NL/PTP)."""
    chosen = list(dict.fromkeys(roles or DEFAULT_ROLES))
    given = [parse_party(p) for p in parties or ()]
    if len(given) > len(chosen):
        raise UserError(f"{len(given)} --party for {len(chosen)} --role: give one --party per --role, in order")
    result = []
    for index, role in enumerate(chosen):
        if index < len(given):
            cc, pid = given[index]
        elif role in defaults:
            cc, pid = defaults[role]
        else:
            raise UserError(f"--role {role.value}: give its --party too")
        result.append(OwnParty(role.ocpi, cc, pid, name=f"ocpi-python {role.value.upper()} {cc}/{pid}"))
    return result


def shown_parties(parties: Sequence[OwnParty]) -> str:
    return ", ".join(f"{p.role.value} {p.country_code}/{p.party_id}" for p in parties)


async def node_parties(
    store: SqlStore, roles: Sequence[Role] | None, parties: Sequence[str] | None, *, replace: bool = False
) -> list[OwnParty]:
    """The node's parties, kept with its database: the first time (or with `replace`), those `--role`/`--party`
    name (else NL/CPO and NL/EMS), stored; later, the stored ones. Flags given later choose among them (`--role
    emsp` alone: the node's eMSP); a party the database does not have is an error that says so."""
    stored = None if replace else await read_identity(store)
    if stored is None:
        chosen = own_parties(roles, parties)
        rows = [NodeParty(p.role.value, p.country_code, p.party_id, p.name) for p in chosen]
        stored = await write_identity(store, rows, replace=replace)
    own = [OwnParty(RoleEnum(p.role), p.country_code, p.party_id, name=p.name) for p in stored]
    if not roles and not parties:
        return own
    defaults: dict[Role, tuple[str, str]] = {}
    for party in own:
        defaults.setdefault(Role(party.role.value.lower()), (party.country_code, party.party_id))
    other_roles = [role.value.upper() for role in roles or () if role not in defaults]
    if other_roles:
        raise _not_its_parties(store, own, ", ".join(other_roles))
    given = own_parties(roles or list(defaults), parties, defaults)
    keys = {(p.role, p.country_code, p.party_id): p for p in own}
    missing = [p for p in given if (p.role, p.country_code, p.party_id) not in keys]
    if missing:
        raise _not_its_parties(store, own, shown_parties(missing))
    return [keys[(p.role, p.country_code, p.party_id)] for p in given]


def _not_its_parties(store: SqlStore, own: Sequence[OwnParty], asked: str) -> UserError:
    return UserError(
        f"the node on {store_url(store)} plays {shown_parties(own)}, not {asked}: leave out --role/--party (the "
        "database keeps them), or change them with `ocpi init --role ... --party ... --force`"
    )


async def node_config(
    store: SqlStore,
    roles: Sequence[Role] | None = None,
    parties: Sequence[str] | None = None,
    *,
    versions: Sequence[str] | None = None,
    base_url: str | None = None,
    allow_private_urls: bool = False,
    **options: Any,
) -> NodeConfig:
    """The configuration of the node on `store`: its parties (`node_parties`) and the settings of this run."""
    check_versions(versions)
    try:
        return NodeConfig(
            parties=await node_parties(store, roles, parties),
            versions=tuple(versions or VERSIONS),
            base_url=base_url.rstrip("/") if base_url else None,
            allow_private_urls=allow_private_urls,
            **options,
        )
    except ValueError as error:  # a hub with other roles, or in 2.1.1 only
        raise UserError(str(error)) from None


def check_versions(versions: Sequence[str] | None) -> None:
    for version in versions or ():
        if version not in VERSIONS:
            raise UserError(f"unknown OCPI version {version!r} (supported: {', '.join(VERSIONS)})")


@asynccontextmanager
async def open_node(
    db: str,
    roles: Sequence[Role] | None = None,
    parties: Sequence[str] | None = None,
    *,
    must_exist: bool = False,
    **settings: Any,
) -> AsyncIterator[Node]:
    """The node on the database `db`, without a server: for the commands that write our objects or call
    partners. `settings` go to `node_config`."""
    async with open_store(db, must_exist=must_exist) as store:
        node = Node(await node_config(store, roles, parties, **settings), store)
        try:
            yield node
        finally:
            await node.close()


def store_url(store: SqlStore) -> str:
    """The store's database URL as a user writes it (no driver, no password)."""
    url = store.engine.url
    return url.set(drivername=url.get_backend_name()).render_as_string(hide_password=True)


async def find_party(store: SqlStore, reference: str) -> Party:
    """A partner by its number (`ocpi parties list`), one of its CC/PID, or its name."""
    parties = await store.list_parties()
    if reference.isdigit():
        found = [p for p in parties if p.pk == int(reference)]
    else:
        found = []
        if parse_party_name(reference) is not None:
            cc, pid = parse_party(reference)
            found = [p for p in parties if p.owns(cc, pid)]
        if not found:
            found = [p for p in parties if p.name.casefold() == reference.casefold()]
    live = [p for p in found if p.state != "unregistered"] or found
    if not live:
        where = store_url(store)
        raise UserError(f"no partner {reference!r} in {where} (see `ocpi parties list --db {where}`)")
    if len(live) > 1:
        numbers = ", ".join(str(p.pk) for p in live)
        raise UserError(f"{reference!r} names several partners ({numbers}): give the number instead")
    return live[0]


@dataclass
class Source:
    """One JSON document read from a file or stdin, with the name errors refer to."""

    name: str
    data: Any


def read_json(source: str) -> list[Source]:
    """The JSON documents of FILE, of every *.json in DIR (sorted), or of stdin (`-`). Numbers are read as
    Decimal, so amounts keep their digits."""
    if source == "-":
        return [Source("<stdin>", _parse(sys.stdin.read(), "<stdin>"))]
    path = Path(source)
    if path.is_dir():
        files = sorted(path.rglob("*.json"))
        if not files:
            raise UserError(f"no *.json files in {path}")
        return [Source(str(f), _parse(_read(f), str(f))) for f in files]
    return [Source(str(path), _parse(_read(path), str(path)))]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"cannot read {path}: {error}") from None


def _parse(text: str, name: str) -> Any:
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise UserError(f"{name} is not JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    return unwrap_envelope(data)


def unwrap_envelope(data: Any) -> Any:
    """An OCPI response envelope (`{"data": ..., "status_code": ...}`) stands for its data."""
    if isinstance(data, dict) and "data" in data and "status_code" in data:
        return data["data"]
    return data
