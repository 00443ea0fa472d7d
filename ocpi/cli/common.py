"""What the `ocpi` commands share: the store option, the node's parties, reading JSON input, and the one place
where a user's mistake becomes one clear line and a non-zero exit instead of a traceback."""

from __future__ import annotations

import asyncio
import enum
import json
import re
import sqlite3
import sys
from collections.abc import AsyncIterator, Coroutine, Iterator, Sequence
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
from ocpi.server.config import NodeConfig, OwnParty
from ocpi.server.node import Node
from ocpi.storage.base import Party
from ocpi.storage.sql import SqlStore

T = TypeVar("T")

DEFAULT_DB = "sqlite:///./ocpi.db"
VERSIONS = ("2.1.1", "2.2.1", "2.3.0")
USER_ERROR = 2

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


class UserError(Exception):
    """A mistake the user can fix: reported in one line, exit status 2."""


class Role(enum.StrEnum):
    cpo = "cpo"
    emsp = "emsp"
    ptp = "ptp"

    @property
    def ocpi(self) -> RoleEnum:
        return RoleEnum(self.value.upper())


DEFAULT_ROLES = (Role.cpo, Role.emsp)
DEFAULT_PARTY = {Role.cpo: ("NL", "CPO"), Role.emsp: ("NL", "EMS"), Role.ptp: ("NL", "PTP")}

# Options shared by every command that touches the store or plays the node's parties.
DbOption = typer.Option(DEFAULT_DB, "--db", envvar="OCPI_DB", help="Database URL (SQLite file or PostgreSQL).")
RoleOption = typer.Option(None, "--role", help="A role this node plays (repeat for several). Default: cpo and emsp.")
PartyOption = typer.Option(
    None, "--party", help="CC/PID of each --role, in role order. Default: NL/CPO, NL/EMS, NL/PTP."
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
        fail(error.message or type(error).__name__)
    except SQLAlchemyError as error:
        fail(f"database: {_first_line(getattr(error, 'orig', None) or error)}")
    except BrokenPipeError:  # the output went to `head` or the like, which has seen enough
        raise typer.Exit(1) from None
    except (OSError, ValueError) as error:
        fail(_first_line(error))


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
        raise UserError(f"not a database URL: {url!r} (try sqlite:///./ocpi.db or postgresql://host/db)") from None
    database = parsed.database if parsed.get_backend_name() == "sqlite" else None
    if database not in (None, "", ":memory:"):
        if must_exist and not Path(str(database)).is_file():
            raise UserError(f"no database at {database} (start a node with `ocpi serve --db {url}`)")
        if not Path(str(database)).parent.is_dir():
            raise UserError(f"cannot create database {database}: no directory {Path(str(database)).parent}")
    try:
        store = await SqlStore.open(url, create=False)
    except ImportError as error:
        raise UserError(f"cannot use database URL {shown_url(url)}: {error}") from error
    except sqlite3.Error as error:  # the in-place reader found no SQLite database in the file
        raise _cannot_open(url, error) from error
    try:
        await store.migrate()
    except (SQLAlchemyError, OSError) as error:
        await store.close()
        raise _cannot_open(url, getattr(error, "orig", None) or error) from error
    try:
        yield store
    finally:
        await store.close()


def _cannot_open(url: str, reason: BaseException) -> UserError:
    return UserError(f"cannot open database {shown_url(url)}: {_first_line(reason)}")


_PARTY = re.compile(r"^([A-Za-z]{2})[/*-]?([A-Za-z0-9]{3})$")


def parse_party(text: str) -> tuple[str, str]:
    """`NL/CPO` (also `NL*CPO`, `NLCPO`) as (country_code, party_id)."""
    match = _PARTY.match(text.strip())
    if match is None:
        raise UserError(f"not a party: {text!r} (expected COUNTRY/PARTY, like NL/CPO)")
    return match.group(1).upper(), match.group(2).upper()


def own_parties(roles: Sequence[Role] | None, parties: Sequence[str] | None) -> list[OwnParty]:
    """The node's parties: one per role, named by `--party` in role order (defaults NL/CPO, NL/EMS, NL/PTP)."""
    chosen = list(dict.fromkeys(roles or DEFAULT_ROLES))
    given = [parse_party(p) for p in parties or ()]
    if len(given) > len(chosen):
        raise UserError(f"{len(given)} --party for {len(chosen)} --role: give one --party per --role, in order")
    result = []
    for index, role in enumerate(chosen):
        cc, pid = given[index] if index < len(given) else DEFAULT_PARTY[role]
        result.append(OwnParty(role.ocpi, cc, pid, name=f"ocpi-python {role.value.upper()} {cc}/{pid}"))
    return result


def node_config(
    roles: Sequence[Role] | None,
    parties: Sequence[str] | None,
    *,
    versions: Sequence[str] | None = None,
    base_url: str | None = None,
    allow_private_urls: bool = False,
    **options: Any,
) -> NodeConfig:
    for version in versions or ():
        if version not in VERSIONS:
            raise UserError(f"unknown OCPI version {version!r} (supported: {', '.join(VERSIONS)})")
    return NodeConfig(
        parties=own_parties(roles, parties),
        versions=tuple(versions or VERSIONS),
        base_url=base_url.rstrip("/") if base_url else None,
        allow_private_urls=allow_private_urls,
        **options,
    )


@asynccontextmanager
async def open_node(config: NodeConfig, db: str, *, must_exist: bool = False) -> AsyncIterator[Node]:
    """A node on the store, without a server: for the commands that write our objects or call partners."""
    async with open_store(db, must_exist=must_exist) as store:
        node = Node(config, store)
        try:
            yield node
        finally:
            await node.close()


async def find_party(store: SqlStore, reference: str) -> Party:
    """A partner by its number (`ocpi parties list`), one of its CC/PID, or its name."""
    parties = await store.list_parties()
    if reference.isdigit():
        found = [p for p in parties if p.pk == int(reference)]
    else:
        found = []
        if _PARTY.match(reference.strip()):
            cc, pid = parse_party(reference)
            found = [p for p in parties if p.owns(cc, pid)]
        if not found:
            found = [p for p in parties if p.name.casefold() == reference.casefold()]
    live = [p for p in found if p.state != "unregistered"] or found
    if not live:
        raise UserError(f"no partner {reference!r} (see `ocpi parties list`)")
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


def json_path(loc: Sequence[int | str], root: str = "$") -> str:
    """A Pydantic error location as a JSON path: `$.evses[0].connectors[1].standard`."""
    path = root
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path
