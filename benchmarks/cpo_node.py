"""A CPO node the push benchmarks run as users do: `ocpi serve` on its database, partners registered with it
through the real credentials handshake, and the CPO's application writing its own objects through the library on
the same database (the node's push worker sends them, as it sends what `ocpi load` writes).

- `registered_partners`: for each partner, a token A bound to its party (`store.issue_token(TokenKind.A,
  parties=...)`, what `ocpi tokens create --party` does), then the partner's `POST credentials` with it; the
  node discovers the partner (`benchmarks.partner_sink`) and answers with its token C.
- `application`: the CPO's `Node` on the same database, for `node.locations.put` / `patch`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path

import httpx

from benchmarks import seed
from benchmarks.run import Running, free_port, ocpi_serve_command, server
from ocpi.core.enums import RoleEnum
from ocpi.core.utils import authorization_header
from ocpi.node.config import NodeConfig, OwnParty
from ocpi.node.node import Node
from ocpi.storage.base import TokenKind
from ocpi.storage.secrets import KEY_VARIABLE, new_key
from ocpi.storage.sql import SqlStore


def partner_party(number: int) -> tuple[str, str]:
    return "DE", f"R{number:02d}"


@contextlib.contextmanager
def serving_cpo(name: str, database: str, workdir: Path, *extra: str) -> Iterator[Running]:
    """`ocpi serve --db DATABASE --role cpo --party NL/CPO --allow-private-urls [EXTRA...]` until the block ends.
    On PostgreSQL the node key comes from the environment, as in production (`OCPI_SECRET_KEY`, a new one unless
    set, for the node and this process's application alike); on SQLite the node keeps a key file beside its
    database."""
    command = [*ocpi_serve_command(database, "CPO", free_port()), "--allow-private-urls", *extra]
    if database.startswith("postgresql"):
        os.environ.setdefault(KEY_VARIABLE, new_key())
    with server(name, command, {}, workdir) as node:
        yield node


async def register_partners(node: Running, database: str, sink_url: str, numbers: Sequence[int]) -> None:
    """Each partner `n` of the sink registers with the node by the real handshake (see the module's doc)."""
    store = await SqlStore.open(database)
    try:
        tokens = {n: await store.issue_token(TokenKind.A, parties=[partner_party(n)]) for n in numbers}
    finally:
        await store.close()
    async with httpx.AsyncClient(timeout=60) as http:
        for number, token_a in tokens.items():
            cc, pid = partner_party(number)
            credentials = {
                "token": f"sink-token-{number}",
                "url": f"{sink_url}/p/{number}/versions",
                "roles": [
                    {"role": "EMSP", "country_code": cc, "party_id": pid, "business_details": {"name": f"{cc}/{pid}"}}
                ],
            }
            answer = await http.post(
                f"{node.base_url}/ocpi/cpo/2.2.1/credentials",
                json=credentials,
                headers={"Authorization": authorization_header(token_a, "2.2.1")},
            )
            document = answer.json()
            if answer.status_code != 200 or document.get("status_code") != 1000:
                raise RuntimeError(f"partner {cc}/{pid} could not register: HTTP {answer.status_code} {document}")


@contextlib.asynccontextmanager
async def application(database: str) -> AsyncIterator[Node]:
    """The CPO's own application: a `Node` on the node's database, writing its objects."""
    store = await SqlStore.open(database)
    try:
        yield Node(NodeConfig(parties=[OwnParty(RoleEnum.CPO, *seed.OUR_CPO)]), store)
    finally:
        await store.close()
