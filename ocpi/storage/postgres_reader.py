"""The hot reads of a PostgreSQL store (one object by key, a page of a list) on asyncpg's own connection,
taken from and given back to the engine's pool.

Through SQLAlchemy's statement, cache key, execution context and result rows, a page of 50 locations cost
0.8 ms of this process's CPU; this way 0.26 ms (measured on the benchmark machine), and the node's CPU is what
limits a PostgreSQL node's reads (`make bench`: list 860 -> 2,200 req/s). The statements are the SQLite
reader's (`direct_sql`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn

from ocpi.storage.base import ListQuery, ObjectKey
from ocpi.storage.direct_sql import get_statement, numbered, page_statement


class PostgresReader:
    def __init__(self, engine: AsyncEngine):
        self.engine = engine
        self._statements: dict[str, str] = {}

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[Any]:
        """asyncpg's connection under a pooled one. No transaction is begun on it (each statement is its own),
        so the pool's reset when it is given back has nothing to undo. One that failed is not given back; one
        the server dropped means it dropped them all (a restart): the pool starts afresh, as SQLAlchemy's own
        execution does on a disconnect."""
        pooled = await self.engine.raw_connection()
        connection = pooled.driver_connection
        assert connection is not None  # a connection just taken from the pool
        try:
            yield connection
        except BaseException:
            if connection.is_closed():
                await self.engine.dispose()
            else:
                await greenlet_spawn(pooled.invalidate)
            raise
        finally:
            await greenlet_spawn(pooled.close)

    async def _fetch(self, sql: str, params: Sequence[Any]) -> list[Any]:
        statement = self._statements.get(sql)
        if statement is None:
            statement = self._statements[sql] = numbered(sql)
        async with self._connection() as connection:
            rows: list[Any] = await connection.fetch(statement, *params)
        return rows

    async def get(self, key: ObjectKey) -> tuple[Any, ...] | None:
        """The object's row: pk, country_code, party_id, object_id, variant, last_updated (naive UTC),
        canonical, then the JSON of each version."""
        rows = await self._fetch(*get_statement(key))
        return tuple(rows[0]) if rows else None

    async def page(self, query: ListQuery, column: str, bit: int) -> list[tuple[int, bytes]]:
        """The page's positions and JSON in `column`."""
        return [(row[0], row[1]) for row in await self._fetch(*page_statement(query, column, bit))]
