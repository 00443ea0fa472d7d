"""The hot reads of a PostgreSQL store (one object by key, a page of a list) on asyncpg connections of the
reader's own.

Through SQLAlchemy's statement, cache key, execution context and result rows, a page of 50 locations cost
0.8 ms of this process's CPU; on asyncpg directly 0.26 ms (measured on the benchmark machine), and the node's
CPU is what limits a PostgreSQL node's reads (`make bench`: list 860 -> 2,200 req/s). Taking a connection from
SQLAlchemy's pool and giving it back for each read (two greenlet hops and the pool's locking) still cost a
fifth of a list request, so the reader keeps up to `READ_CONNECTIONS` connections per event loop (an asyncpg
connection belongs to the loop it was opened on). They are opened through the engine, with its connect
arguments, and then detached from its pool. The statements are the SQLite reader's (`direct_sql`)."""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn

from ocpi.storage.base import ListQuery, ObjectKey
from ocpi.storage.direct_sql import KeyValues, credential_statement, get_statement, key_values, numbered, page_statement

READ_CONNECTIONS = 16
"""Connections a reader keeps per event loop unless told otherwise, beyond the engine's pool. On the benchmark
machine (2 cores, 32 requests in flight): with 4 the node served about 5% fewer list requests/s than with 8;
with 16, a list request cost about 4% less CPU than with 8 (requests waiting for a connection cost CPU to queue
and wake); with 32, single GETs (read one by one then) had a p99 a third higher (32 PostgreSQL backends on 2
cores)."""


@dataclass
class _Kept:
    """A loop's connections: at most `turns`' count in use or free at once."""

    turns: asyncio.Semaphore
    free: list[Any] = field(default_factory=list)
    gathering: dict[str, dict[KeyValues, list[asyncio.Future[bytes | None]]]] = field(default_factory=dict)
    """Per version column, the objects asked for since the statement that will read them was scheduled, each
    with its callers' futures (one per caller: a caller that leaves cancels only its own)."""


def _rendered_statement(column: str) -> str:
    """The objects of five parallel arrays of key columns, with their JSON in `column`."""
    return (
        f"SELECT o.module, o.country_code, o.party_id, o.object_key, o.variant, o.{column} FROM ocpi_objects AS o "
        "JOIN unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) "
        "AS k(module, country_code, party_id, object_key, variant) "
        "USING (module, country_code, party_id, object_key, variant)"
    )


class PostgresReader:
    def __init__(self, engine: AsyncEngine, connections: int = READ_CONNECTIONS):
        self.engine = engine
        self.connections = connections
        self._statements: dict[str, str] = {}
        self._kept: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Kept] = weakref.WeakKeyDictionary()
        self._reads: set[asyncio.Task[None]] = set()  # the gathered reads under way (a loop keeps weak references)

    def _kept_here(self) -> _Kept:
        loop = asyncio.get_running_loop()
        kept = self._kept.get(loop)
        if kept is None:
            kept = self._kept[loop] = _Kept(asyncio.Semaphore(self.connections))
        return kept

    async def _fetch(self, sql: str, params: Sequence[Any]) -> list[Any]:
        """The rows, on a kept connection. No transaction is begun on it (each statement is its own), so a
        connection is given back as it was taken. One that failed is closed. One the server dropped (a restart,
        an idle timeout) means it may have dropped them all: every kept connection and the engine's pool start
        afresh, and the read is tried once more on a new connection."""
        statement = self._statements.get(sql)
        if statement is None:
            statement = self._statements[sql] = numbered(sql)
        loop = asyncio.get_running_loop()
        kept = self._kept_here()
        async with kept.turns:
            while True:
                reused = bool(kept.free)
                connection = kept.free.pop() if reused else await self._connect()
                try:
                    rows: list[Any] = await connection.fetch(statement, *params)
                    break
                except BaseException:
                    dropped = connection.is_closed()
                    connection.terminate()
                    if not dropped:
                        raise
                    for other in kept.free:
                        other.terminate()
                    kept.free.clear()
                    await self.engine.dispose()
                    if not reused:
                        raise
            if self._kept.get(loop) is kept:
                kept.free.append(connection)
            else:  # the reader was closed meanwhile
                await connection.close()
        return rows

    async def _connect(self) -> Any:
        pooled = await self.engine.raw_connection()
        connection = pooled.driver_connection
        await greenlet_spawn(pooled.detach)
        return connection

    async def close(self) -> None:
        """Close the connections (one still reading is closed when its read ends)."""
        running = asyncio.get_running_loop()
        for loop, kept in list(self._kept.items()):
            free, kept.free = kept.free, []
            for connection in free:
                if loop is running:
                    await connection.close()
                else:
                    with contextlib.suppress(RuntimeError):  # its loop is closed
                        connection.terminate()
        self._kept.clear()

    async def get(self, key: ObjectKey) -> tuple[Any, ...] | None:
        """The object's row: pk, country_code, party_id, object_id, variant, last_updated (naive UTC),
        canonical, then the JSON of each version."""
        rows = await self._fetch(*get_statement(key))
        return tuple(rows[0]) if rows else None

    async def rendered(self, key: ObjectKey, column: str) -> bytes | None:
        """The object's JSON in one version's `column` (None when absent or not expressible in it).

        The objects asked for before the event loop's next turn are read together, by one statement: under
        load, requests arrive several per turn, and each round trip costs this process more CPU (two system
        calls, a wake-up) than the database's lookup of one more key by its index."""
        kept = self._kept_here()
        gathering = kept.gathering.get(column)
        if gathering is None:
            gathering = kept.gathering[column] = {}
            read = asyncio.get_running_loop().create_task(self._read_gathered(kept, column, gathering))
            self._reads.add(read)
            read.add_done_callback(self._reads.discard)
        answer: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()
        gathering.setdefault(key_values(key), []).append(answer)
        return await answer

    async def _read_gathered(
        self, kept: _Kept, column: str, wanted: dict[KeyValues, list[asyncio.Future[bytes | None]]]
    ) -> None:
        if kept.gathering.get(column) is wanted:
            del kept.gathering[column]
        try:
            keys = list(wanted)
            rows = await self._fetch(_rendered_statement(column), [list(part) for part in zip(*keys, strict=True)])
        except asyncio.CancelledError:
            for answers in wanted.values():
                for answer in answers:
                    answer.cancel()
            raise
        except Exception as error:  # each caller raises it (a read that fails is answered as an error)
            for answers in wanted.values():
                for answer in answers:
                    if not answer.done():
                        answer.set_exception(error)
            return
        found = {tuple(row[:5]): row[5] for row in rows}
        for key, answers in wanted.items():
            for answer in answers:
                if not answer.done():  # done only when its caller left (cancelled)
                    answer.set_result(found.get(key))

    async def credential(self, token_hash: str) -> tuple[Any, ...] | None:
        """The live credential's row, as `direct_sql.CREDENTIAL_COLUMN_NAMES` (times naive UTC)."""
        rows = await self._fetch(*credential_statement(token_hash))
        return tuple(rows[0]) if rows else None

    async def page(self, query: ListQuery, column: str, bit: int) -> list[tuple[int, bytes]]:
        """The page's positions and JSON in `column`."""
        return [(row[0], row[1]) for row in await self._fetch(*page_statement(query, column, bit))]
